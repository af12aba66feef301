"""Self-checks for the exercises of section 08 (book/08_lenet.md)."""
from numbers import Integral

import numpy as np
import torch

from .._checks import positive_int
from .answers import (Unreadable, call_reader_function, close, read_number, read_numbers, report,
                      self_check, show)


def _lenet_layers():
    from ..layers import LeNet
    net = LeNet()
    X, shapes = torch.zeros(1, 1, 28, 28), []
    for layer in net:
        X = layer(X)
        shapes.append((type(layer).__name__, tuple(X.shape[1:]),
                       sum(p.numel() for p in layer.parameters())))
    return shapes


def _lenet_index(layer, count):
    if isinstance(layer, bool) or not isinstance(layer, Integral) or not 0 <= layer < count:
        raise ValueError(f"layer must be an index 0..{count - 1} into LeNet(), got {layer!r}")
    return int(layer)


@self_check
def check_lenet_shape(answer, layer):
    """Check the output shape of ``LeNet()[layer]`` for one 28x28 image: (channels, height,
    width) after a convolution or pooling, (features,) after Flatten or Linear."""
    layers = _lenet_layers()
    name, expected, _ = layers[_lenet_index(layer, len(layers))]
    shape_text = "a (channels, height, width) shape" if len(expected) == 3 else \
        f"a shape of {len(expected)} number(s)"
    ok = read_numbers(answer, len(expected), square=len(expected) == 1,
                      what=shape_text) == expected
    return report(ok, f"LeNet's layer {layer} ({name}) outputs {expected}." if ok else
                  f"{show(answer)} is not the output shape of LeNet's layer {layer} ({name}).",
                  "the first convolution pads by 2 (28 stays 28), the second does not "
                  "(n - 5 + 1), and each pooling halves the height and width.")


@self_check
def check_lenet_parameters(answer, layer=None):
    """Check the parameter count of ``LeNet()[layer]`` (weights + biases), or of the whole net."""
    layers = _lenet_layers()
    if layer is not None:
        layer = _lenet_index(layer, len(layers))
    expected = sum(p for _, _, p in layers) if layer is None else layers[layer][2]
    what = "LeNet" if layer is None else f"LeNet's layer {layer} ({layers[layer][0]})"
    ok = read_number(answer, whole=True, what="a parameter count") == expected
    return report(ok, f"{what} has {expected:,} parameters." if ok else
                  f"{show(answer)} is not the number of parameters of {what}.",
                  "a Conv2d has c_out * c_in * k * k weights + c_out biases; a Linear "
                  "n_in * n_out weights + n_out biases.")


def _class_of(item, class_names):
    """A class name from a name or an index into class_names."""
    if isinstance(item, (str, np.str_)):
        if str(item) not in class_names:
            raise Unreadable(f"{item!r} is not one of the class names.",
                             f"use names from {tuple(class_names)}.")
        return str(item)
    index = read_number(item, whole=True, what="a class name or index")
    if not 0 <= index < len(class_names):
        raise Unreadable(f"{index} is not a class index 0..{len(class_names) - 1}.",
                         f"use names from {tuple(class_names)}.")
    return class_names[index]


@self_check
def check_most_confused(answer, counts, class_names):
    """Check (true class, predicted class) of the largest off-diagonal cell of a confusion matrix;
    the classes may be given by name or by index."""
    from .._checks import as_tensor

    counts = as_tensor(counts, "counts").to(torch.float64)       # uint8 would wrap -1 to 255
    if counts.dim() != 2 or counts.shape[0] != counts.shape[1] or len(counts) < 2:
        raise ValueError(f"counts must be a square confusion matrix, got shape "
                         f"{tuple(counts.shape)}")
    if len(class_names) != len(counts):
        raise ValueError(f"class_names must name all {len(counts)} classes, got "
                         f"{len(class_names)}")
    class_names = tuple(class_names)
    off = counts.clone()
    off.fill_diagonal_(-float("inf"))
    items = list(answer) if isinstance(answer, (tuple, list)) or (
        isinstance(answer, (np.ndarray, torch.Tensor)) and answer.ndim == 1) else None
    if items is None or len(items) != 2:
        raise Unreadable(f"{show(answer)} is not a (true class, predicted class) pair.",
                         "answer with two names from the class names, e.g. "
                         f"{class_names[:2]}.")
    given = [_class_of(item, class_names) for item in items]
    i, j = (class_names.index(name) for name in given)
    ok = bool(off[i, j] == off.max())                  # any of several tied cells is right
    return report(ok, f"the most frequent mistake: {given[0]} predicted as {given[1]} "
                  f"({int(counts[i, j])} times)." if ok else
                  f"{show(answer)} is not the largest off-diagonal cell.",
                  "ignore the diagonal (correct answers); rows are true classes, columns "
                  "predictions; answer with two names from FASHION_MNIST_LABELS.")


