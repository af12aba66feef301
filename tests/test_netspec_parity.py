"""The layer language has two parsers, ``convbook.netspec.parse_layers`` (Python) and
``nsParse`` in ``convbook/widgets/js/netspec.js`` (the browser). One corpus goes through both
(the JavaScript in a node ``vm`` context, as the explorer's ES module loads it: the shared base
first) and they must agree on every text: accepted or refused, and the layers read."""
import json
import random
import shutil
import subprocess
from importlib.resources import files

import pytest
from layer_text import random_layers

from convbook.netspec import LIMITS, SHEET_LIMITS, parse_layers

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

RUNNER = r"""
const vm = require("vm"), fs = require("fs");
const [base, netspec, corpusFile] = process.argv.slice(2);
const context = vm.createContext({});
vm.runInContext(fs.readFileSync(base, "utf8") + "\n" + fs.readFileSync(netspec, "utf8") +
                "\nglobalThis.nsParse = nsParse;", context);
const {texts, limits} = JSON.parse(fs.readFileSync(corpusFile, "utf8"));
const out = texts.map((text) => {
  const r = context.nsParse(text, limits);
  return r.error ? {error: r.error} : {layers: r.layers.map((l) => [l.kind, l.k ?? null,
    l.s ?? null, l.p ?? null, l.d ?? null, l.c ?? null])};
});
process.stdout.write(JSON.stringify(out));
"""

JUNK = [
    "conv \u0663", "conv \uff13", "conv\x1c3", "\ufeffconv 3", "conv 3\u00a0p1", "conv\u20033",
    "conv 3\x0bp1", "conv 3\x0cp1", "conv\t3", "conv 3\r\npool 2", " conv 3 ; ", "CONV 3 S2",
    "conv 5 3", "conv 3 s2 s3", "conv 3 p1 p1", "conv 3 c4 c8", "conv 3 d1 d2", "pool 2 2",
    "pool 2x4", "pool 4x2", "avgpool 3x5 p1", "pool 2x4 s1", "pool 2x20", "conv 3x5",
    "conv \u0131", "\u212a", "conv 3 \u017f2", "conv 3 s\u00b2", "conv \U0001d7d1",
    "conv 0", "conv 33", "conv 3 s0", "conv 3 s17", "conv 3 c2048", "conv 3 c2049",
    "conv 3 c0", "dense 4096", "dense 4097", "dense \u0663", "relu", "relu 3", "flatten; conv 3",
    "conv 3; dense 10; relu", "", ";", " \n ", "conv", "pool", "conv 3 x", "conv 3x", "conv x3",
    "conv 3 q2", "conv 03", "conv 00003", "conv 3 s02", "maxpool 2", "avgpool 2 d2",
    "pool 2 c3", "pool 4 p3", "pool 4 p2", "conv 3;" * 16, "conv 3;" * 17, "conv 3 " * 60,
    "conv 3 p1 \x00", "conv 3\u2028pool 2", "conv 3\x85pool 2", "conv 3;\u3000pool 2",
]


def corpus(seed=0, count=300):
    rng = random.Random(seed)
    texts = [random_layers(rng, max_layers=6, max_kernel=6, channels=64, channel_chance=0.5,
                           max_dense=20) for _ in range(count)]
    for text in list(texts[:60]):               # random texts mutated with junk characters
        at = rng.randrange(len(text) + 1)
        texts.append(text[:at] + rng.choice(["\ufeff", "\u0663", "\x1c", " 3", " s2", "\t",
                                             "\u00a0", "X", ";;"]) + text[at:])
    return texts + JUNK


def python_reading(text, limits):
    try:
        specs = parse_layers(text, limits)
    except ValueError as error:
        return {"error": str(error)}
    return {"layers": [[s.kind] + [list(v) if isinstance(v, tuple) else v for v in
                                   (s.kernel, s.stride, s.padding, s.dilation, s.channels)]
                       for s in specs]}


@pytest.mark.parametrize("limits", [LIMITS, SHEET_LIMITS], ids=["LIMITS", "SHEET_LIMITS"])
def test_python_and_the_browser_read_every_text_alike(limits, tmp_path):
    texts = corpus()
    js = files("convbook.widgets") / "js"
    (tmp_path / "corpus.json").write_text(json.dumps({"texts": texts, "limits": limits}))
    (tmp_path / "run.js").write_text(RUNNER)
    result = subprocess.run([NODE, str(tmp_path / "run.js"), str(js / "base.js"),
                             str(js / "netspec.js"), str(tmp_path / "corpus.json")],
                            capture_output=True, text=True, timeout=60, check=True)
    browser = json.loads(result.stdout)
    assert len(browser) == len(texts)
    accepted = 0
    for text, theirs in zip(texts, browser):
        ours = python_reading(text, limits)
        assert ("error" in ours) == ("error" in theirs), (text, ours, theirs)
        if "layers" in ours:
            accepted += 1
            assert ours["layers"] == theirs["layers"], text
    assert 200 < accepted < len(texts)          # the corpus has both kinds
