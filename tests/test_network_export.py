"""convbook.network_export writes a network of the chapter's layers for the browser, and
``js/forward.js`` runs it: the page's forward pass must agree with PyTorch's on random
networks and inputs (node runs the JavaScript as the explorer's ES module has it, the shared
base first), and anything that is not one of the chapter's layers is refused by name."""
import json
import random
import shutil
import subprocess
from importlib.resources import files

import pytest
import torch
from torch import nn

from convbook.layers import LeNet, ModernLeNet
from convbook.network_export import (check_network, decode_floats, encode_floats,
                                     export_network, forward_trace)

NODE = shutil.which("node")
JS = files("convbook.widgets") / "js"

RUNNER = r"""
const vm = require("vm"), fs = require("fs");
const [base, forward, casesFile] = process.argv.slice(2);
const context = vm.createContext({atob: (t) => Buffer.from(t, "base64").toString("latin1")});
vm.runInContext(fs.readFileSync(base, "utf8") + "\n" + fs.readFileSync(forward, "utf8") +
                "\nglobalThis.fwNetwork = fwNetwork; globalThis.fwForward = fwForward;" +
                "\nglobalThis.fwSoftmax = fwSoftmax;", context);
const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const out = cases.map(({spec, inputs}) => {
  const net = context.fwNetwork(spec);
  return inputs.map((x) => {
    const values = context.fwForward(net, x);
    return {values: values.map((v) => Array.from(v)),
            softmax: Array.from(context.fwSoftmax(values[values.length - 1]))};
  });
});
process.stdout.write(JSON.stringify(out));
"""


def run_node(tmp_path, cases):
    """fwForward (and fwSoftmax of the last layer) of each case's inputs, in node."""
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "run.js").write_text(RUNNER)
    result = subprocess.run([NODE, str(tmp_path / "run.js"), str(JS / "base.js"),
                             str(JS / "forward.js"), str(tmp_path / "cases.json")],
                            capture_output=True, text=True, check=True, timeout=300)
    return json.loads(result.stdout)


def random_network(rng):
    """A random nn.Sequential of the chapter's layers that fits a random small input."""
    c, h, w = rng.randint(1, 3), rng.randint(6, 14), rng.randint(6, 14)
    layers, shape = [], [c, h, w]
    for _ in range(rng.randint(1, 4)):
        k = (rng.randint(1, 4), rng.randint(1, 4))
        if rng.random() < 0.6:
            layer = nn.Conv2d(shape[0], rng.randint(1, 4), k, stride=(rng.randint(1, 3),
                              rng.randint(1, 3)), padding=(rng.randint(0, 2), rng.randint(0, 2)),
                              dilation=(rng.randint(1, 2), rng.randint(1, 2)),
                              bias=rng.random() < 0.8)
        else:
            pool = rng.choice([nn.MaxPool2d, nn.AvgPool2d])
            layer = pool(k, stride=(rng.randint(1, 3), rng.randint(1, 3)),
                         padding=(rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2)))
        try:
            shape = check_network(nn.Sequential(*layers, layer), (c, h, w))[-1]["shape"]
        except ValueError:                           # does not fit what is left: stop here
            break
        layers.append(layer)
        if rng.random() < 0.7:
            layers.append(rng.choice([nn.ReLU, nn.Sigmoid, nn.Tanh])())
    if not layers:
        layers.append(nn.Conv2d(c, 2, 1))
        shape = [2, h, w]
    if rng.random() < 0.6:
        layers += [nn.Flatten(), nn.Linear(shape[0] * shape[1] * shape[2], rng.randint(1, 12))]
    with torch.random.fork_rng():
        torch.manual_seed(rng.randrange(2 ** 31))
        net = nn.Sequential(*layers)
        for p in net.parameters():           # a spread of scales, so tanh/sigmoid saturate too
            p.data.mul_(rng.choice([0.5, 1, 3]))
    return net, (c, h, w)


def cases_of(networks, rng, count=3):
    cases = []
    for net, shape in networks:
        inputs = [torch.rand(shape, generator=torch.Generator().manual_seed(rng.randrange(2 ** 31)))
                  * rng.choice([1, 4]) - rng.choice([0, 1]) for _ in range(count)]
        cases.append((net, shape, inputs))
    return cases


