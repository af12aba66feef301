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

