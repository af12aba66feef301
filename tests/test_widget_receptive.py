"""The receptive-field explorer: highlighted regions equal convbook.receptive's numbers."""
import pytest
import torch
from torch import nn

from convbook.layers import LeNet
from convbook.receptive import empirical_receptive_field, receptive_field
from convbook.widgets.base import CUSTOM_NETWORK as CUSTOM
from convbook.widgets.receptive import PRESETS, ReceptiveFieldExplorer


@pytest.fixture(scope="module")
def lenet_widget():
    return ReceptiveFieldExplorer("LeNet")


def test_lenet_numbers_match_receptive_field(lenet_widget):
    w = lenet_widget
    w.set_layer(4)
    w.set_unit(0, 0)
    assert w.field == receptive_field(LeNet())[3]
    assert (w.field.size, w.field.stride, w.field.padding) == ((16, 16), (4, 4), (2, 2))
    assert w.region == ((-2, 13), (-2, 13)) and w.clipped == ((0, 13), (0, 13))
    assert "fall in the zero padding" in " ".join(w.readout)
    assert "receptive field 16\u00d716, effective stride 4\u00d74, effective padding 2\u00d72" \
        in w.readout[0]


def test_every_unit_region_matches_bounds_and_gradient(lenet_widget):
    w = lenet_widget
    w.set_gradient(True)
    # the spatial layers only: the widget's effective field is that of the linear network
    model = nn.Sequential(*(LeNet()[i] for i in (0, 2, 3, 5)))
    for layer in (1, 3, 4):
        w.set_layer(layer)
        h, w_ = w.net.shapes[layer]
        for unit in [(0, 0), (h - 1, w_ - 1), (h // 2, 1)]:
            w.set_unit(*unit)
            assert w.unit == unit
            assert w.region == w.fields[layer - 1].bounds(unit)
            truncated = nn.Sequential(*list(model)[:layer])
            measured = empirical_receptive_field(truncated, (1, 28, 28), unit)
            assert (measured.rows, measured.cols) == w.clipped
            grad = w.gradient
            assert torch.allclose(grad / grad.max(), measured.gradient / measured.gradient.max(),
                                  atol=1e-5)
    w.set_gradient(False)
    assert w.gradient is None


def test_intermediate_maps_get_the_regions_of_the_sub_network(lenet_widget):
    w = lenet_widget
    w.set_layer(4)
    w.set_unit(2, 3)
    regions = w.map_regions
    assert regions[4] == ((2, 2), (3, 3))                      # the unit itself
    assert regions[3] == ((4, 5), (6, 7))                      # a 2x2 pool window
    assert regions[2] == ((4, 9), (6, 11))                     # conv 5x5 over it
    assert regions[0] == ((6, 21), (10, 25))


def test_a_unit_off_the_map_raises(lenet_widget):
    w = lenet_widget
    w.set_layer(4)
    with pytest.raises(ValueError, match="unit row must be an int in 0..4"):
        w.set_unit(99, -5)
    w.view.unit = [9, 9]                     # from the view: undone, with a message
    assert w.unit != (9, 9) and "unit must lie on" in w.message


def test_presets_and_typed_layers():
    w = ReceptiveFieldExplorer("3x3 conv stack")
    assert [f.size[0] for f in w.fields] == [3, 5, 7, 9]
    w.set_preset("strided stack")
    assert [f.size[0] for f in w.fields] == [3, 7, 15, 31]
    assert [f.stride[0] for f in w.fields] == [2, 4, 8, 8]
    w.set_layers("conv 3; conv 3 d2; pool 2")
    assert w.view.preset == CUSTOM and w.view.text == "conv 3; conv 3 d2; pool 2"
    assert [f.size[0] for f in w.fields] == [3, 7, 8]
    assert w.message == ""


@pytest.mark.parametrize("text, words", [
    ("conv 3; banana 2", "unknown layer 'banana'"),
    ("conv 5 s2; conv 9; conv 9", "layer 3 .* does not fit: the layers before it shrink"),
    ("conv 3 p4000", "padding goes up to 16"),
    ("conv 99", "kernel sizes go up to 32"),
    ("", "at least one layer"),
    ("; ".join(["conv 1"] * 17), "at most 16 layers"),
])
def test_bad_typed_layers_raise_and_keep_the_old_network(text, words):
    w = ReceptiveFieldExplorer("3x3 conv stack")
    before = w.fields
    with pytest.raises(ValueError, match=words):
        w.set_layers(text)
    assert w.fields == before and w.view.net_text == PRESETS["3x3 conv stack"]
    w.set_layers("conv 3")
    assert w.message == "" and len(w.fields) == 1


def test_a_bad_network_from_the_view_is_undone_with_a_message():
    w = ReceptiveFieldExplorer("3x3 conv stack")
    w.view.net_text = "conv 40"
    assert w.view.net_text == PRESETS["3x3 conv stack"] and "kernel sizes go up to" in w.message


def test_one_kernel_too_big_is_not_called_too_deep():
    """Regression: 04 said "the network is too deep" for a single kernel larger than the image."""
    with pytest.raises(ValueError, match="layer 1 .* its kernel is larger than the 28x28 image"):
        ReceptiveFieldExplorer(layers="conv 31")


def test_gradient_of_a_unit_that_sees_only_padding():
    """Regression: layers="conv 1 p2", gradient=True, unit=(0, 0) raised "all gradients are
    zero"."""
    w = ReceptiveFieldExplorer(layers="conv 1 p2", gradient=True, unit=(0, 0))
    assert w.clipped is None and float(w.gradient.abs().sum()) == 0
    assert "lies in the zero padding" in " ".join(w.readout)


@pytest.mark.parametrize("layers, ratio, holes", [("conv 3 d2", "1.0", "16 pixels"),
                                                  ("conv 3 s2; conv 3", "4.0", None)])
def test_weight_ratio_is_finite_for_dilated_and_strided_nets(layers, ratio, holes):
    """Regression: "the centre pixel weighs inf x a corner pixel" for dilated or strided nets."""
    w = ReceptiveFieldExplorer(layers=layers, gradient=True)
    line = w.readout[-1]
    assert "inf" not in line and f"weighs {ratio}\u00d7" in line
    assert (holes in line) if holes else "no weight" not in line


def test_layer_numbers_start_at_1_everywhere():
    """Regression: layer=0 meant the last layer in the constructor, the first in set_layer."""
    for make in (lambda: ReceptiveFieldExplorer("LeNet", layer=0),
                 lambda: ReceptiveFieldExplorer("LeNet").set_layer(0)):
        with pytest.raises(ValueError, match="layers are numbered from 1"):
            make()
    assert ReceptiveFieldExplorer("LeNet").layer == 4 == ReceptiveFieldExplorer("LeNet", layer=4).layer


def test_rows_dropped_by_floor_are_not_highlighted():
    w = ReceptiveFieldExplorer(layers="conv 3 s2; conv 2 p1")     # 28 -> 13 -> 14
    w.set_unit(13, 13)
    assert w.region == ((24, 28), (24, 28)) and w.clipped == ((24, 26), (24, 26))
    assert "dropped by a floor()" in " ".join(w.readout)


def test_field_entirely_in_padding_is_reported():
    w = ReceptiveFieldExplorer(layers="conv 1 p4")
    w.set_unit(0, 0)
    assert w.clipped is None
    assert "lies in the zero padding" in " ".join(w.readout)


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(preset="AlexNet"), ValueError, "preset"), (dict(layers=3), TypeError, "layers"),
    (dict(image=999), ValueError, "image"), (dict(gradient="yes"), TypeError, "gradient")])
