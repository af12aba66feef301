"""Padding / stride explorer: where a kernel goes on a padded input, and why the output has its shape.

The geometry (``WindowGeometry``) is plain arithmetic shared by the widget (fast HTML tables)
and the static figure / animation for the website (``draw_window``).

>>> g = WindowGeometry(8, 3, padding=1, stride=2)
>>> g.output_shape, g.window_count
((4, 4), 16)
>>> w = PaddingStrideExplorer(input_size=7, kernel_size=3, padding=0, stride=2)
>>> w.output_shape, w.dropped_rows
((3, 3), ())
"""
from dataclasses import dataclass
from functools import cached_property

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap

from .._checks import pair
from ..htmlgrid import grid_html, row_html
from ..ops import corr2d
from ..plot import ACCENT, draw_matrix

__all__ = ["WindowGeometry", "PaddingStrideExplorer", "draw_window"]

# Slider ranges (inclusive); the minimum stride is 1, so stride 0 cannot be chosen.
LIMITS = {"input_size": (1, 12), "kernel_size": (1, 7), "padding": (0, 4), "stride": (1, 5),
          "dilation": (1, 3)}
AXES = ("height", "width")


@dataclass(frozen=True)
class WindowGeometry:
    """Where a (dilated) kernel lands on a zero-padded input, per axis (height, width).

    Coordinates are in the padded input: row 0 is the first padding row.
    """
    input_size: tuple
    kernel_size: tuple
    padding: tuple = (0, 0)
    stride: tuple = (1, 1)
    dilation: tuple = (1, 1)

    def __post_init__(self):
        for name, (low, _) in LIMITS.items():
            object.__setattr__(self, name, pair(getattr(self, name), name, low))

    @property
    def padded_shape(self):
        return tuple(n + 2 * p for n, p in zip(self.input_size, self.padding))

    @property
    def span(self):
        """Extent of the dilated kernel, d(k - 1) + 1, per axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation))

    @property
    def fits(self):
        return all(s <= n for s, n in zip(self.span, self.padded_shape))

    @property
    def problem(self):
        """Why no window fits (empty string when the kernel fits)."""
        for axis, n, p, k, d, s in zip(AXES, self.input_size, self.padding, self.kernel_size,
                                       self.dilation, self.span):
            if s > n + 2 * p:
                dilated = f" (dilated by {d}: span {s})" if d > 1 else ""
                return (f"The kernel does not fit along the {axis}: kernel {k}{dilated} > "
                        f"padded input {n} + 2\u00b7{p} = {n + 2 * p}. No window position exists; "
                        "increase the padding or the input, or shrink the kernel.")
        return ""

    @cached_property
    def output_shape(self):
        """floor((n + 2p - d(k-1) - 1) / s) + 1 per axis, or None when the kernel does not fit."""
        if not self.fits:
            return None
        return tuple((n - s) // st + 1 for n, s, st in zip(self.padded_shape, self.span,
                                                            self.stride))

    @property
    def window_count(self):
        return 0 if self.output_shape is None else self.output_shape[0] * self.output_shape[1]

    def corner(self, index):
        """Top-left padded coordinate of window ``index`` (row-major over the output)."""
        out_h, out_w = self.output_shape
        if not 0 <= index < out_h * out_w:
            raise ValueError(f"index must be in 0..{out_h * out_w - 1}, got {index}")
        return (index // out_w * self.stride[0], index % out_w * self.stride[1])

    def corners(self):
        """Top-left padded coordinates of every window the kernel visits."""
        return [self.corner(i) for i in range(self.window_count)]

    def taps(self, index):
        """Padded cells multiplied by the kernel at window ``index`` (every d-th cell if dilated)."""
        top, left = self.corner(index)
        (k_h, k_w), (d_h, d_w) = self.kernel_size, self.dilation
        return [(top + a * d_h, left + b * d_w) for a in range(k_h) for b in range(k_w)]

    def _dropped(self, axis):
        if self.output_shape is None:
            return ()
        last = (self.output_shape[axis] - 1) * self.stride[axis] + self.span[axis] - 1
        return tuple(range(last + 1, self.padded_shape[axis]))

    @property
    def dropped_rows(self):
        """Padded rows no window reaches: the floor() threw them away (the stride does not divide)."""
        return self._dropped(0)

    @property
    def dropped_cols(self):
        return self._dropped(1)

    def is_padding(self, row, col):
        (p_h, p_w), (n_h, n_w) = self.padding, self.input_size
        return not (p_h <= row < p_h + n_h and p_w <= col < p_w + n_w)

    def formula(self):
        """The output-size formula per axis with the numbers filled in (plain text)."""
        lines = []
        for axis in range(2):
            n, k, p = self.input_size[axis], self.kernel_size[axis], self.padding[axis]
            s, d = self.stride[axis], self.dilation[axis]
            numerator = n + 2 * p - d * (k - 1) - 1
            value = f"floor({numerator}/{s}) + 1 = {numerator // s + 1}" if numerator >= 0 \
                else "no window fits"
            lines.append(f"{AXES[axis]}: floor(({n} + 2\u00b7{p} \u2212 {d}\u00b7({k}\u22121) "
                         f"\u2212 1) / {s}) + 1 = {value}")
        return lines

    def padded_input(self):
        """The padded input shown in the explorer: 1, 2, ... inside, zeros in the border."""
        n_h, n_w = self.input_size
        X = torch.arange(1.0, n_h * n_w + 1).reshape(n_h, n_w)
        return torch.nn.functional.pad(X, (self.padding[1],) * 2 + (self.padding[0],) * 2)

    def output(self):
        """The output for an all-ones kernel (each entry: the sum of the cells under the taps)."""
        n_h, n_w = self.input_size
        X = torch.arange(1.0, n_h * n_w + 1).reshape(n_h, n_w)
        return corr2d(X, torch.ones(self.kernel_size), self.padding, self.stride, self.dilation)


def _clamp(name, value):
    """Clamp an (h, w) pair into the slider range; also return a note when it changed."""
    low, high = LIMITS[name]
    values = pair(value, name, -10**9)          # type check here; the range is clamped below
    clamped = tuple(min(max(v, low), high) for v in values)
    note = "" if clamped == values else (
        f"{name} {value!r} is outside {low}..{high}" + (" (stride 0 would never move the window)"
                                                         if name == "stride" and min(values) < 1
                                                         else "") + f": using {clamped}.")
    return clamped, note


class PaddingStrideExplorer:
    """Sliders for input size, kernel, padding, stride and dilation (height and width).

    Shows the padded input (zero border in grey), the kernel's taps at the current window,
    the top-left corner of every window visited (dark corner mark), the rows/columns the
    floor() drops (struck through, red), the output with the current cell, and the formula.

    State for tests: ``geometry``, ``output_shape``, ``index``, ``window_cells``, ``corners``,
    ``dropped_rows``, ``dropped_cols``, ``formula``, ``message`` (the cb-error text or "").
    """

    def __init__(self, input_size=8, kernel_size=3, padding=1, stride=1, dilation=1):
        values = {"input_size": input_size, "kernel_size": kernel_size, "padding": padding,
                  "stride": stride, "dilation": dilation}
        for name, value in values.items():
            low, high = LIMITS[name]
            for v in pair(value, name, low):
                if v > high:
                    raise ValueError(f"{name} must be at most {high} in the explorer, got {value!r}")
        values = {name: pair(v, name, LIMITS[name][0]) for name, v in values.items()}
        self._rendering = False
        self.sliders = {}
        rows = []
        for name, value in values.items():
            low, high = LIMITS[name]
            pairs = [widgets.IntSlider(value=value[a], min=low, max=high, description=(
                f"{name.replace('_size', '')} {AXES[a][0]}"), continuous_update=True,
                layout=widgets.Layout(width="260px")) for a in range(2)]
            self.sliders[name] = pairs
            rows.append(widgets.HBox(pairs))
        self.square = widgets.Checkbox(value=all(v[0] == v[1] for v in values.values()),
                                       description="same height and width", indent=False)
        self.window = widgets.IntSlider(value=0, min=0, max=0, description="window",
                                        layout=widgets.Layout(width="400px"))
        self.play = widgets.Play(value=0, min=0, max=0, interval=600, description="play")
        widgets.jslink((self.play, "value"), (self.window, "value"))
        self.html = widgets.HTML()
        for name, (h_slider, w_slider) in self.sliders.items():
            h_slider.observe(lambda change, n=name: self._on_height(n), names="value")
            w_slider.observe(lambda change: self._render(), names="value")
        self.square.observe(lambda change: self._on_square(), names="value")
        self.window.observe(lambda change: self._render(), names="value")
        self.view = widgets.VBox([self.square, *rows, widgets.HBox([self.play, self.window]),
                                  self.html])
        self._note = ""
        self._on_square()
        self._render()

    # --- programmatic control -------------------------------------------------------------

    def set(self, input_size=None, kernel_size=None, padding=None, stride=None, dilation=None):
        """Set any of the five settings (int or (h, w)); out-of-range values are clamped with a note.

        A non-square value turns off "same height and width".
        """
        given = {"input_size": input_size, "kernel_size": kernel_size, "padding": padding,
                 "stride": stride, "dilation": dilation}
        notes, updates = [], {}
        for name, value in given.items():
            if value is not None:
                updates[name], note = _clamp(name, value)
                notes.append(note)
        self._rendering = True
        try:
            if any(h != w for h, w in updates.values()):
                self.square.value = False
            for name, (h, w) in updates.items():
                self.sliders[name][0].value, self.sliders[name][1].value = h, w
            if self.square.value:
                self._copy_heights()
        finally:
            self._rendering = False
        self._render(note=" ".join(n for n in notes if n))

    def set_window(self, index):
        """Show window ``index`` (row-major); clamped to the windows that exist."""
        self.window.value = max(0, min(int(index), self.window.max))
        self._render()

    # --- state ----------------------------------------------------------------------------

    @property
    def geometry(self):
        return WindowGeometry(**{name: (h.value, w.value) for name, (h, w) in self.sliders.items()})

    @property
    def output_shape(self):
        return self._geometry.output_shape

    @property
    def index(self):
        return self.window.value

    @property
    def window_cells(self):
        g = self._geometry
        return tuple(g.taps(self.index)) if g.fits else ()

    @property
    def corners(self):
        return tuple(self._geometry.corners())

    @property
    def dropped_rows(self):
        return self._geometry.dropped_rows

    @property
    def dropped_cols(self):
        return self._geometry.dropped_cols

    @property
    def formula(self):
        return self._geometry.formula()

    @property
    def message(self):
        return self._geometry.problem

    # --- rendering ------------------------------------------------------------------------

    def _on_height(self, name):
        if self.square.value and not self._rendering:
            self._rendering = True
            try:
                self.sliders[name][1].value = self.sliders[name][0].value
            finally:
                self._rendering = False
        self._render()

    def _copy_heights(self):
        for h_slider, w_slider in self.sliders.values():
            w_slider.value = h_slider.value

    def _on_square(self):
        for _, w_slider in self.sliders.values():
            w_slider.disabled = self.square.value
        if self.square.value:
            self._rendering = True
            try:
                self._copy_heights()
            finally:
                self._rendering = False
            self._render()

    def _render(self, note=""):
        if self._rendering:
            return
        g = self._geometry = self.geometry
        count = g.window_count
        self._rendering = True
        try:
            for control in (self.window, self.play):
                control.max = max(count - 1, 0)
        finally:
            self._rendering = False
        self.html.value = _window_html(g, self.window.value, note)


def _window_html(g, index, note=""):
    """The explorer's HTML: padded input, kernel, output, formula and notes."""
    X = g.padded_input()
    styles = {}
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            if g.is_padding(i, j):
                styles[(i, j)] = "pad"
    for i in g.dropped_rows:
        for j in range(X.shape[1]):
            styles[(i, j)] = "dropped"
    for j in g.dropped_cols:
        for i in range(X.shape[0]):
            styles[(i, j)] = "dropped"
    notes = [f'<div class="cb-note">{line}</div>' for line in g.formula()]
    if g.fits:
        for corner in g.corners():
            styles[corner] = styles.get(corner, "") + " visit"
        for cell in g.taps(index):
            styles[cell] = "window" + (" visit" if "visit" in styles.get(cell, "") else "")
        out_h, out_w = g.output_shape
        out_styles = {(index // out_w, index % out_w): "out"}
        top, left = g.corner(index)
        notes.insert(0, f'<div class="cb-note"><b>output {out_h}\u00d7{out_w}</b>; window '
                        f'{index + 1} of {g.window_count} has its top-left corner at padded row '
                        f'{top}, column {left}. Dark corner marks: every top-left position the '
                        f'kernel visits (stride {g.stride[0]}\u00d7{g.stride[1]}).</div>')
        for axis, dropped in (("rows", g.dropped_rows), ("columns", g.dropped_cols)):
            if dropped:
                which = "padding" if all(g.is_padding(*((d, g.padding[1]) if axis == "rows" else
                                                        (g.padding[0], d))) for d in dropped) \
                    else "input"
                notes.append(f'<div class="cb-note" style="color:#b00">The stride does not divide:'
                             f' floor() drops the last {len(dropped)} {axis} ({which}; struck '
                             f'through): no window reaches them.</div>')
        output = grid_html(g.output(), title=f"output {out_h}\u00d7{out_w}", styles=out_styles)
    else:
        notes.insert(0, f'<div class="cb-error">{g.problem}</div>')
        output = '<div class="cb-error">no output</div>'
    if note:
        notes.insert(0, f'<div class="cb-error">{note}</div>')
    (n_h, n_w), (p_h, p_w) = g.input_size, g.padding
    title = f"padded input {X.shape[0]}\u00d7{X.shape[1]} ({n_h}\u00d7{n_w} + padding {p_h},{p_w})"
    k_h, k_w = g.kernel_size
    dil = "" if g.dilation == (1, 1) else f", dilation {g.dilation[0]},{g.dilation[1]}"
    kernel = grid_html(torch.ones(k_h, k_w), title=f"kernel {k_h}\u00d7{k_w}{dil}")
    parts = [grid_html(X, title=title, styles={k: v.strip() for k, v in styles.items()}),
             kernel, output]
    return row_html(*parts) + "".join(notes)


def draw_window(axes, geometry, index):
    """Static view of one window (for figures and the website animation): padded input, output.

    ``axes`` is a pair of matplotlib axes. The zero border is grey, the taps orange, every
    visited top-left corner has a dark dot, dropped rows/columns are hatched red.
    """
    g = geometry
    ax_in, ax_out = axes
    for ax in axes:
        ax.clear()
    X = g.padded_input().numpy()
    taps = g.taps(index) if g.fits else []
    flat = ListedColormap(["#f7fbff"])        # one flat colour: small PNG frames
    draw_matrix(ax_in, X, "padded input (grey: zero padding)", highlight=taps, cmap=flat)
    for i, j in zip(*np.nonzero(np.array([[g.is_padding(i, j) for j in range(X.shape[1])]
                                          for i in range(X.shape[0])]))):
        if (i, j) not in taps:
            ax_in.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color="#d9d9d9", zorder=0.5))
    for axis, dropped in ((0, g.dropped_rows), (1, g.dropped_cols)):
        for d in dropped:
            xy = (-0.5, d - 0.5) if axis == 0 else (d - 0.5, -0.5)
            size = (X.shape[1], 1) if axis == 0 else (1, X.shape[0])
            ax_in.add_patch(plt.Rectangle(xy, *size, facecolor="none", edgecolor="#b00",
                                          hatch="///", linewidth=0))
    for top, left in (g.corners() if g.fits else []):
        ax_in.plot(left - 0.3, top - 0.3, "o", color="#264653", markersize=4)
    if g.fits:
        out_w = g.output_shape[1]
        draw_matrix(ax_out, g.output(), f"output {g.output_shape[0]}\u00d7{out_w}",
                    highlight=[(index // out_w, index % out_w)], highlight_color=ACCENT,
                    cmap=flat)
    else:
        ax_out.axis("off")
        ax_out.text(0.5, 0.5, "kernel does not fit", ha="center", color="#b00020")
    return axes

