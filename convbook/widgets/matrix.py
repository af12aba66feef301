"""Convolution as a matrix, live: the doubly block-Toeplitz matrix M of a kernel for a small
input, with the row of the current window highlighted as the kernel slides; the im2col view
(windows as columns, one product vec(K) @ columns); and the transpose M^T (what the input
gradient and a transposed convolution use).

The model is ``convbook.matrix.ConvMatrix``; ``js/matrix.js`` recomputes the same numbers in
the browser, so the view reacts on the static website too.

>>> w = MatrixExplorer(step=3)
>>> w.window, w.value
([(1, 1), (1, 2), (2, 1), (2, 2)], 43.0)
>>> w.row.tolist()
[0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 3.0]
"""
import torch
import traitlets

from .._checks import positive_int
from ..widget_state import small_matrix
from ..matrix import ConvMatrix, im2col
from ..ops import output_shape
from ..textfmt import matrix_text, parse_matrix
from .base import ExplorerView, css, esm

__all__ = ["VIEWS", "LIMITS", "MAX_ROWS", "MatrixExplorer", "MatrixView"]

VIEWS = ("matrix", "im2col", "transpose")
# Largest values the explorer shows, so that M stays readable: input and kernel sides,
# padding, stride, and rows of M (= output cells).
LIMITS = {"X": 5, "K": 3, "padding": 2, "stride": 3}
MAX_ROWS = 25


class MatrixView(ExplorerView):
    """Synced state of the convolution-as-a-matrix explorer."""
    _esm = esm("matrix")
    _css = css("matrix")
    _explorer_name = "convolution-as-a-matrix explorer"
    X = traitlets.List().tag(sync=True, guarded=True)
    K = traitlets.List().tag(sync=True, guarded=True)
    padding = traitlets.Int(0).tag(sync=True, guarded=True)
    stride = traitlets.Int(1).tag(sync=True, guarded=True)
    mode = traitlets.Unicode(VIEWS[0]).tag(sync=True, guarded=True)
    step = traitlets.Int(0).tag(sync=True, guarded=True)
    x_text = traitlets.Unicode("").tag(sync=True)
    k_text = traitlets.Unicode("").tag(sync=True)
    limits = traitlets.Dict({**LIMITS, "rows": MAX_ROWS}).tag(sync=True)


def _model(X, K, padding, stride):
    """Check the values by the explorer's rules; return (X, ConvMatrix). Raises naming them."""
    X = small_matrix(parse_matrix(X, "X") if isinstance(X, str) else X, "X", LIMITS["X"])
    K = small_matrix(parse_matrix(K, "K") if isinstance(K, str) else K, "K", LIMITS["K"])
    padding = _bounded(padding, "padding", 0, LIMITS["padding"])
    stride = _bounded(stride, "stride", 1, LIMITS["stride"])
    for axis, n, k in zip(("rows", "columns"), X.shape, K.shape):
        if k > n + 2 * padding:
            raise ValueError(f"K must fit inside the padded X: K has {k} {axis}, "
                             f"X with padding {padding} only {n + 2 * padding}")
    out = output_shape(tuple(X.shape), tuple(K.shape), padding, stride)
    if out[0] * out[1] > MAX_ROWS:
        raise ValueError(f"M would have {out[0] * out[1]} rows (one per output cell); at most "
                         f"{MAX_ROWS} stay readable: use a larger kernel or stride, "
                         "less padding or a smaller X")
    return X, ConvMatrix(K, tuple(X.shape), padding, stride)


def _bounded(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high} in the explorer, got {value}")
    return value


