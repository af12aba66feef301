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



# ---- issue 21: only an operation that removes both spatial axes ends the spatial part ----

class Reduced(nn.Module):
    """conv -> an operation that keeps (h, w) -> conv: the field is 5x5, not the first 3x3."""

    def __init__(self, middle, channels=4):
        super().__init__()
        self.a = nn.Conv2d(1, channels, 3)
        self.b = nn.Conv2d(1 if channels == 4 else channels, 1, 3)
        self.middle = middle

    def forward(self, x):
        return self.b(self.middle(self.a(x)))


def _shuffle(y):
    n, c, h, w = y.size()
    return y.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w).mean(1, True)


@pytest.mark.parametrize("middle", [
    lambda y: y.mean(1, keepdim=True),
    lambda y: torch.sum(y, 1, keepdim=True),
    lambda y: y.amax(1, keepdim=True),
    lambda y: y.max(dim=1, keepdim=True)[0],
    lambda y: torch.amin(y, dim=-3, keepdim=True),
    lambda y: y.view(-1, y.size(1), y.size(2), y.size(3)).mean(1, keepdim=True),
    lambda y: y.mean(1, keepdim=True).squeeze(0).unsqueeze(0),
    lambda y: y.std(1).unsqueeze(1),
    _shuffle,
    lambda y: y[:, 1:2],
    lambda y: torch.split(y, 1, dim=1)[2],
    lambda y: y.unbind(1)[0][:, None],
], ids=["mean", "sum", "amax", "max-values", "amin-negative-dim", "no-op-view",
        "squeeze-unsqueeze", "std-without-keepdim", "channel-shuffle", "channel-slice",
        "channel-split", "unbind-then-index-none"])
def test_channel_reductions_and_views_that_keep_h_w_are_followed(middle):
    """Issue 21 R1: they ended the network, so both methods gave the first conv's 3x3."""
    net = Reduced(middle)
    assert receptive_field(net)[-1].size == (5, 5)
    assert receptive_field(net, (1, 11, 11))[-1].size == (5, 5)
    assert empirical_receptive_field(net, (1, 11, 11), 3).size == (5, 5)


@pytest.mark.parametrize("k, size", [(7, (5, 5)), (1, (3, 3))])
def test_adaptive_pooling_to_the_maps_size_changes_nothing(k, size):
    """Issue 21 R1: AdaptiveAvgPool2d(8) on an 8x8 map ended the network; only k = 1 ends."""
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(k), nn.Conv2d(1, 1, 1),
                        nn.Conv2d(1, 1, 3) if k > 1 else nn.Identity())
    assert receptive_field(net, (1, 9, 9))[-1].size == size
    assert empirical_receptive_field(net, (1, 9, 9), 0).size == size


def test_adaptive_pooling_that_divides_the_map_is_a_pooling_and_others_are_refused():
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveMaxPool2d((4, None)),
                        nn.Conv2d(1, 1, 3))
    field = receptive_field(net, (1, 10, 10))[-1]       # 8x8 -> 4x8: a (2, 1) pooling
    assert (field.size, field.stride, field.shape) == ((8, 5), (2, 1), (2, 6))
    measured = empirical_receptive_field(net, (1, 10, 10), (1, 2))
    assert (measured.rows, measured.cols) == field.bounds((1, 2))
    with pytest.raises(ValueError, match=r"model\[1\] pools adaptively from 8x8 to 3: its "
                                         r"windows then have unequal sizes"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(3)), (1, 10, 10))
    with pytest.raises(ValueError, match=r"model\[1\] pools adaptively to 4: .*give "
                                         r"receptive_field an input_shape"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(4)))


@pytest.mark.parametrize("middle, message", [
    (lambda y: y.mean(2), r"mean\(\) .* reduces over one spatial axis \(dim=2\)"),
    (lambda y: y.view(-1, 1, 14, 14), r"view\(\) .* reshapes a feature map to \(-1, 1, 14, 14\)"),
    (lambda y: y.transpose(1, 3), r"\(transpose\) moves a spatial axis"),
    (lambda y: y.flatten(1, 2), r"flattens dims 1..2, which merge one spatial axis"),
    (lambda y: y.squeeze(), r"squeeze without one dim"),
    (lambda y: y[:, :1, 1:], r"indexes a spatial axis of a feature map"),
    (lambda y: y.chunk(2, 3)[0], r"cuts a feature map along a spatial axis \(dim=3\)"),
])
def test_operations_that_remove_one_spatial_axis_are_refused_by_name(middle, message):
    with pytest.raises(ValueError, match=message):
        receptive_field(Reduced(middle), (1, 9, 9))


class Flattened(nn.Module):
    def __init__(self, end):
        super().__init__()
        self.a = nn.Conv2d(1, 4, 3)
        self.end = end

    def forward(self, x):
        return self.end(self.a(x))


@pytest.mark.parametrize("end", [
    lambda y: y.flatten(2).mean(-1), lambda y: y.view(y.size(0), 4, -1).sum(-1),
    lambda y: y.view(-1, 4 * 7 * 7), lambda y: torch.amax(y, dim=(-1, -2)),
    lambda y: y.mean((1, 2, 3)), lambda y: y.sum()])
def test_operations_that_remove_both_spatial_axes_end_it(end):
    assert receptive_field(Flattened(end), (1, 9, 9))[-1].size == (3, 3)
    assert empirical_receptive_field(Flattened(end), (1, 9, 9), 3).size == (3, 3)


