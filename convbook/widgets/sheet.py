"""Network sheet: type layers once, read per layer the output shape, parameters, FLOPs,
receptive field r_l and input jump J_l, with the totals. The model is
``convbook.netspec.NetworkSheet``; ``js/netspec.js`` + ``js/sheet.js`` recompute it in the
browser, so the sheet reacts on the static website too.

>>> w = NetworkSheetExplorer("LeNet")
>>> w.cells[2][:6], w.cells[-1][4:6]
(['1', 'conv 5x5 s1 p2 c6', '1', '6\u00d728\u00d728', '156', '239,904'], ['61,706', '839,558'])
"""
import traitlets

from ..netspec import SHEET_LIMITS, NetworkSheet, parse_layers, sheet_input
from .base import CUSTOM_NETWORK as CUSTOM, TypedNetworkView, css, esm

__all__ = ["NetworkSheetExplorer", "PRESETS", "HEADER"]

_VGG11 = ("conv 3 p1 c64; relu; pool 2; conv 3 p1 c128; relu; pool 2; conv 3 p1 c256; relu; "
          "conv 3 p1 c256; relu; pool 2; conv 3 p1 c512; relu; conv 3 p1 c512; relu; pool 2; "
          "conv 3 p1 c512; relu; conv 3 p1 c512; relu; pool 2; dense 4096; relu; dense 4096; "
          "relu; dense 1000")


def _vgg_style():
    """Section 04's VGG-style stack: blocks of 3x3 convs (padding 1) and a 2x2 max pooling."""
    layers = []
    for channels, convs in ((16, 2), (32, 2), (64, 3), (64, 3)):
        layers += [f"conv 3 p1 c{channels}", "relu"] * convs + ["pool 2"]
    return "; ".join(layers)


# name -> (layers, input C x H x W)
PRESETS = {
    "LeNet": ("conv 5 p2 c6; sigmoid; avgpool 2; conv 5 c16; sigmoid; avgpool 2; dense 120; "
              "sigmoid; dense 84; sigmoid; dense 10", (1, 28, 28)),
    "VGG-style stack (section 04)": (_vgg_style(), (3, 64, 64)),
    "VGG-11 (ImageNet size)": (_VGG11, (3, 224, 224)),
    "3x3 conv stack (section 04)": ("conv 3 p1 c8; conv 3 p1 c8; conv 3 p1 c8; conv 3 p1 c8",
                                    (1, 28, 28)),
    "strided stack (section 04)": ("conv 3 s2 p1 c8; conv 3 s2 p1 c8; conv 3 s2 p1 c8; "
                                   "conv 3 p1 c8", (1, 28, 28)),
}
HEADER = ["#", "layer", "l", "output C\u00d7H\u00d7W", "parameters", "FLOPs", "r_l", "J_l"]


def _pair(v):
    return "\u00d7".join(str(x) for x in v)


def _input_text(shape):
    return "x".join(str(v) for v in shape)


class SheetView(TypedNetworkView):
    """Synced state of the network sheet."""
    _esm = esm("netspec", "sheet")
    _css = css("sheet")
    _explorer_name = "network sheet"
    input_text = traitlets.Unicode("").tag(sync=True)     # the input box, as typed
    input_shape = traitlets.List(traitlets.Int(), minlen=3, maxlen=3).tag(sync=True,
                                                                          guarded=True)
    limits = traitlets.Dict(SHEET_LIMITS).tag(sync=True)
    header = traitlets.List(HEADER).tag(sync=True)


