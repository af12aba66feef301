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
import math
import re
from dataclasses import dataclass

import torch
from torch import nn

from ._checks import _short, pair, positive_int
from .ops import conv2d_cost, output_shape
from .receptive import empirical_receptive_field, layer_geometry, receptive_field

__all__ = ["layers_from_text", "parse_layers", "LayerSpec", "describe_layer", "NetworkFields",
           "NetworkSheet", "SheetRow", "sample_image", "LIMITS", "SHEET_LIMITS"]

_TOKEN = re.compile(r"^(?:(\d{1,4})(?:x(\d{1,4}))?|([cspd])(\d{1,4}))$")
# Upper bounds of what a typed network may ask for (the maps are computed for a 28x28 image).
LIMITS = {"layers": 16, "kernel": 32, "s": 16, "p": 16, "d": 8, "text": 500, "c": 2048,
          "dense": 4096, "parameters": 10_000_000}
ACTIVATIONS = ("relu", "sigmoid", "tanh")
KINDS = ("conv", "pool", "maxpool", "avgpool", *ACTIVATIONS, "flatten", "dense")


@dataclass(frozen=True)
class LayerSpec:
    """One typed layer: ``kind`` is conv, maxpool, avgpool, relu, sigmoid, tanh, flatten or
    dense; conv and pooling have (h, w) ``kernel``, ``stride``, ``padding``, ``dilation``;
    ``channels`` is a conv's ``cN`` (None: the default) or a dense layer's outputs."""
    kind: str
    kernel: tuple = None
    stride: tuple = None
    padding: tuple = None
    dilation: tuple = None
    channels: int = None

    @property
    def spatial(self):
        return self.kind in ("conv", "maxpool", "avgpool")

    def describe(self, channels=None):
        """'conv 5x5 s1 p2 c6', 'maxpool 2x2 s2', 'dense 120', 'relu'."""
        if self.kind == "dense":
            return f"dense {self.channels}"
        if not self.spatial:
            return self.kind
        c = self.channels or channels
        return _describe(self.kind, self.kernel, self.stride, self.padding, self.dilation) + (
            f" c{c}" if self.kind == "conv" and c else "")


