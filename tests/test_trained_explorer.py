"""The trained-network explorer: its checked setters and refusals, PyTorch's values and the
readout in Python, the size of its state, and the view's own arithmetic (js/drawing.js and
js/trained_unit.js, run in node as the explorer's ES module has them): the canvas edits, the
unit's field and text, and a unit's partial sums plus bias, equal to convbook.drawing,
trained_readout and PyTorch."""
import base64
import json
import random
import shutil
import subprocess
from importlib.resources import files

import pytest
import torch
from torch import nn

from convbook.data import sample_image
from convbook.drawing import invert, network_input, paint, rotate, shift
from convbook.layers import LeNet, ModernLeNet
from convbook.network_export import export_network, forward_trace
from convbook.receptive import receptive_field
from convbook.widgets import TrainedNetworkExplorer

NODE = shutil.which("node")
JS = files("convbook.widgets") / "js"


@pytest.fixture(scope="module")
def lenets():
    torch.manual_seed(0)
    return {"modern": ModernLeNet(), "classic": LeNet()}


@pytest.fixture
def explorer(lenets):
    return TrainedNetworkExplorer(lenets)


def canvas_of(w):
    return torch.frombuffer(bytearray(base64.b64decode(w.view.pixels)),
                            dtype=torch.uint8).reshape(28, 28)


# --- Python: setters, refusals, values ------------------------------------------------------

def test_the_input_is_the_sample_as_the_network_reads_it(explorer, lenets):
    image, label = sample_image(45)
    assert torch.equal(explorer.input, image[None])
    assert explorer.view.network == "modern"
    values = explorer.activations
    assert torch.equal(values[-1], lenets["modern"].eval()(image[None, None])[0].detach())
    assert torch.allclose(explorer.probabilities, values[-1].softmax(0))
    assert explorer.prediction == explorer.labels[int(values[-1].argmax())]


def test_edits_follow_convbook_drawing(explorer):
    start = canvas_of(explorer)
    explorer.shift(2, -3)
    explorer.rotate()
    explorer.invert()
    explorer.draw([(0, 0), (5, 6)], erase=False)
    explorer.draw([(5, 7)], erase=True)
    expected = paint(paint(invert(rotate(shift(start, 2, -3))), [(0, 0), (5, 6)]), [(5, 7)], True)
    assert torch.equal(canvas_of(explorer), expected)
    assert torch.equal(rotate(start), torch.rot90(start, 1, (0, 1)))      # counter-clockwise
    explorer.set_noise(40)
    assert torch.equal(explorer.input, network_input(expected, 40, explorer._pattern))
    assert 0 <= explorer.input.min() and explorer.input.max() <= 1
    explorer.set_pixels(torch.full((28, 28), 0.5))
    assert canvas_of(explorer).unique().tolist() == [128]


def test_select_gives_the_field_of_convbook_receptive(explorer, lenets):
    fields = receptive_field(lenets["modern"], (1, 28, 28))
    for layer, record in [(1, 0), (2, 0), (3, 2), (4, 3), (6, 5)]:
        explorer.select(layer, 1, 4, 2)
        assert explorer.field == fields[[f.index for f in fields].index(record)].bounds((4, 2))
    explorer.select(7, 27)                     # flattened: channel 1, unit (0, 2) of layer 6
    assert explorer.field == fields[-1].bounds((0, 2))
    explorer.select(8, 3)
    assert explorer.field == ((0, 27), (0, 27))
    assert explorer.readout[1].startswith("Receptive field: the whole input")


def test_switching_networks_keeps_a_selection_that_fits(explorer):
    explorer.select(5, 15, 9, 9)
    explorer.set_network("classic")
    assert (explorer.view.layer, explorer.view.unit) == (5, [15, 9, 9])
    assert explorer.readout[2] == "Sigmoid of the same unit x of layer 4: 1 / (1 + exp(-x))."


