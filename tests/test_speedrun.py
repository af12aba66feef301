"""convbook.speedrun: FastNet's budget and shapes, the whitened first layer, the layers run
once, speed_train's options and its refusals."""
import pytest
import torch
from torch import nn

from convbook.layers import LeNet
from torch.nn import functional as F

from convbook.speedrun import (FastNet, frozen_prefix, speed_train, whiten_first_conv,
                               whitening_filters)
from convbook.netspec import layer_summary


def tiny(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g), torch.arange(n) % 10


def test_fastnet_stays_within_lenets_budget_and_computes_about_half_its_flops():
    fast, lenet = layer_summary(FastNet()), layer_summary(LeNet())
    assert fast.parameters <= lenet.parameters == 61706
    assert fast[0][1] == (32, 7, 7)                     # stride 4: 49 positions, not 784
    assert fast.flops < 0.55 * lenet.flops
    assert FastNet()(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_without_batchnorm_the_convolutions_get_biases():
    net = FastNet(batchnorm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net)
    assert all(m.bias is not None for m in net if isinstance(m, nn.Conv2d))


def test_whitened_outputs_are_centred_uncorrelated_and_of_unit_variance():
    g = torch.Generator().manual_seed(0)
    mixing = torch.randn(36, 36, generator=g)           # correlated pixels
    images = (torch.randn(400, 49, 36, generator=g) @ mixing + 3.0)  # 400 x 49 patches
    images = images.view(400, 7, 7, 6, 6).permute(0, 1, 3, 2, 4).reshape(400, 1, 42, 42)
    conv = nn.Conv2d(1, 36, 6, stride=6)                # every patch seen once
    weight, bias = whitening_filters(images, conv, eps=0.0)
    out = F.conv2d(images, weight, bias, stride=6)[:, :18]    # one of each +/- pair
    out = out.permute(1, 0, 2, 3).reshape(18, -1)
    assert out.mean(1).abs().max() < 1e-3
    assert torch.allclose(torch.cov(out), torch.eye(18), atol=1e-3)
    assert torch.equal(weight[:18], -weight[18:])


def test_whitening_freezes_the_first_layer_and_the_layers_up_to_it_are_run_once():
    net = FastNet()
    assert frozen_prefix(net) == 0                      # everything trains
    assert whiten_first_conv(net, torch.randn(32, 1, 28, 28)) == 0
    assert not any(p.requires_grad for p in net[0].parameters())
    assert frozen_prefix(net) == 2                      # the convolution and its ReLU
    assert frozen_prefix(nn.Sequential(nn.Flatten(), nn.BatchNorm1d(4))) == 1
    with pytest.raises(TypeError, match="Conv2d"):
        whiten_first_conv(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)),
                          torch.randn(2, 1, 28, 28))
    with pytest.raises(TypeError, match="Sequential"):
        whiten_first_conv(nn.Conv2d(1, 2, 3), torch.randn(2, 1, 28, 28))


def test_running_the_frozen_layers_once_changes_nothing_but_the_time():
    X, y = tiny(256)
    accs = []
    for cache in (True, False):
        torch.manual_seed(0)
        run = speed_train((X, y), (X, y), epochs=1, batch_size=32, evals=2, cache=cache)
        assert run.cached_layers == (2 if cache else 0)
        accs.append(run.test_acc)
    assert accs[0] == pytest.approx(accs[1], abs=0.02)


def test_a_run_records_one_entry_per_evaluation_and_keeps_the_callers_data():
    X, y = tiny()
    before = X.clone()
    torch.manual_seed(0)
    run = speed_train((X, y), (X, y), epochs=1, batch_size=8, evals=4)
    assert run.examples == [16, 32, 48, 64]
    assert len(run.test_acc) == len(run.elapsed) == len(run.train_seconds) == 4
    assert run.elapsed == sorted(run.elapsed) and run.train_seconds[-1] <= run.elapsed[-1]
    assert torch.equal(X, before)
    assert run.time_to(1.01) is None and run.time_to(0.0) == run.elapsed[0]