def parse_layers(text, limits=LIMITS):
    """The typed layers of ``text`` as LayerSpecs (the language of ``layers_from_text``).

    >>> [spec.describe() for spec in parse_layers("conv 5 c6 p2; sigmoid; pool 2; dense 10")]
    ['conv 5x5 s1 p2 c6', 'sigmoid', 'maxpool 2x2 s2', 'dense 10']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string of layers, got {type(text).__name__}")
    if len(text) > limits["text"]:
        raise ValueError(f"text may be at most {limits['text']} characters, got {len(text)}")
    parts = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts:
        raise ValueError("text must list at least one layer, e.g. 'conv 3 p1; pool 2'")
    if len(parts) > limits["layers"]:
        raise ValueError(f"text may list at most {limits['layers']} layers, got {len(parts)}")
    specs = []
    for number, part in enumerate(parts, 1):
        flat = any(spec.kind in ("flatten", "dense") for spec in specs)
        specs.append(_read_layer(number, part, limits, flat))
    return specs


def layers_from_text(text, channels=4, input_shape=(1, 28, 28)):
    """Build an nn.Sequential from text like "conv 3 s1 p1; pool 2; avgpool 2 s1; conv 5 d2; relu".

    Layers are separated by ";" or new lines. ``conv K`` (K or KxK2 kernel), ``pool K``
    (max pooling; ``avgpool K`` for average) take optional ``sN`` stride (conv: 1, pool: K),
    ``pN`` padding and, for conv, ``dN`` dilation and ``cN`` output channels (default
    ``channels``). ``relu``, ``sigmoid``, ``tanh`` and ``flatten`` take nothing; ``dense N``
    is a Linear layer with N outputs (flattening first when needed). The first conv reads
    ``input_shape[0]`` channels; a dense layer's inputs follow from ``input_shape``.
    Weights come from a fixed seed; the global RNG is untouched. Sizes are bounded by
    ``LIMITS``; a text that breaks a rule raises ValueError saying which.

    >>> layers_from_text("conv 3x5 s2 p1")[0]
    Conv2d(1, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1))
    >>> layers_from_text("conv 5 c6; dense 10", input_shape=(3, 8, 8))[-1]
    Linear(in_features=96, out_features=10, bias=True)
    """
    specs = parse_layers(text)
    positive_int(channels, "channels")
    sheet = None
    if any(spec.kind == "dense" for spec in specs):
        sheet = NetworkSheet(specs, input_shape, channels)      # the dense layers' inputs
        if sheet.error:
            raise ValueError(sheet.error)
        count = sheet.parameters
    else:
        count, c_in = 0, sheet_input(input_shape)[0]
        for spec in specs:
            if spec.kind == "conv":
                c_out = spec.channels or channels
                count += c_out * (c_in * spec.kernel[0] * spec.kernel[1] + 1)
                c_in = c_out
    if count > LIMITS["parameters"]:
        raise ValueError(f"text asks for {count:,} parameters; at most "
                         f"{LIMITS['parameters']:,} are built here (NetworkSheet counts "
                         "bigger networks without building them)")
    layers, in_channels = [], sheet_input(input_shape)[0]
    with torch.random.fork_rng():
        torch.manual_seed(0)
        for number, spec in enumerate(specs):
            kind = spec.kind
            if kind in ACTIVATIONS:
                layers.append({"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[kind]())
            elif kind == "flatten":
                layers.append(nn.Flatten())
            elif kind == "dense":
                if not any(isinstance(layer, (nn.Flatten, nn.Linear)) for layer in layers):
                    layers.append(nn.Flatten())
                before = sheet.rows[number - 1].shape if number else sheet.input_shape
                layers.append(nn.Linear(math.prod(before), spec.channels))
            elif kind == "conv":
                out = spec.channels or channels
                layers.append(nn.Conv2d(in_channels, out, spec.kernel, spec.stride,
                                        spec.padding, spec.dilation))
                in_channels = out
            else:
                pool = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
                layers.append(pool(spec.kernel, spec.stride, spec.padding))
    return nn.Sequential(*layers)


def _read_layer(number, part, limits=LIMITS, flat=False):
    """The LayerSpec of one typed layer; ValueError naming it. ``flat``: after flatten/dense."""
    where = f"layer {number} ({part!r})"
    words = part.lower().split()
    kind, options, kernel = words[0], {}, None
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown layer {kind!r}; use conv, pool (max), avgpool, "
                         "relu, sigmoid, tanh, flatten or dense")
    if kind in (*ACTIVATIONS, "flatten"):
        if len(words) > 1:
            raise ValueError(f"{where}: {kind} takes nothing after it")
        return LayerSpec(kind)
    if kind == "dense":
        if len(words) != 2 or not re.fullmatch(r"\d{1,4}", words[1]):
            raise ValueError(f"{where}: write 'dense N' with N outputs, e.g. 'dense 10'")
        units = int(words[1])
        if not 1 <= units <= limits["dense"]:
            raise ValueError(f"{where}: a dense layer has 1..{limits['dense']} outputs, "
                             f"got {units}")
        return LayerSpec("dense", channels=units)
    if flat:
        raise ValueError(f"{where}: {kind} cannot follow flatten or dense (their output is "
                         "a vector, not a map)")
    for word in words[1:]:
        match = _TOKEN.match(word)
        if not match:
            raise ValueError(f"{where}: cannot read {word!r}; write e.g. 'conv 3 s2 p1 d1 c8' "
                             "or 'pool 2'")
        if match.group(1):
            kernel = (int(match.group(1)), int(match.group(2) or match.group(1)))
        else:
            options[match.group(3)] = int(match.group(4))
    if kernel is None or min(kernel) < 1:
        raise ValueError(f"{where}: give a kernel size >= 1, e.g. '{kind} 3'")
    if max(kernel) > limits["kernel"]:
        raise ValueError(f"{where}: kernel sizes go up to {limits['kernel']}, got {max(kernel)}")
    stride = options.get("s", 1 if kind == "conv" else kernel[0])
    padding, dilation = options.get("p", 0), options.get("d", 1)
    if stride < 1:
        raise ValueError(f"{where}: stride must be >= 1, got {stride}")
    if dilation < 1:
        raise ValueError(f"{where}: dilation must be >= 1, got {dilation}")
    for key, name, value in (("s", "stride", stride), ("p", "padding", padding),
                             ("d", "dilation", dilation)):
        if value > limits[key]:
            raise ValueError(f"{where}: {name} goes up to {limits[key]}, got {value}")
    if kind != "conv":
        if "d" in options:
            raise ValueError(f"{where}: pooling takes no dilation here")
        if "c" in options:
            raise ValueError(f"{where}: pooling keeps the channels; cN is for conv")
        if 2 * padding > min(kernel):
            raise ValueError(f"{where}: pooling padding must be at most half the window")
    channels = options.get("c")
    if channels is not None and not 1 <= channels <= limits["c"]:
        raise ValueError(f"{where}: output channels go from 1 to {limits['c']}, got {channels}")
    return LayerSpec("maxpool" if kind == "pool" else kind, kernel, (stride, stride),
                     (padding, padding), (dilation, dilation), channels)


def _describe(kind, kernel, stride, padding, dilation):
    both = lambda v: f"{v[0]}" + (f",{v[1]}" if v[1] != v[0] else "")  # noqa: E731
    return (f"{kind} {kernel[0]}x{kernel[1]} s{both(stride)}"
            + (f" p{both(padding)}" if any(padding) else "")
            + (f" d{both(dilation)}" if tuple(dilation) != (1, 1) else ""))


# The network sheet reads longer texts (a table, no maps drawn) and counts without building.
SHEET_LIMITS = {**LIMITS, "layers": 40, "text": 1000, "side": 1024}


def sheet_input(input_shape):
    """(channels, height, width) of a sheet's input, checked: ints, channels 1..2048,
    sides 1..1024."""
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width), got "
                         f"{_short(input_shape)}")
    channels = positive_int(input_shape[0], "input_shape channels")
    h, w = pair(tuple(input_shape[1:]), "input_shape height/width", 1)
    if channels > SHEET_LIMITS["c"]:
        raise ValueError(f"input_shape channels go up to {SHEET_LIMITS['c']}, got {channels}")
    if max(h, w) > SHEET_LIMITS["side"]:
        raise ValueError(f"input_shape height/width go up to {SHEET_LIMITS['side']}, "
                         f"got {h}x{w}")
    return channels, h, w


@dataclass(frozen=True)
class SheetRow:
    """One typed layer on the network sheet. ``number`` counts the typed layers (as the parser's
    messages do); ``l`` numbers the conv/pool layers as section 04 does (None for others).
    ``shape`` is C x H x W (a vector: (N,)); ``field`` the receptive field r_l of the output's
    units (None after a dense layer: every input pixel); ``jump`` J_l, the distance in input
    pixels between neighbouring units of the map layer l reads (conv/pool only). A layer that
    does not fit has ``error`` and no numbers; the rows below it say they were not computed."""
    number: int
    name: str
    l: int = None
    shape: tuple = None
    parameters: int = None
    flops: int = None
    field: tuple = None
    jump: tuple = None
    error: str = ""


class NetworkSheet:
    """Per typed layer: output shape, parameters, FLOPs (``conv2d_cost``'s convention, as
    ``convbook.train.layer_summary``: 2 per multiply-add plus 1 per bias; pooling and
    activations 0), receptive field r_l and input jump J_l (section 04's recursion). Pure
    arithmetic: nothing is built, so VGG-sized networks are counted instantly.

    >>> sheet = NetworkSheet("conv 5 c6 p2; sigmoid; avgpool 2; conv 5 c16; sigmoid; "
    ...                      "avgpool 2; dense 120; sigmoid; dense 84; sigmoid; dense 10")
    >>> sheet.rows[0].shape, sheet.rows[0].flops, sheet.parameters, sheet.flops
    ((6, 28, 28), 239904, 61706, 839558)
    >>> sheet.rows[5].field, sheet.rows[5].jump
    ((16, 16), (2, 2))
    """

    def __init__(self, layers, input_shape=(1, 28, 28), channels=4):
        specs = parse_layers(layers, SHEET_LIMITS) if isinstance(layers, str) else list(layers)
        self.input_shape = sheet_input(input_shape)
        positive_int(channels, "channels")
        self.rows, self.error = [], ""
        shape, field, jump, l = self.input_shape, (1, 1), (1, 1), 0
        for number, spec in enumerate(specs, 1):
            name = spec.describe(channels)
            if self.error:
                self.rows.append(SheetRow(number, name, error="not computed: a layer above "
                                                                "does not fit"))
                continue
            params = flops = 0
            row_jump = None
            if spec.spatial:
                l += 1
                (c, h, w), span = shape, tuple(d * (k - 1) + 1 for k, d in
                                               zip(spec.kernel, spec.dilation))
                if any(n + 2 * p < t for n, p, t in zip((h, w), spec.padding, span)):
                    why = (f"does not fit: its {span[0]}x{span[1]} window is larger than the "
                           f"{h}x{w} map it reads" + (
                               f" padded by {spec.padding[0]}" if any(spec.padding) else ""))
                    self.error = f"layer {number} ({name}) {why}"
                    self.rows.append(SheetRow(number, name, l, error=why))
                    continue
                out = output_shape((h, w), spec.kernel, spec.padding, spec.stride,
                                   spec.dilation)
                if spec.kind == "conv":
                    c_out = spec.channels or channels
                    cost = conv2d_cost(c, c_out, spec.kernel, out)
                    params, flops, c = cost["parameters"], cost["flops"], c_out
                row_jump = jump
                field = tuple(r + (t - 1) * j for r, t, j in zip(field, span, jump))
                jump = tuple(j * s for j, s in zip(jump, spec.stride))
                shape = (c, *out)
            elif spec.kind == "flatten":
                shape = (math.prod(shape),)
            elif spec.kind == "dense":
                inputs = math.prod(shape)
                params = inputs * spec.channels + spec.channels
                flops = 2 * inputs * spec.channels + spec.channels
                shape, field = (spec.channels,), None
            self.rows.append(SheetRow(number, name, l if spec.spatial else None, shape,
                                      params, flops, field, row_jump))
        self.parameters = sum(row.parameters or 0 for row in self.rows)
        self.flops = sum(row.flops or 0 for row in self.rows)


def describe_layer(layer):
    """Short name of a spatial layer: 'conv 5x5 s1 p2', 'maxpool 2x2 s2'.

    >>> describe_layer(nn.MaxPool2d(2))
    'maxpool 2x2 s2'
    """
    kind = "conv" if isinstance(layer, nn.Conv2d) else (
        "maxpool" if isinstance(layer, nn.MaxPool2d) else "avgpool")
    return _describe(kind, *layer_geometry(layer))


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