def assert_agrees(net, inputs, got):
    for x, page in zip(inputs, got):
        torch_values = forward_trace(net, x)
        assert len(page["values"]) == len(torch_values)
        for n, (ours, theirs) in enumerate(zip(page["values"], torch_values)):
            theirs = theirs.flatten().double()
            ours = torch.tensor(ours, dtype=torch.float64)
            scale = max(1.0, theirs.abs().max().item())
            assert torch.allclose(ours, theirs, rtol=1e-5, atol=1e-5 * scale), \
                f"layer {n} of {net}: largest difference {(ours - theirs).abs().max().item()}"
        probabilities = torch_values[-1].flatten().double().softmax(0)
        if torch_values[-1].dim() == 1:
            assert torch.allclose(torch.tensor(page["softmax"], dtype=torch.float64),
                                  probabilities, atol=1e-6)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_pages_forward_pass_agrees_with_pytorch_on_random_networks(tmp_path):
    rng = random.Random(0)
    torch.manual_seed(0)
    networks = [random_network(rng) for _ in range(60)]
    networks += [(LeNet(), (1, 28, 28)), (ModernLeNet(), (1, 28, 28))]
    cases = cases_of(networks, rng)
    got = run_node(tmp_path, [{"spec": export_network(net, shape),
                               "inputs": [x.flatten().tolist() for x in inputs]}
                              for net, shape, inputs in cases])
    for (net, _, inputs), page in zip(cases, got):
        assert_agrees(net, inputs, page)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_agreement_test_fails_when_one_weight_differs(tmp_path):
    """The check can fail: one conv weight changed by 1% in the page's copy is caught."""
    torch.manual_seed(1)
    net, x = ModernLeNet(), torch.rand(1, 28, 28)
    spec = export_network(net)
    weight = decode_floats(spec["layers"][3]["weight"])
    weight[17] *= 1.01
    spec["layers"][3]["weight"] = encode_floats(weight)
    got = run_node(tmp_path, [{"spec": spec, "inputs": [x.flatten().tolist()]}])
    with pytest.raises(AssertionError, match="layer 4 "):
        assert_agrees(net, [x], got[0])


def test_floats_travel_exactly_as_float32():
    values = torch.randn(1000)
    assert torch.equal(decode_floats(encode_floats(values)), values)
    assert len(export_network(LeNet())["layers"][7]["weight"]) == 4 * -(-400 * 120 * 4 // 3)


@pytest.mark.parametrize("layers, shape, message", [
    ([nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6)], (1, 28, 28), r"layer 2 \(BatchNorm2d"),
    ([nn.Conv2d(1, 4, 3), nn.Dropout()], (1, 28, 28), r"layer 2 \(Dropout"),
    ([nn.Conv2d(2, 4, 3, groups=2)], (2, 28, 28), r"layer 1 .* groups=2"),
    ([nn.Conv2d(1, 4, 3, padding_mode="reflect", padding=1)], (1, 8, 8), "reflect"),
    ([nn.Conv2d(1, 4, 3, padding="same")], (1, 8, 8), "padding='same'"),
    ([nn.MaxPool2d(2, ceil_mode=True)], (1, 8, 8), "ceil_mode"),
    ([nn.AvgPool2d(2, count_include_pad=False)], (1, 8, 8), "divide by the window"),
    ([nn.Sequential(nn.Conv2d(1, 4, 3))], (1, 8, 8), r"layer 1 \(Sequential"),
    ([nn.Conv2d(3, 4, 3)], (1, 8, 8), "reads 3 channels but gets 1"),
    ([nn.Conv2d(1, 4, 9)], (1, 8, 8), "does not fit its 8x8 input"),
    ([nn.Conv2d(1, 4, 3), nn.Linear(36, 2)], (1, 5, 5), "put a Flatten before it"),
    ([nn.Flatten(), nn.Linear(30, 2)], (1, 5, 5), "reads 30 values but gets 25"),
    ([nn.Flatten(), nn.Conv2d(1, 2, 1)], (1, 5, 5), "needs a map"),
    ([nn.Flatten(0)], (1, 5, 5), "flattens other axes"),
    ([nn.LeakyReLU()], (1, 5, 5), r"layer 1 \(LeakyReLU.*Conv2d, MaxPool2d"),
])
def test_layers_outside_the_chapter_are_refused_by_name(layers, shape, message):
    with pytest.raises(ValueError, match=message):
        check_network(nn.Sequential(*layers), shape)


@pytest.mark.parametrize("net, shape, error", [
    (nn.Conv2d(1, 2, 3), (1, 8, 8), TypeError),
    (nn.Sequential(), (1, 8, 8), ValueError),
    (nn.Sequential(nn.ReLU()), (1, 8), ValueError),
    (nn.Sequential(nn.ReLU()), (1, 0, 8), ValueError),
    (nn.Sequential(nn.ReLU()), (1, 8.0, 8), ValueError),
])
def test_bad_networks_and_shapes_get_named_errors(net, shape, error):
    with pytest.raises(error, match="net|input_shape"):
        check_network(net, shape)


def test_forward_trace_restores_the_mode_and_refuses_a_batch():
    net = ModernLeNet().train()
    values = forward_trace(net, torch.rand(28, 28))
    assert net.training and [tuple(v.shape) for v in values][:2] == [(1, 28, 28), (6, 28, 28)]
    with pytest.raises(ValueError, match="one image"):
        forward_trace(net, torch.rand(2, 1, 28, 28))
