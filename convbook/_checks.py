"""Argument checks shared by the ops: each raises before any work, naming the argument and the rule."""
import math
import reprlib
from numbers import Integral, Real

import torch


def as_tensor(value, name):
    """Return ``value`` as a real-valued torch tensor (numpy arrays and nested lists accepted)."""
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        try:
            tensor = torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError) as error:
            raise TypeError(f"{name} must be a numeric tensor or array, got {type(value).__name__}"
                            f" that cannot be converted ({error})") from None
    if tensor.dtype == torch.bool or tensor.is_complex() or not (
            tensor.is_floating_point() or tensor.dtype in _INT_DTYPES):
        raise TypeError(f"{name} must hold real numbers (int or float), got dtype {tensor.dtype}")
    return tensor


_INT_DTYPES = {torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64}


def check_ndim(tensor, name, ndim, layout):
    """Require ``tensor.dim() == ndim``; ``layout`` describes the axes, e.g. 'height x width'."""
    if tensor.dim() != ndim:
        raise ValueError(f"{name} must be a {ndim}-D tensor ({layout}), "
                         f"got {tensor.dim()}-D with shape {tuple(tensor.shape)}")
    if any(size == 0 for size in tensor.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(tensor.shape)}")


_repr = reprlib.Repr()          # messages quote at most a few items of a huge value
_repr.maxlist = _repr.maxtuple = 6
_repr.maxstring = _repr.maxother = 40
_short = _repr.repr


def pair(value, name, minimum):
    """An int or an (h, w) pair of ints, each >= ``minimum``, as a tuple."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2:
        raise ValueError(f"{name} must be an int or an (h, w) pair, got {_short(value)}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, Integral):
            raise TypeError(f"{name} must be an int or an (h, w) pair of ints, "
                            f"got {_short(value)}")
        if v < minimum:
            rule = "positive (>= 1)" if minimum == 1 else f">= {minimum}"
            raise ValueError(f"{name} must be {rule}, got {_short(value)}")
    return tuple(int(v) for v in values)


def check_fits(input_hw, kernel_hw, padding, dilation=(1, 1), kernel_name="K", input_name="X"):
    """The (dilated) kernel must fit inside the padded input on both axes."""
    for axis, n, k, p, d in zip(("height", "width"), input_hw, kernel_hw, padding, dilation):
        span = d * (k - 1) + 1
        if span > n + 2 * p:
            raise ValueError(
                f"{kernel_name} is larger than the padded input {input_name} along the {axis}: "
                f"kernel {span} > input {n} + 2*padding {p} = {n + 2 * p}; "
                f"the kernel must fit inside the padded input")


def positive_int(value, name):
    """A plain int >= 1."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a positive int, got {_short(value)}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int (>= 1), got {_short(value)}")
    return int(value)


def index_in(value, name, count):
    """A plain int in 0..count-1 (a position among ``count`` things), e.g. a channel or a step.

    >>> index_in(2, "channel", 6)
    2
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not 0 <= value < count:
        raise ValueError(f"{name} must be in 0..{count - 1}, got {value}")
    return value


def positive_number(value, name, unit=""):
    """A real number > 0 and finite (int or float, not a bool), e.g. a learning rate or a
    timeout; ``unit`` ends the rule, e.g. " of seconds"."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < math.inf:
        raise ValueError(f"{name} must be a positive finite number{unit}, got {_short(value)}")
    return value


def flag(value, name):
    """A real True/False: 1, 'no' or None would otherwise be read as booleans."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


MAX_ELEMENTS = 2 ** 27      # 134 million values: 1 GB in float64, far beyond any chapter example


def check_allocation(what, shape, cause):
    """Refuse, before any work, a tensor of ``shape`` with more than MAX_ELEMENTS values;
    ``what`` names the tensor and ``cause`` the arguments that make it so large."""
    elements = 1
    for size in shape:
        elements *= int(size)
    if elements > MAX_ELEMENTS:
        dims = " x ".join(str(int(size)) for size in shape)
        raise ValueError(f"{cause} makes {what} {dims} ({elements:,} values), more than the "
                         f"{MAX_ELEMENTS:,} convbook allows; use smaller sizes")
