"""Closed-form receptive fields agree with the ones measured by autograd."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convbook.layers import Conv2D, LeNet, ModernLeNet
from convbook.receptive import empirical_receptive_field, receptive_field


def test_lenet_matches_the_design_numbers():
    last = receptive_field(LeNet())[-1]
    assert (last.size, last.stride, last.padding) == ((16, 16), (4, 4), (2, 2))
    assert [f.index for f in receptive_field(LeNet())] == [0, 2, 3, 5]
    assert receptive_field(ModernLeNet())[-1].size == (16, 16)


def test_two_stacked_2x2_layers_see_3x3():
    net = nn.Sequential(nn.Conv2d(1, 1, 2), nn.ReLU(), nn.Conv2d(1, 1, 2))
    assert [f.size for f in receptive_field(net)] == [(2, 2), (3, 3)]


def test_bounds_follow_the_effective_stride_and_padding():
    net = nn.Sequential(nn.Conv2d(1, 1, 3, stride=2, padding=1), nn.Conv2d(1, 1, 3, stride=2))
    field = receptive_field(net)[-1]
    assert (field.size, field.stride, field.padding, field.start) == ((7, 7), (4, 4), (1, 1), (2.0, 2.0))
    assert field.bounds((1, 2)) == ((3, 9), (7, 13))


@st.composite
def stacks(draw):
    layers, channels = [], 1
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "max", "avg", "relu"]))
        k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        if kind == "conv":
            p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
            d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            out = draw(st.integers(1, 3))
            layers.append(nn.Conv2d(channels, out, k, stride=s, padding=p, dilation=d))
            channels = out
        elif kind == "relu":
            layers.append(nn.ReLU())
        else:
            p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
            pool = nn.MaxPool2d if kind == "max" else nn.AvgPool2d
            layers.append(pool(k, stride=s, padding=p))
    if not any(isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) for layer in layers):
        layers.append(nn.Conv2d(channels, 1, 3))
    return nn.Sequential(*layers)


@settings(max_examples=40, deadline=None)
@given(stacks())
def test_analytic_and_empirical_fields_agree(net):
    field = receptive_field(net)[-1]
    size = 80                                      # large enough that the middle unit is interior
    channels = next((m.in_channels for m in net if isinstance(m, nn.Conv2d)), 1)
    with torch.no_grad():
        out_h, out_w = net(torch.zeros(1, channels, size, size)).shape[2:]
    unit = (out_h // 2, out_w // 2)
    (top, bottom), (left, right) = field.bounds(unit)
    if top < 0 or left < 0 or bottom >= size or right >= size:
        pytest.skip("field reaches outside the input")   # rare with these sizes
    measured = empirical_receptive_field(net, (channels, size, size), unit)
    assert measured.rows == (top, bottom)
    assert measured.cols == (left, right)
    assert measured.size == field.size
    assert measured.center == tuple(st + u * s for st, u, s in zip(field.start, unit, field.stride))


def test_empirical_field_of_lenet_has_a_centre_heavier_than_its_edge():
    field = empirical_receptive_field(LeNet(), (1, 28, 28), (2, 2))
    assert field.size == (16, 16)
    g = field.gradient
    centre = g[field.rows[0] + 7, field.cols[0] + 7]
    edge = g[field.rows[0], field.cols[0]]
    assert centre > 4 * edge > 0


def test_the_model_is_left_untouched():
    net = LeNet()
    before = [p.clone() for p in net.parameters()]
    empirical_receptive_field(net, (1, 28, 28), (0, 0))
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert isinstance(net[2], nn.AvgPool2d) and isinstance(ModernLeNet()[2], nn.MaxPool2d)


@pytest.mark.parametrize("model, error, message", [
    (Conv2D(3), TypeError, r"model must be an nn.Sequential"),
    (nn.Sequential(nn.Upsample(scale_factor=2)), TypeError, r"model\[0\] \(Upsample\) is not supported"),
    (nn.Sequential(nn.ReLU()), ValueError, r"has no Conv2d, MaxPool2d or AvgPool2d"),
    (nn.Sequential(nn.Conv2d(1, 1, 3, padding="same")), ValueError, r"padding='same' is not supported"),
    (nn.Sequential(nn.Sequential(nn.Conv2d(1, 1, 3))), TypeError, r"nested Sequential"),
])
def test_unsupported_models_are_refused(model, error, message):
    with pytest.raises(error, match=message):
        receptive_field(model)


def test_empirical_field_refuses_bad_arguments():
    net = nn.Sequential(nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match=r"input_shape must be \(channels, height, width\)"):
        empirical_receptive_field(net, (5, 5), (0, 0))
    with pytest.raises(ValueError, match=r"unit must lie inside the output of shape \(3, 3\)"):
        empirical_receptive_field(net, (1, 5, 5), (3, 0))
