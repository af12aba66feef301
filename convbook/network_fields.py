"""The receptive-field explorer's model: for one network and one image, the feature maps, the
closed-form fields between every pair of maps (via ``convbook.receptive.receptive_field``) and
the effective-receptive-field weights, computed once; a view only slices and formats them.

>>> from convbook.netspec import layers_from_text
>>> fields = NetworkFields(layers_from_text("conv 3 p1; pool 2; conv 5"), torch.zeros(28, 28))
>>> fields.shapes, fields.fields[-1].size
([(28, 28), (28, 28), (14, 14), (10, 10)], (12, 12))
"""
import math

import numpy as np
import torch
from torch import nn

from .netspec import describe_layer
from .ops import output_shape
from .receptive import empirical_receptive_field, layer_window_params, receptive_field

__all__ = ["NetworkFields", "MAX_WORK"]

# The most work one network and image may ask of the explorer, estimated from the shapes before
# anything runs: arithmetic operations (forward pass, gradients, weights) and values held.
MAX_WORK = {"operations": 10 ** 10, "values": 2 ** 25}


def _axis_weights(layers, axis):
    """Closed-form effective-receptive-field weights along one axis: how many paths join each
    input position to one unit through the uniform-kernel layers, in float64 (counts >= 1,
    so nothing underflows: a 0 is a hole, never a rounding). Kernels of ones are separable, so
    the 2-D weights are the outer product of the two axes' weights."""
    w = np.ones(1)
    for layer in reversed(layers):
        kernel, stride, _, dilation = layer_window_params(layer)
        k, s, d = kernel[axis], stride[axis], dilation[axis]
        wider = np.zeros((len(w) - 1) * s + d * (k - 1) + 1)
        for t in range(k):
            wider[t * d: t * d + (len(w) - 1) * s + 1: s] += w
        w = wider
    return w


def _check_model(model, image):
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential of layers, got {type(model).__name__}")
    for index, layer in enumerate(model):
        if isinstance(layer, nn.Sequential) or (
                len(list(layer.children())) and not isinstance(layer, (nn.Conv2d, nn.MaxPool2d,
                                                                       nn.AvgPool2d))):
            raise ValueError(f"model must be a flat nn.Sequential (one layer per entry): entry "
                             f"{index} is a {type(layer).__name__} holding layers")
    image = torch.as_tensor(image, dtype=torch.float32)
    if image.dim() != 2:
        raise ValueError(f"image must be one grey-level channel, h x w, got shape "
                         f"{tuple(image.shape)}")
    return image


def _single_channel(layer, padding=True):
    """The layer's geometry with one channel and no bias (``padding=False``: none), for the ERF.

    empirical_receptive_field gives the copy uniform weights and average pooling."""
    kernel, stride, pad, dilation = layer_window_params(layer)
    pad = pad if padding else 0
    if isinstance(layer, nn.Conv2d):
        return nn.Conv2d(1, 1, kernel, stride, pad, dilation, bias=False)
    return nn.AvgPool2d(kernel, stride, pad)


