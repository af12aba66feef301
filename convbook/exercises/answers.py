"""Reading a reader's answer: one layer every self-check uses.

An answer may come as an int, a float, a numpy or torch scalar or array, a list or a tuple.
The readers below turn it into a number, a tuple of numbers or a float64 tensor, or raise
:class:`Unreadable`, which the :func:`self_check` wrapper prints as FAIL with a hint (never a
traceback). A check prints one line, PASS or FAIL with a hint, through :func:`report`, and
returns a :class:`Verdict`.

>>> read_numbers(np.array([3, 3]), 2)
(3, 3)
>>> ok = self_check(lambda answer: report(read_number(answer) == 1, "one."))("1")
FAIL: '1' is text, not a number. Hint: write the number(s) without quotes.
"""
import functools
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


def call_reader_function(answer, name, *args):
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


def try_corr2d(X, answer, **kwargs):
    """corr2d(X, answer) or the error that says why the answer cannot be a kernel."""
    K = read_tensor(answer, "a 2-D kernel")
    try:
        return corr2d(X, K, **kwargs), None
    except (TypeError, ValueError, RuntimeError) as error:
        return None, error
