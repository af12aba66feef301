"""Every self-check of convbook.exercises, driven by one table: the right answer passes in
every form a learner may type it (int, float, numpy and torch scalars and arrays, lists,
tuples), plausible wrong answers fail with a hint, and junk of every type fails with a hint
and never raises.

A check missing from CASES, or defined in a section module but not exported by the package,
fails test_every_check_is_in_the_table: add its row there (and its import to the package)."""
import importlib
import math
import pkgutil

import numpy as np
import pytest
import torch
from conftest import uint8_confusion_counts

from convbook import exercises as ex
from convbook.data import FASHION_MNIST_LABELS
from convbook.exercises.answers import NOT_ANSWERED, Verdict
from convbook.kernels import kernel
from convbook.layers import MLP, LeNet, ModernLeNet


def forms(value):
    """The same right answer written the ways a learner might: plain, numpy, torch, list."""
    if isinstance(value, int):
        return [value, float(value), np.int64(value), np.int32(value), np.float64(value),
                np.array(value), torch.tensor(value), torch.tensor(value, dtype=torch.float64),
                [value]]
    if isinstance(value, float):
        return [value, np.float64(value), np.float32(value), np.array(value),
                torch.tensor(value), torch.tensor([value], dtype=torch.float64), [value]]
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        # float32 holds every whole number only up to 2**24: above, it is refused (E3)
        exact32 = [np.array(value, dtype=np.float32)] if max(value) <= 2 ** 24 else []
        return [value, list(value), tuple(np.int64(v) for v in value),
                tuple(float(v) for v in value), tuple(torch.tensor(v) for v in value),
                np.array(value), torch.tensor(value),
                torch.tensor(value, dtype=torch.float64)] + exact32
    # a nested list: an array answer
    array = np.array(value, dtype=np.float64)
    out = [value, tuple(map(tuple, value)), array, array.astype(np.float32),
           torch.tensor(array), torch.tensor(array, dtype=torch.float32),
           torch.tensor(array, requires_grad=True)]
    if np.array_equal(array, array.round()):
        out += [array.astype(np.int64), torch.tensor(array).long()]
    return out


JUNK = ["abc", "26", b"26", "", {}, {"a": 1}, set(), object(), print, Ellipsis, [], [[]],
        [[1, 2], [3]], [None], [None, None], ["a", "b"], (("a", "b"),), float("nan"),
        float("inf"), -float("inf"), [1.0, float("nan")], True, False, np.bool_(True), 1j,
        [1j, 2], np.array([1 + 2j]), torch.tensor([]), torch.tensor(True),
        torch.tensor([True, False]), np.array(["a", "b"]), np.zeros((40, 40)), -1, 0,
        10 ** 100, [10 ** 100, 1], torch.nn.Linear(2, 2), range(3),
        # tensors that hold no plain values, and a float type torch cannot read (issue 21)
        np.longdouble(26.5), np.array([np.longdouble(1.5)] * 3), torch.empty(3, device="meta"),
        torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]),
        torch.tensor([[0.0, 2.5], [1.5, 0.0]]).to_sparse(),
        torch.quantize_per_tensor(torch.tensor([0.5, 1.5]), 0.1, 0, torch.quint8)]

X4 = [[1, 5, 2, 0], [3, 0, 4, 8], [6, 2, 1, 1], [0, 7, 3, 2]]
RF = "conv 3; conv 3; pool 2; conv 3"
MAPS_A = torch.zeros(4, 3, 3)
MAPS_B = torch.tensor([0.1, -0.5, 0.9, 0.2])[:, None, None] * torch.ones(4, 3, 3)
RF_NET = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3), torch.nn.ReLU(), torch.nn.Conv2d(1, 1, 3),
                             torch.nn.MaxPool2d(2), torch.nn.Conv2d(1, 1, 3))
COUNTS, SHIRT, TSHIRT = uint8_confusion_counts()       # shirts taken for T-shirts most
LN10 = math.log(10)


