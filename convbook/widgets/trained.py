"""Trained-network explorer: one to three networks of the chapter's layers (section 08's LeNets,
or the reader's own), an input to pick, draw, shift, invert, rotate or cover with noise, every
layer's values and the prediction, and one unit explained (its receptive field, kernels and
partial sums, pooling window or largest contributions). The forward pass runs in the page
(``js/forward.js`` on the weights of ``convbook.network_export``), so the view reacts on the
static website too; Python keeps the same state, checked, and PyTorch's values of it.

>>> from convbook.layers import ModernLeNet
>>> w = TrainedNetworkExplorer(ModernLeNet(), image=45)
>>> w.select(4, 2, 3, 1)
>>> w.field
((4, 17), (0, 13))
>>> w.readout[1]
'Receptive field: input rows 4..17, columns 0..13 (14\u00d714 pixels; the box on the input).'
>>> w.probabilities.shape, w.prediction in w.labels
(torch.Size([10]), True)
"""
import base64
import binascii
from copy import deepcopy

import torch
import traitlets

from .._checks import index_in
from ..data import FASHION_MNIST_LABELS, load_sample
from ..drawing import NOISE_LEVELS, invert, network_input, noise_pattern, paint, rotate, shift
from ..network_export import (check_network, encode_bytes, encode_floats, export_network,
                               forward_trace)
from ..receptive import receptive_field
from ..widget_state import check_nested_size
from .base import ExplorerView, css, esm
from .trained_figure import COLOURS, network_figure
from .trained_readout import unit_field, unit_readout

__all__ = ["TrainedNetworkExplorer", "TrainedView", "MAX_NETWORKS", "INPUT_SHAPE"]

MAX_NETWORKS = 3
INPUT_SHAPE = (1, 28, 28)
NOISE_SEED = 0
TOP_TERMS = 8          # a linear unit lists its largest contributions, this many


def _decode(text, name):
    """A base64 canvas as a 28 x 28 uint8 tensor; raises naming ``name``."""
    size = INPUT_SHAPE[1] * INPUT_SHAPE[2]
    if not isinstance(text, str) or len(text) != 4 * -(-size // 3):
        raise ValueError(f"{name} must be base64 of {size} bytes (a {INPUT_SHAPE[1]}x"
                         f"{INPUT_SHAPE[2]} canvas)")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError(f"{name} must be base64 of {size} bytes: {error}") from None
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(INPUT_SHAPE[1:])


class TrainedView(ExplorerView):
    """Synced state of the trained-network explorer."""
    _esm = esm("forward", "field", "drawing", "trained_unit", "trained")
    _css = css("trained")
    _explorer_name = "trained-network explorer"
    networks = traitlets.Dict().tag(sync=True)             # name -> export_network(...)
    names = traitlets.List().tag(sync=True)                # the menu's order
    network = traitlets.Unicode("").tag(sync=True, guarded=True)
    labels = traitlets.List().tag(sync=True)
    images = traitlets.Unicode("").tag(sync=True)          # the sample, base64 uint8 N x 28 x 28
    image_labels = traitlets.List().tag(sync=True)
    image = traitlets.Int(0).tag(sync=True, guarded=True)  # the sample last picked
    pixels = traitlets.Unicode("").tag(sync=True, guarded=True)   # the canvas, base64 uint8
    noise = traitlets.Int(0).tag(sync=True, guarded=True)
    noise_levels = traitlets.Int(NOISE_LEVELS).tag(sync=True)
    noise_pattern = traitlets.Unicode("").tag(sync=True)   # base64 float32 in [-1, 1)
    layer = traitlets.Int(1).tag(sync=True, guarded=True)
    unit = traitlets.List(traitlets.Int(), minlen=3, maxlen=3).tag(sync=True, guarded=True)
    colours = traitlets.Dict(COLOURS).tag(sync=True)
    top_terms = traitlets.Int(TOP_TERMS).tag(sync=True)


def _networks(networks, labels):
    """{name: nn.Sequential}, each checked by check_network and ending with one value per
    label; raises naming the network and the layer."""
    if isinstance(networks, torch.nn.Module):
        networks = {"network": networks}
    if not isinstance(networks, dict):
        raise TypeError(f"networks must be an nn.Sequential or a dict {{name: nn.Sequential}},"
                        f" got {type(networks).__name__}")
    if not 1 <= len(networks) <= MAX_NETWORKS:
        raise ValueError(f"networks must hold 1 to {MAX_NETWORKS} networks, got "
                         f"{len(networks)}")
    for name, net in networks.items():
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"networks' names must be non-empty strings, got {name!r}")
        try:
            last = check_network(net, INPUT_SHAPE)[-1]["shape"]
        except (ValueError, TypeError) as error:
            raise type(error)(f"networks[{name!r}]: {error}") from None
        if last != [len(labels)]:
            raise ValueError(f"networks[{name!r}] ends with shape {last}; it must give one "
                             f"value per label ({len(labels)})")
    return networks


