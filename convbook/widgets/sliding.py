"""The sliding-kernel explorer: a kernel moves over an input, one output cell per step.

Three pieces share one model of "where the window is and what it computes":

- ``Sliding`` (no widgets): input, kernel, mode and output, and ``at(step)`` giving the window,
  the output cell and the arithmetic of that step (the numbers come from ``convbook.ops``);
- ``sliding_figure(model, step)`` (``draw_sliding_matrices`` + ``draw_sliding_step``): the
  static matplotlib picture of one step, used by ``SlidingKernel.figure()`` and, step after
  step, by ``convbook.animate.sliding_kernel`` (motion for the website);
- ``SlidingKernel``: the live ipywidgets explorer (HTML grids, fast enough for a Play control).

>>> model = Sliding([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
>>> model.at(0).arithmetic
'0×0 + 1×1 + 3×2 + 4×3 = 19'
>>> w = SlidingKernel(preset="chapter: 3x3 input, 2x2 kernel")
>>> w.set_step(3)
True
>>> w.window, w.output_cell, w.value
(((1, 1), (1, 2), (2, 1), (2, 2)), (1, 1), 43.0)
"""
from dataclasses import dataclass
from html import escape

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from .._checks import as_tensor, check_ndim
from ..htmlgrid import format_number as fmt_number
from ..htmlgrid import grid_html, row_html
from ..kernels import kernel as named_kernel
from ..ops import conv2d, corr2d
from ..plot import ACCENT, HIGHLIGHT, draw_matrix
from .text import matrix_text, parse_matrix, signed_number

__all__ = ["MODES", "PRESETS", "Sliding", "SlideStep", "draw_sliding_matrices",
           "draw_sliding_step", "sliding_figure", "SlidingKernel"]

MODES = ("cross-correlation", "convolution")
MAX_SIZE = 12          # largest input side the grids show legibly


def _edge_image():
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    return X


def _square_image():
    X = torch.zeros(7, 7)
    X[2:5, 2:5] = 1
    return X


PRESETS = {
    "chapter: 3x3 input, 2x2 kernel": lambda: (torch.arange(9.0).reshape(3, 3),
                                               torch.arange(4.0).reshape(2, 2)),
    "edges: 6x8 image, K = [1, -1]": lambda: (_edge_image(), named_kernel("vertical edge")),
    "Sobel x on a 7x7 square": lambda: (_square_image(), named_kernel("Sobel x")),
}
CUSTOM = "(custom values)"


@dataclass(frozen=True)
class SlideStep:
    """One step of the slide: the window's input cells, the output cell and its arithmetic."""
    step: int
    output_cell: tuple          # (row, col) in the output = top-left corner of the window
    window: tuple               # the input cells under the kernel, row by row
    value: float                # output[output_cell], computed by convbook.ops
    arithmetic: str             # "0×0 + 1×1 + 3×2 + 4×3 = 19"


def _term(x, k):
    return f"{signed_number(x)}×{signed_number(k)}"


def _matrix(value, name):
    """A 2-D float64 tensor from a tensor, array or nested list; raises naming ``name``."""
    M = as_tensor(value, name)
    check_ndim(M, name, 2, "rows x columns")
    M = M.detach().to(torch.float64)
    if not torch.isfinite(M).all():
        raise ValueError(f"{name} must hold finite numbers (no inf or nan)")
    if max(M.shape) > MAX_SIZE:
        raise ValueError(f"{name} may be at most {MAX_SIZE}x{MAX_SIZE} to stay legible, "
                         f"got {M.shape[0]}x{M.shape[1]}")
    return M


