"""convbook.train: determinism, learning, accuracy, argument checks, per-epoch lines, and
interrupted, diverging and saturated runs."""
import pytest
import torch
from conftest import quadrant_data, small_run
from torch import nn

from convbook import train as T
from convbook.layers import LeNet, ModernLeNet


def test_same_seed_same_run():
    net1, h1 = small_run()
    net2, h2 = small_run()
    assert h1.train_loss == h2.train_loss and h1.test_acc == h2.test_acc and h1.steps == h2.steps
    for p1, p2 in zip(net1.parameters(), net2.parameters()):
        assert torch.equal(p1, p2)


def test_other_seed_other_batch_order():
    _, h1 = small_run(seed=0)
    _, h2 = small_run(seed=1)
    assert h1.train_loss != h2.train_loss


def test_it_learns_and_records_a_history():
    _, h = small_run(epochs=4)
    assert len(h.train_loss) == len(h.train_acc) == len(h.test_acc) == len(h.seconds) == 4
    assert h.train_loss[-1] < h.train_loss[0]
    assert h.test_acc[-1] >= 0.95
    assert h.examples == 240 and h.examples_per_second > 0
    assert len(h.steps) == 4 * 4 and h.steps[-1][0] == pytest.approx(4.0)
    assert "test acc" in h.summary()


def test_classic_lenet_with_sgd_and_xavier_runs():
    torch.manual_seed(0)
    net = T.init_xavier(LeNet(num_classes=4))
    X, y = quadrant_data(64)
    h = T.train(net, (X, y), None, epochs=1, lr=0.9, batch_size=16, progress=False, live=False,
                log=lambda line: None)
    assert h.test_acc == [] and len(h.train_loss) == 1


def test_plain_run_prints_one_line_per_epoch():
    lines = []
    small_run(epochs=3, log=lines.append)
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3: loss ")
    assert all("test acc" in line and "examples/s" in line for line in lines)
    assert not T.in_notebook()


def test_evaluate_accuracy_and_predict():
    class Fixed(nn.Module):                 # predicts class = first pixel > 0.5
        def forward(self, x):
            p = (x[:, 0, 0, 0] > 0.5).float()
            return torch.stack([1 - p, p], 1)

    X = torch.zeros(10, 4, 4, dtype=torch.uint8)
    X[:3, 0, 0] = 255
    y = torch.tensor([1, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    net = Fixed().train()
    assert T.evaluate_accuracy(net, X, y, batch_size=3) == pytest.approx(0.8)
    assert T.predict(net, X).tolist() == [1, 1, 1] + [0] * 7
    assert net.training                                   # mode restored


def test_evaluate_accuracy_takes_features_as_they_are_and_restores_either_mode():
    """speed_train evaluates what frozen layers made of the images (images=False), with or
    without inference mode; the net's mode comes back whichever it was."""
    net = nn.Linear(3, 2)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
        net.bias.zero_()
    X, y = torch.tensor([[2.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), torch.tensor([0, 1, 1])
    for mode in (False, True):
        net.train(mode)
        for inference in (True, False):
            assert T.evaluate_accuracy(net, X, y, 2, inference, images=False) == 2 / 3
            assert net.training is mode
    with pytest.raises(ValueError, match="N x H x W"):
        T.evaluate_accuracy(net, X, y)            # images=True: 2-D rows are not images


def test_as_images():
    X = torch.full((2, 5, 5), 255, dtype=torch.uint8)
    out = T.as_images(X)
    assert out.shape == (2, 1, 5, 5) and out.dtype == torch.float32 and out.max() == 1.0
    F = torch.rand(2, 3, 5, 5)
    assert torch.equal(T.as_images(F), F)
    with pytest.raises(TypeError, match="X must be uint8"):
        T.as_images(torch.zeros(2, 5, 5, dtype=torch.int32))
    with pytest.raises(ValueError, match="N x H x W"):
        T.as_images(torch.zeros(5, 5))
    with pytest.raises(TypeError, match="X must be a torch tensor"):
        T.as_images([[0]])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(epochs=0), ValueError, "epochs must be a positive int"),
    (dict(epochs=1.5), TypeError, "epochs must be a positive int"),
    (dict(batch_size="32"), TypeError, "batch_size must be a positive int"),
    (dict(lr=-1), ValueError, "lr must be a positive finite number"),
    (dict(lr=float("inf")), ValueError, "lr must be a positive finite number"),
    (dict(live=1), ValueError, "live must be"),
    (dict(progress="no"), TypeError, "progress must be True or False"),
    (dict(train_data=(torch.zeros(3, 28, 28), torch.tensor([0, 1, 4]))), ValueError,
     "train_data labels run from 0 to 4, but net outputs 4 class scores"),
    (dict(train_data=(torch.zeros(3, 28, 28), torch.tensor([0, -1, 2]))), ValueError,
     "labels must lie in 0..3"),
    (dict(test_data=(torch.zeros(2, 28, 28), torch.tensor([0, 9]))), ValueError,
     "test_data labels run from 0 to 9"),
    (dict(net=nn.Sequential(nn.Flatten(), nn.Linear(784, 3))), ValueError,
     "but net outputs 3 class scores"),
    (dict(net=nn.Sequential(nn.Conv2d(1, 4, 3))), ValueError,
     "net must output one row of class scores"),
    (dict(optimizer="rmsprop"), ValueError, "optimizer must be 'sgd', 'adam'"),
    (dict(live="yes"), ValueError, "live must be"),
    (dict(seed=1.0), TypeError, "seed must be an int"),
    (dict(train_data=torch.zeros(3)), TypeError, "train_data must be an \\(images, labels\\)"),
    (dict(train_data=(torch.zeros(3, 28, 28), torch.zeros(2, dtype=torch.long))), ValueError,
     "3 images but 2 labels"),
    (dict(train_data=(torch.zeros(3, 28, 28), torch.zeros(3))), TypeError,
     "labels\\) must be a 1-D integer tensor"),
    (dict(net="lenet"), TypeError, "net must be a torch.nn.Module"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    X, y = quadrant_data(8)
    options = dict(net=ModernLeNet(4), train_data=(X, y), progress=False, live=False)
    options.update(kwargs)
    with pytest.raises(error, match=match):
        T.train(**options)


def test_confusion_matrix_counts_and_checks():
    counts = T.confusion_matrix(torch.tensor([0, 0, 1, 2, 2, 2]), torch.tensor([0, 1, 1, 2, 0, 2]), 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert counts.sum() == 6
    with pytest.raises(ValueError, match="same length"):
        T.confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]), 2)
    with pytest.raises(ValueError, match="y_pred must hold classes 0..1"):
        T.confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 2]), 2)


