"""The channel explorer driven from code: the chapter's 2-channel example, stacked output
channels, partial sums plus bias, refused requests, and the controls wired to the state."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from convbook.ops import corr2d_multi_in, corr2d_multi_in_out
from convbook.figures import draw_channel_step
from convbook.widgets.channels import MAX_OUT, ChannelExplorer
from convbook.windows import channel_partials

X = torch.tensor([[[0., 1, 2], [3, 4, 5], [6, 7, 8]], [[1., 2, 3], [4, 5, 6], [7, 8, 9]]])
K = torch.tensor([[[0., 1], [2, 3]], [[1., 2], [3, 4]]])


def test_chapter_two_channel_example():
    w = ChannelExplorer(X, K)
    assert w.output.tolist() == [[[56, 72], [104, 120]]]
    assert w.partials.tolist() == [[[19, 25], [37, 43]], [[37, 47], [67, 77]]]
    assert w.arithmetic.splitlines() == [
        "partial 0[0, 0] = 0\u00d70 + 1\u00d71 + 3\u00d72 + 4\u00d73 = 19",
        "partial 1[0, 0] = 1\u00d71 + 2\u00d72 + 4\u00d73 + 5\u00d74 = 37",
        "Y[0][0, 0] = 19 + 37 + bias 0 = 56"]


def test_adding_output_channels_stacks_k_k1_k2():
    w = ChannelExplorer(X, K)
    w.add_output_channel()
    w.add_output_channel()
    stacked = torch.stack([K, K + 1, K + 2])
    assert torch.equal(w.kernels, stacked)
    assert torch.equal(w.output, corr2d_multi_in_out(X, stacked))
    assert w.num_output_channels == 3 and w.output_channel == 2
    assert w.output[2].tolist() == [[96, 128], [192, 224]]


@settings(max_examples=30, deadline=None)
@given(c_i=st.integers(1, 3), c_o=st.integers(1, 3), n=st.integers(2, 5), k=st.integers(1, 2),
       data=st.data())
def test_output_is_sum_of_partials_plus_bias_and_matches_torch(c_i, c_o, n, k, data):
    ints = lambda size: st.lists(st.integers(-5, 5), min_size=size, max_size=size)  # noqa: E731
    Xr = torch.tensor(data.draw(ints(c_i * n * n)), dtype=torch.float32).reshape(c_i, n, n)
    Kr = torch.tensor(data.draw(ints(c_o * c_i * k * k)), dtype=torch.float32).reshape(c_o, c_i, k, k)
    b = torch.tensor(data.draw(ints(c_o)), dtype=torch.float32)
    w = ChannelExplorer(Xr, Kr, b)
    assert torch.allclose(w.output, F.conv2d(Xr[None], Kr, b)[0])
    for o in range(c_o):
        w.set_output_channel(o)
        assert torch.allclose(w.partials.sum(0) + b[o], w.output[o])
        assert torch.allclose(w.partials.sum(0), corr2d_multi_in(Xr, Kr[o]))
        w.set_step(w.output[0].numel() - 1)
        assert w.value == float(w.output[(o, *w.position)])


def test_window_follows_the_position():
    w = ChannelExplorer(X, K)
    w.set_position(1, 0)
    assert w.window == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert w.value == 104


def test_bias_of_the_selected_channel():
    w = ChannelExplorer(X, K)
    w.add_output_channel()
    w.set_bias(10)
    assert w.bias.tolist() == [0, 10]
    assert w.output[1, 0, 0] == 76 + 10
    assert w.arithmetic.splitlines()[-1] == "Y[1][0, 0] = 27 + 49 + bias 10 = 86"


def test_remove_keeps_the_others():
    w = ChannelExplorer(X, K)
    w.add_output_channel()
    w.add_output_channel()
    w.remove_output_channel(1)
    assert torch.equal(w.kernels, torch.stack([K, K + 2]))


@pytest.mark.parametrize("call, error, words", [
    (lambda w: w.remove_output_channel(), ValueError, "at least one output channel"),
    (lambda w: w.set_output_channel(3), ValueError, "o must be in 0..0"),
    (lambda w: w.remove_output_channel(7), ValueError, "o must be in 0..0"),
    (lambda w: w.set_position(4, 1), ValueError, "i must be in 0..1"),
    (lambda w: w.set_step(1.0), TypeError, "k must be an int"),
    (lambda w: w.set_kernel("1 0\n0 0"), ValueError, r"must have shape \(2, 2, 2\)"),
    (lambda w: w.set_kernel("1 a\n0 0\n\n0 0\n0 1"), ValueError, "'a' is not a number"),
    (lambda w: w.set_kernel("1 0\n0 0\n\n0 0 1\n0 1 0"), ValueError, "same shape"),
    (lambda w: w.set_kernel("nan 1\n1 1\n\n1 1\n1 1"), ValueError, "not a number"),
    (lambda w: w.set_kernel([[[1e39, 0], [0, 0]], [[0, 0], [0, 0]]]), ValueError, "finite"),
    (lambda w: w.set_bias(1e308), ValueError, "finite"),
    (lambda w: w.set_bias(float("nan")), ValueError, "finite"),
    (lambda w: w.set_bias("abc"), TypeError, "value must be a number"),
    (lambda w: w.add_output_channel(kernel=[[[float("inf"), 0], [0, 0]], [[0, 0], [0, 0]]]),
     ValueError, "finite"),
    (lambda w: w.add_output_channel(bias="x"), TypeError, "bias must be a number"),
    (lambda w: w.add_output_channel(bias=1e308), ValueError, "bias must hold finite"),
])
def test_impossible_requests_raise_and_change_nothing(call, error, words):
    w = ChannelExplorer(X, K, bias=2.0)
    with pytest.raises(error, match=words):
        call(w)
    assert w.num_output_channels == 1 and w.bias.tolist() == [2.0]
    assert w.output[0].tolist() == [[58, 74], [106, 122]]


def test_a_bad_bias_in_add_output_channel_breaks_nothing_later():
    """Regression: add_output_channel(bias="x") added the kernel before checking the bias,
    and every later action failed."""
    w = ChannelExplorer(X, K)
    with pytest.raises(TypeError):
        w.add_output_channel(bias="x")
    w.add_output_channel(bias=1)
    w.set_step(3)
    assert w.num_output_channels == 2 and w.value == 120 + (24 + 28) + 1     # K+1 adds the two windows


def test_too_many_output_channels_raise():
    w = ChannelExplorer(X, K)
    for _ in range(MAX_OUT - 1):
        w.add_output_channel()
    with pytest.raises(ValueError, match="at most"):
        w.add_output_channel()
    assert w.num_output_channels == MAX_OUT


def test_kernel_from_text():
    w = ChannelExplorer(X, K)
    w.set_kernel("1 0\n0 0\n\n0 0\n0 1")
    assert w.output[0].tolist() == [[5, 7], [11, 13]]
    assert w.view.k_text == "1 0\n0 0\n\n0 0\n0 1"


@pytest.mark.parametrize("kwargs, error, name", [
    ({"X": torch.ones(3, 3)}, ValueError, "X"),
    ({"X": torch.ones(5, 3, 3), "K": torch.ones(5, 2, 2)}, ValueError, "X"),
    ({"X": "abc"}, TypeError, "X"),
    ({"K": torch.ones(2, 2)}, ValueError, "K"),
    ({"K": torch.ones(1, 3, 2, 2)}, ValueError, "K"),
    ({"K": torch.ones(1, 2, 4, 4)}, ValueError, "K"),
    ({"K": torch.ones(9, 2, 2, 2)}, ValueError, "K"),
    ({"bias": [1.0, 2.0]}, ValueError, "bias"),
])
def test_bad_constructor_arguments_raise_naming_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        ChannelExplorer(**kwargs)


def test_the_view_state_drives_the_explorer():
    w = ChannelExplorer(X, K)
    with w.view.hold_trait_notifications():      # "+ output channel" in the browser
        w.view.K, w.view.bias, w.view.out = torch.stack([K, K + 1]).tolist(), [0, 0], 1
    assert w.num_output_channels == 2 and w.output_channel == 1
    w.view.step = 2
    assert w.position == (1, 0)
    w.view.bias = [1.5, 0.0]
    assert w.bias.tolist() == [1.5, 0]
    w.view.out = 5                                 # no such channel: undone, with a message
    assert w.output_channel == 1 and "output channel must be in 0..1" in w.message


def test_channel_partials_and_static_figure():
    import matplotlib.pyplot as plt
    assert torch.equal(channel_partials(X, K).sum(0), corr2d_multi_in(X, K))
    fig = ChannelExplorer(X, K).figure()
    titles = [ax.get_title() for ax in fig.axes]
    plt.close(fig)
    assert titles[:3] == ["X[0]", "K[0][0]", "partial 0"] and titles[-1].startswith("Y[0] =")
    fig = plt.figure()
    axes = draw_channel_step(fig, X, torch.stack([K, K + 1]), [0, 2], 1, (1, 1))
    assert len(axes) == 7 and axes[-1].get_title().endswith("+ 2")
    plt.close(fig)


def test_static_step_reuses_the_panels_and_moves_only_the_highlights():
    import matplotlib.pyplot as plt
    fig = plt.figure()
    K3 = torch.stack([K, K + 1, K + 2])
    first = draw_channel_step(fig, X, K3, [0, 0, 0], 0, (0, 0))
    again = draw_channel_step(fig, X, K3, [0, 0, 0], 0, (1, 1))
    assert again == first                                    # same axes, not redrawn
    assert [len(ax.patches) for ax in again] == [4, 0, 1, 4, 0, 1, 1]   # old marks removed
    x0 = again[0].patches[0].get_xy()
    assert tuple(x0) == (0.5, 0.5)                           # window now starts at cell (1, 1)
    other = draw_channel_step(fig, X, K3, [0, 0, 0], 2, (1, 1))
    assert other[1].get_title() == "K[2][0]" and other != first   # new channel: redrawn
    plt.close(fig)


def test_section_06_self_checks(capsys):
    from convbook.exercises import check_conv2d_cost, check_corr2d_multi_in, check_grayscale_1x1
    X2 = [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]
    assert check_corr2d_multi_in([[2, 7], [9, 8]], X2, [[[2]], [[3]]])
    assert not check_corr2d_multi_in([[2, 7], [9, 9]], X2, [[[2]], [[3]]])
    assert check_conv2d_cost((12832, 2563200), 16, 32, 5, 10)
    assert check_conv2d_cost({"parameters": 12832, "flops": 2563200}, 16, 32, 5, 10)
    assert not check_conv2d_cost((12800, 2563200), 16, 32, 5, 10)
    assert not check_conv2d_cost(None, 16, 32, 5, 10)
    assert check_grayscale_1x1(torch.full((1, 3, 1, 1), 1 / 3))
    assert not check_grayscale_1x1([[1, 1, 1]])
    out = capsys.readouterr().out
    assert out.count("PASS") == 4 and out.count("FAIL") == 3 and "Not answered yet" in out
    assert "c_o biases" in out                  # the hint names the wrong part


def test_negative_numbers_are_parenthesised_in_the_arithmetic():
    w = ChannelExplorer(X, K)
    w.set_kernel([[[1, 0], [0, 1]], [[0, 0], [0, -1]]])
    w.set_bias(-1.5)
    lines = w.arithmetic.splitlines()
    assert lines[1] == "partial 1[0, 0] = 1\u00d70 + 2\u00d70 + 4\u00d70 + 5\u00d7(-1) = -5"
    assert lines[-1] == "Y[0][0, 0] = 4 + (-5) + bias (-1.50) = -2.50"


