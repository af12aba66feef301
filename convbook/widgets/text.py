"""How the widgets write matrices and numbers as text, and read typed matrices back.

>>> parse_matrix(matrix_text([[1, -2], [3, 4.5]]))
tensor([[ 1.0000, -2.0000],
        [ 3.0000,  4.5000]], dtype=torch.float64)
>>> signed_number(-1.5)
'(-1.50)'
"""
import re

import torch

from ..htmlgrid import format_number

__all__ = ["signed_number", "matrix_text", "parse_matrix"]

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def signed_number(value):
    """A number for a sum or product: negative ones in parentheses, as in 3×(-1) + (-8)."""
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def matrix_text(M):
    """A matrix as text for a Textarea: one row per line, values separated by spaces."""
    rows = M.tolist() if isinstance(M, torch.Tensor) else M
    return "\n".join(" ".join(format_number(v) for v in row) for row in rows)


def parse_matrix(text, name="values"):
    """Rows of numbers (one row per line, or rows separated by ';') as a float64 tensor.

    Raises ValueError with a message for the reader when the text is not a matrix.

    >>> parse_matrix("1 2\\n3, -4.5")
    tensor([[ 1.0000,  2.0000],
            [ 3.0000, -4.5000]], dtype=torch.float64)
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be text, got {type(text).__name__}")
    lines = [line.strip() for line in re.split(r"[\n;]", text) if line.strip()]
    if not lines:
        raise ValueError(f"{name}: type at least one row of numbers")
    rows = []
    for number, line in enumerate(lines, 1):
        items = [item for item in re.split(r"[\s,]+", line.strip("[] ")) if item]
        bad = [item for item in items if not re.fullmatch(_NUMBER, item)]
        if bad:
            raise ValueError(f"{name}, row {number}: {bad[0]!r} is not a number "
                             "(type finite numbers such as 2, -0.5 or 1e3)")
        rows.append([float(item) for item in items])
    if len({len(row) for row in rows}) != 1:
        raise ValueError(f"{name}: every row needs the same number of values, got row lengths "
                         f"{[len(row) for row in rows]}")
    return torch.tensor(rows, dtype=torch.float64)
