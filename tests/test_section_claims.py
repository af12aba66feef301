"""Claims the prose of sections 00-03 rests on, checked on the package's operations (the
sections' self-checks are tested in tests/test_exercises*.py)."""
import torch

from convbook.kernels import kernel
from convbook.ops import conv2d, corr2d

EDGE_K = [[1.0, -1.0]]


def test_the_02_hand_computation_solution():
    """Exercise 2 of section 02: Sobel x on the 3x4 step image is [[4, 4]]."""
    assert corr2d([[0, 0, 1, 1]] * 3, kernel("Sobel x")).tolist() == [[4.0, 4.0]]


def test_strict_convolution_data_is_matched_by_the_flipped_kernel():
    """What section 03 demonstrates: conv2d with K equals corr2d with K flipped."""
    X = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    K = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert torch.allclose(conv2d(X, K), corr2d(X, K.flip(0, 1)))


def test_03_hessian_of_the_chapter_problem_has_eigenvalues_60_and_12():
    """03: without a bias the Hessian of the summed squared error is 2 A A^T (A = im2col of
    the edge image), eigenvalues 12 and 60, so gradient descent needs lr < 2/60."""
    from convbook.matrix import im2col

    X = torch.ones(6, 8, dtype=torch.float64)
    X[:, 2:6] = 0
    A = im2col(X, (1, 2))
    assert torch.allclose(2 * A @ A.T, torch.tensor([[36.0, 24.0], [24.0, 36.0]],
                                                    dtype=torch.float64))
    assert torch.allclose(torch.linalg.eigvalsh(2 * A @ A.T),
                          torch.tensor([12.0, 60.0], dtype=torch.float64))


def test_02_sobel_x_has_the_opposite_sign_of_the_chapter_kernel():
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    assert corr2d(X, EDGE_K)[0].tolist() == [0, 1, 0, 0, 0, -1, 0]
    assert corr2d(X, kernel("Sobel x"))[0].tolist() == [-4, -4, 0, 0, 4, 4]


def test_00_padded_strided_conv_with_global_max_cannot_tell_the_quadrants_apart():
    """00's lab: with padding = stride = 4 and an 8x8 window, an item at a top offset and at
    its partner bottom offset (a multiple of the stride further) gives the same globally
    pooled features, so the quadrant task is at chance; without padding the features differ
    (the border cue)."""
    generator = torch.Generator().manual_seed(0)
    item = torch.rand(14, 14, generator=generator)
    conv = torch.nn.Conv2d(1, 5, 8, stride=4, padding=4)
    unpadded = torch.nn.Conv2d(1, 5, 8, stride=4)
    with torch.no_grad():
        unpadded.weight.copy_(conv.weight)
        unpadded.bias.copy_(conv.bias)

    def pooled(layer, top, left):
        canvas = torch.zeros(1, 1, 28, 28)
        canvas[0, 0, top:top + 14, left:left + 14] = item
        return layer(canvas).relu().amax((-2, -1))

    with torch.no_grad():
        for top, bottom in [(0, 12), (1, 13), (2, 14), (3, 11)]:   # the lab's offsets
            assert torch.allclose(pooled(conv, top, top), pooled(conv, bottom, bottom),
                                  atol=1e-6)
        assert not torch.allclose(pooled(unpadded, 0, 0), pooled(unpadded, 12, 12))
