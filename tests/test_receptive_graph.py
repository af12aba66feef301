"""Receptive fields of graphs with branches: closed form (torch.fx walk) against autograd."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from convbook.receptive import empirical_receptive_field, receptive_field

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


class Chain(nn.Module):
    """Applies ``blocks`` in turn; a block is a module or a list of branches (merged)."""

    def __init__(self, blocks, merges):
        super().__init__()
        self.blocks = nn.ModuleList(nn.ModuleList(b) if isinstance(b, list) else b
                                    for b in blocks)
        self.merges = merges

    def forward(self, x):
        for block, merge in zip(self.blocks, self.merges):
            if merge is None:
                x = block(x)
            else:
                outs = [branch(x) for branch in block]
                x = torch.cat(outs, 1) if merge == "cat" else outs[0]
                if merge == "add":
                    for out in outs[1:]:
                        x = x + out
                x = F.relu(x)
        return x.mean((2, 3))


def _same_layer(draw, channels, stride, out):
    """A layer whose output size depends only on the stride: odd span, half-span padding."""
    kind = draw(st.sampled_from(["conv", "max", "avg"]))
    k = draw(st.sampled_from([1, 3, 5]))
    d = draw(st.integers(1, 2)) if kind != "avg" else 1
    p = d * (k - 1) // 2
    if kind == "conv":
        groups = draw(st.sampled_from([g for g in (1, 2) if channels % g == 0 and out % g == 0]))
        return nn.Conv2d(channels, out, k, stride, p, d, groups=groups), out
    if kind == "max" and k > 1:
        return nn.MaxPool2d(k, stride, p, d), channels
    return nn.AvgPool2d(k, stride, k // 2), channels


@st.composite
def graphs(draw):
    blocks, merges, channels = [], [], 2
    for _ in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(["layer", "add", "cat", "shifted"]))
        stride = draw(st.integers(1, 2))
        if shape == "layer":
            kind = draw(st.sampled_from(["conv", "ceilpool", "same"]))
            if kind == "conv":
                k, s = draw(st.integers(1, 4)), draw(st.integers(1, 2))
                blocks.append(nn.Conv2d(channels, 2, k, s, draw(st.integers(0, 1)),
                                        draw(st.integers(1, 2))))
                channels = 2
            elif kind == "ceilpool":
                blocks.append(nn.MaxPool2d(draw(st.integers(2, 3)), 2, ceil_mode=True))
            else:
                blocks.append(nn.Conv2d(channels, 2, draw(st.integers(2, 4)), padding="same"))
                channels = 2
            merges.append(None)
            continue
        branches, outs = [], []
        for b in range(draw(st.integers(2, 3))):
            out = 2 if shape != "cat" else draw(st.sampled_from([1, 2]))
            if shape == "shifted" and b == 0:        # a branch centred half a pixel off
                branch = [nn.ZeroPad2d((1, 0, 1, 0)), nn.Conv2d(channels, out, 2)]
            elif shape == "add" and b == 0 and draw(st.booleans()) and stride == 1:
                branch, out = [nn.Identity()], channels
            else:
                first, c = _same_layer(draw, channels, 1 if shape == "shifted" else stride, out)
                branch = [first]
                if draw(st.booleans()):
                    layer, c = _same_layer(draw, c, 1, out)
                    branch.append(layer)
                if c != out:
                    branch.append(nn.Conv2d(c, out, 1))
            branches.append(nn.Sequential(*branch))
            outs.append(out)
        if shape == "add" and len(set(outs)) > 1:
            branches = [nn.Sequential(b, nn.Conv2d(o, 2, 1)) for b, o in zip(branches, outs)]
            outs = [2] * len(outs)
        blocks.append(branches)
        merges.append("cat" if shape == "cat" else "add")
        channels = sum(outs) if shape == "cat" else outs[0]
    return Chain(blocks, merges)


@settings(max_examples=40, deadline=None)
@given(graphs())
def test_closed_form_equals_autograd_on_random_graphs_with_branches(net):
    size = 72
    field = receptive_field(net, (2, size, size))[-1]
    out_h, out_w = field.shape
    unit = (out_h // 2, out_w // 2)
    (top, bottom), (left, right) = field.bounds(unit)
    assume(top >= 0 and left >= 0 and bottom < size and right < size)   # inside the input
    measured = empirical_receptive_field(net, (2, size, size), unit)
    assert (measured.rows, measured.cols) == ((top, bottom), (left, right))
    assert measured.size == field.size


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 1, 3, 2, 1)
        self.conv2 = nn.Conv2d(1, 1, 3, 1, 1)
        self.shortcut = nn.Conv2d(1, 1, 1, 2)
        self.head = nn.Linear(1, 2)

    def forward(self, x):
        y = self.conv2(torch.relu(self.conv1(x))) + self.shortcut(x)
        return self.head(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def test_a_residual_block_takes_the_union_and_ends_at_the_global_pooling():
    fields = receptive_field(Residual(), (1, 16, 16))
    assert [f.path for f in fields] == ["model.conv1", "model.conv2", "model.shortcut",
                                        "model: add()"]
    assert [f.number for f in fields] == [1, 2, 3, 4]
    last = fields[-1]
    assert (last.size, last.stride, last.padding, last.shape) == ((7, 7), (2, 2), (3, 3), (8, 8))
    assert last.notes == ()                     # both paths are centred on input row 2u
    assert empirical_receptive_field(Residual(), (1, 16, 16), 3).rows == (3, 9)


class Shifted(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 1, 3, padding=1)
        self.b = nn.Conv2d(1, 1, 2)

    def forward(self, x):
        return torch.cat([self.a(x), self.b(F.pad(x, (1, 0, 1, 0)))], 1)


def test_branches_centred_differently_are_reported_in_the_record():
    last = receptive_field(Shifted(), (1, 10, 10))[-1]
    assert last.size == (3, 3) and last.padding == (1, 1)
    assert len(last.notes) == 1 and "centred differently" in last.notes[0]
    assert "model: cat()" in last.notes[0]


def test_ceil_mode_edges_are_reported_when_they_happen():
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.MaxPool2d(2, 2, ceil_mode=True))
    assert receptive_field(net, (1, 10, 10))[-1].notes == ()        # 8 -> 4, no overhang
    notes = receptive_field(net, (1, 11, 11))[-1].notes              # 9 -> 5, the last overhangs
    assert len(notes) == 1 and "model[1]: ceil_mode=True adds a last row" in notes[0]
    assert receptive_field(net, (1, 11, 11))[-1].shape == (5, 5)
    assert "may add" in receptive_field(net)[-1].notes[0]
    measured = empirical_receptive_field(net, (1, 11, 11), (4, 4))    # the cut window
    assert measured.rows == (8, 10) and receptive_field(net)[-1].bounds((4, 4))[0] == (8, 11)


@pytest.mark.parametrize("kernel", [2, 3, 4])
def test_same_padding_puts_the_odd_row_at_the_bottom(kernel):
    net = nn.Sequential(nn.Conv2d(1, 1, kernel, padding="same"), nn.Conv2d(1, 1, 3))
    field = receptive_field(net, (1, 12, 12))[-1]
    assert field.padding == ((kernel - 1) // 2,) * 2
    assert field.shape == (10, 10)
    assert bool(field.notes) == (kernel % 2 == 0)
    unit = (5, 5)
    measured = empirical_receptive_field(net, (1, 12, 12), unit)
    assert (measured.rows, measured.cols) == field.bounds(unit)


def test_valid_padding_is_zero_padding():
    net = nn.Sequential(nn.Conv2d(1, 1, 3, padding="valid"))
    assert receptive_field(net)[-1].padding == (0, 0)


def test_grouped_and_dilated_convolutions_and_functional_pooling():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, groups=4, dilation=2)

        def forward(self, x):
            x = F.max_pool2d(self.conv(x), 3, stride=2, dilation=2)
            return F.avg_pool2d(x, kernel_size=2).view(x.size(0), -1)

    field = receptive_field(Net())[-1]
    # 5 (dilated 3x3) + 2*(5 - 1) (dilated 3-pool) + 2*(2 - 1) (2-pool after stride 2)
    assert field.size == (5 + 4 + 2, 5 + 4 + 2) and field.stride == (4, 4)
    measured = empirical_receptive_field(Net(), (4, 31, 31), (3, 3))
    assert (measured.rows, measured.cols) == field.bounds((3, 3))


class TwoTowers(nn.Module):
    """Two branches, each globally pooled on its own, then joined: not a feature-map merge."""
    def __init__(self):
        super().__init__()
        self.small = nn.Conv2d(1, 2, 3)
        self.large = nn.Conv2d(1, 2, 7)

    def forward(self, x):
        a = self.small(x).mean((2, 3))
        b = torch.flatten(F.adaptive_avg_pool2d(self.large(x), 1), 1)
        return torch.cat([a, b], 1)


def test_the_first_global_pooling_ends_the_spatial_part_even_with_two_towers():
    fields = receptive_field(TwoTowers(), (1, 12, 12))
    assert [f.path for f in fields] == ["model.small"] and fields[-1].size == (3, 3)
    assert empirical_receptive_field(TwoTowers(), (1, 12, 12), (4, 4)).rows == (4, 6)



def test_traces_in_two_threads_at_once_do_not_break_each_other():
    """JupyterLab runs widget messages in a kernel subshell thread, so an explorer's check can
    trace while a cell traces; torch.fx's global patcher made 1 in 4 such traces fail."""
    import threading

    from convbook.netspec import layers_from_text
    errors = []

    def work():
        for _ in range(25):
            try:
                receptive_field(layers_from_text("conv 3 p1; pool 2; conv 3; avgpool 2; conv 2 d2"))
            except Exception as error:          # noqa: BLE001 (any failure counts)
                errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:2]