def test_plot_helpers_for_the_lenet_section():
    from convbook.plot import show_confusion, show_feature_maps

    fig = show_confusion(torch.tensor([[3, 1], [0, 4]]), ["a", "b"], title="t")
    assert [t.get_text() for t in fig.axes[0].texts] == ["3", "1", "4"]   # zeros left blank
    with pytest.raises(ValueError, match="class_names must name all 2 classes"):
        show_confusion([[1, 0], [0, 1]], ["a"])
    with pytest.raises(ValueError, match="square"):
        show_confusion([[1, 0, 0], [0, 1, 0]], ["a", "b"])
    maps = torch.rand(2, 16, 10, 10)
    fig = show_feature_maps(torch.rand(2, 28, 28), list(maps), ["x", "y"], maps_per_row=8)
    # 8 maps and the image in a row would be wider than a phone allows (plot.MAX_WIDTH) with
    # panels under 0.9 in, so each image's 16 maps wrap into 4 rows of 4 beside the image
    assert len(fig.axes) == 2 * 4 * 5
    titles = [ax.get_title() for ax in fig.axes if ax.get_title().startswith("map")]
    assert titles[:16] == [f"map {k}" for k in range(16)]   # channel indices, as 04 numbers them
    with pytest.raises(ValueError, match="equally long"):
        show_feature_maps([torch.rand(28, 28)], list(maps))
    import matplotlib.pyplot as plt

    plt.close("all")


# --- interrupted, diverging and saturated runs -------------------------------------------------

class InterruptAt(nn.Module):
    """Wraps a net; raises KeyboardInterrupt (a Ctrl-C) at the given training forward call."""

    def __init__(self, net, call):
        super().__init__()
        self.net, self.call, self.calls = net, call, 0

    def forward(self, x):
        if torch.is_grad_enabled():
            self.calls += 1
            if self.calls == self.call:
                raise KeyboardInterrupt
        return self.net(x)


def test_ctrl_c_keeps_the_completed_epochs_and_says_how_to_continue(capsys):
    torch.manual_seed(0)
    X, y = quadrant_data()
    net = InterruptAt(ModernLeNet(num_classes=4), call=2 * 8 + 3)    # 8 batches an epoch
    try:
        h = T.train(net, (X, y), (X[:80], y[:80]), epochs=5, lr=0.01, optimizer="adam",
                    batch_size=32, progress=False, live=False, log=lambda line: None)
    except KeyboardInterrupt:
        pytest.fail("the interruption escaped train(): the completed epochs were lost")
    assert h.interrupted and len(h.train_loss) == len(h.test_acc) == len(h.seconds) == 2
    assert all(t <= 2 for t, _, _ in h.steps) and len(h.steps) == 2 * 4
    out = capsys.readouterr().out
    assert "Interrupted in epoch 3/5: epochs 1-2 kept" in out and "epochs=3" in out
    assert "(interrupted)" in h.summary()


@pytest.mark.parametrize("lr", [1e6, 1e12])
def test_a_diverging_loss_stops_with_the_epoch_batch_and_advice(lr):
    torch.manual_seed(0)
    X, y = quadrant_data()
    with pytest.raises(FloatingPointError, match=r"became (nan|inf) in epoch \d+/3, batch \d+/8"
                       r".*smaller learning rate"):
        T.train(ModernLeNet(num_classes=4), (X, y), None, epochs=3, lr=lr, batch_size=32,
                progress=False, live=False, log=lambda line: None)


