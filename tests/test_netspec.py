"""convbook.netspec, the layer language: bounded texts, errors that name the layer, and
layer_summary's counts of a built network (the network sheet's own tests, against torch, are
in test_widget_sheet.py)."""
import pytest
from torch import nn

from convbook.layers import LeNet, ModernLeNet
from convbook.netspec import layer_summary, layers_from_text
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
