"""The self-checks of section 01: PASS for the right answer, FAIL with a hint, or not answered."""
import pytest

from convbook import exercises


@pytest.mark.parametrize("check, right, wrong", [
    (lambda a: exercises.check_output_size(a, 8, 6), (3, 3), (2, 2)),
    (lambda a: exercises.check_output_size(a, 8, 3, padding=1, stride=2), [4, 4], 4),
    (lambda a: exercises.check_corr2d(a, [[1, 2, 0], [0, 1, 2]], [[1, -1]]),
     [[-1, 2], [-1, -1]], [[1, -2], [1, 1]]),
    (lambda a: exercises.check_conv_layer_parameters(a, (5, 5)), 26, 25),
])
def test_checks_pass_fail_and_wait_for_an_answer(check, right, wrong, capsys):
    assert check(right)
    assert capsys.readouterr().out.startswith("PASS: ")
    assert not check(wrong)
    out = capsys.readouterr().out
    assert out.startswith("FAIL: ") and "Hint:" in out
    assert not check(None)
    assert capsys.readouterr().out.strip() == exercises.NOT_ANSWERED


def test_a_verdict_displays_nothing_in_a_notebook():
    verdict = exercises.report(True, "fine")
    assert verdict._ipython_display_() is None and repr(verdict) == "Verdict(True)"


# --- checks added by issue 11 (sections 01-02) -------------------------------------------

import numpy as np     # noqa: E402
import torch           # noqa: E402

M_CHAPTER = [[1, 2, 0, 3, 4, 0, 0, 0, 0], [0, 1, 2, 0, 3, 4, 0, 0, 0],
             [0, 0, 0, 1, 2, 0, 3, 4, 0], [0, 0, 0, 0, 1, 2, 0, 3, 4]]
NEW_CHECKS = {
    "corr2d_matrix": (lambda a: exercises.check_corr2d_matrix(a, [[1, 2], [3, 4]], (3, 3)),
                      M_CHAPTER, [row[::-1] for row in M_CHAPTER]),
    "directional": (lambda a: exercises.check_directional_kernel(a, (1, 1)),
                    [[-1, 0], [0, 1]], [[1, -1]]),
    "directional, sum of axes": (lambda a: exercises.check_directional_kernel(a, (1, 1)),
                                 [[-2, 1], [1, 0]], [[-1, 0], [0, -1]]),
    "second derivative": (lambda a: exercises.check_derivative_kernel(a, 2),
                          [[1, -2, 1]], [[1, -1]]),
    "third derivative": (lambda a: exercises.check_derivative_kernel(a, 3),
                         [-1, 3, -3, 1], [[1, -2, 1]]),
}
FORMS = {"list": lambda a: a, "float": lambda a: [[float(v) for v in row] for row in
                                                  np.atleast_2d(a).tolist()],
         "numpy": np.array, "torch": torch.tensor,
         "torch float32": lambda a: torch.tensor(a, dtype=torch.float32)}
JUNK = ["abc", [[1, 2], [3]], torch.ones(40, 40), {"a": 1}, object(), float("nan"), 3,
        [[float("inf"), 0]], torch.ones(0, 2), np.array([["x", "y"]])]


@pytest.mark.parametrize("name", NEW_CHECKS)
@pytest.mark.parametrize("form", FORMS)
def test_issue11_checks_accept_right_answers_in_every_form(name, form, capsys):
    check, right, wrong = NEW_CHECKS[name]
    assert check(FORMS[form](right))
    assert capsys.readouterr().out.startswith("PASS: ")
    assert not check(FORMS[form](wrong))
    out = capsys.readouterr().out
    assert out.startswith("FAIL: ") and "Hint:" in out
    assert not check(None)
    assert capsys.readouterr().out.strip() == exercises.NOT_ANSWERED


@pytest.mark.parametrize("name", NEW_CHECKS)
def test_issue11_checks_answer_fail_on_junk_without_raising(name, capsys):
    check = NEW_CHECKS[name][0]
    for junk in JUNK:
        assert not check(junk)
        assert capsys.readouterr().out.startswith("FAIL: "), repr(junk)
