"""Self-checks for the exercises at the end of each section.

Each check prints one clear line, PASS or FAIL with a hint, and returns a Verdict (truthy
when it passed; it displays nothing in a notebook, so only the printed line shows),
so a reader can call it after writing an answer:

>>> ok = check_output_size((3, 3), 8, 6)
PASS: input 8, kernel 6, padding 0, stride 1 give a 3x3 output.
>>> bool(ok)
True
"""
import torch

from .ops import corr2d, output_shape

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


def answered(answer):
    """False (after telling the reader) when the answer is still None."""
    if answer is None:
        print(NOT_ANSWERED)
        return Verdict(False)
    return Verdict(True)


def close(answer, expected, atol=1e-4):
    """True when ``answer`` has the expected shape and values (tensors, arrays or numbers)."""
    try:
        answer = torch.as_tensor(answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return Verdict(False)
    expected = torch.as_tensor(expected, dtype=torch.float64)
    return answer.shape == expected.shape and torch.allclose(answer, expected, atol=atol)


# --- 01 cross-correlation -------------------------------------------------------------

def check_output_size(answer, input_size, kernel_size, padding=0, stride=1):
    """Check an (h, w) answer for the output size of a kernel sliding over an input."""
    if not answered(answer):
        return Verdict(False)
    expected = output_shape(input_size, kernel_size, padding, stride)
    setting = f"input {input_size}, kernel {kernel_size}, padding {padding}, stride {stride}"
    ok = tuple(answer) == expected
    return report(ok, f"{setting} give a {expected[0]}x{expected[1]} output." if ok
                  else f"{tuple(answer)} is not the output size for {setting}.",
                  "per axis the window fits floor((n + 2p - k) / s) + 1 times.")


def check_corr2d(answer, X, K):
    """Check a hand-computed cross-correlation of X with K."""
    if not answered(answer):
        return Verdict(False)
    expected = corr2d(X, K)
    ok = close(answer, expected)
    return report(ok, "that is the cross-correlation." if ok else f"{answer} is not it.",
                  f"the output has shape {tuple(expected.shape)}; each entry is the sum of "
                  "the products under the kernel.")


def check_conv_layer_parameters(answer, kernel_size):
    """Check the number of learnable parameters of convbook.layers.Conv2D(kernel_size)."""
    if not answered(answer):
        return Verdict(False)
    from .layers import Conv2D

    expected = sum(p.numel() for p in Conv2D(kernel_size).parameters())
    return report(answer == expected, f"Conv2D({kernel_size}) has {expected} parameters."
                  if answer == expected else f"{answer} is not the parameter count.",
                  "count the kernel's entries, then do not forget the bias.")