class MatrixExplorer:
    """Live explorer: input X, kernel K, padding and stride; the matrix M with the current
    window's row highlighted (step slider + play), and toggles to the im2col and transpose
    views. Show it with ``MatrixExplorer().view``.

    Setters (``set_input``, ``set_kernel``, ``set_padding``, ``set_stride``, ``set_step``,
    ``set_mode``) raise ValueError/TypeError naming the argument and the rule; junk typed into
    the view is refused there with a message, keeping the last good state. State: ``model``
    (a ConvMatrix), ``X``, ``matrix``, ``row``, ``window``, ``columns``, ``output``,
    ``value``, ``transposed``, ``step``, ``steps``, ``mode``, ``message``.

    >>> MatrixExplorer(K=[[1, -1]], X=[[1, 2, 4]]).output.tolist()
    [[-1.0, -2.0]]
    """

    def __init__(self, X=None, K=None, padding=0, stride=1, mode="matrix", step=0):
        X = torch.arange(9.0).reshape(3, 3) if X is None else X
        K = torch.arange(4.0).reshape(2, 2) if K is None else K
        self._X, self._model = _model(X, K, padding, stride)
        self._check_mode(mode)
        self._model.step = self._check_step(step, self._model)
        self.view = MatrixView(X=self._X.tolist(), K=self._model.K.tolist(), padding=padding,
                               stride=stride, mode=mode, step=step,
                               x_text=matrix_text(self._X), k_text=matrix_text(self._model.K))
        self.view.guard(self._from_view)

    @staticmethod
    def _check_mode(mode):
        if mode not in VIEWS:
            raise ValueError(f"mode must be one of {list(VIEWS)}, got {mode!r}")
        return mode

    @staticmethod
    def _check_step(step, model):
        if isinstance(step, bool) or not isinstance(step, int):
            raise TypeError(f"step must be an int, got {step!r}")
        if not 0 <= step < model.steps:
            raise ValueError(f"step must be in 0..{model.steps - 1}, got {step}")
        return step

    def _from_view(self):
        """The view changed the state: check it by the setters' rules and use it."""
        v = self.view
        X, model = _model(v.X, v.K, v.padding, v.stride)
        self._check_mode(v.mode)
        model.step = self._check_step(v.step, model)
        self._X, self._model = X, model

    def _use(self, X, model, step, mode):
        model.step = step
        self._X, self._model = X, model
        with self.view.updating():
            self.view.X, self.view.K = X.tolist(), model.K.tolist()
            self.view.padding, self.view.stride = model.padding[0], model.stride[0]
            self.view.mode, self.view.step = mode, step
            self.view.x_text, self.view.k_text = matrix_text(X), matrix_text(model.K)
            self.view.message = ""

    def _values(self, X=None, K=None, padding=None, stride=None):
        X, model = _model(self._X if X is None else X, self._model.K if K is None else K,
                          self.view.padding if padding is None else padding,
                          self.view.stride if stride is None else stride)
        self._use(X, model, min(self.step, model.steps - 1), self.mode)

    # --- setters --------------------------------------------------------------------------
    def set_input(self, X):
        """Use a new input (tensor, array, nested list or text), at most 5x5."""
        self._values(X=self._given(X, "X"))

    def set_kernel(self, K):
        """Use a new kernel (tensor, array, nested list or text), at most 3x3."""
        self._values(K=self._given(K, "K"))

    def set_padding(self, padding):
        """Zero padding on every side (0..2)."""
        self._values(padding=_bounded(padding, "padding", 0, LIMITS["padding"]))

    def set_stride(self, stride):
        """Step between windows (1..3)."""
        self._values(stride=_bounded(stride, "stride", 1, LIMITS["stride"]))

    def set_step(self, step):
        """Put the kernel on output cell ``step`` (row-major): row ``step`` of M."""
        self._use(self._X, self._model, self._check_step(step, self._model), self.mode)

    def set_mode(self, mode):
        """'matrix' (Y = M vec X), 'im2col' (vec K @ columns) or 'transpose' (M^T g)."""
        self._use(self._X, self._model, self.step, self._check_mode(mode))

    @staticmethod
    def _given(value, name):
        if value is None:
            raise TypeError(f"{name} must be a tensor, array, nested list or text, got None")
        return value

    # --- read-only state ------------------------------------------------------------------
    model = property(lambda self: self._model, doc="the ConvMatrix model")
    X = property(lambda self: self._X.clone(), doc="the input (a copy)")
    K = property(lambda self: self._model.K.clone(), doc="the kernel (a copy)")
    matrix = property(lambda self: self._model.matrix.clone(), doc="M (a copy)")
    row = property(lambda self: self._model.row.clone(), doc="row ``step`` of M")
    window = property(lambda self: self._model.window, doc="input cells the window reads")
    steps = property(lambda self: self._model.steps, doc="number of output cells")
    step = property(lambda self: self._model.step, doc="the current output cell (row-major)")
    mode = property(lambda self: self.view.mode, doc="'matrix', 'im2col' or 'transpose'")
    message = property(lambda self: self.view.message, doc="the view's refusal note, or ''")

    @property
    def columns(self):
        """im2col of X: one column per window (zero padding included)."""
        return im2col(self._X, self._model.kernel_size, self._model.padding, self._model.stride)

    @property
    def output(self):
        """M @ vec(X) as an output-sized array."""
        return self._model.output(self._X)

    @property
    def value(self):
        """The current output cell's value."""
        return float(self.output.reshape(-1)[self.step])

    @property
    def transposed(self):
        """M^T g for g one-hot at ``step``: the kernel pasted back onto the window."""
        g = torch.zeros(self._model.output_size, dtype=self._model.matrix.dtype)
        g.view(-1)[self.step] = 1.0
        return self._model.transpose(g)
