"""Numbers and matrices as text, and typed matrices read back: shared by every view.

``matrix_text`` writes the shortest text that reads back to the same number (no rounding: a
text box filled by it and "applied" again must not change the values); ``format_number`` is
the short form shown inside grid cells (2 decimals).

>>> matrix_text([[0.125, 0.004], [1, -2]])
'0.125 0.004\\n1 -2'
>>> parse_matrix(matrix_text([[0.125, 0.004], [1, -2]])).tolist()
[[0.125, 0.004], [1.0, -2.0]]
>>> signed_number(-1.5)
'(-1.50)'
"""
import re

import numpy as np
import torch

__all__ = ["format_number", "signed_number", "exact_number", "matrix_text", "parse_matrix",
           "NUMBER"]

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
MAX_TEXT = 4000          # characters of typed matrix text read at most (a bound on the work)


def format_number(value):
    """A number as shown in a grid cell: integers plainly, others with 2 decimals."""
    value = float(value) + 0.0                 # -0.0 -> 0.0
    return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"


def signed_number(value):
    """A number for a sum or product: negative ones in parentheses, as in 3×(-1) + (-8)."""
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def exact_number(value, float32=False):
    """The shortest text that reads back to ``value`` (as float32 when ``float32``)."""
    value = np.float32(value) if float32 else np.float64(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return np.format_float_positional(value, trim="-", unique=True) if 1e-4 <= abs(value) < 1e15 \
        else np.format_float_scientific(value, trim="-", unique=True)


def matrix_text(M):
    """A matrix as text for a text box: one row per line, values separated by spaces, exact."""
    float32 = isinstance(M, torch.Tensor) and M.dtype == torch.float32
    rows = M.tolist() if isinstance(M, torch.Tensor) else M
    return "\n".join(" ".join(exact_number(v, float32) for v in row) for row in rows)


def parse_matrix(text, name="values"):
    """Rows of numbers (one row per line, or rows separated by ';') as a float64 tensor.

    Raises ValueError with a message for the reader when the text is not a matrix of finite
    numbers.

    >>> parse_matrix("1 2\\n3, -4.5")
    tensor([[ 1.0000,  2.0000],
            [ 3.0000, -4.5000]], dtype=torch.float64)
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ValueError(f"{name}: at most {MAX_TEXT} characters, got {len(text)}")
    lines = [line.strip() for line in re.split(r"[\n;]", text) if line.strip()]
    if not lines:
        raise ValueError(f"{name}: type at least one row of numbers")
    rows = []
    for number, line in enumerate(lines, 1):
        items = [item for item in re.split(r"[\s,]+", line.strip("[] ")) if item]
        bad = [item for item in items if not re.fullmatch(NUMBER, item)]
        if bad:
            raise ValueError(f"{name}, row {number}: {bad[0]!r} is not a number "
                             "(type finite numbers such as 2, -0.5 or 1e3)")
        values = [float(item) for item in items]
        if not all(np.isfinite(values)):
            raise ValueError(f"{name}, row {number}: numbers must be finite (no inf or nan)")
        rows.append(values)
    if len({len(row) for row in rows}) != 1:
        raise ValueError(f"{name}: every row needs the same number of values, got row lengths "
                         f"{[len(row) for row in rows]}")
    return torch.tensor(rows, dtype=torch.float64)