class SpatialAttention(nn.Module):
    """CBAM's spatial attention: channel mean and max -> 7x7 conv -> gate on the map."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 4, 3)
        self.gate = nn.Conv2d(2, 1, 7, padding=3)

    def forward(self, x):
        y = self.a(x)
        summary = torch.cat([y.mean(1, keepdim=True), y.amax(1, keepdim=True)], 1)
        return y * torch.sigmoid(self.gate(summary))


def test_a_cbam_spatial_attention_is_followed_not_refused_as_squeeze_and_excitation():
    assert receptive_field(SpatialAttention())[-1].size == (9, 9)
    assert empirical_receptive_field(SpatialAttention(), (1, 20, 20), 9).size == (9, 9)


def test_the_measurement_uses_the_models_real_output_not_the_closed_forms_end(monkeypatch):
    """Issue 21 R1: the measurement cut the model where the closed form stopped, so the two
    agreed on the same wrong answer. A closed form that stops too early is now contradicted."""
    import convbook.receptive_graph as graph
    monkeypatch.setattr(graph.Walk, "_reshape", lambda self, *args: ("end", None))
    net = Reduced(lambda y: y.view(-1, 1, 7, 7), channels=1)
    assert receptive_field(net, (1, 9, 9))[-1].size == (3, 3)          # the sabotaged walk
    assert empirical_receptive_field(net, (1, 9, 9), 2).size == (5, 5)   # the truth


class ReZero(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 3, padding=1))
        self.alpha = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x + self.alpha * self.a(x)


class Difference(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 1, 3, padding=1)
        self.b = nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, x):
        return self.a(x) - self.b(x) * 1.0 / (-torch.ones(1) * 2)


def test_zero_scales_and_cancelling_branches_do_not_hide_the_field():
    """Issue 21 R2: ReZero's alpha = 0 gave 1x1; a(x) - b(x) with equal uniform weights
    raised 'does not depend on any input pixel'."""
    assert empirical_receptive_field(ReZero(), (1, 9, 9), 4).size == (5, 5)
    assert receptive_field(ReZero())[-1].size == (5, 5)
    assert empirical_receptive_field(Difference(), (1, 9, 9), 4).size == (3, 3)
    # with the model's own weights the zero scale does hide the branch: that is the truth
    assert empirical_receptive_field(ReZero(), (1, 9, 9), 4, uniform_weights=False).size == \
        (1, 1)


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 1, 3)

    def forward(self, x, y):
        return self.a(x) + y


class Dictionary(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        return {"out": self.a(x)}


class OddPad(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        return self.a(F.pad(x, (0, x.shape[-1] % 2, 0, x.shape[-2] % 2)))


class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, 1, 3, 3))

    def forward(self, x):
        return F.conv2d(x, self.weight)


class CatAxis(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        return torch.cat([self.a(x), self.a(x)], axis=1)


def test_dict_outputs_and_size_dependent_padding_are_followed():
    """Issue 21: StopIteration and "TypeError on a Node"."""
    assert receptive_field(Dictionary())[-1].size == (3, 3)
    assert empirical_receptive_field(Dictionary(), (1, 9, 9), 2).size == (3, 3)
    assert receptive_field(OddPad(), (1, 9, 9))[-1].shape == (8, 8)
    assert empirical_receptive_field(OddPad(), (1, 9, 9), 7).rows == (7, 8)
    with pytest.raises(ValueError, match=r"pads by amounts computed from the map's size.*"
                                         r"give receptive_field an input_shape"):
        receptive_field(OddPad())
    assert receptive_field(CatAxis())[-1].size == (3, 3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: empirical_receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3)).to("meta"),
                                       (1, 9, 9), 2),
     ValueError, r"model is on the meta device"),
    (lambda: empirical_receptive_field(TwoInputs(), (1, 9, 9), 2), TypeError,
     r"forward takes 2 required inputs \(x, y\)"),
    (lambda: receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3)), (3, 9, 9)),
     ValueError, r"model\[0\] \(Conv2d\) expects 1 input channels but its input map has 3"),
    (lambda: empirical_receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3)), (3, 9, 9), 2),
     ValueError, r"model cannot run on an input of shape \(3, 9, 9\)"),
    (lambda: receptive_field(Functional()), TypeError,
     r"calls conv2d on a feature map: its kernel is a weight tensor .* use the module"),
    (lambda: receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Linear(7, 7))), TypeError,
     r"model\[1\] \(Linear\) applies a linear layer to a feature map"),
    (lambda: empirical_receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3)), (1, 12000, 12000), 2),
     ValueError, r"input_shape \(1, 12000, 12000\) makes the input .* more than"),
    (lambda: empirical_receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3)),
                                       (1, 100000, 100000), 2),
     ValueError, r"makes the input 1 x 100000 x 100000"),
    (lambda: empirical_receptive_field(nn.Sequential(nn.Conv2d(1, 64, 3)), (1, 2000, 2000), 2),
     ValueError, r"makes the measurement's feature maps and their gradients"),
])
def test_bad_models_and_inputs_get_named_errors_before_any_work(call, error, message):
    """Issue 21: raw StopIteration, RuntimeError, MemoryError before."""
    with pytest.raises(error, match=message):
        call()
