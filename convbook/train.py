"""Training on data held in memory: shuffled mini-batches by index, and accuracy.

>>> import torch
>>> from convbook.layers import LeNet
>>> torch.manual_seed(0) and None
>>> X, y = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.arange(64) % 10
>>> history = train(LeNet(), (X, y), (X, y), epochs=2, lr=0.1, batch_size=16, progress=False,
...                 live=False, log=print)                                  # doctest: +ELLIPSIS
epoch 1/2: loss ..., train acc ..., test acc ... (... examples/s)
epoch 2/2: loss ...
>>> len(history.test_acc), 0 <= history.test_acc[-1] <= 1
(2, True)

The whole data set stays in memory as one float tensor; each epoch draws a permutation from a
seeded ``torch.Generator`` and gathers batches by index, so there are no DataLoader workers and
the same seed gives the same run. In Jupyter (JupyterLab, VS Code) ``train`` redraws a
loss/accuracy figure in place (:mod:`convbook.display`); in a plain ``python`` run it prints
one line per epoch instead. :func:`evaluate_accuracy` is the one accuracy function of both
training loops (this one and :func:`convbook.speedrun.speed_train`).

Interrupting a run (Ctrl-C, or the notebook's stop button) keeps the epochs already completed:
``train`` returns them (``history.interrupted`` is True) and says how to continue. A loss that
becomes nan or inf stops the run with a message naming the epoch and batch.
"""
import math
import time
from dataclasses import dataclass, field
from numbers import Integral

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import flag, positive_int, positive_number
from .display import LivePlot, ProgressBar, in_notebook
from .ops import conv2d_cost

__all__ = ["History", "train", "evaluate_accuracy", "predict", "confusion_matrix", "as_images",
           "as_labelled_images", "check_classes", "init_xavier"]


@dataclass
class History:
    """Per-epoch results of :func:`train` (lists, one entry per epoch) and the data's name."""
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    seconds: list = field(default_factory=list)      # training time of each epoch (no evaluation)
    # wall time since train() was called, at the end of each epoch's evaluation (no drawing)
    elapsed: list = field(default_factory=list)
    examples: int = 0                                 # training examples per epoch
    source: str = ""
    # finer points for the curves: (fractional epoch, mean loss, accuracy) of the batches
    # since the previous point
    steps: list = field(default_factory=list)
    interrupted: bool = False                         # stopped by Ctrl-C before the last epoch

    @property
    def examples_per_second(self):
        return self.examples * len(self.seconds) / max(sum(self.seconds), 1e-12)

    def summary(self):
        """One line: final loss and accuracies, speed."""
        if not self.seconds:
            return "no epoch trained yet"
        test = f", test acc {self.test_acc[-1]:.3f}" if self.test_acc else ""
        return (f"loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}{test}; "
                f"{self.examples_per_second:,.0f} examples/s over {len(self.seconds)} epochs"
                + (" (interrupted)" if self.interrupted else ""))


def as_images(X, name="X"):
    """Images as float32 N x C x H x W in [0, 1]: uint8 N x H x W (or N x C x H x W) is scaled by
    1/255 and given a channel axis; float input is only given the channel axis if missing.

    >>> as_images(torch.full((2, 28, 28), 255, dtype=torch.uint8)).shape
    torch.Size([2, 1, 28, 28])
    """
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor of images, got {type(X).__name__}")
    if X.dim() == 3:
        X = X.unsqueeze(1)
    if X.dim() != 4 or X.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty N x H x W or N x C x H x W tensor, "
                         f"got shape {tuple(X.shape)}")
    if X.dtype == torch.uint8:
        return X.float().div_(255)
    if not X.is_floating_point():
        raise TypeError(f"{name} must be uint8 (0..255) or floating point, got {X.dtype}")
    return X.float()


