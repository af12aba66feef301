"""Pooling explorer: slide a max or average pooling window over a matrix, see the window being
pooled, the input cell that wins each max, and the rows/columns a stride drops.

>>> w = PoolingExplorer([[0, 1, 2], [3, 4, 5], [6, 7, 8]], pool_size=2, stride=1)
>>> w.output.tolist()
[[4.0, 5.0], [7.0, 8.0]]
>>> w.set_position(1, 0)
>>> w.winner, w.arithmetic
((2, 1), 'max(3, 4, 6, 7) = 7')
>>> w.set_mode("avg"); w.arithmetic
'(3 + 4 + 6 + 7) / 4 = 5'
"""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from .._checks import as_tensor, pair
from ..htmlgrid import format_number, grid_html, row_html
from ..ops import output_shape, pool2d
from ..plot import ACCENT, draw_matrix
from .text import matrix_text, parse_matrix

__all__ = ["PoolingExplorer", "window_cells", "max_winners", "dropped_lines", "draw_pooling_step"]

# Varied values so the winning cell moves around as the window slides.
DEFAULT_X = [[1, 3, 2, 0, 4],
             [5, 0, 1, 6, 2],
             [2, 7, 3, 1, 0],
             [0, 4, 8, 2, 5],
             [3, 1, 0, 6, 2]]
MAX_SIDE = 12


def window_cells(position, pool_size, padding, stride):
    """Input coordinates (row, col) covered by the window of output cell ``position``.

    Coordinates are in the unpadded input, so padding cells have a negative index or one past
    the edge.

    >>> window_cells((1, 0), (2, 2), (0, 0), (2, 2))
    [(2, 0), (2, 1), (3, 0), (3, 1)]
    """
    (i, j), (k_h, k_w), (p_h, p_w), (s_h, s_w) = position, pool_size, padding, stride
    return [(i * s_h - p_h + a, j * s_w - p_w + b) for a in range(k_h) for b in range(k_w)]


def max_winners(X, pool_size, padding, stride):
    """For every output of max pooling, the input (row, col) holding the max: out_h x out_w x 2.

    Ties go to the first cell in reading order (``torch.argmax`` returns the first maximum).

    >>> max_winners(torch.arange(9.0).reshape(3, 3), (2, 2), (0, 0), (1, 1))[0, 0].tolist()
    [1, 1]
    """
    (k_h, k_w), (p_h, p_w), (s_h, s_w) = pool_size, padding, stride
    Xp = F.pad(X.to(torch.get_default_dtype()), (p_w, p_w, p_h, p_h), value=float("-inf"))
    windows = Xp.unfold(0, k_h, s_h).unfold(1, k_w, s_w)       # out_h x out_w x k_h x k_w
    flat = windows.reshape(*windows.shape[:2], -1).argmax(dim=-1)
    rows = torch.arange(windows.shape[0])[:, None] * s_h - p_h + flat // k_w
    cols = torch.arange(windows.shape[1])[None, :] * s_w - p_w + flat % k_w
    return torch.stack([rows, cols], dim=-1)


def dropped_lines(input_size, pool_size, padding, stride):
    """Input rows and columns that no window reaches (the stride does not divide): (rows, cols).

    >>> dropped_lines((5, 5), (2, 2), (0, 0), (2, 2))
    ([4], [4])
    """
    out = output_shape(input_size, pool_size, padding, stride)
    lines = []
    for n, k, p, s, o in zip(input_size, pool_size, padding, stride, out):
        last = (o - 1) * s + k - p          # first input index past the last window
        lines.append(list(range(max(last, 0), n)))
    return lines[0], lines[1]


def _arithmetic(values, mode):
    if mode == "max":
        return f"max({', '.join(format_number(v) for v in values)}) = {format_number(max(values))}"
    return f"({' + '.join(format_number(v) for v in values)}) / {len(values)} = {format_number(sum(values) / len(values))}"


