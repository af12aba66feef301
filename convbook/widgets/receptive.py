"""Receptive-field explorer: which input pixels (and which units of every feature map) one unit sees.

``NetworkFields`` does the work once per network (feature maps, closed-form fields between
every pair of maps, the effective-receptive-field weights); the widget then only slices
and formats, so a step costs about a millisecond. ``draw_field`` is the matplotlib view
shared with the static figure and the website animation.

>>> net = layers_from_text("conv 3 p1; pool 2; conv 5")
>>> [type(layer).__name__ for layer in net]
['Conv2d', 'MaxPool2d', 'Conv2d']
>>> w = ReceptiveFieldWidget("LeNet", layer=4, unit=(0, 0))
>>> w.field.size, w.region, w.clipped
((16, 16), ((-2, 13), (-2, 13)), ((0, 13), (0, 13)))
"""
import base64
import io
import re
from html import escape

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image
from torch import nn

from ..htmlgrid import STYLE
from ..layers import LeNet
from ..ops import output_shape
from ..receptive import layer_geometry, empirical_receptive_field, receptive_field

__all__ = ["layers_from_text", "NetworkFields", "ReceptiveFieldWidget", "draw_field", "PRESETS",
           "sample_image"]

PRESETS = {
    "LeNet": None,                                        # convbook.layers.LeNet()
    "3x3 conv stack": "conv 3 p1; conv 3 p1; conv 3 p1; conv 3 p1",
    "strided stack": "conv 3 s2 p1; conv 3 s2 p1; conv 3 s2 p1; conv 3 p1",
}
CUSTOM = "custom (type layers)"
INPUT_SIZE = 28
_TOKEN = re.compile(r"^(?:(\d+)(?:x(\d+))?|([spd])(\d+))$")


