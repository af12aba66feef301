"""Where a window goes and what it computes: the pure models behind the explorers.

No widgets here: the explorers, ``convbook.animate``, ``convbook.exercises`` and the tests use
the same answers.

- ``WindowGeometry``: positions of a (dilated, strided) kernel on a zero-padded input, the
  cells under each window in padded and in input coordinates, the rows/columns the floor()
  drops, and the output-size formula with the numbers filled in.
- ``Sliding``: input, kernel, mode and, per step, the window and its arithmetic.
- ``channel_partials``: the per-input-channel partial results that sum to one output channel.
- ``max_winners``: the input cell that wins every max-pooling output.

>>> g = WindowGeometry(8, 3, padding=1, stride=2)
>>> g.output_shape, g.window_count
((4, 4), 16)
>>> g.formula()[0]
'height: floor((8 + 2·1 − 1·(3−1) − 1) / 2) + 1 = floor(7/2) + 1 = 4'
"""
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F

from ._checks import pair
from .ops import conv2d, corr2d, output_shape
from .textfmt import format_number, signed_number
from .widget_state import small_matrix

__all__ = ["WindowGeometry", "window_cells", "dropped_lines", "max_winners", "channel_partials",
           "Sliding", "SlideStep", "MODES", "MAX_SIZE", "AXES"]

AXES = ("height", "width")
MINIMUM = {"input_size": 1, "kernel_size": 1, "padding": 0, "stride": 1, "dilation": 1}