def as_labelled_images(data, name):
    """An (images, labels) pair checked and converted: images by :func:`as_images`, labels a
    1-D integer tensor (int64) with one label per image."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError(f"{name} must be an (images, labels) pair of tensors, got "
                        f"{type(data).__name__}")
    X, y = as_images(data[0], f"{name}[0] (images)"), data[1]
    if not isinstance(y, torch.Tensor) or y.dim() != 1 or y.is_floating_point():
        raise TypeError(f"{name}[1] (labels) must be a 1-D integer tensor")
    if len(y) != len(X):
        raise ValueError(f"{name}: {len(X)} images but {len(y)} labels")
    return X, y.long()


def init_xavier(net):
    """Xavier-uniform weights for every Linear and Conv2d layer, as d2l's ``train_ch6`` does.

    >>> from convbook.layers import LeNet
    >>> init_xavier(LeNet())[0].weight.shape
    torch.Size([6, 1, 5, 5])
    """
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
    return net


@torch.inference_mode()
def predict(net, X, batch_size=1024):
    """Predicted class of every image in ``X`` (evaluation mode, inference mode, in batches),
    an int64 tensor."""
    X = as_images(X)
    batch_size = positive_int(batch_size, "batch_size")
    was_training = net.training
    net.eval()
    try:
        return torch.cat([net(X[i:i + batch_size]).argmax(1) for i in range(0, len(X), batch_size)])
    finally:
        net.train(was_training)


def evaluate_accuracy(net, X, y, batch_size=1024, inference=True, images=True):
    """Fraction of ``X`` that ``net`` classifies as ``y``: the one accuracy both training loops
    (:func:`train`, :func:`convbook.speedrun.speed_train`) use. The net runs in evaluation mode,
    in batches of ``batch_size``, and gets its mode (training or evaluation) back afterwards.

    ``images=True``: ``X`` holds images as :func:`as_images` reads them (uint8 0..255 scaled to
    [0, 1], a channel axis added to N x H x W; floating-point images, normalised or not, kept
    as they are) and ``y`` one integer label per image. ``images=False``: ``X`` goes to the net
    unchanged (e.g. what frozen leading layers made of the images). ``inference``: run under
    ``torch.inference_mode`` (False: with autograd recording, as a naive loop would).

    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> evaluate_accuracy(net, torch.zeros(3, 2, 2), torch.tensor([0, 0, 0])) in (0.0, 1.0)
    True
    """
    if flag(images, "images"):
        X, y = as_labelled_images((X, y), "(X, y)")
    batch_size = positive_int(batch_size, "batch_size")
    was_training = net.training
    net.eval()
    try:
        with torch.inference_mode() if flag(inference, "inference") else torch.enable_grad():
            correct = sum(int((net(X[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum())
                          for i in range(0, len(X), batch_size))
    finally:
        net.train(was_training)
    return correct / len(X)


def confusion_matrix(y_true, y_pred, num_classes=10):
    """Counts C[i, j] of examples of true class i predicted as class j (int64 tensor).

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    from ._checks import check_allocation
    num_classes = positive_int(num_classes, "num_classes")
    check_allocation("the confusion matrix", (num_classes, num_classes),
                     f"num_classes={num_classes}")
    y_true, y_pred = torch.as_tensor(y_true).long(), torch.as_tensor(y_pred).long()
    if y_true.shape != y_pred.shape or y_true.dim() != 1:
        raise ValueError(f"y_true and y_pred must be 1-D and of the same length, got shapes "
                         f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if len(y) and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"{name} must hold classes 0..{num_classes - 1}")
    counts = torch.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2)
    return counts.reshape(num_classes, num_classes)


def _optimizer(optimizer, net, lr):
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    positive_number(lr, "lr")
    choices = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    if optimizer not in choices:
        raise ValueError(f"optimizer must be 'sgd', 'adam' or a torch.optim.Optimizer, "
                         f"got {optimizer!r}")
    return choices[optimizer](net.parameters(), lr=lr)


@torch.no_grad()
def check_classes(net, X, data):
    """The net must output one score per class for every label in ``data`` (name, labels)."""
    was_training = net.training
    net.eval()                                  # no BatchNorm statistics touched
    try:
        out = net(X[:1])
    finally:
        net.train(was_training)
    if out.dim() != 2:
        raise ValueError(f"net must output one row of class scores per image (N x classes), "
                         f"got shape {tuple(out.shape)} for one image")
    width = out.shape[1]
    for name, y in data:
        if len(y) and (y.min() < 0 or y.max() >= width):
            raise ValueError(f"{name} labels run from {int(y.min())} to {int(y.max())}, but net "
                             f"outputs {width} class scores: labels must lie in 0..{width - 1} "
                             f"(give the net as many outputs as there are classes)")
    return width


