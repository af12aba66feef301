"""Networks typed as text, and the per-network receptive-field model the explorer shows.

``layers_from_text`` reads "conv 3 p1; pool 2; conv 5" into an ``nn.Sequential`` (bounded
sizes, so a typo cannot ask for gigabytes). ``NetworkFields`` computes, once per network and
image, the feature maps, the closed-form fields between every pair of maps (via
``convbook.receptive.receptive_field``) and the effective-receptive-field weights; a view only
slices and formats them.

>>> net = layers_from_text("conv 3 p1; pool 2; conv 5")
>>> [type(layer).__name__ for layer in net]
['Conv2d', 'MaxPool2d', 'Conv2d']
>>> fields = NetworkFields(net, torch.zeros(28, 28))
>>> fields.shapes, fields.fields[-1].size
([(28, 28), (28, 28), (14, 14), (10, 10)], (12, 12))
"""
import re

import torch
from torch import nn

from .ops import output_shape
from .receptive import empirical_receptive_field, layer_geometry, receptive_field

__all__ = ["layers_from_text", "describe_layer", "NetworkFields", "sample_image", "LIMITS"]

_TOKEN = re.compile(r"^(?:(\d{1,4})(?:x(\d{1,4}))?|([spd])(\d{1,4}))$")
# Upper bounds of what a typed network may ask for (the maps are computed for a 28x28 image).
LIMITS = {"layers": 16, "kernel": 32, "s": 16, "p": 16, "d": 8, "text": 500}