def test_stop_at_ends_the_run_at_the_first_evaluation_reaching_it():
    X, y = tiny()
    torch.manual_seed(0)
    run = speed_train((X, y), (X, y), epochs=1, batch_size=8, evals=4, stop_at=0.0)
    assert len(run.test_acc) == 1


def test_the_levers_give_the_same_arithmetic_or_a_valid_run():
    X, y = tiny()
    results = []
    for options in ({}, {"channels_last": False}, {"inference_eval": False},
                    {"whiten": False}):
        torch.manual_seed(0)
        results.append(speed_train((X, y), (X, y), epochs=1, batch_size=8, evals=1,
                                   **options).test_acc[0])
    assert max(results) - min(results) < 0.05           # same network, same batches
    torch.manual_seed(0)
    run = speed_train((X, y), (X, y), epochs=1, batch_size=8, evals=1, schedule="constant",
                      init=nn.init.xavier_uniform_, threads=1)
    assert run.threads == 1 and 0 <= run.test_acc[0] <= 1


def test_threads_are_restored_after_the_call():
    X, y = tiny()
    threads = torch.get_num_threads()
    speed_train((X, y), (X, y), epochs=1, batch_size=8, evals=1, threads=1)
    assert torch.get_num_threads() == threads


@pytest.mark.parametrize("options, error, words", [
    ({"epochs": 0}, ValueError, "epochs"),
    ({"max_lr": -1}, ValueError, "max_lr"),
    ({"schedule": "cosine"}, ValueError, "schedule"),
    ({"evals": 100}, ValueError, "evals"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"channels_last": "yes"}, TypeError, "channels_last"),
    ({"whiten": 1}, TypeError, "whiten"),
    ({"cache": None}, TypeError, "cache"),
    ({"stop_at": "0.9"}, TypeError, "stop_at"),
])
def test_bad_options_are_refused_before_training(options, error, words):
    X, y = tiny()
    with pytest.raises(error, match=words):
        speed_train((X, y), (X, y), **{"batch_size": 8, **options})



# --- issue 21 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(test_labels=10), ValueError, r"test_data labels run from 10 to 19, but net outputs "
                                       r"10 class scores"),
    (dict(train_labels=10), ValueError, r"train_data labels run from 10 to 19"),
    (dict(train_labels=-1), ValueError, r"train_data labels run from -1 to 8"),
    (dict(shape=(64, 20, 20)), ValueError, r"net cannot run on images of shape \(1, 20, 20\)"),
    (dict(shape=(64, 64, 64)), ValueError, r"net cannot run on images of shape \(1, 64, 64\)"),
    (dict(shape=(64, 3, 28, 28)), ValueError, r"net cannot run on images of shape \(3, 28, 28\)"),
    (dict(betas=(0.9,)), TypeError, r"betas must be a pair of numbers in \[0, 1\)"),
    (dict(betas=5), TypeError, r"betas must be a pair"),
    (dict(betas=(0.9, 0.99, 0.9)), TypeError, r"betas must be a pair"),
    (dict(betas=(0.9, 1.5)), TypeError, r"betas must be a pair"),
    (dict(seed="abc"), TypeError, r"seed must be an int, got 'abc'"),
    (dict(seed=None), TypeError, r"seed must be an int, got None"),
    (dict(seed=1.7), TypeError, r"seed must be an int, got 1.7"),
    (dict(init="xavier"), TypeError, r"init must be None or a function"),
    (dict(net="fastnet"), TypeError, r"net must be None or a torch.nn.Module"),
    (dict(epochs=1.5, batch_size=1024), ValueError,
     r"batch_size \(1024\) is larger than the training set \(64 images\)"),
    (dict(stop_at=-1), ValueError, r"stop_at must be an accuracy in \[0, 1\]"),
    (dict(stop_at=2), ValueError, r"stop_at must be an accuracy in \[0, 1\]"),
    (dict(stop_at=float("nan")), ValueError, r"stop_at must be an accuracy in \[0, 1\]"),
    (dict(epochs=1, batch_size=16), ValueError,
     r"one-cycle schedule needs at least 8 steps .* epochs=1 over 64 images in batches of "
     r"batch_size=16 make 4"),
])
def test_bad_arguments_are_named_before_the_preparation(kwargs, error, match, monkeypatch):
    """Issue 21: S1 (test labels 10..19 gave accuracy 0.0 silently), raw errors after the
    whitening ("mat1 and mat2 shapes cannot be multiplied", Adam's own messages), a batch
    larger than the data training 12.8 epochs for epochs=1.5, stop_at outside [0, 1]."""
    import convbook.speedrun as S

    monkeypatch.setattr(S, "normalise", lambda *a: pytest.fail("preparation started"))
    shape = kwargs.pop("shape", (64, 28, 28))
    X = torch.randint(0, 256, shape, dtype=torch.uint8)
    y = torch.arange(64) % 10
    train_y = y + kwargs.pop("train_labels", 0)
    test_y = y + kwargs.pop("test_labels", 0)
    options = dict(epochs=1, batch_size=8, evals=1)
    options.update(kwargs)
    with pytest.raises(error, match=match):
        speed_train((X, train_y), (X, test_y), **options)


