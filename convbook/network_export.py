"""A network of the chapter's layers, written for the browser: its layers, shapes and float32
weights as JSON (weights as base64), so that ``js/forward.js`` runs the same forward pass in
a page with no kernel; and PyTorch's own forward pass, layer by layer, to check it against.

The chapter's layers are ``Conv2d`` (any kernel, padding, stride and dilation, zero padding,
one group), ``MaxPool2d`` and ``AvgPool2d`` (floor mode; an average counts the padding),
``ReLU``, ``Sigmoid``, ``Tanh``, ``Flatten`` and ``Linear``, in one flat ``nn.Sequential``.
Anything else is refused with a ValueError naming the layer and its position.

>>> from convbook.layers import LeNet
>>> spec = export_network(LeNet())
>>> [layer["kind"] for layer in spec["layers"]][:3], spec["layers"][0]["shape"]
(['conv', 'sigmoid', 'avgpool'], [6, 28, 28])
>>> spec["parameters"], len(spec["layers"][0]["weight"])   # 150 float32: 600 bytes
(61706, 800)
"""
import base64
import math

import numpy as np
import torch
from torch import nn

from ._checks import pair

__all__ = ["CHAPTER_LAYERS", "export_network", "check_network", "forward_trace",
           "encode_floats", "encode_bytes", "decode_floats"]

CHAPTER_LAYERS = "Conv2d, MaxPool2d, AvgPool2d, ReLU, Sigmoid, Tanh, Flatten and Linear"
ACTIVATIONS = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}


def encode_floats(values):
    """A tensor's values as base64 of little-endian float32 (what ``fwFloats`` decodes).

    >>> encode_floats(torch.tensor([1.0, -2.0]))
    'AACAPwAAAMA='
    """
    array = np.ascontiguousarray(torch.as_tensor(values).detach().cpu().float().numpy(),
                                 dtype="<f4")
    return base64.b64encode(array.tobytes()).decode("ascii")


def encode_bytes(values):
    """A uint8 tensor's values as base64 of its bytes, row-major (what ``fwBytes`` decodes).

    >>> encode_bytes(torch.tensor([0, 255], dtype=torch.uint8))
    'AP8='
    """
    values = torch.as_tensor(values)
    if values.dtype != torch.uint8:
        raise TypeError(f"values must be a uint8 tensor, got {values.dtype}")
    return base64.b64encode(values.contiguous().numpy().tobytes()).decode("ascii")


def decode_floats(text):
    """The inverse of :func:`encode_floats`: a flat float32 tensor."""
    return torch.from_numpy(np.frombuffer(base64.b64decode(text), dtype="<f4").copy())


def _name(number, layer):
    return f"layer {number} ({layer!r})"


def _refuse(number, layer, why):
    raise ValueError(f"{_name(number, layer)} {why}; the explorer runs the chapter's layers "
                     f"only: {CHAPTER_LAYERS}, in one flat nn.Sequential")


