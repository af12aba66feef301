"""Self-checks for the exercises at the end of each section.

Each check prints one clear line, PASS or FAIL with a hint, and returns a Verdict (truthy
when it passed; it displays nothing in a notebook, so only the printed line shows),
so a reader can call it after writing an answer:

>>> ok = check_output_size((3, 3), 8, 6)
PASS: input 8, kernel 6, padding 0, stride 1 give a 3x3 output.
>>> bool(ok)
True

Answers are read by one small layer, so every check accepts the same forms (ints, floats,
numpy and torch scalars and arrays, lists, tuples) and answers junk with FAIL and a hint,
never a traceback:

>>> ok = check_output_size(np.array([3, 3]), 8, 6)
PASS: input 8, kernel 6, padding 0, stride 1 give a 3x3 output.
>>> ok = check_output_size("3x3", 8, 6)
FAIL: '3x3' is text, not a pair (h, w). Hint: write the number(s) without quotes.

A new check is decorated with ``@self_check`` (None -> "not answered", unreadable -> FAIL),
reads its answer with ``read_number``, ``read_numbers``, ``read_tensor`` or
``read_array_like``, and gets a row in the table of tests/test_exercises.py.
"""
import functools
from numbers import Integral, Real

import numpy as np
import torch

from ._checks import flag, pair, positive_int
from .ops import corr2d, output_shape

NOT_ANSWERED = "Not answered yet: replace None with your answer and run the cell again."


class Verdict:
    """True/False result of a check; shows nothing in a notebook (the check already printed)."""

    def __init__(self, ok):
        self.ok = bool(ok)

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"Verdict({self.ok})"

    def _ipython_display_(self):
        pass


def report(ok, message, hint=""):
    """Print PASS/FAIL with the message (and the hint on failure); return a Verdict."""
    print(("PASS: " if ok else "FAIL: ") + message + ("" if ok or not hint else f" Hint: {hint}"))
    return Verdict(ok)


# --- reading answers: one layer every check uses ------------------------------------------
# An answer may come as an int, a float, a numpy or torch scalar or array, a list or a tuple.
# The readers below turn it into a number, a tuple of numbers or a float64 tensor, or raise
# Unreadable, which the @self_check wrapper prints as FAIL with a hint (never a traceback).

class Unreadable(Exception):
    """The answer cannot be read as what the check expects; carries the FAIL message and hint."""

    def __init__(self, message, hint):
        super().__init__(message)
        self.message, self.hint = message, hint


def show(answer, width=60):
    """A short description of an answer for a FAIL line (long reprs are cut)."""
    text = repr(answer) if not isinstance(answer, torch.Tensor) else repr(answer.detach())
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def read_tensor(answer, what="an array of numbers"):
    """The answer as a float64 tensor of finite numbers (lists, tuples, numpy, torch, numbers).

    >>> read_tensor(np.array([[1, 2]])).tolist(), read_tensor(3).shape
    ([[1.0, 2.0]], torch.Size([]))
    """
    hint = f"answer with {what}, e.g. a nested list of numbers or a tensor."
    if isinstance(answer, torch.nn.Module):
        raise Unreadable(f"{type(answer).__name__} is a layer, not {what}.",
                         "pass its tensor, e.g. layer.weight.")
    if isinstance(answer, (str, bytes)):
        raise Unreadable(f"{show(answer)} is text, not {what}.",
                         "write the number(s) without quotes.")
    if isinstance(answer, torch.Tensor):
        array = answer.detach().cpu()
        kind = "b" if array.dtype == torch.bool else "c" if array.is_complex() else "f"
    else:
        try:
            array = np.asarray(answer)
            if array.dtype == object and all(
                    isinstance(v, Real) and not isinstance(v, (bool, np.bool_))
                    for v in array.ravel()):            # e.g. ints too large for int64
                array = array.astype(np.float64)
        except (TypeError, ValueError, OverflowError, RuntimeError):
            raise Unreadable(f"{show(answer)} is not {what}.", hint) from None
        kind = array.dtype.kind
    if kind not in "uif":
        name = {"b": "True/False values", "c": "complex numbers", "U": "text", "S": "text"}
        raise Unreadable(f"{show(answer)} holds {name.get(kind, 'things that are not numbers')}"
                         f", not {what}.", hint)
    tensor = torch.as_tensor(array, dtype=torch.float64)
    if not torch.isfinite(tensor).all():
        raise Unreadable(f"{show(answer)} is not finite (it holds nan or inf).",
                         "every entry must be a finite number.")
    return tensor


def _whole(value, hint):
    if value != round(value):
        raise Unreadable(f"{value!r} is not a whole number.", hint)
    return int(round(value))


def read_number(answer, whole=False, what="a number"):
    """One number (an int when ``whole``): a plain, numpy or torch scalar, or a one-element
    array or list.

    >>> read_number(np.float32(26.0), whole=True), read_number(torch.tensor([0.5]))
    (26, 0.5)
    """
    hint = f"answer with {what}, e.g. 26."
    if isinstance(answer, (bool, np.bool_)):
        raise Unreadable(f"{answer} is a truth value, not {what}.", hint)
    if isinstance(answer, Integral):           # exact, even for ints too large for a tensor
        return int(answer)
    values = read_tensor(answer, what)
    if values.numel() != 1:
        raise Unreadable(f"{show(answer)} holds {values.numel()} numbers, not one.", hint)
    value = values.reshape(()).item()
    return _whole(value, f"{what[0].upper() + what[1:]} is a whole number.") if whole else value


