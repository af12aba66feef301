"""Layers built in the chapter: a from-scratch convolutional layer and LeNet.

>>> layer = Conv2D((1, 2))
>>> layer(torch.ones(6, 8)).shape
torch.Size([6, 7])
"""
import torch
from torch import nn
from torch.nn import functional as F

from ._checks import pair, positive_int
from .ops import corr2d

__all__ = ["Conv2D", "LeNet", "ModernLeNet", "BlurMaxPool2d", "BlurPoolLeNet", "BatchNormLeNet",
           "MLP"]


class Conv2D(nn.Module):
    """A convolutional layer from scratch: one 2-D kernel plus a scalar bias.

    The kernel starts uniformly random in [0, 1) (seed torch for reproducibility), the bias at 0.
    """

    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(pair(kernel_size, "kernel_size", 1)))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


class LeNet(nn.Sequential):
    """LeNet-5 as in the chapter: sigmoid activations and average pooling, 28x28 input.

    >>> LeNet()(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 10])
    >>> LeNet()[:3](torch.zeros(1, 1, 28, 28)).shape      # the first conv block
    torch.Size([1, 6, 14, 14])
    """

    def __init__(self, num_classes=10, activation=nn.Sigmoid, pool=nn.AvgPool2d):
        super().__init__(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), activation(),
            pool(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), activation(),
            pool(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), activation(),
            nn.Linear(120, 84), activation(),
            nn.Linear(84, num_classes))

    def __getitem__(self, index):
        """``net[i]`` is a layer; ``net[:k]`` is a plain nn.Sequential of the first k layers."""
        if isinstance(index, slice):
            return nn.Sequential(*list(self)[index])
        return super().__getitem__(index)


class ModernLeNet(LeNet):
    """LeNet with today's choices: ReLU activations and max pooling (same shapes).

    >>> ModernLeNet()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, num_classes=10):
        super().__init__(num_classes, activation=nn.ReLU, pool=nn.MaxPool2d)


class BlurMaxPool2d(nn.Module):
    """Anti-aliased max pooling (Zhang, 2019, "Making convolutional networks shift-invariant
    again"): the max over each window taken densely (stride 1), then a fixed 3 x 3 binomial
    blur, then subsampling by ``stride``. No parameters; same output size as
    ``nn.MaxPool2d(kernel_size, stride)`` for LeNet's even sizes.

    >>> BlurMaxPool2d(2, 2)(torch.rand(1, 6, 28, 28)).shape
    torch.Size([1, 6, 14, 14])
    """

    def __init__(self, kernel_size=2, stride=2):
        super().__init__()
        self.kernel_size = positive_int(kernel_size, "kernel_size")
        self.stride = positive_int(stride, "stride")
        taps = torch.tensor([1.0, 2.0, 1.0])
        self.register_buffer("blur", (torch.outer(taps, taps) / 16).expand(1, 1, 3, 3).clone())

    def forward(self, x):
        x = F.max_pool2d(x, self.kernel_size, stride=1)
        x = F.pad(x, (1, 1, 1, 1), mode="reflect")
        c = x.shape[1]
        return F.conv2d(x, self.blur.expand(c, 1, 3, 3), stride=self.stride, groups=c)


class BlurPoolLeNet(LeNet):
    """ModernLeNet with anti-aliased max pooling (:class:`BlurMaxPool2d`): same shapes and
    parameters.

    >>> BlurPoolLeNet()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, num_classes=10):
        super().__init__(num_classes, activation=nn.ReLU, pool=BlurMaxPool2d)


class BatchNormLeNet(LeNet):
    """ModernLeNet with batch normalisation (Ioffe & Szegedy, 2015) after each pooling layer,
    for fast training. The normalisation has no scale and shift of its own (``affine=False``):
    the next layer is linear and would absorb them, so the network keeps LeNet's 61,706
    parameters (the running means and variances are buffers, not parameters).

    >>> net = BatchNormLeNet()
    >>> sum(p.numel() for p in net.parameters()), net[:4](torch.zeros(2, 1, 28, 28)).shape
    (61706, torch.Size([2, 6, 14, 14]))
    """

    def __init__(self, num_classes=10):
        nn.Sequential.__init__(
            self,
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.BatchNorm2d(6, affine=False),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.BatchNorm2d(16, affine=False),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes))


class MLP(nn.Sequential):
    """A multilayer perceptron on flattened images: 784 inputs, ReLU hidden layers, 10 outputs.
    The default single hidden layer of 77 units keeps within LeNet's parameter budget.

    >>> net = MLP()
    >>> sum(p.numel() for p in net.parameters()), net(torch.zeros(2, 1, 28, 28)).shape
    (61225, torch.Size([2, 10]))
    """

    def __init__(self, hidden=(77,), num_inputs=28 * 28, num_classes=10):
        sizes = [positive_int(num_inputs, "num_inputs"),
                 *(positive_int(h, "hidden") for h in hidden)]
        layers = [nn.Flatten()]
        for n_in, n_out in zip(sizes, sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], positive_int(num_classes, "num_classes")))
        super().__init__(*layers)
