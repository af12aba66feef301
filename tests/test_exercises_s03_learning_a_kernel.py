"""Section 03's self-checks (convbook.exercises.s03_learning_a_kernel): each passes the
solution, fails a wrong answer with a hint and asks for an answer when it is still None; a
learned kernel is compared as the layer holds it, never reshaped into a pass."""
import torch
from conftest import contract_tests

from convbook.exercises import check_flipped_kernel, check_learned_kernel
from convbook.kernels import kernel

EDGE_K = [[1.0, -1.0]]

# check, arguments after the answer, the solution, a wrong answer
CASES = [
    (check_flipped_kernel, ([[1, 2], [3, 4]],), [[4, 3], [2, 1]], [[1, 2], [3, 4]]),
    (check_learned_kernel, (EDGE_K,), torch.tensor([[[[0.97, -1.02]]]]), [[0.8, -1.0]]),
]
test_check_passes_the_solution_and_fails_a_wrong_answer, \
    test_check_asks_for_an_answer_when_it_is_none = contract_tests(CASES)


def test_learned_kernel_of_the_wrong_shape_is_not_reshaped_into_a_pass(capsys):
    assert not check_learned_kernel(torch.tensor([[1.0, -1.0]]), kernel("horizontal edge"))
    assert "shape (1, 2)" in capsys.readouterr().out
    assert check_learned_kernel(torch.nn.Conv2d(1, 1, (2, 1)).weight.data.copy_(
        torch.tensor([[[[1.0], [-1.0]]]])), kernel("horizontal edge"))


def test_checks_pass_on_real_tensors_from_a_layer():
    weight = torch.nn.Parameter(torch.tensor([[[[4.0, 3.0], [2.0, 1.0]]]]))
    assert not check_flipped_kernel(weight, [[1, 2], [3, 4]])      # 4-D is not a 2x2 kernel
    assert check_flipped_kernel(weight[0, 0], [[1, 2], [3, 4]])