def layers_from_text(text, channels=4):
    """Build an nn.Sequential from text like "conv 3 s1 p1; pool 2; avgpool 2 s1; conv 5 d2; relu".

    Layers are separated by ";" or new lines. ``conv K`` (K or KxK2 kernel), ``pool K``
    (max pooling; ``avgpool K`` for average) take optional ``sN`` stride (conv: 1, pool: K),
    ``pN`` padding and, for conv, ``dN`` dilation. Convs have ``channels`` output channels
    (the first takes 1 input channel). Weights come from a fixed seed; the global RNG is untouched.

    >>> layers_from_text("conv 3x5 s2 p1")[0]
    Conv2d(1, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1))
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string of layers, got {type(text).__name__}")
    layers, in_channels = [], 1
    parts = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts:
        raise ValueError("text must list at least one layer, e.g. 'conv 3 p1; pool 2'")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        for number, part in enumerate(parts, 1):
            words = part.lower().split()
            kind, options, kernel = words[0], {}, None
            for word in words[1:]:
                match = _TOKEN.match(word)
                if not match:
                    raise ValueError(f"layer {number} ({part!r}): cannot read {word!r}; write e.g. "
                                     "'conv 3 s2 p1 d1' or 'pool 2'")
                if match.group(1):
                    kernel = (int(match.group(1)), int(match.group(2) or match.group(1)))
                else:
                    options[match.group(3)] = int(match.group(4))
            if kind == "relu":
                layers.append(nn.ReLU())
                continue
            if kind not in ("conv", "pool", "maxpool", "avgpool"):
                raise ValueError(f"layer {number} ({part!r}): unknown layer {kind!r}; use conv, "
                                 "pool (max), avgpool or relu")
            if kernel is None or min(kernel) < 1:
                raise ValueError(f"layer {number} ({part!r}): give a kernel size >= 1, e.g. "
                                 f"'{kind} 3'")
            stride = options.get("s", 1 if kind == "conv" else kernel[0])
            padding = options.get("p", 0)
            if stride < 1:
                raise ValueError(f"layer {number} ({part!r}): stride must be >= 1, got {stride}")
            if kind == "conv":
                layers.append(nn.Conv2d(in_channels, channels, kernel, stride, padding,
                                        options.get("d", 1)))
                in_channels = channels
            else:
                if "d" in options:
                    raise ValueError(f"layer {number} ({part!r}): pooling takes no dilation here")
                if 2 * padding > min(kernel):
                    raise ValueError(f"layer {number} ({part!r}): pooling padding must be at most "
                                     "half the window")
                pool = nn.MaxPool2d if kind in ("pool", "maxpool") else nn.AvgPool2d
                layers.append(pool(kernel, stride, padding))
    return nn.Sequential(*layers)


def sample_image(index=45):
    """A 28x28 float image in [0, 1] from the embedded Fashion-MNIST sample, and its label.

    >>> image, label = sample_image(45)
    >>> tuple(image.shape), label
    ((28, 28), 'Ankle boot')
    """
    from ..data import FASHION_MNIST_LABELS, load_sample

    images, labels = load_sample()
    if not 0 <= index < len(images):
        raise ValueError(f"index must be in 0..{len(images) - 1}, got {index}")
    return images[index].float() / 255, FASHION_MNIST_LABELS[int(labels[index])]


def _png(array, rgba=None):
    """Base64 PNG of a 2-D array in [0, 1] (grey), or of an RGBA uint8 array."""
    if rgba is None:
        rgba = (np.clip(np.asarray(array), 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _describe(layer):
    """Short name of a spatial layer: 'conv 5x5 s1 p2', 'maxpool 2x2 s2'."""
    kind = "conv" if isinstance(layer, nn.Conv2d) else (
        "maxpool" if isinstance(layer, nn.MaxPool2d) else "avgpool")
    (k_h, k_w), s, p, d = layer_geometry(layer)
    both = lambda v: f"{v[0]}" + (f",{v[1]}" if v[1] != v[0] else "")  # noqa: E731
    return (f"{kind} {k_h}x{k_w} s{both(s)}" + (f" p{both(p)}" if any(p) else "")
            + (f" d{both(d)}" if d != (1, 1) else ""))


def _single_channel(layer, padding=True):
    """The layer's geometry with one channel and no bias (``padding=False``: none), for the ERF.

    empirical_receptive_field gives the copy uniform weights and average pooling."""
    kernel, stride, pad, dilation = layer_geometry(layer)
    pad = pad if padding else 0
    if isinstance(layer, nn.Conv2d):
        return nn.Conv2d(1, 1, kernel, stride, pad, dilation, bias=False)
    return nn.AvgPool2d(kernel, stride, pad)


class NetworkFields:
    """Everything the receptive-field widget shows for one network and one image, precomputed.

    ``maps[0]`` is the input, ``maps[b]`` the output of spatial layer b (channel 0),
    ``fields`` = ``receptive_field(model)``; ``between(a, b)`` the field of map-b units on map a;
    ``weights(b)`` the effective-receptive-field weights (r_h x r_w, from the input gradient).
    """

    def __init__(self, model, image):
        self.fields = receptive_field(model)
        self.layers = [model[f.index] for f in self.fields]
        self.names = [_describe(layer) for layer in self.layers]
        image = torch.as_tensor(image, dtype=torch.float32)
        shapes = [tuple(image.shape)]
        for number, (layer, name) in enumerate(zip(self.layers, self.names), 1):
            k, s, p, d = layer_geometry(layer)
            try:
                shapes.append(output_shape(shapes[-1], k, p, s, d))
            except ValueError:
                raise ValueError(f"layer {number} ({name}) does not fit on its "
                                 f"{shapes[-1][0]}x{shapes[-1][1]} input: the network is too "
                                 f"deep for a {shapes[0][0]}x{shapes[0][1]} image") from None
        self.shapes = shapes
        maps = [image]
        with torch.no_grad():
            x = image[None, None]
            last = self.fields[-1].index
            for index, layer in enumerate(model):
                if index > last:
                    break
                x = layer(x)
                if index in {f.index for f in self.fields}:
                    maps.append(x[0, 0])
        self.maps = [(m - m.min()) / (m.max() - m.min() + 1e-12) for m in maps]
        self.pngs = [_png(m.numpy()) for m in self.maps]
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

    def gradient(self, b, unit):
        """|d unit / d input| for ``unit`` of map b (uniform weights, linear network), h x w."""
        key = (b, tuple(unit))
        if key not in self._gradients:
            net = nn.Sequential(*(_single_channel(layer) for layer in self.layers[:b]))
            self._gradients[key] = empirical_receptive_field(net, (1, *self.shapes[0]),
                                                             unit).gradient
        return self._gradients[key]


def _box(bounds, margin, cell, css):
    (top, bottom), (left, right) = bounds
    return (f'<div style="position:absolute;left:{(left + margin[1]) * cell}px;'
            f'top:{(top + margin[0]) * cell}px;width:{(right - left + 1) * cell - 2}px;'
            f'height:{(bottom - top + 1) * cell - 2}px;{css}"></div>')


def _cell_size(shape):
    return max(3, min(20, 220 // max(shape)))


def _map_html(title, png, shape, margin, cell, boxes="", overlay="", faded=False):
    """One feature map: the image, a hatched zero-padding border, and positioned boxes."""
    width = (shape[1] + margin[1] + margin[3]) * cell
    height = (shape[0] + margin[0] + margin[2]) * cell
    image = (f'<img src="data:image/png;base64,{png}" style="position:absolute;'
             f'left:{margin[1] * cell}px;top:{margin[0] * cell}px;width:{shape[1] * cell}px;'
             f'height:{shape[0] * cell}px;image-rendering:pixelated">')
    if overlay:
        overlay = image.replace(png, overlay)
    return (f'<div style="opacity:{0.35 if faded else 1}"><div class="cb-rf-title">'
            f'{escape(title)}</div><div class="cb-rf-map" style="width:{width}px;'
            f'height:{height}px">{image}{overlay}{boxes}</div></div>')


RF_STYLE = """<style>
.cb-rf-title{font:bold 12px sans-serif;margin-bottom:3px;white-space:nowrap}
.cb-rf-map{position:relative;background:repeating-linear-gradient(45deg,#eee 0 4px,#ddd 4px 8px);
  outline:1px solid #bbb}
</style>"""
FULL_BOX = "border:1px dashed #e76f51;"
SEEN_BOX = "border:1px solid #e76f51;background:rgba(255,209,102,0.45);"
UNIT_BOX = "border:1px solid #1d6f65;background:rgba(42,157,143,0.7);"


class ReceptiveFieldWidget:
    """Pick a network, a layer and an output unit; see the input region and every map's region.

    The input is a real Fashion-MNIST image (embedded sample). The dashed box is the whole
    receptive field, the filled box the part inside the image (the rest is zero padding,
    hatched). "effective RF" overlays |d unit / d input| in red: the centre weighs most.

    State for tests: ``fields``, ``layer``, ``unit``, ``field``, ``region``, ``clipped``,
    ``map_regions``, ``gradient`` (or None), ``readout`` (text), ``message`` (cb-error or "").
    """

    def __init__(self, preset="LeNet", layers=None, image=45, layer=None, unit=None,
                 gradient=False):
        if preset not in PRESETS and preset != CUSTOM:
            raise ValueError(f"preset must be one of {list(PRESETS) + [CUSTOM]}, got {preset!r}")
        if layers is not None and not isinstance(layers, str):
            raise TypeError(f"layers must be a string like 'conv 3 p1; pool 2', got "
                            f"{type(layers).__name__}")
        if not isinstance(gradient, bool):
            raise TypeError(f"gradient must be True or False, got {gradient!r}")
        self._images = self._load_images()
        if self._images.options[0][1] == -1:       # synthetic fallback: one image only
            image = -1
        elif image not in dict(self._images.options).values():
            raise ValueError(f"image must be a sample index in 0..49, got {image!r}")
        self._images.value = image
        self.message = ""
        self._busy = False
        self.preset = widgets.Dropdown(options=list(PRESETS) + [CUSTOM], value=preset,
                                       description="network")
        self.text = widgets.Text(value=layers or PRESETS.get(preset) or "", description="layers",
                                 continuous_update=False, layout=widgets.Layout(width="520px"),
                                 placeholder="conv 3 s1 p1; pool 2; conv 5")
        self.layer_menu = widgets.Dropdown(description="layer", layout=widgets.Layout(
            width="320px"))
        self.row = widgets.IntSlider(description="unit row", min=0, max=0)
        self.col = widgets.IntSlider(description="unit col", min=0, max=0)
        self.show_gradient = widgets.ToggleButton(value=gradient, description="effective RF",
                                                  tooltip="overlay |d unit / d input|")
        self.html = widgets.HTML()
        self.view = widgets.VBox([
            widgets.HBox([self.preset, self._images]), self.text,
            widgets.HBox([self.layer_menu, self.show_gradient]),
            widgets.HBox([self.row, self.col]), self.html])
        if layers is not None:
            self.preset.value = CUSTOM
        self._build(select_layer=layer, unit=unit)
        self.preset.observe(lambda c: self._on_preset(), names="value")
        self.text.observe(lambda c: self._on_text(), names="value")
        self._images.observe(lambda c: self._build(self.layer, self.unit), names="value")
        for control in (self.layer_menu, self.row, self.col, self.show_gradient):
            control.observe(lambda c: self._render(), names="value")

    @staticmethod
    def _load_images():
        try:
            from ..data import FASHION_MNIST_LABELS, load_sample
            _, labels = load_sample()
            options = [(f"{FASHION_MNIST_LABELS[int(labels[i])]} #{i}", i)
                       for i in range(len(labels))]
        except (ImportError, OSError):         # no sample shipped: a synthetic image
            options = [("synthetic disc", -1)]
        return widgets.Dropdown(options=options, description="image")

    def _image(self):
        if self._images.value == -1:
            grid = torch.arange(INPUT_SIZE, dtype=torch.float32) - (INPUT_SIZE - 1) / 2
            return ((grid[:, None] ** 2 + grid ** 2) < 100).float()
        return sample_image(self._images.value)[0]

    # --- programmatic control -------------------------------------------------------------

    def set_preset(self, name):
        """Switch to a preset network ('LeNet', '3x3 conv stack', 'strided stack')."""
        if name not in PRESETS:
            raise ValueError(f"name must be one of {list(PRESETS)}, got {name!r}")
        self.preset.value = name

    def set_layers(self, text):
        """Use a network typed as text; a bad text keeps the old network and shows why."""
        self._busy = True
        self.preset.value = CUSTOM
        self._busy = False
        if self.text.value == text:
            self._on_text()
        else:
            self.text.value = text

    def set_layer(self, layer):
        """Select spatial layer ``layer`` (1 = first conv/pool); clamped to the network."""
        self.layer_menu.value = max(1, min(int(layer), len(self.net.fields)))

    def set_unit(self, row, col):
        """Select output unit (row, col) of the selected layer; clamped to its map."""
        self._render((row, col))

    def set_gradient(self, on):
        """Show or hide the effective receptive field (gradient magnitude) on the input."""
        self.show_gradient.value = bool(on)

    def set_image(self, index):
        """Use image ``index`` of the embedded sample."""
        self._images.value = index

    # --- state ----------------------------------------------------------------------------

    @property
    def fields(self):
        return self.net.fields

    @property
    def layer(self):
        return self.layer_menu.value

    @property
    def unit(self):
        return (self.row.value, self.col.value)

    @property
    def field(self):
        return self.net.fields[self.layer - 1]

    @property
    def region(self):
        return self.net.region(0, self.layer, self.unit)

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
        return self.net.gradient(self.layer, self.unit) if self.show_gradient.value else None

    # --- updates --------------------------------------------------------------------------

    def _on_preset(self):
        if self._busy:
            return
        if self.preset.value != CUSTOM:
            self._busy = True
            self.text.value = PRESETS[self.preset.value] or ""
            self._busy = False
            self._build()

    def _on_text(self):
        if self._busy:
            return
        if self.preset.value != CUSTOM:
            self._busy = True
            self.preset.value = CUSTOM
            self._busy = False
        self._build()

    def _model(self):
        if self.preset.value == "LeNet":
            with torch.random.fork_rng():
                torch.manual_seed(0)
                return LeNet()
        return layers_from_text(self.text.value)

    def _build(self, select_layer=None, unit=None):
        try:
            net = NetworkFields(self._model(), self._image())
        except (ValueError, TypeError) as error:
            if not hasattr(self, "net"):
                raise
            self.message = f"Cannot use these layers: {error}. Showing the previous network."
            self._render()
            return
        self.message = ""
        self.net = net
        self._busy = True
        options = [(f"{b}: {name} \u2192 {h}\u00d7{w}", b) for b, (name, (h, w)) in
                   enumerate(zip(net.names, net.shapes[1:]), 1)]
        self.layer_menu.options = options
        self.layer_menu.value = max(1, min(select_layer or len(options), len(options)))
        self._busy = False
        h, w = net.shapes[self.layer]
        self._render(unit if unit is not None else (h // 2, w // 2))

    def _render(self, unit=None):
        """Fit the unit sliders to the selected map (optionally move the unit), redraw."""
        if self._busy:
            return
        h, w = self.net.shapes[self.layer]
        self._busy = True
        try:
            self.row.max, self.col.max = h - 1, w - 1
            if unit is not None:
                self.row.value = max(0, min(int(unit[0]), h - 1))
                self.col.value = max(0, min(int(unit[1]), w - 1))
        finally:
            self._busy = False
        self.html.value = self._html()

    def _html(self):
        net, b, unit = self.net, self.layer, self.unit
        parts = []
        for a in range(len(net.maps)):
            shape, margin = net.shapes[a], net.margins[a]
            cell = _cell_size((shape[0] + margin[0] + margin[2], shape[1] + margin[1] + margin[3]))
            title = ("input" if a == 0 else f"{a}: {net.names[a - 1]}") + \
                f" {shape[0]}\u00d7{shape[1]}"
            boxes, overlay = "", ""
            if a < b:
                bounds = net.region(a, b, unit)
                boxes = _box(bounds, margin, cell, FULL_BOX)
                clipped = net.seen(a, b, unit)
                if clipped:
                    boxes += _box(clipped, margin, cell, SEEN_BOX)
            elif a == b:
                boxes = _box(net.region(a, b, unit), margin, cell, UNIT_BOX)
            if a == 0 and self.show_gradient.value:
                grad = net.gradient(b, unit).numpy()
                rgba = np.zeros(grad.shape + (4,), np.uint8)
                rgba[..., 0], rgba[..., 1], rgba[..., 2] = 220, 20, 60
                rgba[..., 3] = (grad / max(grad.max(), 1e-12) * 235).astype(np.uint8)
                overlay = _png(None, rgba)
                boxes = boxes.replace("background:rgba(255,209,102,0.45);", "")
            parts.append(_map_html(title, net.pngs[a], shape, margin, cell, boxes, overlay,
                                   faded=a > b))
        notes = "".join(f'<div class="cb-note">{escape(line)}</div>' for line in self.readout)
        error = f'<div class="cb-error">{escape(self.message)}</div>' if self.message else ""
        return (STYLE + RF_STYLE + error + '<div class="cb-row">' +
                "".join(parts) + "</div>" + notes)

    @property
    def readout(self):
        """The numbers under the maps, one line each."""
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
        if self.show_gradient.value:
            weights = self.net.weights(self.layer)
            lines.append(f"Effective receptive field (red, |d unit / d input| with uniform "
                         f"weights): the centre pixel weighs {weights.max() / weights.min():.1f}"
                         f"\u00d7 a corner pixel of the field.")
        return lines

    def figure(self):
        """Static matplotlib view of the current selection (the website fallback)."""
        fig, ax = plt.subplots(figsize=(3.2, 3.2), dpi=80)
        draw_field(ax, self.net.maps[0], self.region, self.net.margins[0],
                   f"layer {self.layer}, unit {self.unit}", self.gradient)
        return fig


def draw_field(ax, image, bounds, margin=(0, 0, 0, 0), title=None, gradient=None):
    """Matplotlib view: ``image`` with the field ``bounds`` (dashed), its visible part (filled),
    the zero-padding border hatched and, optionally, the gradient magnitude in red."""
    image = np.asarray(image)
    h, w = image.shape
    ax.clear()
    top, left, bottom, right = margin
    ax.add_patch(plt.Rectangle((-left - 0.5, -top - 0.5), w + left + right, h + top + bottom,
                               facecolor="#eeeeee", edgecolor="#bbbbbb", hatch="//", zorder=0))
    ax.imshow(image, cmap="gray", extent=(-0.5, w - 0.5, h - 0.5, -0.5), zorder=1)
    if gradient is not None:
        g = np.asarray(gradient, dtype=float)
        rgba = np.zeros((h, w, 4))
        rgba[..., 0], rgba[..., 1], rgba[..., 2] = 0.86, 0.08, 0.24
        rgba[..., 3] = 0.92 * g / max(g.max(), 1e-12)
        ax.imshow(rgba, extent=(-0.5, w - 0.5, h - 0.5, -0.5), zorder=2)
    (r0, r1), (c0, c1) = bounds
    ax.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False,
                               edgecolor="#e76f51", linestyle="--", linewidth=1.5, zorder=3))
    v = ((max(r0, 0), min(r1, h - 1)), (max(c0, 0), min(c1, w - 1)))
    if v[0][0] <= v[0][1] and v[1][0] <= v[1][1]:
        ax.add_patch(plt.Rectangle((v[1][0] - 0.5, v[0][0] - 0.5), v[1][1] - v[1][0] + 1,
                                   v[0][1] - v[0][0] + 1, edgecolor="#e76f51", linewidth=1.5,
                                   facecolor="#ffd166" if gradient is None else "none",
                                   alpha=0.45 if gradient is None else 1, zorder=3))
    ax.set_xlim(-left - 0.5, w + right - 0.5)
    ax.set_ylim(h + bottom - 0.5, -top - 0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax
