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