# ---- issue 21: channel reductions, views and adaptive pooling inside random graphs ----------

class Steps(nn.Module):
    """Applies (kind, module-or-arg) steps in turn; the last step decides how the model ends."""

    def __init__(self, steps, end):
        super().__init__()
        self.kinds = [kind for kind, _ in steps]
        self.args = [arg if not isinstance(arg, nn.Module) else None for _, arg in steps]
        self.layers = nn.ModuleList(arg if isinstance(arg, nn.Module) else nn.Identity()
                                    for _, arg in steps)
        self.end = end

    def forward(self, x):
        for kind, arg, layer in zip(self.kinds, self.args, self.layers):
            if kind == "layer":
                x = layer(x)
            elif kind == "reduce":
                x = {"mean": lambda y: y.mean(1, keepdim=True),
                     "sum": lambda y: torch.sum(y, dim=1, keepdim=True),
                     "amax": lambda y: y.amax(1, keepdim=True),
                     "max": lambda y: y.max(1, keepdim=True)[0]}[arg](x)
            elif kind == "slice":                 # the first channel, as a 4-D map
                x = torch.split(x, 1, dim=1)[0] if arg else x[:, :1]
            elif kind == "view":
                x = x.view(-1, x.size(1), x.size(2), x.size(3))
            elif kind == "squeeze":
                x = x.squeeze(0).unsqueeze(0)
            elif kind == "shuffle":
                n, c, h, w = x.size()
                x = x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
            elif kind == "adaptive":
                x = F.adaptive_avg_pool2d(x, arg)
            elif kind == "branch":                 # x + conv(x), or cat with a reduction
                y = layer(x)
                x = x + y if arg == "add" else torch.cat([y, x.mean(1, keepdim=True)], 1)
        if self.end == "mean":
            return x.mean((2, 3))
        if self.end == "flatten":
            return torch.flatten(x, 1)
        return x


