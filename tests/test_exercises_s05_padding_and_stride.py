"""Section 05's self-checks (convbook.exercises.s05_padding_and_stride): mirror padding passes
the model answer printed in 05 and fails edge padding, with a hint."""
import torch
import torch.nn.functional as F
from conftest import contract_tests

from convbook.exercises import check_mirror_pad


def mirror_pad(X, p):              # the model answer printed in 05
    rows = torch.cat([X[1:p + 1].flip(0), X, X[-p - 1:-1].flip(0)])
    return torch.cat([rows[:, 1:p + 1].flip(1), rows, rows[:, -p - 1:-1].flip(1)], dim=1)


def edge_pad(X, p):                # repeats the edge: numpy's "symmetric", not "reflect"
    return F.pad(X[None, None], (p, p, p, p), mode="replicate")[0, 0]


# check, arguments after the answer, the solution, a wrong answer
CASES = [(check_mirror_pad, (), mirror_pad, edge_pad)]
test_check_passes_the_solution_and_fails_a_wrong_answer, \
    test_check_asks_for_an_answer_when_it_is_none = contract_tests(CASES)
