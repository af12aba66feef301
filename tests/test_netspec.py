"""convbook.netspec, the layer language: bounded texts, errors that name the layer, and
layer_summary's counts of a built network (the network sheet's own tests, against torch, are
in test_widget_sheet.py)."""
import pytest
import torch
from torch import nn

from convbook.layers import LeNet, ModernLeNet
from convbook.netspec import NetworkSheet, layer_summary, layers_from_text, parse_layers
from convbook.ops import conv2d_cost


def test_typed_networks_are_bounded():
    for text, words in [("conv 3 p4000", "padding goes up to 16"),
                        ("conv 3 s99", "stride goes up to 16"),
                        ("conv 3 d9", "dilation goes up to 8"),
                        ("conv 33", "kernel sizes go up to 32"),
                        ("conv 3;" * 17, "at most 16 layers"),
                        ("x" * 501, "at most 500 characters"),
                        ("conv 12345", "cannot read '12345'")]:
        with pytest.raises(ValueError, match=words):
            layers_from_text(text)


@pytest.mark.parametrize("text, message", [
    ("", "at least one layer"), ("conv", "kernel size"), ("conv 3 q2", "cannot read"),
    ("pool 2 p2", "half the window"), ("conv 3 s0", "stride")])
def test_layers_from_text_errors(text, message):
    with pytest.raises(ValueError, match=message):
        layers_from_text(text)


def test_layer_summary_of_lenet():
    s = layer_summary(LeNet())
    # d2l's parameter count; FLOPs as conv2d_cost counts them (2 per multiply-add + bias adds)
    assert (s.parameters, s.flops) == (61706, 839558)
    assert s[0][3] == conv2d_cost(1, 6, 5, 28)["flops"] == 239904
    assert s[3][3] == conv2d_cost(6, 16, 5, 10)["flops"]
    assert s[7][3] == 2 * 400 * 120 + 120
    no_bias = nn.Sequential(nn.Conv2d(1, 6, 5, bias=False), nn.Flatten(),
                            nn.Linear(6 * 24 * 24, 10, bias=False))
    assert layer_summary(no_bias).flops == (conv2d_cost(1, 6, 5, 24, bias=False)["flops"]
                                              + 2 * 6 * 24 * 24 * 10)
    assert [shape for name, shape, _, _ in s if name in ("Conv2d", "AvgPool2d")] == [
        (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)]
    assert layer_summary(ModernLeNet()).parameters == 61706
    assert "total" in str(s)
    with pytest.raises(TypeError, match="net must be a torch.nn.Sequential"):
        layer_summary(nn.Linear(2, 2))


@pytest.mark.parametrize("text, match", [
    ("conv 5 3", "two kernel sizes"), ("pool 2 2", "two kernel sizes"),
    ("conv 3 s2 s3", "s given twice"), ("conv 3 p1 p0", "p given twice"),
    ("conv 3 c4 c8", "c given twice"), ("conv 3 d1 d2", "d given twice"),
    ("conv \u0663", "plain ASCII"), ("conv \uff13", "plain ASCII"), ("conv\x1c3", "plain ASCII"),
    ("\ufeffconv 3", "plain ASCII"), ("conv 3\u00a0p1", "plain ASCII")])
def test_contradictory_or_foreign_text_is_refused_by_name(text, match):
    with pytest.raises(ValueError, match=match):
        parse_layers(text)


def test_pooling_strides_by_its_window_per_axis_as_pytorch_does():
    assert parse_layers("pool 2x4")[0].stride == (2, 4)
    assert parse_layers("avgpool 3x1 s1")[0].stride == (1, 1)
    layer = layers_from_text("pool 2x4")[0]
    assert layer(torch.zeros(1, 1, 8, 8)).shape == nn.MaxPool2d((2, 4))(
        torch.zeros(1, 1, 8, 8)).shape == (1, 1, 4, 2)


def test_default_channels_keep_the_cap_of_cN():
    assert layers_from_text("conv 1", channels=2048)[0].out_channels == 2048
    with pytest.raises(ValueError, match="channels go up to 2048"):
        layers_from_text("conv 1", channels=2049)
    with pytest.raises(ValueError, match="channels go up to 2048"):
        NetworkSheet("conv 1", channels=2049)


def test_layer_summary_refuses_work_beyond_its_bound_before_starting():
    with pytest.raises(ValueError, match="input_shape height/width go up to"):
        layer_summary(LeNet(), (1, 10 ** 5, 10 ** 5))
    wide = nn.Sequential(nn.Conv2d(1, 2048, 1), nn.Conv2d(2048, 2048, 1))
    with pytest.raises(ValueError, match="values"):
        layer_summary(wide, (1, 1024, 1024))
