"""The network sheet (convbook.netspec.NetworkSheet and its explorer) against the package:
shapes from a real forward pass, parameters from the modules, FLOPs from layer_summary /
conv2d_cost, receptive fields and jumps from convbook.receptive.receptive_field."""
import random

import pytest
import torch
from layer_text import random_layers
from torch import nn

from convbook.layers import LeNet
from convbook.netspec import (LIMITS, NetworkSheet, layer_summary, layers_from_text,
                              parse_layers, sheet_input)
from convbook.ops import conv2d_cost
from convbook.receptive import layer_window_params, receptive_field
from convbook.widgets.sheet import HEADER, PRESETS, NetworkSheetExplorer

LENET = PRESETS["LeNet"][0]


def typed_modules(model, specs):
    """The modules of ``model`` one per typed layer (a Flatten layers_from_text put in front
    of a dense layer that was not typed is skipped)."""
    modules, rest = [], list(model)
    for spec in specs:
        if isinstance(rest[0], nn.Flatten) and spec.kind != "flatten":
            rest.pop(0)
        modules.append(rest.pop(0))
    return modules


def test_lenet_matches_layer_summary_and_the_packages_counts():
    sheet = NetworkSheet(LENET)
    assert sheet.rows[0].flops == 239_904 == conv2d_cost(1, 6, 5, 28)["flops"]
    assert (sheet.parameters, sheet.flops) == (61_706, 839_558)
    summary = [row for row in layer_summary(LeNet()) if row[0] != "Flatten"]
    assert [(r.shape, r.parameters, r.flops) for r in sheet.rows] == [
        (shape, params, flops) for _, shape, params, flops in summary]
    assert [r.field for r in sheet.rows if r.l] == [f.size for f in receptive_field(LeNet())]


