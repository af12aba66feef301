"""What the trained-network explorer says about one unit: the input rows and columns it sees
and the lines of text under it. ``js/trained.js`` writes the same lines (``tnReadout``) from
the same layers (``convbook.network_export.export_network``'s records).

>>> from convbook.layers import LeNet
>>> from convbook.network_export import export_network
>>> layers = export_network(LeNet())["layers"]
>>> unit_readout(layers, ((0, 27), (0, 27)), 8, [5, 0, 0])[2][:60]
'Linear: the 400 weights times the 400 values of layer 7, sum'
"""

__all__ = ["unit_field", "unit_readout", "ACTIVATION_TEXT"]

ACTIVATION_TEXT = {"relu": ("ReLU", "max(x, 0)"), "sigmoid": ("Sigmoid", "1 / (1 + exp(-x))"),
                   "tanh": ("Tanh", "tanh(x)")}


def unit_field(layers, records, layer, unit, input_shape):
    """((top, bottom), (left, right)) of the input that unit ``unit`` of layer ``layer``
    (1-based; 0 is the input) sees. ``records`` are receptive_field's LayerFields by layer
    position: a map unit takes its layer's (or the last spatial layer's before it) bounds; a
    flattened value the field of the map unit it copies; an activation that of its input;
    a linear unit the whole input."""
    if layer == 0:
        return ((unit[1], unit[1]), (unit[2], unit[2]))
    record = layers[layer - 1]
    if len(record["shape"]) == 3:
        spatial = [i for i in records if i <= layer - 1]
        if not spatial:
            return ((unit[1], unit[1]), (unit[2], unit[2]))
        return records[max(spatial)].bounds((unit[1], unit[2]))
    if _after_linear(layers, layer):
        return ((0, input_shape[1] - 1), (0, input_shape[2] - 1))
    if record["kind"] == "flatten":
        c, h, w = layers[layer - 2]["shape"] if layer > 1 else input_shape
        i = unit[0]
        return unit_field(layers, records, layer - 1, [i // (h * w), i // w % h, i % w],
                          input_shape)
    return unit_field(layers, records, layer - 1, unit, input_shape)


def _after_linear(layers, layer):
    """Whether layer ``layer``'s values come from a linear layer (through activations)."""
    while layer > 0 and layers[layer - 1]["kind"] in ACTIVATION_TEXT:
        layer -= 1
    return layer > 0 and layers[layer - 1]["kind"] == "linear"


def _shape(shape):
    return "\u00d7".join(str(v) for v in shape)


def unit_readout(layers, field, layer, unit, top_terms=8, input_shape=(1, 28, 28)):
    """The lines about unit ``unit`` of layer ``layer`` (1-based) whose input field is
    ``field``: what it is, what it sees, what it computes."""
    record = layers[layer - 1]
    kind, shape = record["kind"], record["shape"]
    c, r, s = unit
    what = f"channel {c}, unit ({r}, {s})" if len(shape) == 3 else f"value {c}"
    lines = [f"Layer {layer} ({record['name']}), {what}; the layer's output is {_shape(shape)}."]
    (top, bottom), (left, right) = field
    h, w = input_shape[1:]
    if _after_linear(layers, layer):
        lines.append(f"Receptive field: the whole input (rows 0..{h - 1}, columns 0..{w - 1}):"
                     " a linear layer's value depends on every pixel.")
    else:
        text = (f"Receptive field: input rows {top}..{bottom}, columns {left}..{right} "
                f"({bottom - top + 1}\u00d7{right - left + 1} pixels; the box on the input).")
        if top < 0 or left < 0 or bottom > h - 1 or right > w - 1:
            text += f" Rows or columns outside 0..{h - 1} are zero padding."
        lines.append(text)
    source = "the input" if layer == 1 else f"layer {layer - 1}"
    k = _shape(record.get("k", []))
    if kind == "conv":
        n = record["inputs"]
        bias = " plus the bias" if record.get("bias") else " (no bias)"
        channels = f"{n} channel{'' if n == 1 else 's'}"
        lines.append(f"Convolution: one {k} kernel per input channel ({channels} here) times "
                     f"the window of {source} under it gives a partial sum; the partial "
                     f"sums{bias} give the value.")
    elif kind == "maxpool":
        lines.append(f"Max pooling: the largest value of the {k} window of channel {c} of "
                     f"{source} (the winner is marked).")
    elif kind == "avgpool":
        lines.append(f"Average pooling: the mean of the {k} window of channel {c} of "
                     f"{source} (zero padding counts).")
    elif kind in ACTIVATION_TEXT:
        name, formula = ACTIVATION_TEXT[kind]
        lines.append(f"{name} of the same unit x of {source}: {formula}.")
    elif kind == "flatten":
        c0, h0, w0 = layers[layer - 2]["shape"] if layer > 1 else input_shape
        lines.append(f"Flatten: the value of channel {c // (h0 * w0)}, unit "
                     f"({c // w0 % h0}, {c % w0}) of {source}, as entry {c} of a vector.")
    else:
        m = record["inputs"]
        bias = "plus the bias" if record.get("bias") else "no bias"
        lines.append(f"Linear: the {m} weights times the {m} values of {source}, summed, "
                     f"{bias}; the {min(top_terms, m)} largest contributions are listed.")
    return lines