def read_numbers(answer, length, whole=True, square=False, what="a pair (h, w)"):
    """A tuple of ``length`` numbers (ints when ``whole``); with ``square`` one number n
    stands for (n, n, ...).

    >>> read_numbers(np.array([3, 3]), 2), read_numbers(torch.tensor(5), 2, square=True)
    ((3, 3), (5, 5))
    """
    hint = f"answer with {what} of {'whole ' if whole else ''}numbers, e.g. " \
           f"{tuple(range(3, 3 + length))}."
    if isinstance(answer, (bool, np.bool_)) or (isinstance(answer, Integral) and not square):
        raise Unreadable(f"{show(answer)} is not {what}.", hint)
    if isinstance(answer, Integral):
        return (int(answer),) * length
    values = read_tensor(answer, what)
    if square and values.numel() == 1:
        values = values.reshape(()).expand(length)
    if values.dim() != 1 or len(values) != length:
        raise Unreadable(f"{show(answer)} is not {what} ({length} numbers).", hint)
    if whole:
        return tuple(_whole(v, "each entry is a whole number.") for v in values.tolist())
    return tuple(values.tolist())


def close(answer, expected, atol=1e-4):
    """True when ``answer`` has the expected shape and values (tensors, arrays or numbers)."""
    try:
        answer = read_tensor(answer)
    except Unreadable:
        return Verdict(False)
    expected = torch.as_tensor(expected, dtype=torch.float64)
    return answer.shape == expected.shape and torch.allclose(answer, expected, atol=atol)


def read_array_like(answer, expected, what="the array"):
    """The answer as a float64 tensor shaped like ``expected``; a different shape is a FAIL
    whose hint gives the expected shape."""
    got = read_tensor(answer, what)
    shape = tuple(expected.shape)
    if tuple(got.shape) != shape:
        raise Unreadable(f"{show(answer)} has shape {tuple(got.shape)}, not {shape}.",
                         f"{what} has shape {shape}.")
    return got


def self_check(check):
    """Decorator for a check(answer, ...): None prints the not-answered line; an answer that
    cannot be read prints FAIL with a hint instead of raising."""
    @functools.wraps(check)
    def wrapper(answer, *args, **kwargs):
        if answer is None:
            print(NOT_ANSWERED)
            return Verdict(False)
        try:
            return check(answer, *args, **kwargs)
        except Unreadable as unreadable:
            return report(False, unreadable.message, unreadable.hint)
    return wrapper


# --- 01 cross-correlation -------------------------------------------------------------

@self_check
def check_output_size(answer, input_size, kernel_size, padding=0, stride=1):
    """Check an (h, w) answer for the output size of a kernel sliding over an input."""
    expected = output_shape(input_size, kernel_size, padding, stride)
    setting = f"input {input_size}, kernel {kernel_size}, padding {padding}, stride {stride}"
    ok = read_numbers(answer, 2) == expected
    return report(ok, f"{setting} give a {expected[0]}x{expected[1]} output." if ok
                  else f"{show(answer)} is not the output size (h, w) for {setting}.",
                  "per axis the window fits floor((n + 2p - k) / s) + 1 times.")


@self_check
def check_corr2d(answer, X, K):
    """Check a hand-computed cross-correlation of X with K."""
    expected = corr2d(X, K)
    ok = close(read_array_like(answer, expected, "the output"), expected)
    return report(ok, "that is the cross-correlation." if ok else f"{show(answer)} is not it.",
                  f"the output has shape {tuple(expected.shape)}; each entry is the sum of "
                  "the products under the kernel.")


@self_check
def check_conv_layer_parameters(answer, kernel_size):
    """Check the number of learnable parameters of convbook.layers.Conv2D(kernel_size)."""
    from .layers import Conv2D

    expected = sum(p.numel() for p in Conv2D(kernel_size).parameters())
    ok = read_number(answer, whole=True, what="a parameter count") == expected
    return report(ok, f"Conv2D({kernel_size}) has {expected} parameters." if ok
                  else f"{show(answer)} is not the parameter count.",
                  "count the kernel's entries, then do not forget the bias.")


@self_check
def check_corr2d_matrix(answer, K, input_size):
    """Check a hand-written matrix M with M @ vec(X) == vec(corr2d(X, K)) for X of input_size."""
    from .matrix import corr2d_matrix

    expected = corr2d_matrix(torch.as_tensor(K, dtype=torch.float64), input_size)
    ok = close(read_array_like(answer, expected, "the matrix"), expected)
    rows, cols = expected.shape
    return report(ok, f"that {rows} x {cols} matrix computes the cross-correlation." if ok
                  else "that is not the matrix of the cross-correlation.",
                  f"it has {rows} rows (one per output cell) and {cols} columns (one per "
                  "input cell); row r holds the kernel's weights at the input cells of "
                  "window r, zeros elsewhere.")


