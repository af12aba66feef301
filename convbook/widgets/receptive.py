"""Receptive-field explorer: which input pixels (and which units of every feature map) one unit
sees. The model is ``convbook.network_fields.NetworkFields``; ``js/receptive.js`` recomputes the
geometry and the feature maps in the browser, for any sample image and any typed network, with
no kernel: LeNet's weights travel in the view's state (``weights``), a typed network's are the
portable ones of ``layers_from_text``, which ``js/netinit.js`` makes bit for bit, and
``js/forward.js`` runs the forward pass. ``draw_field`` is the static view.

>>> w = ReceptiveFieldExplorer("LeNet", layer=4, unit=(0, 0))
>>> w.field.size, w.region, w.clipped
((16, 16), ((-2, 13), (-2, 13)), ((0, 13), (0, 13)))
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
import traitlets

from .._checks import flag
from ..data import sample_images
from ..figures import draw_field
from ..layers import LeNet
from ..netspec import LIMITS, layers_from_text
from ..network_export import encode_bytes, export_network
from ..network_fields import NetworkFields
from .base import CUSTOM_NETWORK as CUSTOM, TypedNetworkView, esm

__all__ = ["ReceptiveFieldExplorer", "ReceptiveView", "PRESETS"]

PRESETS = {
    "LeNet": None,                                        # convbook.layers.LeNet()
    "3x3 conv stack": "conv 3 p1; conv 3 p1; conv 3 p1; conv 3 p1",
    "strided stack": "conv 3 s2 p1; conv 3 s2 p1; conv 3 s2 p1; conv 3 p1",
}
LENET_TEXT = "conv 5 p2; avgpool 2; conv 5; avgpool 2"   # LeNet's spatial layers, as text
INPUT_SIZE = 28


def _pixels(image):
    """Base64 of an image's bytes, 255 x its values (row-major): the view reads the values back
    as bytes / 255 in float32, exactly the tensor's. ValueError if a value is no k/255."""
    values = np.asarray(image, dtype=np.float32)
    grey = np.rint(values * 255).astype(np.uint8)
    if not np.array_equal(grey.astype(np.float32) / np.float32(255), values):
        raise ValueError("image values must be k/255 (k = 0..255), as the sample's are")
    return encode_bytes(torch.from_numpy(grey))


def _lenet():
    """The "LeNet" preset: convbook.layers.LeNet() with torch seed 0 (the global RNG kept)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return LeNet()


def _weights():
    """{preset: network_export JSON} of the presets whose weights the view needs from Python:
    LeNet's layers up to its last pooling (the part whose maps are shown)."""
    model = _lenet()
    last = max(i for i, layer in enumerate(model) if isinstance(
        layer, (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d)))
    return {"LeNet": export_network(model[:last + 1], (1, INPUT_SIZE, INPUT_SIZE))}


def _images():
    """[(label, image)] of the embedded sample, or one synthetic disc when it is missing."""
    try:
        return [(f"{label} #{i}", image) for i, (image, label) in enumerate(sample_images())]
    except (ImportError, OSError):
        grid = torch.arange(INPUT_SIZE, dtype=torch.float32) - (INPUT_SIZE - 1) / 2
        return [("synthetic disc", ((grid[:, None] ** 2 + grid ** 2) < 100).float())]


class ReceptiveView(TypedNetworkView):
    """Synced state of the receptive-field explorer."""
    _esm = esm("netspec", "netinit", "forward", "field", "receptive")
    _explorer_name = "receptive-field explorer"
    layer = traitlets.Int(1).tag(sync=True, guarded=True)
    unit = traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True, guarded=True)
    gradient = traitlets.Bool(False).tag(sync=True)
    image = traitlets.Int(0).tag(sync=True, guarded=True)
    limits = traitlets.Dict(LIMITS).tag(sync=True)
    images = traitlets.List().tag(sync=True)
    weights = traitlets.Dict().tag(sync=True)