@st.composite
def mixed_graphs(draw, size=36):
    steps, channels, n = [], 1, size
    for _ in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["conv", "pool", "reduce", "view", "squeeze", "shuffle",
                                     "adaptive", "branch", "slice"]))
        if kind == "conv" or kind == "shuffle" and channels % 2 or kind == "reduce" and \
                channels == 1:
            out = draw(st.sampled_from([1, 2, 4]))
            k, s = draw(st.integers(1, 4)), draw(st.integers(1, 2))
            p, d = draw(st.integers(0, 1)), draw(st.integers(1, 2))
            if (n + 2 * p - d * (k - 1) - 1) // s + 1 < 3:
                continue
            steps.append(("layer", nn.Conv2d(channels, out, k, s, p, d)))
            channels, n = out, (n + 2 * p - d * (k - 1) - 1) // s + 1
        elif kind == "pool":
            k = draw(st.integers(2, 3))
            if n // k < 3:
                continue
            pool = draw(st.sampled_from([nn.MaxPool2d, nn.AvgPool2d]))
            steps.append(("layer", pool(k)))
            n = n // k
        elif kind == "reduce":
            steps.append(("reduce", draw(st.sampled_from(["mean", "sum", "amax", "max"]))))
            channels = 1
        elif kind == "slice":
            steps.append(("slice", draw(st.booleans())))
            channels = 1
        elif kind == "adaptive":
            divisors = [d for d in range(2, n + 1) if n % d == 0 and d >= 3]
            target = draw(st.sampled_from(divisors)) if divisors else n
            steps.append(("adaptive", target))
            n = target
        elif kind == "branch":
            merge = draw(st.sampled_from(["add", "cat"]))
            k = draw(st.sampled_from([1, 3, 5]))
            out = channels if merge == "add" else draw(st.sampled_from([1, 2]))
            steps.append(("branch", nn.Conv2d(channels, out, k, padding=k // 2)))
            steps.append(("merge-" + merge, None))
            channels = channels if merge == "add" else out + 1
        else:
            steps.append((kind, None))
    # fold ("branch", conv), ("merge-x", None) into one step whose arg names the merge
    folded = []
    for kind, arg in steps:
        if kind.startswith("merge-"):
            folded[-1] = ("branch", folded[-1][1])
            folded[-1][1].merge = kind[6:]
        else:
            folded.append((kind, arg))
    if not any(kind in ("layer", "branch") for kind, _ in folded):
        folded.append(("layer", nn.Conv2d(channels, 1, 3)))
    net = Steps(folded, draw(st.sampled_from(["map", "mean", "flatten"])))
    for i, (kind, arg) in enumerate(folded):
        if kind == "branch":
            net.args[i] = arg.merge
    return net


@settings(max_examples=60, deadline=None)
@given(mixed_graphs())
def test_closed_form_equals_autograd_on_the_real_output_of_mixed_graphs(net):
    """Issue 21 R1: random graphs mixing convs, pools, channel reductions (mean, sum, amax,
    max), channel slices, no-op views, squeeze/unsqueeze, channel shuffles, adaptive pooling
    and branches;
    the measurement runs on the model's real output (or the map its global pooling or
    flatten ends), found without the closed form."""
    size = 36
    field = receptive_field(net, (1, size, size))[-1]
    out_h, out_w = field.shape
    unit = (out_h // 2, out_w // 2)
    (top, bottom), (left, right) = field.bounds(unit)
    assume(top >= 0 and left >= 0 and bottom < size and right < size)
    measured = empirical_receptive_field(net, (1, size, size), unit)
    assert (measured.rows, measured.cols) == ((top, bottom), (left, right))
    assert field.size == measured.size