# --- 06 channels ---------------------------------------------------------------------

@self_check
def check_corr2d_multi_in(answer, X, K):
    """Check a hand-computed multi-input-channel cross-correlation of X (c_i x h x w) with K."""
    from .ops import corr2d_multi_in

    expected = corr2d_multi_in(X, K)
    ok = close(read_array_like(answer, expected, "the output"), expected)
    return report(ok, "that is the sum over channels." if ok else f"{show(answer)} is not it.",
                  f"correlate each input channel with its own kernel slice, then add the "
                  f"{len(X)} results entry by entry; the output has shape {tuple(expected.shape)}.")


def _cost_pair(answer):
    """(parameters, flops) from a pair or from a dict keyed by name (any case, 'params' too)."""
    if not isinstance(answer, dict):
        return read_numbers(answer, 2, what="a (parameters, flops) pair")
    found = {}
    for key, value in answer.items():
        name = str(key).lower()
        slot = 0 if name.startswith("param") else 1 if name.startswith("flop") else None
        if slot is None or slot in found:
            raise Unreadable(f"{show(answer)} has a key {key!r} that is neither parameters "
                             "nor flops (or names one twice).",
                             "use {'parameters': ..., 'flops': ...} or a (parameters, flops) pair.")
        found[slot] = read_number(value, whole=True,
                                  what=("a parameter count", "a FLOP count")[slot])
    if len(found) != 2:
        raise Unreadable(f"{show(answer)} does not give both parameters and flops.",
                         "use {'parameters': ..., 'flops': ...} or a (parameters, flops) pair.")
    return found[0], found[1]


@self_check
def check_conv2d_cost(answer, in_channels, out_channels, kernel_size, output_size):
    """Check a (parameters, flops) answer (or a dict with those keys) for one convolutional
    layer with bias."""
    from .ops import conv2d_cost

    cost = conv2d_cost(in_channels, out_channels, kernel_size, output_size)
    expected = (cost["parameters"], cost["flops"])
    got = _cost_pair(answer)
    if got == expected:
        return report(True, f"{expected[0]:,} parameters and {expected[1]:,} FLOPs.")
    hint = ("parameters: c_o * c_i * k_h * k_w weights plus c_o biases." if got[0] != expected[0]
            else "FLOPs: 2 per multiply-add (c_o * h_out * w_out * c_i * k_h * k_w of them) "
                 "plus 1 per bias add (c_o * h_out * w_out).")
    return report(False, f"{got[0]:,} parameters and {got[1]:,} FLOPs is not right.", hint)


@self_check
def check_grayscale_1x1(answer):
    """Check a 1x1 kernel (1 x 3 or 1 x 3 x 1 x 1) that averages 3 channels into one."""
    from .ops import corr2d_multi_in_out_1x1

    X = torch.arange(3 * 4 * 5, dtype=torch.float64).reshape(3, 4, 5) % 7
    K = read_tensor(answer, "a 1 x 3 kernel")
    try:
        got = corr2d_multi_in_out_1x1(X, K)
    except (TypeError, ValueError, RuntimeError) as error:
        return report(False, f"that kernel cannot be applied ({error}).",
                      "a kernel from 3 input channels to 1 output has shape 1 x 3 (x 1 x 1).")
    ok = close(got, X.mean(0, keepdim=True))
    return report(ok, "one output channel, the mean of the three inputs at every pixel." if ok
                  else "the output is not the mean of the three channels.",
                  "every weight is one third.")


def _call_reader_function(answer, name, *args):
    """Run the reader's function on args: (result, None), or (None, the FAIL line to print)."""
    if not callable(answer):
        return None, f"{show(answer)} is not a function; pass the function itself to the check."
    try:
        got = answer(*args)
    except Exception as error:              # the reader's code: report, never raise
        return None, f"{name} raised {type(error).__name__}: {error}."
    if got is None:
        return None, f"{name} returned None; write its body and return the result."
    return got, None


