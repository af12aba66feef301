"""The convolution-as-a-matrix explorer driven from code and from its view's state: the row of M,
the window, the im2col columns, the transpose, the size cap and the refusals. (The contract
shared by every explorer is in test_widget_contract.py; the browser half in tests_site.)"""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook.ops import corr2d
from convbook.widgets.matrix import LIMITS, MAX_ROWS, MatrixExplorer


def test_default_is_the_chapters_example_as_a_matrix():
    w = MatrixExplorer()
    assert w.matrix.shape == (4, 9) and w.steps == 4 and w.mode == "matrix"
    assert w.row.tolist() == [0, 1, 0, 2, 3, 0, 0, 0, 0]
    assert w.window == [(0, 0), (0, 1), (1, 0), (1, 1)] and w.value == 19
    assert w.output.tolist() == [[19, 25], [37, 43]]


def test_stepping_moves_the_highlighted_row_and_window():
    w = MatrixExplorer()
    w.set_step(3)
    assert w.row.tolist() == [0, 0, 0, 0, 0, 1, 0, 2, 3]
    assert w.window == [(1, 1), (1, 2), (2, 1), (2, 2)] and w.value == 43
    w.view.step = 2                          # what the slider or play sends through a kernel
    assert w.step == 2 and w.value == 37 and w.message == ""


def test_im2col_and_transpose_views_of_the_same_step():
    w = MatrixExplorer(step=1)
    w.set_mode("im2col")
    assert w.mode == "im2col" and w.step == 1
    assert w.columns[:, 1].tolist() == [1, 2, 4, 5]
    assert (w.K.reshape(-1) @ w.columns).tolist() == w.output.reshape(-1).tolist()
    w.set_mode("transpose")
    assert w.transposed.tolist() == [[0, 0, 1], [0, 2, 3], [0, 0, 0]]    # K pasted on window 1
    g = torch.zeros(2, 2, dtype=torch.float64)
    g[0, 1] = 1
    assert torch.equal(w.transposed, F.conv_transpose2d(g[None, None], w.K[None, None])[0, 0])


def test_padding_and_stride_change_the_matrix_like_torch():
    w = MatrixExplorer(X=torch.arange(16.0).reshape(4, 4), K=[[1, -1], [2, 0.5]])
    w.set_padding(1)
    w.set_stride(2)
    assert w.matrix.shape == (9, 16)
    expected = F.conv2d(w.X[None, None], w.K[None, None], padding=1, stride=2)[0, 0]
    assert torch.equal(w.output, expected)
    w.set_step(0)
    assert w.window == [(0, 0)]                 # the other three kernel cells are on padding
    assert w.view.padding == 1 and w.view.stride == 2


def test_values_from_the_view_and_text_setters():
    w = MatrixExplorer()
    with w.view.hold_trait_notifications():      # one message from the browser
        w.view.X, w.view.K = [[1, 2, 3], [4, 5, 6]], [[1, -1]]
    assert w.output.tolist() == [[-1, -1], [-1, -1]] and w.message == ""
    w.set_kernel("1; -1")
    assert w.K.shape == (2, 1) and w.view.k_text == "1\n-1"
    w.set_input("0.125 1 2\n1 1 1")
    assert w.output.tolist() == [[-0.875, 0, 1]] and w.view.x_text == "0.125 1 2\n1 1 1"


def test_a_step_is_clamped_when_the_matrix_shrinks():
    w = MatrixExplorer(X=torch.ones(5, 5), K=torch.ones(2, 2), step=15)
    w.set_stride(3)
    assert w.steps == 4 and w.step == 3 and w.view.step == 3