@self_check
def check_chance_loss(answer, num_classes=10):
    """Check the cross-entropy loss of a classifier that gives every class the same probability."""
    import math

    num_classes = positive_int(num_classes, "num_classes")
    expected = math.log(num_classes)
    ok = abs(read_number(answer, what="a loss") - expected) < 1e-3
    return report(ok, f"guessing uniformly among {num_classes} classes costs ln {num_classes} = "
                  f"{expected:.4f} per example." if ok else
                  f"{show(answer)} is not the loss of a uniform guess over {num_classes} classes.",
                  "the loss is -log(probability of the true class), and every class gets 1/n.")


@self_check
def check_modern_lenet(net):
    """Check a modernised LeNet: ReLU instead of sigmoid, max instead of average pooling, and
    LeNet's shapes and parameter count otherwise. Judged by what it computes: with its own
    parameters copied into ``LeNet(activation=nn.ReLU, pool=nn.MaxPool2d)``, both must give
    the same outputs on random images (modules it holds but never calls do not count)."""
    from torch import nn

    from ..layers import LeNet

    hint = ("LeNet takes the activation and the pooling as arguments: "
            "LeNet(activation=nn.ReLU, pool=nn.MaxPool2d).")
    if not isinstance(net, nn.Module):
        return report(False, f"{type(net).__name__} is not a torch.nn.Module.",
                      "build it with LeNet(activation=..., pool=...).")
    reference = LeNet(activation=nn.ReLU, pool=nn.MaxPool2d)
    try:
        params = [p.detach().to("cpu", torch.float32) for p in net.parameters()]
    except Exception as error:                  # e.g. parameters on the meta device
        return report(False, f"its parameters cannot be read ({type(error).__name__}).", hint)
    if [p.shape for p in params] != [p.shape for p in reference.parameters()]:
        return report(False, "its parameters do not have LeNet's shapes (61,706 in all).", hint)
    with torch.no_grad():
        for mine, theirs in zip(reference.parameters(), params):
            mine.copy_(theirs)
        X = torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(0))
        expected = reference(X)                     # before the reader's network runs
        got, error = call_reader_function(net, "your network on a 4x1x28x28 batch", X)
    if error is not None:                           # any exception of the reader's network
        return report(False, error, hint)
    ok = isinstance(got, torch.Tensor) and tuple(got.shape) == (4, 10) and close(
        got.detach().to("cpu", torch.float64), expected.double(), atol=1e-4)
    return report(ok, "ReLU and max pooling, with LeNet's shapes and 61,706 parameters." if ok
                  else "this network does not compute LeNet with ReLU and max pooling.", hint)


@self_check
def check_most_different_map(answer, maps_a, maps_b):
    """Check the index of the feature map (C x H x W) whose mean absolute difference between
    two inputs is largest (computed in float64; any of several tied maps is right)."""
    a, b = torch.as_tensor(maps_a, dtype=torch.float64), torch.as_tensor(maps_b,
                                                                          dtype=torch.float64)
    if a.dim() != 3 or a.shape != b.shape:
        raise ValueError(f"maps_a and maps_b must be C x H x W of one shape, got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    differences = (a - b).abs().mean((1, 2))
    given = read_number(answer, whole=True, what="a map index")
    ok = 0 <= given < len(differences) and bool(differences[given] == differences.max())
    expected = given if ok else int(differences.argmax())
    return report(ok, f"map {expected} differs most (mean |difference| "
                  f"{differences[expected]:.3f})." if ok else
                  f"{show(answer)} is not the map that differs most.",
                  "subtract the two stacks of maps, take the absolute value and average each "
                  "map over its rows and columns; the largest mean wins.")