def _spatial(number, layer, shape):
    """The (h, w) window of a conv or pooling layer and its output shape; refusals name it."""
    if isinstance(layer, nn.Conv2d):
        if layer.groups != 1:
            _refuse(number, layer, f"has groups={layer.groups}")
        if layer.padding_mode != "zeros":
            _refuse(number, layer, f"pads with {layer.padding_mode!r}, not zeros")
        if isinstance(layer.padding, str):
            _refuse(number, layer, f"has padding={layer.padding!r}; give it as numbers")
        if shape[0] != layer.in_channels:
            raise ValueError(f"{_name(number, layer)} reads {layer.in_channels} channels but "
                             f"gets {shape[0]} (shape {tuple(shape)})")
        k, s, p, d = (tuple(v) for v in (layer.kernel_size, layer.stride, layer.padding,
                                         layer.dilation))
        channels = layer.out_channels
    else:
        if layer.ceil_mode:
            _refuse(number, layer, "has ceil_mode=True")
        if isinstance(layer, nn.MaxPool2d):
            if layer.return_indices:
                _refuse(number, layer, "returns indices")
            d = pair(layer.dilation, "dilation", 1)
        else:
            if not layer.count_include_pad or layer.divisor_override is not None:
                _refuse(number, layer, "does not divide by the window's size")
            d = (1, 1)
        k = pair(layer.kernel_size, "kernel_size", 1)
        s = pair(layer.stride if layer.stride is not None else layer.kernel_size, "stride", 1)
        p = pair(layer.padding, "padding", 0)
        if any(2 * p[a] > k[a] for a in range(2)):
            _refuse(number, layer, f"pads by {p}, more than half its window {k}")
        channels = shape[0]
    out = [(shape[1 + a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in range(2)]
    if min(out) < 1:
        raise ValueError(f"{_name(number, layer)} does not fit its {shape[1]}x{shape[2]} input "
                         f"(kernel {k}, padding {p}, dilation {d})")
    return {"k": list(k), "s": list(s), "p": list(p), "d": list(d)}, [channels, *out]


def check_network(net, input_shape=(1, 28, 28)):
    """The layers of ``net`` as dicts (kind, name, shape after it, window), checked before any
    work: a flat nn.Sequential of the chapter's layers whose shapes fit ``input_shape``.

    >>> [l["shape"] for l in check_network(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten()),
    ...                                    (1, 5, 5))]
    [[2, 3, 3], [18]]
    """
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"net must be an nn.Sequential of the chapter's layers "
                        f"({CHAPTER_LAYERS}), got {type(net).__name__}")
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3 or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 4096
            for v in input_shape):
        raise ValueError(f"input_shape must be (channels, height, width) of ints in 1..4096, "
                         f"got {input_shape!r}")
    if len(net) == 0:
        raise ValueError("net has no layers")
    shape, layers = list(input_shape), []
    for number, layer in enumerate(net, 1):
        name = repr(layer)
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) and \
                type(layer) in (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d):
            if len(shape) != 3:
                raise ValueError(f"{_name(number, layer)} needs a map, but the layers before "
                                 f"it made a vector of {shape[0]}")
            window, shape = _spatial(number, layer, shape)
            kind = {nn.Conv2d: "conv", nn.MaxPool2d: "maxpool",
                    nn.AvgPool2d: "avgpool"}[type(layer)]
            layers.append({"kind": kind, "name": name, "shape": shape, **window})
        elif type(layer) in ACTIVATIONS:
            layers.append({"kind": ACTIVATIONS[type(layer)], "name": name, "shape": shape})
        elif type(layer) is nn.Flatten:
            if (layer.start_dim, layer.end_dim) != (1, -1):
                _refuse(number, layer, "flattens other axes than (1, -1)")
            shape = [math.prod(shape)]
            layers.append({"kind": "flatten", "name": name, "shape": shape})
        elif type(layer) is nn.Linear:
            if len(shape) != 1:
                raise ValueError(f"{_name(number, layer)} needs a vector: put a Flatten "
                                 f"before it (it gets a {'x'.join(map(str, shape))} map)")
            if shape[0] != layer.in_features:
                raise ValueError(f"{_name(number, layer)} reads {layer.in_features} values "
                                 f"but gets {shape[0]}")
            shape = [layer.out_features]
            layers.append({"kind": "linear", "name": name, "shape": shape})
        else:
            _refuse(number, layer, "is not one of them")
        if math.prod(shape) > 2 ** 22:
            raise ValueError(f"{_name(number, layer)} makes {math.prod(shape):,} values; at "
                             f"most {2 ** 22:,} per layer are shown")
    return layers


def export_network(net, input_shape=(1, 28, 28)):
    """``net`` (checked by :func:`check_network`) as JSON for ``fwForward``: ``input`` shape,
    ``parameters`` and ``layers``, each with its kind, name, output ``shape``, window
    (k, s, p, d) where it has one, and ``weight``/``bias`` (base64 float32; a missing bias is
    None)."""
    layers = check_network(net, input_shape)
    parameters = 0
    for layer, record in zip(net, layers):
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            record["weight"] = encode_floats(layer.weight)
            record["bias"] = None if layer.bias is None else encode_floats(layer.bias)
            record["inputs"] = layer.in_channels if isinstance(layer, nn.Conv2d) \
                else layer.in_features
            parameters += sum(p.numel() for p in layer.parameters())
    return {"input": list(input_shape), "parameters": parameters, "layers": layers}


def forward_trace(net, x):
    """PyTorch's forward pass of ``net`` on one input ``x`` (C x H x W or H x W), in float32 in
    inference mode: [input, output of layer 1, ...], each without the batch axis."""
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.dim() == 2:
        x = x[None]
    if x.dim() != 3:
        raise ValueError(f"x must be one image, H x W or C x H x W, got shape {tuple(x.shape)}")
    outputs, out = [x], x[None]
    training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for layer in net:
                out = layer(out)
                outputs.append(out[0])
    finally:
        net.train(training)
    return outputs