class ReceptiveFieldExplorer:
    """Pick a network, a layer and an output unit; see the input region and every map's region.

    The input is a real Fashion-MNIST image (embedded sample). The dashed box is the whole
    receptive field, the filled box the part inside the image (the rest is zero padding,
    hatched). "effective RF" overlays |d unit / d input| in red: the centre weighs most.
    Layers are numbered from 1 (``layer=None``: the last). Setters raise ValueError/TypeError
    naming the argument. State: ``fields``, ``layer``, ``unit``, ``field``, ``region``,
    ``clipped``, ``map_regions``, ``gradient`` (or None), ``readout``, ``message``.
    """

    def __init__(self, preset="LeNet", layers=None, image=45, layer=None, unit=None,
                 gradient=False):
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {list(PRESETS)}, got {preset!r}")
        if layers is not None and not isinstance(layers, str):
            raise TypeError(f"layers must be a string like 'conv 3 p1; pool 2', got "
                            f"{type(layers).__name__}")
        flag(gradient, "gradient")
        self._images = _images()
        if len(self._images) == 1:                    # synthetic fallback: one image only
            image = 0
        elif isinstance(image, bool) or not isinstance(image, int) or \
                not 0 <= image < len(self._images):
            raise ValueError(f"image must be a sample index in 0..{len(self._images) - 1}, "
                             f"got {image!r}")
        name = CUSTOM if layers is not None else preset
        text = layers if layers is not None else (PRESETS[preset] or LENET_TEXT)
        presets = {n: t or LENET_TEXT for n, t in PRESETS.items()}
        images = [{"label": label, "pixels": _pixels(im), "shape": list(im.shape)}
                  for label, im in self._images]
        self.net = self._network(name, text, image)       # raises naming the bad layer
        self.view = ReceptiveView(presets=presets, images=images, image=image, preset=name,
                                  text=text, net_text=text, gradient=gradient,
                                  unit=[0, 0], layer=1, weights=_weights())
        self._select(self._layer(layer), unit)
        self.view.guard(self._from_view)

    def _network(self, preset, text, image):
        model = _lenet() if preset == "LeNet" else layers_from_text(text)
        return NetworkFields(model, self._images[image][1])

    def _layer(self, layer):
        count = len(self.net.fields)
        if layer is None:
            return count
        if isinstance(layer, bool) or not isinstance(layer, int):
            raise TypeError(f"layer must be an int (1 = first conv/pool layer), got {layer!r}")
        if not 1 <= layer <= count:
            raise ValueError(f"layer must be in 1..{count} (layers are numbered from 1), "
                             f"got {layer}")
        return layer

    def _select(self, layer, unit):
        h, w = self.net.shapes[layer]
        if unit is None:
            unit = (h // 2, w // 2)
        if not (isinstance(unit, (tuple, list)) and len(unit) == 2):
            raise TypeError(f"unit must be a (row, col) pair, got {unit!r}")
        for name, u, n in (("unit row", unit[0], h), ("unit col", unit[1], w)):
            if isinstance(u, bool) or not isinstance(u, int) or not 0 <= u < n:
                raise ValueError(f"{name} must be an int in 0..{n - 1} on layer {layer}'s "
                                 f"{h}x{w} map, got {u!r}")
        with self.view.updating():
            self.view.layer, self.view.unit, self.view.message = layer, list(unit), ""

    def _from_view(self):
        """The browser changed the network, layer, unit or image: check and use them."""
        v = self.view
        if v.preset not in PRESETS and v.preset != CUSTOM:
            raise ValueError(f"preset must be one of {list(PRESETS)}")
        if not 0 <= v.image < len(self._images):
            raise ValueError(f"image must be in 0..{len(self._images) - 1}")
        net = self._network(v.preset, v.net_text, v.image)
        h, w = net.shapes[self._layer_of(net, v.layer)]
        if not (0 <= v.unit[0] < h and 0 <= v.unit[1] < w):
            raise ValueError(f"unit must lie on the layer's {h}x{w} map, got {tuple(v.unit)}")
        self.net = net

    @staticmethod
    def _layer_of(net, layer):
        if not 1 <= layer <= len(net.fields):
            raise ValueError(f"layer must be in 1..{len(net.fields)}, got {layer}")
        return layer

    def _use(self, preset, text, layer=None, unit=None):
        net = self._network(preset, text, self.view.image)      # raises before any change
        self.net, v = net, self.view
        layer = self._layer(layer)
        with v.updating():
            v.preset, v.text, v.net_text = preset, text, text
        self._select(layer, unit)

    # --- programmatic control -------------------------------------------------------------
    def set_preset(self, name):
        """Switch to a preset network ('LeNet', '3x3 conv stack', 'strided stack')."""
        if name not in PRESETS:
            raise ValueError(f"name must be one of {list(PRESETS)}, got {name!r}")
        self._use(name, PRESETS[name] or LENET_TEXT)

    def set_layers(self, text):
        """Use a network typed as text, e.g. 'conv 3 p1; pool 2; conv 5'."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string of layers, got {type(text).__name__}")
        self._use(CUSTOM, text)

    def set_layer(self, layer):
        """Select spatial layer ``layer`` (1 = first conv/pool); the unit moves to its centre
        unless it still fits."""
        layer = self._layer(layer)
        h, w = self.net.shapes[layer]
        u = self.unit
        self._select(layer, u if u[0] < h and u[1] < w else None)

    def set_unit(self, row, col):
        """Select output unit (row, col) of the selected layer."""
        self._select(self.layer, (row, col))

    def set_gradient(self, on):
        """Show or hide the effective receptive field (gradient magnitude) on the input."""
        flag(on, "on")
        self.view.gradient = on

    def set_image(self, index):
        """Use image ``index`` of the embedded sample."""
        if isinstance(index, bool) or not isinstance(index, int) or \
                not 0 <= index < len(self._images):
            raise ValueError(f"index must be in 0..{len(self._images) - 1}, got {index!r}")
        self.net = self._network(self.view.preset, self.view.net_text, index)
        self.view.image = index

    # --- state ----------------------------------------------------------------------------
    fields = property(lambda self: self.net.fields)
    layer = property(lambda self: self.view.layer)
    unit = property(lambda self: tuple(self.view.unit))
    field = property(lambda self: self.net.fields[self.layer - 1])
    region = property(lambda self: self.net.region(0, self.layer, self.unit))
    message = property(lambda self: self.view.message)

    @property
    def clipped(self):
        """The input rows/cols the unit really sees (inside the image), or None."""
        return self.net.seen(0, self.layer, self.unit)

    @property
    def map_regions(self):
        """Per map 0..layer, the rows/cols the unit depends on (unclipped)."""
        return [self.net.region(a, self.layer, self.unit) for a in range(self.layer + 1)]

    @property
    def gradient(self):
        return self.net.gradient(self.layer, self.unit) if self.view.gradient else None

    @property
    def readout(self):
        """The numbers under the maps, one line each (the view writes the same lines)."""
        f, unit = self.field, self.unit
        (top, bottom), (left, right) = self.region
        fmt = lambda v: "\u00d7".join(f"{x:g}" for x in v)  # noqa: E731
        lines = [f"Layer {self.layer} ({self.net.names[self.layer - 1]}), unit {unit}: "
                 f"receptive field {fmt(f.size)}, effective stride {fmt(f.stride)}, "
                 f"effective padding {fmt(f.padding)}, start (centre of unit (0, 0)) "
                 f"({f.start[0]:g}, {f.start[1]:g}).",
                 f"It sees input rows {top}..{bottom} and columns {left}..{right} (dashed box)."]
        clipped = self.clipped
        n_h, n_w = self.net.shapes[0]
        if clipped is None:
            lines.append("The whole field lies in the zero padding: this unit sees no pixel.")
        elif clipped != self.region:
            out = [f"rows {lo}..{hi}" for lo, hi in ((top, -1), (n_h, bottom)) if lo <= hi]
            out += [f"columns {lo}..{hi}" for lo, hi in ((left, -1), (n_w, right)) if lo <= hi]
            text = f"Clipped: {', '.join(out)} fall in the zero padding (hatched); " if out \
                else "Clipped: "
            text += (f"the pixels it really uses are rows {clipped[0][0]}..{clipped[0][1]}, "
                     f"columns {clipped[1][0]}..{clipped[1][1]} (filled box).")
            if clipped != self.net.clip(0, self.region):
                text += (" Image pixels outside the filled box reach it only through padding of"
                         " a feature map, or were dropped by a floor() on the way.")
            lines.append(text)
        if self.view.gradient:
            ratio, holes = self.net.weight_ratio(self.layer)
            shown = f"{ratio:.1f}" if ratio < 1e6 else f"{ratio:.1e}"
            lines.append("Effective receptive field (red, |d unit / d input| with uniform "
                         f"weights): the heaviest pixel of the field weighs {shown}\u00d7 "
                         "the lightest it uses" + (
                             f"; {holes} pixel{'s' if holes != 1 else ''} of the field get no "
                             "weight (holes left by dilation or stride)." if holes else "."))
        return lines

    def figure(self):
        """Static matplotlib view of the current selection."""
        fig, ax = plt.subplots(figsize=(3.2, 3.2), dpi=80)
        draw_field(ax, self.net.maps[0], self.region, self.net.margins[0],
                   f"layer {self.layer}, unit {self.unit}", self.gradient)
        return fig
