"""Pooling explorer: slide a max or average pooling window over a matrix, see the window being
pooled, the input cell that wins each max, and the rows/columns a stride drops. The numbers
come from ``convbook.ops.pool2d`` and ``convbook.windows`` (recomputed by ``js/pooling.js``).

>>> w = PoolingExplorer([[0, 1, 2], [3, 4, 5], [6, 7, 8]], pool_size=2, stride=1)
>>> w.output.tolist()
[[4.0, 5.0], [7.0, 8.0]]
>>> w.set_position(1, 0)
>>> w.winner, w.arithmetic
((2, 1), 'max(3, 4, 6, 7) = 7')
>>> w.set_mode("avg"); w.arithmetic
'(3 + 4 + 6 + 7) / 4 = 5'
"""
import matplotlib.pyplot as plt
import torch
import traitlets

from .._checks import as_tensor, pair
from ..figures import draw_pooling_step
from ..widget_state import check_nested_size
from ..windows import WindowGeometry, dropped_lines, max_winners, window_cells
from ..ops import pool2d
from ..textfmt import format_number, matrix_text, parse_matrix
from .base import ExplorerView, esm

__all__ = ["PoolingExplorer", "PoolingView", "MODES", "MAX_SIDE"]

# Varied values so the winning cell moves around as the window slides.
DEFAULT_X = [[1, 3, 2, 0, 4],
             [5, 0, 1, 6, 2],
             [2, 7, 3, 1, 0],
             [0, 4, 8, 2, 5],
             [3, 1, 0, 6, 2]]
MAX_SIDE = 12
MODES = ("max", "avg")


def _arithmetic(values, mode):
    text = lambda v: "-inf" if v == float("-inf") else format_number(v)  # noqa: E731
    if mode == "max":
        return f"max({', '.join(text(v) for v in values)}) = {text(max(values))}"
    return (f"({' + '.join(text(v) for v in values)}) / {len(values)} = "
            f"{format_number(sum(values) / len(values))}")


def _matrix(values):
    """The input as a float tensor: 2-D, 1x1 to MAX_SIDE x MAX_SIDE, finite; raises naming it."""
    if isinstance(values, str):
        values = parse_matrix(values, "X")
    check_nested_size(values, "X", MAX_SIDE)
    X = as_tensor(values, "X")
    if X.dim() != 2:
        raise ValueError(f"X must be a 2-D matrix (height x width), got shape {tuple(X.shape)}")
    if not (1 <= X.shape[0] <= MAX_SIDE and 1 <= X.shape[1] <= MAX_SIDE):
        raise ValueError(f"X must be between 1x1 and {MAX_SIDE}x{MAX_SIDE}, got {tuple(X.shape)}")
    X = X.to(torch.get_default_dtype())
    if not torch.isfinite(X).all():     # -inf is the max-pooling padding; nan has no max
        raise ValueError("X must hold finite numbers (no inf or nan)")
    return X


def _pair_trait():
    return traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True, guarded=True)


class PoolingView(ExplorerView):
    """Synced state of the pooling explorer."""
    _esm = esm("pooling")
    _explorer_name = "pooling explorer"
    X = traitlets.List().tag(sync=True, guarded=True)
    pool_size, stride, padding = _pair_trait(), _pair_trait(), _pair_trait()
    mode = traitlets.Unicode("max").tag(sync=True, guarded=True)
    step = traitlets.Int(0).tag(sync=True, guarded=True)
    x_text = traitlets.Unicode("").tag(sync=True)
    limits = traitlets.Dict({"side": MAX_SIDE}).tag(sync=True)
    modes = traitlets.List(list(MODES)).tag(sync=True)


