"""Self-checks for the exercises of section 06 (book/06_channels.md)."""
import torch

from ..ops import corr2d, output_shape
from .answers import (Unreadable, array_verdict, call_reader_function, close, read_number,
                      read_numbers, read_tensor, report, self_check, show, try_corr2d)


@self_check
def check_corr2d_multi_in(answer, X, K):
    """Check a hand-computed multi-input-channel cross-correlation of X (c_i x h x w) with K."""
    from ..ops import corr2d_multi_in

    expected = corr2d_multi_in(X, K)
    return array_verdict(answer, expected, "the output", "that is the sum over channels.",
                         f"{show(answer)} is not it.",
                         f"correlate each input channel with its own kernel slice, then add the "
                         f"{len(X)} results entry by entry; the output has shape "
                         f"{tuple(expected.shape)}.")


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
    from ..ops import conv2d_cost

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
    from ..ops import corr2d_multi_in_out_1x1

    X = torch.randn(3, 4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
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


@self_check
def check_composed_kernel(answer, K1, K2):
    """Check a single kernel K with corr2d(X, K) == corr2d(corr2d(X, K1), K2) for every X."""
    K1 = torch.as_tensor(K1, dtype=torch.float64)
    K2 = torch.as_tensor(K2, dtype=torch.float64)
    size = tuple(a + b - 1 for a, b in zip(K1.shape, K2.shape))
    X = torch.randn(9, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    got, error = try_corr2d(X, answer)
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
        expected = F.conv2d(X[None], K)[0]
        got, error = call_reader_function(answer, f"your function on X {tuple(X.shape)}, "
                                           f"K {tuple(K.shape)}", X, K)
        if error is not None:
            return report(False, error, hint)
        if not close(got, expected):
            return report(False, f"for X {tuple(X.shape)} and K {tuple(K.shape)} the result "
                          "is not the cross-correlation.", hint)
    return report(True, "your matrix product computes the multi-channel cross-correlation.")
