"""Section 06's self-checks (convbook.exercises.s06_channels): each passes the model answer
(as int, numpy, torch or list where that makes sense), fails a wrong one with a hint, asks for
an answer when it is None, and never raises on junk."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import contract_tests

from convbook.exercises import (check_composed_kernel, check_conv2d_cost, check_conv_as_matmul,
                                check_conv_memory)


def conv_as_matmul(X, K):          # the model answer of 06 (im2col)
    c_o, c_i, k_h, k_w = K.shape
    h, w = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1
    columns = torch.stack([X[:, i:i + k_h, j:j + k_w].reshape(-1)
                           for i in range(h) for j in range(w)], dim=1)
    return (K.reshape(c_o, -1) @ columns).reshape(c_o, h, w)


K1, K2 = [[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0, -1.0]]
COMPOSED = F.conv2d(F.pad(torch.tensor(K1)[None, None], (2, 2, 0, 0)),
                    torch.tensor(K2).flip(0, 1)[None, None])[0, 0]

# check, arguments after the answer, the solution, a wrong answer
CASES = [
    (check_composed_kernel, (K1, K2), COMPOSED, torch.tensor(K1) * 2),
    (check_composed_kernel, (K1, K2), COMPOSED.numpy(), COMPOSED[:, :3]),
    (check_conv_memory, (3, 8, 3, 10, 1, 2), 300 + 216 + 8 + 200, 300 + 216 + 200),
    (check_conv_memory, (3, 8, 3, 10, 1, 2), np.int64(724), torch.tensor(725)),
    (check_conv_as_matmul, (), conv_as_matmul, lambda X, K: F.conv2d(X[None], K)[0] + 1),
]
test_check_passes_the_solution_and_fails_a_wrong_answer, \
    test_check_asks_for_an_answer_when_it_is_none = contract_tests(CASES)


@pytest.mark.parametrize("junk", ["abc", [[1, 2], [3]], torch.ones(7, 9), True, [724, 1]])
def test_number_and_kernel_checks_fail_on_junk_without_raising(junk, capsys):
    assert not check_composed_kernel(junk, K1, K2)
    assert not check_conv_memory(junk, 3, 8, 3, 10, 1, 2)
    assert capsys.readouterr().out.count("FAIL: ") == 2


def test_the_composed_kernel_is_the_full_convolution_of_the_two():
    """06 exercise 1: X * K1 * K2 = X * (K1 * K2), a (k1 + k2 - 1)-wide kernel."""
    X = torch.randn(7, 9, generator=torch.Generator().manual_seed(1))
    two_layers = F.conv2d(F.conv2d(X[None, None], torch.tensor(K1)[None, None]),
                          torch.tensor(K2)[None, None])
    assert COMPOSED.shape == (2, 4)
    assert torch.allclose(F.conv2d(X[None, None], COMPOSED[None, None]), two_layers, atol=1e-5)


def test_conv2d_cost_reads_dict_keys_not_their_order():
    assert check_conv2d_cost({"flops": 176619520, "parameters": 1792}, 3, 64, 3, 224)
    assert not check_conv2d_cost({"params": 176619520, "FLOPs": 1792}, 3, 64, 3, 224)