@pytest.mark.parametrize("call, error, words", [
    (lambda w: w.set_input(torch.ones(6, 6)), ValueError, "at most 5x5"),
    (lambda w: w.set_kernel(torch.ones(4, 4)), ValueError, "at most 3x3"),
    (lambda w: w.set_kernel(torch.ones(3, 1)), ValueError, "K must fit inside the padded X"),
    (lambda w: w.set_padding(3), ValueError, "padding must be in 0..2"),
    (lambda w: w.set_padding(1.0), TypeError, "padding must be an int"),
    (lambda w: w.set_stride(0), ValueError, "stride must be in 1..3"),
    (lambda w: w.set_step(4), ValueError, "step must be in 0..3"),
    (lambda w: w.set_step(True), TypeError, "step must be an int"),
    (lambda w: w.set_mode("toeplitz"), ValueError, "mode must be one of"),
    (lambda w: w.set_input("1 x"), ValueError, "'x' is not a number"),
    (lambda w: w.set_input([[1, float("inf")]]), ValueError, "finite"),
])
def test_impossible_settings_raise_and_change_nothing(call, error, words):
    w = MatrixExplorer(X=torch.ones(2, 3), K=[[1, 2]])
    before = w.view.get_state()
    with pytest.raises(error, match=words):
        call(w)
    assert w.view.get_state() == before and w.output.shape == (2, 2)


def test_the_size_cap_refuses_an_unreadable_matrix():
    w = MatrixExplorer(X=torch.ones(5, 5), K=[[1]], step=0)
    with pytest.raises(ValueError, match=f"M would have 49 rows.*at most {MAX_ROWS}"):
        w.set_padding(1)                          # 7x7 = 49 > 25: refused, 25 kept
    assert w.matrix.shape == (25, 25) and w.view.padding == 0
    w.view.padding = 2                            # the same from the view: undone, explained
    assert w.view.padding == 0 and "M would have 81 rows" in w.message
    assert LIMITS == {"X": 5, "K": 3, "padding": 2, "stride": 3}


def test_a_bad_state_from_the_view_is_undone_with_a_message():
    w = MatrixExplorer()
    w.view.K = [[1, 2], [3]]
    assert w.view.K == [[0.0, 1.0], [2.0, 3.0]] and "K" in w.message
    w.view.mode = "dense"
    assert w.view.mode == "matrix" and "mode must be one of" in w.message


@pytest.mark.parametrize("kwargs, error, name", [
    ({"X": [[1, 2]], "K": [[1, 2, 3]]}, ValueError, "K must fit"),
    ({"mode": "rows"}, ValueError, "mode"),
    ({"step": 4}, ValueError, "step"),
    ({"padding": -1}, ValueError, "padding"),
    ({"stride": "2"}, TypeError, "stride"),
    ({"X": [1, 2]}, ValueError, "X must be a 2-D"),
])
def test_bad_constructor_arguments_raise_naming_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        MatrixExplorer(**kwargs)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 2), st.integers(1, 3), st.data())
def test_every_row_of_m_is_its_window(h, w, k_h, k_w, p, s, data):
    k_h, k_w = min(k_h, h + 2 * p), min(k_w, w + 2 * p)
    o = ((h + 2 * p - k_h) // s + 1) * ((w + 2 * p - k_w) // s + 1)
    if o > MAX_ROWS:
        return
    X = torch.tensor(data.draw(st.lists(st.lists(st.integers(-9, 9), min_size=w, max_size=w),
                                        min_size=h, max_size=h)), dtype=torch.float64)
    K = torch.tensor(data.draw(st.lists(st.lists(st.integers(-9, 9), min_size=k_w,
                                                 max_size=k_w), min_size=k_h, max_size=k_h)),
                     dtype=torch.float64)
    e = MatrixExplorer(X=X, K=K, padding=p, stride=s)
    assert torch.equal(e.output, F.conv2d(X[None, None], K[None, None], padding=p,
                                          stride=s)[0, 0])
    if p == 0 and s == 1:
        assert torch.equal(e.output, corr2d(X, K))
    for step in range(e.steps):
        e.set_step(step)
        nonzero = {divmod(c, w) for c in range(h * w) if e.row[c] != 0}
        assert nonzero <= set(e.window)


def test_view_is_an_anywidget_with_its_module():
    w = MatrixExplorer()
    state = w.view.get_state()
    assert "function cmModel" in state["_esm"] and "function cbGrid" in state["_esm"]
    assert state["limits"]["rows"] == MAX_ROWS
    bundle = w.view._repr_mimebundle_()[0]
    assert bundle["text/plain"] == "<convolution-as-a-matrix explorer>"
