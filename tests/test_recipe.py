"""convbook.recipe: the one-cycle schedule and its argument checks, and train_fast on a toy
problem."""
import pytest
import torch

from convbook.layers import BatchNormLeNet
from convbook.recipe import one_cycle, train_fast


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
    for max_lr in (0, float("inf")):
        with pytest.raises(ValueError, match="max_lr must be a positive finite number"):
            one_cycle(opt, 10, max_lr)
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
