"""The window models behind the explorers (no widgets): window geometry against brute force and
convbook.ops, and the pooling explorer's dropped lines."""
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook.ops import corr2d
from convbook.windows import WindowGeometry, dropped_lines

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
