"""Checks of the values an explorer's state may hold, shared by its setters and by the changes
a view sends: each bounds the work and memory a value can ask for, and raises ValueError /
TypeError naming the argument and the rule before any work.

>>> small_matrix([[1, 2], [3, 4]], "X", 12).dtype
torch.float64
>>> check_nested_size([[0.0] * 13], "X", 12)
Traceback (most recent call last):
...
ValueError: X may be at most 12 long on each axis, got 13
"""
import torch

from ._checks import as_tensor, check_ndim

__all__ = ["check_nested_size", "small_matrix", "channel_layer", "finite_float32"]


def check_nested_size(value, name, limit):
    """Refuse nested lists longer than ``limit`` on any axis before they become a tensor (a
    bound on the work and memory a view's state can ask for)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            if len(item) > limit:
                raise ValueError(f"{name} may be at most {limit} long on each axis, "
                                 f"got {len(item)}")
            stack.extend(x for x in item if isinstance(x, (list, tuple)))


def small_matrix(value, name, max_size):
    """A 2-D float64 tensor of finite numbers, at most ``max_size`` a side; raises naming it."""
    check_nested_size(value, name, max_size)
    M = as_tensor(value, name)
    check_ndim(M, name, 2, "rows x columns")
    M = M.detach().to(torch.float64)
    if not torch.isfinite(M).all():
        raise ValueError(f"{name} must hold finite numbers (no inf or nan)")
    if max(M.shape) > max_size:
        raise ValueError(f"{name} may be at most {max_size}x{max_size} to stay legible, "
                         f"got {M.shape[0]}x{M.shape[1]}")
    return M


def channel_layer(X, K, bias=0.0, max_in=4, max_out=6, max_side=8):
    """Check a multi-channel example and return it as float32 tensors (X, K, bias).

    ``X``: c_i x h x w; ``K``: c_o x c_i x k_h x k_w (or c_i x k_h x k_w for one output
    channel); ``bias``: one number or one per output channel. Raises ValueError/TypeError
    naming the argument and the rule.

    >>> X, K, b = channel_layer(torch.ones(2, 3, 3), torch.ones(2, 2, 2))
    >>> tuple(K.shape), b.tolist()
    ((1, 2, 2, 2), [0.0])
    """
    check_nested_size(X, "X", max(max_in, max_side))
    check_nested_size(K, "K", max(max_out, max_side))
    X = as_tensor(X, "X").float()
    if X.dim() != 3:
        raise ValueError(f"X must be a 3-D tensor (channels x height x width), "
                         f"got shape {tuple(X.shape)}")
    if not (1 <= X.shape[0] <= max_in) or max(X.shape[1:]) > max_side or min(X.shape) < 1:
        raise ValueError(f"X must have 1 to {max_in} channels of at most {max_side}x{max_side}"
                         f", got shape {tuple(X.shape)}")
    K = as_tensor(K, "K").float()
    if K.dim() == 3:
        K = K[None]
    if K.dim() != 4:
        raise ValueError(f"K must be c_o x c_i x k_h x k_w (or c_i x k_h x k_w), "
                         f"got shape {tuple(K.shape)}")
    if K.shape[1] != X.shape[0]:
        raise ValueError(f"K must have one kernel slice per input channel: X has "
                         f"{X.shape[0]} channels, K has {K.shape[1]}")
    if not 1 <= K.shape[0] <= max_out:
        raise ValueError(f"K must have 1 to {max_out} output channels, got {K.shape[0]}")
    if K.shape[2] > X.shape[1] or K.shape[3] > X.shape[2] or min(K.shape) < 1:
        raise ValueError(f"K's kernels ({K.shape[2]}x{K.shape[3]}) must fit inside X "
                         f"({X.shape[1]}x{X.shape[2]})")
    for name, T in (("X", X), ("K", K)):
        if not torch.isfinite(T).all():
            raise ValueError(f"{name} must hold finite float32 numbers (no inf or nan)")
    bias = finite_float32(bias, "bias").reshape(-1)
    if bias.numel() == 1:
        bias = bias.repeat(K.shape[0])
    if bias.numel() != K.shape[0]:
        raise ValueError(f"bias must be one number or one per output channel "
                         f"({K.shape[0]}), got {bias.numel()}")
    return X, K.clone(), bias.clone()


def finite_float32(value, name):
    """``value`` as a float32 tensor, refused (ValueError) when a number is not finite in float32."""
    T = as_tensor(value, name)
    if T.is_floating_point() and not (T.double().abs() <= torch.finfo(torch.float32).max).all():
        raise ValueError(f"{name} must hold finite numbers of at most "
                         f"{torch.finfo(torch.float32).max:.3g} in size, got {value!r}")
    return T.float()