@self_check
def check_composed_kernel(answer, K1, K2):
    """Check a single kernel K with corr2d(X, K) == corr2d(corr2d(X, K1), K2) for every X."""
    K1 = torch.as_tensor(K1, dtype=torch.float64)
    K2 = torch.as_tensor(K2, dtype=torch.float64)
    size = tuple(a + b - 1 for a, b in zip(K1.shape, K2.shape))
    X = torch.randn(9, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    got, error = _try_corr2d(X, answer)
    hint = (f"the combined kernel is {size[0]}x{size[1]} (k1 + k2 - 1 per axis); entry (u, v) "
            "adds K1[u - a, v - b] * K2[a, b] over all (a, b) where both exist.")
    if error is not None:
        return report(False, f"that kernel cannot be applied ({error}).", hint)
    ok = close(got, corr2d(corr2d(X, K1), K2))
    return report(ok, f"one {size[0]}x{size[1]} kernel does the work of both layers." if ok
                  else "corr2d(X, K) differs from applying K1, then K2.", hint)


@self_check
def check_conv_memory(answer, in_channels, out_channels, kernel_size, input_size, padding=0,
                      stride=1):
    """Check how many numbers a forward pass of one conv layer (with bias) keeps in memory:
    input + weights + biases + output."""
    c_i, c_o, k, n = in_channels, out_channels, kernel_size, input_size
    h, w = output_shape(n, k, padding, stride)
    expected = c_i * n * n + c_o * c_i * k * k + c_o + c_o * h * w
    ok = read_number(answer, whole=True, what="a count of numbers") == expected
    return report(ok, f"{expected:,} numbers: input {c_i * n * n:,}, weights "
                  f"{c_o * c_i * k * k:,}, biases {c_o}, output {c_o * h * w:,}." if ok
                  else f"{show(answer)} is not the number of values in memory.",
                  f"add the input (c_i*h*w), the weights (c_o*c_i*k*k), the biases (c_o) and "
                  f"the output (c_o x {h} x {w}).")


@self_check
def check_conv_as_matmul(answer):
    """Check a function ``answer(X, K)`` computing a multi-channel cross-correlation
    (X: c_i x h x w, K: c_o x c_i x k_h x k_w) with one matrix product (im2col)."""
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(0)
    hint = ("stack every window, flattened to c_i*k_h*k_w numbers, as one column of a matrix; "
            "then K.reshape(c_o, -1) @ columns, reshaped to c_o x h' x w'.")
    for c_i, c_o, h, w, k_h, k_w in [(2, 3, 5, 6, 2, 3), (3, 1, 4, 4, 3, 3), (1, 2, 3, 5, 1, 1)]:
        X = torch.randn(c_i, h, w, dtype=torch.float64, generator=generator)
        K = torch.randn(c_o, c_i, k_h, k_w, dtype=torch.float64, generator=generator)
        got, error = _call_reader_function(answer, f"your function on X {tuple(X.shape)}, "
                                           f"K {tuple(K.shape)}", X, K)
        if error is not None:
            return report(False, error, hint)
        if not close(got, F.conv2d(X[None], K)[0]):
            return report(False, f"for X {tuple(X.shape)} and K {tuple(K.shape)} the result "
                          "is not the cross-correlation.", hint)
    return report(True, "your matrix product computes the multi-channel cross-correlation.")


# --- 07 pooling ----------------------------------------------------------------------

@self_check
def check_pool2d(answer, X, pool_size, mode="max", padding=0, stride=None):
    """Check a hand-computed max or average pooling of X."""
    from .ops import pool2d

    expected = pool2d(X, pool_size, mode=mode, padding=padding, stride=stride)
    ok = close(read_array_like(answer, expected, "the output"), expected)
    return report(ok, f"that is the {mode} pooling." if ok else f"{show(answer)} is not it.",
                  f"the output has shape {tuple(expected.shape)}; the stride defaults to the "
                  "window, and each entry is the "
                  + ("largest value" if mode == "max" else "mean") + " under its window.")


@self_check
def check_max_winner(answer, X, pool_size, position, padding=0, stride=None):
    """Check the (row, col) of the input cell that wins max pooling output ``position``."""
    from ._checks import as_tensor
    from .windows import max_winners

    size = pair(pool_size, "pool_size", 1)
    step = size if stride is None else pair(stride, "stride", 1)
    winners = max_winners(as_tensor(X, "X"), size, pair(padding, "padding", 0), step)
    row, col = pair(position, "position", 0)
    if row >= winners.shape[0] or col >= winners.shape[1]:
        raise ValueError(f"position must be an output cell (row, col) with row < "
                         f"{winners.shape[0]} and col < {winners.shape[1]}, got {position!r}")
    expected = tuple(winners[row, col].tolist())
    ok = read_numbers(answer, 2, what="a (row, col) pair") == expected
    return report(ok, f"input cell {expected} holds the max of window {(row, col)}." if ok
                  else f"{show(answer)} does not win output {(row, col)}.",
                  "rows and columns count from 0; window (i, j) starts at input "
                  "(i * stride - padding, j * stride - padding).")


@self_check
def check_avg_pool_kernel(answer, pool_size=2):
    """Check a kernel K such that corr2d(X, K, stride=pool_size) is average pooling."""
    from .ops import pool2d

    X = torch.arange(36, dtype=torch.float64).reshape(6, 6) % 5
    K = read_tensor(answer, f"a {pool_size}x{pool_size} kernel")
    try:
        got = corr2d(X, K, stride=pool_size)
    except (TypeError, ValueError, RuntimeError) as error:
        return report(False, f"that kernel cannot be applied ({error}).",
                      f"the kernel has the window's shape, {pool_size}x{pool_size}.")
    ok = close(got, pool2d(X, pool_size, mode="avg"))
    return report(ok, "a strided convolution with that kernel is average pooling." if ok
                  else "the strided convolution does not give the window means.",
                  "every entry is 1 / (number of cells in the window).")


@self_check
def check_max_via_relu(answer):
    """Check a function ``answer(a, b)`` computing max(a, b) elementwise from ReLU, sums and
    differences only."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(50, dtype=torch.float64, generator=generator)
    b = torch.randn(50, dtype=torch.float64, generator=generator)
    a[:5] = b[:5]                                 # ties too
    got, error = _call_reader_function(answer, "your function", a, b)
    hint = "max(a, b) = b + ReLU(a - b); and b itself is ReLU(b) - ReLU(-b)."
    if error is not None:
        return report(False, error, hint)
    ok = close(got, torch.maximum(a, b))
    return report(ok, "that is max(a, b) for every pair." if ok
                  else "the result is not the elementwise maximum.", hint)


# --- 00 from fully connected layers to convolutions -----------------------------------

@self_check
def check_dense_parameters(answer, inputs, outputs, bias=True):
    """Check the number of parameters of a fully connected layer from ``inputs`` to ``outputs``."""
    inputs, outputs = positive_int(inputs, "inputs"), positive_int(outputs, "outputs")
    flag(bias, "bias")
    expected = inputs * outputs + (outputs if bias else 0)
    ok = read_number(answer, whole=True, what="a parameter count") == expected
    return report(ok, f"{inputs:,} inputs to {outputs:,} outputs take "
                  f"{expected:,} parameters." if ok
                  else f"{show(answer)} is not the parameter count.",
                  "one weight per (input, output) pair" + (", plus one bias per output." if bias
                                                           else "."))


@self_check
def check_influence(answer, input_size, kernel_size):
    """Check a (conv, dense) pair: how many input pixels one output pixel depends on, for a
    kernel_size x kernel_size convolution and for a fully connected layer on an
    input_size x input_size image. Counted with autograd, not by formula."""
    n, k = positive_int(input_size, "input_size"), positive_int(kernel_size, "kernel_size")
    if k > n:
        raise ValueError(f"kernel_size must be at most input_size ({n}), got {k}")
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(n, n, dtype=torch.float64, generator=generator, requires_grad=True)
    K = torch.rand(k, k, dtype=torch.float64, generator=generator) + 0.1
    Y = corr2d(X, K)
    Y[Y.shape[0] // 2, Y.shape[1] // 2].backward()
    conv = int((X.grad != 0).sum())
    X.grad = None
    W = torch.rand(n * n, n * n, dtype=torch.float64, generator=generator) + 0.1
    (W @ X.reshape(-1))[0].backward()
    expected = (conv, int((X.grad != 0).sum()))
    ok = read_numbers(answer, 2, what="a (conv count, dense count) pair") == expected
    return report(ok, f"one output sees {expected[0]} input pixels through the {k}x"
                  f"{k} kernel and all {expected[1]} through the dense layer." if ok
                  else f"{show(answer)} is not (conv count, dense count).",
                  "the kernel covers k*k pixels; a dense layer connects every input to every "
                  "output.")


# --- 02 edge detection -----------------------------------------------------------------

def _edge_image():
    X = torch.ones(6, 8, dtype=torch.float64)
    X[:, 2:6] = 0
    return X


def _try_corr2d(X, answer, **kwargs):
    """corr2d(X, answer) or the error that says why the answer cannot be a kernel."""
    K = read_tensor(answer, "a 2-D kernel")
    try:
        return corr2d(X, K, **kwargs), None
    except (TypeError, ValueError, RuntimeError) as error:
        return None, error


@self_check
def check_horizontal_edge_kernel(answer):
    """Check a kernel K that finds the horizontal edges of the transposed 6x8 edge image the
    way [[1, -1]] finds the vertical edges of the original: corr2d(X.T, K) == corr2d(X, [[1, -1]]).T."""
    X = _edge_image()
    got, error = _try_corr2d(X.T, answer)
    if error is not None:
        return report(False, f"that kernel cannot be applied ({error}).",
                      "it is a 2-D kernel, e.g. [[a], [b]].")
    expected = corr2d(X, torch.tensor([[1.0, -1.0]], dtype=torch.float64)).T
    ok = close(got, expected)
    return report(ok, "it marks the horizontal edges: +1 where bright turns dark going down, "
                  "-1 where dark turns bright." if ok
                  else "corr2d(X.T, K) is not the transposed edge map.",
                  "transpose the kernel too: one column, upper value minus lower value.")


@self_check
def check_shift_kernel(answer):
    """Check a 3x3 kernel K with corr2d(X, K, padding=1) == X moved one pixel to the right."""
    X = (torch.arange(30, dtype=torch.float64).reshape(5, 6) * 7) % 11
    got, error = _try_corr2d(X, answer, padding=1)
    if error is not None:
        return report(False, f"that kernel cannot be applied ({error}).", "use a 3x3 kernel.")
    expected = torch.zeros_like(X)
    expected[:, 1:] = X[:, :-1]
    ok = close(got, expected)
    return report(ok, "the output is the input moved one pixel to the right." if ok
                  else "corr2d(X, K, padding=1) is not X moved right by one pixel.",
                  "output (i, j) must copy input (i, j - 1): which kernel cell sits over "
                  "the left neighbour?")


@self_check
def check_directional_kernel(answer, direction):
    """Check a kernel whose response on every linear ramp f(i, j) = a*i + b*j + c is the rate
    of change along ``direction`` = (rows, cols): a*rows + b*cols (no padding)."""
    rows, cols = direction
    i, j = torch.meshgrid(torch.arange(9.0, dtype=torch.float64),
                          torch.arange(9.0, dtype=torch.float64), indexing="ij")
    ok, error = True, None
    for a, b, c in [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (2.0, -3.0, 0.5)]:
        got, error = _try_corr2d(a * i + b * j + c, answer)
        if error is not None:
            break
        ok = ok and close(got, torch.full_like(got, a * rows + b * cols))
    if error is not None:
        return report(False, f"that kernel cannot be applied ({error}).",
                      "give a small 2-D kernel, e.g. [[a, b], [c, d]].")
    return report(ok, f"on every ramp a*i + b*j + c it gives a*{rows} + b*{cols}." if ok
                  else f"on a ramp the response is not the rate of change along {direction}.",
                  "subtract a pixel from the one a step along the direction away; the "
                  "entries must sum to 0 so a constant image gives 0.")


@self_check
def check_derivative_kernel(answer, order):
    """Check a 1 x w kernel (or a flat list) that returns the ``order``-th derivative exactly on
    every polynomial row of degree <= order (no padding)."""
    import math

    K = read_tensor(answer, "a row of weights")
    K = K.reshape(1, -1) if K.dim() == 1 else K
    j = torch.arange(12.0, dtype=torch.float64)[None] - 5
    ok, error = True, None
    for degree in range(order + 1):
        got, error = _try_corr2d(j ** degree, K)
        if error is not None:
            break
        expected = math.factorial(order) if degree == order else 0.0
        ok = ok and close(got, torch.full_like(got, expected))
    if error is not None:
        return report(False, f"that kernel cannot be applied ({error}).",
                      "give one row of weights, e.g. [[a, b, c]].")
    return report(ok, f"it returns the derivative of order {order} exactly on polynomials of "
                  f"degree <= {order}." if ok
                  else f"it is not an exact derivative of order {order}.",
                  "difference the first-difference kernel [-1, 1] with itself "
                  f"{order - 1} time(s); you need at least {order + 1} weights.")


# --- 03 learning a kernel --------------------------------------------------------------

@self_check
def check_flipped_kernel(answer, K):
    """Check the kernel a cross-correlation layer learns from data made by strict convolution
    with K (it is K flipped on both axes)."""
    expected = torch.as_tensor(K, dtype=torch.float64).flip(0, 1)
    ok = close(read_array_like(answer, expected, "the kernel"), expected)
    return report(ok, f"it learns K flipped, {expected.tolist()}." if ok
                  else f"{show(answer)} is not what the layer learns.",
                  "strict convolution with K is cross-correlation with K flipped on both axes.")


@self_check
def check_learned_kernel(answer, K, atol=0.05):
    """Check a learned kernel (a tensor, e.g. layer.weight) against the true kernel K; leading
    axes of size 1 (nn.Conv2d keeps 1 x 1 x k_h x k_w) are dropped, nothing else is reshaped."""
    K = torch.as_tensor(K, dtype=torch.float64)
    got = read_tensor(answer, "a kernel")
    while got.dim() > K.dim() and got.shape[0] == 1:
        got = got[0]
    if got.shape != K.shape:
        return report(False, f"the learned kernel has shape {tuple(got.shape)}, the true one "
                      f"{tuple(K.shape)}.", "a k_h x k_w kernel: check the kernel_size of "
                      "your layer (rows first, then columns).")
    ok = close(got, K, atol=atol)
    return report(ok, f"the learned kernel is within {atol} of {K.tolist()}."
                  if ok else "the learned kernel is not close to the true one yet.",
                  "train longer or with a larger learning rate.")


# --- 04 receptive fields / 05 padding and stride ----------------------------------------

@self_check
def check_receptive_field(answer, layers, quantity="size"):
    """Check the receptive field ``quantity`` ("size", "stride" or "padding", one number per
    axis; a square answer may be one int) of the last layer of ``layers``, typed as in the
    receptive-field widget, e.g. "conv 3; conv 3; pool 2; conv 3"."""
    if quantity not in ("size", "stride", "padding"):
        raise ValueError(f"quantity must be 'size', 'stride' or 'padding', got {quantity!r}")
    from .receptive import receptive_field
    from .netspec import layers_from_text

    expected = tuple(getattr(receptive_field(layers_from_text(layers))[-1], quantity))
    ok = read_numbers(answer, 2, square=True, what="one number or an (h, w) pair") == expected
    name = {"size": "receptive field", "stride": "effective stride (jump)",
            "padding": "effective padding"}[quantity]
    hint = {"size": "each layer adds (k - 1) times the product of the strides before it.",
            "stride": "multiply the strides of all layers.",
            "padding": "each layer adds its padding times the product of the strides before it."}
    return report(ok, f"the {name} of '{layers}' is {expected[0]}x{expected[1]}." if ok
                  else f"{show(answer)} is not the {name} of '{layers}'.", hint[quantity])


@self_check
def check_network_field(answer, network, quantity="size"):
    """Check the receptive field ``quantity`` ("size", "stride" or "padding") of the last
    feature map of ``network``, any model ``receptive_field`` follows (e.g.
    ``convbook.architectures.resnet50()``); a square answer may be one number."""
    if quantity not in ("size", "stride", "padding"):
        raise ValueError(f"quantity must be 'size', 'stride' or 'padding', got {quantity!r}")
    from .receptive import receptive_field

    expected = tuple(getattr(receptive_field(network)[-1], quantity))
    ok = read_numbers(answer, 2, square=True, what="one number or an (h, w) pair") == expected
    name = {"size": "receptive field", "stride": "effective stride",
            "padding": "effective padding"}[quantity]
    return report(ok, f"the {name} of {type(network).__name__}'s last map is "
                  f"{expected[0]}x{expected[1]}." if ok
                  else f"{show(answer)} is not the {name} of {type(network).__name__}'s last map.",
                  "follow every branch: a layer adds (k - 1) times the jump of its input, and "
                  "a merge keeps the widest of its inputs' fields.")


@self_check
def check_same_padding(answer, kernel_size, dilation=1):
    """Check the padding that keeps the output as large as the input (stride 1); the dilated
    kernel must span an odd number of cells, d(k - 1) + 1, for such a padding to exist."""
    k, d = positive_int(kernel_size, "kernel_size"), positive_int(dilation, "dilation")
    span = d * (k - 1) + 1
    if span % 2 == 0:
        raise ValueError(f"kernel_size {k} with dilation {d} spans {span} cells, an even number: "
                         "no equal padding on both sides keeps the size (use an odd span)")
    expected = (span - 1) // 2
    given = read_numbers(answer, 2, square=True, what="one number or an (h, w) pair")
    ok = given == (expected, expected)
    what = f"a {k}x{k} kernel" + (f" with dilation {d}" if d > 1 else "")
    return report(ok, f"padding {expected} on each side keeps the size for {what}." if ok
                  else f"padding {show(answer)} does not keep the size for {what}.",
                  "the output has n + 2p - d(k - 1) rows: make 2p equal d(k - 1).")


@self_check
def check_mirror_pad(answer):
    """Check a function ``answer(X, p)`` that mirror-pads a 2-D tensor X by p on every side
    (the border values reflected, the edge not repeated: PyTorch's ``mode="reflect"``)."""
    import torch.nn.functional as F

    X = (torch.arange(20, dtype=torch.float64).reshape(4, 5) * 7) % 11
    hint = ("build the padded rows from X[1:p + 1] flipped (top) and X[-p - 1:-1] flipped "
            "(bottom), then the same for the columns; the edge itself is not repeated.")
    for p in (1, 2, 3):
        got, error = _call_reader_function(answer, f"mirror_pad(X, {p})", X.clone(), p)
        if error is not None:
            return report(False, error, hint)
        if not close(got, F.pad(X[None], (p, p, p, p), mode="reflect")[0]):
            return report(False, f"mirror_pad(X, {p}) is not the mirror padding of a 4x5 X.",
                          hint)
    return report(True, "your mirror padding matches PyTorch's mode='reflect' for p = 1, 2, 3.")


# --- 08 LeNet (appended by the LeNet section) --------------------------------------------------

def _lenet_layers():
    from .layers import LeNet
    net = LeNet()
    X, shapes = torch.zeros(1, 1, 28, 28), []
    for layer in net:
        X = layer(X)
        shapes.append((type(layer).__name__, tuple(X.shape[1:]),
                       sum(p.numel() for p in layer.parameters())))
    return shapes


def _lenet_index(layer, count):
    if isinstance(layer, bool) or not isinstance(layer, Integral) or not 0 <= layer < count:
        raise ValueError(f"layer must be an index 0..{count - 1} into LeNet(), got {layer!r}")
    return int(layer)


@self_check
def check_lenet_shape(answer, layer):
    """Check the output shape of ``LeNet()[layer]`` for one 28x28 image: (channels, height,
    width) after a convolution or pooling, (features,) after Flatten or Linear."""
    layers = _lenet_layers()
    name, expected, _ = layers[_lenet_index(layer, len(layers))]
    shape_text = "a (channels, height, width) shape" if len(expected) == 3 else \
        f"a shape of {len(expected)} number(s)"
    ok = read_numbers(answer, len(expected), square=len(expected) == 1,
                      what=shape_text) == expected
    return report(ok, f"LeNet's layer {layer} ({name}) outputs {expected}." if ok else
                  f"{show(answer)} is not the output shape of LeNet's layer {layer} ({name}).",
                  "the first convolution pads by 2 (28 stays 28), the second does not "
                  "(n - 5 + 1), and each pooling halves the height and width.")


@self_check
def check_lenet_parameters(answer, layer=None):
    """Check the parameter count of ``LeNet()[layer]`` (weights + biases), or of the whole net."""
    layers = _lenet_layers()
    if layer is not None:
        layer = _lenet_index(layer, len(layers))
    expected = sum(p for _, _, p in layers) if layer is None else layers[layer][2]
    what = "LeNet" if layer is None else f"LeNet's layer {layer} ({layers[layer][0]})"
    ok = read_number(answer, whole=True, what="a parameter count") == expected
    return report(ok, f"{what} has {expected:,} parameters." if ok else
                  f"{show(answer)} is not the number of parameters of {what}.",
                  "a Conv2d has c_out * c_in * k * k weights + c_out biases; a Linear "
                  "n_in * n_out weights + n_out biases.")


def _class_of(item, class_names):
    """A class name from a name or an index into class_names."""
    if isinstance(item, (str, np.str_)):
        if str(item) not in class_names:
            raise Unreadable(f"{item!r} is not one of the class names.",
                             f"use names from {tuple(class_names)}.")
        return str(item)
    index = read_number(item, whole=True, what="a class name or index")
    if not 0 <= index < len(class_names):
        raise Unreadable(f"{index} is not a class index 0..{len(class_names) - 1}.",
                         f"use names from {tuple(class_names)}.")
    return class_names[index]


@self_check
def check_most_confused(answer, counts, class_names):
    """Check (true class, predicted class) of the largest off-diagonal cell of a confusion matrix;
    the classes may be given by name or by index."""
    from ._checks import as_tensor

    counts = as_tensor(counts, "counts").to(torch.float64)       # uint8 would wrap -1 to 255
    if counts.dim() != 2 or counts.shape[0] != counts.shape[1] or len(counts) < 2:
        raise ValueError(f"counts must be a square confusion matrix, got shape "
                         f"{tuple(counts.shape)}")
    if len(class_names) != len(counts):
        raise ValueError(f"class_names must name all {len(counts)} classes, got "
                         f"{len(class_names)}")
    class_names = tuple(class_names)
    off = counts.clone()
    off.fill_diagonal_(-float("inf"))
    items = list(answer) if isinstance(answer, (tuple, list)) or (
        isinstance(answer, (np.ndarray, torch.Tensor)) and answer.ndim == 1) else None
    if items is None or len(items) != 2:
        raise Unreadable(f"{show(answer)} is not a (true class, predicted class) pair.",
                         "answer with two names from the class names, e.g. "
                         f"{class_names[:2]}.")
    given = [_class_of(item, class_names) for item in items]
    i, j = (class_names.index(name) for name in given)
    ok = bool(off[i, j] == off.max())                  # any of several tied cells is right
    return report(ok, f"the most frequent mistake: {given[0]} predicted as {given[1]} "
                  f"({int(counts[i, j])} times)." if ok else
                  f"{show(answer)} is not the largest off-diagonal cell.",
                  "ignore the diagonal (correct answers); rows are true classes, columns "
                  "predictions; answer with two names from FASHION_MNIST_LABELS.")


@self_check
def check_chance_loss(answer, num_classes=10):
    """Check the cross-entropy loss of a classifier that gives every class the same probability."""
    import math

    num_classes = positive_int(num_classes, "num_classes")
    expected = math.log(num_classes)
    ok = abs(read_number(answer, what="a loss") - expected) < 1e-3
    return report(ok, f"guessing uniformly among {num_classes} classes costs ln {num_classes} = "
                  f"{expected:.4f} per example." if ok else
                  f"{show(answer)} is not the loss of a uniform guess over {num_classes} classes.",
                  "the loss is -log(probability of the true class), and every class gets 1/n.")


@self_check
def check_modern_lenet(net):
    """Check a modernised LeNet: ReLU instead of sigmoid, max instead of average pooling, and
    LeNet's shapes and parameter count otherwise."""
    from torch import nn

    from .layers import LeNet

    if not isinstance(net, nn.Module):
        return report(False, f"{type(net).__name__} is not a torch.nn.Module.",
                      "build it with LeNet(activation=..., pool=...).")
    kinds = {type(m) for m in net.modules()}
    try:
        with torch.no_grad():
            shape = tuple(net(torch.zeros(1, 1, 28, 28)).shape)
    except (RuntimeError, TypeError, ValueError, AttributeError):    # not a 28x28 classifier
        shape = None
    same_size = (sum(p.numel() for p in net.parameters())
                 == sum(p.numel() for p in LeNet().parameters()))
    ok = (nn.ReLU in kinds and nn.MaxPool2d in kinds and nn.Sigmoid not in kinds
          and nn.AvgPool2d not in kinds and shape == (1, 10) and same_size)
    return report(ok, "ReLU and max pooling, with LeNet's shapes and 61,706 parameters." if ok
                  else "this network is not LeNet with ReLU and max pooling.",
                  "LeNet takes the activation and the pooling as arguments: "
                  "LeNet(activation=nn.ReLU, pool=nn.MaxPool2d).")


@self_check
def check_most_different_map(answer, maps_a, maps_b):
    """Check the index of the feature map (C x H x W) whose mean absolute difference between
    two inputs is largest."""
    a, b = torch.as_tensor(maps_a, dtype=torch.float32), torch.as_tensor(maps_b,
                                                                          dtype=torch.float32)
    if a.dim() != 3 or a.shape != b.shape:
        raise ValueError(f"maps_a and maps_b must be C x H x W of one shape, got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    differences = (a - b).abs().mean((1, 2))
    expected = int(differences.argmax())
    ok = read_number(answer, whole=True, what="a map index") == expected
    return report(ok, f"map {expected} differs most (mean |difference| "
                  f"{differences[expected]:.3f})." if ok else
                  f"{show(answer)} is not the map that differs most.",
                  "subtract the two stacks of maps, take the absolute value and average each "
                  "map over its rows and columns; the largest mean wins.")