class NetworkFields:
    """Everything the receptive-field explorer shows for one network and one image.

    ``model`` and ``image`` are the ones given (the image as a float32 tensor).
    ``maps[0]`` is the input, ``maps[b]`` the output of spatial layer b (channel 0), each scaled
    to [0, 1]; ``shapes[b]`` their sizes; ``fields`` = ``receptive_field(model)``; ``names`` the
    layers' short names. ``between(a, b)`` is the field of map-b units on map a, ``region`` /
    ``seen`` the rows and columns one unit covers / really depends on, ``weights(b)`` the
    effective-receptive-field weights and ``gradient(b, unit)`` |d unit / d input|.
    Layers are numbered from 1 (map b is the output of layer b).
    """

    def __init__(self, model, image):
        image = _check_model(model, image)
        self.model, self.image = model, image
        self.fields = receptive_field(model)
        self.layers = [model[f.index] for f in self.fields]
        self.names = [describe_layer(layer) for layer in self.layers]
        first = self.layers[0] if self.layers else None
        if isinstance(first, nn.Conv2d) and first.in_channels != 1:
            raise ValueError(f"model's first layer reads {first.in_channels} channels; the "
                             "image has one (h x w)")
        shapes = [tuple(image.shape)]
        for number, (layer, name) in enumerate(zip(self.layers, self.names), 1):
            k, s, p, d = layer_window_params(layer)
            try:
                shapes.append(output_shape(shapes[-1], k, p, s, d))
            except ValueError:
                (h, w), (p_h, p_w) = shapes[-1], p
                why = (f"its kernel is larger than the {h}x{w} image padded by {p_h},{p_w}"
                       if number == 1 else
                       f"the layers before it shrink the {shapes[0][0]}x{shapes[0][1]} image "
                       f"to {h}x{w}, smaller than its kernel (padding {p_h},{p_w})")
                raise ValueError(f"layer {number} ({name}) does not fit: {why}") from None
        self.shapes = shapes
        self._bound_work()
        maps = [image]
        with torch.no_grad():
            x = image[None, None]
            spatial = {f.index for f in self.fields}
            for index, layer in enumerate(model):
                if index > self.fields[-1].index:
                    break
                x = layer(x)
                if index in spatial:
                    maps.append(x[0, 0])
        self.maps = [(m - m.min()) / (m.max() - m.min() + 1e-12) for m in maps]
        self._between, self._weights, self._gradients = {}, {}, {}
        self.margins = [self._margin(a) for a in range(len(self.maps))]

    def _bound_work(self):
        """Refuse, before any work, a network whose forward pass, gradients or field weights
        would exceed MAX_WORK (estimated from the shapes)."""
        operations, values, channels = 0, 0, 1
        for layer, (h_in, w_in), (h, w) in zip(self.layers, self.shapes, self.shapes[1:]):
            (k_h, k_w), _, _, (d_h, d_w) = layer_window_params(layer)
            if isinstance(layer, nn.Conv2d):
                c_in, channels = layer.in_channels // layer.groups, layer.out_channels
            else:
                c_in = 1
            operations += 2 * channels * c_in * h * w * k_h * k_w      # the forward pass
            operations += 6 * h * w * k_h * k_w                         # a gradient, both ways
            values = max(values, channels * max(h * w, h_in * w_in))
        for field in self.fields:                       # the 1-D weights of every field
            operations += sum(field.size) * max(max(layer_window_params(layer)[0])
                                                for layer in self.layers)
        for name, used in (("operations", operations), ("values", values)):
            if used > MAX_WORK[name]:
                raise ValueError(f"this network would take about {used:,.0f} {name} on the "
                                 f"{self.shapes[0][0]}x{self.shapes[0][1]} image; the explorer "
                                 f"computes at most {MAX_WORK[name]:,} "
                                 "(convbook.network_fields.MAX_WORK): use fewer channels or "
                                 "layers")

    def between(self, a, b):
        """LayerField of the units of map b measured on map a (a < b)."""
        if (a, b) not in self._between:
            self._between[(a, b)] = receptive_field(nn.Sequential(*self.layers[a:b]))[-1]
        return self._between[(a, b)]

    def region(self, a, b, unit):
        """Rows and columns ((top, bottom), (left, right)) of map a seen by ``unit`` of map b."""
        if a == b:
            return ((unit[0], unit[0]), (unit[1], unit[1]))
        return self.between(a, b).bounds(unit)

    def clip(self, a, bounds):
        """``bounds`` clipped to map a, or None when they lie entirely in the padding."""
        clipped = tuple((max(lo, 0), min(hi, n - 1)) for (lo, hi), n in zip(bounds,
                                                                             self.shapes[a]))
        return None if any(lo > hi for lo, hi in clipped) else clipped

    def seen(self, a, b, unit):
        """The part of map a that ``unit`` of map b really depends on (None: only padding).

        Walks back layer by layer, clipping to every map on the way: padding of an
        intermediate map and rows a floor() dropped carry no input, which the closed-form
        ``region`` cannot know. (A stride larger than the kernel leaves holes inside the box.)
        """
        bounds = ((unit[0], unit[0]), (unit[1], unit[1]))
        for layer_number in range(b, a, -1):
            kernel, stride, pad, dilation = layer_window_params(self.layers[layer_number - 1])
            bounds = self.clip(layer_number - 1, tuple(
                (lo * s - p, hi * s - p + d * (k - 1))
                for (lo, hi), k, s, p, d in zip(bounds, kernel, stride, pad, dilation)))
            if bounds is None:
                return None
        return bounds

    def _margin(self, a):
        """Cells of padding (top, left, bottom, right) any unit's field reaches around map a."""
        margin = [0, 0, 0, 0]
        for b in range(a + 1, len(self.maps)):
            last = tuple(n - 1 for n in self.shapes[b])
            (top, _), (left, _) = self.region(a, b, (0, 0))
            (_, bottom), (_, right) = self.region(a, b, last)
            margin = [max(margin[0], -top), max(margin[1], -left),
                      max(margin[2], bottom - self.shapes[a][0] + 1),
                      max(margin[3], right - self.shapes[a][1] + 1)]
        return tuple(margin)

    def weights(self, b):
        """Effective-receptive-field weights of a unit of map b away from the border, r_h x r_w:
        |d unit / d input| of the linear, uniform-weight network on an input of the field's size."""
        size = math.prod(self.fields[b - 1].size)
        if size > MAX_WORK["values"]:
            raise ValueError(f"the field of layer {b} holds {size:,} pixels; weights are drawn "
                             f"for at most {MAX_WORK['values']:,} (weight_ratio counts any)")
        if b not in self._weights:
            rows, cols = (_axis_weights(self.layers[:b], axis) for axis in (0, 1))
            self._weights[b] = torch.from_numpy(np.outer(rows, cols))
        return self._weights[b]

    def weight_ratio(self, b):
        """(heaviest / lightest non-zero weight, number of pixels of the field with no weight).

        Dilated or strided layers leave holes (weight 0) in the field: they are counted, not
        divided by. Computed per axis in float64 from path counts (>= 1 where a path exists),
        so a weight too small for float32 is never mistaken for a hole, and a field too large
        to draw is still counted.

        >>> from convbook.netspec import layers_from_text
        >>> NetworkFields(layers_from_text("conv 3 d2"), torch.zeros(9, 9)).weight_ratio(1)
        (1.0, 16)
        """
        rows, cols = (_axis_weights(self.layers[:b], axis) for axis in (0, 1))
        (r, c), (r_used, c_used) = (rows[rows > 0], cols[cols > 0]), (
            int((rows > 0).sum()), int((cols > 0).sum()))
        ratio = float((r.max() / r.min()) * (c.max() / c.min()))
        return ratio, len(rows) * len(cols) - r_used * c_used

    def gradient(self, b, unit):
        """|d unit / d input| for ``unit`` of map b (uniform weights, linear network), h x w;
        all zeros when the unit sees only padding."""
        key = (b, tuple(unit))
        if key not in self._gradients:
            if self.seen(0, b, unit) is None:
                self._gradients[key] = torch.zeros(self.shapes[0])
            else:
                net = nn.Sequential(*(_single_channel(layer) for layer in self.layers[:b]))
                self._gradients[key] = empirical_receptive_field(net, (1, *self.shapes[0]),
                                                                 unit).gradient
        return self._gradients[key]