def draw_pooling_step(axes, X, pool_size, padding, stride, mode, position):
    """Static view of one step on two matplotlib axes: the input with its padding (grey), the
    window (and, for max, the winner outlined in red) and the output with the current cell.
    Shared by ``PoolingExplorer.figure`` and ``convbook.animate.pooling_animation``."""
    X = as_tensor(X, "X").to(torch.get_default_dtype())
    (p_h, p_w), (n_h, n_w) = padding, X.shape
    Y = pool2d(X, pool_size, mode=mode, padding=padding, stride=stride)
    window = window_cells(position, pool_size, padding, stride)
    ax_in, ax_out = axes
    for ax in axes:
        ax.clear()
    scale = {"vmin": float(X.min()), "vmax": float(X.max())}
    draw_matrix(ax_in, X, "input X" + (" (padded)" if p_h or p_w else ""), highlight=window,
                **scale)
    pad_text = "-inf" if mode == "max" else "0"
    for r in range(-p_h, n_h + p_h):
        for c in range(-p_w, n_w + p_w):
            if not (0 <= r < n_h and 0 <= c < n_w):
                ax_in.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="#e6e6e6",
                                              edgecolor="white", linewidth=2, zorder=0.5))
                ax_in.text(c, r, pad_text, ha="center", va="center", fontsize=9, color="#888")
    ax_in.set_xlim(-p_w - 0.5, n_w + p_w - 0.5)
    ax_in.set_ylim(n_h + p_h - 0.5, -p_h - 0.5)
    if mode == "max":
        r, c = max_winners(X, pool_size, padding, stride)[position].tolist()
        ax_in.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#d62828",
                                      linewidth=3, zorder=5))
    draw_matrix(ax_out, Y, f"{mode} pooling output", highlight=[position],
                highlight_color=ACCENT, **scale)
    return axes