class NetworkSheetExplorer:
    """Type layers (``conv 5 p2 c6; sigmoid; avgpool 2; dense 10``) and an input C x H x W;
    see per layer the output shape, parameters, FLOPs, receptive field r_l and the jump J_l
    of the map it reads (section 04's numbering l: conv and pooling layers only), with any
    error in its row and the totals at the bottom.

    Setters raise ValueError/TypeError naming the argument, and change nothing. State:
    ``sheet`` (a NetworkSheet), ``rows``, ``parameters``, ``flops``, ``cells`` (the table
    as the view shows it), ``message`` (the view's refusal, or '').
    """

    def __init__(self, preset="LeNet", layers=None, input_shape=None):
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {list(PRESETS)}, got {preset!r}")
        if layers is not None and not isinstance(layers, str):
            raise TypeError(f"layers must be a string like 'conv 3 p1 c8; pool 2', got "
                            f"{type(layers).__name__}")
        text, shape = PRESETS[preset]
        name = preset if layers is None and input_shape is None else CUSTOM
        text = text if layers is None else layers
        shape = sheet_input(shape if input_shape is None else input_shape)
        self.sheet = NetworkSheet(text, shape)            # raises naming the bad layer
        presets = {n: {"text": t, "input": list(s)} for n, (t, s) in PRESETS.items()}
        self.view = SheetView(presets=presets, preset=name, text=text, net_text=text,
                              input_text=_input_text(shape), input_shape=list(shape))
        self.view.guard(self._from_view)

    def _from_view(self):
        """The browser changed the network or the input: check and use them."""
        v = self.view
        if v.preset not in PRESETS and v.preset != CUSTOM:
            raise ValueError(f"preset must be one of {list(PRESETS)}")
        self.sheet = NetworkSheet(v.net_text, v.input_shape)

    def _use(self, preset, text, shape):
        sheet = NetworkSheet(text, shape)                 # raises before any change
        self.sheet = sheet
        with self.view.updating():
            v = self.view
            v.preset, v.text, v.net_text = preset, text, text
            v.input_text, v.input_shape = _input_text(sheet.input_shape), list(sheet.input_shape)
            v.message = ""

    # --- programmatic control -------------------------------------------------------------
    def set_preset(self, name):
        """Show a preset network with its input: one of ``PRESETS``."""
        if not isinstance(name, str) or name not in PRESETS:
            raise ValueError(f"name must be one of {list(PRESETS)}, got {str(name)[:40]!r}")
        self._use(name, *PRESETS[name])

    def set_layers(self, text):
        """Use a network typed as text, e.g. 'conv 3 p1 c8; relu; pool 2; dense 10'."""
        parse_layers(text, SHEET_LIMITS)                   # TypeError/ValueError naming it
        self._use(CUSTOM, text, self.sheet.input_shape)

    def set_input(self, shape):
        """Use an input of shape (channels, height, width), e.g. (3, 224, 224)."""
        self._use(CUSTOM, self.view.net_text, sheet_input(shape))

    # --- state ----------------------------------------------------------------------------
    rows = property(lambda self: self.sheet.rows)
    parameters = property(lambda self: self.sheet.parameters)
    flops = property(lambda self: self.sheet.flops)
    message = property(lambda self: self.view.message)

    @property
    def summary(self):
        """The lines under the table (the view writes the same)."""
        lines = [f"Total: {self.parameters:,} parameters, {self.flops:,} FLOPs per example"
                 + (" (the rows that fit)." if self.sheet.error else ".")]
        spatial = [r for r in self.sheet.rows if r.l and not r.error]
        if spatial:
            lines.append(f"A unit of the last conv/pool layer (l = {spatial[-1].l}) sees "
                         f"{_pair(spatial[-1].field)} input pixels.")
        return lines

    @property
    def cells(self):
        """The table as the view shows it: header, the input, one row per layer, the total.
        A layer that does not fit shows its reason after its name."""
        rows = [HEADER, ["0", "input", "", _pair(self.sheet.input_shape), "", "", "1\u00d71", ""]]
        for r in self.sheet.rows:
            head = [str(r.number), r.name, "" if r.l is None else str(r.l)]
            if r.error:
                rows.append(head + [r.error])
                continue
            rows.append(head + [_pair(r.shape), f"{r.parameters:,}", f"{r.flops:,}",
                                "all" if r.field is None else _pair(r.field),
                                "" if r.jump is None else _pair(r.jump)])
        label = "total" if not self.sheet.error else "total (rows that fit)"
        rows.append(["", label, "", "", f"{self.parameters:,}", f"{self.flops:,}", "", ""])
        return rows
