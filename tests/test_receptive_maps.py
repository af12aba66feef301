"""Section 04's receptive-field explorer computes its feature maps in the page (issue 25,
item 8): a typed network's weights come from a portable rule that Python
(``convbook.netspec.portable_uniform``, used by ``layers_from_text``) and the browser
(``js/netinit.js``) follow bit for bit, LeNet's travel in the view's state, and the maps the
page paints (``js/receptive.js`` on ``js/forward.js``) equal PyTorch's within float32
rounding, for random typed networks and sample images. Node runs the explorer's own ES module
(the same files, in the same order) with a small harness appended."""
import base64
import json
import random
import shutil
import subprocess
from importlib.resources import files

import numpy as np
import pytest
import torch
from layer_text import random_layers
from torch import nn

from convbook import netspec
from convbook.data import sample_images
from convbook.netspec import LIMITS, NetworkSheet, layers_from_text, portable_uniform
from convbook.network_export import encode_floats, forward_trace
from convbook.network_fields import NetworkFields
from convbook.widgets.receptive import INPUT_SIZE, ReceptiveFieldExplorer, _lenet, _pixels

NODE = shutil.which("node")
JS = files("convbook.widgets") / "js"
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")
SPATIAL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)

HARNESS = r"""
const {init, maps, refusals, limits} = JSON.parse(readFileSync(process.argv[2], "utf8"));
const b64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
const out = {
  init: init.map(({text, input}) => niNetwork(nsParse(text, limits).layers, input).layers
    .filter((l) => l.weight).map((l) => [l.kind, b64(l.weight), b64(l.bias)])),
  maps: maps.map(({text, preset, weights, pixels, shape}) => {
    const parsed = rfParse(text, limits), net = rfForwardNet(weights, preset, parsed.typed, shape);
    const image = rfImage({pixels}), m = rfMaps(net, image.values, shape);
    return {values: m.map((x) => Array.from(x.values)), shapes: m.map((x) => x.shape),
            grey: m.map((x, a) => Array.from(a === 0 ? image.grey : rfGrey(x.values))),
            work: rfWork(net)};
  }),
  refusals: refusals.map((text) =>
    rfParameters(nsParse(text, limits).layers, [1, 28, 28], limits).error ?? ""),
};
process.stdout.write(JSON.stringify(out));
"""


def run_page(tmp_path, init=(), maps=(), refusals=(), patch=None):
    """The page's weights (``init``: [{text, input}]), maps (``maps``: [{text, preset,
    weights, pixels, shape}]) and parameter refusals (``refusals``: texts) on a 28x28 image,
    computed in node by the explorer's module. ``patch(name,
    source)`` may change a source file first (to show that a test can fail)."""
    sources = []
    names = ("base", "netspec", "netinit", "forward", "field", "receptive")   # receptive.py's esm
    for name in names:
        source = (JS / f"{name}.js").read_text(encoding="utf-8")
        sources.append(patch(name, source) if patch else source)
    script = tmp_path / "page.mjs"
    script.write_text('import {readFileSync} from "fs";\n' + "\n".join(sources) + HARNESS)
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps({"init": list(init), "maps": list(maps),
                                 "refusals": list(refusals), "limits": LIMITS}))
    result = subprocess.run([NODE, str(script), str(cases)], capture_output=True, text=True,
                            check=True, timeout=300)
    return json.loads(result.stdout)


def python_weights(text, input_shape):
    """[kind, weight, bias] of every Conv2d and Linear of layers_from_text, base64 float32."""
    return [["conv" if isinstance(layer, nn.Conv2d) else "linear",
             encode_floats(layer.weight), encode_floats(layer.bias)]
            for layer in layers_from_text(text, input_shape=input_shape)
            if isinstance(layer, (nn.Conv2d, nn.Linear))]


def init_cases(seed=0, count=60):
    """Random texts (convs with channels, pooling, activations, flatten and dense) that
    layers_from_text builds for a random input shape, each with some weights."""
    rng, cases = random.Random(seed), []
    while len(cases) < count:
        text = random_layers(rng, max_layers=5, max_kernel=5, channels=12, channel_chance=0.7,
                             max_dense=40)
        shape = (rng.randint(1, 3), rng.randint(6, 30), rng.randint(6, 30))
        if not NetworkSheet(text, shape).error and ("conv" in text or "dense" in text):
            cases.append({"text": text, "input": list(shape)})
    return cases


def init_mismatches(tmp_path, cases, patch=None):
    page = run_page(tmp_path, init=cases, patch=patch)["init"]
    return [case["text"] for case, got in zip(cases, page, strict=True)
            if got != python_weights(case["text"], tuple(case["input"]))]


