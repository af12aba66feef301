"""convbook.textfmt: number text that reads back unchanged, float32 at its own precision, grid
cells rounded as Python rounds."""
import pytest
import torch

from convbook.textfmt import exact_number, format_number, matrix_text, parse_matrix


@pytest.mark.parametrize("value, text", [(0.125, "0.125"), (0.004, "0.004"), (1.0, "1"),
                                          (-2.5, "-2.5"), (1e-7, "1e-07"), (1e308, "1e+308"),
                                          (-0.0, "0"), (1 / 3, "0.3333333333333333")])
def test_exact_number_reads_back_unchanged(value, text):
    assert exact_number(value) == text and float(text) == value


def test_float32_values_are_written_at_float32_precision():
    M = torch.tensor([[0.1, 2.5]], dtype=torch.float32)
    assert matrix_text(M) == "0.1 2.5"
    assert torch.equal(parse_matrix(matrix_text(M)).float(), M)


def test_cell_format_rounds_ties_to_even_and_drops_negative_zero():
    assert [format_number(v) for v in (0.125, 0.375, -0.125, 2.675, -0.0, 3.0)] == \
        ["0.12", "0.38", "-0.12", "2.67", "0", "3"]
