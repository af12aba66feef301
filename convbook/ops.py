"""Convolution arithmetic from the chapter, vectorised and checked against torch.nn.functional.

Every function takes torch tensors (numpy arrays and nested lists are converted),
returns torch tensors, is differentiable, and raises ValueError/TypeError naming the
argument and the rule before doing any work.

>>> X = torch.arange(9.0).reshape(3, 3)
>>> K = torch.arange(4.0).reshape(2, 2)
>>> corr2d(X, K)
tensor([[19., 25.],
        [37., 43.]])
"""
import torch
import torch.nn.functional as F

from ._checks import (as_tensor, check_allocation, check_fits, check_ndim, flag, pair,
                      positive_int)

__all__ = ["output_shape", "corr2d", "corr2d_loop", "conv2d", "corr2d_multi_in",
           "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "pool2d", "conv2d_cost"]


def output_shape(input_size, kernel_size, padding=0, stride=1, dilation=1):
    """Output (h, w) of a convolution or pooling window sliding over an input.

    Per axis: floor((n + 2p - d(k-1) - 1) / s) + 1. With p=0, s=1, d=1 this is n - k + 1.

    >>> output_shape(8, 3, padding=1, stride=2)
    (4, 4)
    """
    n = pair(input_size, "input_size", 1)
    k = pair(kernel_size, "kernel_size", 1)
    p = pair(padding, "padding", 0)
    s = pair(stride, "stride", 1)
    d = pair(dilation, "dilation", 1)
    check_fits(n, k, p, d, kernel_name="kernel_size", input_name="input_size")
    return tuple((n[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


def _exact_dtype(tensors, terms=1):
    """The floating dtype to compute in: the promoted one (ints -> the default float dtype),
    or float64 when integer inputs hold values, or sums of ``terms`` products of them, that
    the promoted dtype cannot represent exactly (float32 holds integers up to 2**24 only). A
    ValueError names the inputs when even float64 (2**53) cannot: ints are never rounded."""
    dtype = tensors[0][1].dtype
    for _, t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    if not dtype.is_floating_point:
        dtype = torch.get_default_dtype()
    ints = [(name, t) for name, t in tensors if not t.is_floating_point()]
    if not ints:
        return dtype
    largest = [max(int(t.max()), -int(t.min())) if t.numel() else 0 for _, t in ints]
    if len(ints) == len(tensors):      # all integers: every partial sum must be exact too
        bound = terms
        for value in largest:
            bound *= value
    else:                              # mixed with floats: the integers must convert exactly
        bound = max(largest)
    exact = {torch.float16: 2 ** 11, torch.bfloat16: 2 ** 8, torch.float32: 2 ** 24,
             torch.float64: 2 ** 53}
    if bound <= exact.get(dtype, 2 ** 53):
        return dtype
    if bound <= 2 ** 53:
        return torch.float64
    names = " and ".join(name for name, _ in ints)
    raise ValueError(f"{names} hold integers whose results reach {bound:.3g}, beyond 2**53: no "
                     "floating dtype holds them exactly, and convbook does not round integer "
                     "inputs; use smaller integers or convert to float yourself")


def _float_pair(X, K, terms=1):
    """Promote X and K to one floating dtype that keeps integer inputs exact."""
    dtype = _exact_dtype([("X", X), ("K", K)], terms)
    return X.to(dtype), K.to(dtype)


def _correlate(X, K, padding, stride, dilation=(1, 1)):
    """Core: X is c_i x h x w, K is c_o x c_i x k_h x k_w; returns c_o x out_h x out_w.

    Two vectorised strategies, picked by measurement (benchmarks/bench_ops.py):
    one channel in and out, shift-and-add (loop over the k_h*k_w kernel offsets, each a
    whole-image multiply-add, never a loop over pixels); otherwise im2col, where every
    window becomes a column and one matrix product does all the work.
    """
    check_fits(X.shape[1:], K.shape[2:], padding, dilation)
    out_h, out_w = output_shape(X.shape[1:], K.shape[2:], padding, stride, dilation)
    c_o, c_i, k_h, k_w = K.shape
    h, w = X.shape[1:]
    padded = [X.shape[0]] + [n + 2 * p for n, p in zip(X.shape[1:], padding)]
    check_allocation("the padded input", padded,
                     f"X of {c_i} x {h} x {w} with padding {padding}")
    check_allocation("the output", (c_o, out_h, out_w),
                     f"K's {c_o} output channels on the {out_h}x{out_w} output (X {h}x{w}, "
                     f"padding {padding}, stride {stride})")
    if c_o * c_i > 1:
        check_allocation("the im2col matrix", (c_i * k_h * k_w, out_h * out_w),
                         f"a {c_i} x {k_h}x{k_w} kernel on the {out_h}x{out_w} output "
                         f"(X {h}x{w}, padding {padding}, stride {stride})")
    X, K = _float_pair(X, K, c_i * k_h * k_w)
    # a stride longer than the padded input gives one window, whatever its value: clamp it
    # so that huge strides (10**30) do not overflow the slicing arithmetic
    stride = tuple(min(s, n) for s, n in zip(stride, padded[1:]))
    (p_h, p_w), (s_h, s_w), (d_h, d_w) = padding, stride, dilation
    X = F.pad(X, (p_w, p_w, p_h, p_h))
    if c_o == c_i == 1:
        Y = X.new_zeros((out_h, out_w))
        for a in range(k_h):
            for b in range(k_w):
                window = X[0, a * d_h: a * d_h + s_h * (out_h - 1) + 1: s_h,
                           b * d_w: b * d_w + s_w * (out_w - 1) + 1: s_w]
                Y = Y.addcmul_(window, K[0, 0, a, b])      # Y += window * K[a, b], fused
        return Y[None]
    windows = X.unfold(1, d_h * (k_h - 1) + 1, s_h).unfold(2, d_w * (k_w - 1) + 1, s_w)
    windows = windows[..., ::d_h, ::d_w]                      # c_i x out_h x out_w x k_h x k_w
    columns = windows.permute(0, 3, 4, 1, 2).reshape(c_i * k_h * k_w, out_h * out_w)
    return (K.reshape(c_o, -1) @ columns).reshape(c_o, out_h, out_w)


def corr2d(X, K, padding=0, stride=1, dilation=1):
    """2-D cross-correlation of a 2-D input X with a 2-D kernel K (zero padding).

    ``padding``, ``stride`` and ``dilation`` are ints or (h, w) pairs.

    >>> corr2d(torch.ones(8, 8), torch.ones(3, 3), padding=1, stride=2).shape
    torch.Size([4, 4])
    """
    X, K = as_tensor(X, "X"), as_tensor(K, "K")
    check_ndim(X, "X", 2, "height x width")
    check_ndim(K, "K", 2, "k_h x k_w")
    return _correlate(X[None], K[None, None], pair(padding, "padding", 0),
                      pair(stride, "stride", 1), pair(dilation, "dilation", 1))[0]


def corr2d_loop(X, K):
    """The chapter's explicit double loop over output pixels. Slow: for teaching only.

    >>> corr2d_loop(torch.arange(9.0).reshape(3, 3), torch.arange(4.0).reshape(2, 2))
    tensor([[19., 25.],
            [37., 43.]])
    """
    X, K = as_tensor(X, "X"), as_tensor(K, "K")
    check_ndim(X, "X", 2, "height x width")
    check_ndim(K, "K", 2, "k_h x k_w")
    check_fits(X.shape, K.shape, (0, 0))
    X, K = _float_pair(X, K, K.numel())
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def conv2d(X, K, padding=0, stride=1, dilation=1):
    """Strict 2-D convolution: cross-correlation with the kernel flipped on both axes.

    >>> conv2d(torch.tensor([[0., 1., 0.]]), torch.tensor([[1., 2.]]))
    tensor([[1., 2.]])
    """
    K = as_tensor(K, "K")
    check_ndim(K, "K", 2, "k_h x k_w")
    return corr2d(X, K.flip(0, 1), padding=padding, stride=stride, dilation=dilation)


def corr2d_multi_in(X, K, padding=0, stride=1):
    """Multi-input-channel cross-correlation: X is c_i x h x w, K is c_i x k_h x k_w.

    Each channel is correlated with its own kernel slice and the results are summed.

    >>> corr2d_multi_in(torch.ones(2, 3, 3), torch.ones(2, 2, 2))
    tensor([[8., 8.],
            [8., 8.]])
    """
    X, K = as_tensor(X, "X"), as_tensor(K, "K")
    check_ndim(X, "X", 3, "channels x height x width")
    check_ndim(K, "K", 3, "channels x k_h x k_w")
    _check_channels(X.shape[0], K.shape[0])
    return _correlate(X, K[None], pair(padding, "padding", 0), pair(stride, "stride", 1))[0]


def corr2d_multi_in_out(X, K, padding=0, stride=1):
    """Multi-input, multi-output: X is c_i x h x w, K is c_o x c_i x k_h x k_w -> c_o x h' x w'.

    >>> corr2d_multi_in_out(torch.ones(2, 3, 3), torch.ones(4, 2, 2, 2)).shape
    torch.Size([4, 2, 2])
    """
    X, K = as_tensor(X, "X"), as_tensor(K, "K")
    check_ndim(X, "X", 3, "channels x height x width")
    check_ndim(K, "K", 4, "out_channels x in_channels x k_h x k_w")
    _check_channels(X.shape[0], K.shape[1])
    return _correlate(X, K, pair(padding, "padding", 0), pair(stride, "stride", 1))


def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution as one matrix product: (c_o x c_i) @ (c_i x h*w).

    K may be c_o x c_i x 1 x 1 or c_o x c_i. Every pixel goes through the same
    fully connected layer across channels.

    >>> corr2d_multi_in_out_1x1(torch.ones(3, 2, 2), torch.ones(2, 3, 1, 1))[:, 0, 0]
    tensor([3., 3.])
    """
    X, K = as_tensor(X, "X"), as_tensor(K, "K")
    check_ndim(X, "X", 3, "channels x height x width")
    if K.dim() == 4:
        if tuple(K.shape[2:]) != (1, 1):
            raise ValueError(f"K must be a 1x1 kernel (c_o x c_i x 1 x 1), got shape {tuple(K.shape)}")
        K = K[:, :, 0, 0]
    check_ndim(K, "K", 2, "out_channels x in_channels, or out x in x 1 x 1")
    _check_channels(X.shape[0], K.shape[1])
    c_i, h, w = X.shape
    check_allocation("the output", (K.shape[0], h, w),
                     f"K's {K.shape[0]} output channels on X's {h}x{w} pixels")
    X, K = _float_pair(X, K, c_i)
    return (K @ X.reshape(c_i, h * w)).reshape(K.shape[0], h, w)


def _check_channels(x_channels, k_channels):
    if x_channels != k_channels:
        raise ValueError(f"K must have as many input channels as X: X has {x_channels}, "
                         f"K has {k_channels}")


def pool2d(X, pool_size, mode="max", padding=0, stride=None):
    """Max or average pooling of X (h x w, or c x h x w pooled per channel).

    ``stride`` defaults to ``pool_size`` (as in PyTorch). Max pooling pads with -inf,
    average pooling with zeros that count in the mean (PyTorch's defaults); padding may
    be at most half the window. When several cells of a window tie for the maximum, the
    gradient goes to the first of them in row-major order, as in ``F.max_pool2d``
    (not shared among them).

    >>> pool2d(torch.arange(9.0).reshape(3, 3), 2, stride=1)
    tensor([[4., 5.],
            [7., 8.]])
    """
    X = as_tensor(X, "X")
    if X.dim() not in (2, 3):
        raise ValueError(f"X must be a 2-D (height x width) or 3-D (channels x height x width) "
                         f"tensor, got {X.dim()}-D with shape {tuple(X.shape)}")
    if X.numel() == 0:
        raise ValueError(f"X must not be empty, got shape {tuple(X.shape)}")
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    size = pair(pool_size, "pool_size", 1)
    pad = pair(padding, "padding", 0)
    step = size if stride is None else pair(stride, "stride", 1)
    for p, k in zip(pad, size):
        if 2 * p > k:
            raise ValueError(f"padding must be at most half of pool_size, got padding {padding!r} "
                             f"for pool_size {pool_size!r}")
    check_fits(X.shape[-2:], size, pad, kernel_name="pool_size")
    padded = (X.shape[-2] + 2 * pad[0], X.shape[-1] + 2 * pad[1])
    check_allocation("the padded input", X.shape[:-2] + padded, f"padding {padding!r}")
    step = tuple(min(s, n) for s, n in zip(step, padded))     # one window either way
    if not X.is_floating_point():       # exact: float32 up to 2**24, else float64
        X = X.to(_exact_dtype([("X", X)]))
    fill = float("-inf") if mode == "max" else 0.0
    Xp = F.pad(X, (pad[1], pad[1], pad[0], pad[0]), value=fill)
    windows = Xp.unfold(-2, size[0], step[0]).unfold(-2, size[1], step[1])
    if mode == "avg":
        return windows.mean(dim=(-2, -1))
    # max over the flattened window: on ties the gradient goes to the first maximum only
    return windows.flatten(-2).max(dim=-1).values


def conv2d_cost(in_channels, out_channels, kernel_size, output_size, bias=True):
    """Parameters and FLOPs of one convolutional layer (2 per multiply-add, plus 1 per bias add).

    >>> conv2d_cost(3, 64, 3, 224)
    {'parameters': 1792, 'flops': 176619520}
    """
    flag(bias, "bias")
    c_i = positive_int(in_channels, "in_channels")
    c_o = positive_int(out_channels, "out_channels")
    k_h, k_w = pair(kernel_size, "kernel_size", 1)
    h, w = pair(output_size, "output_size", 1)
    macs = c_o * h * w * c_i * k_h * k_w
    return {"parameters": c_o * c_i * k_h * k_w + (c_o if bias else 0),
            "flops": 2 * macs + (c_o * h * w if bias else 0)}
