"""Section 04's self-check on whole networks (convbook.exercises.s04_receptive_fields):
right answers of every type pass, wrong ones and junk fail with a hint and never raise."""
import numpy as np
import pytest
import torch

from convbook.architectures import resnet18, resnet50
from convbook.exercises import check_network_field


@pytest.mark.parametrize("answer", [483, 483.0, (483, 483), [483, 483], np.int64(483),
                                    np.array([483, 483]), torch.tensor(483)])
def test_the_right_answer_passes_in_any_form(answer, capsys):
    assert check_network_field(answer, resnet50(width=1 / 16, stride_in="1x1"))
    assert capsys.readouterr().out.startswith("PASS: the receptive field of ResNet")


@pytest.mark.parametrize("answer", [427, 435, 482, (483, 482), -483])
def test_wrong_answers_fail_with_a_hint(answer, capsys):
    assert not check_network_field(answer, resnet50(width=1 / 16, stride_in="1x1"))
    assert "Hint: follow every branch" in capsys.readouterr().out


@pytest.mark.parametrize("answer", ["483", [[483]] * 3, object(), float("nan")])
def test_junk_fails_with_a_hint_about_the_form(answer, capsys):
    assert not check_network_field(answer, resnet50(width=1 / 16, stride_in="1x1"))
    out = capsys.readouterr().out
    assert out.startswith("FAIL: ") and "Hint: " in out


def test_stride_and_padding_and_an_unanswered_exercise(capsys):
    net = resnet18(width=1 / 16)
    assert check_network_field(32, net, "stride") and check_network_field(217, net, "padding")
    assert not check_network_field(None, net)
    assert "Not answered yet" in capsys.readouterr().out
    with pytest.raises(ValueError, match="quantity must be 'size', 'stride' or 'padding'"):
        check_network_field(32, net, "jump")
