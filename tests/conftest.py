"""Helpers shared by several test files (pytest loads this file first; import them with
``from conftest import ...``)."""
import pytest
import torch

from convbook.data import FASHION_MNIST_LABELS
from convbook.layers import ModernLeNet
from convbook.train import train


def assert_passes_then_fails(check, args, solution, wrong, capsys):
    """The contract of every self-check: ``solution`` passes with a PASS line, ``wrong`` fails
    with a FAIL line that carries a hint."""
    assert bool(check(solution, *args)) is True
    assert capsys.readouterr().out.startswith("PASS: ")
    assert bool(check(wrong, *args)) is False
    printed = capsys.readouterr().out
    assert printed.startswith("FAIL: ") and "Hint: " in printed


def assert_asks_for_an_answer(check, args, capsys):
    """A check given None (the exercise's placeholder) fails and asks for an answer."""
    assert bool(check(None, *args)) is False
    assert capsys.readouterr().out.startswith("Not answered yet")


def contract_tests(cases):
    """The two contract tests above, parametrised over a section's rows (check, arguments
    after the answer, the solution, a wrong answer); a test file assigns them to names that
    start with ``test_`` so pytest collects them."""
    ids = [f"{case[0].__name__}-{i}" for i, case in enumerate(cases)]

    @pytest.mark.parametrize("check, args, solution, wrong", cases, ids=ids)
    def passes_the_solution_and_fails_a_wrong_answer(check, args, solution, wrong, capsys):
        assert_passes_then_fails(check, args, solution, wrong, capsys)

    @pytest.mark.parametrize("check, args", [case[:2] for case in cases], ids=ids)
    def asks_for_an_answer_when_it_is_none(check, args, capsys):
        assert_asks_for_an_answer(check, args, capsys)

    return passes_the_solution_and_fails_a_wrong_answer, asks_for_an_answer_when_it_is_none


def uint8_confusion_counts():
    """A 10-class uint8 confusion matrix whose largest mistake is shirts taken for T-shirts
    (90 times; 60 the other way round); its diagonal, 200, would wrap if negated in uint8.
    Returns (counts, 'Shirt' label, 'T-shirt/top' label)."""
    counts = torch.full((10, 10), 3, dtype=torch.uint8)
    counts.fill_diagonal_(200)
    counts[6, 0] = 90
    counts[0, 6] = 60
    return counts, FASHION_MNIST_LABELS[6], FASHION_MNIST_LABELS[0]


def quadrant_data(n=240, seed=0):
    """28x28 uint8 images with one bright 14x14 quadrant; the label is the quadrant (4 classes)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(0, 60, (n, 28, 28), generator=g, dtype=torch.uint8)
    y = torch.arange(n) % 4
    for i, q in enumerate(y.tolist()):
        r, c = divmod(q, 2)
        X[i, 14 * r:14 * r + 14, 14 * c:14 * c + 14] += 150
    return X, y


def small_run(seed=0, epochs=2, **kwargs):
    """A ModernLeNet trained on quadrant_data() with Adam, silently: (net, history)."""
    torch.manual_seed(0)
    net = ModernLeNet(num_classes=4)
    X, y = quadrant_data()
    options = dict(epochs=epochs, lr=0.01, optimizer="adam", batch_size=32, seed=seed,
                   progress=False, live=False, log=lambda line: None)
    options.update(kwargs)
    return net, train(net, (X, y), (X[:80], y[:80]), **options)