class PoolingExplorer:
    """Interactive max/average pooling: window, stride, padding, mode, and a step slider.

    ``view`` is the explorer to display. Setters (``set_pool_size``, ``set_stride``,
    ``set_padding``, ``set_mode``, ``set_position``, ``set_step``, ``set_values``) raise
    ValueError/TypeError naming the argument and the rule (a window must fit in the input,
    padding is at most half the window, the stride at most the input). State: ``output``,
    ``position``, ``window`` (input cells being pooled), ``winner`` (input cell of the max,
    None for avg), ``value``, ``arithmetic``, ``dropped``, ``settings``, ``message``.
    """

    def __init__(self, X=None, pool_size=2, stride=None, padding=0, mode="max"):
        X = _matrix(DEFAULT_X if X is None else X)
        size = pair(pool_size, "pool_size", 1)
        settings = self._checked(X, size, size if stride is None else stride, padding, mode)
        self.view = PoolingView(X=X.tolist(), x_text=matrix_text(X), **settings)
        self.view.guard(self._from_view)

    @staticmethod
    def _checked(X, pool_size, stride, padding, mode, step=0):
        """The settings as lists, checked against the explorer's rules; raises naming them."""
        size, stride = pair(pool_size, "pool_size", 1), pair(stride, "stride", 1)
        padding = pair(padding, "padding", 0)
        if mode not in MODES:
            raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
        n = tuple(X.shape)
        if any(k > m for k, m in zip(size, n)):
            raise ValueError(f"pool_size {size} must fit in the {n[0]}x{n[1]} input")
        if any(s > m for s, m in zip(stride, n)):
            raise ValueError(f"stride {stride} must be at most the {n[0]}x{n[1]} input")
        if any(2 * p > k for p, k in zip(padding, size)):
            raise ValueError(f"padding {padding} must be at most half the window {size}")
        count = WindowGeometry(n, size, padding, stride).window_count
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < count:
            raise ValueError(f"step must be an int in 0..{count - 1}, got {step!r}")
        return {"pool_size": list(size), "stride": list(stride), "padding": list(padding),
                "mode": mode, "step": step}

    def _from_view(self):
        v = self.view
        self._checked(_matrix(v.X), v.pool_size, v.stride, v.padding, v.mode, v.step)

    def _apply(self, X=None, **changes):
        v = self.view
        X = _matrix(v.X) if X is None else X
        now = {"pool_size": v.pool_size, "stride": v.stride, "padding": v.padding,
               "mode": v.mode, "step": v.step, **changes}
        if "step" not in changes:           # keep the step where it still exists
            count = WindowGeometry(tuple(X.shape), pair(now["pool_size"], "pool_size", 1),
                                   pair(now["padding"], "padding", 0),
                                   pair(now["stride"], "stride", 1)).window_count
            now["step"] = min(v.step, max(count - 1, 0))
        settings = self._checked(X, **now)
        with v.updating():
            v.X, v.x_text = X.tolist(), matrix_text(X)
            for key, value in settings.items():
                setattr(v, key, value)
            v.message = ""

    # ---- setters ----------------------------------------------------------------------
    def set_pool_size(self, h, w=None):
        """Pooling window size (h x w; w defaults to h)."""
        self._apply(pool_size=(h, h if w is None else w))

    def set_stride(self, h, w=None):
        """Stride (h, w; w defaults to h)."""
        self._apply(stride=(h, h if w is None else w))

    def set_padding(self, h, w=None):
        """Padding on each side (h, w; w defaults to h), at most half the window."""
        self._apply(padding=(h, h if w is None else w))

    def set_mode(self, mode):
        """'max' or 'avg'."""
        self._apply(mode=mode)

    def set_position(self, i, j):
        """Select output cell (i, j)."""
        out_h, out_w = self.output.shape
        for name, value, n in (("i", i, out_h), ("j", j, out_w)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
                raise ValueError(f"{name} must be an int in 0..{n - 1}, got {value!r}")
        self._apply(step=i * out_w + j)

    def set_step(self, k):
        """Select output cell number k in reading order (what the step slider and play do)."""
        self._apply(step=k)

    def set_values(self, values):
        """New input matrix: a tensor/array/list, or text with one row per line."""
        self._apply(X=_matrix(values))

    # ---- state ------------------------------------------------------------------------
    @property
    def settings(self):
        """Current window, stride, padding and mode."""
        v = self.view
        return {"pool_size": tuple(v.pool_size), "stride": tuple(v.stride),
                "padding": tuple(v.padding), "mode": v.mode}

    @property
    def X(self):
        return _matrix(self.view.X)

    @property
    def output(self):
        s = self.settings
        return pool2d(self.X, s["pool_size"], s["mode"], s["padding"], s["stride"])

    @property
    def position(self):
        """The selected output cell (row, col)."""
        return divmod(self.view.step, self.output.shape[1])

    @property
    def window(self):
        s = self.settings
        return window_cells(self.position, s["pool_size"], s["padding"], s["stride"])

    @property
    def winner(self):
        s = self.settings
        if s["mode"] != "max":
            return None
        return tuple(max_winners(self.X, s["pool_size"], s["padding"],
                                 s["stride"])[self.position].tolist())

    @property
    def value(self):
        return float(self.output[self.position])

    @property
    def arithmetic(self):
        X, pad = self.X, float("-inf") if self.view.mode == "max" else 0.0
        inside = lambda r, c: 0 <= r < X.shape[0] and 0 <= c < X.shape[1]  # noqa: E731
        values = [float(X[r, c]) if inside(r, c) else pad for r, c in self.window]
        return _arithmetic(values, self.view.mode)

    @property
    def dropped(self):
        s = self.settings
        return dropped_lines(tuple(self.X.shape), s["pool_size"], s["padding"], s["stride"])

    @property
    def message(self):
        return self.view.message

    def figure(self):
        """The current step as a matplotlib figure."""
        s = self.settings
        fig, axes = plt.subplots(1, 2, figsize=(6, 3), dpi=80)
        draw_pooling_step(axes, self.X, s["pool_size"], s["padding"], s["stride"], s["mode"],
                          self.position)
        fig.tight_layout()
        return fig
