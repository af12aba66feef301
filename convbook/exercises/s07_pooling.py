"""Self-checks for the exercises of section 07 (book/07_pooling.md)."""
import torch

from .._checks import pair, positive_int
from ..ops import corr2d
from .answers import (array_verdict, call_reader_function, close, read_numbers, read_tensor,
                      report, self_check, show)


@self_check
def check_pool2d(answer, X, pool_size, mode="max", padding=0, stride=None):
    """Check a hand-computed max or average pooling of X."""
    from ..ops import pool2d

    expected = pool2d(X, pool_size, mode=mode, padding=padding, stride=stride)
    return array_verdict(answer, expected, "the output", f"that is the {mode} pooling.",
                         f"{show(answer)} is not it.",
                         f"the output has shape {tuple(expected.shape)}; the stride defaults to "
                         "the window, and each entry is the "
                         + ("largest value" if mode == "max" else "mean") + " under its window.")


@self_check
def check_max_winner(answer, X, pool_size, position, padding=0, stride=None):
    """Check the (row, col) of the input cell that wins max pooling output ``position``; when
    several cells hold the window's max (compared in float64), any of them is right."""
    from .._checks import as_tensor
    from ..windows import max_winners

    size = pair(pool_size, "pool_size", 1)
    step = size if stride is None else pair(stride, "stride", 1)
    X = as_tensor(X, "X").to(torch.float64)
    pad = pair(padding, "padding", 0)
    winners = max_winners(X, size, pad, step)
    row, col = pair(position, "position", 0)
    if row >= winners.shape[0] or col >= winners.shape[1]:
        raise ValueError(f"position must be an output cell (row, col) with row < "
                         f"{winners.shape[0]} and col < {winners.shape[1]}, got {position!r}")
    expected = tuple(winners[row, col].tolist())
    given = read_numbers(answer, 2, what="a (row, col) pair")
    top, left = row * step[0] - pad[0], col * step[1] - pad[1]
    r, c = given
    window = X[max(top, 0):top + size[0], max(left, 0):left + size[1]]    # in float64
    ok = (top <= r < top + size[0] and left <= c < left + size[1]   # any cell tied for the max
          and 0 <= r < X.shape[0] and 0 <= c < X.shape[1]
          and bool(X[r, c] == window.max()))
    expected = given if ok else expected
    return report(ok, f"input cell {expected} holds the max of window {(row, col)}." if ok
                  else f"{show(answer)} does not win output {(row, col)}.",
                  "rows and columns count from 0; window (i, j) starts at input "
                  "(i * stride - padding, j * stride - padding).")


@self_check
def check_avg_pool_kernel(answer, pool_size=2):
    """Check a kernel K such that corr2d(X, K, stride=pool_size) is average pooling, on a
    random image with more windows than the kernel has weights (only the right K passes)."""
    from ..ops import pool2d

    side = positive_int(pool_size, "pool_size") * (pool_size + 1)
    X = torch.randn(side, side, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
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
    expected = torch.maximum(a, b)
    got, error = call_reader_function(answer, "your function", a, b)
    hint = "max(a, b) = b + ReLU(a - b); and b itself is ReLU(b) - ReLU(-b)."
    if error is not None:
        return report(False, error, hint)
    ok = close(got, expected)
    return report(ok, "that is max(a, b) for every pair." if ok
                  else "the result is not the elementwise maximum.", hint)