def conv_as_matmul(X, K):
    """A right answer to check_conv_as_matmul: im2col, then one matrix product."""
    c_o, c_i, k_h, k_w = K.shape
    columns = torch.nn.functional.unfold(X[None], (k_h, k_w))[0]
    h, w = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1
    return (K.reshape(c_o, -1) @ columns).reshape(c_o, h, w)


def max_via_relu(a, b):
    return torch.relu(a - b) + torch.relu(b) - torch.relu(-b)


def mirror_pad(X, p):
    return torch.nn.functional.pad(X[None], (p, p, p, p), mode="reflect")[0]


def conv_as_matmul_then_clear(X, K):
    """A right answer that clears its inputs after use (the expected value must not see it)."""
    out = conv_as_matmul(X, K)
    X.zero_(), K.zero_()
    return out


def zero_kernel_then_correlate(X, K):
    """Wrong: zeroes K, then correlates (it passed when the expected value came after)."""
    K.zero_()
    return conv_as_matmul(X, K)


def mirror_pad_then_clear(X, p):
    out = mirror_pad(X, p).clone()
    X.zero_()
    return out


def max_via_relu_in_place(a, b):
    """A right answer that changes its inputs: a -= b (E2 failed it)."""
    a -= b
    return torch.relu(a) + b


class UnusedMaxPool(torch.nn.Module):
    """Holds ReLU and a MaxPool2d it never calls, and pools with LPPool2d: LeNet's shapes and
    parameter count, the right module kinds, a different function."""

    def __init__(self):
        super().__init__()
        self.net = LeNet(activation=torch.nn.ReLU,
                         pool=lambda kernel_size, stride: torch.nn.LPPool2d(2, kernel_size,
                                                                            stride))
        self.unused = torch.nn.MaxPool2d(2)

    def forward(self, x):
        return self.net(x)


class Raising:
    """Junk whose every conversion raises (the reader's object, not the check's bug)."""

    def __getattr__(self, name):
        if name.startswith("__array"):
            raise RuntimeError("no array here")
        raise AttributeError(name)

    def __len__(self):
        raise RuntimeError("no length")

    def __iter__(self):
        raise RuntimeError("no items")

    def __float__(self):
        raise RuntimeError("no float")


JUNK.append(Raising())


class RaisingNet(torch.nn.Module):
    """A network whose forward raises what it is given (the reader's bug, not the check's)."""

    def __init__(self, error):
        super().__init__()
        self.error = error
        self.conv = torch.nn.Conv2d(1, 1, 3)

    def forward(self, x):
        raise self.error


M_CHAPTER = [[1, 2, 0, 3, 4, 0, 0, 0, 0], [0, 1, 2, 0, 3, 4, 0, 0, 0],
             [0, 0, 0, 1, 2, 0, 3, 4, 0], [0, 0, 0, 0, 1, 2, 0, 3, 4]]

