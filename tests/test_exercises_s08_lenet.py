"""Section 08's self-checks (convbook.exercises.s08_lenet): the modernised LeNet, the map that
differs most, LeNet's shapes and parameters, and the most frequent confusion (uint8 counts
read without wrapping, any of several tied cells accepted)."""
import pytest
import torch
from conftest import uint8_confusion_counts
from torch import nn

from convbook.data import FASHION_MNIST_LABELS
from convbook.exercises import (check_chance_loss, check_lenet_parameters, check_lenet_shape,
                                check_modern_lenet, check_most_confused,
                                check_most_different_map)
from convbook.layers import LeNet


def test_lenet_exercise_checks(capsys):
    assert check_modern_lenet(LeNet(activation=nn.ReLU, pool=nn.MaxPool2d))
    assert capsys.readouterr().out.startswith("PASS: ")
    assert not check_modern_lenet(LeNet())
    assert not check_modern_lenet(LeNet(activation=nn.ReLU))
    assert not check_modern_lenet(nn.Sequential(nn.ReLU(), nn.MaxPool2d(2)))
    assert "Hint:" in capsys.readouterr().out
    assert not check_modern_lenet(None)
    a, b = torch.zeros(3, 4, 4), torch.zeros(3, 4, 4)
    b[2] = 1.0
    b[0, 0, 0] = 5.0
    assert check_most_different_map(2, a, b) and not check_most_different_map(0, a, b)
    with pytest.raises(ValueError, match="maps_a and maps_b must be C x H x W"):
        check_most_different_map(0, a, b[0])
    assert check_lenet_shape((16, 10, 10), 3) and not check_lenet_shape((16, 14, 14), 3)
    assert check_lenet_parameters(48120, 7) and check_chance_loss(2.3026)


def test_most_confused_with_uint8_counts_does_not_wrap_the_diagonal():
    counts, shirt, tshirt = uint8_confusion_counts()
    assert counts.dtype == torch.uint8
    assert not check_most_confused((tshirt, tshirt), counts, FASHION_MNIST_LABELS)
    assert check_most_confused((shirt, tshirt), counts, FASHION_MNIST_LABELS)


def test_most_confused_accepts_any_of_several_tied_cells():
    counts = torch.eye(3, dtype=torch.int64) * 9 + torch.tensor([[0, 4, 1], [0, 0, 4], [2, 0, 0]])
    names = ("a", "b", "c")
    assert check_most_confused(("a", "b"), counts, names)
    assert check_most_confused(("b", "c"), counts, names)
    assert not check_most_confused(("c", "a"), counts, names)
    assert not check_most_confused(("a", "a"), counts, names)


def test_most_different_map_accepts_any_tied_map(capsys):
    from convbook.exercises import check_most_different_map
    a, b = torch.zeros(2, 3, 3), torch.ones(2, 3, 3)
    assert check_most_different_map(1, a, b) and check_most_different_map(0, a, b)
    assert not check_most_different_map(2, a, b)
    # float64: maps that differ by less than float32 can hold are not a tie
    near = torch.tensor([1.0, 1.0 + 1e-12], dtype=torch.float64)[:, None, None].expand(2, 3, 3)
    assert check_most_different_map(1, torch.zeros(2, 3, 3, dtype=torch.float64), near)
    assert not check_most_different_map(0, torch.zeros(2, 3, 3, dtype=torch.float64), near)
