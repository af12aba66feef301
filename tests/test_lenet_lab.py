"""The LeNet section's helpers: layer variants, probes, the fast recipe, train's on_batch."""
import pytest
import torch
from torch import nn

from convbook import probes
from convbook.layers import MLP, BatchNormLeNet, BlurMaxPool2d, BlurPoolLeNet, LeNet
from convbook.recipe import one_cycle, train_fast
from convbook.train import layer_summary, train

LENET_PARAMETERS = 61706


def count(net):
    return sum(p.numel() for p in net.parameters())


def test_variants_keep_lenets_budget_and_shapes():
    for net in (BlurPoolLeNet(), BatchNormLeNet()):
        assert count(net) == LENET_PARAMETERS
        assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert count(MLP()) <= LENET_PARAMETERS
    assert count(MLP(hidden=(8, 4))) == 784 * 8 + 8 + 8 * 4 + 4 + 4 * 10 + 10
    with pytest.raises(ValueError, match="hidden must be a positive int"):
        MLP(hidden=(0,))
    # the summary counts FLOPs the same way for the BatchNorm variant's convolutions
    assert layer_summary(BatchNormLeNet()).flops == layer_summary(LeNet()).flops


def test_blur_max_pool_is_max_pool_then_binomial_blur():
    x = torch.rand(2, 3, 10, 10)
    dense = nn.functional.max_pool2d(x, 2, stride=1)
    padded = nn.functional.pad(dense, (1, 1, 1, 1), mode="reflect")
    taps = torch.tensor([1.0, 2.0, 1.0])
    k = (torch.outer(taps, taps) / 16).expand(3, 1, 3, 3)
    expected = nn.functional.conv2d(padded, k, stride=2, groups=3)
    assert torch.allclose(BlurMaxPool2d(2, 2)(x), expected)
    assert BlurMaxPool2d()(x).shape == nn.MaxPool2d(2, 2)(x).shape
    # a constant image stays constant: the blur sums to 1
    assert torch.allclose(BlurMaxPool2d()(torch.full((1, 1, 8, 8), 0.5)), torch.tensor(0.5))
    with pytest.raises(ValueError, match="stride must be a positive int"):
        BlurMaxPool2d(2, 0)


def test_blur_pooling_changes_less_under_a_one_pixel_shift():
    torch.manual_seed(0)
    x = torch.rand(16, 1, 16, 16)
    shifted = probes.shift_images(x, 1, 0)
    change = {}
    for name, pool in (("max", nn.MaxPool2d(2, 2)), ("blur", BlurMaxPool2d(2, 2))):
        a, b = pool(x)[..., 1:-1], pool(shifted)[..., 1:-1]
        change[name] = (a - b).abs().mean().item()
    assert change["blur"] < change["max"]


def test_shift_images():
    X = torch.arange(16.0).reshape(1, 4, 4)
    assert torch.equal(probes.shift_images(X, 0, 0), X)
    down_left = probes.shift_images(X, -1, 2)
    assert down_left[0, 2:, :3].tolist() == X[0, :2, 1:].tolist()
    assert down_left[0, :2].abs().sum() == 0 and down_left[0, :, 3].abs().sum() == 0
    with pytest.raises(ValueError, match=r"dx must be an int with \|dx\| < 4"):
        probes.shift_images(X, 4, 0)
    with pytest.raises(TypeError, match="X must be a tensor"):
        probes.shift_images([[1]], 0, 0)


def test_shift_accuracy_of_a_shift_invariant_net():
    # a net that only counts bright pixels ignores shifts that keep them inside the image
    class Count(nn.Module):
        def forward(self, x):
            return nn.functional.one_hot((x > 0.5).flatten(1).sum(1).clamp(max=9), 10).float()

    X = torch.zeros(5, 12, 12, dtype=torch.uint8)
    for i in range(5):
        X[i, 5:7, 5:5 + i] = 255
    y = torch.tensor([0, 2, 4, 6, 8])
    result = probes.shift_accuracy(Count(), X, y, max_shift=3)
    assert result["shift"] == [0, 1, 2, 3]
    assert result["accuracy"] == [1.0] * 4 and result["consistency"] == [1.0] * 4


