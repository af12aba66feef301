"""The sliding-kernel explorer: a kernel moves over an input, one output cell per step.

The model (``convbook.windows.Sliding``) says where the window is and what it computes; the
static picture is ``convbook.figures.sliding_figure``; this module is the live view, an
anywidget whose JavaScript (``js/sliding.js``) recomputes the same numbers in the browser.

>>> w = SlidingKernelExplorer(preset="chapter: 3x3 input, 2x2 kernel")
>>> w.set_step(3)
>>> w.window, w.output_cell, w.value
(((1, 1), (1, 2), (2, 1), (2, 2)), (1, 1), 43.0)
>>> w.arithmetic
'4×0 + 5×1 + 7×2 + 8×3 = 43'
"""
import torch
import traitlets

from ..figures import sliding_figure
from ..windows import MAX_SIZE, MODES, Sliding
from ..kernels import kernel as named_kernel
from ..textfmt import matrix_text, parse_matrix
from .base import ExplorerView, esm

__all__ = ["PRESETS", "CUSTOM", "SlidingKernelExplorer", "SlidingView"]


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


class SlidingView(ExplorerView):
    """Synced state of the sliding-kernel explorer (what the JavaScript view reads and sets)."""
    _esm = esm("sliding")
    _explorer_name = "sliding-kernel explorer"
    X = traitlets.List().tag(sync=True, guarded=True)
    K = traitlets.List().tag(sync=True, guarded=True)
    mode = traitlets.Unicode(MODES[0]).tag(sync=True, guarded=True)
    step = traitlets.Int(0).tag(sync=True, guarded=True)
    preset = traitlets.Unicode(CUSTOM).tag(sync=True)
    presets = traitlets.Dict().tag(sync=True)
    x_text = traitlets.Unicode("").tag(sync=True)       # what the text boxes hold (as typed)
    k_text = traitlets.Unicode("").tag(sync=True)
    modes = traitlets.List(list(MODES)).tag(sync=True)
    custom = traitlets.Unicode(CUSTOM).tag(sync=True)
    max_size = traitlets.Int(MAX_SIZE).tag(sync=True)


def _whole(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return value


class SlidingKernelExplorer:
    """Live explorer: input, kernel and output grids; a step slider (with play) moves the window.

    Show it with ``SlidingKernelExplorer().view``; it reacts in JupyterLab and on the static
    website.
    Setters (``set_step``, ``set_position``, ``set_input``, ``set_kernel``, ``set_mode``,
    ``set_preset``) raise ValueError/TypeError naming the argument and the rule; junk typed
    into the view is refused there with a message, keeping the last good state. State:
    ``window``, ``output_cell``, ``value``, ``arithmetic``, ``output``, ``kernel_used``,
    ``step``, ``num_steps``, ``mode``, ``preset``, ``message``.

    >>> w = SlidingKernelExplorer(X=[[1, 2, 3]], K=[[1, -1]], mode="convolution")
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
        self._frame = self._model.at(self._check_step(step, self._model))
        presets = {name: [M.tolist() for M in make()] for name, make in PRESETS.items()}
        self.view = SlidingView(X=self._model.X.tolist(), K=self._model.K.tolist(), mode=mode,
                                step=step, preset=CUSTOM if custom else preset, presets=presets,
                                x_text=matrix_text(self._model.X),
                                k_text=matrix_text(self._model.K))
        self.view.guard(self._from_view)

    @staticmethod
    def _check_step(step, model):
        _whole(step, "step")
        if not 0 <= step < model.num_steps:
            raise ValueError(f"step must be in 0..{model.num_steps - 1}, got {step}")
        return step

    def _from_view(self):
        """The view changed the state: check it by the setters' rules and use it."""
        v = self.view
        model = Sliding(v.X, v.K, v.mode)
        self._model, self._frame = model, model.at(self._check_step(v.step, model))

    def _use(self, model, step, preset, message=""):
        self._model, self._frame = model, model.at(step)
        with self.view.updating():
            self.view.X, self.view.K = model.X.tolist(), model.K.tolist()
            self.view.mode, self.view.step, self.view.preset = model.mode, step, preset
            self.view.x_text, self.view.k_text = matrix_text(model.X), matrix_text(model.K)
            self.view.message = message

    # --- setters --------------------------------------------------------------------------
    def set_step(self, step):
        """Move the window to step ``step`` (row-major over the output)."""
        self._use(self._model, self._check_step(step, self._model), self.preset)

    def set_position(self, row, col):
        """Put the window's top-left corner on input cell (row, col)."""
        out_h, out_w = self._model.output.shape
        for name, value, n in (("row", row, out_h), ("col", col, out_w)):
            if not 0 <= _whole(value, name) < n:
                raise ValueError(f"{name} must be in 0..{n - 1} (where the kernel fits), "
                                 f"got {value}")
        self.set_step(row * out_w + col)

    def set_input(self, X):
        """Use a new input (tensor, array, nested list or text)."""
        self._values(self._given(X, "X"), None)

    def set_kernel(self, K):
        """Use a new kernel (tensor, array, nested list or text)."""
        self._values(None, self._given(K, "K"))

    @staticmethod
    def _given(value, name):
        if value is None:
            raise TypeError(f"{name} must be a tensor, array, nested list or text, got None")
        return value

    def set_mode(self, mode):
        """'cross-correlation' or 'convolution' (the kernel flipped on both axes)."""
        model = Sliding(self._model.X, self._model.K, mode)
        self._use(model, self.step, self.preset)

    def set_preset(self, name):
        """Load one of ``PRESETS`` (the chapter's examples)."""
        if name not in PRESETS:
            raise ValueError(f"name must be one of {list(PRESETS)}, got {name!r}")
        self._use(Sliding(*PRESETS[name](), self.mode), 0, name)

    def _values(self, X, K):
        X = self._model.X if X is None else parse_matrix(X, "X") if isinstance(X, str) else X
        K = self._model.K if K is None else parse_matrix(K, "K") if isinstance(K, str) else K
        model = Sliding(X, K, self.mode)
        self._use(model, min(self.step, model.num_steps - 1), CUSTOM)

    # --- read-only state ------------------------------------------------------------------
    step = property(lambda self: self._frame.step, doc="index of the current window (row-major)")
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
    preset = property(lambda self: self.view.preset, doc="the example shown, or CUSTOM")
    message = property(lambda self: self.view.message, doc="the view's refusal note, or ''")
    model = property(lambda self: self._model, doc="the underlying Sliding model")

    def figure(self, dpi=80):
        """The current step as a static matplotlib figure."""
        return sliding_figure(self._model, self.step, dpi)[0]
