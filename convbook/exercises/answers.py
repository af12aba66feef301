"""Reading a reader's answer: one layer every self-check uses.

An answer may come as an int, a float, a numpy or torch scalar or array, a list or a tuple.
The readers below turn it into a number, a tuple of numbers or a float64 tensor, or raise
:class:`Unreadable`, which the :func:`self_check` wrapper prints as FAIL with a hint (never a
traceback). A check prints one line, PASS or FAIL with a hint, through :func:`report`, and
returns a :class:`Verdict`.

The rules every check follows, so that a wrong answer cannot pass:

- whole numbers are compared exactly, as Python ints: a float answer too large for its type to
  hold every whole number (a float32 above 2**24) is refused, not rounded into agreement;
- the reader's function runs on copies (:func:`call_reader_function`), so it cannot change the
  inputs the expected value is computed from, and any exception it raises is a FAIL;
- test inputs are random (seeded) so no wrong answer agrees with the right one by accident.

>>> read_numbers(np.array([3, 3]), 2)
(3, 3)
>>> ok = self_check(lambda answer: report(read_number(answer) == 1, "one."))("1")
FAIL: '1' is text, not a number. Hint: write the number(s) without quotes.
"""
import copy
import functools
import math
from numbers import Integral, Real

import numpy as np
import torch

from ..ops import corr2d

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
        array = _plain_tensor(answer, what, hint)
        kind = "b" if array.dtype == torch.bool else "c" if array.is_complex() else "f"
    else:
        try:
            array = np.asarray(answer)
            if array.dtype == object and all(
                    isinstance(v, Real) and not isinstance(v, (bool, np.bool_))
                    for v in array.ravel()):            # e.g. ints too large for int64
                array = array.astype(np.float64)
        except Exception:                   # whatever the answer's own conversion raises
            raise Unreadable(f"{show(answer)} is not {what}.", hint) from None
        kind = array.dtype.kind
        if kind == "f" and array.dtype.itemsize > 8:            # np.longdouble
            array = array.astype(np.float64)
    if kind not in "uif":
        name = {"b": "True/False values", "c": "complex numbers", "U": "text", "S": "text"}
        raise Unreadable(f"{show(answer)} holds {name.get(kind, 'things that are not numbers')}"
                         f", not {what}.", hint)
    try:
        tensor = torch.as_tensor(array, dtype=torch.float64)
    except Exception:
        raise Unreadable(f"{show(answer)} is not {what}.", hint) from None
    if not torch.isfinite(tensor).all():
        raise Unreadable(f"{show(answer)} is not finite (it holds nan or inf).",
                         "every entry must be a finite number.")
    return tensor


def _plain_tensor(answer, what, hint):
    """A dense tensor on the CPU holding the answer's values; Unreadable for a tensor that has
    none (meta) or no single shape (nested); sparse and quantized tensors are read densely."""
    kind = ("on the meta device (it holds no values)" if answer.is_meta else
            "nested (its parts have different shapes)" if answer.is_nested else None)
    if kind is not None:
        raise Unreadable(f"that tensor is {kind}, not {what}.", hint)
    try:
        array = answer.detach()
        if array.is_quantized:
            array = array.dequantize()
        if array.layout != torch.strided:
            array = array.to_dense()
        return array.cpu()
    except Exception as error:
        raise Unreadable(f"that tensor cannot be read ({type(error).__name__}).", hint) from None


def _exact_bound(answer):
    """2**(mantissa bits + 1) when the answer is written in floating point (every whole number
    up to it is exact in that type), else None (ints are exact)."""
    if isinstance(answer, torch.Tensor):
        return 2 ** (round(-math.log2(torch.finfo(answer.dtype).eps)) + 1) \
            if answer.dtype.is_floating_point else None
    if isinstance(answer, float):
        return 2 ** 53
    if isinstance(answer, (list, tuple)):
        bounds = [_exact_bound(item) for item in answer]
        bounds = [b for b in bounds if b is not None]
        return min(bounds) if bounds else None
    dtype = getattr(answer, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1)
    return None


def _integer_values(answer):
    """The entries of an integer-typed numpy or torch array as Python ints (exact even beyond
    2**53, where the float64 reading rounds), else None."""
    if isinstance(answer, torch.Tensor) and answer.layout == torch.strided \
            and not answer.is_quantized and not answer.dtype.is_floating_point \
            and not answer.is_complex() and answer.dtype != torch.bool:
        return tuple(int(v) for v in answer.detach().reshape(-1).tolist())
    if isinstance(answer, np.ndarray) and answer.dtype.kind in "iu":
        return tuple(int(v) for v in answer.reshape(-1).tolist())
    return None


def _exact_whole(answer, values, what):
    """Refuse whole numbers a floating-point answer cannot hold exactly: a float32 above
    2**24 may be an off-by-a-few answer rounded into the right one."""
    bound = _exact_bound(answer)
    if bound is not None and any(abs(v) > bound for v in values):
        raise Unreadable(f"{show(answer)} is stored in floating point, which rounds whole "
                         f"numbers above {bound:,}: it cannot say which one you meant.",
                         f"write {what} as a Python int, e.g. int(...) of an exact count.")


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
    if not whole:
        return value
    _exact_whole(answer, [value], what)
    exact = _integer_values(answer)
    if exact is not None and len(exact) == 1:
        return exact[0]
    return _whole(value, f"{what[0].upper() + what[1:]} is a whole number.")


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
        _exact_whole(answer, values.tolist(), what)
        exact = _integer_values(answer)
        if exact is not None and len(exact) == length:
            return exact
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


def array_verdict(answer, expected, what, right, wrong, hint):
    """The verdict on an array answer: PASS with ``right`` when it has ``expected``'s shape and
    values, FAIL with ``wrong`` and ``hint`` otherwise (a wrong shape FAILs naming ``what``'s
    shape)."""
    ok = close(read_array_like(answer, expected, what), expected)
    return report(ok, right if ok else wrong, hint)


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


def call_reader_function(answer, name, *args):
    """Run the reader's function on copies of args: (result, None), or (None, the FAIL line to
    print). The copies keep the reader's function from changing the check's own inputs (an
    expected value computed from them stays right), and any exception it raises is a FAIL.

    >>> a = torch.ones(2)
    >>> got, error = call_reader_function(lambda x: x.mul_(3), "f", a)
    >>> a.tolist(), got.tolist(), error
    ([1.0, 1.0], [3.0, 3.0], None)
    """
    if not callable(answer):
        return None, f"{show(answer)} is not a function; pass the function itself to the check."
    try:
        args = tuple(arg.detach().clone() if isinstance(arg, torch.Tensor)
                     else copy.deepcopy(arg) for arg in args)
        got = answer(*args)
    except Exception as error:              # the reader's code: report, never raise
        return None, f"{name} raised {type(error).__name__}: {error}."
    if got is None:
        return None, f"{name} returned None; write its body and return the result."
    return got, None


def try_corr2d(X, answer, **kwargs):
    """corr2d(X, answer) or the error that says why the answer cannot be a kernel."""
    K = read_tensor(answer, "a 2-D kernel")
    try:
        return corr2d(X, K, **kwargs), None
    except (TypeError, ValueError, RuntimeError) as error:
        return None, error