def test_gradient_norms_recorded_through_train():
    torch.manual_seed(0)
    net = LeNet()
    norms = probes.GradientNorms(net, every=2)
    X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
    calls = []
    train(net, (X, y), None, epochs=2, lr=0.1, batch_size=16, progress=False, live=False,
          log=lambda line: None, on_batch=lambda n, s: (calls.append(s), norms(n, s)))
    assert calls == list(range(1, 9))
    assert norms.steps == [2, 4, 6, 8] and len(norms.norms) == 5
    assert all(v > 0 for layer in norms.norms for v in layer)
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        probes.GradientNorms(nn.ReLU())
    with pytest.raises(TypeError, match="on_batch must be callable"):
        train(net, (X, y), epochs=1, on_batch=3, progress=False, live=False)


def test_history_elapsed_counts_evaluation():
    torch.manual_seed(0)
    X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
    h = train(LeNet(), (X, y), (X, y), epochs=2, lr=0.1, batch_size=16, progress=False,
              live=False, log=lambda line: None)
    assert len(h.elapsed) == 2 and h.elapsed[0] < h.elapsed[1]
    assert h.elapsed[1] >= sum(h.seconds)


def test_one_cycle_schedule_and_checks():
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=1.0)
    step = one_cycle(opt, 10, 0.5, warmup=0.3)
    rates = [opt.param_groups[0]["lr"]]
    for s in range(1, 11):
        opt.step()
        step(None, s)
        rates.append(opt.param_groups[0]["lr"])
    peak = rates.index(max(rates))
    assert rates[0] == pytest.approx(0.5 / 25) and max(rates) == pytest.approx(0.5)
    assert rates[:peak + 1] == sorted(rates[:peak + 1]) and 0 < peak < 5
    assert rates[peak:-1] == sorted(rates[peak:-1], reverse=True) and rates[-2] < 1e-3
    with pytest.raises(ValueError, match="max_lr must be a positive number"):
        one_cycle(opt, 10, 0)
    with pytest.raises(ValueError, match="warmup must be a fraction"):
        one_cycle(opt, 10, 0.1, warmup=1)
    with pytest.raises(ValueError, match="total_steps must be a positive int"):
        one_cycle(opt, 0, 0.1)
    with pytest.raises(ValueError, match="warmup \\* total_steps must be at least 2"):
        one_cycle(opt, 4, 0.1)


def test_train_fast_learns_a_toy_problem():
    torch.manual_seed(0)
    X = torch.zeros(200, 28, 28, dtype=torch.uint8)
    y = torch.arange(200) % 2
    X[y == 1, :, :14] = 255          # class 1: left half bright
    net, h = train_fast((X, y), (X, y), epochs=2, batch_size=20, progress=False, live=False,
                        log=lambda line: None)
    assert h.test_acc[-1] == 1.0 and isinstance(net, BatchNormLeNet)


def test_confidence_and_effective_receptive_field():
    torch.manual_seed(0)
    net = LeNet()
    c = probes.confidence(net, torch.rand(4, 28, 28))
    assert c.shape == (4,) and bool(((c >= 0.1) & (c <= 1)).all()) and net.training
    erf = probes.effective_receptive_field(net[:4], torch.rand(3, 28, 28), (5, 5))
    rows, cols = torch.nonzero(erf.sum(1)).flatten(), torch.nonzero(erf.sum(0)).flatten()
    # conv(5, pad 2), pool 2, conv 5: unit (5, 5) of layer 4 sees input rows 8..21 (14 rows)
    assert (rows.min().item(), rows.max().item()) == (8, 21)
    assert (cols.min().item(), cols.max().item()) == (8, 21)
    with pytest.raises(ValueError, match="unit must lie inside"):
        probes.effective_receptive_field(net[:4], torch.rand(1, 28, 28), (10, 0))
