"""Self-checks for the exercises of section 02 (book/02_edge_detection.md)."""
import torch

from ..ops import corr2d
from .answers import close, read_tensor, report, self_check, try_corr2d


def _edge_image():
    X = torch.ones(6, 8, dtype=torch.float64)
    X[:, 2:6] = 0
    return X


@self_check
def check_horizontal_edge_kernel(answer):
    """Check a kernel K that finds the horizontal edges of the transposed 6x8 edge image the
    way [[1, -1]] finds the vertical edges of the original: corr2d(X.T, K) == corr2d(X, [[1, -1]]).T."""
    X = _edge_image()
    got, error = try_corr2d(X.T, answer)
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
    X = torch.randn(5, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    got, error = try_corr2d(X, answer, padding=1)
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
        got, error = try_corr2d(a * i + b * j + c, answer)
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
        got, error = try_corr2d(j ** degree, K)
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