class Sliding:
    """Input X, kernel K and mode; the output and, per step, what the window computes.

    In "convolution" mode the kernel is flipped on both axes before it slides
    (``kernel_used``), which is what ``convbook.ops.conv2d`` does.

    >>> Sliding(torch.ones(3, 4), [[1, -1]]).num_steps
    9
    """

    def __init__(self, X, K, mode="cross-correlation"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.X, self.K, self.mode = _matrix(X, "X"), _matrix(K, "K"), mode
        for axis, n, k in zip(("rows", "columns"), self.X.shape, self.K.shape):
            if k > n:
                raise ValueError(f"K must fit inside X: K has {k} {axis}, X only {n}")
        self.kernel_used = self.K.flip(0, 1) if mode == "convolution" else self.K
        self.output = (conv2d if mode == "convolution" else corr2d)(self.X, self.K)
        self.num_steps = self.output.numel()
        self._x, self._k = self.X.tolist(), self.kernel_used.tolist()

    def at(self, step):
        """The window, output cell and arithmetic of ``step`` (0 <= step < num_steps)."""
        if not 0 <= step < self.num_steps:
            raise ValueError(f"step must be in 0..{self.num_steps - 1}, got {step}")
        i, j = divmod(step, self.output.shape[1])
        k_h, k_w = self.K.shape
        window = tuple((i + a, j + b) for a in range(k_h) for b in range(k_w))
        value = float(self.output[i, j])
        terms = " + ".join(_term(self._x[r][c], self._k[r - i][c - j]) for r, c in window)
        return SlideStep(step, (i, j), window, value, f"{terms} = {fmt_number(value)}")


def draw_sliding_matrices(axes, model):
    """The still part of the picture: input, kernel used and output on three ``axes``."""
    ax_in, ax_k, ax_out = axes
    low, high = float(model.X.min()), float(model.X.max())
    draw_matrix(ax_in, model.X, "input X",                   # light shades: the window tint
                vmin=low, vmax=high + 0.8 * (high - low) + 1e-9)   # stays clear on top
    kernel_title = "kernel K, flipped" if model.mode == "convolution" else "kernel K"
    draw_matrix(ax_k, model.kernel_used, kernel_title, cmap="Oranges")
    draw_matrix(ax_out, model.output, "output Y", cmap="Greens")


def _box(top, left, height, width, **style):
    return plt.Rectangle((left - 0.5, top - 0.5), width, height, gid=STEP_GID, **style)


STEP_GID = "cb-sliding-step"     # tags the artists that move from one step to the next


def draw_sliding_step(axes, model, step):
    """The moving part: the window on the input, the output cell, the later output cells faded,
    and the arithmetic as the figure title. Replaces the previous step's marks; returns the
    ``SlideStep``.

    >>> fig, axes = plt.subplots(1, 3)
    >>> draw_sliding_step(axes, Sliding(torch.eye(3), torch.eye(2)), 1).value
    0.0
    >>> plt.close(fig)
    """
    frame = model.at(step)
    ax_in, _, ax_out = axes
    for ax in axes:
        for patch in [p for p in ax.patches if p.get_gid() == STEP_GID]:
            patch.remove()
    (i, j), (k_h, k_w) = frame.output_cell, model.K.shape
    out_h, out_w = model.output.shape
    mark = {"edgecolor": "black", "linewidth": 2.5, "zorder": 2.5}   # over the grid, under numbers
    ax_in.add_patch(_box(i, j, k_h, k_w, facecolor=HIGHLIGHT, alpha=0.55, **mark))
    ax_out.add_patch(_box(i, j, 1, 1, facecolor=ACCENT, alpha=0.7, **mark))
    fade = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "zorder": 4}  # over numbers
    if j + 1 < out_w:
        ax_out.add_patch(_box(i, j + 1, 1, out_w - j - 1, **fade))
    if i + 1 < out_h:
        ax_out.add_patch(_box(i + 1, 0, out_h - i - 1, out_w, **fade))
    ax_in.figure.suptitle(f"Y[{i}, {j}] = {frame.arithmetic}", fontsize=11)
    return frame


def sliding_figure(model, step=0, dpi=80):
    """A new figure with the three panels sized to the matrices, showing ``step``;
    returns (fig, axes). The layout is computed once, so later steps do not shift it."""
    widths = [model.X.shape[1], model.K.shape[1], model.output.shape[1]]
    height = max(model.X.shape[0], model.K.shape[0])
    scale = min(0.5, 7.2 / (sum(widths) + 3), 2.3 / height)
    fig, axes = plt.subplots(1, 3, figsize=(scale * (sum(widths) + 3) + 0.6, scale * height + 1.0),
                             gridspec_kw={"width_ratios": widths}, dpi=dpi, layout="constrained")
    draw_sliding_matrices(axes, model)
    draw_sliding_step(axes, model, step)
    fig.canvas.draw()                     # run the layout once, then freeze it
    fig.set_layout_engine("none")
    return fig, axes


def _label(text):
    return widgets.HTML(f'<div class="cb-note"><b>{text}</b></div>')


