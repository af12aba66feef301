"""Section 00's self-checks (convbook.exercises.s00_from_fc_to_conv): each passes the
solution, fails a wrong answer with a hint and asks for an answer when it is still None."""
from conftest import contract_tests

from convbook.exercises import check_dense_parameters, check_influence

# check, arguments after the answer, the solution, a wrong answer
CASES = [
    (check_dense_parameters, (784, 256), 200_960, 784 * 256),
    (check_influence, (28, 5), (25, 784), (5, 784)),
]
test_check_passes_the_solution_and_fails_a_wrong_answer, \
    test_check_asks_for_an_answer_when_it_is_none = contract_tests(CASES)
