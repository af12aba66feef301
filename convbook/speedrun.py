"""Time to accuracy: a LeNet-sized network built for speed on a CPU, and a lean training loop
that records test accuracy against wall time.

:class:`FastNet` keeps within LeNet's 61,706 parameters but spends little arithmetic: no
layer runs at full resolution. A 6 x 6 convolution with stride 4 sees the image as 7 x 7
overlapping patches, a 3 x 3 convolution with stride 2 reduces them to 3 x 3, and two dense
layers classify.
:func:`speed_train` trains it with Adam and a one-cycle schedule on data held in memory as
one normalised float tensor: no DataLoader, no per-step ``.item()``, evaluation in inference
mode. The first convolution is set from the data (:func:`whitening_filters`, the principal
directions of the image patches it sees) and frozen, so it needs no backward pass; layers
with nothing left to learn can also be run once over the data instead of at every step
(:func:`frozen_prefix`, ``cache=True``), which pays only for runs of several epochs. Every
lever can be switched one at a time (``benchmarks/fast_levers.py`` does, for section 08).

>>> import torch
>>> X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
>>> torch.manual_seed(0) and None
>>> run = speed_train((X, y), (X, y), epochs=1, batch_size=8, evals=2)
>>> type(run.net).__name__, run.examples, len(run.test_acc), run.params, run.cached_layers
('FastNet', [32, 64], 2, 50554, 0)
"""
import math
import time
from dataclasses import dataclass, field
from numbers import Integral, Real

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import flag, positive_int, positive_number
from .recipe import one_cycle
from .train import check_classes, as_labelled_images, evaluate_accuracy

__all__ = ["FastNet", "FASTNET_RECIPE", "SpeedRun", "speed_train", "normalise",
           "whitening_filters", "whiten_first_conv", "frozen_prefix", "show_levers",
           "FASHION_MEAN", "FASHION_STD"]

# pixel mean and standard deviation of the Fashion-MNIST training images (scaled to [0, 1])
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530

# speed_train's settings for FastNet: the recipe benchmarks/bench_train.py times (median of 3)
# and section 08 trains
FASTNET_RECIPE = {"epochs": 1.5, "batch_size": 128, "max_lr": 0.014, "betas": (0.9, 0.99),
                "evals": 4}


class FastNet(nn.Sequential):
    """A 6 x 6 convolution with stride 4 to ``widths[0]`` channels (padding 2: 7 x 7 patches
    of the 28 x 28 image, overlapping by 2 pixels) and ReLU; a 3 x 3 convolution with stride 2
    to ``widths[1]`` channels (-> 3 x 3), batch normalisation and ReLU; dense layers
    9 * widths[1] -> ``hidden`` -> 10. Strides instead of pooling: each convolution computes
    only the outputs the next layer keeps. The first convolution is meant to be set from the
    data and frozen (:func:`whiten_first_conv`), which centres and scales its outputs; with
    ``batchnorm=False`` the second convolution gets a bias instead of the normalisation.

    >>> net = FastNet()
    >>> sum(p.numel() for p in net.parameters()), net(torch.zeros(2, 1, 28, 28)).shape
    (50554, torch.Size([2, 10]))
    """

    def __init__(self, widths=(32, 48), hidden=80, batchnorm=True, num_classes=10):
        c1, c2 = (positive_int(w, "widths") for w in widths)
        batchnorm = flag(batchnorm, "batchnorm")
        super().__init__(
            nn.Conv2d(1, c1, 6, stride=4, padding=2), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, bias=not batchnorm),
            *([nn.BatchNorm2d(c2)] if batchnorm else []), nn.ReLU(), nn.Flatten(),
            nn.Linear(c2 * 3 * 3, positive_int(hidden, "hidden")), nn.ReLU(),
            nn.Linear(hidden, positive_int(num_classes, "num_classes")))


