"""The pooling explorer driven from code: the chapter's numbers, the winner of every max,
clamped/refused settings, and the controls wired to the state."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from convbook.widgets.pooling import (PoolingExplorer, draw_pooling_step, dropped_lines,
                                      max_winners, window_cells)

X3 = torch.arange(9.0).reshape(3, 3)
X4 = torch.arange(16.0).reshape(4, 4)


def test_chapter_3x3_max_and_avg():
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    assert w.output.tolist() == [[4, 5], [7, 8]]
    w.set_mode("avg")
    assert w.output.tolist() == [[2, 3], [5, 6]]
    assert w.winner is None


def test_chapter_4x4_padding_and_stride():
    w = PoolingExplorer(X4, pool_size=3, padding=1, stride=2)
    assert w.output.tolist() == [[5, 7], [13, 15]]
    w2 = PoolingExplorer(X4, pool_size=(2, 3), padding=(0, 1), stride=(2, 3))
    assert w2.output.tolist() == [[5, 7], [13, 15]]


def test_stride_defaults_to_the_window():
    assert PoolingExplorer(X4, pool_size=2).settings["stride"] == (2, 2)


def test_window_cells_and_winner_of_a_padded_window():
    w = PoolingExplorer(X4, pool_size=3, padding=1, stride=2)
    w.set_position(0, 0)
    assert w.window == window_cells((0, 0), (3, 3), (1, 1), (2, 2))
    assert (-1, -1) in w.window and (1, 1) in w.window
    assert w.winner == (1, 1)
    assert w.arithmetic == "max(-inf, -inf, -inf, -inf, 0, 1, -inf, 4, 5) = 5"


def test_avg_counts_zero_padding_like_pytorch():
    w = PoolingExplorer(X4, pool_size=3, padding=1, stride=2, mode="avg")
    expected = F.avg_pool2d(X4[None, None], 3, 2, 1)[0, 0]
    assert torch.allclose(w.output, expected)
    assert w.arithmetic == "(0 + 0 + 0 + 0 + 0 + 1 + 0 + 4 + 5) / 9 = 1.11"


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 7), w=st.integers(1, 7), k=st.integers(1, 4), s=st.integers(1, 4),
       p=st.integers(0, 2), data=st.data())
def test_winner_holds_the_max_of_its_window(h, w, k, s, p, data):
    k_h, k_w = min(k, h), min(k, w)
    p_h, p_w = min(p, k_h // 2), min(p, k_w // 2)
    values = data.draw(st.lists(st.integers(-9, 9), min_size=h * w, max_size=h * w))
    X = torch.tensor(values, dtype=torch.float32).reshape(h, w)
    widget = PoolingExplorer(X, pool_size=(k_h, k_w), stride=s, padding=(p_h, p_w))
    assert widget.message == ""
    expected = F.max_pool2d(X[None, None], (k_h, k_w), s, (p_h, p_w))[0, 0]
    assert torch.equal(widget.output, expected)
    winners = max_winners(X, (k_h, k_w), (p_h, p_w), (s, s))
    for step in range(widget.output.numel()):
        widget.set_step(step)
        r, c = widget.winner
        assert (r, c) in widget.window
        assert 0 <= r < h and 0 <= c < w
        assert X[r, c] == widget.value == widget.output[widget.position]
        assert tuple(winners[widget.position].tolist()) == (r, c)


def test_ties_go_to_the_first_cell_in_reading_order():
    w = PoolingExplorer(torch.ones(2, 2), pool_size=2)
    assert w.winner == (0, 0)


def test_dropped_rows_and_columns_are_reported_and_struck_out():
    w = PoolingExplorer(torch.arange(25.0).reshape(5, 5), pool_size=2)
    assert w.dropped == ([4], [4])
    assert "cb-dropped" in w._w_html.value and "never pooled" in w._w_html.value
    assert dropped_lines((4, 4), (2, 2), (0, 0), (2, 2)) == ([], [])
    assert dropped_lines((6, 7), (3, 3), (0, 0), (2, 2)) == ([5], [])


def test_padding_beyond_half_the_window_is_clamped_with_a_note():
    w = PoolingExplorer(X4, pool_size=3)
    w.set_padding(2)
    assert w.settings["padding"] == (1, 1)
    assert "clamped" in w.message and 'class="cb-error"' in w._w_html.value


def test_stride_zero_is_refused_and_the_old_stride_kept():
    w = PoolingExplorer(X4, pool_size=2, stride=1)
    w.set_stride(0)
    assert w.settings["stride"] == (1, 1)
    assert "stride must be at least 1" in w.message


def test_window_larger_than_input_is_clamped():
    w = PoolingExplorer(X3, pool_size=2)
    w.set_window(5, 1)
    assert w.settings["pool_size"] == (3, 1)
    assert "larger than" in w.message
    assert w.output.shape == (1, 2)


def test_bad_mode_is_refused():
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    w.set_mode("median")
    assert w.settings["mode"] == "max" and "mode must be" in w.message


def test_a_good_setting_clears_the_note():
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    w.set_stride(0)
    w.set_stride(1)
    assert w.message == "" and 'class="cb-error"' not in w._w_html.value


def test_position_is_clamped_to_the_output():
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    w.set_position(5, -1)
    assert w.position == (1, 0) and "clamped" in w.message


def test_values_from_text_and_refusal_of_bad_text():
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    w.set_values("1 9\n3 4")
    assert w.output.tolist() == [[9]] and w.winner == (0, 1)
    w.set_values("1 x\n3 4")
    assert "values refused" in w.message and w.output.tolist() == [[9]]
    w.set_values("1 2 3\n4 5")
    assert "values refused" in w.message and "same number of values" in w.message


@pytest.mark.parametrize("text", ["nan 1\n1 1", "1e999 1\n1 1", "-inf 1\n2 3"])
def test_values_that_are_not_finite_are_refused(text):
    # Regression: typing nan/inf in the browser was accepted and showed "max(nan) = nan",
    # or "-inf" cells that look like the max-pooling padding.
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    w.set_values(text)
    assert "values refused" in w.message and "finite" in w.message
    assert w.output.tolist() == [[4, 5], [7, 8]]
    with pytest.raises(ValueError, match="X"):
        PoolingExplorer(torch.tensor([[1.0, float("nan")], [0.0, 1.0]]))


def test_changing_values_reclamps_the_window():
    w = PoolingExplorer(X4, pool_size=4)
    w.set_values([[1, 2], [3, 4]])
    assert w.settings["pool_size"] == (2, 2) and w.output.tolist() == [[4]]


@pytest.mark.parametrize("kwargs, error, name", [
    ({"X": torch.ones(2, 2, 2)}, ValueError, "X"),
    ({"X": torch.ones(20, 3)}, ValueError, "X"),
    ({"pool_size": "2"}, TypeError, "pool_size"),
    ({"pool_size": 0}, ValueError, "pool_size"),
    ({"stride": 0}, ValueError, "stride"),
    ({"padding": -1}, ValueError, "padding"),
    ({"pool_size": 2, "padding": 2}, ValueError, "padding"),
    ({"mode": "sum"}, ValueError, "mode"),
])
def test_bad_constructor_arguments_raise_naming_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        PoolingExplorer(**kwargs)


def test_sliders_and_toggle_drive_the_state():
    w = PoolingExplorer(X4, pool_size=2)
    w._w_window[0].value = 3
    w._w_window[1].value = 3
    w._w_padding[0].value = 1
    w._w_padding[1].value = 1
    assert w.settings["pool_size"] == (3, 3) and w.settings["padding"] == (1, 1)
    w._w_mode.value = "avg"
    assert w.settings["mode"] == "avg"
    w._w_step.value = 3
    assert w.position == (1, 1)


def test_setters_move_the_controls():
    w = PoolingExplorer(X4, pool_size=2)
    w.set_window(3)
    w.set_stride(1)
    w.set_step(1)
    assert [s.value for s in w._w_window] == [3, 3]
    assert w._w_step.value == 1 and w._w_step.max == w._w_play.max == w.output.numel() - 1


def test_wins_grid_counts_every_output_once():
    w = PoolingExplorer(X4, pool_size=2, stride=1)
    assert "times each input cell wins" in w._w_html.value
    winners = max_winners(X4, (2, 2), (0, 0), (1, 1)).reshape(-1, 2).tolist()
    assert len(winners) == 9 and sorted(map(tuple, winners))[0] == (1, 1)
    w.set_mode("avg")
    assert "times each input cell wins" not in w._w_html.value


def test_view_is_a_displayable_container_with_the_grids():
    import ipywidgets
    w = PoolingExplorer()
    assert isinstance(w.view, ipywidgets.VBox)
    assert w._w_html in w.view.children
    html = w._w_html.value
    assert html.count('<table class="cb-grid">') == 3 and "cb-win" in html and "cb-out" in html


def test_static_figure_uses_the_shared_drawing():
    import matplotlib.pyplot as plt
    w = PoolingExplorer(X4, pool_size=3, padding=1, stride=2)
    fig = w.figure()
    titles = [ax.get_title() for ax in fig.axes]
    plt.close(fig)
    assert titles == ["input X (padded)", "max pooling output"]
    fig, axes = plt.subplots(1, 2)
    draw_pooling_step(axes, X3, (2, 2), (0, 0), (1, 1), "avg", (1, 1))
    assert axes[1].get_title() == "avg pooling output"
    plt.close(fig)


def test_section_07_self_checks(capsys):
    from convbook.exercises import check_avg_pool_kernel, check_max_winner, check_pool2d
    X = [[1, 5, 2, 0], [3, 0, 4, 8], [6, 2, 1, 1], [0, 7, 3, 2]]
    assert check_pool2d([[5, 8], [7, 3]], X, 2)
    assert not check_pool2d([[5, 8], [7, 2]], X, 2)
    assert not check_pool2d(None, X, 2)
    assert check_max_winner((3, 1), X, 3, (1, 0), padding=1, stride=2)
    assert not check_max_winner((2, 0), X, 3, (1, 0), padding=1, stride=2)
    assert not check_max_winner(7, X, 3, (1, 0), padding=1, stride=2)
    assert check_avg_pool_kernel(torch.full((3, 3), 1 / 9), pool_size=3)
    assert not check_avg_pool_kernel(torch.ones(3, 3), pool_size=3)
    assert not check_avg_pool_kernel([1, 2], pool_size=3)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "PASS", "FAIL", "Not answered yet", "PASS", "FAIL", "FAIL", "PASS", "FAIL", "FAIL"]
    assert all("Hint:" in line for line in lines if line.startswith("FAIL"))
