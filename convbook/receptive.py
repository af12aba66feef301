"""Receptive fields of a CNN: closed form and measured by autograd.

Closed form (Araujo et al., Distill 2019), per axis, for spatial layers l = 1..L with kernel
k_l (dilated: d(k-1)+1), stride s_l and padding p_l, where J_l = prod_{i<l} s_i is the "jump"
of layer l's *input* (the distance in input pixels between neighbouring units it reads):
size r = sum_l (k_l - 1) J_l + 1, effective stride S = prod_l s_l, effective padding
P = sum_l p_l J_l, and unit u covers input rows -P + u*S ... -P + u*S + r - 1 (its centre,
``start`` for u = 0, is (r - 1)/2 - P). Any model torch.fx can trace is followed through its
graph (``convbook.receptive_graph``): residual additions and concatenations take the union of
their inputs' fields.

>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 1, 2), nn.Conv2d(1, 1, 2))
>>> receptive_field(net)[-1].size
(3, 3)
"""
from dataclasses import dataclass

import torch
from torch import nn

from ._checks import flag, pair, positive_int
from .receptive_graph import Measurement, Walk, trace, where
from .receptive_graph import window_params

__all__ = ["LayerField", "layer_window_params", "receptive_field", "EmpiricalField",
           "empirical_receptive_field"]

SPATIAL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


@dataclass(frozen=True)
class LayerField:
    """Receptive field of the units of one feature map, in input coordinates (h, w).

    One record per convolution, pooling, padding or merge (addition, concatenation) on the way
    to the model's first global pooling, flatten or linear layer; the last record describes
    the map that reaches it.
    """
    index: int          # position of the layer among the model's operations (in a Sequential:
                        # its index there)
    layer: str          # the layer's repr, e.g. "Conv2d(1, 6, kernel_size=(5, 5), ...)"
    size: tuple         # receptive field size r
    stride: tuple       # effective stride S (distance in the input between neighbouring units)
    padding: tuple      # effective padding P (input rows/cols before row 0 seen by unit 0)
    start: tuple        # centre of unit (0, 0) in input coordinates
    number: int = 0     # 1, 2, ... over the records (the "layer l" of the formulas)
    path: str = ""      # where the layer sits in the model, e.g. "model.layer1[0].conv1"
    shape: tuple = None  # (h, w) of the map, when receptive_field got an input_shape
    notes: tuple = ()   # where units differ: branches centred differently, ceil_mode edges

    def bounds(self, unit):
        """Inclusive input rows and columns ((top, bottom), (left, right)) seen by ``unit``."""
        return tuple((-p + u * s, -p + u * s + r - 1)
                     for u, s, p, r in zip(unit, self.stride, self.padding, self.size))


def layer_window_params(layer):
    """(kernel, stride, padding, dilation) of a Conv2d / MaxPool2d / AvgPool2d, each an (h, w)
    pair; ``padding="same"`` gives the top/left padding, ``"valid"`` gives 0."""
    if not isinstance(layer, SPATIAL):
        raise TypeError(f"layer must be a Conv2d, MaxPool2d or AvgPool2d, got "
                        f"{type(layer).__name__}")
    values = {name: getattr(layer, name) for name in ("kernel_size", "stride", "padding",
                                                       "dilation") if hasattr(layer, name)}
    return window_params(values)[:4]


def _input_shape(input_shape):
    """(channels, height, width) checked."""
    if not isinstance(input_shape, (tuple, list, torch.Size)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width), got {input_shape!r}")
    channels = positive_int(input_shape[0], "input_shape channels")
    return (channels, *pair(tuple(input_shape[1:]), "input_shape height/width", 1))


def receptive_field(model, input_shape=None):
    """One LayerField per convolution, pooling, padding and merge of ``model``, in graph order.

    ``model`` is any ``nn.Module`` torch.fx can trace (an ``nn.Sequential`` gives one record
    per Conv2d / MaxPool2d / AvgPool2d, ``index`` = its position). The last record describes
    the map reaching the first global pooling, flatten or linear layer. With ``input_shape``
    (channels, h, w) each record also gets its map's ``shape`` and ceil_mode notes are exact.

    >>> from convbook.layers import LeNet
    >>> [f.size[0] for f in receptive_field(LeNet())]
    [5, 6, 14, 16]
    """
    shape = (None, None) if input_shape is None else _input_shape(input_shape)
    gm = trace(model)
    walk = Walk(gm, None if input_shape is None else shape[1:], shape[0])
    if not walk.records:
        raise ValueError("model has no Conv2d, MaxPool2d or AvgPool2d layer before any Flatten, "
                         "Linear or global pooling")
    records = []
    for number, (node, field) in enumerate(walk.records, 1):
        layer = (repr(walk.modules[node.target]) if node.op == "call_module"
                 else f"{getattr(node.target, '__name__', node.target)}")
        size = tuple(h - lo + 1 for lo, h in zip(field.lo, field.hi))
        records.append(LayerField(walk.index[node], layer, size, field.jump,
                                  tuple(-lo for lo in field.lo),
                                  tuple((lo + h) / 2 for lo, h in zip(field.lo, field.hi)),
                                  number, where(node), field.shape, field.notes))
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
    """Backpropagate from output unit (row, col) of ``model``'s last feature map to an input of
    ``input_shape`` (channels, h, w); ``unit`` may be one int for (u, u).

    The map is found from the shapes the model really computes, independently of
    ``receptive_field`` (so that the two can disagree when one is wrong): the model's output
    when it is a feature map, else the input of the first operation that changes the sizes of
    the last two axes without sliding windows over them (a global pooling, a mean over (h, w),
    a flatten, a linear layer). Channel reductions, views that keep (h, w) and channel
    shuffles are run through.

    With ``uniform_weights`` (the default) a float64 copy gets equal positive conv weights,
    zero biases, max pooling turned to averaging over the same windows (dilation and
    ceil_mode kept), and nothing that carries a sign: activations, BatchNorm, dropout,
    negations and scalings (by constants or by parameters, such as ReZero's alpha = 0) are
    bypassed, and a difference, product or quotient of two maps becomes their sum. The
    gradient is then a sum of positive terms, which cannot cancel: its support is the
    theoretical receptive field, and its shape the effective receptive field.

    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3))
    >>> empirical_receptive_field(net, (1, 9, 9), (2, 2)).size
    (5, 5)
    """
    channels, height, width = _input_shape(input_shape)
    row, col = pair(tuple(unit) if isinstance(unit, (tuple, list)) else unit, "unit", 0)
    flag(uniform_weights, "uniform_weights")
    measurement = Measurement(model, (channels, height, width), uniform_weights)
    shape = measurement.shape
    if len(shape) < 2:
        raise ValueError(f"the model's last feature map has shape {shape}: no (row, col) units")
    out_h, out_w = shape[-2:]
    if not (row < out_h and col < out_w):
        raise ValueError(f"unit must lie inside the output of shape {(out_h, out_w)}, "
                         f"got {(row, col)}")
    gradient = measurement.gradient((row, col))
    rows = torch.nonzero(gradient.sum(1)).flatten()
    cols = torch.nonzero(gradient.sum(0)).flatten()
    if len(rows) == 0:
        raise ValueError("the unit does not depend on any input pixel (all gradients are zero)")
    return EmpiricalField(gradient.float(), (int(rows[0]), int(rows[-1])),
                          (int(cols[0]), int(cols[-1])))
