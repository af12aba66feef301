"""convbook.layers: the LeNet variants keep LeNet's budget and shapes, and blur pooling is max
pooling followed by a binomial blur."""
import pytest
import torch
from torch import nn

from convbook import probes
from convbook.layers import MLP, BatchNormLeNet, BlurMaxPool2d, BlurPoolLeNet, LeNet
from convbook.netspec import layer_summary

LENET_PARAMETERS = 61706


def count(net):
    return sum(p.numel() for p in net.parameters())


def test_variants_keep_lenets_budget_and_shapes():
    for net in (BlurPoolLeNet(), BatchNormLeNet()):
        assert count(net) == LENET_PARAMETERS
        assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert count(MLP()) <= LENET_PARAMETERS
    assert count(MLP(hidden=(8, 4))) == 784 * 8 + 8 + 8 * 4 + 4 + 4 * 10 + 10
    with pytest.raises(ValueError, match="hidden must be a positive int"):
        MLP(hidden=(0,))
    # the summary counts FLOPs the same way for the BatchNorm variant's convolutions
    assert layer_summary(BatchNormLeNet()).flops == layer_summary(LeNet()).flops


def test_blur_max_pool_is_max_pool_then_binomial_blur():
    x = torch.rand(2, 3, 10, 10)
    dense = nn.functional.max_pool2d(x, 2, stride=1)
    padded = nn.functional.pad(dense, (1, 1, 1, 1), mode="reflect")
    taps = torch.tensor([1.0, 2.0, 1.0])
    k = (torch.outer(taps, taps) / 16).expand(3, 1, 3, 3)
    expected = nn.functional.conv2d(padded, k, stride=2, groups=3)
    assert torch.allclose(BlurMaxPool2d(2, 2)(x), expected)
    assert BlurMaxPool2d()(x).shape == nn.MaxPool2d(2, 2)(x).shape
    # a constant image stays constant: the blur sums to 1
    assert torch.allclose(BlurMaxPool2d()(torch.full((1, 1, 8, 8), 0.5)), torch.tensor(0.5))
    with pytest.raises(ValueError, match="stride must be a positive int"):
        BlurMaxPool2d(2, 0)


def test_blur_pooling_changes_less_under_a_one_pixel_shift():
    torch.manual_seed(0)
    x = torch.rand(16, 1, 16, 16)
    shifted = probes.shift_images(x, 1, 0)
    change = {}
    for name, pool in (("max", nn.MaxPool2d(2, 2)), ("blur", BlurMaxPool2d(2, 2))):
        a, b = pool(x)[..., 1:-1], pool(shifted)[..., 1:-1]
        change[name] = (a - b).abs().mean().item()
    assert change["blur"] < change["max"]
