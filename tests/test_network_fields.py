"""convbook.network_fields, the receptive-field explorer's model: regions against measured
fields, and the largest network the layer language allows stays small."""
import json
import math
import random
import shutil
import subprocess
import sys
import time
from importlib.resources import files

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from layer_text import random_layers

from convbook.netspec import LIMITS, layers_from_text, parse_layers
from convbook.network_fields import NetworkFields
from convbook.receptive import empirical_receptive_field


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 3),
                          st.integers(1, 2), st.integers(0, 1)), min_size=1, max_size=3))
def test_regions_agree_with_empirical_fields(spec):
    # strides no larger than the kernel: otherwise the field has holes its bounding box hides
    text = "; ".join(f"{kind} {k} s{min(s, k)} p{min(p, k // 2)}" for kind, k, s, p in spec)
    model = layers_from_text(text)
    try:
        net = NetworkFields(model, torch.rand(12, 12))
    except ValueError as error:                                # too deep for 12x12
        assert "does not fit" in str(error)
        assume(False)
    b = len(net.fields)
    unit = tuple(n - 1 for n in net.shapes[b])
    measured = empirical_receptive_field(model, (1, 12, 12), unit)
    assert net.seen(0, b, unit) == (measured.rows, measured.cols)
    closed_form = net.clip(0, net.region(0, b, unit))          # contains what is really seen
    assert all(c[0] <= m[0] and m[1] <= c[1] for c, m in zip(closed_form, (measured.rows,
                                                                          measured.cols)))


def test_the_biggest_allowed_network_stays_small():
    before = sys.getallocatedblocks()
    net = NetworkFields(layers_from_text("; ".join(["conv 32 p16"] * 16)), torch.zeros(28, 28))
    assert net.shapes[-1] == (44, 44) and sys.getallocatedblocks() - before < 10**6


def test_weights_too_small_for_float32_are_not_holes():
    fields = NetworkFields(layers_from_text("; ".join(["conv 32 p16"] * 16)), torch.zeros(28, 28))
    ratio, holes = fields.weight_ratio(16)
    assert holes == 0 and math.isfinite(ratio) and ratio > 1e30


@pytest.mark.parametrize("seed", range(12))
def test_closed_form_weights_match_autograd(seed):
    """Property: on random small networks the per-axis path counts give autograd's weights."""
    from convbook.network_fields import _single_channel
    from convbook.receptive import empirical_receptive_field

    rng = random.Random(seed)
    net = layers_from_text(random_layers(rng, max_layers=4, max_kernel=4))
    fields = NetworkFields(net, torch.zeros(28, 28))
    b = len(fields.fields)
    single = torch.nn.Sequential(*(_single_channel(layer, padding=False)
                                   for layer in fields.layers))
    grad = empirical_receptive_field(single, (1, *fields.fields[-1].size), (0, 0)).gradient
    weights = fields.weights(b)
    assert weights.shape == grad.shape
    assert torch.equal(weights > 0, grad > 0)
    assert torch.allclose(weights / weights.max(), grad.double() / grad.double().max(),
                          rtol=1e-5)


def test_a_nested_network_or_a_colour_image_is_refused_by_name():
    nested = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3)))
    with pytest.raises(ValueError, match="flat nn.Sequential"):
        NetworkFields(nested, torch.zeros(28, 28))
    with pytest.raises(ValueError, match="one grey-level channel"):
        NetworkFields(layers_from_text("conv 3"), torch.zeros(3, 28, 28))


def test_work_beyond_the_bound_is_refused_before_it_starts():
    start = time.perf_counter()
    with pytest.raises(ValueError, match="MAX_WORK"):
        NetworkFields(layers_from_text("; ".join(["conv 1 p16 c700"] * 15)),
                      torch.zeros(28, 28))
    fields = NetworkFields(layers_from_text("; ".join(["conv 32 p16 s2"] * 16)),
                           torch.zeros(28, 28))
    ratio, holes = fields.weight_ratio(16)                # counted without drawing
    assert math.isfinite(ratio) and holes >= 0
    with pytest.raises(ValueError, match="weights are drawn for at most"):
        fields.weights(16)
    assert time.perf_counter() - start < 30


RATIO_RUNNER = r"""
const vm = require("vm"), fs = require("fs");
const [base, netspec, receptive, corpusFile] = process.argv.slice(2);
const context = vm.createContext({});
const source = fs.readFileSync(receptive, "utf8").replace(/^export default .*$/m, "");
vm.runInContext([base, netspec].map((f) => fs.readFileSync(f, "utf8")).join("\n") + "\n" +
                source + "\nglobalThis.nsParse = nsParse; globalThis.ratio = rfWeightRatio;",
                context);
const {texts, limits} = JSON.parse(fs.readFileSync(corpusFile, "utf8"));
process.stdout.write(JSON.stringify(texts.map((text) => {
  const layers = context.nsParse(text, limits).layers.filter((l) => l.k);
  return context.ratio(layers);
})));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_browser_counts_field_weights_as_python_does(tmp_path):
    """The explorer's readout on the static site (receptive.js) gives the same ratio and holes
    as NetworkFields.weight_ratio, float64 both, also for a field too large to draw (issue 21:
    the browser built the 2-D gradient over the whole field and divided in float32)."""
    rng = random.Random(3)
    texts = [random_layers(rng, max_layers=5, max_kernel=5) for _ in range(40)]
    texts += ["; ".join(["conv 32 p16"] * 16), "; ".join(["conv 32 p16 s2"] * 16),
              "conv 3 d2; conv 3 s2; pool 2", "conv 5 s3; conv 3 d3"]
    texts = [t for t in texts if any(s.kind != "dense" for s in parse_layers(t, LIMITS))]
    js = files("convbook.widgets") / "js"
    (tmp_path / "corpus.json").write_text(json.dumps({"texts": texts, "limits": LIMITS}))
    (tmp_path / "run.cjs").write_text(RATIO_RUNNER)
    result = subprocess.run(["node", str(tmp_path / "run.cjs"), str(js / "base.js"),
                             str(js / "netspec.js"), str(js / "receptive.js"),
                             str(tmp_path / "corpus.json")],
                            capture_output=True, text=True, timeout=120, check=True)
    for text, (ratio, holes) in zip(texts, json.loads(result.stdout), strict=True):
        layers = [layer for layer in layers_from_text(text)
                  if isinstance(layer, (torch.nn.Conv2d, torch.nn.MaxPool2d,
                                        torch.nn.AvgPool2d))]
        fields = NetworkFields.__new__(NetworkFields)
        fields.layers = layers
        assert (ratio, holes) == NetworkFields.weight_ratio(fields, len(layers)), text