# name: (call with the answer, right answers, plausible wrong answers)
CASES = {
    "check_corr2d_matrix": (lambda a: ex.check_corr2d_matrix(a, [[1, 2], [3, 4]], (3, 3)),
                            forms(M_CHAPTER), [[row[::-1] for row in M_CHAPTER],
                                               np.array(M_CHAPTER).T.tolist(),
                                               M_CHAPTER[:3], [[1, 2], [3, 4]]]),
    "check_directional_kernel": (lambda a: ex.check_directional_kernel(a, (1, 1)),
                                 forms([[-1, 0], [0, 1]]) + forms([[-2, 1], [1, 0]]),
                                 [[[1, -1]], [[-1, 0], [0, -1]], [[1, 0], [0, -1]],
                                  [[0, 0], [0, 0]]]),
    "check_derivative_kernel": (lambda a: ex.check_derivative_kernel(a, 2),
                                forms([[1, -2, 1]]) + [[1, -2, 1], np.array([1.0, -2, 1])],
                                [[[1, -1]], [[-1, 2, -1]], [[1, -2, 2]], [[2, -4, 2]]]),
    "check_output_size": (lambda a: ex.check_output_size(a, 8, 6), forms((3, 3)),
                          [(2, 2), (3, 2), (4, 4), (6, 6), 3]),
    "check_corr2d": (lambda a: ex.check_corr2d(a, [[1, 2, 0], [0, 1, 2]], [[1, -1]]),
                     forms([[-1, 2], [-1, -1]]),
                     [[[1, -2], [1, 1]], [[-1, 2]], [[-1, 2, 0], [-1, -1, 0]],
                      [[-1, -1], [2, -1]]]),
    "check_conv_layer_parameters": (lambda a: ex.check_conv_layer_parameters(a, (5, 5)),
                                    forms(26), [25, 10, 27, 26.5]),
    "check_corr2d_multi_in": (
        lambda a: ex.check_corr2d_multi_in(a, [[[1, 2], [3, 4]], [[0, 1], [1, 0]]],
                                           [[[2]], [[3]]]),
        forms([[2, 7], [9, 8]]), [[[2, 7], [9, 9]], [[2, 4], [6, 8]], [[0, 3], [3, 0]],
                                  [[[2, 4], [6, 8]], [[0, 3], [3, 0]]]]),
    "check_conv2d_cost": (
        lambda a: ex.check_conv2d_cost(a, 3, 64, 3, 224),
        forms((1792, 176619520)) + [{"parameters": 1792, "flops": 176619520},
                                    {"flops": 176619520, "parameters": 1792},
                                    {"params": 1792, "FLOPs": np.int64(176619520)}],
        [(1728, 176619520), (1792, 173408256), (1792, 86704128), (176619520, 1792),
         (1792, np.float32(176619523)), (1792, 176619523), (1792, 176619523.0),
         np.array([1792, 176619520], dtype=np.float32), torch.tensor([1792.0, 176619523.0]),
         {"params": 176619520, "FLOPs": 1792}, {"parameters": 1792}, 1792]),
    "check_grayscale_1x1": (ex.check_grayscale_1x1,
                            forms([[1 / 3, 1 / 3, 1 / 3]]) + [torch.full((1, 3, 1, 1), 1 / 3)],
                            [[[1, 1, 1]], [[1 / 3, 1 / 3]], [[0.5, 0.5, 0]],
                             [[1 / 3], [1 / 3], [1 / 3]], [[0.299, 0.587, 0.114]]]),
    "check_pool2d": (lambda a: ex.check_pool2d(a, X4, 2), forms([[5, 8], [7, 3]]),
                     [[[5, 8], [7, 2]], [[5, 5, 8], [6, 4, 8], [7, 7, 3]],
                      [[2.25, 3.5], [3.75, 1.75]], [[5, 8]]]),
    "check_max_winner": (lambda a: ex.check_max_winner(a, X4, 3, (1, 0), padding=1, stride=2),
                         forms((3, 1)), [(2, 0), (1, 3), (3, 0), (1, 0), 7]),
    "check_max_winner_tied": (  # two cells hold the window's max 8: either is right
        lambda a: ex.check_max_winner(a, [[8, 1], [2, 8]], 2, (0, 0)),
        forms((0, 0)) + forms((1, 1)), [(0, 1), (1, 0), (2, 2), (-1, 0)]),
    "check_avg_pool_kernel": (lambda a: ex.check_avg_pool_kernel(a, pool_size=3),
                              forms([[1 / 9] * 3] * 3),
                              [np.ones((3, 3)), np.full((2, 2), 1 / 4), [[1 / 9] * 3],
                               np.full((3, 3), 1 / 3),
                               [[0, 2 / 9, 1 / 9], [0, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 2 / 9]]]),
    "check_dense_parameters": (lambda a: ex.check_dense_parameters(a, 28 * 28, 256),
                               forms(200960), [200704, 1040, 2 * 200960, 784]),
    "check_influence": (lambda a: ex.check_influence(a, 28, 5), forms((25, 784)),
                        [(25, 25), (784, 25), (24, 784), (5, 784)]),
    "check_horizontal_edge_kernel": (ex.check_horizontal_edge_kernel, forms([[1], [-1]]),
                                     [[[1, -1]], [[-1], [1]], [[1], [1]], [[1, 0], [-1, 0]]]),
    "check_shift_kernel": (ex.check_shift_kernel, forms([[0, 0, 0], [1, 0, 0], [0, 0, 0]]),
                           [[[0, 0, 0], [0, 0, 1], [0, 0, 0]], [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
                            [[1, 0, 0], [0, 0, 0], [0, 0, 0]], [[1, 0]]]),
    "check_flipped_kernel": (lambda a: ex.check_flipped_kernel(a, [[1, 2], [3, 4]]),
                             forms([[4, 3], [2, 1]]),
                             [[[1, 2], [3, 4]], [[2, 1], [4, 3]], [[3, 4], [1, 2]], [[4, 3]]]),
    "check_learned_kernel": (
        lambda a: ex.check_learned_kernel(a, kernel("horizontal edge")),
        forms([[1], [-1]]) + [torch.tensor([[[[1.01], [-0.98]]]], requires_grad=True)],
        [[[1, -1]], torch.tensor([[[[1.0, -1.0]]]]), [[-1], [1]], [[0.5], [-0.5]],
         [[1], [-1], [0]]]),
    "check_receptive_field": (lambda a: ex.check_receptive_field(a, RF), forms(10) + forms((10, 10)),
                              [8, 7, (10, 8), 9, 11]),
    "check_same_padding": (lambda a: ex.check_same_padding(a, 5), forms(2) + forms((2, 2)),
                           [1, 4, 5, (2, 1), 2.5]),
    "check_lenet_shape": (lambda a: ex.check_lenet_shape(a, 3),
                          forms((16, 10, 10)) + [torch.Size([16, 10, 10])],
                          [(16, 14, 14), (6, 10, 10), (16, 5, 5), 16, (10, 10)]),
    "check_lenet_parameters": (lambda a: ex.check_lenet_parameters(a, 7), forms(48120),
                               [48000, 120, 61706, 400]),
    "check_chance_loss": (ex.check_chance_loss, forms(LN10),
                          [0.1, 10, -LN10, 2.0, math.log2(10)]),
    "check_composed_kernel": (lambda a: ex.check_composed_kernel(a, [[1, -1]], [[1], [-1]]),
                              forms([[1, -1], [-1, 1]]),
                              [[[1, -1]], [[-1, 1], [1, -1]], [[1, 1], [1, 1]],
                               [[1, -1], [1, -1]]]),
    "check_conv_memory": (lambda a: ex.check_conv_memory(a, 3, 8, 3, 10), forms(1036),
                          [1028, 736, 524, 1036 - 300]),
    "check_conv_as_matmul": (ex.check_conv_as_matmul,
                             [conv_as_matmul, conv_as_matmul_then_clear],
                             [lambda X, K: torch.zeros(K.shape[0], 1, 1),
                              lambda X, K: conv_as_matmul(X, K.flip(-1, -2)),
                              lambda X, K: conv_as_matmul(X, K) + 1,
                              zero_kernel_then_correlate]),
    "check_max_via_relu": (ex.check_max_via_relu, [max_via_relu, max_via_relu_in_place],
                           [lambda a, b: torch.relu(a - b), lambda a, b: a + torch.relu(b),
                            lambda a, b: torch.minimum(a, b),
                            lambda a, b: (b.copy_(a), a)[1]]),        # E2: mutates b
    "check_mirror_pad": (ex.check_mirror_pad, [mirror_pad, mirror_pad_then_clear],
                         [lambda X, p: torch.nn.functional.pad(X, (p, p, p, p)),
                          lambda X, p: torch.nn.functional.pad(X[None], (p,) * 4,
                                                               mode="replicate")[0],
                          lambda X, p: X,
                          lambda X, p: (X.zero_(), torch.zeros(X.shape[0] + 2 * p,
                                                               X.shape[1] + 2 * p))[1]]),
    "check_network_field": (lambda a: ex.check_network_field(a, RF_NET),
                            forms(10) + forms((10, 10)), [9, 8, 6, (10, 9), (5, 5)]),
    "check_modern_lenet": (ex.check_modern_lenet,
                           [LeNet(activation=torch.nn.ReLU, pool=torch.nn.MaxPool2d),
                            ModernLeNet()],
                           [LeNet(), LeNet(activation=torch.nn.ReLU),
                            LeNet(pool=torch.nn.MaxPool2d), MLP(), torch.nn.Softmax(dim=5),
                            torch.nn.Flatten(7), RaisingNet(KeyError("x")),
                            RaisingNet(AssertionError("no")), RaisingNet(MemoryError()),
                            UnusedMaxPool()]),
    "check_most_different_map": (lambda a: ex.check_most_different_map(a, MAPS_A, MAPS_B),
                                 forms(2), [0, 1, 3, (2, 2)]),
    "check_most_confused": (
        lambda a: ex.check_most_confused(a, COUNTS, FASHION_MNIST_LABELS),
        [(SHIRT, TSHIRT), [SHIRT, TSHIRT], np.array([SHIRT, TSHIRT]), (6, 0),
         torch.tensor([6, 0]), np.array([6, 0]), (SHIRT, np.int64(0))],
        [(TSHIRT, SHIRT), (TSHIRT, TSHIRT), (SHIRT, "Pullover"), ("Shirt", "Tshirt"),
         (6, 10), SHIRT]),
}


def checks_in(module):
    return {name for name in dir(module) if name.startswith("check_")
            and callable(getattr(module, name))}


def section_checks():
    """Every check defined in a section module of convbook.exercises (answers.py holds none)."""
    found = set()
    for info in pkgutil.iter_modules(ex.__path__):
        module = importlib.import_module(f"convbook.exercises.{info.name}")
        found |= {name for name in checks_in(module)
                  if getattr(module, name).__module__ == module.__name__}
    return found


def test_every_check_is_in_the_table():
    exported = checks_in(ex)
    assert exported == set(ex.__all__), "convbook.exercises.__all__ lists every check it imports"
    unexported = section_checks() - exported
    assert not unexported, f"import {sorted(unexported)} in convbook/exercises/__init__.py"
    missing = exported - set(CASES)
    stale = {name.removesuffix("_tied") for name in CASES} - exported
    assert not missing, f"add a row to CASES for {sorted(missing)}"
    assert not stale, f"CASES names checks that do not exist: {sorted(stale)}"


# Checks whose answer is the reader's function call it: junk that is itself a function which
# prints (print) would print before the FAIL line, as the reader's own function may.
TAKES_A_FUNCTION = {"check_conv_as_matmul", "check_max_via_relu", "check_mirror_pad"}


def cases(kind):
    def answers(name, row):
        if kind != "junk":
            return row[{"right": 1, "wrong": 2}[kind]]
        return [j for j in JUNK if not (name in TAKES_A_FUNCTION and j is print)]
    return [pytest.param(name, answer, id=f"{name}-{kind}{i}")
            for name, row in CASES.items() for i, answer in enumerate(answers(name, row))]


@pytest.mark.parametrize("name, answer", cases("right"))
def test_the_right_answer_passes_in_every_form(name, answer, capsys):
    ok = CASES[name][0](answer)
    out = capsys.readouterr().out
    assert ok and out.startswith("PASS: ") and out.count("\n") == 1, out


def assert_fails_with_a_hint(verdict, out):
    assert isinstance(verdict, Verdict) and not verdict
    assert out.startswith("FAIL: ") and "Hint: " in out and out.count("\n") == 1, out


@pytest.mark.parametrize("name, answer", cases("wrong"))
def test_a_plausible_wrong_answer_fails_with_a_hint(name, answer, capsys):
    assert len(CASES[name][2]) >= 3
    assert_fails_with_a_hint(CASES[name][0](answer), capsys.readouterr().out)


@pytest.mark.parametrize("name, answer", cases("junk"))
def test_junk_fails_with_a_hint_and_never_raises(name, answer, capsys):
    assert_fails_with_a_hint(CASES[name][0](answer), capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_none_means_not_answered_yet(name, capsys):
    assert not CASES[name][0](None)
    assert capsys.readouterr().out.strip() == NOT_ANSWERED


def test_checks_keep_their_names_and_signatures():
    import inspect

    assert ex.check_conv2d_cost.__name__ == "check_conv2d_cost"
    assert list(inspect.signature(ex.check_max_winner).parameters) == [
        "answer", "X", "pool_size", "position", "padding", "stride"]


# --- the contract every check keeps, whatever its section ------------------------------------

@pytest.mark.parametrize("call, error, match", [
    (lambda: ex.check_dense_parameters(-6, -3, 3), ValueError, "inputs must be a positive int"),
    (lambda: ex.check_dense_parameters(6, 3, 1, bias="no"), TypeError, "bias must be True"),
    (lambda: ex.check_chance_loss(1, 0), ValueError, "num_classes must be a positive int"),
    (lambda: ex.check_max_winner((0, 0), X4, 3, (5, 5), padding=1, stride=2), ValueError,
     "position must be an output cell"),
    (lambda: ex.check_same_padding(1, 4), ValueError, "even number"),
    (lambda: ex.check_influence((1, 1), 3, 5), ValueError, "kernel_size must be at most"),
    (lambda: ex.check_receptive_field(1, RF, quantity="area"), ValueError, "quantity must be"),
])
def test_a_bad_question_is_the_author_s_error_and_raises_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("call", [
    lambda: ex.check_max_winner(np.array([3, 1]), X4, 3, (1, 0), padding=1, stride=2),
    lambda: ex.check_same_padding(np.int64(2), 5),
    lambda: ex.check_receptive_field(np.array([10, 10]), RF),
    lambda: ex.check_lenet_parameters(torch.tensor(48120), 7),
])
def test_numpy_and_torch_answers_pass(call):
    assert call()


def perturbed(answer, rng):
    """Wrong kernels/arrays near a right one: one entry moved, and pairs of entries moved in
    opposite directions (a test input too simple to tell them apart, such as E1's image that
    depends only on i + j, passes some of these)."""
    array = np.array(answer, dtype=np.float64)
    flat = [idx for idx in np.ndindex(array.shape)]
    out = []
    for i, first in enumerate(flat):
        one = array.copy()
        one[first] += 0.5
        out.append(one)
        for second in flat[i + 1:]:
            two = array.copy()
            two[first] += 0.5
            two[second] -= 0.5
            out.append(two)
    rng.shuffle(out)
    return out[:40]


ARRAY_CHECKS = sorted(name for name, row in CASES.items()
                      if isinstance(row[1][0], list) and isinstance(row[1][0][0], list))


@pytest.mark.parametrize("name", ARRAY_CHECKS)
def test_every_answer_near_the_right_array_fails(name, capsys):
    """Property: the test inputs of every array-answer check tell the right array apart from
    each of its neighbours (so they are generic, not too simple)."""
    rng = np.random.default_rng(0)
    for wrong in perturbed(CASES[name][1][0], rng):
        assert not CASES[name][0](wrong), (name, wrong.tolist())
    assert capsys.readouterr().out.count("PASS") == 0