@needs_node
def test_typed_networks_get_the_same_float32_weights_in_both_languages(tmp_path):
    cases = init_cases()
    assert sum("dense" in c["text"] for c in cases) > 10        # Linear layers are covered
    assert init_mismatches(tmp_path, cases) == []


@needs_node
@pytest.mark.parametrize("side", ["javascript", "python"])
def test_changing_the_initialisation_on_one_side_is_caught(tmp_path, monkeypatch, side):
    """The identity test can fail: another multiplier (JS) or layer key (Python) on one side
    only makes the weights of every network differ."""
    cases = init_cases(count=10)
    if side == "javascript":
        patch = lambda name, source: source.replace("0x846ca68b", "0x846ca68d")  # noqa: E731
        assert init_mismatches(tmp_path, cases, patch) == [c["text"] for c in cases]
    else:
        monkeypatch.setattr(netspec, "_LAYER_KEY", np.uint32(0x9E3779B1))
        assert init_mismatches(tmp_path, cases) == [c["text"] for c in cases]


def test_the_portable_values_are_pinned_and_bounded():
    """The rule's values, pinned (a change on both sides still shows here), in [-bound, bound)
    with the bound of PyTorch's default initialisation."""
    assert portable_uniform(1, 3, 9).tolist() == [0.12092594057321548, 0.08459959924221039,
                                                  -0.2956562638282776]
    values = portable_uniform(7, 100_000, 25)
    assert values.dtype == np.float32 and values.min() >= -0.2 and values.max() < 0.2
    assert abs(float(values.mean())) < 2e-3 and abs(float(values.std()) - 0.2 / 3 ** 0.5) < 1e-3
    net = layers_from_text("conv 3 c2; relu; conv 3 c2")
    assert not torch.equal(net[0].weight.flatten()[:18], net[2].weight.flatten()[:18])


@pytest.mark.parametrize("args, error, words", [
    ((0, 3, 9), ValueError, "layer must be in 1"), ((1, -1, 9), ValueError, "count"),
    ((1, 3, 0), ValueError, "fan_in"), ((1.0, 3, 9), TypeError, "layer must be an int"),
    ((1, True, 9), TypeError, "count")])
def test_portable_uniform_checks_its_arguments(args, error, words):
    with pytest.raises(error, match=words):
        portable_uniform(*args)


def test_layers_from_text_keeps_the_global_rng():
    state = torch.random.get_rng_state()
    layers_from_text("conv 5 c6; sigmoid; avgpool 2; conv 5 c16; dense 10")
    assert torch.equal(torch.random.get_rng_state(), state)


def test_images_travel_as_their_exact_bytes():
    image = sample_images()[3][0]
    grey = np.frombuffer(base64.b64decode(_pixels(image)), dtype=np.uint8)
    assert torch.equal(torch.from_numpy(grey.astype(np.float32)).reshape(28, 28) / 255, image)
    with pytest.raises(ValueError, match="k/255"):
        _pixels(torch.full((2, 2), 0.3))


# --- the maps the page paints, against PyTorch -------------------------------------------

def map_cases(seed=1, count=40):
    """Random typed networks on random sample images (the explorer's 28x28 input), and the
    LeNet preset with its sent weights; each with PyTorch's model."""
    rng, view = random.Random(seed), ReceptiveFieldExplorer().view
    cases = []
    for index in range(count + 2):
        image = rng.randrange(len(view.images))
        if index < 2:
            preset, text, model = "LeNet", view.presets["LeNet"], _lenet()
        else:
            text = random_layers(rng, max_layers=4, max_kernel=5, max_conv_stride=3, channels=8,
                                 channel_chance=0.5, activation_chance=0.5, max_dense=20)
            try:
                preset, model = "(typed layers)", layers_from_text(text)
                NetworkFields(model, torch.zeros(INPUT_SIZE, INPUT_SIZE))
            except ValueError:                     # does not fit: refused, no maps
                continue
        cases.append(({"text": text, "preset": preset, "weights": view.weights,
                       "pixels": view.images[image]["pixels"], "shape": [INPUT_SIZE] * 2},
                      model, sample_images()[image][0]))
    return cases


def torch_maps(model, image):
    """Channel 0 of the input and of every conv/pool layer's output, PyTorch's float32."""
    trace = forward_trace(model, image)
    return [trace[0][0]] + [trace[i + 1][0] for i, layer in enumerate(model)
                            if isinstance(layer, SPATIAL)]


