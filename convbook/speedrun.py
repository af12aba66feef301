"""Time to accuracy: a LeNet-sized network built for speed on a CPU, and a lean training loop
that records test accuracy against wall time.

:class:`FastNet` keeps within LeNet's 61,706 parameters but spends them where a CPU is fast:
a free space-to-depth rearrangement (``pixel_unshuffle``) turns the 28 x 28 image into
4 x 14 x 14, so no convolution runs at full resolution and none has a single input channel;
two 3 x 3 convolutions with batch normalisation and max pooling follow, then two dense layers.
:func:`speed_train` trains it with Adam and a one-cycle schedule on data held in memory as
one normalised float tensor: no DataLoader, no per-step ``.item()``, evaluation in inference
mode in large batches. Every lever can be switched off one at a time
(``benchmarks/fast_levers.py`` does, for section 08).

>>> import torch
>>> X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
>>> torch.manual_seed(0) and None
>>> run = speed_train((X, y), (X, y), epochs=1, batch_size=8, evals=2)
>>> type(run.net).__name__, run.examples, len(run.test_acc), run.params
('FastNet', [32, 64], 2, 55686)
"""
import math
import time
from dataclasses import dataclass, field
from numbers import Real

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import flag, positive_int
from .recipe import one_cycle
from .train import _as_pair

__all__ = ["FastNet", "SPEED_RECIPE", "SpeedRun", "speed_train", "accuracy", "normalise",
           "show_levers", "FASHION_MEAN", "FASHION_STD"]

# pixel mean and standard deviation of the Fashion-MNIST training images (scaled to [0, 1])
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530

# the recipe benchmarks/bench_train.py times (median of 3) and section 08 trains
SPEED_RECIPE = {"epochs": 2, "batch_size": 256, "max_lr": 0.01, "betas": (0.9, 0.99),
                "evals": 4}


class SpaceToDepth(nn.Module):
    """Rearrange each ``r`` x ``r`` block of pixels into ``r * r`` channels (no arithmetic).

    >>> SpaceToDepth(2)(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 4, 14, 14])
    """

    def __init__(self, r=2):
        super().__init__()
        self.r = positive_int(r, "r")

    def forward(self, x):
        return F.pixel_unshuffle(x, self.r)


class FastNet(nn.Sequential):
    """Space-to-depth (1 x 28 x 28 -> 4 x 14 x 14), then twice a 3 x 3 convolution (``widths``
    channels, padding 1), batch normalisation, ReLU and 2 x 2 max pooling (-> 7 x 7 -> 3 x 3),
    then dense layers 432 -> ``hidden`` -> 10. With ``batchnorm=False`` the convolutions get
    a bias instead of the normalisation.

    >>> net = FastNet()
    >>> sum(p.numel() for p in net.parameters()), net(torch.zeros(2, 1, 28, 28)).shape
    (55686, torch.Size([2, 10]))
    """

    def __init__(self, widths=(24, 48), hidden=100, batchnorm=True, num_classes=10):
        c1, c2 = (positive_int(w, "widths") for w in widths)
        batchnorm = flag(batchnorm, "batchnorm")

        def block(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batchnorm),
                    *([nn.BatchNorm2d(c_out)] if batchnorm else []), nn.ReLU(),
                    nn.MaxPool2d(2)]

        super().__init__(SpaceToDepth(2), *block(4, c1), *block(c1, c2), nn.Flatten(),
                         nn.Linear(c2 * 3 * 3, positive_int(hidden, "hidden")), nn.ReLU(),
                         nn.Linear(hidden, positive_int(num_classes, "num_classes")))


@dataclass
class SpeedRun:
    """What :func:`speed_train` measured, one entry per evaluation: training examples seen,
    seconds of training so far (evaluation excluded), wall seconds since the call (everything
    included) and test accuracy."""
    net: nn.Module
    examples: list = field(default_factory=list)
    train_seconds: list = field(default_factory=list)
    elapsed: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    eval_seconds: list = field(default_factory=list)    # time of each evaluation
    # processor time of training so far (all threads summed): on a shared machine it counts
    # only the time the run was given, so it compares runs that wall time cannot
    cpu_seconds: list = field(default_factory=list)
    threads: int = 1

    @property
    def params(self):
        return sum(p.numel() for p in self.net.parameters())

    @property
    def examples_per_second(self):
        """Training speed over the whole run (evaluation excluded)."""
        return self.examples[-1] / self.train_seconds[-1]

    def time_to(self, target=0.90):
        """Wall seconds from the call to the end of the first evaluation at >= ``target``
        (None if never reached)."""
        return next((t for a, t in zip(self.test_acc, self.elapsed) if a >= target), None)