def _stop_on_divergence(value, epoch, epochs, batch, num_batches, lr):
    if not math.isfinite(value):
        raise FloatingPointError(
            f"the training loss became {value} in epoch {epoch + 1}/{epochs}, batch "
            f"{batch + 1}/{num_batches}: training diverged, so it was stopped. Use a smaller "
            f"learning rate (lr={lr!r} now; try {lr / 10:g}), rebuild the net, and train again.")


def _far_above_chance(loss, classes, epoch, lr):
    """A warning when an epoch's mean loss is over 10 times that of uniform guessing (ln C):
    with sigmoid layers a too-large learning rate saturates instead of reaching inf."""
    chance = math.log(classes) if classes > 1 else 1.0
    if loss > 10 * chance:
        return (f"Warning: epoch {epoch + 1} ended with loss {loss:.3g}, over 10 times the loss "
                f"of guessing uniformly (ln {classes} = {chance:.2f}): the learning rate "
                f"(lr={lr!r}) is probably too large.")
    return None


def _interrupted(history, epoch, epochs):
    # an epoch counts once all of it is recorded (elapsed comes last): an interruption during
    # its evaluation must not leave its loss paired with the previous epoch's accuracy
    done = len(history.elapsed)
    for name in ("train_loss", "train_acc", "test_acc", "seconds"):
        del getattr(history, name)[done:]
    history.interrupted = True
    history.steps = [step for step in history.steps if step[0] <= done]
    kept = f"epochs 1-{done}" if done > 1 else "epoch 1" if done else "no complete epoch"
    return (f"Interrupted in epoch {epoch + 1}/{epochs}: {kept} kept in the returned history. "
            f"The net keeps its current weights: call train(net, ..., epochs={epochs - done}) "
            f"to continue from them.")


