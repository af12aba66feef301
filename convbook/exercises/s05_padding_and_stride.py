"""Self-checks for the exercises of section 05 (book/05_padding_and_stride.md)."""
import torch

from .._checks import positive_int
from .answers import call_reader_function, close, read_numbers, report, self_check, show


@self_check
def check_same_padding(answer, kernel_size, dilation=1):
    """Check the padding that keeps the output as large as the input (stride 1); the dilated
    kernel must span an odd number of cells, d(k - 1) + 1, for such a padding to exist."""
    k, d = positive_int(kernel_size, "kernel_size"), positive_int(dilation, "dilation")
    span = d * (k - 1) + 1
    if span % 2 == 0:
        raise ValueError(f"kernel_size {k} with dilation {d} spans {span} cells, an even number: "
                         "no equal padding on both sides keeps the size (use an odd span)")
    expected = (span - 1) // 2
    given = read_numbers(answer, 2, square=True, what="one number or an (h, w) pair")
    ok = given == (expected, expected)
    what = f"a {k}x{k} kernel" + (f" with dilation {d}" if d > 1 else "")
    return report(ok, f"padding {expected} on each side keeps the size for {what}." if ok
                  else f"padding {show(answer)} does not keep the size for {what}.",
                  "the output has n + 2p - d(k - 1) rows: make 2p equal d(k - 1).")


@self_check
def check_mirror_pad(answer):
    """Check a function ``answer(X, p)`` that mirror-pads a 2-D tensor X by p on every side
    (the border values reflected, the edge not repeated: PyTorch's ``mode="reflect"``)."""
    import torch.nn.functional as F

    X = torch.randn(4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    hint = ("build the padded rows from X[1:p + 1] flipped (top) and X[-p - 1:-1] flipped "
            "(bottom), then the same for the columns; the edge itself is not repeated.")
    for p in (1, 2, 3):
        expected = F.pad(X[None], (p, p, p, p), mode="reflect")[0]
        got, error = call_reader_function(answer, f"mirror_pad(X, {p})", X, p)
        if error is not None:
            return report(False, error, hint)
        if not close(got, expected):
            return report(False, f"mirror_pad(X, {p}) is not the mirror padding of a 4x5 X.",
                          hint)
    return report(True, "your mirror padding matches PyTorch's mode='reflect' for p = 1, 2, 3.")