def test_bad_constructor_arguments_name_the_argument(kwargs, error, word):
    with pytest.raises(error, match=word):
        ReceptiveFieldExplorer(**kwargs)


def test_presets_are_listed():
    assert set(PRESETS) == {"LeNet", "3x3 conv stack", "strided stack"}


def test_a_network_too_costly_from_the_view_is_refused_before_any_work():
    """Regression: "conv 1 p16 c700" x 15 took 28 s and 5.2 GB; with c820 a raw RuntimeError
    escaped the guard and left net_text new while the network stayed LeNet."""
    import time

    w = ReceptiveFieldExplorer()
    before = {trait: getattr(w.view, trait) for trait in w.view.guarded_traits()}
    start = time.perf_counter()
    w.view.set_state({"preset": CUSTOM, "net_text": "; ".join(["conv 1 p16 c820"] * 15)})
    assert time.perf_counter() - start < 5
    assert {trait: getattr(w.view, trait) for trait in before} == before
    assert "MAX_WORK" in w.message
    with pytest.raises(ValueError, match="MAX_WORK"):
        w.set_layers("; ".join(["conv 1 p16 c700"] * 15))


def test_the_readout_of_a_huge_field_is_counted_not_drawn():
    """Regression: the readout for "conv 32 p16 s2" x 16 tried to allocate 33 TB."""
    w = ReceptiveFieldExplorer(layers="; ".join(["conv 32 p16 s2"] * 16))
    w.set_layer(16)
    w.set_gradient(True)
    line = w.readout[-1]
    assert "heaviest pixel" in line and "inf" not in line
