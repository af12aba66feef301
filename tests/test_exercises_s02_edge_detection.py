"""Section 02's self-checks (convbook.exercises.s02_edge_detection): each passes the
solution, fails a wrong answer with a hint and asks for an answer when it is still None; the
kernel checks refuse answers that are not kernels without raising."""
import pytest
import torch
from conftest import contract_tests

from convbook.exercises import check_horizontal_edge_kernel, check_shift_kernel

# check, arguments after the answer, the solution, a wrong answer
CASES = [
    (check_horizontal_edge_kernel, (), [[1.0], [-1.0]], [[1.0, -1.0]]),
    (check_shift_kernel, (), [[0, 0, 0], [1, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 1], [0, 0, 0]]),
]
test_check_passes_the_solution_and_fails_a_wrong_answer, \
    test_check_asks_for_an_answer_when_it_is_none = contract_tests(CASES)


@pytest.mark.parametrize("answer", ["abc", [[1, 2], [3]], torch.ones(7, 9)])
def test_kernel_checks_refuse_answers_that_are_not_kernels_without_raising(answer, capsys):
    assert not check_horizontal_edge_kernel(answer)
    assert not check_shift_kernel(answer)
    assert capsys.readouterr().out.count("FAIL: ") == 2
