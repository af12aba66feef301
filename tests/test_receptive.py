"""Closed-form receptive fields agree with the ones measured by autograd."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from convbook.layers import Conv2D, LeNet, ModernLeNet
from convbook.receptive import empirical_receptive_field, layer_window_params, receptive_field


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


def _records_before_fx(model):
    """The Sequential-only algorithm this package used before following fx graphs."""
    size, jump, padding, start, records = [1, 1], [1, 1], [0, 0], [0.0, 0.0], []
    for index, layer in enumerate(model):
        if isinstance(layer, (nn.Flatten, nn.Linear)):
            break
        if not isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            continue
        kernel, stride, pad, dilation = layer_window_params(layer)
        for axis in range(2):
            span = dilation[axis] * (kernel[axis] - 1) + 1
            size[axis] += (span - 1) * jump[axis]
            start[axis] += ((span - 1) / 2 - pad[axis]) * jump[axis]
            padding[axis] += pad[axis] * jump[axis]
            jump[axis] *= stride[axis]
        records.append((index, repr(layer), tuple(size), tuple(jump), tuple(padding),
                        tuple(start)))
    return records


@settings(max_examples=40, deadline=None)
@given(stacks())
def test_sequential_records_are_those_of_the_sequential_only_version(net):
    net = nn.Sequential(*net, nn.Flatten(), nn.Linear(1, 2), nn.Upsample(scale_factor=2))
    fields = receptive_field(net)
    assert [(f.index, f.layer, f.size, f.stride, f.padding, f.start) for f in fields] == \
        _records_before_fx(net)
    assert [f.number for f in fields] == list(range(1, len(fields) + 1))
    assert all(f.path == f"model[{f.index}]" for f in fields)


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
    assume(top >= 0 and left >= 0 and bottom < size and right < size)   # inside the input
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


class Gate(nn.Module):
    def forward(self, x):
        if x.sum() > 0:                          # data-dependent control flow
            return x
        return -x


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)
        self.gate = Gate()

    def forward(self, x):
        return self.gate(self.conv(x))


class Resized(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        return F.interpolate(self.conv(x), scale_factor=2)


class Excited(nn.Module):
    """A squeeze-and-excitation gate: a globally pooled value rescales the map."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        y = self.conv(x)
        return y * torch.sigmoid(y.mean((2, 3), keepdim=True))


class Stacked(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        y = self.conv(x)
        return torch.cat([y, y], 2)


@pytest.mark.parametrize("model, error, message", [
    ([1, 2], TypeError, r"model must be an nn.Module that torch.fx can trace, got list"),
    (nn.Sequential(nn.Upsample(scale_factor=2)), TypeError,
     r"model\[0\] \(Upsample\) is not supported"),
    (nn.Sequential(nn.Conv2d(1, 1, 3), nn.Sequential(nn.ReLU(), nn.Upsample(scale_factor=2))),
     TypeError, r"model\[1\]\[1\] \(Upsample\) is not supported"),
    (nn.Sequential(nn.ReLU()), ValueError, r"has no Conv2d, MaxPool2d or AvgPool2d"),
    (nn.Sequential(nn.Flatten(), nn.Conv2d(1, 1, 3)), ValueError,
     r"model\[0\] is reached by the input itself"),
    (Conv2D(3), TypeError, r"torch.fx cannot trace model \(Conv2D\) in its forward at "
                           r".*layers.py:\d+ -> .*ops.py:\d+"),
    (Gated(), TypeError, r"torch.fx cannot trace model \(Gated\) in model.gate at "
                         r".*test_receptive.py:\d+: .*control flow"),
    (Resized(), TypeError, r"model: interpolate\(\) \(called at .*test_receptive.py.*\) is "
                           r"not supported on a feature map"),
    (Excited(), ValueError, r"model: mul\(\) \(called at .*\) combines a globally pooled"),
    (Stacked(), ValueError, r"model: cat\(\) .*concatenates along dim=2"),
    (nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(1, 1, 3)), ValueError,
     r"model\[0\] \(ReflectionPad2d\) pads with copies of image pixels"),
])
def test_unsupported_models_are_refused_naming_the_module(model, error, message):
    with pytest.raises(error, match=message):
        receptive_field(model)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes_other_than_zeros_are_refused(mode):
    """Issue 14: they used to be read as zero padding."""
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3, padding=1, padding_mode=mode))
    with pytest.raises(ValueError, match=rf"model\[1\] \(Conv2d\) pads with padding_mode="
                                         rf"'{mode}'"):
        receptive_field(net)