def layers_from_text(text, channels=4):
    """Build an nn.Sequential from text like "conv 3 s1 p1; pool 2; avgpool 2 s1; conv 5 d2; relu".

    Layers are separated by ";" or new lines. ``conv K`` (K or KxK2 kernel), ``pool K``
    (max pooling; ``avgpool K`` for average) take optional ``sN`` stride (conv: 1, pool: K),
    ``pN`` padding and, for conv, ``dN`` dilation. Convs have ``channels`` output channels
    (the first takes 1 input channel). Weights come from a fixed seed; the global RNG is untouched.
    Sizes are bounded by ``LIMITS``; a text that breaks a rule raises ValueError saying which.

    >>> layers_from_text("conv 3x5 s2 p1")[0]
    Conv2d(1, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1))
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string of layers, got {type(text).__name__}")
    if len(text) > LIMITS["text"]:
        raise ValueError(f"text may be at most {LIMITS['text']} characters, got {len(text)}")
    parts = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts:
        raise ValueError("text must list at least one layer, e.g. 'conv 3 p1; pool 2'")
    if len(parts) > LIMITS["layers"]:
        raise ValueError(f"text may list at most {LIMITS['layers']} layers, got {len(parts)}")
    specs = [_read_layer(number, part) for number, part in enumerate(parts, 1)]
    layers, in_channels = [], 1
    with torch.random.fork_rng():
        torch.manual_seed(0)
        for kind, kernel, stride, padding, dilation in specs:
            if kind == "relu":
                layers.append(nn.ReLU())
            elif kind == "conv":
                layers.append(nn.Conv2d(in_channels, channels, kernel, stride, padding, dilation))
                in_channels = channels
            else:
                pool = nn.MaxPool2d if kind in ("pool", "maxpool") else nn.AvgPool2d
                layers.append(pool(kernel, stride, padding))
    return nn.Sequential(*layers)


def _read_layer(number, part):
    """(kind, kernel, stride, padding, dilation) of one typed layer; ValueError naming it."""
    where = f"layer {number} ({part!r})"
    words = part.lower().split()
    kind, options, kernel = words[0], {}, None
    if kind == "relu" and len(words) == 1:
        return "relu", None, None, None, None
    if kind not in ("conv", "pool", "maxpool", "avgpool"):
        raise ValueError(f"{where}: unknown layer {kind!r}; use conv, pool (max), avgpool or relu")
    for word in words[1:]:
        match = _TOKEN.match(word)
        if not match:
            raise ValueError(f"{where}: cannot read {word!r}; write e.g. 'conv 3 s2 p1 d1' "
                             "or 'pool 2'")
        if match.group(1):
            kernel = (int(match.group(1)), int(match.group(2) or match.group(1)))
        else:
            options[match.group(3)] = int(match.group(4))
    if kernel is None or min(kernel) < 1:
        raise ValueError(f"{where}: give a kernel size >= 1, e.g. '{kind} 3'")
    if max(kernel) > LIMITS["kernel"]:
        raise ValueError(f"{where}: kernel sizes go up to {LIMITS['kernel']}, got {max(kernel)}")
    stride = options.get("s", 1 if kind == "conv" else kernel[0])
    padding, dilation = options.get("p", 0), options.get("d", 1)
    if stride < 1:
        raise ValueError(f"{where}: stride must be >= 1, got {stride}")
    if dilation < 1:
        raise ValueError(f"{where}: dilation must be >= 1, got {dilation}")
    for key, name, value in (("s", "stride", stride), ("p", "padding", padding),
                             ("d", "dilation", dilation)):
        if value > LIMITS[key]:
            raise ValueError(f"{where}: {name} goes up to {LIMITS[key]}, got {value}")
    if kind != "conv":
        if "d" in options:
            raise ValueError(f"{where}: pooling takes no dilation here")
        if 2 * padding > min(kernel):
            raise ValueError(f"{where}: pooling padding must be at most half the window")
    return kind, kernel, stride, padding, dilation


def describe_layer(layer):
    """Short name of a spatial layer: 'conv 5x5 s1 p2', 'maxpool 2x2 s2'.

    >>> describe_layer(nn.MaxPool2d(2))
    'maxpool 2x2 s2'
    """
    kind = "conv" if isinstance(layer, nn.Conv2d) else (
        "maxpool" if isinstance(layer, nn.MaxPool2d) else "avgpool")
    (k_h, k_w), s, p, d = layer_geometry(layer)
    both = lambda v: f"{v[0]}" + (f",{v[1]}" if v[1] != v[0] else "")  # noqa: E731
    return (f"{kind} {k_h}x{k_w} s{both(s)}" + (f" p{both(p)}" if any(p) else "")
            + (f" d{both(d)}" if d != (1, 1) else ""))


def sample_image(index=45):
    """A 28x28 float image in [0, 1] from the embedded Fashion-MNIST sample, and its label.

    >>> image, label = sample_image(45)
    >>> tuple(image.shape), label
    ((28, 28), 'Ankle boot')
    """
    from .data import FASHION_MNIST_LABELS, load_sample

    images, labels = load_sample()
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(images):
        raise ValueError(f"index must be an int in 0..{len(images) - 1}, got {index!r}")
    return images[index].float() / 255, FASHION_MNIST_LABELS[int(labels[index])]


def _single_channel(layer, padding=True):
    """The layer's geometry with one channel and no bias (``padding=False``: none), for the ERF.

    empirical_receptive_field gives the copy uniform weights and average pooling."""
    kernel, stride, pad, dilation = layer_geometry(layer)
    pad = pad if padding else 0
    if isinstance(layer, nn.Conv2d):
        return nn.Conv2d(1, 1, kernel, stride, pad, dilation, bias=False)
    return nn.AvgPool2d(kernel, stride, pad)


class NetworkFields:
    """Everything the receptive-field explorer shows for one network and one image.

    ``maps[0]`` is the input, ``maps[b]`` the output of spatial layer b (channel 0), each scaled
    to [0, 1]; ``shapes[b]`` their sizes; ``fields`` = ``receptive_field(model)``; ``names`` the
    layers' short names. ``between(a, b)`` is the field of map-b units on map a, ``region`` /
    ``seen`` the rows and columns one unit covers / really depends on, ``weights(b)`` the
    effective-receptive-field weights and ``gradient(b, unit)`` |d unit / d input|.
    Layers are numbered from 1 (map b is the output of layer b).
    """

    def __init__(self, model, image):
        self.fields = receptive_field(model)
        self.layers = [model[f.index] for f in self.fields]
        self.names = [describe_layer(layer) for layer in self.layers]
        image = torch.as_tensor(image, dtype=torch.float32)
        shapes = [tuple(image.shape)]
        for number, (layer, name) in enumerate(zip(self.layers, self.names), 1):
            k, s, p, d = layer_geometry(layer)
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
            kernel, stride, pad, dilation = layer_geometry(self.layers[layer_number - 1])
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
        if b not in self._weights:
            net = nn.Sequential(*(_single_channel(layer, padding=False)
                                  for layer in self.layers[:b]))
            self._weights[b] = empirical_receptive_field(net, (1, *self.fields[b - 1].size),
                                                         (0, 0)).gradient
        return self._weights[b]

    def weight_ratio(self, b):
        """(heaviest / lightest non-zero weight, number of pixels of the field with no weight).

        Dilated or strided layers leave holes (weight 0) in the field: they are counted, not
        divided by.

        >>> NetworkFields(layers_from_text("conv 3 d2"), torch.zeros(9, 9)).weight_ratio(1)
        (1.0, 16)
        """
        w = self.weights(b)
        used = w[w > 0]
        return float(used.max() / used.min()), int((w == 0).sum())

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
