"""convbook.speedrun: FastNet's budget and shapes, speed_train's options and its refusals."""
import pytest
import torch
from torch import nn

from convbook.layers import LeNet
from convbook.speedrun import FastNet, speed_train
from convbook.train import layer_summary


def tiny(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g), torch.arange(n) % 10


def test_fastnet_stays_within_lenets_budget_with_fewer_flops_per_parameter_at_full_size():
    fast, lenet = layer_summary(FastNet()), layer_summary(LeNet())
    assert fast.parameters <= lenet.parameters == 61706
    assert fast[0][1] == (4, 14, 14)                    # space-to-depth: no arithmetic
    assert fast[0][3] == 0
    assert FastNet()(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_without_batchnorm_the_convolutions_get_biases():
    net = FastNet(batchnorm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net)
    assert all(m.bias is not None for m in net if isinstance(m, nn.Conv2d))


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
    for options in ({}, {"channels_last": False}, {"inference_eval": False}):
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
    ({"stop_at": "0.9"}, TypeError, "stop_at"),
])
def test_bad_options_are_refused_before_training(options, error, words):
    X, y = tiny()
    with pytest.raises(error, match=words):
        speed_train((X, y), (X, y), **{"batch_size": 8, **options})