def whitening_filters(inputs, conv, eps=1e-2):
    """Weights and bias for ``conv`` (a Conv2d) from the patches it sees in ``inputs``
    (N x C x H x W, what arrives at the layer): the eigenvectors of the patch covariance with
    the largest eigenvalues, each scaled by 1 / sqrt(eigenvalue + ``eps``), in pairs of
    opposite sign so that a ReLU after the layer keeps both halves; the bias subtracts the
    mean patch. Each output then has mean 0 and variance about 1, and the outputs of
    different directions are uncorrelated: a "whitened" view of the image, the directions a
    first layer would otherwise spend its first steps finding.

    >>> conv = nn.Conv2d(1, 4, 3)
    >>> W, b = whitening_filters(torch.randn(8, 1, 10, 10), conv)
    >>> W.shape, b.shape, torch.equal(W[:2], -W[2:])
    (torch.Size([4, 1, 3, 3]), torch.Size([4]), True)
    """
    if not isinstance(conv, nn.Conv2d) or conv.groups != 1:
        raise TypeError(f"conv must be an nn.Conv2d without groups, got {conv!r}")
    if not isinstance(inputs, torch.Tensor) or not inputs.is_floating_point():
        raise TypeError(f"inputs must be a floating-point tensor (N x C x H x W), got "
                        f"{type(inputs).__name__}")
    if inputs.dim() != 4 or inputs.shape[1] != conv.in_channels:
        raise ValueError(f"inputs must be N x {conv.in_channels} x H x W (conv's input "
                         f"channels), got shape {tuple(inputs.shape)}")
    if isinstance(eps, bool) or not isinstance(eps, Real) or not 0 <= eps < math.inf:
        raise ValueError(f"eps must be a number >= 0 (it keeps directions without variance "
                         f"finite), got {eps!r}")
    if not torch.isfinite(inputs).all():
        raise ValueError("inputs hold values that are not finite (inf or nan): their patches "
                         "have no covariance to whiten")
    dims = conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
    if conv.out_channels > 2 * dims:
        raise ValueError(f"conv has {conv.out_channels} output channels but its patches have "
                         f"{dims} dimensions: whitening gives at most {2 * dims} filters (one "
                         "pair of opposite signs per direction)")
    patches = F.unfold(inputs, conv.kernel_size, conv.dilation, conv.padding, conv.stride)
    patches = patches.transpose(1, 2).reshape(-1, patches.shape[1])   # one row per patch
    if len(patches) == 0:
        raise ValueError(f"inputs of shape {tuple(inputs.shape)} give no patch to whiten")
    mean = patches.mean(0)
    patches = patches - mean
    eigenvalues, vectors = torch.linalg.eigh(patches.T @ patches / len(patches))
    n = conv.out_channels
    k = -(-n // 2)                                   # the largest k directions, in pairs
    if not (eigenvalues[-k:] + eps > 0).all():
        raise ValueError(f"the patches have no variance along some of the {k} directions "
                         f"kept (constant images?), and eps={eps!r} cannot scale them: give "
                         f"eps > 0")
    directions = (vectors[:, -k:] / (eigenvalues[-k:] + eps).sqrt()).T.flip(0)
    weight = torch.cat([directions, -directions])[:n]
    return weight.reshape(conv.weight.shape), -(weight @ mean)


def whiten_first_conv(net, images, eps=1e-2, freeze=True):
    """Set the first Conv2d of the Sequential ``net`` from :func:`whitening_filters` of the
    (normalised) ``images`` passed through the parameter-free layers before it, and freeze it
    (``freeze``). Returns the layer's index.

    >>> net = FastNet()
    >>> whiten_first_conv(net, torch.randn(16, 1, 28, 28)), net[0].weight.requires_grad
    (0, False)
    """
    index = next((i for i, m in enumerate(net) if isinstance(m, nn.Conv2d)), None) \
        if isinstance(net, nn.Sequential) else None
    if index is None or any(True for m in list(net)[:index] for _ in m.parameters()):
        raise TypeError("whitening needs an nn.Sequential whose first layer with parameters "
                        "is a Conv2d")
    conv = net[index]
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or len(images) == 0:
        raise ValueError("images must be a non-empty N x C x H x W tensor (normalised), got "
                         + (f"shape {tuple(images.shape)}" if isinstance(images, torch.Tensor)
                            else type(images).__name__))
    with torch.no_grad():
        weight, bias = whitening_filters(_slice(net, 0, index)(images.contiguous()), conv, eps)
        if not (torch.isfinite(weight).all() and torch.isfinite(bias).all()):
            raise ValueError("the whitening filters are not finite: the images hold a value "
                             "that is not (inf or nan)")
        conv.weight.copy_(weight)
        if conv.bias is not None:
            conv.bias.copy_(bias)
    conv.requires_grad_(not flag(freeze, "freeze"))
    return index


def frozen_prefix(net):
    """How many leading layers of the Sequential ``net`` have nothing to learn and act the
    same in training and evaluation (no trainable parameter, no batch normalisation or
    dropout): their output for an image never changes, so it can be computed once.

    >>> frozen_prefix(FastNet()), frozen_prefix(nn.Sequential(nn.Flatten(), nn.Dropout()))
    (0, 1)
    """
    if not isinstance(net, nn.Sequential) or len(net) == 0:
        return 0
    changing = (nn.modules.batchnorm._BatchNorm, nn.Dropout, nn.Dropout2d)
    for i, m in enumerate(net):
        if isinstance(m, changing) or any(p.requires_grad for p in m.parameters()):
            return i
    return len(net) - 1        # the last layer always trains (or nothing would)


@dataclass
class SpeedRun:
    """What :func:`speed_train` measured, one entry per evaluation: training examples seen,
    seconds since the call without the evaluations (``train_seconds``, preparation included),
    wall seconds since the call (everything included) and test accuracy. ``cached_layers``:
    how many leading layers were run once over the data instead of at every step;
    ``prepare_seconds``: the time from the call to the first step (converting the data,
    whitening, running those layers)."""
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
    cached_layers: int = 0
    prepare_seconds: float = 0.0
    interrupted: bool = False    # stopped by Ctrl-C: the evaluations made so far are kept

    @property
    def params(self):
        return sum(p.numel() for p in self.net.parameters())

    @property
    def examples_per_second(self):
        """Speed of the training loop (preparation and evaluation excluded)."""
        return self.examples[-1] / (self.train_seconds[-1] - self.prepare_seconds)

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


def _slice(net, start, stop):
    """Layers ``start:stop`` of ``net`` as a plain Sequential sharing their parameters
    (slicing a subclass of Sequential would call the subclass's constructor)."""
    return nn.Sequential(*list(net)[start:stop])


def _run_once(layers, X, batch_size=500):
    """``layers`` applied to ``X`` in batches, without recording for autograd, written into
    one preallocated tensor (no concatenation copy)."""
    with torch.no_grad():
        first = layers(X[:batch_size])
        out = torch.empty((len(X), *first.shape[1:]), dtype=first.dtype).contiguous(
            memory_format=torch.channels_last if first.dim() == 4
            and first.is_contiguous(memory_format=torch.channels_last)
            and not first.is_contiguous() else torch.contiguous_format)
        out[:len(first)] = first
        for i in range(batch_size, len(X), batch_size):
            out[i:i + batch_size] = layers(X[i:i + batch_size])
    return out


def speed_train(train_data, test_data, net=None, epochs=FASTNET_RECIPE["epochs"],
                batch_size=FASTNET_RECIPE["batch_size"], max_lr=FASTNET_RECIPE["max_lr"],
                betas=FASTNET_RECIPE["betas"], evals=FASTNET_RECIPE["evals"],
                schedule="one-cycle", channels_last=True, inference_eval=True, init=None,
                whiten=True, cache=False, stop_at=None, seed=0, threads=None):
    """Train ``net`` (default: a new :class:`FastNet`) with Adam for ``epochs`` (may be
    fractional) passes over ``train_data`` and evaluate on ``test_data`` at ``evals`` evenly
    spaced points, the last at the end; returns a :class:`SpeedRun`.

    ``schedule``: 'one-cycle' (rise to ``max_lr`` over the first quarter, cosine fall to ~0)
    or 'constant' (``max_lr`` throughout). ``channels_last``: data and weights in NHWC memory
    layout. ``inference_eval``: evaluate under ``torch.inference_mode`` in batches of 1,000
    (False: with autograd recording, in training-sized batches, as a naive loop would).
    ``init``: None (PyTorch's default) or a function applied to every Conv2d and Linear weight
    (e.g. ``torch.nn.init.xavier_uniform_``). ``whiten``: set the first convolution from
    the training images' patches (:func:`whiten_first_conv`, 1,000 images evenly spaced
    through the set) and freeze it.
    ``cache``: run the leading layers with nothing to learn (:func:`frozen_prefix`) once over
    the training and test images, and train the rest on their outputs (it costs memory and
    a pass over all images before the first step: it pays only when a run makes several). ``threads``: torch's
    thread count for the call (restored afterwards); None keeps the current one.
    ``stop_at``: stop after the first evaluation with test accuracy >= ``stop_at`` (None: run
    to the end). Seed torch before building ``net``.
    The clock starts at the call: converting the uint8 images, whitening and the cached
    layers are included.
    """
    called, called_cpu = time.perf_counter(), time.process_time()
    X, y = as_labelled_images(train_data, "train_data")
    X_test, y_test = as_labelled_images(test_data, "test_data")
    batch_size = positive_int(batch_size, "batch_size")
    evals = positive_int(evals, "evals")
    positive_number(epochs, "epochs")
    positive_number(max_lr, "max_lr")
    if schedule not in ("one-cycle", "constant"):
        raise ValueError(f"schedule must be 'one-cycle' or 'constant', got {schedule!r}")
    if stop_at is not None and (isinstance(stop_at, bool) or not isinstance(stop_at, Real)):
        raise TypeError(f"stop_at must be None or an accuracy between 0 and 1, got {stop_at!r}")
    if stop_at is not None and not 0 <= stop_at <= 1:
        raise ValueError(f"stop_at must be an accuracy in [0, 1] (or None), got {stop_at!r}")
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2 and all(
            isinstance(b, Real) and not isinstance(b, bool) and 0 <= b < 1 for b in betas)):
        raise TypeError(f"betas must be a pair of numbers in [0, 1) (Adam's decay rates), got "
                        f"{betas!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if init is not None and not callable(init):
        raise TypeError(f"init must be None or a function applied to each weight (e.g. "
                        f"torch.nn.init.xavier_uniform_), got {init!r}")
    if net is not None and not isinstance(net, nn.Module):
        raise TypeError(f"net must be None or a torch.nn.Module, got {type(net).__name__}")
    channels_last = flag(channels_last, "channels_last")
    inference_eval = flag(inference_eval, "inference_eval")
    whiten, cache = flag(whiten, "whiten"), flag(cache, "cache")
    if batch_size > len(X):
        raise ValueError(f"batch_size ({batch_size}) is larger than the training set "
                         f"({len(X)} images): one step would use some images several times "
                         f"and train more epochs than epochs={epochs!r} says")
    if X_test.shape[1:] != X.shape[1:]:
        raise ValueError(f"test_data images are {tuple(X_test.shape[1:])}, train_data images "
                         f"{tuple(X.shape[1:])}: they must have one shape")
    steps = max(1, round(epochs * len(X) / batch_size))
    if evals > steps:
        raise ValueError(f"evals must be at most the number of steps ({steps}), got {evals}")
    if schedule == "one-cycle" and steps / 4 < 2:
        raise ValueError(f"the one-cycle schedule needs at least 8 steps (a rise over a quarter "
                         f"of them, then a fall), but epochs={epochs!r} over {len(X)} images "
                         f"in batches of batch_size={batch_size} make {steps}: train longer, "
                         f"use smaller batches or schedule='constant'")
    net = FastNet() if net is None else net
    try:
        check_classes(net, X, [("train_data", y), ("test_data", y_test)])
    except RuntimeError as error:
        raise ValueError(f"net cannot run on images of shape {tuple(X.shape[1:])} (from "
                         f"train_data): {str(error).splitlines()[0]}; FastNet takes 1 x 28 x 28 "
                         f"images") from None
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(positive_int(threads, "threads"))
    try:
        X, X_test = normalise(X, channels_last), normalise(X_test, channels_last)
        if init is not None:
            for m in net.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    init(m.weight)
        if channels_last:
            net.to(memory_format=torch.channels_last)
        if whiten:
            # 1,000 images spread over the set: a data set may be sorted by class
            whiten_first_conv(net, X[::max(1, len(X) // 1000)][:1000])
        cached = frozen_prefix(net) if cache else 0
        body = _slice(net, cached, len(net)) if cached else net
        if cached:      # what these layers make of an image never changes: compute it once
            X, X_test = (_run_once(_slice(net, 0, cached), Z) for Z in (X, X_test))
        trainable = [p for p in net.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(trainable, lr=max_lr, betas=tuple(betas), fused=True)
        scheduler = one_cycle(optimizer, steps, max_lr) if schedule == "one-cycle" else None
        generator = torch.Generator().manual_seed(int(seed))
        order = torch.cat([torch.randperm(len(X), generator=generator)
                           for _ in range(math.ceil(steps * batch_size / len(X)))])
        checkpoints = {round(steps * k / evals) for k in range(1, evals + 1)}
        run = SpeedRun(net, threads=torch.get_num_threads(), cached_layers=cached)
        eval_batch = 1000 if inference_eval else batch_size
        training, cpu, start, start_cpu = 0.0, 0.0, called, called_cpu
        run.prepare_seconds = time.perf_counter() - called
        net.train()
        try:
            for step in range(1, steps + 1):
                index = order[(step - 1) * batch_size:step * batch_size]
                loss = F.cross_entropy(body(X[index]), y[index])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if scheduler is not None:
                    scheduler(net, step)
                if step in checkpoints:
                    if not math.isfinite(loss.item()):
                        raise FloatingPointError(
                            f"the training loss became {loss.item()} by step {step}: use a "
                            f"smaller max_lr (now {max_lr})")
                    tick, tick_cpu = time.perf_counter(), time.process_time()
                    training, cpu = training + tick - start, cpu + tick_cpu - start_cpu
                    run.test_acc.append(evaluate_accuracy(
                        body, X_test, y_test, eval_batch, inference_eval, images=False))
                    start, start_cpu = time.perf_counter(), time.process_time()
                    run.eval_seconds.append(start - tick)
                    run.cpu_seconds.append(cpu)
                    run.examples.append(min(step * batch_size, len(order)))
                    run.train_seconds.append(training)
                    run.elapsed.append(start - called)
                    if stop_at is not None and run.test_acc[-1] >= stop_at:
                        break
        except KeyboardInterrupt:
            kept = min(len(run.test_acc), len(run.examples), len(run.train_seconds),
                       len(run.elapsed), len(run.eval_seconds), len(run.cpu_seconds))
            for name in ("test_acc", "examples", "train_seconds", "elapsed", "eval_seconds",
                         "cpu_seconds"):
                del getattr(run, name)[kept:]
            run.interrupted = True
            print(f"Interrupted: {kept} evaluation{'s' if kept != 1 else ''} kept in the "
                  "returned SpeedRun (run.interrupted is True); the net keeps its weights.")
        return run
    finally:
        torch.set_num_threads(old_threads)


def show_levers(results, target=0.90, wall=("threads",)):
    """One panel per lever of ``results`` (the dict benchmarks/fast_levers.py writes): test
    accuracy against processor seconds since the call, evaluations excluded, for each
    variant, the recipe in black; the levers named in ``wall`` against wall seconds.
    Returns the figure.

    >>> run = {"label": "a", "cpu_seconds": [1, 2], "test_acc": [0.8, 0.91]}
    >>> fig = show_levers({"levers": {"schedule": [run, {**run, "label": "b"}]}})
    >>> [(ax.get_title(), ax.get_xlabel()) for ax in fig.axes]
    [('schedule', 'processor seconds, evaluations excluded')]
    """
    import matplotlib.pyplot as plt     # a pyplot figure: a notebook shows it, like plot.py's

    from .plot import MAX_WIDTH, MIN_FONT

    levers = results["levers"]
    cols = min(2, len(levers))           # two 3.1-inch panels a row: readable on a phone
    rows = -(-len(levers) // cols)
    fig = plt.figure(figsize=(min(3.1 * cols, MAX_WIDTH), 2.6 * rows), dpi=90,
                     layout="constrained")
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
        ax.set_xlabel("wall seconds, evaluations excluded" if lever in wall
                      else "processor seconds, evaluations excluded",
                      fontsize=MIN_FONT)     # at 10 pt two panels' labels run together
        ax.grid(alpha=0.3)
        ax.legend(fontsize=MIN_FONT, loc="lower right")
    for ax in axes[len(levers):]:
        ax.set_visible(False)
    for ax in axes[::cols]:
        ax.set_ylabel("test accuracy")
    return fig
