"""Self-checks for the exercises of section 04 (book/04_receptive_fields.md)."""
from .answers import read_numbers, report, self_check, show


@self_check
def check_receptive_field(answer, layers, quantity="size"):
    """Check the receptive field ``quantity`` ("size", "stride" or "padding", one number per
    axis; a square answer may be one int) of the last layer of ``layers``, typed as in the
    receptive-field widget, e.g. "conv 3; conv 3; pool 2; conv 3"."""
    if quantity not in ("size", "stride", "padding"):
        raise ValueError(f"quantity must be 'size', 'stride' or 'padding', got {quantity!r}")
    from ..receptive import receptive_field
    from ..netspec import layers_from_text

    expected = tuple(getattr(receptive_field(layers_from_text(layers))[-1], quantity))
    ok = read_numbers(answer, 2, square=True, what="one number or an (h, w) pair") == expected
    name = {"size": "receptive field", "stride": "effective stride (jump)",
            "padding": "effective padding"}[quantity]
    hint = {"size": "each layer adds (k - 1) times the product of the strides before it.",
            "stride": "multiply the strides of all layers.",
            "padding": "each layer adds its padding times the product of the strides before it."}
    return report(ok, f"the {name} of '{layers}' is {expected[0]}x{expected[1]}." if ok
                  else f"{show(answer)} is not the {name} of '{layers}'.", hint[quantity])


@self_check
def check_network_field(answer, network, quantity="size"):
    """Check the receptive field ``quantity`` ("size", "stride" or "padding") of the last
    feature map of ``network``, any model ``receptive_field`` follows (e.g.
    ``convbook.architectures.resnet50()``); a square answer may be one number."""
    if quantity not in ("size", "stride", "padding"):
        raise ValueError(f"quantity must be 'size', 'stride' or 'padding', got {quantity!r}")
    from ..receptive import receptive_field

    expected = tuple(getattr(receptive_field(network)[-1], quantity))
    ok = read_numbers(answer, 2, square=True, what="one number or an (h, w) pair") == expected
    name = {"size": "receptive field", "stride": "effective stride",
            "padding": "effective padding"}[quantity]
    return report(ok, f"the {name} of {type(network).__name__}'s last map is "
                  f"{expected[0]}x{expected[1]}." if ok
                  else f"{show(answer)} is not the {name} of {type(network).__name__}'s last map.",
                  "follow every branch: a layer adds (k - 1) times the jump of its input, and "
                  "a merge keeps the widest of its inputs' fields.")
