"""The answer-reading layer every self-check uses (convbook.exercises.answers): readers turn
answers into numbers or raise Unreadable, a Verdict shows nothing in a notebook, and a check
whose answer is the reader's function reports that function's failures instead of raising."""
import numpy as np
import pytest
import torch

from convbook.exercises import check_conv_as_matmul, check_max_via_relu, check_mirror_pad
from convbook.exercises.answers import (Unreadable, read_number, read_numbers, read_tensor,
                                        report)


def test_a_verdict_displays_nothing_in_a_notebook():
    verdict = report(True, "fine")
    assert verdict._ipython_display_() is None and repr(verdict) == "Verdict(True)"


def test_readers_turn_answers_into_numbers():
    assert read_number(np.float32(26.0), whole=True) == 26
    assert read_numbers(torch.Size([3, 4]), 2) == (3, 4)
    assert read_tensor([[1, 2]]).dtype == torch.float64
    for reader in (lambda: read_number(25.5, whole=True), lambda: read_numbers(3, 2),
                   lambda: read_tensor("x"), lambda: read_number([1, 2])):
        with pytest.raises(Unreadable):
            reader()


def raises(*args):
    raise IndexError("boom")


@pytest.mark.parametrize("check", [check_mirror_pad, check_conv_as_matmul, check_max_via_relu],
                         ids=lambda check: check.__name__)
@pytest.mark.parametrize("junk", ["abc", 3, lambda *a: None, raises, lambda *a: "text"])
def test_function_checks_fail_on_junk_without_raising(check, junk, capsys):
    assert not check(junk)
    assert capsys.readouterr().out.startswith("FAIL: ")
