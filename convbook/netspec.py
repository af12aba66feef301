"""Networks described layer by layer: the layer language and the network sheet.

``parse_layers`` reads "conv 3 p1; pool 2; conv 5" into LayerSpecs and ``layers_from_text``
builds them as an ``nn.Sequential`` (bounded sizes, so a typo cannot ask for gigabytes).
``NetworkSheet`` counts per typed layer the output shape, parameters, FLOPs, receptive field
and jump without building anything; ``layer_summary`` counts the same for a built network by
running one example through it.

>>> net = layers_from_text("conv 3 p1; pool 2; conv 5")
>>> [type(layer).__name__ for layer in net]
['Conv2d', 'MaxPool2d', 'Conv2d']
>>> NetworkSheet("conv 3 p1; pool 2; conv 5").rows[-1].field
(12, 12)
"""
import math
import re
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ._checks import _short, pair, positive_int
from .ops import conv2d_cost, output_shape
from .receptive import layer_window_params

__all__ = ["layers_from_text", "parse_layers", "LayerSpec", "describe_layer", "NetworkSheet",
           "SheetRow", "LayerSummary", "layer_summary", "LIMITS", "SHEET_LIMITS", "MAX_VALUES",
           "portable_hash", "portable_uniform"]

# The language is plain ASCII (the browser's parser, widgets/js/netspec.js, reads the same):
# words are separated by spaces or tabs, layers by ";" or new lines; digits are 0-9 only.
_TOKEN = re.compile(r"^(?:([0-9]{1,4})(?:x([0-9]{1,4}))?|([cspd])([0-9]{1,4}))$")
_FOREIGN = re.compile(r"[^\x20-\x7e\t\n\r]")      # what the language cannot hold
_BLANK = " \t\r"
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
    # first, so both parsers count the same characters (JavaScript counts UTF-16 units)
    foreign = _FOREIGN.search(text)
    if foreign:
        raise ValueError(f"text may hold only plain ASCII letters, digits, spaces and ';': "
                         f"character {foreign.start() + 1} is U+{ord(foreign.group()):04X}")
    if len(text) > limits["text"]:
        raise ValueError(f"text may be at most {limits['text']} characters, got {len(text)}")
    parts = [p.strip(_BLANK) for p in re.split(r"[;\n]", text) if p.strip(_BLANK)]
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
    Sizes are bounded by ``LIMITS``; a text that breaks a rule raises ValueError saying which.

    Weights are not drawn from torch's RNG (which stays untouched) but from a portable rule
    the browser repeats bit for bit (``widgets/js/netinit.js``), so a page with no kernel
    computes the same feature maps: the parameters of typed layer n (counted from 1, as the
    parser's messages do; activations and flatten count too), weight first then bias, each
    in PyTorch's row-major order, get the values ``portable_uniform(n, count, fan_in)``:
    parameter i is ``(2 u - 1) * bound`` with ``u = portable_hash(n, i) / 2**32`` and
    ``bound = 1 / sqrt(fan_in)`` (fan_in = input channels x kernel area of a conv, the
    inputs of a dense layer: the bound of PyTorch's default initialisation, for the bias
    too), computed in float64 and rounded once to float32.

    >>> layers_from_text("conv 3x5 s2 p1")[0]
    Conv2d(1, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1))
    >>> layers_from_text("conv 5 c6; dense 10", input_shape=(3, 8, 8))[-1]
    Linear(in_features=96, out_features=10, bias=True)
    """
    specs = parse_layers(text)
    _default_channels(channels)
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
            layers.append(_portable(number + 1, nn.Linear, math.prod(before), spec.channels))
        elif kind == "conv":
            out = spec.channels or channels
            layers.append(_portable(number + 1, nn.Conv2d, in_channels, out, spec.kernel,
                                    spec.stride, spec.padding, spec.dilation))
            in_channels = out
        else:
            pool = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
            layers.append(pool(spec.kernel, spec.stride, spec.padding))
    return nn.Sequential(*layers)


# The portable initialisation (layers_from_text's docstring; widgets/js/netinit.js repeats it):
# lowbias32, a stateless 32-bit integer hash (xor-shift and multiply, wrapping mod 2**32).
_HASH_MULTIPLIERS = (np.uint32(0x7FEB352D), np.uint32(0x846CA68B))
_LAYER_KEY = np.uint32(0x9E3779B9)


def _mix(x):
    """lowbias32 of a uint32 array (numpy's uint32 arithmetic wraps mod 2**32, as the JS
    Math.imul and >>> 0 do)."""
    x = x ^ (x >> np.uint32(16))
    x = x * _HASH_MULTIPLIERS[0]
    x = x ^ (x >> np.uint32(15))
    x = x * _HASH_MULTIPLIERS[1]
    return x ^ (x >> np.uint32(16))


def portable_hash(layer, index):
    """uint32 hashes of (layer number, parameter index): ``mix(index ^ mix(layer * 0x9E3779B9))``
    with lowbias32's ``mix``, wrapping mod 2**32; ``index`` is an int or an array of them.

    >>> portable_hash(1, np.arange(3)).tolist()
    [2926543089, 2692512407, 242732726]
    """
    key = _mix(np.array([layer], dtype=np.uint32) * _LAYER_KEY)
    return _mix(np.asarray(index, dtype=np.uint32) ^ key[0])


def portable_uniform(layer, count, fan_in):
    """``count`` float32 values of typed layer ``layer``, uniform in [-bound, bound) with
    ``bound = 1 / sqrt(fan_in)``: ``(2 u - 1) * bound``, u = portable_hash / 2**32, computed
    in float64 and rounded once to float32 (netinit.js gives the same bits).

    >>> portable_uniform(1, 3, 9).tolist()
    [0.12092594057321548, 0.08459959924221039, -0.2956562638282776]
    """
    for name, value, low in (("layer", layer, 1), ("count", count, 0), ("fan_in", fan_in, 1)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if not low <= value < 2 ** 32:
            raise ValueError(f"{name} must be in {low}..2**32 - 1, got {value}")
    u = portable_hash(layer, np.arange(count, dtype=np.uint32)).astype(np.float64) / 2 ** 32
    return ((2 * u - 1) * (1 / math.sqrt(fan_in))).astype(np.float32)


def _portable(number, module, *args):
    """A Conv2d or Linear built without torch's RNG, its weight and bias then set to
    portable_uniform(number, ...) (weight first, then bias)."""
    layer = nn.utils.skip_init(module, *args)
    weight, bias = layer.weight, layer.bias
    values = portable_uniform(number, weight.numel() + bias.numel(), weight[0].numel())
    with torch.no_grad():
        weight.copy_(torch.from_numpy(values[:weight.numel()]).reshape(weight.shape))
        bias.copy_(torch.from_numpy(values[weight.numel():]))
    return layer


def _read_layer(number, part, limits=LIMITS, flat=False):
    """The LayerSpec of one typed layer; ValueError naming it. ``flat``: after flatten/dense."""
    where = f"layer {number} ({part!r})"
    words = re.split(r"[ \t\r]+", part.lower())
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
            if kernel is not None:
                raise ValueError(f"{where}: two kernel sizes ({kernel_word!r} and {word!r}); "
                                 "give one")
            kernel, kernel_word = (int(match.group(1)),
                                   int(match.group(2) or match.group(1))), word
        else:
            key = match.group(3)
            if key in options:
                raise ValueError(f"{where}: {key} given twice ({key}{options[key]} and "
                                 f"{word!r}); give it once")
            options[key] = int(match.group(4))
    if kernel is None or min(kernel) < 1:
        raise ValueError(f"{where}: give a kernel size >= 1, e.g. '{kind} 3'")
    if max(kernel) > limits["kernel"]:
        raise ValueError(f"{where}: kernel sizes go up to {limits['kernel']}, got {max(kernel)}")
    # PyTorch's default stride: 1 for a convolution, the window (per axis) for pooling
    strides = (options["s"],) * 2 if "s" in options else (1, 1) if kind == "conv" else kernel
    stride, padding, dilation = options.get("s", 1), options.get("p", 0), options.get("d", 1)
    if stride < 1:
        raise ValueError(f"{where}: stride must be >= 1, got {stride}")
    if dilation < 1:
        raise ValueError(f"{where}: dilation must be >= 1, got {dilation}")
    for key, name, value in (("s", "stride", max(strides)), ("p", "padding", padding),
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
    return LayerSpec("maxpool" if kind == "pool" else kind, kernel, tuple(strides),
                     (padding, padding), (dilation, dilation), channels)


# The most values one map of a built network may hold here (32 Mi floats, 128 MB): a bound
# checked before the work, so a typo cannot ask for gigabytes.
MAX_VALUES = 2 ** 25


def _bounded(values, what):
    if values > MAX_VALUES:
        raise ValueError(f"{what} would hold {values:,} values; at most {MAX_VALUES:,} "
                         "(convbook.netspec.MAX_VALUES) are computed here")
    return values


def _default_channels(channels):
    """The output channels of a conv typed without cN: 1..LIMITS["c"], as cN itself."""
    positive_int(channels, "channels")
    if channels > LIMITS["c"]:
        raise ValueError(f"channels go up to {LIMITS['c']} (as a conv's cN), got {channels}")
    return channels


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
    ``layer_summary``: 2 per multiply-add plus 1 per bias; pooling and
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
        _default_channels(channels)
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
    return _describe(kind, *layer_window_params(layer))


class LayerSummary(list):
    """Rows (layer, output shape, parameters, FLOPs) that print as a table with totals."""

    @property
    def parameters(self):
        return sum(row[2] for row in self)

    @property
    def flops(self):
        return sum(row[3] for row in self)

    def __str__(self):
        lines = [f"{'layer':<12}{'output shape':>18}{'parameters':>12}{'FLOPs':>12}"]
        lines += [f"{name:<12}{str(shape):>18}{p:>12,}{f:>12,}" for name, shape, p, f in self]
        lines.append(f"{'total':<12}{'':>18}{self.parameters:>12,}{self.flops:>12,}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


@torch.no_grad()
def layer_summary(net, input_shape=(1, 28, 28)):
    """Run one example of ``input_shape`` (C x H x W) through a Sequential ``net``, layer by
    layer: output shape, parameter count and forward FLOPs per example.

    FLOPs follow the package's one convention, :func:`convbook.ops.conv2d_cost`'s: 2 per
    multiply-add of a Conv2d or Linear layer plus 1 per bias addition; activations, pooling
    and normalisation are not counted.

    >>> from convbook.layers import LeNet
    >>> s = layer_summary(LeNet())
    >>> s.parameters, s.flops, s[0][3]
    (61706, 839558, 239904)
    """
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"net must be a torch.nn.Sequential, got {type(net).__name__}")
    input_shape = sheet_input(input_shape)
    _bounded(math.prod(input_shape), "the input")
    X = torch.zeros(1, *input_shape)
    rows = LayerSummary()
    for number, layer in enumerate(net):
        if isinstance(layer, nn.Conv2d) and X.dim() == 4:          # its output, before making it
            k, s, p, d = layer_window_params(layer)
            try:
                out = output_shape(tuple(X.shape[2:]), k, p, s, d)
            except ValueError:
                out = (0, 0)
            _bounded(layer.out_channels * math.prod(out), f"layer {number}'s output")
        X = layer(X)
        _bounded(X.numel(), f"layer {number}'s output")
        flops = 0
        if isinstance(layer, nn.Conv2d):
            flops = conv2d_cost(layer.in_channels // layer.groups, layer.out_channels,
                                layer.kernel_size, tuple(X.shape[2:]),
                                bias=layer.bias is not None)["flops"]
        elif isinstance(layer, nn.Linear):
            flops = 2 * layer.in_features * layer.out_features + (
                layer.out_features if layer.bias is not None else 0)
        rows.append((type(layer).__name__, tuple(X.shape[1:]),
                     sum(p.numel() for p in layer.parameters()), flops))
    return rows