def maps_disagree(case, model, image, page):
    """Where the page's maps differ from PyTorch's beyond float32 rounding ('' if nowhere)."""
    expected = torch_maps(model, image)
    if len(page["values"]) != len(expected):
        return f"{len(page['values'])} maps, PyTorch {len(expected)}"
    for b, (ours, theirs) in enumerate(zip(page["values"], expected)):
        ours, theirs = torch.tensor(ours, dtype=torch.float64), theirs.flatten().double()
        scale = max(1.0, theirs.abs().max().item())
        if ours.shape != theirs.shape or not torch.allclose(ours, theirs, rtol=1e-5,
                                                            atol=1e-5 * scale):
            return f"map {b} of {case['text']!r}"
    return ""


@needs_node
def test_the_pages_maps_equal_pytorchs_for_random_networks_and_images(tmp_path):
    cases = map_cases()
    assert len(cases) > 30 and len({c["pixels"] for c, _, _ in cases}) > 20
    page = run_page(tmp_path, maps=[c for c, _, _ in cases])["maps"]
    for (case, model, image), got in zip(cases, page, strict=True):
        assert maps_disagree(case, model, image, got) == ""
        # painted as the PNGs held them (truncated to 0..255): the input as it is, a feature
        # map scaled to [0, 1] as NetworkFields scales it
        fields = NetworkFields(model, image)
        for b, (grey, scaled) in enumerate(zip(got["grey"], [image] + fields.maps[1:])):
            png = (np.clip(scaled.numpy(), 0, 1) * 255).astype(np.uint8).flatten()
            diff = np.abs(np.array(grey, dtype=int) - png)
            assert diff.max() <= (0 if b == 0 else 1), (case["text"], b)


@needs_node
def test_the_maps_check_fails_on_other_weights(tmp_path):
    """The agreement check can fail: a page whose LeNet weights or typed init differ."""
    (lenet, model, image), *rest = map_cases(count=8)
    spec = json.loads(json.dumps(lenet["weights"]))
    weight = np.frombuffer(base64.b64decode(spec["LeNet"]["layers"][3]["weight"]), "<f4").copy()
    weight[40] *= 1.01
    spec["LeNet"]["layers"][3]["weight"] = base64.b64encode(weight.tobytes()).decode()
    page = run_page(tmp_path, maps=[{**lenet, "weights": spec}])["maps"][0]
    assert maps_disagree(lenet, model, image, page).startswith("map 3 ")
    typed = [c for c in rest if c[0]["preset"] != "LeNet" and c[0]["text"].startswith("conv")][0]
    page = run_page(tmp_path, maps=[typed[0]],
                    patch=lambda name, source: source.replace("0x9e3779b9", "0x9e3779b1"))
    assert maps_disagree(*typed, page["maps"][0]).startswith("map 1 ")


@needs_node
def test_the_work_bound_counts_lenets_multiply_adds(tmp_path):
    """rfWork: LeNet's spatial part takes 117,600 + 240,000 multiply-adds in its convs, plus
    its activations and pooling windows; a big typed network is over the page's bound."""
    lenet, model, image = map_cases(count=0)[0]
    big = {**lenet, "preset": "(typed layers)", "text": "conv 5 p2 c128; conv 5 p2 c128"}
    small, large = (r["work"] for r in run_page(tmp_path, maps=[lenet, big])["maps"])
    assert small == 6 * 784 * 25 + 6 * 784 + 6 * 196 * 4 + 16 * 100 * 150 + 16 * 100 + 16 * 25 * 4
    assert large == 128 * 784 * 25 + 128 * 784 * 128 * 25
    source = (JS / "receptive.js").read_text(encoding="utf-8")
    assert "const RF_MAX_WORK = 1e8;" in source and small < 1e8 < large


@needs_node
def test_the_page_refuses_the_networks_layers_from_text_will_not_build(tmp_path):
    """More than LIMITS["parameters"] weights: refused in the page as in Python, in the same
    words (before, the page drew the geometry of a network the kernel refused, and it would
    now try to make its weights)."""
    texts = ["conv 32 c2048; conv 32 c2048", "conv 3 c2048; dense 4096", "conv 3 c64; dense 10",
             "conv 5 p2 c128; conv 5 p2 c128", "conv 32 p16 c1100; conv 3 c1100",
             "conv 30; dense 10"]
    page = run_page(tmp_path, refusals=texts)["refusals"]
    for text, error in zip(texts, page, strict=True):
        try:
            layers_from_text(text)
            python = ""
        except ValueError as refusal:
            python = str(refusal)
        assert error == python, text
    assert sum(bool(e) for e in page) == 4 and "parameters; at most 10,000,000" in page[0]
    assert "does not fit" in page[-1]
