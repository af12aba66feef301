"""A fast recipe for a LeNet-sized network: batch normalisation, Adam and a one-cycle
learning-rate schedule (Smith & Topin, 2019), on top of :func:`convbook.train.train`.

>>> import torch
>>> X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
>>> net, history = train_fast((X, y), (X, y), epochs=1, batch_size=8, progress=False,
...                           live=False, log=lambda line: None)
>>> type(net).__name__, len(history.test_acc)
('BatchNormLeNet', 1)
"""
import math
from numbers import Real

import torch

from ._checks import positive_int, positive_number
from .layers import BatchNormLeNet
from .train import as_labelled_images, train

__all__ = ["BATCHNORM_LENET_RECIPE", "one_cycle", "train_fast"]

# train_fast's settings for the BatchNorm LeNet (Adam, one-cycle schedule): test accuracy
# 0.869, 0.900, 0.910 after epochs 1-3 (Fashion-MNIST 2017-08-26 split, seed 0,
# one thread); benchmarks/bench_train.py times it against the modern LeNet
BATCHNORM_LENET_RECIPE = {"epochs": 3, "batch_size": 256, "max_lr": 0.01}


def one_cycle(optimizer, total_steps, max_lr, warmup=0.25):
    """An ``on_batch`` callback for :func:`convbook.train.train` that steps a one-cycle
    schedule: the learning rate rises from max_lr/25 to ``max_lr`` over the first ``warmup``
    fraction of ``total_steps`` and then anneals (cosine) to almost 0.

    >>> opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> step, rates = one_cycle(opt, 8, 0.01), [opt.param_groups[0]["lr"]]
    >>> for s in range(1, 8):
    ...     opt.step(); step(None, s); rates.append(opt.param_groups[0]["lr"])
    >>> [round(r, 4) for r in rates]
    [0.0004, 0.01, 0.0093, 0.0075, 0.005, 0.0025, 0.0007, 0.0]
    """
    total_steps = positive_int(total_steps, "total_steps")
    positive_number(max_lr, "max_lr")
    if not 0 < warmup < 1:
        raise ValueError(f"warmup must be a fraction between 0 and 1, got {warmup!r}")
    if warmup * total_steps < 2:
        raise ValueError(f"warmup * total_steps must be at least 2 (a rise and a fall), got "
                         f"{warmup} * {total_steps}")
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=total_steps, pct_start=warmup)

    def step(net, step):
        if step < total_steps:          # the schedule ends at the last step
            schedule.step()

    return step


def train_fast(train_data, test_data=None, epochs=BATCHNORM_LENET_RECIPE["epochs"],
               batch_size=BATCHNORM_LENET_RECIPE["batch_size"],
               max_lr=BATCHNORM_LENET_RECIPE["max_lr"], seed=0, net=None, **kwargs):
    """Train a :class:`~convbook.layers.BatchNormLeNet` (or ``net``) with Adam and a one-cycle
    schedule; returns ``(net, history)``. Other keyword arguments go to
    :func:`convbook.train.train`. Seed torch first for the same initial weights."""
    X, _ = as_labelled_images(train_data, "train_data")
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    if isinstance(max_lr, bool) or not isinstance(max_lr, Real):
        raise TypeError(f"max_lr must be a positive number, got {max_lr!r}")
    if not 0 < max_lr < math.inf:
        raise ValueError(f"max_lr must be a positive number, got {max_lr!r}")
    taken = sorted({"optimizer", "lr", "on_batch"} & set(kwargs))
    if taken:
        raise TypeError(f"train_fast sets {', '.join(taken)} itself (Adam with a one-cycle "
                        f"schedule peaking at max_lr): call convbook.train.train for another "
                        f"optimizer or schedule")
    steps = epochs * math.ceil(len(X) / batch_size)
    if steps / 4 < 2:
        raise ValueError(f"the one-cycle schedule needs at least 8 steps (a rise over a quarter "
                         f"of them, then a fall), but epochs={epochs} over {len(X)} images in "
                         f"batches of batch_size={batch_size} make {steps}: train more epochs "
                         f"or use smaller batches")
    net = BatchNormLeNet() if net is None else net
    if not isinstance(net, torch.nn.Module):
        raise TypeError(f"net must be None or a torch.nn.Module, got {type(net).__name__}")
    optimizer = torch.optim.Adam(net.parameters(), lr=max_lr)
    history = train(net, train_data, test_data, epochs=epochs, optimizer=optimizer,
                    batch_size=batch_size, seed=seed,
                    on_batch=one_cycle(optimizer, steps, max_lr), **kwargs)
    return net, history