def train(net, train_data, test_data=None, epochs=10, lr=0.9, optimizer="sgd", batch_size=256,
          seed=0, progress=True, live="auto", source="", updates_per_epoch=4, log=None,
          on_batch=None):
    """Train ``net`` with cross-entropy on in-memory data; returns a :class:`History`.

    ``train_data``/``test_data``: (images, labels) tensor pairs (uint8 images are scaled to
    [0, 1]). ``optimizer``: 'sgd' or 'adam' with learning rate ``lr``, or an optimizer you built.
    ``seed`` seeds the batch order (seed torch yourself before building ``net``). ``live``: draw
    the curves in place in a notebook ('auto' or True); otherwise, and always outside a
    notebook, one line per epoch is printed.
    ``source`` names the data on the plot and in the history. The data and the convolution
    weights are kept in channels-last memory layout (faster on CPU). ``log`` prints the per-epoch
    lines (default: ``tqdm.write``, which keeps the progress bar intact). ``History.seconds``
    counts training only (no evaluation, no drawing); ``History.elapsed`` the wall time since
    the call, evaluation included. ``on_batch(net, step)``, if given, is called after every
    optimizer step (step counts from 1 over the whole run; the gradients are still in
    ``.grad``): a learning-rate schedule's ``step`` or a recorder of gradient norms.
    """
    called = time.perf_counter()
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    X, y = as_labelled_images(train_data, "train_data")
    test = as_labelled_images(test_data, "test_data") if test_data is not None else None
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    updates_per_epoch = positive_int(updates_per_epoch, "updates_per_epoch")
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if not (live is True or live is False or (isinstance(live, str) and live == "auto")):
        raise ValueError(f"live must be 'auto', True or False, got {live!r}")
    progress = flag(progress, "progress")
    if on_batch is not None and not callable(on_batch):
        raise TypeError(f"on_batch must be callable as on_batch(net, step), got {on_batch!r}")
    opt = _optimizer(optimizer, net, lr)
    classes = check_classes(net, X, [("train_data", y)] + ([("test_data", test[1])] if test
                                                             else []))
    # channels-last layout: 10-30% faster convolution and pooling on CPU, same arithmetic
    net.to(memory_format=torch.channels_last)
    X = X.contiguous(memory_format=torch.channels_last)
    if test is not None:
        test = (test[0].contiguous(memory_format=torch.channels_last), test[1])

    generator = torch.Generator().manual_seed(int(seed))
    n, num_batches = len(X), -(-len(X) // batch_size)
    marks = {max(1, round(num_batches * k / updates_per_epoch)) for k in
             range(1, updates_per_epoch + 1)}
    history = History(examples=n, source=source)
    # live curves need a notebook; in plain python (even with live=True) lines are printed
    plot = LivePlot(epochs, source, history) if live is not False and in_notebook() else None
    if plot is not None and plot.handle is None:        # display() found no frontend
        plot = None
    bar = ProgressBar(epochs * num_batches, progress)
    log = bar.write if log is None else log
    lr_now = opt.param_groups[0].get("lr", lr) if opt.param_groups else lr
    epoch, closing, warned = 0, None, False
    drawing = 0.0                  # seconds spent drawing, left out of History.elapsed
    try:
        for epoch in range(epochs):
            net.train()
            start, paused = time.perf_counter(), 0.0
            order = torch.randperm(n, generator=generator)
            loss_sum, correct, seen = 0.0, 0, 0
            window = [0.0, 0, 0]           # loss sum, correct, seen since the last curve point
            for b in range(num_batches):
                index = order[b * batch_size:(b + 1) * batch_size]
                Xb, yb = X[index], y[index]
                out = net(Xb)
                loss = F.cross_entropy(out, yb)
                value = loss.item()
                _stop_on_divergence(value, epoch, epochs, b, num_batches, lr_now)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if on_batch is not None:
                    on_batch(net, epoch * num_batches + b + 1)
                with torch.no_grad():
                    batch_loss = value * len(yb)
                    batch_correct = (out.argmax(1) == yb).sum().item()
                loss_sum, correct, seen = loss_sum + batch_loss, correct + batch_correct, \
                    seen + len(yb)
                window = [window[0] + batch_loss, window[1] + batch_correct, window[2] + len(yb)]
                bar.update()
                if b + 1 in marks:
                    history.steps.append((epoch + (b + 1) / num_batches, window[0] / window[2],
                                          window[1] / window[2]))
                    window = [0.0, 0, 0]
                    if plot is not None and b + 1 < num_batches:
                        tick = time.perf_counter()
                        plot.update(history)
                        paused += time.perf_counter() - tick
            history.seconds.append(time.perf_counter() - start - paused)
            history.train_loss.append(loss_sum / seen)
            history.train_acc.append(correct / seen)
            warning = _far_above_chance(history.train_loss[-1], classes, epoch, lr_now)
            if warning is not None and not warned:
                print(warning)                          # printed: the notebook keeps it
                warned = True
            if test is not None:
                history.test_acc.append(evaluate_accuracy(net, *test))
            drawing += paused
            history.elapsed.append(time.perf_counter() - called - drawing)
            bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}",
                            test_acc=f"{history.test_acc[-1]:.3f}" if test else "-")
            if plot is not None:
                tick = time.perf_counter()
                plot.update(history)
                drawing += time.perf_counter() - tick
            else:
                test_text = f", test acc {history.test_acc[-1]:.3f}" if test else ""
                log(f"epoch {epoch + 1:>{len(str(epochs))}}/{epochs}: loss "
                    f"{history.train_loss[-1]:.3f}, train acc {history.train_acc[-1]:.3f}"
                    f"{test_text} ({n / history.seconds[-1]:,.0f} examples/s)")
    except KeyboardInterrupt:
        closing = _interrupted(history, epoch, epochs)
        print(closing)
    finally:
        bar.close(closing or f"trained {len(history.seconds)} epochs of {n:,} examples in "
                  f"{sum(history.seconds):.1f} s ({history.examples_per_second:,.0f} examples/s)")
    return history
