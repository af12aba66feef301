"""Convolution as a matrix: the doubly block-Toeplitz matrix of a kernel, and im2col.

A cross-correlation is linear in its input, so for a fixed kernel K and input size it is one
matrix M: ``vec(corr2d(X, K)) == M @ vec(X)`` (vec reads row by row). Row r of M is output
cell r's window, written out over the whole input. ``im2col`` writes the windows as columns
instead, so the kernel becomes a single row: ``vec(Y) == vec(K) @ im2col(X, K.shape)``.
``M.T`` maps an output-sized array back onto the input: it is the input gradient and the
transposed convolution. Small inputs only: M has (h_out * w_out) x (h * w) entries.

>>> K = torch.arange(4.0).reshape(2, 2)
>>> corr2d_matrix(K, (3, 3))[0]
tensor([0., 1., 0., 2., 3., 0., 0., 0., 0.])
>>> corr2d_matrix(K, (3, 3)) @ torch.arange(9.0)
tensor([19., 25., 37., 43.])
"""
import torch
import torch.nn.functional as F

from ._checks import as_tensor, check_ndim, pair
from .ops import output_shape

__all__ = ["MAX_ENTRIES", "corr2d_matrix", "im2col", "window_cells", "ConvMatrix"]

MAX_ENTRIES = 10 ** 7       # a dense M beyond this is too big to show or to hold cheaply


def _geometry(input_size, kernel_size, padding, stride):
    n = pair(input_size, "input_size", 1)
    k = pair(kernel_size, "kernel_size", 1)
    p = pair(padding, "padding", 0)
    s = pair(stride, "stride", 1)
    out = output_shape(n, k, p, s)
    entries = out[0] * out[1] * n[0] * n[1]
    if entries > MAX_ENTRIES:
        raise ValueError(f"input_size is too large for a dense matrix: {out[0] * out[1]} x "
                         f"{n[0] * n[1]} = {entries:,} entries > MAX_ENTRIES = {MAX_ENTRIES:,}")
    return n, k, p, s, out


def window_cells(row, input_size, kernel_size, padding=0, stride=1):
    """The (input cell, kernel cell) pairs of output cell ``row`` (row-major index): the window
    inside the input; cells that fall on the zero padding are left out.

    >>> window_cells(3, (3, 3), (2, 2))
    [((1, 1), (0, 0)), ((1, 2), (0, 1)), ((2, 1), (1, 0)), ((2, 2), (1, 1))]
    """
    (n_h, n_w), (k_h, k_w), (p_h, p_w), (s_h, s_w), (o_h, o_w) = _geometry(
        input_size, kernel_size, padding, stride)
    if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < o_h * o_w:
        raise ValueError(f"row must be an output index 0..{o_h * o_w - 1}, got {row!r}")
    i, j = divmod(row, o_w)
    cells = []
    for a in range(k_h):
        for b in range(k_w):
            r, c = i * s_h - p_h + a, j * s_w - p_w + b
            if 0 <= r < n_h and 0 <= c < n_w:
                cells.append(((r, c), (a, b)))
    return cells


def corr2d_matrix(K, input_size, padding=0, stride=1):
    """The (h_out * w_out) x (h * w) matrix M with ``M @ vec(X) == vec(corr2d(X, K, ...))``.

    For stride 1 and no padding it is doubly block-Toeplitz: h_out x h blocks of size
    w_out x w, block (i, r) is the Toeplitz matrix of kernel row r - i (zero outside the kernel).

    >>> corr2d_matrix(torch.tensor([[1.0, -1.0]]), (1, 3))
    tensor([[ 1., -1.,  0.],
            [ 0.,  1., -1.]])
    """
    K = as_tensor(K, "K")
    check_ndim(K, "K", 2, "k_h x k_w")
    n, k, p, s, out = _geometry(input_size, tuple(K.shape), padding, stride)
    dtype = K.dtype if K.is_floating_point() else torch.get_default_dtype()
    M = torch.zeros(out[0] * out[1], n[0] * n[1], dtype=dtype)
    for row in range(out[0] * out[1]):
        for (r, c), (a, b) in window_cells(row, n, k, p, s):
            M[row, r * n[1] + c] = K[a, b]
    return M