def normalise(X, channels_last=True):
    """Images in [0, 1] (N x C x H x W) shifted and scaled by Fashion-MNIST's pixel mean and
    standard deviation, as a new tensor (channels-last layout by default).

    >>> normalise(torch.full((1, 1, 2, 2), 0.2860)).abs().max().item() < 1e-6
    True
    """
    X = torch.sub(X, FASHION_MEAN).div_(FASHION_STD)       # a new tensor: the caller's is kept
    return X.contiguous(memory_format=torch.channels_last) if channels_last else X.contiguous()


def accuracy(net, X, y, inference=True, batch_size=2500):
    """Fraction of the (normalised) images ``X`` that ``net`` classifies as ``y``, in
    evaluation mode; under ``torch.inference_mode`` if ``inference``, else with autograd
    recording as a naive loop would.

    >>> accuracy(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), torch.zeros(3, 1, 2, 2),
    ...          torch.zeros(3, dtype=torch.long)) in (0.0, 1.0)
    True
    """
    net.eval()
    context = torch.inference_mode() if inference else torch.enable_grad()
    with context:
        correct = sum(int((net(X[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum())
                      for i in range(0, len(X), batch_size))
    net.train()
    return correct / len(X)


def speed_train(train_data, test_data, net=None, epochs=SPEED_RECIPE["epochs"],
                batch_size=SPEED_RECIPE["batch_size"], max_lr=SPEED_RECIPE["max_lr"],
                betas=SPEED_RECIPE["betas"], evals=SPEED_RECIPE["evals"],
                schedule="one-cycle", channels_last=True, inference_eval=True, init=None,
                stop_at=None, seed=0, threads=None):
    """Train ``net`` (default: a new :class:`FastNet`) with Adam for ``epochs`` (may be
    fractional) passes over ``train_data`` and evaluate on ``test_data`` at ``evals`` evenly
    spaced points, the last at the end; returns a :class:`SpeedRun`.

    ``schedule``: 'one-cycle' (rise to ``max_lr`` over the first quarter, cosine fall to ~0)
    or 'constant' (``max_lr`` throughout). ``channels_last``: data and weights in NHWC memory
    layout. ``inference_eval``: evaluate under ``torch.inference_mode`` in batches of 2,500
    (False: with autograd recording, in training-sized batches, as a naive loop would).
    ``init``: None (PyTorch's default) or a function applied to every Conv2d and Linear weight
    (e.g. ``torch.nn.init.xavier_uniform_``). ``threads``: torch's thread count for the call
    (restored afterwards); None keeps the current one. ``stop_at``: stop after the first
    evaluation with test accuracy >= ``stop_at`` (None: run to the end). Seed torch before
    building ``net``.
    The clock starts at the call: converting the uint8 images is included.
    """
    called = time.perf_counter()
    X, y = _as_pair(train_data, "train_data")
    X_test, y_test = _as_pair(test_data, "test_data")
    batch_size = positive_int(batch_size, "batch_size")
    evals = positive_int(evals, "evals")
    if isinstance(epochs, bool) or not isinstance(epochs, Real) or not 0 < epochs < math.inf:
        raise ValueError(f"epochs must be a positive number, got {epochs!r}")
    if isinstance(max_lr, bool) or not isinstance(max_lr, Real) or not 0 < max_lr < math.inf:
        raise ValueError(f"max_lr must be a positive number, got {max_lr!r}")
    if schedule not in ("one-cycle", "constant"):
        raise ValueError(f"schedule must be 'one-cycle' or 'constant', got {schedule!r}")
    if stop_at is not None and (isinstance(stop_at, bool) or not isinstance(stop_at, Real)):
        raise TypeError(f"stop_at must be None or an accuracy between 0 and 1, got {stop_at!r}")
    channels_last = flag(channels_last, "channels_last")
    inference_eval = flag(inference_eval, "inference_eval")
    steps = max(1, round(epochs * len(X) / batch_size))
    if evals > steps:
        raise ValueError(f"evals must be at most the number of steps ({steps}), got {evals}")
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(positive_int(threads, "threads"))
    try:
        X, X_test = normalise(X, channels_last), normalise(X_test, channels_last)
        net = FastNet() if net is None else net
        if init is not None:
            for m in net.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    init(m.weight)
        if channels_last:
            net.to(memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(net.parameters(), lr=max_lr, betas=tuple(betas))
        scheduler = one_cycle(optimizer, steps, max_lr) if schedule == "one-cycle" else None
        generator = torch.Generator().manual_seed(int(seed))
        order = torch.cat([torch.randperm(len(X), generator=generator)
                           for _ in range(math.ceil(steps * batch_size / len(X)))])
        checkpoints = {round(steps * k / evals) for k in range(1, evals + 1)}
        run = SpeedRun(net, threads=torch.get_num_threads())
        eval_batch = 2500 if inference_eval else batch_size
        training, cpu, start, start_cpu = 0.0, 0.0, time.perf_counter(), time.process_time()
        net.train()
        for step in range(1, steps + 1):
            index = order[(step - 1) * batch_size:step * batch_size]
            loss = F.cross_entropy(net(X[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler(net, step)
            if step in checkpoints:
                if not math.isfinite(loss.item()):
                    raise FloatingPointError(f"the training loss became {loss.item()} by step "
                                             f"{step}: use a smaller max_lr (now {max_lr})")
                tick, tick_cpu = time.perf_counter(), time.process_time()
                training, cpu = training + tick - start, cpu + tick_cpu - start_cpu
                run.test_acc.append(accuracy(net, X_test, y_test, inference_eval, eval_batch))
                start, start_cpu = time.perf_counter(), time.process_time()
                run.eval_seconds.append(start - tick)
                run.cpu_seconds.append(cpu)
                run.examples.append(min(step * batch_size, len(order)))
                run.train_seconds.append(training)
                run.elapsed.append(start - called)
                if stop_at is not None and run.test_acc[-1] >= stop_at:
                    break
        return run
    finally:
        torch.set_num_threads(old_threads)


def show_levers(results, target=0.90, wall=("threads",)):
    """One panel per lever of ``results`` (the dict benchmarks/fast_levers.py writes): test
    accuracy against processor seconds of training for each variant, the recipe in black;
    the levers named in ``wall`` against wall seconds of training. Returns the figure.

    >>> run = {"label": "a", "cpu_seconds": [1, 2], "test_acc": [0.8, 0.91]}
    >>> fig = show_levers({"levers": {"schedule": [run, {**run, "label": "b"}]}})
    >>> [(ax.get_title(), ax.get_xlabel()) for ax in fig.axes]
    [('schedule', 'processor seconds of training')]
    """
    import matplotlib.pyplot as plt     # a pyplot figure: a notebook shows it, like plot.py's

    levers = results["levers"]
    cols = min(4, len(levers))
    rows = -(-len(levers) // cols)
    fig = plt.figure(figsize=(3.1 * cols, 2.6 * rows), dpi=90, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (lever, runs) in zip(axes, levers.items()):
        key = "train_seconds" if lever in wall else "cpu_seconds"
        for k, run in enumerate(runs):
            ax.plot(run[key], run["test_acc"], marker="o", markersize=3,
                    color="black" if k == 0 else f"C{k}", label=run["label"])
        ax.axhline(target, color="grey", linewidth=0.8, linestyle=":")
        ax.set_ylim(max(0.8, min(a for r in runs for a in r["test_acc"]) - 0.005), 0.92)
        ax.set_xlim(0, None)
        ax.set_title(lever)
        ax.set_xlabel("wall seconds of training" if lever in wall
                      else "processor seconds of training")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in axes[len(levers):]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel("test accuracy")
    return fig