def test_ctrl_c_in_speed_train_keeps_the_evaluations_made(monkeypatch, capsys):
    """Issue 21: an interruption lost the whole run (train keeps it)."""
    import convbook.speedrun as S

    calls = []
    real = S.evaluate_accuracy

    def interrupted_accuracy(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(S, "evaluate_accuracy", interrupted_accuracy)
    torch.manual_seed(0)
    try:
        run = speed_train(tiny(), tiny(), epochs=2, batch_size=8, evals=4)
    except KeyboardInterrupt:
        pytest.fail("the interruption escaped speed_train(): the evaluations made were lost")
    assert run.interrupted and len(run.test_acc) == len(run.examples) == len(run.elapsed) == \
        len(run.train_seconds) == len(run.cpu_seconds) == len(run.eval_seconds) == 1
    assert "Interrupted: 1 evaluation kept" in capsys.readouterr().out


@pytest.mark.parametrize("call, error, match", [
    (lambda: whitening_filters(torch.randn(4, 1, 8, 8), nn.Conv2d(1, 20, 3)), ValueError,
     r"conv has 20 output channels but its patches have 9 dimensions: whitening gives at most "
     r"18 filters"),
    (lambda: whitening_filters(torch.ones(4, 1, 8, 8), nn.Conv2d(1, 4, 3), eps=0), ValueError,
     r"no variance along some of the 2 directions .* give eps > 0"),
    (lambda: whitening_filters(torch.ones(4, 1, 8, 8), nn.Conv2d(1, 4, 3), eps=-1), ValueError,
     r"eps must be a number >= 0"),
    (lambda: whitening_filters(torch.ones(4, 2, 8, 8), nn.Conv2d(1, 4, 3)), ValueError,
     r"inputs must be N x 1 x H x W"),
    (lambda: whiten_first_conv(FastNet(), torch.randn(16, 28, 28)), ValueError,
     r"images must be a non-empty N x C x H x W tensor .* shape \(16, 28, 28\)"),
    (lambda: whiten_first_conv(FastNet(), torch.randn(0, 1, 28, 28)), ValueError,
     r"images must be a non-empty"),
    (lambda: whiten_first_conv(FastNet(), torch.full((2, 1, 28, 28), float("nan"))),
     ValueError, r"not finite"),
])
def test_whitening_refuses_what_would_give_nan_or_a_raw_error(call, error, match):
    """Issue 21: a raw reshape error for too many outputs; NaN weights from 0 images or
    constant images with eps <= 0; a raw error for 3-D images."""
    with pytest.raises(error, match=match):
        call()


def test_the_frozen_prefix_of_an_empty_sequential_is_zero():
    """Issue 21: it returned -1."""
    assert frozen_prefix(nn.Sequential()) == 0
