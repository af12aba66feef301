"""convbook.ops against torch.nn.functional, the chapter's worked examples, and bad input."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook import ops

settings.register_profile("convbook", max_examples=60, deadline=None)
settings.load_profile("convbook")


@st.composite
def geometry(draw, max_channels=1):
    """A random, valid (input, kernel, padding, stride, dilation) setting, non-square allowed."""
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    span = [d[i] * (k[i] - 1) + 1 for i in range(2)]
    n = tuple(draw(st.integers(max(1, span[i] - 2 * p[i]), 12)) for i in range(2))
    c_i = draw(st.integers(1, max_channels))
    c_o = draw(st.integers(1, max_channels))
    seed = draw(st.integers(0, 2**16))
    return n, k, p, s, d, c_i, c_o, seed


def _tensors(n, k, c_i, c_o, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(c_i, *n, generator=g), torch.randn(c_o, c_i, *k, generator=g)


@given(geometry())
def test_corr2d_matches_torch(g):
    n, k, p, s, d, _, _, seed = g
    X, K = _tensors(n, k, 1, 1, seed)
    expected = F.conv2d(X[None], K, padding=p, stride=s, dilation=d)[0, 0]
    got = ops.corr2d(X[0], K[0, 0], padding=p, stride=s, dilation=d)
    assert got.shape == expected.shape == ops.output_shape(n, k, p, s, d)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


@given(geometry())
def test_conv2d_is_correlation_with_the_flipped_kernel(g):
    n, k, p, s, d, _, _, seed = g
    X, K = _tensors(n, k, 1, 1, seed)
    expected = F.conv2d(X[None], K.flip(-1, -2), padding=p, stride=s, dilation=d)[0, 0]
    torch.testing.assert_close(ops.conv2d(X[0], K[0, 0], padding=p, stride=s, dilation=d),
                               expected, atol=1e-4, rtol=1e-4)


@given(geometry(max_channels=4))
def test_multi_channel_ops_match_torch(g):
    n, k, p, s, _, c_i, c_o, seed = g
    X, K = _tensors(n, k, c_i, c_o, seed)
    expected = F.conv2d(X[None], K, padding=p, stride=s)[0]
    torch.testing.assert_close(ops.corr2d_multi_in_out(X, K, padding=p, stride=s), expected,
                               atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(ops.corr2d_multi_in(X, K[0], padding=p, stride=s), expected[0],
                               atol=1e-4, rtol=1e-4)


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 9), st.integers(1, 9), st.integers(0, 99))
def test_1x1_matches_torch_and_the_general_op(c_i, c_o, h, w, seed):
    X, K = _tensors((h, w), (1, 1), c_i, c_o, seed)
    got = ops.corr2d_multi_in_out_1x1(X, K)
    torch.testing.assert_close(got, F.conv2d(X[None], K)[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got, ops.corr2d_multi_in_out(X, K), atol=1e-5, rtol=1e-5)


@st.composite
def pooling(draw):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    p = tuple(draw(st.integers(0, k[i] // 2)) for i in range(2))
    s = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    n = tuple(draw(st.integers(max(1, k[i] - 2 * p[i]), 11)) for i in range(2))
    return n, k, p, s, draw(st.integers(1, 3)), draw(st.integers(0, 2**16))


@given(pooling(), st.sampled_from(["max", "avg"]))
def test_pool2d_matches_torch(g, mode):
    n, k, p, s, c, seed = g
    X = torch.randn(c, *n, generator=torch.Generator().manual_seed(seed))
    torch_pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    expected = torch_pool(X[None], k, stride=s, padding=p)[0]
    torch.testing.assert_close(ops.pool2d(X, k, mode=mode, padding=p, stride=s), expected)
    torch.testing.assert_close(ops.pool2d(X[0], k, mode=mode, padding=p, stride=s), expected[0])


def test_ops_are_differentiable():
    X = torch.randn(6, 7, requires_grad=True)
    K = torch.randn(3, 2, requires_grad=True)
    ops.corr2d(X, K, padding=1, stride=2).sum().backward()
    X2, K2 = X.detach().clone().requires_grad_(), K.detach().clone().requires_grad_()
    F.conv2d(X2[None, None], K2[None, None], padding=1, stride=2).sum().backward()
    torch.testing.assert_close(X.grad, X2.grad)
    torch.testing.assert_close(K.grad, K2.grad)


def test_numpy_and_lists_are_accepted():
    got = ops.corr2d(np.arange(9).reshape(3, 3), [[0, 1], [2, 3]])
    assert isinstance(got, torch.Tensor)
    assert got.tolist() == [[19, 25], [37, 43]]


# --- the chapter's worked examples -----------------------------------------------------

def test_worked_example_corr2d():
    X = torch.arange(9.0).reshape(3, 3)
    K = torch.arange(4.0).reshape(2, 2)
    expected = [[19.0, 25.0], [37.0, 43.0]]
    assert ops.corr2d(X, K).tolist() == expected
    assert ops.corr2d_loop(X, K).tolist() == expected


def test_worked_example_edge_detection():
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    Y = ops.corr2d(X, torch.tensor([[1.0, -1.0]]))
    assert Y.tolist() == [[0, 1, 0, 0, 0, -1, 0]] * 6
    assert ops.corr2d(X.t(), torch.tensor([[1.0, -1.0]])).abs().sum() == 0


def test_worked_example_multi_in():
    X = torch.tensor([[[0.0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]])
    K = torch.tensor([[[0.0, 1], [2, 3]], [[1.0, 2], [3, 4]]])
    assert ops.corr2d_multi_in(X, K).tolist() == [[56, 72], [104, 120]]
    out = ops.corr2d_multi_in_out(X, torch.stack((K, K + 1, K + 2)))
    assert out.shape == (3, 2, 2)
    assert out[0].tolist() == [[56, 72], [104, 120]]
    assert out[1].tolist() == [[76, 100], [148, 172]]


def test_worked_example_pooling():
    X = torch.arange(9.0).reshape(3, 3)
    assert ops.pool2d(X, 2, stride=1).tolist() == [[4, 5], [7, 8]]
    assert ops.pool2d(X, 2, mode="avg", stride=1).tolist() == [[2, 3], [5, 6]]
    X4 = torch.arange(16.0).reshape(4, 4)
    assert ops.pool2d(X4, 3).tolist() == [[10]]
    assert ops.pool2d(X4, 3, padding=1, stride=2).tolist() == [[5, 7], [13, 15]]
    assert ops.pool2d(X4, (2, 3), padding=(0, 1), stride=(2, 3)).tolist() == [[5, 7], [13, 15]]
    two = ops.pool2d(torch.stack((X4, X4 + 1)), 3, padding=1, stride=2)
    assert two.tolist() == [[[5, 7], [13, 15]], [[6, 8], [14, 16]]]


@pytest.mark.parametrize("kernel, padding, stride, shape", [
    (3, 1, 1, (8, 8)),
    ((5, 3), (2, 1), 1, (8, 8)),
    (3, 1, 2, (4, 4)),
    ((3, 5), (0, 1), (3, 4), (2, 2)),
])
def test_worked_example_padding_and_stride_shapes(kernel, padding, stride, shape):
    assert ops.output_shape(8, kernel, padding, stride) == shape
    K = torch.ones(kernel if isinstance(kernel, tuple) else (kernel, kernel))
    assert tuple(ops.corr2d(torch.rand(8, 8), K, padding, stride).shape) == shape


def test_output_shape_with_dilation():
    assert ops.output_shape(7, 3, dilation=2) == (3, 3)
    assert ops.output_shape((10, 9), (3, 2), padding=(1, 0), stride=(2, 3), dilation=(2, 1)) == (4, 3)


def test_conv2d_cost_counts_parameters_like_torch():
    layer = torch.nn.Conv2d(6, 16, 5)
    assert ops.conv2d_cost(6, 16, 5, 10)["parameters"] == sum(p.numel() for p in layer.parameters())
    assert ops.conv2d_cost(6, 16, 5, 10, bias=False)["flops"] == 2 * 16 * 10 * 10 * 6 * 25


# --- bad input: one test per rule, asserting the message -------------------------------

BAD = [
    (lambda: ops.corr2d(torch.ones(2, 3, 3), torch.ones(2, 2)), ValueError, r"X must be a 2-D tensor"),
    (lambda: ops.corr2d(torch.ones(3, 3), torch.ones(1, 2, 2)), ValueError, r"K must be a 2-D tensor"),
    (lambda: ops.corr2d(torch.ones(2, 2), torch.ones(3, 3)), ValueError,
     r"K is larger than the padded input X along the height"),
    (lambda: ops.corr2d(torch.ones(4, 2), torch.ones(1, 4), padding=(0, 0)), ValueError,
     r"along the width: kernel 4 > input 2"),
    (lambda: ops.corr2d(torch.ones(4, 4), torch.ones(2, 2), stride=0), ValueError,
     r"stride must be positive \(>= 1\), got 0"),
    (lambda: ops.corr2d(torch.ones(4, 4), torch.ones(2, 2), stride=(1, -2)), ValueError,
     r"stride must be positive"),
    (lambda: ops.corr2d(torch.ones(4, 4), torch.ones(2, 2), padding=-1), ValueError,
     r"padding must be >= 0, got -1"),
    (lambda: ops.corr2d(torch.ones(4, 4), torch.ones(2, 2), padding=1.5), TypeError,
     r"padding must be an int or an \(h, w\) pair of ints"),
    (lambda: ops.corr2d(torch.ones(4, 4), torch.ones(2, 2), stride=(1, 2, 3)), ValueError,
     r"stride must be an int or an \(h, w\) pair"),
    (lambda: ops.corr2d(torch.ones(4, 4), torch.ones(2, 2), dilation=0), ValueError,
     r"dilation must be positive"),
    (lambda: ops.corr2d([["a", "b"], ["c", "d"]], torch.ones(1, 1)), TypeError,
     r"X must be a numeric tensor or array"),
    (lambda: ops.corr2d(torch.ones(3, 3, dtype=torch.bool), torch.ones(1, 1)), TypeError,
     r"X must hold real numbers"),
    (lambda: ops.corr2d(torch.ones(0, 3), torch.ones(1, 1)), ValueError, r"X must not be empty"),
    (lambda: ops.corr2d_multi_in(torch.ones(2, 3, 3), torch.ones(3, 2, 2)), ValueError,
     r"K must have as many input channels as X: X has 2, K has 3"),
    (lambda: ops.corr2d_multi_in_out(torch.ones(2, 3, 3), torch.ones(2, 2, 2)), ValueError,
     r"K must be a 4-D tensor"),
    (lambda: ops.corr2d_multi_in_out_1x1(torch.ones(2, 3, 3), torch.ones(4, 2, 3, 3)), ValueError,
     r"K must be a 1x1 kernel"),
    (lambda: ops.pool2d(torch.ones(3, 3), 2, mode="median"), ValueError,
     r"mode must be 'max' or 'avg', got 'median'"),
    (lambda: ops.pool2d(torch.ones(3, 3), 4), ValueError, r"pool_size is larger than the padded input X"),
    (lambda: ops.pool2d(torch.ones(3, 3), 2, padding=2), ValueError,
     r"padding must be at most half of pool_size"),
    (lambda: ops.pool2d(torch.ones(1, 1, 3, 3), 2), ValueError, r"X must be a 2-D .* or 3-D"),
    (lambda: ops.pool2d(torch.ones(3, 3), 0), ValueError, r"pool_size must be positive"),
    (lambda: ops.output_shape(5, 7), ValueError, r"kernel_size is larger than the padded input"),
    (lambda: ops.output_shape(5, 3, stride=True), TypeError, r"stride must be an int"),
    (lambda: ops.conv2d_cost(0, 3, 3, 5), ValueError, r"in_channels must be a positive int \(>= 1\), got 0"),
]


@pytest.mark.parametrize("call, error, message", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_input_is_refused_before_any_work(monkeypatch):
    calls = []
    monkeypatch.setattr(ops, "_float_pair", lambda *a: calls.append(a))
    with pytest.raises(ValueError):
        ops.corr2d(torch.ones(2, 2), torch.ones(3, 3))
    assert calls == []


# --- absurd sizes and max-pool ties (issue 14) --------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: ops.corr2d(torch.ones(8, 8), torch.ones(3, 3), padding=10 ** 5),
    lambda: ops.corr2d(torch.ones(8, 8), torch.ones(3, 3), padding=10 ** 20),
    lambda: ops.corr2d_multi_in_out(torch.ones(2, 8, 8), torch.ones(3, 2, 3, 3), padding=10 ** 5),
    lambda: ops.corr2d_multi_in(torch.ones(2, 8, 8), torch.ones(2, 3, 3), padding=(0, 10 ** 9)),
    lambda: ops.conv2d(torch.ones(8, 8), torch.ones(3, 3), padding=10 ** 20),
])
def test_absurd_padding_is_refused_before_any_work(call, monkeypatch):
    def no_padding(*args, **kwargs):
        raise AssertionError("F.pad was called")

    monkeypatch.setattr(ops.F, "pad", no_padding)
    with pytest.raises(ValueError, match=r"padding .* makes the padded input .* values\), more "
                                         r"than the .* convbook allows"):
        call()


def test_a_huge_stride_gives_the_single_window():
    X = torch.arange(64.0).reshape(8, 8)
    for huge, same in ((10 ** 30, 8), ((10 ** 30, 1), (8, 1)), (9, 8)):
        assert torch.equal(ops.corr2d(X, torch.ones(3, 3), stride=huge),
                           ops.corr2d(X, torch.ones(3, 3), stride=same))
    assert ops.corr2d_multi_in(torch.ones(2, 8, 8), torch.ones(2, 3, 3), stride=10 ** 30).shape \
        == (1, 1)
    assert ops.pool2d(X, 2, stride=10 ** 30).tolist() == [[9.0]]
    assert ops.pool2d(X, 3, mode="avg", stride=10 ** 30, padding=1).shape == (1, 1)


@pytest.mark.parametrize("size, stride, padding", [(2, 2, 0), (2, 1, 0), (3, 1, 1), (3, 2, 1)])
def test_max_pool_gradient_on_ties_matches_torch(size, stride, padding):
    g = torch.Generator().manual_seed(size * 10 + stride)
    for X in (torch.ones(6, 6), torch.randint(0, 2, (6, 6), generator=g).float(),
              torch.randint(0, 3, (2, 7, 7), generator=g).float()):
        ours, theirs = X.clone().requires_grad_(), X.clone().requires_grad_()
        weights = torch.rand(ops.pool2d(X, size, padding=padding, stride=stride).shape,
                             generator=g)
        (ops.pool2d(ours, size, padding=padding, stride=stride) * weights).sum().backward()
        batch = theirs if X.dim() == 3 else theirs[None]
        out = F.max_pool2d(batch, size, stride, padding)
        (out.reshape(weights.shape) * weights).sum().backward()
        torch.testing.assert_close(ours.grad, theirs.grad)


def test_conv2d_cost_bias_is_a_real_boolean():
    with pytest.raises(TypeError, match="bias must be True or False"):
        ops.conv2d_cost(3, 64, 3, 224, bias="no")


# ---- issue 21: integer inputs stay exact; the 1x1 product is bounded --------------------------

def test_integer_pooling_is_exact_above_float32s_integer_range():
    """Issue 21: 16777217 came back as 16777216.0 (ints were converted to float32)."""
    X = torch.tensor([[16777217, 3], [-16777219, 5]])
    for mode in ("max", "avg"):
        Y = ops.pool2d(X, (1, 2), mode=mode)
        if mode == "max":
            assert torch.equal(Y.long(), F.max_pool2d(X[None], (1, 2))[0])
        else:
            assert Y.tolist() == [[8388610.0], [-8388607.0]]
    assert ops.pool2d(torch.tensor([[7, 3]]), (1, 2)).dtype == torch.get_default_dtype()


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 2**16), st.sampled_from([2**10, 2**25, 2**40]))
def test_integer_correlation_agrees_exactly_with_torch(h, w, k_h, k_w, seed, high):
    """Issue 21: corr2d rounded integer inputs to float32; now exact, or refused by name."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(-high, high, (h + k_h - 1, w + k_w - 1), generator=g)
    K = torch.randint(-high, high, (k_h, k_w), generator=g)
    # the rule reads the values drawn, not the range they were drawn from
    if X.abs().max().item() * K.abs().max().item() * k_h * k_w > 2 ** 53:
        with pytest.raises(ValueError, match=r"X and K hold integers whose results reach .* "
                                             r"beyond 2\*\*53"):
            ops.corr2d(X, K)
        return
    expected = F.conv2d(X[None, None], K[None, None])[0, 0]
    assert torch.equal(ops.corr2d(X, K).long(), expected)
    assert torch.equal(ops.corr2d_loop(X, K).long(), expected)
    assert torch.equal(ops.corr2d_multi_in_out(X[None], K[None, None])[0].long(), expected)


def test_integers_mixed_with_floats_convert_exactly():
    Y = ops.corr2d(torch.tensor([[16777217, 3]]), torch.tensor([[1.0]]))
    assert Y.dtype == torch.float64 and Y[0, 0] == 16777217


@pytest.mark.parametrize("call", [
    lambda: ops.corr2d_multi_in_out_1x1(torch.ones(1, 1000, 1000), torch.ones(2000, 1)),
    lambda: ops.corr2d_multi_in_out(torch.ones(1, 1000, 1000), torch.ones(2000, 1, 1, 1)),
])
def test_many_output_channels_are_refused_naming_them_not_the_padding(call, monkeypatch):
    """Issue 21: the 1x1 version tried 8 GB; the general one blamed "padding (0, 0)"."""
    monkeypatch.setattr(torch.Tensor, "__matmul__", lambda *a: pytest.fail("work was done"))
    with pytest.raises(ValueError, match=r"K's 2000 output channels on .*1000x1000 .* makes "
                                         r"the output 2000 x 1000 x 1000") as error:
        call()
    assert "padding (0, 0) makes" not in str(error.value)
