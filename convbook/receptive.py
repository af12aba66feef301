"""Receptive fields of a stack of conv/pooling layers: closed form and measured by autograd.

Closed form (Araujo et al., Distill 2019), per axis, for layers l = 1..L with kernel k_l
(dilated: d(k-1)+1), stride s_l and padding p_l, where J_l = prod_{i<l} s_i is the "jump":
size r = sum_l (k_l - 1) J_l + 1, effective stride S = prod_l s_l, effective padding
P = sum_l p_l J_l, and unit u covers input rows -P + u*S ... -P + u*S + r - 1 (its centre,
``start`` for u = 0, is (r - 1)/2 - P).

>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 1, 2), nn.Conv2d(1, 1, 2))
>>> receptive_field(net)[-1].size
(3, 3)
"""
import copy
from dataclasses import dataclass

import torch
from torch import nn

from ._checks import pair, positive_int

__all__ = ["LayerField", "layer_geometry", "receptive_field", "EmpiricalField",
           "empirical_receptive_field"]

# Layers that act pixel by pixel: they leave the receptive field as it is.
ELEMENTWISE = (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.GELU, nn.ELU, nn.SiLU, nn.Softplus,
               nn.Hardtanh, nn.ReLU6, nn.Identity, nn.Dropout, nn.Dropout2d, nn.BatchNorm2d)
SPATIAL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


@dataclass(frozen=True)
class LayerField:
    """Receptive field of the units after one spatial layer, in input coordinates (h, w)."""
    index: int          # position of the layer in the Sequential
    layer: str          # the layer's repr, e.g. "Conv2d(1, 6, kernel_size=(5, 5), ...)"
    size: tuple         # receptive field size r
    stride: tuple       # effective stride S (distance in the input between neighbouring units)
    padding: tuple      # effective padding P
    start: tuple        # centre of unit (0, 0) in input coordinates

    def bounds(self, unit):
        """Inclusive input rows and columns ((top, bottom), (left, right)) seen by ``unit``."""
        return tuple((-p + u * s, -p + u * s + r - 1)
                     for u, s, p, r in zip(unit, self.stride, self.padding, self.size))


def layer_geometry(layer):
    """(kernel, stride, padding, dilation) of a spatial layer, each an (h, w) pair."""
    if isinstance(layer, nn.Conv2d):
        if isinstance(layer.padding, str):
            raise ValueError(f"padding={layer.padding!r} is not supported in {layer}; "
                             "use explicit integer padding")
        stride = layer.stride
    else:
        stride = layer.stride if layer.stride is not None else layer.kernel_size
    if getattr(layer, "ceil_mode", False):
        raise ValueError(f"ceil_mode=True is not supported in {layer}")
    return (pair(layer.kernel_size, "kernel_size", 1), pair(stride, "stride", 1),
            pair(layer.padding, "padding", 0), pair(getattr(layer, "dilation", 1), "dilation", 1))


def _spatial_layers(model):
    """Yield (index, layer) for the spatial part of a Sequential, stopping at Flatten/Linear."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    for index, layer in enumerate(model):
        if isinstance(layer, (nn.Flatten, nn.Linear)):
            return
        if isinstance(layer, nn.Sequential):
            raise TypeError(f"model[{index}] is a nested Sequential: flatten the model first")
        if not isinstance(layer, SPATIAL + ELEMENTWISE):
            raise TypeError(f"model[{index}] ({type(layer).__name__}) is not supported: use "
                            "Conv2d, MaxPool2d, AvgPool2d and elementwise layers")
        yield index, layer


def receptive_field(model):
    """One LayerField per Conv2d / MaxPool2d / AvgPool2d of an nn.Sequential, in order.

    >>> from convbook.layers import LeNet
    >>> [f.size[0] for f in receptive_field(LeNet())]
    [5, 6, 14, 16]
    """
    size, jump, padding, start = [1, 1], [1, 1], [0, 0], [0.0, 0.0]
    records = []
    for index, layer in _spatial_layers(model):
        if not isinstance(layer, SPATIAL):
            continue
        kernel, stride, pad, dilation = layer_geometry(layer)
        for axis in range(2):
            span = dilation[axis] * (kernel[axis] - 1) + 1
            size[axis] += (span - 1) * jump[axis]
            start[axis] += ((span - 1) / 2 - pad[axis]) * jump[axis]
            padding[axis] += pad[axis] * jump[axis]
            jump[axis] *= stride[axis]
        records.append(LayerField(index, repr(layer), tuple(size), tuple(jump), tuple(padding),
                                  tuple(start)))
    if not records:
        raise ValueError("model has no Conv2d, MaxPool2d or AvgPool2d layer before any Flatten")
    return records


@dataclass(frozen=True)
class EmpiricalField:
    """Input pixels that influence one output unit, found by backpropagation."""
    gradient: torch.Tensor   # |d unit / d input| summed over input channels, h x w
    rows: tuple              # (top, bottom) inclusive, clipped to the input
    cols: tuple              # (left, right) inclusive, clipped to the input

    @property
    def size(self):
        return (self.rows[1] - self.rows[0] + 1, self.cols[1] - self.cols[0] + 1)

    @property
    def center(self):
        return ((self.rows[0] + self.rows[1]) / 2, (self.cols[0] + self.cols[1]) / 2)


def empirical_receptive_field(model, input_shape, unit, uniform_weights=True):
    """Backpropagate from output unit (row, col) of ``model`` to an input of ``input_shape``.

    ``input_shape`` is (channels, h, w). With ``uniform_weights`` (the default) a copy of the
    model gets positive constant weights, zero biases and average instead of max pooling, so
    no input pixel's gradient vanishes by accident: the support is the theoretical receptive
    field, and the gradient's shape is the effective receptive field. Uses float64.

    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3))
    >>> empirical_receptive_field(net, (1, 9, 9), (2, 2)).size
    (5, 5)
    """
    list(_spatial_layers(model))        # validates the layers before any work
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width), got {input_shape!r}")
    channels = positive_int(input_shape[0], "input_shape channels")
    height, width = pair(tuple(input_shape[1:]), "input_shape height/width", 1)
    row, col = pair(tuple(unit), "unit", 0)
    net = copy.deepcopy(nn.Sequential(*(layer for _, layer in _spatial_layers(model))))
    net = net.double().eval()
    if uniform_weights:
        for i, layer in enumerate(net):
            if isinstance(layer, nn.MaxPool2d):
                kernel, stride, padding, _ = layer_geometry(layer)
                net[i] = nn.AvgPool2d(kernel, stride, padding)
            elif isinstance(layer, nn.Conv2d):
                with torch.no_grad():
                    layer.weight.fill_(1.0 / layer.weight[0].numel())
                    if layer.bias is not None:
                        layer.bias.zero_()
    x = torch.ones(1, channels, height, width, dtype=torch.float64, requires_grad=True)
    y = net(x)
    if not (row < y.shape[2] and col < y.shape[3]):
        raise ValueError(f"unit must lie inside the output of shape {tuple(y.shape[2:])}, "
                         f"got {(row, col)}")
    y[0, :, row, col].sum().backward()
    gradient = x.grad[0].abs().sum(0)
    rows = torch.nonzero(gradient.sum(1)).flatten()
    cols = torch.nonzero(gradient.sum(0)).flatten()
    if len(rows) == 0:
        raise ValueError("the unit does not depend on any input pixel (all gradients are zero)")
    return EmpiricalField(gradient.float(), (int(rows[0]), int(rows[-1])),
                          (int(cols[0]), int(cols[-1])))