def im2col(X, kernel_size, padding=0, stride=1):
    """The windows of X as columns: (k_h * k_w) x (h_out * w_out), column j = window j read row
    by row (zero padding included), so ``vec(K) @ im2col(X, K.shape) == vec(corr2d(X, K))``.

    >>> im2col(torch.arange(9.0).reshape(3, 3), 2)[:, 0]
    tensor([0., 1., 3., 4.])
    """
    X = as_tensor(X, "X")
    check_ndim(X, "X", 2, "height x width")
    n, k, p, s, out = _geometry(tuple(X.shape), kernel_size, padding, stride)
    if not X.is_floating_point():
        X = X.to(torch.get_default_dtype())
    X = F.pad(X, (p[1], p[1], p[0], p[0]))
    windows = X.unfold(0, k[0], s[0]).unfold(1, k[1], s[1])      # h_out x w_out x k_h x k_w
    return windows.reshape(out[0] * out[1], k[0] * k[1]).T


class ConvMatrix:
    """The model behind a convolution-as-a-matrix explorer (no drawing, no widgets).

    It holds a kernel and an input size; ``step`` is the output cell under the kernel. It gives
    the matrix M (``matrix``), the highlighted row and the input cells it touches
    (``row``, ``window``), the im2col view of an input (``columns``) and the transpose
    (``transpose``: the input gradient / transposed convolution).

    >>> model = ConvMatrix(torch.arange(4.0).reshape(2, 2), (3, 3))
    >>> model.steps, model.output_size
    (4, (2, 2))
    >>> model.step = 1
    >>> model.row.tolist()
    [0.0, 0.0, 1.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, K, input_size, padding=0, stride=1):
        self.K = as_tensor(K, "K")
        self.matrix = corr2d_matrix(self.K, input_size, padding, stride)
        self.input_size, self.kernel_size, self.padding, self.stride, self.output_size = \
            _geometry(input_size, tuple(self.K.shape), padding, stride)
        self.steps = self.output_size[0] * self.output_size[1]
        self._step = 0

    @property
    def step(self):
        return self._step

    @step.setter
    def step(self, value):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < self.steps:
            raise ValueError(f"step must be an output index 0..{self.steps - 1}, got {value!r}")
        self._step = value

    @property
    def row(self):
        """Row ``step`` of M: the current window's weights laid over the flattened input."""
        return self.matrix[self._step]

    @property
    def window(self):
        """The input cells (row, col) the current output reads, in kernel order."""
        return [cell for cell, _ in window_cells(self._step, self.input_size, self.kernel_size,
                                                 self.padding, self.stride)]

    def columns(self, X):
        """im2col of X (which must have ``input_size``): one column per output cell."""
        X = as_tensor(X, "X")
        if tuple(X.shape) != self.input_size:
            raise ValueError(f"X must have the model's input_size {self.input_size}, "
                             f"got shape {tuple(X.shape)}")
        return im2col(X, self.kernel_size, self.padding, self.stride)

    def output(self, X):
        """M @ vec(X), reshaped to the output size."""
        X = as_tensor(X, "X")
        if tuple(X.shape) != self.input_size:
            raise ValueError(f"X must have the model's input_size {self.input_size}, "
                             f"got shape {tuple(X.shape)}")
        return (self.matrix @ X.reshape(-1).to(self.matrix.dtype)).reshape(self.output_size)

    def transpose(self, G):
        """M.T @ vec(G) reshaped to the input size: the gradient of sum(G * Y) with respect to X,
        which is also ``conv_transpose2d(G, K)`` (cropped by the padding)."""
        G = as_tensor(G, "G")
        if tuple(G.shape) != self.output_size:
            raise ValueError(f"G must have the output size {self.output_size}, "
                             f"got shape {tuple(G.shape)}")
        return (self.matrix.T @ G.reshape(-1).to(self.matrix.dtype)).reshape(self.input_size)