class PoolingExplorer:
    """Interactive max/average pooling: window, stride, padding, mode, and a step slider.

    ``view`` is the ipywidgets container to display. Setters (``set_window``, ``set_stride``,
    ``set_padding``, ``set_mode``, ``set_position``, ``set_step``, ``set_values``) change it from
    code; read-only state: ``output``, ``position``, ``window`` (input cells being pooled),
    ``winner`` (input cell of the max, None for avg), ``value``, ``arithmetic``, ``dropped``
    (rows, cols no window reaches), ``message`` (the last clamp/refusal note, "" if none).
    Impossible settings are clamped or refused with a visible note, never an exception.
    """

    def __init__(self, X=None, pool_size=2, stride=None, padding=0, mode="max"):
        X = as_tensor(DEFAULT_X if X is None else X, "X")
        self._X = self._check_matrix(X)
        self._size = pair(pool_size, "pool_size", 1)
        self._stride = self._size if stride is None else pair(stride, "stride", 1)
        self._padding = pair(padding, "padding", 0)
        if mode not in ("max", "avg"):
            raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
        self._mode = mode
        pool2d(self._X, self._size, mode, self._padding, self._stride)   # raises naming the argument
        self._position = (0, 0)
        self.message = ""
        self._syncing = False
        self._build_controls()
        self._refresh()

    # ---- validation -------------------------------------------------------------------
    @staticmethod
    def _check_matrix(X):
        if X.dim() != 2:
            raise ValueError(f"X must be a 2-D matrix (height x width), got shape {tuple(X.shape)}")
        if not (1 <= X.shape[0] <= MAX_SIDE and 1 <= X.shape[1] <= MAX_SIDE):
            raise ValueError(f"X must be between 1x1 and {MAX_SIDE}x{MAX_SIDE}, got {tuple(X.shape)}")
        X = X.to(torch.get_default_dtype())
        if not torch.isfinite(X).all():     # -inf is the max-pooling padding; nan has no max
            raise ValueError("X must hold finite numbers (no inf or nan)")
        return X

    # ---- controls ---------------------------------------------------------------------
    def _build_controls(self):
        slider = dict(continuous_update=True, style={"description_width": "70px"},
                      layout=widgets.Layout(width="230px"))
        n_h, n_w = self._X.shape
        self._w_window = [widgets.IntSlider(v, 1, n, description=f"window {a}", **slider)
                          for v, n, a in zip(self._size, (n_h, n_w), "hw")]
        self._w_stride = [widgets.IntSlider(v, 1, n, description=f"stride {a}", **slider)
                          for v, n, a in zip(self._stride, (n_h, n_w), "hw")]
        self._w_padding = [widgets.IntSlider(v, 0, max(1, n // 2), description=f"padding {a}",
                                             **slider)
                           for v, n, a in zip(self._padding, (n_h, n_w), "hw")]
        self._w_mode = widgets.ToggleButtons(options=["max", "avg"], value=self._mode,
                                             description="mode",
                                             style={"button_width": "60px"})
        self._w_step = widgets.IntSlider(0, 0, 0, description="step", **slider)
        self._w_play = widgets.Play(value=0, min=0, max=0, interval=700, description="play")
        widgets.jslink((self._w_play, "value"), (self._w_step, "value"))
        self._w_values = widgets.Textarea(value=matrix_text(self._X), description="X values",
                                          layout=widgets.Layout(width="330px", height="120px"))
        apply = widgets.Button(description="apply values")
        apply.on_click(lambda _: self.set_values(self._w_values.value))
        self._w_html = widgets.HTML()
        for w in self._w_window + self._w_stride + self._w_padding + [self._w_mode]:
            w.observe(self._on_setting, names="value")
        self._w_step.observe(self._on_step, names="value")
        self.view = widgets.VBox([
            widgets.HBox([self._w_mode, self._w_play, self._w_step]),
            widgets.HBox(self._w_window), widgets.HBox(self._w_stride),
            widgets.HBox(self._w_padding), self._w_html,
            widgets.HBox([self._w_values, apply])])

    def _on_setting(self, _change):
        if self._syncing:
            return
        self._apply(tuple(w.value for w in self._w_window), tuple(w.value for w in self._w_stride),
                    tuple(w.value for w in self._w_padding), self._w_mode.value)

    def _on_step(self, change):
        if self._syncing:
            return
        self.set_step(change["new"])

    # ---- setters ----------------------------------------------------------------------
    def set_window(self, h, w=None):
        """Pooling window size (h x w; w defaults to h)."""
        self._apply((h, h if w is None else w), self._stride, self._padding, self._mode)

    def set_stride(self, h, w=None):
        """Stride (h, w; w defaults to h). Strides below 1 are refused with a note."""
        self._apply(self._size, (h, h if w is None else w), self._padding, self._mode)

    def set_padding(self, h, w=None):
        """Padding on each side (h, w; w defaults to h); clamped to half the window."""
        self._apply(self._size, self._stride, (h, h if w is None else w), self._mode)

    def set_mode(self, mode):
        """'max' or 'avg'; anything else is refused with a note."""
        self._apply(self._size, self._stride, self._padding, mode)

    def set_position(self, i, j):
        """Select output cell (i, j); clamped to the output."""
        out_h, out_w = self.output.shape
        self.message = ""
        if not (0 <= i < out_h and 0 <= j < out_w):
            self.message = f"position ({i}, {j}) is outside the {out_h}x{out_w} output; clamped"
        self._position = (min(max(int(i), 0), out_h - 1), min(max(int(j), 0), out_w - 1))
        self._refresh(keep_message=True)

    def set_step(self, k):
        """Select output cell number k in reading order (what the step slider and play do)."""
        out_w = self.output.shape[1]
        k = min(max(int(k), 0), self.output.numel() - 1)
        self._position = divmod(k, out_w)
        self.message = ""
        self._refresh(keep_message=True)

    def set_values(self, values):
        """New input matrix: a tensor/array/list, or text with one row per line.

        Bad text or shapes are refused with a note; the previous matrix stays.
        """
        try:
            if isinstance(values, str):
                values = parse_matrix(values, "values")
            X = self._check_matrix(as_tensor(values, "values"))
        except (TypeError, ValueError) as error:
            self.message = f"values refused: {error}"
            self._refresh(keep_message=True)
            return
        self._X = X
        self._sync_slider_ranges()
        self._apply(self._size, self._stride, self._padding, self._mode)

    # ---- the core: clamp, compute, render ---------------------------------------------
    def _apply(self, size, stride, padding, mode):
        notes = []
        n = tuple(self._X.shape)
        if mode not in ("max", "avg"):
            notes.append(f"mode must be 'max' or 'avg', not {mode!r}; kept {self._mode!r}")
            mode = self._mode
        if min(stride) < 1:
            notes.append(f"stride must be at least 1, got {tuple(stride)}; kept {self._stride}")
            stride = self._stride
        far = tuple(min(s, m) for s, m in zip(stride, n))
        if far != tuple(stride):
            notes.append(f"stride {tuple(stride)} is longer than the {n[0]}x{n[1]} input; "
                         f"clamped to {far}")
            stride = far
        if min(size) < 1:
            notes.append(f"window must be at least 1x1, got {tuple(size)}; kept {self._size}")
            size = self._size
        if min(padding) < 0:
            notes.append(f"padding must be >= 0, got {tuple(padding)}; set to 0")
            padding = tuple(max(p, 0) for p in padding)
        big = tuple(min(k, m) for k, m in zip(size, n))
        if big != tuple(size):
            notes.append(f"window {tuple(size)} is larger than the {n[0]}x{n[1]} input; "
                         f"clamped to {big}")
            size = big
        half = tuple(min(p, k // 2) for p, k in zip(padding, size))
        if half != tuple(padding):
            notes.append(f"padding {tuple(padding)} is more than half the window {size}; "
                         f"clamped to {half}")
            padding = half
        self._size, self._stride, self._padding, self._mode = (
            tuple(size), tuple(int(s) for s in stride), tuple(padding), mode)
        self.message = "; ".join(notes)
        self._refresh(keep_message=True)

    def _sync_slider_ranges(self):
        self._syncing = True
        for sliders, top in ((self._w_window, self._X.shape), (self._w_stride, self._X.shape),
                             (self._w_padding, [max(1, n // 2) for n in self._X.shape])):
            for s, m in zip(sliders, top):
                s.max = max(int(m), s.min)
        self._syncing = False

    def _refresh(self, keep_message=False):
        if not keep_message:
            self.message = ""
        self.output = pool2d(self._X, self._size, self._mode, self._padding, self._stride)
        out_h, out_w = self.output.shape
        self._position = (min(self._position[0], out_h - 1), min(self._position[1], out_w - 1))
        self.window = window_cells(self._position, self._size, self._padding, self._stride)
        self.dropped = dropped_lines(tuple(self._X.shape), self._size, self._padding, self._stride)
        winners = (max_winners(self._X, self._size, self._padding, self._stride)
                   if self._mode == "max" else None)
        self.winner = tuple(winners[self._position].tolist()) if winners is not None else None
        pad_value = float("-inf") if self._mode == "max" else 0.0
        values = [self._cell(r, c, pad_value) for r, c in self.window]
        self.value = float(self.output[self._position])
        self.arithmetic = _arithmetic(values, self._mode)
        self._sync_controls()
        self._w_html.value = self._render(winners, pad_value)

    def _cell(self, r, c, pad_value):
        inside = 0 <= r < self._X.shape[0] and 0 <= c < self._X.shape[1]
        return float(self._X[r, c]) if inside else pad_value

    @property
    def position(self):
        """The selected output cell (row, col)."""
        return self._position

    @property
    def settings(self):
        """Current window, stride, padding and mode."""
        return {"pool_size": self._size, "stride": self._stride, "padding": self._padding,
                "mode": self._mode}

    def _sync_controls(self):
        self._syncing = True
        for sliders, values in ((self._w_window, self._size), (self._w_stride, self._stride),
                                (self._w_padding, self._padding)):
            for s, v in zip(sliders, values):
                s.value = v
        self._w_mode.value = self._mode
        last = self.output.numel() - 1
        self._w_step.max = self._w_play.max = last
        self._w_step.value = self._position[0] * self.output.shape[1] + self._position[1]
        self._syncing = False

    def _render(self, winners, pad_value):
        (p_h, p_w), (n_h, n_w) = self._padding, self._X.shape
        shown = F.pad(self._X, (p_w, p_w, p_h, p_h), value=pad_value)
        styles = {}
        rows, cols = self.dropped
        for i in range(shown.shape[0]):
            for j in range(shown.shape[1]):
                r, c = i - p_h, j - p_w
                if not (0 <= r < n_h and 0 <= c < n_w):
                    styles[i, j] = "pad"
                elif r in rows or c in cols:
                    styles[i, j] = "dropped"
        for r, c in self.window:
            styles[r + p_h, c + p_w] = "window"
        if self.winner is not None:
            styles[self.winner[0] + p_h, self.winner[1] + p_w] = "win"
        parts = [grid_html(shown, "input X" + (" (padded)" if p_h or p_w else ""), styles),
                 grid_html(self.output, f"{self._mode} pooling output Y",
                           {self._position: "out"})]
        if winners is not None:
            counts = torch.zeros(n_h, n_w)
            for r, c in winners.reshape(-1, 2).tolist():
                counts[r, c] += 1
            parts.append(grid_html(counts, "times each input cell wins",
                                   shade=(counts / max(1.0, float(counts.max()))).tolist()))
        out_h, out_w = self.output.shape
        (k_h, k_w), (s_h, s_w) = self._size, self._stride
        notes = [f'<div class="cb-note"><b>Y[{self._position[0]}, {self._position[1]}]</b> = '
                 f"{self.arithmetic}</div>",
                 f'<div class="cb-note">output {out_h}x{out_w}: '
                 f"floor(({n_h} + 2*{p_h} - {k_h}) / {s_h}) + 1 = {out_h} rows, "
                 f"floor(({n_w} + 2*{p_w} - {k_w}) / {s_w}) + 1 = {out_w} columns</div>"]
        if rows or cols:
            notes.append(f'<div class="cb-note">the stride does not divide: input rows {rows} '
                         f"and columns {cols} are never pooled (struck out)</div>")
        if self.message:
            notes.append(f'<div class="cb-error">{self.message}</div>')
        return row_html(*parts) + "".join(notes)

    # ---- static fallback --------------------------------------------------------------
    def figure(self):
        """The current step as a matplotlib figure (for pages without a kernel)."""
        fig, axes = plt.subplots(1, 2, figsize=(6, 3), dpi=80)
        draw_pooling_step(axes, self._X, self._size, self._padding, self._stride, self._mode,
                          self._position)
        fig.tight_layout()
        return fig