def test_nested_sequentials_are_followed():
    net = nn.Sequential(nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU()), nn.Conv2d(1, 1, 3))
    fields = receptive_field(net)
    assert [(f.index, f.path, f.size) for f in fields] == [
        (0, "model[0][0]", (3, 3)), (2, "model[1]", (5, 5))]


def test_dilated_max_pooling_keeps_its_dilation_in_the_empirical_field():
    """Issue 14: the swap to average pooling dropped the dilation (3x3 instead of 5x5)."""
    net = nn.Sequential(nn.MaxPool2d(3, 1, dilation=2))
    assert receptive_field(net)[-1].size == (5, 5)
    measured = empirical_receptive_field(net, (1, 9, 9), (2, 2))
    assert measured.size == (5, 5) and measured.rows == (2, 6)


def test_unit_is_checked_against_the_models_own_output_shape():
    """Issue 14: the check used the swapped-in pooling's 7x7 output, not max pooling's 5x5."""
    net = nn.Sequential(nn.MaxPool2d(3, 1, dilation=2))
    with pytest.raises(ValueError, match=r"unit must lie inside the output of shape \(5, 5\)"):
        empirical_receptive_field(net, (1, 9, 9), (5, 5))


def test_unit_may_be_a_single_int():
    """Issue 14: unit=2 raised "'int' object is not iterable"."""
    net = nn.Sequential(nn.Conv2d(1, 1, 3))
    assert empirical_receptive_field(net, (1, 9, 9), 2).rows == (2, 4)
    with pytest.raises(TypeError, match=r"unit must be an int or an \(h, w\) pair"):
        empirical_receptive_field(net, (1, 9, 9), "centre")


def test_activations_that_could_zero_a_gradient_are_bypassed():
    """ReLU6 saturates at 6: with a residual sum growing past it, the gradient would vanish."""
    class Saturating(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3, padding=1)
            self.act = nn.ReLU6()
            nn.init.ones_(self.conv.weight)      # 10 * 9 + 1 > 6: saturated, gradient 0
            nn.init.zeros_(self.conv.bias)

        def forward(self, x):
            return self.act(F.relu6(self.conv(x) * 10 + x))

    measured = empirical_receptive_field(Saturating(), (1, 9, 9), (4, 4))
    assert measured.rows == (3, 5)
    with pytest.raises(ValueError, match="does not depend on any input pixel"):
        empirical_receptive_field(Saturating(), (1, 9, 9), (4, 4), uniform_weights=False)


def test_empirical_field_refuses_bad_arguments():
    net = nn.Sequential(nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match=r"input_shape must be \(channels, height, width\)"):
        empirical_receptive_field(net, (5, 5), (0, 0))
    with pytest.raises(ValueError, match=r"unit must lie inside the output of shape \(3, 3\)"):
        empirical_receptive_field(net, (1, 5, 5), (3, 0))


@pytest.mark.parametrize("flag", ["no", 0, 1, None])
def test_uniform_weights_must_be_a_bool(flag):
    """Issue 14: uniform_weights='no' was silently read as True."""
    with pytest.raises(TypeError, match=r"uniform_weights must be True or False"):
        empirical_receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3)), (1, 9, 9), 2,
                                  uniform_weights=flag)

