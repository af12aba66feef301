"""Section 07's self-checks (convbook.exercises.s07_pooling): max from ReLU passes the model
answer, fails a wrong one with a hint and asks for an answer when it is None."""
import torch
from conftest import contract_tests

from convbook.exercises import check_max_via_relu

# check, arguments after the answer, the solution, a wrong answer
CASES = [
    (check_max_via_relu, (), lambda a, b: b + torch.relu(a - b),
     lambda a, b: torch.relu(a) + torch.relu(b)),
]
test_check_passes_the_solution_and_fails_a_wrong_answer, \
    test_check_asks_for_an_answer_when_it_is_none = contract_tests(CASES)