def test_random_networks_agree_with_torch_and_the_package():
    rng = random.Random(0)
    done = 0
    while done < 60:
        text = random_layers(rng, channels=5, max_dense=12)
        shape = (rng.randint(1, 3), rng.randint(4, 20), rng.randint(4, 20))
        sheet = NetworkSheet(text, shape)
        if sheet.error:                            # covered by the error tests below
            continue
        specs = parse_layers(text)
        model = layers_from_text(text, input_shape=shape)
        modules = typed_modules(model, specs)
        x = torch.zeros(1, *shape)
        with torch.no_grad():
            for row, module in zip(sheet.rows, modules):
                if isinstance(module, nn.Linear) and x.dim() > 2:
                    x = x.flatten(1)
                x = module(x)
                assert row.shape == tuple(x.shape[1:]), (text, row)
                assert row.parameters == sum(p.numel() for p in module.parameters())
        summary = [r for r in layer_summary(model, shape)]
        summary = [r for r, m in zip(summary, model) if any(m is t for t in modules)]
        assert [(r.shape, r.parameters, r.flops) for r in sheet.rows] == [
            (s, p, f) for _, s, p, f in summary], text
        fields = receptive_field(model)
        spatial = [(row, module) for row, module in zip(sheet.rows, modules) if row.l]
        assert [row.l for row, _ in spatial] == [f.number for f in fields]
        for (row, module), f in zip(spatial, fields):
            stride = layer_window_params(module)[1]
            assert row.field == f.size
            assert row.jump == tuple(S // s for S, s in zip(f.stride, stride))  # J_l, 04
        done += 1


def test_a_layer_that_does_not_fit_says_why_and_keeps_the_rows_above():
    sheet = NetworkSheet("conv 5 c2; relu; conv 30 p1; dense 10", (1, 28, 28))
    first, _, bad, below = sheet.rows
    assert first.shape == (2, 24, 24) and not first.error
    assert bad.error == ("does not fit: its 30x30 window is larger than the 24x24 map it "
                         "reads padded by 1") and bad.shape is None and bad.l == 2
    assert below.error.startswith("not computed") and below.parameters is None
    assert sheet.error.startswith("layer 3 (conv 30x30 s1 p1 c4) does not fit")
    assert (sheet.parameters, sheet.flops) == (first.parameters, first.flops)
    w = NetworkSheetExplorer(layers="conv 5 c2; relu; conv 30 p1; dense 10")
    assert w.cells[4] == ["3", "conv 30x30 s1 p1 c4", "2", bad.error]
    assert w.cells[-1][1] == "total (rows that fit)"


def test_the_language_extensions_are_compatible():
    assert layers_from_text("conv 3")[0].out_channels == 4            # the old default
    model = layers_from_text("conv 3 c8; relu; conv 3; tanh; pool 2; dense 5",
                             input_shape=(3, 12, 12))
    assert [type(m).__name__ for m in model] == [
        "Conv2d", "ReLU", "Conv2d", "Tanh", "MaxPool2d", "Flatten", "Linear"]
    assert (model[0].in_channels, model[0].out_channels, model[2].in_channels) == (3, 8, 8)
    assert model[-1].in_features == 4 * 4 * 4
    for text, words in [("conv 3 c0", "output channels go from 1"),
                        ("pool 2 c3", "cN is for conv"), ("dense", "write 'dense N'"),
                        ("dense 5000", "1..4096 outputs"), ("relu 3", "takes nothing"),
                        ("dense 3; conv 3", "cannot follow flatten or dense"),
                        ("conv 32 c2048; conv 32 c2048", "at most 10,000,000"),
                        ("conv 30; dense 3", "does not fit")]:
        with pytest.raises(ValueError, match=words):
            layers_from_text(text)
    assert LIMITS["layers"] == 16                       # the receptive explorer's bound
    assert len(NetworkSheet("; ".join(["conv 3 p1"] * 40)).rows) == 40    # the sheet's


@pytest.mark.parametrize("shape, error, words", [
    ((1, 28), ValueError, "must be \\(channels, height, width\\)"),
    ((0, 28, 28), ValueError, "channels must be a positive int"),
    ((1, 28.5, 28), TypeError, "pair of ints"), ((1, 2000, 28), ValueError, "go up to 1024"),
    ((4096, 28, 28), ValueError, "go up to 2048"), ("1x28x28", ValueError, "must be")])
def test_sheet_input_is_checked(shape, error, words):
    with pytest.raises(error, match=words):
        sheet_input(shape)


def test_explorer_setters_and_state():
    w = NetworkSheetExplorer("LeNet")
    assert w.cells[0] == HEADER and w.cells[1][3] == "1\u00d728\u00d728"
    assert w.summary == ["Total: 61,706 parameters, 839,558 FLOPs per example.",
                         "A unit of the last conv/pool layer (l = 4) sees 16\u00d716 input pixels."]
    w.set_input((3, 32, 32))
    assert w.view.input_text == "3x32x32" and w.rows[0].shape == (6, 32, 32)
    assert w.view.preset == "custom (type layers)"
    w.set_layers("conv 3 c2")
    cost = conv2d_cost(3, 2, 3, 30)
    assert w.cells[2][3:] == ["2\u00d730\u00d730", f"{cost['parameters']:,}",
                              f"{cost['flops']:,}", "3\u00d73", "1\u00d71"]
    w.set_preset("VGG-11 (ImageNet size)")
    assert w.parameters == 132_863_336 and w.sheet.input_shape == (3, 224, 224)
    before = w.view.get_state()
    for setter, value, error in [("set_layers", 3, TypeError), ("set_layers", "conv", ValueError),
                                 ("set_input", (1, 0, 3), ValueError),
                                 ("set_preset", "ResNet", ValueError)]:
        with pytest.raises(error):
            getattr(w, setter)(value)
        assert w.view.get_state() == before


def test_a_view_sending_junk_is_undone_with_a_message():
    w = NetworkSheetExplorer("LeNet")
    for trait, junk in [("input_shape", [0, 28, 28]), ("input_shape", [1, 5000, 5000]),
                        ("net_text", "conv 3 p4000"), ("preset", "nope")]:
        before = getattr(w.view, trait)
        setattr(w.view, trait, junk)
        assert getattr(w.view, trait) == before and w.message, (trait, junk)
    w.view.net_text = "conv 3 c5"                         # valid: used
    assert w.rows[0].shape == (5, 26, 26)


def test_animation_sheet_and_04_number_layers_and_jumps_alike(monkeypatch):
    """receptive_field_growth titles give r_l and J_l (the jump of the map layer l reads, as
    section 04 defines it), numbered l = 1.. over conv/pool layers: the sheet's columns."""
    import convbook.figures
    from convbook.animate import receptive_field_growth

    titles = []
    original = convbook.figures.draw_field
    monkeypatch.setattr(convbook.figures, "draw_field",
                        lambda ax, image, region, margin, title, *rest: (
                            titles.append(title), original(ax, image, region, margin, title,
                                                           *rest))[1])
    receptive_field_growth(gradient=False)
    inputs = list(dict.fromkeys(t for t in titles if t.startswith("input")))
    maps = list(dict.fromkeys(t.split(" (")[0] for t in titles if t.startswith("layer")))
    rows = [r for r in NetworkSheet(LENET).rows if r.l]
    assert inputs == [f"input: r_{r.l} = {r.field[0]}\u00d7{r.field[1]}, "
                      f"J_{r.l} = {r.jump[0]}\u00d7{r.jump[1]}" for r in rows]
    assert [r.jump[0] for r in rows] == [1, 1, 2, 2]              # 04's table: J_1..J_4
    assert maps == [f"layer l = {r.l}" for r in rows]
