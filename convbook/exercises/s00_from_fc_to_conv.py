"""Self-checks for the exercises of section 00 (book/00_from_fc_to_conv.md)."""
import torch

from .._checks import flag, positive_int
from ..ops import corr2d
from .answers import read_number, read_numbers, report, self_check, show


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
