"""The padding/stride explorer: geometry against convbook.ops, clamping, the impossible path."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook.ops import corr2d, output_shape
from convbook.figures import draw_window
from convbook.widgets.padding import LIMITS, PaddingStrideExplorer
from convbook.windows import WindowGeometry


def settings_strategy():
    return st.fixed_dictionaries({name: st.tuples(st.integers(lo, hi), st.integers(lo, hi))
                                  for name, (lo, hi) in LIMITS.items()})


@settings(max_examples=150, deadline=None)
@given(settings_strategy())
def test_geometry_matches_output_shape_and_windows(values):
    g = WindowGeometry(**values)
    try:
        expected = output_shape(**values)
    except ValueError:
        assert not g.fits and g.output_shape is None and g.problem
        return
    assert g.output_shape == expected
    corners = g.corners()
    assert len(corners) == expected[0] * expected[1]
    padded = g.padded_shape
    for index in (0, len(corners) - 1):
        for r, c in g.taps(index):
            assert 0 <= r < padded[0] and 0 <= c < padded[1]
    # every padded row is either reached by some window or listed as dropped
    reached = {r for i in range(len(corners)) for r, _ in g.taps(i)}
    span_rows = set(range(max(reached) + 1))
    assert set(g.dropped_rows) == set(range(padded[0])) - span_rows


def test_output_values_are_window_sums():
    g = WindowGeometry(7, 3, padding=1, stride=2, dilation=2)
    X = g.padded_input()
    out = g.output()
    for index in range(g.window_count):
        expected = sum(X[r, c] for r, c in g.taps(index))
        assert out.flatten()[index] == expected
    assert torch.equal(out, corr2d(X[1:-1, 1:-1], torch.ones(3, 3), 1, 2, 2))


@pytest.mark.parametrize("case, shape", [
    (dict(input_size=8, kernel_size=3, padding=1), (8, 8)),
    (dict(input_size=8, kernel_size=(5, 3), padding=(2, 1)), (8, 8)),
    (dict(input_size=8, kernel_size=3, padding=1, stride=2), (4, 4)),
    (dict(input_size=8, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4)), (2, 2)),
])
def test_the_chapters_four_cases(case, shape):
    w = PaddingStrideExplorer()
    w.set(**case)
    assert w.output_shape == shape
    assert w.message == ""
    assert w.formula[0].endswith(f"= {shape[0]}") and w.formula[1].endswith(f"= {shape[1]}")


def test_stride_that_does_not_divide_shows_dropped_rows_and_columns():
    w = PaddingStrideExplorer()
    w.set(input_size=8, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))
    assert w.dropped_rows == (6, 7)          # rows 6 and 7 of the input are never used
    assert w.dropped_cols == (9,)            # the right padding column
    assert w.window_geometry.dropped_input() == ((6, 7), ())    # the column is padding


def test_window_slider_moves_the_taps_and_the_output_cell():
    w = PaddingStrideExplorer(input_size=8, kernel_size=3, padding=1, stride=2)
    w.set_window(5)                          # output (1, 1): top-left corner (2, 2)
    assert w.window_cells[0] == (2, 2) and w.window_cells[-1] == (4, 4)
    assert w.index == 5
    with pytest.raises(ValueError, match="index must be in 0..15"):
        w.set_window(99)
    w.set_window(15)
    assert w.index == 15 and w.window_cells[0] == (6, 6) and len(w.corners) == 16


def test_dilation_spreads_the_taps():
    w = PaddingStrideExplorer(input_size=7, kernel_size=3, padding=0, dilation=2)
    assert w.output_shape == (3, 3)
    assert w.window_cells == tuple((r, c) for r in (0, 2, 4) for c in (0, 2, 4))


def test_square_mode_copies_height_to_width():
    w = PaddingStrideExplorer()
    assert w.view.square
    with w.view.hold_trait_notifications():       # the view sets both sliders when square
        w.view.kernel_size = [5, 5]
    assert w.window_geometry.kernel_size == (5, 5)
    w.set(kernel_size=(5, 3))
    assert not w.view.square and w.window_geometry.kernel_size == (5, 3)


def test_impossible_kernel_shows_message_not_exception():
    w = PaddingStrideExplorer(input_size=2, kernel_size=1)
    w.set(kernel_size=5)
    assert w.output_shape is None and w.window_cells == () and w.corners == ()
    assert "does not fit" in w.message and w.index == 0
    w.set(padding=2)                          # 2 + 2*2 = 6 >= 5: fits again
    assert w.output_shape == (2, 2) and w.message == ""


def test_stride_zero_raises_and_a_view_sending_it_is_undone():
    w = PaddingStrideExplorer()
    assert w.view.limits["stride"] == [1, 5]        # the slider cannot go below 1
    with pytest.raises(ValueError, match="stride must be positive"):
        w.set(stride=0)
    w.view.stride = [0, 1]
    assert w.view.stride == [1, 1] and "stride must be positive" in w.message


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(stride=0), ValueError, "stride"), (dict(kernel_size=99), ValueError, "kernel_size"),
    (dict(padding=1.5), TypeError, "padding"), (dict(input_size=(3, 4, 5)), ValueError,
                                                 "input_size")])
def test_bad_constructor_arguments_name_the_argument(kwargs, error, word):
    with pytest.raises(error, match=word):
        PaddingStrideExplorer(**kwargs)


def test_static_view_draws_both_panels():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    draw_window(axes, WindowGeometry(8, 3, 1, 2), 3)
    assert axes[1].get_title() == "output 4\u00d74"
    plt.close(fig)
