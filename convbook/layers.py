"""Layers built in the chapter: a from-scratch convolutional layer and LeNet.

>>> layer = Conv2D((1, 2))
>>> layer(torch.ones(6, 8)).shape
torch.Size([6, 7])
"""
import torch
from torch import nn

from ._checks import pair
from .ops import corr2d

__all__ = ["Conv2D", "LeNet", "ModernLeNet"]


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