@pytest.mark.parametrize("call, error, message", [
    (lambda w: w.set_network("other"), ValueError, "name must be one of"),
    (lambda w: w.set_image(50), ValueError, "index must be in 0..49"),
    (lambda w: w.set_image(True), TypeError, "index must be an int"),
    (lambda w: w.set_pixels([[0.5] * 28] * 27), ValueError, "values must be 28x28"),
    (lambda w: w.set_pixels(torch.full((28, 28), 1.5)), ValueError, r"in \[0, 1\]"),
    (lambda w: w.set_pixels("abc"), TypeError, "values must be a 28x28 array"),
    (lambda w: w.draw([(28, 0)]), ValueError, "cells row must be in 0..27"),
    (lambda w: w.draw([(1, 2, 3)]), TypeError, r"\(row, col\) pairs"),
    (lambda w: w.draw([(1, 2)], erase=1), TypeError, "erase must be True or False"),
    (lambda w: w.shift(28, 0), ValueError, "dy must be in -27..27"),
    (lambda w: w.shift(0, 1.0), TypeError, "dx must be an int"),
    (lambda w: w.set_noise(101), ValueError, "level must be in 0..100"),
    (lambda w: w.select(0), ValueError, "layer must be in 1..12"),
    (lambda w: w.select(13), ValueError, "layer must be in 1..12"),
    (lambda w: w.select("1"), TypeError, "layer must be an int"),
    (lambda w: w.select(4, 16, 0, 0), ValueError, "channel on layer 4's 16x10x10 output"),
    (lambda w: w.select(8, 0, 1, 0), ValueError, "row on layer 8's 120 output must be in 0..0"),
])
def test_setters_refuse_naming_the_argument_and_change_nothing(explorer, call, error, message):
    before = explorer.view.get_state()
    with pytest.raises(error, match=message):
        call(explorer)
    assert explorer.view.get_state() == before


@pytest.mark.parametrize("networks, error, message", [
    (nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4)), ValueError,
     r"networks\['network'\]: layer 2 \(BatchNorm2d"),
    (nn.Sequential(nn.Flatten(), nn.Linear(784, 5)), ValueError, "one value per label"),
    ({}, ValueError, "1 to 3 networks"),
    ({str(k): ModernLeNet() for k in range(4)}, ValueError, "1 to 3 networks"),
    ([ModernLeNet()], TypeError, "networks must be an nn.Sequential or a dict"),
    ({3: ModernLeNet()}, TypeError, "names must be non-empty strings"),
    (nn.Conv2d(1, 2, 3), TypeError, "must be an nn.Sequential"),
])
def test_networks_outside_the_chapter_are_refused_by_name(networks, error, message):
    with pytest.raises(error, match=message):
        TrainedNetworkExplorer(networks)


def test_other_arguments_are_checked():
    with pytest.raises(ValueError, match="input_shape must be"):
        TrainedNetworkExplorer(ModernLeNet(), input_shape=(3, 28, 28))
    with pytest.raises(ValueError, match="image must be in 0..49"):
        TrainedNetworkExplorer(ModernLeNet(), image=50)
    with pytest.raises(TypeError, match="labels must be"):
        TrainedNetworkExplorer(ModernLeNet(), labels="abc")


def test_the_view_shows_the_weights_of_when_it_was_made():
    net = ModernLeNet()
    w = TrainedNetworkExplorer(net)
    before = w.logits
    with torch.no_grad():
        net[0].weight.mul_(2)
    assert torch.equal(w.logits, before) and net.training


def test_junk_from_the_view_is_undone(explorer):
    good = explorer.view.pixels
    explorer.view.pixels = good[:-4]
    assert explorer.view.pixels == good and "pixels must be base64" in explorer.message
    explorer.view.unit = [0, 99, 0]
    assert explorer.view.unit != [0, 99, 0] and "row on layer 1" in explorer.message
    explorer.view.network = "nope"
    assert explorer.view.network == "modern" and "network must be one of" in explorer.message