def test_live_true_outside_a_notebook_prints_lines_instead():
    lines = []
    small_run(epochs=2, live=True, log=lines.append)
    assert len(lines) == 2 and lines[1].startswith("epoch 2/2: loss ")


def test_a_saturated_run_far_above_chance_is_flagged_once(capsys):
    torch.manual_seed(0)
    X, y = quadrant_data()
    h = T.train(LeNet(num_classes=4), (X, y), None, epochs=2, lr=1e6, batch_size=32,
                progress=False, live=False, log=lambda line: None)
    assert h.train_loss[-1] > 1e3                       # sigmoids saturate: finite, useless
    out = capsys.readouterr().out
    assert out.count("Warning: epoch 1 ended with loss") == 1
    assert "ln 4 = 1.39" in out and "lr=1000000.0" in out
    small_run(epochs=2)
    assert "Warning" not in capsys.readouterr().out


def test_history_elapsed_counts_evaluation():
    torch.manual_seed(0)
    X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
    h = T.train(LeNet(), (X, y), (X, y), epochs=2, lr=0.1, batch_size=16, progress=False,
                live=False, log=lambda line: None)
    assert len(h.elapsed) == 2 and h.elapsed[0] < h.elapsed[1]
    assert h.elapsed[1] >= sum(h.seconds)


# --- issue 21 ----------------------------------------------------------------------------------

class InterruptEvaluationAt(nn.Module):
    """Raises KeyboardInterrupt at the given forward call made without autograd (the first is
    train's check of the output width, then one per evaluation)."""

    def __init__(self, net, call):
        super().__init__()
        self.net, self.call, self.calls = net, call, 0

    def forward(self, x):
        if not torch.is_grad_enabled():
            self.calls += 1
            if self.calls == self.call:
                raise KeyboardInterrupt
        return self.net(x)


def test_ctrl_c_during_an_evaluation_keeps_only_whole_epochs(capsys):
    """Issue 21 T1: an interruption in epoch 2's evaluation left 2 losses and 1 accuracy, and
    summary() paired epoch 2's loss with epoch 1's accuracy ("epochs 1-2 kept")."""
    torch.manual_seed(0)
    X, y = quadrant_data()
    net = InterruptEvaluationAt(ModernLeNet(num_classes=4), call=3)
    h = T.train(net, (X, y), (X[:80], y[:80]), epochs=5, lr=0.01, optimizer="adam",
                batch_size=32, progress=False, live=False, log=lambda line: None)
    assert h.interrupted
    assert len(h.train_loss) == len(h.train_acc) == len(h.test_acc) == len(h.seconds) == \
        len(h.elapsed) == 1
    assert all(t <= 1 for t, _, _ in h.steps)
    out = capsys.readouterr().out
    assert "Interrupted in epoch 2/5: epoch 1 kept" in out and "epochs=4" in out
    assert f"loss {h.train_loss[0]:.3f}" in h.summary() and "over 1 epochs" in h.summary()


def test_a_confusion_matrix_too_large_is_refused_before_any_work(monkeypatch):
    """Issue 21: num_classes=10**6 tried to allocate 8 TB."""
    monkeypatch.setattr(torch, "bincount", lambda *a, **k: pytest.fail("work was done"))
    with pytest.raises(ValueError, match=r"num_classes=1000000 makes the confusion matrix "
                                         r"1000000 x 1000000"):
        T.confusion_matrix(torch.tensor([0]), torch.tensor([0]), num_classes=10 ** 6)


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((None,), {}, TypeError, r"train_data must be an \(images, labels\) pair"),
    ((), dict(optimizer="sgd"), TypeError, r"train_fast sets optimizer itself"),
    ((), dict(on_batch=print, lr=0.1), TypeError, r"train_fast sets lr, on_batch itself"),
    ((), dict(max_lr="0.1"), TypeError, r"max_lr must be a positive number, got '0.1'"),
    ((), dict(max_lr=float("nan")), ValueError, r"max_lr must be a positive number"),
    ((), dict(epochs=1, batch_size=64), ValueError,
     r"one-cycle schedule needs at least 8 steps .* epochs=1 over 64 images in batches of "
     r"batch_size=64 make 1"),
    ((), dict(net="lenet", batch_size=8), TypeError, r"net must be None or a torch.nn.Module"),
])
def test_train_fast_names_bad_arguments_before_any_work(args, kwargs, error, match):
    """Issue 21: raw errors (TypeError from len(None), 'multiple values for optimizer', Adam's
    own message) and a one-cycle error naming warmup * total_steps, not the user's arguments."""
    from convbook.recipe import train_fast

    X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
    with pytest.raises(error, match=match):
        train_fast(*(args or ((X, y),)), progress=False, live=False, **kwargs)
