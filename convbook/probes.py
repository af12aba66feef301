"""Measurements of a network while it trains and after: gradient norms per layer, accuracy on
shifted images, softmax confidence.

>>> from convbook.layers import LeNet
>>> net = LeNet()
>>> norms = GradientNorms(net)
>>> net(torch.rand(4, 1, 28, 28)).sum().backward(); norms(net, 1)
>>> norms.names, len(norms.norms[0])
(['conv 1', 'conv 2', 'dense 1', 'dense 2', 'dense 3'], 1)
"""
import torch
from torch import nn

from ._checks import positive_int

__all__ = ["GradientNorms", "shift_images", "shift_accuracy", "confidence",
           "effective_receptive_field"]


class GradientNorms:
    """An ``on_batch`` recorder for :func:`convbook.train.train`: the L2 norm of the weight
    gradient of every Conv2d and Linear layer, every ``every`` steps.

    ``names`` are 'conv 1', 'conv 2', ..., 'dense 1', ... in network order; ``steps`` the
    recorded step numbers; ``norms[i]`` the norms of layer i, one per recorded step.
    """

    def __init__(self, net, every=1):
        self.every = positive_int(every, "every")
        self.layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        if not self.layers:
            raise ValueError("net has no Conv2d or Linear layer whose gradients could be recorded")
        counts = {nn.Conv2d: 0, nn.Linear: 0}
        self.names = []
        for m in self.layers:
            kind = nn.Conv2d if isinstance(m, nn.Conv2d) else nn.Linear
            counts[kind] += 1
            self.names.append(f"{'conv' if kind is nn.Conv2d else 'dense'} {counts[kind]}")
        self.steps, self.norms = [], [[] for _ in self.layers]

    @torch.no_grad()
    def __call__(self, net, step):
        if step % self.every:
            return
        self.steps.append(step)
        for norms, m in zip(self.norms, self.layers):
            norms.append(0.0 if m.weight.grad is None else m.weight.grad.norm().item())


def shift_images(X, dx, dy):
    """Images moved right by ``dx`` and down by ``dy`` pixels (negative: left/up); pixels that
    enter are 0 (the background of Fashion-MNIST), pixels that leave are lost.

    >>> shift_images(torch.arange(9).reshape(1, 3, 3), 1, 0)[0].tolist()
    [[0, 0, 1], [0, 3, 4], [0, 6, 7]]
    """
    if not isinstance(X, torch.Tensor) or X.dim() < 2:
        raise TypeError("X must be a tensor of images whose last two axes are height and width")
    h, w = X.shape[-2:]
    for name, d, n in (("dx", dx, w), ("dy", dy, h)):
        if isinstance(d, bool) or not isinstance(d, int) or abs(d) >= n:
            raise ValueError(f"{name} must be an int with |{name}| < {n}, got {d!r}")
    out = torch.zeros_like(X)
    out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        X[..., max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def shift_accuracy(net, X, y, max_shift=4):
    """Test accuracy and consistency against a shift of 0..``max_shift`` pixels.

    For each shift s the images are moved by s pixels right, left, down and up (4 copies);
    ``accuracy[s]`` is the mean accuracy over the 4 copies and ``consistency[s]`` the fraction
    of predictions that stay what they were without the shift (Zhang, 2019).
    """
    from .train import predict

    max_shift = positive_int(max_shift, "max_shift") if max_shift else 0
    y = torch.as_tensor(y)
    base = predict(net, X)
    accuracy, consistency = [], []
    for s in range(max_shift + 1):
        moves = [(0, 0)] if s == 0 else [(s, 0), (-s, 0), (0, s), (0, -s)]
        preds = [predict(net, shift_images(X, dx, dy)) for dx, dy in moves]
        accuracy.append(sum((p == y).float().mean().item() for p in preds) / len(preds))
        consistency.append(sum((p == base).float().mean().item() for p in preds) / len(preds))
    return {"shift": list(range(max_shift + 1)), "accuracy": accuracy, "consistency": consistency}


@torch.inference_mode()
def confidence(net, X):
    """The largest softmax probability the network gives each image (evaluation mode).

    >>> from convbook.layers import LeNet
    >>> c = confidence(LeNet(), torch.rand(3, 1, 28, 28))
    >>> c.shape, bool(((c >= 0.1) & (c <= 1)).all())
    (torch.Size([3]), True)
    """
    from .train import as_images

    was_training = net.training
    net.eval()
    try:
        return net(as_images(X)).softmax(1).max(1).values
    finally:
        net.train(was_training)


def effective_receptive_field(net, images, unit):
    """Mean absolute gradient of output unit (row, col) of ``net`` (summed over its channels)
    with respect to each input pixel, averaged over real ``images`` (evaluation mode): where
    a trained network's unit actually looks, rather than where it could look.

    >>> from torch import nn
    >>> conv = nn.Conv2d(1, 1, 3)
    >>> erf = effective_receptive_field(conv, torch.rand(2, 1, 7, 7), (2, 2))
    >>> erf.shape, int((erf > 0).sum())
    (torch.Size([7, 7]), 9)
    """
    from .train import as_images

    X = as_images(images).clone().requires_grad_(True)
    row, col = unit
    was_training = net.training
    net.eval()
    try:
        out = net(X)
        if not (0 <= row < out.shape[2] and 0 <= col < out.shape[3]):
            raise ValueError(f"unit must lie inside the output of shape {tuple(out.shape[2:])}, "
                             f"got {unit!r}")
        grad, = torch.autograd.grad(out[:, :, row, col].sum(), X)
    finally:
        net.train(was_training)
    return grad.abs().sum(1).mean(0)
