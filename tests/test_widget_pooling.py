"""The pooling explorer driven from code: the chapter's numbers, the winner of every max,
clamped/refused settings, and the controls wired to the state."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from convbook.figures import draw_pooling_step
from convbook.widgets.pooling import PoolingExplorer
from convbook.windows import dropped_lines, max_winners, window_cells

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
    stride = (min(s, h), min(s, w))               # the explorer's stride is at most the input
    widget = PoolingExplorer(X, pool_size=(k_h, k_w), stride=stride, padding=(p_h, p_w))
    assert widget.message == ""
    expected = F.max_pool2d(X[None, None], (k_h, k_w), stride, (p_h, p_w))[0, 0]
    assert torch.equal(widget.output, expected)
    winners = max_winners(X, (k_h, k_w), (p_h, p_w), stride)
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


def test_dropped_rows_and_columns_are_reported():
    w = PoolingExplorer(torch.arange(25.0).reshape(5, 5), pool_size=2)
    assert w.dropped == ([4], [4])
    assert dropped_lines((4, 4), (2, 2), (0, 0), (2, 2)) == ([], [])
    assert dropped_lines((6, 7), (3, 3), (0, 0), (2, 2)) == ([5], [])


@pytest.mark.parametrize("call, error, words", [
    (lambda w: w.set_padding(2), ValueError, "padding .* at most half the window"),
    (lambda w: w.set_stride(0), ValueError, "stride must be positive"),
    (lambda w: w.set_pool_size(5, 1), ValueError, "pool_size .* must fit"),
    (lambda w: w.set_mode("median"), ValueError, "mode must be"),
    (lambda w: w.set_position(5, -1), ValueError, "i must be an int in 0..0"),
    (lambda w: w.set_values("1 x\n3 4"), ValueError, "'x' is not a number"),
    (lambda w: w.set_values("1 2 3\n4 5"), ValueError, "same number of values"),
    (lambda w: w.set_values("nan 1\n1 1"), ValueError, "not a number"),
    (lambda w: w.set_values([[1e999, 1], [1, 1]]), ValueError, "finite"),
    (lambda w: w.set_values([[1, 2], [3, 4]]), ValueError, "pool_size .* must fit"),
])
def test_impossible_settings_raise_and_change_nothing(call, error, words):
    w = PoolingExplorer(X3, pool_size=3, stride=1)
    before = dict(w.settings), w.output.tolist()
    with pytest.raises(error, match=words):
        call(w)
    assert (w.settings, w.output.tolist()) == before


def test_values_from_text():
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    w.set_values("1 9\n3 4")
    assert w.output.tolist() == [[9]] and w.winner == (0, 1)
    assert w.view.x_text == "1 9\n3 4"


def test_set_values_stale_text_box_regression():
    """Regression: set_values left the text box showing the old matrix."""
    w = PoolingExplorer(X3, pool_size=2, stride=1)
    w.set_values([[0.125, 2], [3, 4]])
    assert w.view.x_text == "0.125 2\n3 4" and w.view.X == [[0.125, 2.0], [3.0, 4.0]]


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


def test_the_view_state_drives_the_explorer():
    w = PoolingExplorer(X4, pool_size=2)
    with w.view.hold_trait_notifications():      # one message from the browser
        w.view.pool_size, w.view.padding = [3, 3], [1, 1]
    assert w.settings["pool_size"] == (3, 3) and w.settings["padding"] == (1, 1)
    w.view.mode = "avg"
    assert w.settings["mode"] == "avg"
    w.view.step = 3
    assert w.position == (1, 1)
    w.view.padding = [2, 2]                       # more than half the window: undone
    assert w.settings["padding"] == (1, 1) and "at most half the window" in w.message


def test_wins_agree_with_max_winners():
    winners = max_winners(X4, (2, 2), (0, 0), (1, 1)).reshape(-1, 2).tolist()
    assert len(winners) == 9 and sorted(map(tuple, winners))[0] == (1, 1)


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