class TrainedNetworkExplorer:
    """Probe trained networks on an input of your own: ``TrainedNetworkExplorer(net).view``.

    ``networks`` is one ``nn.Sequential`` of the chapter's layers (Conv2d, MaxPool2d,
    AvgPool2d, ReLU, Sigmoid, Tanh, Flatten, Linear) or a dict {name: network} of 1 to 3;
    each must end with one value per label. Anything else is refused naming the layer.
    The weights are copied when the explorer is made (train first, then explore).
    Layers are numbered from 1 as in the network; a unit is (channel, row, col) of a map, or
    (index, 0, 0) of a vector. Setters raise ValueError/TypeError naming the argument.
    State: ``input``, ``activations``, ``logits``, ``probabilities``, ``prediction``,
    ``field``, ``readout``, ``message``; ``figure()`` is the static view.
    """

    def __init__(self, networks, image=45, input_shape=INPUT_SHAPE,
                 labels=FASHION_MNIST_LABELS):
        if not isinstance(input_shape, (tuple, list)) or tuple(input_shape) != INPUT_SHAPE:
            raise ValueError(f"input_shape must be {INPUT_SHAPE}: the canvas and the sample "
                             f"images are 28x28 grey images, got {input_shape!r}")
        if not isinstance(labels, (tuple, list)) or not labels or \
                not all(isinstance(label, str) for label in labels):
            raise TypeError(f"labels must be a non-empty list of class names, got {labels!r}")
        networks = _networks(networks, labels)
        images, classes = load_sample()
        index_in(image, "image", len(images))
        self.labels, self._samples = list(labels), images
        self._pattern = noise_pattern(INPUT_SHAPE[1:], NOISE_SEED)
        self.nets = {name: self._copy(net) for name, net in networks.items()}
        self._fields = {name: self._records(net) for name, net in self.nets.items()}
        specs = {name: export_network(net, INPUT_SHAPE) for name, net in self.nets.items()}
        self._layers = {name: spec["layers"] for name, spec in specs.items()}
        self.view = TrainedView(
            networks=specs,
            names=list(self.nets), network=next(iter(self.nets)), labels=self.labels,
            images=encode_bytes(images), image_labels=[FASHION_MNIST_LABELS[int(c)] for c in classes],
            image=image, pixels=encode_bytes(images[image]), noise_pattern=encode_floats(self._pattern),
            layer=1, unit=[0, INPUT_SHAPE[1] // 2, INPUT_SHAPE[2] // 2])
        self.view.guard(self._from_view)

    @staticmethod
    def _copy(net):
        """The network as it is now, in eval mode: the view shows these weights (training
        the original further changes neither)."""
        copy = deepcopy(net).eval()
        copy.requires_grad_(False)
        return copy

    @staticmethod
    def _records(net):
        """The receptive field of every spatial layer, by the layer's position (0-based)."""
        if not any(isinstance(layer, (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d))
                   for layer in net):
            return {}
        return {f.index: f for f in receptive_field(net, INPUT_SHAPE)}

    # --- checks ---------------------------------------------------------------------------
    def _unit(self, name, layer, unit):
        """(layer, [channel, row, col]) checked against network ``name``'s shapes."""
        layers = self._layers[name]
        if isinstance(layer, bool) or not isinstance(layer, int):
            raise TypeError(f"layer must be an int, got {layer!r}")
        if not 1 <= layer <= len(layers):
            raise ValueError(f"layer must be in 1..{len(layers)} (layers are numbered from 1), "
                             f"got {layer}")
        shape = layers[layer - 1]["shape"]
        if not isinstance(unit, (list, tuple)) or len(unit) != 3:
            raise TypeError(f"unit must be (channel, row, col), got {unit!r}")
        sizes = shape if len(shape) == 3 else [shape[0], 1, 1]
        for what, value, size in zip(("channel" if len(shape) == 3 else "index", "row", "col"),
                                     unit, sizes):
            index_in(value, f"{what} on layer {layer}'s {'x'.join(map(str, shape))} output",
                   size)
        return layer, list(unit)

    def _from_view(self):
        """The browser changed the network, image, canvas, noise or selection: check them."""
        v = self.view
        if v.network not in self.nets:
            raise ValueError(f"network must be one of {list(self.nets)}, got {v.network!r}")
        index_in(v.image, "image", len(self._samples))
        _decode(v.pixels, "pixels")
        index_in(v.noise, "noise", NOISE_LEVELS + 1)
        self._unit(v.network, v.layer, v.unit)

    def _set(self, **changes):
        with self.view.updating():
            for name, value in changes.items():
                setattr(self.view, name, value)
            self.view.message = ""

    # --- programmatic control -------------------------------------------------------------
    def set_network(self, name):
        """Show network ``name`` (the selection stays where it fits, else layer 1)."""
        if not isinstance(name, str) or name not in self.nets:
            raise ValueError(f"name must be one of {list(self.nets)}, got {name!r}")
        try:
            layer, unit = self._unit(name, self.view.layer, self.view.unit)
        except (ValueError, TypeError):
            layer, unit = 1, [0, 0, 0]
        self._set(network=name, layer=layer, unit=unit)

    def set_image(self, index):
        """Put sample image ``index`` (0..49) on the canvas."""
        index_in(index, "index", len(self._samples))
        self._set(image=index, pixels=encode_bytes(self._samples[index]))

    def set_pixels(self, values):
        """Put a 28x28 image with values in [0, 1] on the canvas (kept as 256 grey levels)."""
        if not isinstance(values, torch.Tensor):
            check_nested_size(values, "values", INPUT_SHAPE[1])
            try:
                values = torch.as_tensor(values, dtype=torch.float64)
            except (TypeError, ValueError, RuntimeError) as error:
                raise TypeError(f"values must be a 28x28 array of numbers: {error}") from None
        if tuple(values.shape) != INPUT_SHAPE[1:]:
            raise ValueError(f"values must be 28x28, got shape {tuple(values.shape)}")
        values = values.double()
        if not torch.isfinite(values).all() or values.min() < 0 or values.max() > 1:
            raise ValueError("values must be finite numbers in [0, 1]")
        self._set(pixels=encode_bytes((values * 255).round().to(torch.uint8)))

    def draw(self, cells, erase=False):
        """Paint the brush (or erase, ``erase=True``) at each (row, col) of ``cells``."""
        if not isinstance(erase, bool):
            raise TypeError(f"erase must be True or False, got {erase!r}")
        if not isinstance(cells, (list, tuple)) or len(cells) > 10_000:
            raise TypeError("cells must be a list of at most 10000 (row, col) pairs")
        for cell in cells:
            if not isinstance(cell, (list, tuple)) or len(cell) != 2:
                raise TypeError(f"cells must hold (row, col) pairs, got {cell!r}")
            for name, value in zip(("row", "col"), cell):
                index_in(value, f"cells {name}", INPUT_SHAPE[1])
        self._set(pixels=encode_bytes(paint(self.canvas, cells, erase)))

    def shift(self, dy, dx):
        """Move the canvas down by ``dy`` and right by ``dx`` pixels (negative: up / left)."""
        for name, value in (("dy", dy), ("dx", dx)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {value!r}")
            if abs(value) >= INPUT_SHAPE[1]:
                raise ValueError(f"{name} must be in -27..27, got {value}")
        self._set(pixels=encode_bytes(shift(self.canvas, dy, dx)))

    def invert(self):
        """Black for white."""
        self._set(pixels=encode_bytes(invert(self.canvas)))

    def rotate(self):
        """Turn the canvas by 90 degrees counter-clockwise."""
        self._set(pixels=encode_bytes(rotate(self.canvas)))

    def set_noise(self, level):
        """Add ``level`` / 100 of the fixed noise pattern (0..100), clipped to [0, 1]."""
        self._set(noise=index_in(level, "level", NOISE_LEVELS + 1))

    def select(self, layer, channel=0, row=0, col=0):
        """Explain unit (channel, row, col) of layer ``layer`` (1 = the network's first
        layer); for a vector layer ``channel`` is the value's index and row = col = 0."""
        layer, unit = self._unit(self.view.network, layer, [channel, row, col])
        self._set(layer=layer, unit=unit)

    # --- state ----------------------------------------------------------------------------
    message = property(lambda self: self.view.message)
    net = property(lambda self: self.nets[self.view.network])
    canvas = property(lambda self: _decode(self.view.pixels, "pixels"))
    layers = property(lambda self: self._layers[self.view.network])

    @property
    def input(self):
        """What the network reads: 1 x 28 x 28 float32 in [0, 1]."""
        return network_input(self.canvas, self.view.noise, self._pattern)

    @property
    def activations(self):
        """PyTorch's values: [input, output of layer 1, ...] (``forward_trace``)."""
        return forward_trace(self.net, self.input)

    @property
    def logits(self):
        return self.activations[-1]

    @property
    def probabilities(self):
        return self.logits.double().softmax(0).float()

    @property
    def prediction(self):
        return self.labels[int(self.logits.argmax())]

    @property
    def field(self):
        """The input rows and columns ((top, bottom), (left, right)) the selected unit sees
        (unclipped: rows < 0 or > 27 are zero padding)."""
        return unit_field(self.layers, self._fields[self.view.network], self.view.layer,
                          self.view.unit, INPUT_SHAPE)

    @property
    def readout(self):
        """The lines the view writes about the selected unit."""
        return unit_readout(self.layers, self.field, self.view.layer, self.view.unit)

    def figure(self):
        """Static matplotlib view: the input, every layer's maps (one symmetric scale per
        layer) and the softmax bars."""
        return network_figure(self.activations, self.layers, self.labels,
                              title=self.view.network)

