"""Self-checks added for the chapter's exercises in sections 05-07: each passes the model
answer (as int, numpy, torch or list where that makes sense), fails a wrong one with a hint,
asks for an answer when it is None, and never raises on junk."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convbook import exercises
import test_kernels_sections as sections_00_03       # the same pass/fail contract


def mirror_pad(X, p):              # the model answer printed in 05
    rows = torch.cat([X[1:p + 1].flip(0), X, X[-p - 1:-1].flip(0)])
    return torch.cat([rows[:, 1:p + 1].flip(1), rows, rows[:, -p - 1:-1].flip(1)], dim=1)


def edge_pad(X, p):                # repeats the edge: numpy's "symmetric", not "reflect"
    return F.pad(X[None, None], (p, p, p, p), mode="replicate")[0, 0]


def conv_as_matmul(X, K):          # the model answer of 06 (im2col)
    c_o, c_i, k_h, k_w = K.shape
    h, w = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1
    columns = torch.stack([X[:, i:i + k_h, j:j + k_w].reshape(-1)
                           for i in range(h) for j in range(w)], dim=1)
    return (K.reshape(c_o, -1) @ columns).reshape(c_o, h, w)


K1, K2 = [[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0, -1.0]]
COMPOSED = F.conv2d(F.pad(torch.tensor(K1)[None, None], (2, 2, 0, 0)),
                    torch.tensor(K2).flip(0, 1)[None, None])[0, 0]

# check name, arguments after the answer, the solution, a wrong answer
CASES = [
    ("check_mirror_pad", (), mirror_pad, edge_pad),
    ("check_composed_kernel", (K1, K2), COMPOSED, torch.tensor(K1) * 2),
    ("check_composed_kernel", (K1, K2), COMPOSED.numpy(), COMPOSED[:, :3]),
    ("check_conv_memory", (3, 8, 3, 10, 1, 2), 300 + 216 + 8 + 200, 300 + 216 + 200),
    ("check_conv_memory", (3, 8, 3, 10, 1, 2), np.int64(724), torch.tensor(725)),
    ("check_conv_as_matmul", (), conv_as_matmul, lambda X, K: F.conv2d(X[None], K)[0] + 1),
    ("check_max_via_relu", (), lambda a, b: b + torch.relu(a - b),
     lambda a, b: torch.relu(a) + torch.relu(b)),
]


@pytest.mark.parametrize("name, args, solution, wrong", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_check_passes_the_solution_and_fails_a_wrong_answer(name, args, solution, wrong, capsys):
    sections_00_03.test_check_passes_the_solution_and_fails_a_wrong_answer(
        name, args, solution, wrong, capsys)


@pytest.mark.parametrize("name, args", [(c[0], c[1]) for c in CASES],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_check_asks_for_an_answer_when_it_is_none(name, args, capsys):
    assert bool(getattr(exercises, name)(None, *args)) is False
    assert capsys.readouterr().out.startswith("Not answered yet")


def raises(*args):
    raise IndexError("boom")


@pytest.mark.parametrize("name, args", [("check_mirror_pad", ()), ("check_conv_as_matmul", ()),
                                        ("check_max_via_relu", ())])
@pytest.mark.parametrize("junk", ["abc", 3, lambda *a: None, raises, lambda *a: "text"])
def test_function_checks_fail_on_junk_without_raising(name, args, junk, capsys):
    assert not getattr(exercises, name)(junk, *args)
    assert capsys.readouterr().out.startswith("FAIL: ")


@pytest.mark.parametrize("junk", ["abc", [[1, 2], [3]], torch.ones(7, 9), True, [724, 1]])
def test_number_and_kernel_checks_fail_on_junk_without_raising(junk, capsys):
    assert not exercises.check_composed_kernel(junk, K1, K2)
    assert not exercises.check_conv_memory(junk, 3, 8, 3, 10, 1, 2)
    assert capsys.readouterr().out.count("FAIL: ") == 2


def test_the_composed_kernel_is_the_full_convolution_of_the_two():
    """06 exercise 1: X * K1 * K2 = X * (K1 * K2), a (k1 + k2 - 1)-wide kernel."""
    X = torch.randn(7, 9, generator=torch.Generator().manual_seed(1))
    two_layers = F.conv2d(F.conv2d(X[None, None], torch.tensor(K1)[None, None]),
                          torch.tensor(K2)[None, None])
    assert COMPOSED.shape == (2, 4)
    assert torch.allclose(F.conv2d(X[None, None], COMPOSED[None, None]), two_layers, atol=1e-5)