@dataclass(frozen=True)
class WindowGeometry:
    """Where a (dilated) kernel lands on a zero-padded input, per axis (height, width).

    "Padded" coordinates count from the first padding row/column (row 0 is padding when p > 0);
    "input" coordinates count from the first input row, so padding cells are negative or past
    the edge. Every method works on numbers only: nothing the size of the input is allocated
    except by ``padded_input`` and ``output``.
    """
    input_size: tuple
    kernel_size: tuple
    padding: tuple = (0, 0)
    stride: tuple = (1, 1)
    dilation: tuple = (1, 1)

    def __post_init__(self):
        for name, low in MINIMUM.items():
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
        return output_shape(self.input_size, self.kernel_size, self.padding, self.stride,
                            self.dilation)

    @property
    def window_count(self):
        return 0 if self.output_shape is None else self.output_shape[0] * self.output_shape[1]

    def corner(self, index):
        """Top-left padded coordinate of window ``index`` (row-major over the output)."""
        if not self.fits:
            raise ValueError(f"no window exists: {self.problem}")
        out_h, out_w = self.output_shape
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < out_h * out_w:
            raise ValueError(f"index must be an int in 0..{out_h * out_w - 1}, got {index!r}")
        return (index // out_w * self.stride[0], index % out_w * self.stride[1])

    def corners(self):
        """Top-left padded coordinates of every window the kernel visits."""
        return [self.corner(i) for i in range(self.window_count)]

    def taps(self, index):
        """Padded cells multiplied by the kernel at window ``index`` (every d-th cell if dilated)."""
        top, left = self.corner(index)
        (k_h, k_w), (d_h, d_w) = self.kernel_size, self.dilation
        return [(top + a * d_h, left + b * d_w) for a in range(k_h) for b in range(k_w)]

    def cells(self, index):
        """The same cells as ``taps`` in input coordinates (padding: negative or past the edge).

        >>> WindowGeometry(3, 2, padding=1).cells(0)
        [(-1, -1), (-1, 0), (0, -1), (0, 0)]
        """
        p_h, p_w = self.padding
        return [(r - p_h, c - p_w) for r, c in self.taps(index)]

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

    def dropped_input(self):
        """(rows, cols) of the input itself (input coordinates) that no window reaches.

        >>> WindowGeometry(5, 2, stride=2).dropped_input()
        ((4,), (4,))
        """
        return tuple(tuple(d - p for d in dropped if 0 <= d - p < n) for dropped, p, n in
                     zip((self.dropped_rows, self.dropped_cols), self.padding, self.input_size))

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
            value = (f"floor({numerator}/{s}) + 1 = {numerator // s + 1}" if numerator >= 0
                     else "no window fits")
            lines.append(f"{AXES[axis]}: floor(({n} + 2\u00b7{p} \u2212 {d}\u00b7({k}\u22121) "
                         f"\u2212 1) / {s}) + 1 = {value}")
        return lines

    def padded_input(self):
        """The padded input shown in the explorer: 1, 2, ... inside, zeros in the border."""
        n_h, n_w = self.input_size
        X = torch.arange(1.0, n_h * n_w + 1).reshape(n_h, n_w)
        return F.pad(X, (self.padding[1],) * 2 + (self.padding[0],) * 2)

    def output(self):
        """The output for an all-ones kernel (each entry: the sum of the cells under the taps)."""
        n_h, n_w = self.input_size
        X = torch.arange(1.0, n_h * n_w + 1).reshape(n_h, n_w)
        return corr2d(X, torch.ones(self.kernel_size), self.padding, self.stride, self.dilation)


def window_cells(position, pool_size, padding, stride):
    """Input coordinates (row, col) covered by the window of output cell ``position``.

    >>> window_cells((1, 0), (2, 2), (0, 0), (2, 2))
    [(2, 0), (2, 1), (3, 0), (3, 1)]
    """
    (i, j), (k_h, k_w), (p_h, p_w), (s_h, s_w) = position, pool_size, padding, stride
    return [(i * s_h - p_h + a, j * s_w - p_w + b) for a in range(k_h) for b in range(k_w)]


def dropped_lines(input_size, pool_size, padding, stride):
    """Input rows and columns that no window reaches (the stride does not divide): (rows, cols).

    >>> dropped_lines((5, 5), (2, 2), (0, 0), (2, 2))
    ([4], [4])
    """
    rows, cols = WindowGeometry(input_size, pool_size, padding, stride).dropped_input()
    return list(rows), list(cols)


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


def channel_partials(X, K, padding=0):
    """Per-input-channel partial results for one output channel: X is c_i x h x w, K is
    c_i x k_h x k_w; returns c_i x h' x w' (their sum is ``corr2d_multi_in(X, K, padding)``).

    >>> channel_partials(torch.ones(2, 2, 2), torch.ones(2, 1, 1)).sum(0).tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """
    return torch.stack([corr2d(x, k, padding=padding) for x, k in zip(X, K)])


# --- the sliding kernel (sections 01-03) ------------------------------------------------------

MODES = ("cross-correlation", "convolution")
MAX_SIZE = 12          # largest matrix side the explorers show legibly


@dataclass(frozen=True)
class SlideStep:
    """One step of the slide: the window's input cells, the output cell and its arithmetic."""
    step: int
    output_cell: tuple          # (row, col) in the output = top-left corner of the window
    window: tuple               # the input cells under the kernel, row by row
    value: float                # output[output_cell], computed by convbook.ops
    arithmetic: str             # "0×0 + 1×1 + 3×2 + 4×3 = 19"


class Sliding:
    """Input X, kernel K and mode; the output and, per step, what the window computes.

    In "convolution" mode the kernel is flipped on both axes before it slides
    (``kernel_used``), which is what ``convbook.ops.conv2d`` does.

    >>> model = Sliding([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
    >>> model.at(0).arithmetic
    '0×0 + 1×1 + 3×2 + 4×3 = 19'
    >>> Sliding(torch.ones(3, 4), [[1, -1]]).num_steps
    9
    """

    def __init__(self, X, K, mode="cross-correlation"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.X, self.K = small_matrix(X, "X", MAX_SIZE), small_matrix(K, "K", MAX_SIZE)
        self.mode = mode
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
        terms = " + ".join(f"{signed_number(self._x[r][c])}×{signed_number(self._k[r - i][c - j])}"
                           for r, c in window)
        return SlideStep(step, (i, j), window, value, f"{terms} = {format_number(value)}")