def test_the_state_of_two_lenets_and_the_sample_stays_under_1_mb(explorer):
    size = len(json.dumps(explorer.view.get_state()))
    assert size < 1_000_000, size


def test_the_figure_fits_the_page_width_with_one_symmetric_scale_per_layer(explorer):
    import matplotlib.pyplot as plt

    explorer.set_noise(30)
    fig = explorer.figure()
    assert fig.get_figwidth() <= 6.5
    expected = []
    for layer, values in zip(explorer.layers, explorer.activations[1:]):
        limit = values.abs().max().item()
        expected += [-limit, limit] * (values.shape[0] if values.dim() == 3 else 1)
    clims = [v for ax in fig.axes[3:] for v in ax.images[0].get_clim()]  # 0-2: input, bars, key
    assert clims == pytest.approx(expected)
    plt.close(fig)


# --- the view's arithmetic in node ----------------------------------------------------------

RUNNER = r"""
const vm = require("vm"), fs = require("fs");
const [casesFile, ...modules] = process.argv.slice(2);
const context = vm.createContext({atob: (t) => Buffer.from(t, "base64").toString("latin1"),
                                  btoa: (t) => Buffer.from(t, "latin1").toString("base64")});
const source = modules.map((m) => fs.readFileSync(m, "utf8")).join("\n");
vm.runInContext(source + "\nglobalThis.api = {fwNetwork, fwForward, tnUnit, tnField, " +
                "tnReadout, tnPaint, tnShift, tnInvert, tnRotate, tnInput};", context);
const {api} = context, cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const out = cases.map((c) => {
  if (c.canvas) {
    const h = 28, w = 28, pattern = Float32Array.from(c.pattern);
    let x = Uint8Array.from(c.canvas);
    x = api.tnShift(x, h, w, c.dy, c.dx); x = api.tnRotate(x, h, w); x = api.tnInvert(x);
    x = api.tnPaint(x, h, w, c.cells, false); x = api.tnPaint(x, h, w, c.erased, true);
    return {canvas: Array.from(x), input: Array.from(api.tnInput(x, c.noise, pattern, 100))};
  }
  const net = api.fwNetwork(c.spec), values = api.fwForward(net, c.input);
  return c.units.map(([b, unit]) => {
    const u = api.tnUnit(net, values, b, unit);
    const field = api.tnField(net.layers, b, unit, net.input);
    return {value: u.value, bias: u.bias === undefined ? null : u.bias,
            partials: u.channels ? u.channels.map((ch) => ch.partial) : null,
            winner: u.winner || null, window: u.window || null,
            terms: u.terms ? u.terms.map((t) => [t.index, t.product]) : null,
            field, readout: api.tnReadout(net.layers, field, b, unit, 8, net.input)};
  });
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tmp_path, cases):
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "run.js").write_text(RUNNER)
    names = ("base", "forward", "field", "drawing", "trained_unit")     # trained.py's esm
    modules = [str(JS / f"{name}.js") for name in names]
    result = subprocess.run([NODE, str(tmp_path / "run.js"), str(tmp_path / "cases.json"),
                             *modules], capture_output=True, text=True, check=True, timeout=300)
    return json.loads(result.stdout)


def random_units(rng, layers, count):
    units = []
    for _ in range(count):
        b = rng.randint(1, len(layers))
        shape = layers[b - 1]["shape"]
        sizes = shape if len(shape) == 3 else [shape[0], 1, 1]
        units.append([b, [rng.randrange(n) for n in sizes]])
    return units


def torch_unit(net, values, b, unit):
    """PyTorch's arithmetic of one unit: per-channel partial sums and bias (conv), the window's
    max or mean (pooling), the products (linear)."""
    layer, x = net[b - 1], values[b - 1]
    o, i, j = unit
    if isinstance(layer, nn.Conv2d):
        k, s, p, d = layer.kernel_size, layer.stride, layer.padding, layer.dilation
        padded = nn.functional.pad(x, (p[1], p[1], p[0], p[0]))
        rows = slice(i * s[0], i * s[0] + d[0] * (k[0] - 1) + 1, d[0])
        cols = slice(j * s[1], j * s[1] + d[1] * (k[1] - 1) + 1, d[1])
        partials = (layer.weight[o] * padded[:, rows, cols]).sum((1, 2))
        return {"partials": partials, "bias": layer.bias[o] if layer.bias is not None else 0}
    if isinstance(layer, nn.Linear):
        return {"products": layer.weight[o] * x, "bias": layer.bias[o]}
    return {}


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_views_unit_arithmetic_equals_pytorch(tmp_path, lenets):
    """Partial sums per channel + bias (conv), window and winner (pooling), largest products
    (linear), field and readout: the view's own functions against PyTorch and Python."""
    rng = random.Random(0)
    cases, expected = [], []
    for name, net in lenets.items():
        w = TrainedNetworkExplorer({name: net})
        for image in (3, 45):
            w.set_image(image)
            w.set_noise(rng.randrange(101))
            units = random_units(rng, w.layers, 60)
            cases.append({"spec": export_network(net), "input": w.input.flatten().tolist(),
                          "units": units})
            expected.append((w, forward_trace(net, w.input), units))
    got = run_node(tmp_path, cases)
    for (w, values, units), page in zip(expected, got):
        for (b, unit), ours in zip(units, page):
            flat = values[b].flatten()
            index = unit[0] if values[b].dim() == 1 else \
                (unit[0] * values[b].shape[1] + unit[1]) * values[b].shape[2] + unit[2]
            assert ours["value"] == pytest.approx(float(flat[index]), rel=1e-5, abs=1e-5)
            theirs = torch_unit(w.net, values, b, unit)
            if "partials" in theirs:
                assert ours["partials"] == pytest.approx(theirs["partials"].tolist(), abs=1e-5)
                assert ours["bias"] == pytest.approx(float(theirs["bias"]), abs=1e-7)
                assert sum(ours["partials"]) + ours["bias"] == pytest.approx(ours["value"])
            if "products" in theirs:
                products = theirs["products"].abs().sort(descending=True).values[:8]
                assert [abs(p) for _, p in ours["terms"][:8]] == pytest.approx(
                    products.tolist(), abs=1e-6)
            if ours["winner"]:
                a, e = ours["winner"]
                assert ours["window"][a][e] == pytest.approx(float(flat[index]), abs=1e-6)
            w.select(b, *unit)
            assert tuple(map(tuple, ours["field"])) == w.field
            assert ours["readout"] == w.readout


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_views_canvas_edits_equal_convbook_drawing(tmp_path, explorer):
    rng = random.Random(1)
    cases, expected = [], []
    for image in range(0, 50, 7):
        canvas = (explorer._samples[image]).clone()
        dy, dx, noise = rng.randint(-5, 5), rng.randint(-5, 5), rng.randrange(101)
        cells = [(rng.randrange(28), rng.randrange(28)) for _ in range(8)]
        erased = [(rng.randrange(28), rng.randrange(28)) for _ in range(3)]
        cases.append({"canvas": canvas.flatten().tolist(), "dy": dy, "dx": dx, "cells": cells,
                      "erased": erased, "noise": noise,
                      "pattern": explorer._pattern.flatten().tolist()})
        edited = paint(paint(invert(rotate(shift(canvas, dy, dx))), cells), erased, True)
        expected.append((edited, network_input(edited, noise, explorer._pattern)))
    for got, (canvas, x) in zip(run_node(tmp_path, cases), expected):
        assert got["canvas"] == canvas.flatten().tolist()
        assert torch.equal(torch.tensor(got["input"], dtype=torch.float64).float(), x.flatten())
