"""Self-checks of sections 00, 02 and 03: each passes the solution, fails a wrong answer
(printing a hint) and asks for an answer when it is still None."""
import pytest
import torch

from convbook import exercises
from convbook.kernels import kernel
from convbook.ops import conv2d, corr2d

EDGE_K = [[1.0, -1.0]]

# check name, arguments after the answer, the solution, a wrong answer
CASES = [
    ("check_dense_parameters", (784, 256), 200_960, 784 * 256),
    ("check_influence", (28, 5), (25, 784), (5, 784)),
    ("check_horizontal_edge_kernel", (), [[1.0], [-1.0]], EDGE_K),
    ("check_shift_kernel", (), [[0, 0, 0], [1, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 1], [0, 0, 0]]),
    ("check_flipped_kernel", ([[1, 2], [3, 4]],), [[4, 3], [2, 1]], [[1, 2], [3, 4]]),
    ("check_learned_kernel", (EDGE_K,), torch.tensor([[[[0.97, -1.02]]]]), [[0.8, -1.0]]),
]


@pytest.mark.parametrize("name, args, solution, wrong", CASES, ids=[c[0] for c in CASES])
def test_check_passes_the_solution_and_fails_a_wrong_answer(name, args, solution, wrong, capsys):
    check = getattr(exercises, name)
    assert bool(check(solution, *args)) is True
    assert capsys.readouterr().out.startswith("PASS: ")
    assert bool(check(wrong, *args)) is False
    printed = capsys.readouterr().out
    assert printed.startswith("FAIL: ") and "Hint: " in printed


@pytest.mark.parametrize("name, args", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_check_asks_for_an_answer_when_it_is_none(name, args, capsys):
    assert bool(getattr(exercises, name)(None, *args)) is False
    assert capsys.readouterr().out.startswith("Not answered yet")


@pytest.mark.parametrize("answer", ["abc", [[1, 2], [3]], torch.ones(7, 9)])
def test_kernel_checks_refuse_answers_that_are_not_kernels_without_raising(answer, capsys):
    assert not exercises.check_horizontal_edge_kernel(answer)
    assert not exercises.check_shift_kernel(answer)
    assert capsys.readouterr().out.count("FAIL: ") == 2


def test_the_02_hand_computation_solution():
    """Exercise 2 of section 02: Sobel x on the 3x4 step image is [[4, 4]]."""
    assert corr2d([[0, 0, 1, 1]] * 3, kernel("Sobel x")).tolist() == [[4.0, 4.0]]


def test_strict_convolution_data_is_matched_by_the_flipped_kernel():
    """What section 03 demonstrates: conv2d with K equals corr2d with K flipped."""
    X = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    K = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert torch.allclose(conv2d(X, K), corr2d(X, K.flip(0, 1)))
