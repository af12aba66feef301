"""Self-checks for the exercises of section 01 (book/01_cross_correlation.md)."""
import torch

from ..ops import corr2d, output_shape
from .answers import array_verdict, read_number, read_numbers, report, self_check, show


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
    return array_verdict(answer, expected, "the output", "that is the cross-correlation.",
                         f"{show(answer)} is not it.",
                         f"the output has shape {tuple(expected.shape)}; each entry is the sum of "
                         "the products under the kernel.")


@self_check
def check_conv_layer_parameters(answer, kernel_size):
    """Check the number of learnable parameters of convbook.layers.Conv2D(kernel_size)."""
    from ..layers import Conv2D

    expected = sum(p.numel() for p in Conv2D(kernel_size).parameters())
    ok = read_number(answer, whole=True, what="a parameter count") == expected
    return report(ok, f"Conv2D({kernel_size}) has {expected} parameters." if ok
                  else f"{show(answer)} is not the parameter count.",
                  "count the kernel's entries, then do not forget the bias.")


@self_check
def check_corr2d_matrix(answer, K, input_size):
    """Check a hand-written matrix M with M @ vec(X) == vec(corr2d(X, K)) for X of input_size."""
    from ..matrix import corr2d_matrix

    expected = corr2d_matrix(torch.as_tensor(K, dtype=torch.float64), input_size)
    rows, cols = expected.shape
    return array_verdict(answer, expected, "the matrix",
                         f"that {rows} x {cols} matrix computes the cross-correlation.",
                         "that is not the matrix of the cross-correlation.",
                         f"it has {rows} rows (one per output cell) and {cols} columns (one per "
                         "input cell); row r holds the kernel's weights at the input cells of "
                         "window r, zeros elsewhere.")
