"""Self-checks for the exercises at the end of each section.

Each check prints one clear line, PASS or FAIL with a hint, and returns True/False,
so a reader can call it after writing an answer:

>>> check_output_size((3, 3), 8, 6)
PASS: an 8x8 input and a 6x6 kernel give a 3x3 output.
True
"""
import torch

from .ops import output_shape

NOT_ANSWERED = "Not answered yet: replace None with your answer and run the cell again."


def report(ok, message, hint=""):
    """Print PASS/FAIL with the message (and the hint on failure); return ``ok``."""
    print(("PASS: " if ok else "FAIL: ") + message + ("" if ok or not hint else f" Hint: {hint}"))
    return ok


def answered(answer):
    """False (after telling the reader) when the answer is still None."""
    if answer is None:
        print(NOT_ANSWERED)
        return False
    return True


def close(answer, expected, atol=1e-4):
    """True when ``answer`` has the expected shape and values (tensors, arrays or numbers)."""
    try:
        answer = torch.as_tensor(answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return False
    expected = torch.as_tensor(expected, dtype=torch.float64)
    return answer.shape == expected.shape and torch.allclose(answer, expected, atol=atol)


# --- 01 cross-correlation -------------------------------------------------------------

def check_output_size(answer, input_size, kernel_size, padding=0, stride=1):
    """Check an (h, w) answer for the output size of a kernel sliding over an input."""
    if not answered(answer):
        return False
    expected = output_shape(input_size, kernel_size, padding, stride)
    n, k = (input_size, kernel_size)
    describe = f"an {n}x{n} input and a {k}x{k} kernel" if isinstance(n, int) and isinstance(
        k, int) else f"input {input_size} and kernel {kernel_size}"
    extras = "".join(f", {name} {v}" for name, v in (("padding", padding), ("stride", stride))
                     if v not in (0, 1))
    return report(tuple(answer) == expected,
                  f"{describe}{extras} give a {expected[0]}x{expected[1]} output." if
                  tuple(answer) == expected else f"{tuple(answer)} is not the output size "
                  f"for {describe}{extras}.",
                  "per axis the window fits floor((n + 2p - k) / s) + 1 times.")
