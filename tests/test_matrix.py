"""convbook.matrix against corr2d, autograd and torch's transposed convolution."""
import pytest
import torch
import torch.nn.functional as F

from convbook.matrix import ConvMatrix, corr2d_matrix, im2col, window_cells
from convbook.ops import corr2d

SETTINGS = [((3, 3), (2, 2), 0, 1), ((5, 7), (3, 2), 1, 1), ((6, 8), (1, 2), 0, 1),
            ((7, 6), (3, 3), (1, 0), (2, 3)), ((4, 4), (4, 4), 2, 3)]


def _data(input_size, kernel_size, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(input_size, generator=generator, dtype=torch.float64),
            torch.randn(kernel_size, generator=generator, dtype=torch.float64))


@pytest.mark.parametrize("input_size, kernel_size, padding, stride", SETTINGS)
def test_matrix_and_im2col_compute_corr2d(input_size, kernel_size, padding, stride):
    X, K = _data(input_size, kernel_size)
    Y = corr2d(X, K, padding=padding, stride=stride)
    M = corr2d_matrix(K, input_size, padding, stride)
    assert M.shape == (Y.numel(), X.numel())
    assert torch.allclose(M @ X.reshape(-1), Y.reshape(-1))
    assert torch.allclose(K.reshape(-1) @ im2col(X, kernel_size, padding, stride), Y.reshape(-1))


@pytest.mark.parametrize("input_size, kernel_size, padding, stride", SETTINGS)
def test_transpose_is_the_input_gradient_and_conv_transpose2d(input_size, kernel_size, padding,
                                                               stride):
    X, K = _data(input_size, kernel_size)
    model = ConvMatrix(K, input_size, padding, stride)
    G = torch.randn(model.output_size, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(1))
    X.requires_grad_(True)
    (corr2d(X, K, padding=padding, stride=stride) * G).sum().backward()
    assert torch.allclose(model.transpose(G), X.grad)
    # conv_transpose2d gives the full upsampled map; output_padding restores the rows/columns
    # that a non-dividing stride dropped, and padding crops the border
    p, s = model.padding, model.stride
    extra = tuple((n + 2 * pp - k) % ss for n, pp, k, ss in
                  zip(input_size, p, kernel_size, s))
    T = F.conv_transpose2d(G[None, None], K[None, None], stride=s, padding=p,
                           output_padding=extra)[0, 0]
    assert torch.allclose(model.transpose(G), T)


def test_the_chapter_4x9_matrix():
    M = corr2d_matrix(torch.arange(4.0).reshape(2, 2), (3, 3))
    assert M.tolist() == [[0, 1, 0, 2, 3, 0, 0, 0, 0], [0, 0, 1, 0, 2, 3, 0, 0, 0],
                          [0, 0, 0, 0, 1, 0, 2, 3, 0], [0, 0, 0, 0, 0, 1, 0, 2, 3]]


def test_matrix_is_doubly_block_toeplitz():
    """Stride 1, no padding: block (i, r) depends only on r - i, and each block is Toeplitz."""
    K = torch.arange(1.0, 7.0).reshape(2, 3)
    n_h, n_w = 4, 5
    M = corr2d_matrix(K, (n_h, n_w))
    o_h, o_w = n_h - 1, n_w - 2
    blocks = M.reshape(o_h, o_w, n_h, n_w).permute(0, 2, 1, 3)      # block (i, r): o_w x n_w
    for i in range(o_h):
        for r in range(n_h):
            block = blocks[i, r]
            if 0 <= r - i < K.shape[0]:
                assert torch.equal(block, blocks[0, r - i])
                for j in range(o_w):
                    assert torch.equal(block[j, j:j + K.shape[1]], K[r - i])
            else:
                assert not block.any()


def test_model_walks_the_windows():
    model = ConvMatrix(torch.arange(4.0).reshape(2, 2), (3, 3))
    X = torch.arange(9.0).reshape(3, 3)
    assert model.output(X).tolist() == [[19, 25], [37, 43]]
    model.step = 3
    assert model.window == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert model.row.nonzero().flatten().tolist() == [5, 7, 8]     # K[0, 0] = 0 drops cell 4
    assert model.columns(X)[:, 3].tolist() == [4, 5, 7, 8]
    assert window_cells(0, (3, 3), 2, padding=1) == [((0, 0), (1, 1))]


@pytest.mark.parametrize("call, error", [
    (lambda: corr2d_matrix(torch.ones(2, 2), (1000, 1000)), ValueError),
    (lambda: corr2d_matrix(torch.ones(3, 3), (2, 2)), ValueError),
    (lambda: corr2d_matrix(torch.ones(2), (3, 3)), ValueError),
    (lambda: corr2d_matrix("K", (3, 3)), TypeError),
    (lambda: im2col(torch.ones(3, 3), 2, stride=0), ValueError),
    (lambda: setattr(ConvMatrix(torch.ones(2, 2), (3, 3)), "step", 4), ValueError),
    (lambda: ConvMatrix(torch.ones(2, 2), (3, 3)).columns(torch.ones(4, 4)), ValueError),
    (lambda: ConvMatrix(torch.ones(2, 2), (3, 3)).transpose(torch.ones(3, 3)), ValueError),
])
def test_bad_input_is_refused_with_the_rule(call, error):
    with pytest.raises(error):
        call()
