"""The pure models behind the explorers (no widgets): window geometry against brute force and
convbook.ops, exact number text, bounded inputs, the per-network receptive-field model."""
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook.geometry import (WindowGeometry, channel_layer, check_nested_size, dropped_lines,
                               small_matrix)
from convbook.netspec import NetworkFields, layers_from_text
from convbook.ops import corr2d
from convbook.textfmt import exact_number, format_number, matrix_text, parse_matrix

sides = st.integers(1, 9)


@settings(max_examples=120, deadline=None)
@given(sides, sides, st.integers(1, 4), st.integers(1, 4), st.integers(0, 3), st.integers(0, 3),
       st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3))
def test_cells_and_dropped_lines_match_brute_force(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w,
                                                   d_h, d_w):
    g = WindowGeometry((n_h, n_w), (k_h, k_w), (p_h, p_w), (s_h, s_w), (d_h, d_w))
    if not g.fits:
        assert g.output_shape is None and g.dropped_input() == ((), ())
        return
    X = torch.arange(1.0, n_h * n_w + 1).reshape(n_h, n_w)
    padded = torch.nn.functional.pad(X, (p_w, p_w, p_h, p_h))
    out = corr2d(X, torch.ones(k_h, k_w), (p_h, p_w), (s_h, s_w), (d_h, d_w))
    assert tuple(out.shape) == g.output_shape
    used_rows, used_cols = set(), set()
    for index in range(g.window_count):
        cells = g.cells(index)
        assert [(r + p_h, c + p_w) for r, c in cells] == g.taps(index)
        assert out.flatten()[index] == sum(padded[r + p_h, c + p_w] for r, c in cells)
        used_rows |= {r for r, _ in cells}
        used_cols |= {c for _, c in cells}
    # an input line is dropped exactly when it lies past the last window's reach
    last_row, last_col = max(used_rows), max(used_cols)
    assert g.dropped_input() == (tuple(r for r in range(n_h) if r > last_row),
                                 tuple(c for c in range(n_w) if c > last_col))


def test_dropped_lines_of_pooling_use_the_same_geometry():
    assert dropped_lines((7, 5), (2, 2), (0, 0), (3, 2)) == ([5, 6], [4])
    assert dropped_lines((4, 4), (3, 3), (1, 1), (2, 2)) == ([], [])


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


def test_nested_sizes_are_checked_before_any_tensor_is_built():
    with pytest.raises(ValueError, match="at most 12 long"):
        check_nested_size([[0.0] * 13], "X", 12)
    with pytest.raises(ValueError, match="at most 12 long"):
        small_matrix([[1.0]] * 10**6, "X")
    with pytest.raises(ValueError, match="X may be at most"):
        channel_layer([[[0.0] * 100]], [[[1.0]]])


def test_typed_networks_are_bounded():
    for text, words in [("conv 3 p4000", "padding goes up to 16"),
                        ("conv 3 s99", "stride goes up to 16"),
                        ("conv 3 d9", "dilation goes up to 8"),
                        ("conv 33", "kernel sizes go up to 32"),
                        ("conv 3;" * 17, "at most 16 layers"),
                        ("x" * 501, "at most 500 characters"),
                        ("conv 12345", "cannot read '12345'")]:
        with pytest.raises(ValueError, match=words):
            layers_from_text(text)


def test_the_biggest_allowed_network_stays_small():
    before = sys.getallocatedblocks()
    net = NetworkFields(layers_from_text("; ".join(["conv 32 p16"] * 16)), torch.zeros(28, 28))
    assert net.shapes[-1] == (44, 44) and sys.getallocatedblocks() - before < 10**6