class SlidingKernel:
    """Live explorer: input, kernel and output grids; a slider (with Play) moves the window.

    Show it with ``SlidingKernel().view``. Setters (``set_step``, ``set_position``,
    ``set_input``, ``set_kernel``, ``set_mode``, ``set_preset``) never raise: an impossible
    value is clamped or refused, with a visible message in ``message``; they return True when
    the value was used as given. State for tests: ``window``, ``output_cell``, ``value``,
    ``arithmetic``, ``output``, ``kernel_used``, ``step``, ``mode``, ``message``, ``html``.

    >>> w = SlidingKernel(X=[[1, 2, 3]], K=[[1, -1]], mode="convolution")
    >>> w.arithmetic
    '1×(-1) + 2×1 = 1'
    """

    def __init__(self, X=None, K=None, preset="chapter: 3x3 input, 2x2 kernel",
                 mode="cross-correlation", step=0):
        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {list(PRESETS)}, got {preset!r}")
        if (X is None) != (K is None):
            raise ValueError("X and K must be given together (or neither, to use the preset)")
        custom = X is not None
        if not custom:
            X, K = PRESETS[preset]()
        self._model = Sliding(X, K, mode)           # raises ValueError/TypeError naming X, K, mode
        if isinstance(step, bool) or not isinstance(step, int):
            raise TypeError(f"step must be an int, got {step!r}")
        if not 0 <= step < self._model.num_steps:
            raise ValueError(f"step must be in 0..{self._model.num_steps - 1}, got {step}")
        self._step, self._message, self._frame = step, "", self._model.at(step)
        self._syncing = False        # True while the code itself moves the controls
        self._build_controls(CUSTOM if custom else preset)
        self._render()

    # --- controls -------------------------------------------------------------------------
    def _build_controls(self, preset):
        last = self._model.num_steps - 1
        self._slider = widgets.IntSlider(value=self._step, min=0, max=last, description="step",
                                         continuous_update=True, layout={"width": "360px"})
        self._play = widgets.Play(value=self._step, min=0, max=last, interval=700,
                                  description="play")
        widgets.jslink((self._play, "value"), (self._slider, "value"))
        self._preset = widgets.Dropdown(options=[*PRESETS, CUSTOM], value=preset,
                                        description="example", layout={"width": "380px"})
        self._mode = widgets.ToggleButtons(options=MODES, value=self._model.mode,
                                           tooltips=["slide K as it is",
                                                     "flip K on both axes, then slide"])
        self._x_text = widgets.Textarea(value=matrix_text(self._model.X), continuous_update=False,
                                        layout={"width": "240px", "height": "130px"})
        self._k_text = widgets.Textarea(value=matrix_text(self._model.K), continuous_update=False,
                                        layout={"width": "150px", "height": "130px"})
        self._apply = widgets.Button(description="apply values", icon="check",
                                     tooltip="use the numbers typed in X and K")
        self._display = widgets.HTML()
        self._slider.observe(self._from_reader(lambda new: self.set_step(new)), names="value")
        self._mode.observe(self._from_reader(lambda new: self.set_mode(new)), names="value")
        self._preset.observe(self._from_reader(
            lambda new: new == CUSTOM or self.set_preset(new)), names="value")
        self._x_text.observe(self._from_reader(lambda new: self._apply_text()), names="value")
        self._k_text.observe(self._from_reader(lambda new: self._apply_text()), names="value")
        self._apply.on_click(lambda button: self._apply_text())
        hint = widgets.HTML('<div class="cb-note">One row per line, values separated by '
                            'spaces;<br>then click <b>apply values</b>.</div>')
        self.view = widgets.VBox([
            widgets.HBox([self._preset, self._mode]),
            widgets.HBox([self._play, self._slider]),
            self._display,
            widgets.HBox([widgets.VBox([_label("edit input X"), self._x_text]),
                          widgets.VBox([_label("edit kernel K"), self._k_text]),
                          widgets.VBox([_label("&nbsp;"), self._apply, hint])]),
        ])

    def _from_reader(self, action):
        """An observer running ``action(new value)`` only for changes the reader made."""
        def observer(change):
            if not self._syncing:
                action(change["new"])
        return observer

    def _apply_text(self):
        try:
            X = _matrix(parse_matrix(self._x_text.value, "X"), "X")
            K = _matrix(parse_matrix(self._k_text.value, "K"), "K")
        except ValueError as error:
            return self._refuse(str(error))
        return self._replace(X, K, self._model.mode, CUSTOM)

    # --- setters --------------------------------------------------------------------------
    def set_step(self, step):
        """Move the window to ``step`` (row-major over the output); clamped to the valid range."""
        if isinstance(step, bool) or not isinstance(step, int):
            return self._refuse(f"step must be a whole number, got {step!r}")
        last = self._model.num_steps - 1
        clamped = min(max(step, 0), last)
        self._message = "" if clamped == step else (
            f"step {step} is outside 0..{last}: the window stopped at step {clamped}")
        self._go(clamped)
        return clamped == step

    def set_position(self, row, col):
        """Put the window's top-left corner on input cell (row, col); clamped to where it fits."""
        for name, value in (("row", row), ("col", col)):
            if isinstance(value, bool) or not isinstance(value, int):
                return self._refuse(f"{name} must be a whole number, got {value!r}")
        out_h, out_w = self._model.output.shape
        r, c = min(max(row, 0), out_h - 1), min(max(col, 0), out_w - 1)
        self._message = "" if (r, c) == (row, col) else (
            f"the kernel does not fit at ({row}, {col}): the window stopped at ({r}, {c})")
        self._go(r * out_w + c)
        return (r, c) == (row, col)

    def set_input(self, X):
        """Use a new input (tensor, array, nested list or text); refused if the kernel no longer fits."""
        return self._set_values(X, None)

    def set_kernel(self, K):
        """Use a new kernel (tensor, array, nested list or text); refused if it does not fit."""
        return self._set_values(None, K)

    def set_mode(self, mode):
        """'cross-correlation' or 'convolution' (the kernel flipped on both axes)."""
        if mode not in MODES:
            return self._refuse(f"mode must be one of {MODES}, got {mode!r}")
        if mode == self._model.mode:
            return True
        return self._replace(self._model.X, self._model.K, mode, self._preset.value)

    def set_preset(self, name):
        """Load one of ``PRESETS`` (the chapter's examples)."""
        if name not in PRESETS:
            return self._refuse(f"preset must be one of {list(PRESETS)}, got {name!r}")
        X, K = PRESETS[name]()
        return self._replace(X, K, self._model.mode, name)

    # --- internals ------------------------------------------------------------------------
    def _set_values(self, X, K):
        try:
            X = self._model.X if X is None else (
                _matrix(parse_matrix(X, "X") if isinstance(X, str) else X, "X"))
            K = self._model.K if K is None else (
                _matrix(parse_matrix(K, "K") if isinstance(K, str) else K, "K"))
        except (ValueError, TypeError) as error:
            return self._refuse(str(error))
        return self._replace(X, K, self._model.mode, CUSTOM)

    def _replace(self, X, K, mode, preset):
        try:
            model = Sliding(X, K, mode)
        except (ValueError, TypeError) as error:
            return self._refuse(str(error))
        self._model, self._message = model, ""
        step = min(self._step, model.num_steps - 1)
        self._syncing = True
        try:     # bring the controls in line without their callbacks re-entering
            self._slider.max = self._play.max = model.num_steps - 1
            self._mode.value = mode
            self._preset.value = preset
            self._x_text.value = matrix_text(model.X)
            self._k_text.value = matrix_text(model.K)
        finally:
            self._syncing = False
        self._go(step)
        return True

    def _refuse(self, message):
        self._message = message
        self._render()
        return False

    def _go(self, step):
        self._step, self._frame = step, self._model.at(step)
        self._syncing = True
        try:         # the Play control follows too (jslink would otherwise reset the slider)
            self._slider.value = self._play.value = step
        finally:
            self._syncing = False
        self._render()

    def _render(self):
        model, frame = self._model, self._frame
        i, j = frame.output_cell
        width = model.output.shape[1]
        out_styles = {divmod(s, width): "dim" for s in range(self._step + 1, model.num_steps)}
        out_styles[(i, j)] = "out"
        grids = [grid_html(model.X, "input X", {cell: "window" for cell in frame.window})]
        if model.mode == "convolution":
            grids.append(grid_html(model.K, "kernel K"))
            grids.append(grid_html(model.kernel_used, "K flipped (used)"))
        else:
            grids.append(grid_html(model.K, "kernel K"))
        grids.append(grid_html(model.output, "output Y", out_styles))
        note = (f'<div class="cb-note"><b>Y[{i}, {j}]</b> = {frame.arithmetic}'
                f'&emsp;(step {self._step} of 0&ndash;{model.num_steps - 1}, {model.mode})</div>')
        error = f'<div class="cb-error">{escape(self._message)}</div>' if self._message else ""
        self._display.value = row_html(*grids) + note + error

    # --- read-only state ------------------------------------------------------------------
    step = property(lambda self: self._step, doc="index of the current window (row-major)")
    num_steps = property(lambda self: self._model.num_steps, doc="number of window positions")
    window = property(lambda self: self._frame.window, doc="input cells under the kernel")
    output_cell = property(lambda self: self._frame.output_cell, doc="(row, col) being computed")
    value = property(lambda self: self._frame.value, doc="the output value at output_cell")
    arithmetic = property(lambda self: self._frame.arithmetic, doc="products and their sum")
    X = property(lambda self: self._model.X.clone(), doc="the input (a copy)")
    K = property(lambda self: self._model.K.clone(), doc="the kernel as given (a copy)")
    kernel_used = property(lambda self: self._model.kernel_used.clone(),
                           doc="the kernel that slides (flipped in convolution mode)")
    output = property(lambda self: self._model.output.clone(), doc="the whole output (a copy)")
    mode = property(lambda self: self._model.mode, doc="'cross-correlation' or 'convolution'")
    preset = property(lambda self: self._preset.value, doc="the example shown, or CUSTOM")
    message = property(lambda self: self._message, doc="the refusal/clamping note, or ''")
    html = property(lambda self: self._display.value, doc="the rendered grids and notes")
    model = property(lambda self: self._model, doc="the underlying Sliding model")

    def figure(self, dpi=80):
        """The current step as a static matplotlib figure (the website's fallback picture)."""
        return sliding_figure(self._model, self._step, dpi)[0]
