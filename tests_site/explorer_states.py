"""Random valid states of every explorer, reached through the view's own controls, and the
package's numbers for them. Shared by the static-site test (test_explorers.py, no kernel) and
the JupyterLab test (test_lab_explorers.py, live kernel).

``EXPLORERS`` is the registry: one ``Explorer`` per explorer, with the page that shows it on
the site, the aria-label of its root, the Python that creates it in a notebook, its driver,
and the slider whose events the latency measurement sends. A driver
``drive(page, root, rng)`` puts the explorer into one random state with the page's controls
(one round trip: ``act``), asserts that every number the view shows agrees with
convbook.ops / convbook.windows / convbook.netspec, and returns what the Python side must
then hold: ``{expression: value}``, each expression evaluated with ``w`` = the explorer
object in a kernel (``w.view.<trait>`` for the synced state, ``w.<property>`` for the
package's view of it). It returns None for a random state the explorer refuses by design
(checked as a refusal, not counted). Adding an explorer = one driver + one registry entry.
"""
import functools
import json
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from layer_text import random_layers

from convbook.ops import pool2d
from convbook.textfmt import format_number
from convbook.widgets.base import CUSTOM_NETWORK as RF_CUSTOM
from convbook.widgets.channels import ChannelExplorer
from convbook.widgets.matrix import MatrixExplorer
from convbook.widgets.pooling import PoolingExplorer
from convbook.widgets.receptive import ReceptiveFieldExplorer
from convbook.widgets.sheet import HEADER as SHEET_HEADER, NetworkSheetExplorer
from convbook.windows import Sliding, WindowGeometry, max_winners

STATES = 50                      # random valid states per explorer
LATENCY_EVENTS = 50
VALUES = [-2, -1.5, -1, -0.5, -0.125, 0, 0.125, 0.25, 0.375, 0.5, 1, 2, 3, 5, 7]   # exact ties

# --- JavaScript run in the page -------------------------------------------------------------

# Every grid (title, cells, cell roles), note, refusal and control value of an explorer root.
READ = """(root) => ({
    grids: Object.fromEntries(Array.from(root.querySelectorAll('table.cb-grid')).map(t => [
        t.dataset.matrix, {
            title: t.caption.textContent,
            cells: Array.from(t.rows).map(r => Array.from(r.cells).map(c => c.textContent)),
            roles: Array.from(t.rows).map(r => Array.from(r.cells).map(c => c.className)),
        }])),
    notes: Array.from(root.querySelectorAll('[data-role]')).map(n => [n.dataset.role,
        n.textContent, n.dataset.bounds || null]),
    error: (root.querySelector('.cb-error[role=alert]') || {}).textContent || '',
    fields: Array.from(root.querySelectorAll('textarea, input[type=text]')).map(f => f.value),
    values: Object.fromEntries(Array.from(root.querySelectorAll(
        'input[aria-label], select[aria-label]')).map(c => [c.getAttribute('aria-label'),
        c.type === 'checkbox' ? c.checked : c.value])),
    pressed: Array.from(root.querySelectorAll('button[aria-pressed=true]')).map(
        b => b.textContent),
    groups: Object.fromEntries(Array.from(root.querySelectorAll('[role=group][aria-label]'))
        .filter(g => g !== root).map(g => [g.getAttribute('aria-label'),
            Array.from(g.querySelectorAll('button')).map(b => b.textContent)])),
})"""

# Actions on the controls, as a reader does them, one after the other; after each the page
# gets a macrotask to redraw (a slider's range may depend on the previous action). A control
# that is missing, hidden or disabled, a slider value outside its range or an option that
# does not exist is an error (the browser would silently clamp or ignore it).
#   ["range", label, value]    move the slider named label
#   ["fill", box, text]        type text into a text box (index among the text boxes, or a
#                              CSS selector), then leave it (input + change events)
#   ["click", text]            press the first button whose text is exactly text
#   ["select", label, value]   pick an option of the menu named label
#   ["check", selector, on]    tick or untick a checkbox
ACT = """async ([root, actions]) => {
    const usable = (el, what) => {
        if (!el) throw new Error(`${what}: not in the explorer`);
        if (!el.getClientRects().length) throw new Error(`${what}: not shown`);
        if (el.disabled) throw new Error(`${what}: disabled`);
        return el;
    };
    for (const [kind, target, value] of actions) {
        if (kind === 'range') {
            const input = root.querySelector(`input[aria-label="${target}"]`);
            if (input && input.disabled && input.value === String(value)) continue;
            usable(input, `slider ${target}`);
            if (value < Number(input.min) || value > Number(input.max)) {
                throw new Error(`slider ${target}: ${value} is outside ${input.min}..${input.max}`);
            }
            input.value = value;
            input.dispatchEvent(new Event('input', {bubbles: true}));
        } else if (kind === 'fill') {
            const field = usable(typeof target === 'number'
                ? root.querySelectorAll('textarea, input[type=text]')[target]
                : root.querySelector(target), `text box ${target}`);
            field.value = value;
            field.dispatchEvent(new Event('input', {bubbles: true}));
            field.dispatchEvent(new Event('change', {bubbles: true}));
        } else if (kind === 'click') {
            usable(Array.from(root.querySelectorAll('button')).find(
                b => b.textContent.trim() === target), `button ${target}`).click();
        } else if (kind === 'select') {
            const menu = usable(root.querySelector(`select[aria-label="${target}"]`),
                                `menu ${target}`);
            if (!Array.from(menu.options).some(o => o.value === String(value))) {
                throw new Error(`menu ${target}: no option ${value}`);
            }
            menu.value = String(value);
            menu.dispatchEvent(new Event('change', {bubbles: true}));
        } else if (kind === 'check') {
            const box = usable(root.querySelector(target), `checkbox ${target}`);
            if (box.checked !== value) box.click();
        } else {
            throw new Error(`unknown action ${kind}`);
        }
        await new Promise(r => setTimeout(r, 0));
    }
    return (READ)(root);
}""".replace("(READ)", f"({READ})")

# One event on the explorer's timed control -> the redraw done (queued in a microtask) ->
# layout: milliseconds. The control is a slider named ``label`` (moved to the next value), or,
# where the explorer has no slider, the button whose text is ``label`` (the layers box gets a
# new network before each press).
MEASURE = """async ([root, label, events]) => {
    const slider = root.querySelector(`input[aria-label="${label}"]`);
    const button = Array.from(root.querySelectorAll('button')).find(
        b => b.textContent === label);
    const box = root.querySelector('textarea');
    if (!slider && !(button && box)) throw new Error(`no slider or button ${label}`);
    const times = [];
    for (let e = 0; e < events; e++) {
        const value = slider ? e % (Number(slider.max) + 1) : 0;
        const start = performance.now();
        if (slider) {
            slider.value = value;
            slider.dispatchEvent(new Event('input', {bubbles: true}));
        } else {
            box.value = `conv 5 p2 c${1 + e % 8}; sigmoid; avgpool 2; conv 5 c16; dense 10`;
            button.click();
        }
        await Promise.resolve();
        await new Promise(r => queueMicrotask(r));
        root.getBoundingClientRect(); document.body.offsetHeight;   // style and layout
        times.push(performance.now() - start);
    }
    return times;
}"""
UPDATE_SHEET = "update the sheet"   # the sheet has no slider: its latency is this button's


def read(page, root):
    """What the explorer shows: grids, notes, refusal, control values (see READ)."""
    return page.evaluate(READ, root)


def act(page, root, *actions):
    """Do the actions (see ACT) on the explorer's controls; return what it then shows."""
    return page.evaluate(ACT, [root, [list(a) for a in actions]])


def measure_latency(page, root, label, events=LATENCY_EVENTS):
    """Milliseconds from each of ``events`` events on slider ``label`` (or presses of the
    button ``label``, new layers typed before each) to the redraw (see MEASURE)."""
    return page.evaluate(MEASURE, [root, label, events])


def record_latency(path, name, times):
    """Add explorer ``name``'s median and max latency to the JSON file at ``path``."""
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = {"events": len(times), "median_ms": statistics.median(times),
                  "max_ms": max(times)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


# --- values and how the grids show them -----------------------------------------------------

def random_matrix(rng, h, w):
    return [[rng.choice(VALUES) for _ in range(w)] for _ in range(h)]


def text_of(M):
    return "\n".join(" ".join(str(v) for v in row) for row in M)


def shown(M):
    return [[format_number(v) for v in row] for row in torch.as_tensor(M).tolist()]


def cells_with(grid, role):
    return [(i, j) for i, row in enumerate(grid["roles"]) for j, c in enumerate(row)
            if f"cb-{role}" in c.split()]


def notes_of(got, role):
    return [text for r, text, _ in got["notes"] if r == role]


def plain(value):
    """A value as JSON has it (tensors as lists, tuples as lists): how the kernel reports it."""
    return json.loads(json.dumps(value, default=lambda v: v.tolist()))


# --- drivers: one random valid state each ---------------------------------------------------

def drive_sliding(page, root, rng):
    h, w = rng.randint(1, 6), rng.randint(1, 6)
    X, K = random_matrix(rng, h, w), random_matrix(rng, rng.randint(1, h), rng.randint(1, w))
    mode = rng.choice(["cross-correlation", "convolution"])
    model = Sliding(X, K, mode)
    step = rng.randrange(model.num_steps)
    got = act(page, root, ("fill", 0, text_of(X)), ("click", "apply values"),   # X box first,
              ("fill", 1, text_of(K)), ("click", "apply values"),               # then K
              ("click", mode), ("range", "step", step))
    frame = model.at(step)
    assert got["error"] == ""
    assert got["grids"]["X"]["cells"] == shown(model.X)
    assert got["grids"]["Y"]["cells"] == shown(model.output)
    if mode == "convolution":
        assert got["grids"]["used"]["cells"] == shown(model.kernel_used)
    assert cells_with(got["grids"]["X"], "window") == list(frame.window)
    assert cells_with(got["grids"]["Y"], "out") == [frame.output_cell]
    i, j = frame.output_cell
    assert notes_of(got, "arithmetic")[0].startswith(
        f"Y[{i}, {j}] = {frame.arithmetic}\u2003(step {step} ")
    return {"w.view.X": X, "w.view.K": K, "w.view.mode": mode, "w.view.step": step,
            "w.view.message": "", "w.output": model.output, "w.window": frame.window,
            "w.arithmetic": frame.arithmetic, "w.kernel_used": model.kernel_used}


PADDING_LIMITS = {"input": (1, 12), "kernel": (1, 7), "padding": (0, 4), "stride": (1, 5),
                  "dilation": (1, 3)}


def drive_padding(page, root, rng):
    values = {name: (rng.randint(*lim), rng.randint(*lim))
              for name, lim in PADDING_LIMITS.items()}
    g = WindowGeometry(values["input"], values["kernel"], values["padding"],
                       values["stride"], values["dilation"])
    index = rng.randrange(max(g.window_count, 1))
    actions = [("check", "input[type=checkbox]", False)]
    for name, (h, w) in values.items():
        actions += [("range", f"{name} h", h), ("range", f"{name} w", w)]
    if g.fits:
        actions.append(("range", "window", index))
    got = act(page, root, *actions)
    assert notes_of(got, "formula") == g.formula()
    X = got["grids"]["X"]
    assert X["cells"] == shown(g.padded_input())
    pads = {(i, j) for i in range(g.padded_shape[0]) for j in range(g.padded_shape[1])
            if g.is_padding(i, j)}
    dropped = {(i, j) for i in range(g.padded_shape[0]) for j in range(g.padded_shape[1])
               if i in g.dropped_rows or j in g.dropped_cols}
    taps = sorted(g.taps(index)) if g.fits else []
    assert set(cells_with(X, "dropped")) == dropped
    assert set(cells_with(X, "pad")) == pads - dropped - set(taps)
    if g.fits:
        assert cells_with(X, "window") == taps
        assert set(cells_with(X, "visit")) == set(g.corners())
        assert got["grids"]["Y"]["cells"] == shown(g.output())
        assert cells_with(got["grids"]["Y"], "out") == [divmod(index, g.output_shape[1])]
    else:
        assert notes_of(got, "problem") == [g.problem]
    names = {"input": "input_size", "kernel": "kernel_size"}
    expected = {f"w.view.{names.get(n, n)}": list(v) for n, v in values.items()}
    return {**expected, "w.view.square": False, "w.view.window": index if g.fits else 0,
            "w.view.message": "", "w.output_shape": g.output_shape, "w.formula": g.formula(),
            "w.dropped_rows": g.dropped_rows, "w.dropped_cols": g.dropped_cols,
            "w.window_cells": g.taps(index) if g.fits else [], "w.message": g.problem or ""}


def drive_pooling(page, root, rng):
    h, w = rng.randint(1, 6), rng.randint(1, 6)
    X = random_matrix(rng, h, w)
    k = (rng.randint(1, h), rng.randint(1, w))
    s = (rng.randint(1, h), rng.randint(1, w))
    p = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2))
    mode = rng.choice(["max", "avg"])
    python = PoolingExplorer(X, pool_size=k, stride=s, padding=p, mode=mode)
    step = rng.randrange(python.output.numel())
    python.set_step(step)
    actions = [("fill", 0, text_of(X)), ("click", "apply values")]
    for name, value in (("window", k), ("stride", s), ("padding", p)):
        actions += [("range", f"{name} h", value[0]), ("range", f"{name} w", value[1])]
    got = act(page, root, *actions, ("click", mode), ("range", "step", step))
    assert got["error"] == ""
    assert got["grids"]["Y"]["cells"] == shown(pool2d(torch.tensor(X), k, mode, p, s))
    i, j = python.position
    assert got["notes"][0][:2] == ["arithmetic", f"Y[{i}, {j}] = {python.arithmetic}"]
    assert notes_of(got, "formula") == WindowGeometry((h, w), k, p, s).formula()
    rows, cols = python.dropped
    assert bool(notes_of(got, "dropped")) == bool(rows or cols)
    shift = lambda cells: sorted((r + p[0], c + p[1]) for r, c in cells)  # noqa: E731
    if mode == "max":
        winner = shift([python.winner])
        assert cells_with(got["grids"]["X"], "win") == winner
        assert cells_with(got["grids"]["X"], "window") == sorted(
            set(shift(python.window)) - set(winner))
        counts = torch.zeros(h, w)
        for r, c in max_winners(torch.tensor(X), k, p, s).reshape(-1, 2).tolist():
            counts[r, c] += 1
        assert got["grids"]["wins"]["cells"] == shown(counts)
    else:
        assert cells_with(got["grids"]["X"], "window") == shift(python.window)
    return {"w.view.X": X, "w.view.pool_size": list(k), "w.view.stride": list(s),
            "w.view.padding": list(p), "w.view.mode": mode, "w.view.step": step,
            "w.view.message": "", "w.output": python.output, "w.position": python.position,
            "w.window": python.window, "w.winner": python.winner,
            "w.arithmetic": python.arithmetic, "w.dropped": python.dropped}



def pooling_clamped_by_new_values(page, root, settled=lambda settings: None):
    """A smaller input clamps the window and padding (07 promises a note saying so): the view
    shows the new input with the clamped settings. ``settled(settings)`` is called between
    setting the window and typing the input (``settings``: what the view then holds).
    Returns what the kernel must hold in the end."""
    big = [[1, 3, 2, 0, 4], [5, 0, 1, 6, 2], [2, 7, 3, 1, 0], [0, 4, 8, 2, 5], [3, 1, 0, 6, 2]]
    act(page, root, ("fill", 0, text_of(big)), ("click", "apply values"),
        *[("range", f"{name} {a}", value)
          for name, value in (("window", 4), ("padding", 2)) for a in "hw"])
    settled({"w.view.X": big, "w.view.pool_size": [4, 4], "w.view.padding": [2, 2]})
    got = act(page, root, ("fill", 0, "1 2\n3 4"), ("click", "apply values"))
    assert "window 4x4 clamped to 2x2 (at most the input)" in got["error"]
    assert "padding 2x2 clamped to 1x1 (at most half the window)" in got["error"]
    stride = [int(got["values"][f"stride {a}"]) for a in "hw"]
    (mode,) = [b for b in got["pressed"] if b in ("max", "avg")]
    output = pool2d(torch.tensor([[1., 2], [3, 4]]), (2, 2), mode, (1, 1), stride)
    assert got["grids"]["Y"]["cells"] == shown(output)
    return {"w.view.X": [[1, 2], [3, 4]], "w.view.pool_size": [2, 2], "w.view.padding": [1, 1],
            "w.view.stride": stride, "w.view.message": got["error"], "w.output": output}

CHANNEL_X = [[[0., 1, 2], [3, 4, 5], [6, 7, 8]], [[1., 2, 3], [4, 5, 6], [7, 8, 9]]]


def drive_channels(page, root, rng):
    """One random action (add, remove, kernel, bias, pick a channel) and a step; the state the
    page then shows (kernel box, bias box, channel, step) is recomputed by the package."""
    count = len(read(page, root)["groups"]["output channel"])
    action = rng.choice(["add", "remove", "kernel", "bias", "pick"])
    actions = []
    if action == "add" and count < 6:
        actions.append(("click", "+ output channel"))
    elif action == "remove" and count > 1:
        actions.append(("click", "\u2212 output channel"))
    elif action == "kernel":
        blocks = [text_of(random_matrix(rng, 2, 2)) for _ in range(2)]
        actions += [("fill", 1, "\n\n".join(blocks)), ("click", "apply kernel")]
    elif action == "bias":
        actions.append(("fill", 'input[aria-label="bias"]', str(rng.choice(VALUES))))
    else:
        actions.append(("click", f"Y[{rng.randrange(count)}]"))
    got = act(page, root, *actions, ("range", "step", rng.randrange(4)))
    assert got["error"] == ""
    # rebuild the state the page shows from its controls: the kernel box is exact, unlike
    # the grid cells
    c_o = len(got["groups"]["output channel"])
    (pressed,) = [b for b in got["pressed"] if b.startswith("Y[")]
    o = int(pressed[2:-1])
    K = [[[float(v) for v in line.split()] for line in block.splitlines()]
         for block in got["fields"][1].strip().split("\n\n")]
    bias = float(got["values"]["bias"])
    step = int(got["values"]["step"])
    python = ChannelExplorer(CHANNEL_X, torch.tensor(K)[None].repeat(c_o, 1, 1, 1))
    python.set_output_channel(o)
    python.set_bias(bias)
    python.set_step(step)
    assert notes_of(got, "arithmetic") == python.arithmetic.splitlines()
    assert got["grids"]["Y"]["cells"] == shown(python.output[o])
    for c in range(2):
        assert got["grids"][f"P{c}"]["cells"] == shown(python.partials[c])
    assert got["grids"][f"Y{o}"]["cells"] == shown(python.output[o])
    return {"w.view.X": CHANNEL_X, "len(w.view.K)": c_o, "w.view.out": o,
            "w.view.K[w.view.out]": K, "w.view.bias[w.view.out]": bias, "w.view.step": step,
            "w.view.message": "", "w.output[w.output_channel]": python.output[o],
            "w.partials": python.partials, "w.arithmetic": python.arithmetic}


@functools.cache
def _receptive():
    """One local receptive-field widget (building one encodes every sample image)."""
    return ReceptiveFieldExplorer()


# The feature maps the receptive-field explorer computed (root.cbMaps: channel 0 of the input
# and of every conv/pool layer, before painting) and the grey levels its canvases hold.
RF_MAPS = """(root) => {
    const got = root.cbMaps || {};
    return {error: got.error || '', values: (got.maps || []).map(m => Array.from(m.values)),
            grey: (got.grey || []).map(g => Array.from(g)),
            painted: Array.from(root.querySelectorAll('.cb-rf-map canvas[role=img]')).map(c =>
                Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)
                    .filter((_, k) => k % 4 === 0))};
}"""


def check_receptive_maps(page, root, fields):
    """The maps the page computed equal PyTorch's forward pass of the same network and image
    (``fields``: the package's NetworkFields) within float32 rounding, and its canvases hold
    their grey levels: NetworkFields' scaling, within one level of 255 (float64 in the page)."""
    from convbook.network_export import forward_trace

    got = page.evaluate(RF_MAPS, root)
    assert got["error"] == ""
    trace = forward_trace(fields.model, fields.image)
    spatial = (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AvgPool2d)
    expected = [trace[0][0]] + [trace[i + 1][0] for i, layer in enumerate(fields.model)
                                if isinstance(layer, spatial)][:len(fields.fields)]
    assert len(got["values"]) == len(expected) == len(got["painted"])
    for b, (ours, theirs) in enumerate(zip(got["values"], expected)):
        theirs = theirs.flatten().double()
        scale = max(1.0, theirs.abs().max().item())
        assert torch.allclose(torch.tensor(ours, dtype=torch.float64), theirs, rtol=1e-5,
                              atol=1e-5 * scale), f"map {b}"
    assert got["painted"] == got["grey"]
    for b, (grey, scaled) in enumerate(zip(got["grey"], [fields.image] + fields.maps[1:])):
        levels = (scaled.clamp(0, 1) * 255).to(torch.uint8).flatten().int()
        assert (torch.tensor(grey) - levels).abs().max() <= (0 if b == 0 else 1), f"map {b}"


def drive_receptive(page, root, rng):
    python = _receptive()
    image = rng.randrange(len(python.view.images))
    if rng.random() < 0.15:                 # the LeNet preset, with the weights Python sent
        preset, text = "LeNet", python.view.presets["LeNet"]
        python.set_preset(preset)
        use = [("select", "network", preset)]
    else:
        preset = RF_CUSTOM
        text = random_layers(rng, max_kernel=5, max_conv_stride=3, channels=6,
                             channel_chance=0.5)
        use = [("fill", 'input[aria-label="layers"]', text), ("click", "use these layers")]
        try:
            python.set_layers(text)
        except ValueError:                  # does not fit a 28x28 image: the view refuses
            assert "Cannot use these layers" in act(page, root, *use)["error"]
            return None
    python.set_image(image)
    layer = rng.randint(1, len(python.fields))
    python.set_layer(layer)
    h, w = python.net.shapes[layer]
    unit = (rng.randrange(h), rng.randrange(w))
    gradient = rng.random() < 0.3
    python.set_unit(*unit)
    python.set_gradient(gradient)
    got = act(page, root, ("select", "image", image), *use, ("select", "layer", layer),
              ("range", "unit row", unit[0]), ("range", "unit col", unit[1]),
              ("click", "on" if gradient else "off"))
    assert got["error"] == ""
    assert notes_of(got, "readout") == python.readout
    boxes = [(r, b) for r, _, b in got["notes"] if r in ("field", "seen", "unit")]
    expected = []
    for a in range(layer + 1):
        if a < layer:
            expected.append(("field", python.net.region(a, layer, unit)))
            seen = python.net.seen(a, layer, unit)
            if seen:
                expected.append(("seen", seen))
        else:
            expected.append(("unit", python.net.region(a, layer, unit)))
    assert boxes == [(r, f"{t},{b},{le},{ri}") for r, ((t, b), (le, ri)) in expected]
    check_receptive_maps(page, root, python.net)
    return {"w.view.preset": preset, "w.view.text": text, "w.view.net_text": text,
            "w.view.image": image, "w.view.layer": layer, "w.view.unit": list(unit),
            "w.view.gradient": gradient, "w.view.message": "", "w.readout": python.readout,
            "w.map_regions": python.map_regions, "w.clipped": python.clipped}


MATRIX_BUTTONS = {"matrix": "Y = M \u00b7 vec X", "im2col": "im2col",
                  "transpose": "transpose M\u1d40"}


def drive_matrix(page, root, rng):
    h, w = rng.randint(1, 5), rng.randint(1, 5)
    X, K = random_matrix(rng, h, w), random_matrix(rng, rng.randint(1, 3), rng.randint(1, 3))
    p, s = rng.randint(0, 2), rng.randint(1, 3)
    try:
        python = MatrixExplorer(X, K, padding=p, stride=s)
    except ValueError:                        # too big to read, or K does not fit
        return None
    step = rng.randrange(python.steps)
    python.set_step(step)
    got = act(page, root,
              ("range", "stride", 3), ("range", "padding", 2),   # few rows, room for any
              ("fill", 0, text_of(X)), ("click", "apply values"),  # kernel: always valid;
              ("fill", 1, text_of(K)), ("click", "apply values"),  # then the values,
              ("range", "padding", p), ("range", "stride", s),     # the geometry
              ("range", "step", step))
    assert got["error"] == ""
    mode = rng.choice(list(MATRIX_BUTTONS))
    grids = act(page, root, ("click", MATRIX_BUTTONS[mode]))["grids"]
    if mode == "matrix":
        assert grids["M"]["cells"] == shown(python.matrix)
        assert grids["Y"]["cells"] == shown(python.output)
        assert cells_with(grids["X"], "window") == python.window
        highlighted = cells_with(grids["M"], "window") + cells_with(grids["M"], "win")
        assert {r for r, _ in highlighted} == {step}
    elif mode == "im2col":
        assert grids["columns"]["cells"] == shown(python.columns)
        assert grids["Yrow"]["cells"] == shown(python.output.reshape(1, -1))
        assert {c for _, c in cells_with(grids["columns"], "window")} == {step}
    else:
        assert grids["MT"]["cells"] == shown(python.matrix.T)
        assert grids["back"]["cells"] == shown(python.transposed)
    return {"w.view.X": X, "w.view.K": K, "w.view.padding": p, "w.view.stride": s,
            "w.view.step": step, "w.view.mode": mode, "w.view.message": "",
            "w.matrix": python.matrix, "w.output": python.output, "w.window": python.window,
            "w.columns": python.columns, "w.transposed": python.transposed}


def random_sheet(rng):
    """Layers in the sheet's language (some deliberately too deep for the input), an input."""
    text = random_layers(rng, 5, 7, channels=16, channel_chance=0.8, max_dense=64,
                         max_dense_layers=3)
    return text, (rng.randint(1, 3), rng.randint(4, 32), rng.randint(4, 32))


def sheet_from_torch(text, shape):
    """The sheet's table, every number taken from torch and the package: shapes, parameters
    and FLOPs from netspec.layer_summary of the built network, r_l and J_l from
    receptive.receptive_field (J_l = the jump of the map layer l reads, section 04)."""
    from convbook.netspec import layer_summary, layers_from_text, parse_layers
    from convbook.receptive import layer_window_params, receptive_field

    x = lambda v: "\u00d7".join(str(n) for n in v)  # noqa: E731
    specs, model = parse_layers(text), layers_from_text(text, input_shape=shape)
    summary, fields = list(zip(model, layer_summary(model, shape))), receptive_field(model)
    rows = [SHEET_HEADER, ["0", "input", "", x(shape), "", "", "1\u00d71", ""]]
    field, l = (1, 1), 0
    for number, spec in enumerate(specs, 1):
        if isinstance(summary[0][0], torch.nn.Flatten) and spec.kind != "flatten":
            summary.pop(0)                              # put in front of dense, not typed
        module, (_, out, params, flops) = summary.pop(0)
        jump = ""
        if spec.spatial:
            f, l = fields[l], l + 1
            field = f.size
            jump = x(S // s for S, s in zip(f.stride, layer_window_params(module)[1]))
        elif spec.kind == "dense":
            field = None
        rows.append([str(number), spec.describe(4), str(l) if spec.spatial else "", x(out),
                     f"{params:,}", f"{flops:,}", x(field) if field else "all", jump])
    total = layer_summary(model, shape)
    rows.append(["", "total", "", "", f"{total.parameters:,}", f"{total.flops:,}", "", ""])
    return rows


def drive_sheet(page, root, rng):
    text, shape = random_sheet(rng)
    python = NetworkSheetExplorer(layers=text, input_shape=shape)
    got = act(page, root,
              ("fill", 'input[aria-label="input channels x height x width"]',
               "x".join(map(str, shape))),
              ("fill", "textarea", text), ("click", UPDATE_SHEET))
    assert got["error"] == ""
    assert notes_of(got, "summary") == python.summary
    cells = got["grids"]["sheet"]["cells"]
    if python.sheet.error:        # too deep for the input: its row says why, checked here
        assert cells == python.cells
        return None               # and the rows above against torch on valid states
    assert cells == sheet_from_torch(text, shape), text
    return {"w.view.text": text, "w.view.net_text": text, "w.view.input_shape": list(shape),
            "w.view.message": "", "w.cells": python.cells, "w.summary": python.summary,
            "w.parameters": python.parameters, "w.flops": python.flops}


# --- the trained-network explorer ------------------------------------------------------------

# What the trained-network explorer shows: root.cbTrace (input, every layer's values,
# probabilities, scale limits), root.cbUnit, the texts and the field box, and the network
# specs of the page's stored widget state (null in JupyterLab, which stores none).
TRAINED_READ = """(root) => {
    const script = document.querySelector(
        'script[type="application/vnd.jupyter.widget-state+json"]');
    let stored = null;
    if (script) {
        for (const m of Object.values(JSON.parse(script.textContent).state)) {
            if (m.state && m.state.networks && m.state.noise_pattern) {
                stored = {networks: m.state.networks, pattern: m.state.noise_pattern};
            }
        }
    }
    const text = (role) => Array.from(root.querySelectorAll(`[data-role="${role}"]`))
        .map(n => n.textContent);
    const cursor = root.querySelector('.cb-tn-cursor');
    return {trace: root.cbTrace, unit: root.cbUnit, stored, readout: text('readout'),
            limits: text('limits'), probabilities: text('probability'),
            prediction: text('prediction')[0],
            field: root.querySelector('[data-role=field]').dataset.bounds,
            cursor: [parseInt(cursor.style.top || '0') / 8, parseInt(cursor.style.left || '0') / 8],
            error: (root.querySelector('.cb-error[role=alert]') || {}).textContent || ''};
}"""

# The colour of unit k of a layer's canvas (channel ch): [r, g, b].
TRAINED_PIXEL = """([root, layer, channel, k]) => {
    const canvas = root.querySelectorAll(
        `.cb-tn-layer[data-layer="${layer}"] canvas.cb-tn-map`)[channel];
    const [x, y] = [k % canvas.width, Math.floor(k / canvas.width)];
    return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
}"""

TRAINED_AGREEMENT = {}            # layer kind -> largest |view - PyTorch| seen, written to
AGREEMENT_FILE = Path(__file__).resolve().parent.parent / "_build" / "trained-agreement.json"
_TORCH_NETS = {}


def torch_network(spec):
    """The nn.Sequential whose export is ``spec`` (weights decoded from the page's base64)."""
    from torch import nn

    from convbook.network_export import decode_floats

    layers, shape = [], spec["input"]
    for layer in spec["layers"]:
        if layer["kind"] == "conv":
            module = nn.Conv2d(layer["inputs"], layer["shape"][0], layer["k"], layer["s"],
                               layer["p"], layer["d"], bias=layer["bias"] is not None)
        elif layer["kind"] == "linear":
            module = nn.Linear(layer["inputs"], layer["shape"][0],
                               bias=layer["bias"] is not None)
        elif layer["kind"] in ("maxpool", "avgpool"):
            pool = nn.MaxPool2d if layer["kind"] == "maxpool" else nn.AvgPool2d
            extra = {"dilation": layer["d"]} if layer["kind"] == "maxpool" else {}
            module = pool(layer["k"], layer["s"], layer["p"], **extra)
        else:
            module = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                      "flatten": nn.Flatten}[layer["kind"]]()
        if layer.get("weight"):
            module.weight.data = decode_floats(layer["weight"]).reshape(module.weight.shape)
            if layer["bias"] is not None:
                module.bias.data = decode_floats(layer["bias"])
        layers.append(module)
        shape = layer["shape"]
    return nn.Sequential(*layers).eval()


def _trained_net(spec):
    key = json.dumps(spec, sort_keys=True)
    if key not in _TORCH_NETS:
        _TORCH_NETS[key] = torch_network(spec)
    return _TORCH_NETS[key]


def _canvas(text):
    import base64
    return torch.frombuffer(bytearray(base64.b64decode(text)), dtype=torch.uint8).reshape(28, 28)


def _trained_stroke(page, root, rng):
    """One stroke with real pointer events (mouse) or the keyboard cursor; returns the cells
    painted and whether they were erased."""
    erase = rng.random() < 0.25
    act(page, root, ("click", "eraser" if erase else "pen"))
    canvas = root.query_selector("canvas.cb-tn-draw")
    if rng.random() < 0.6:                            # the mouse: adjacent cells, one by one
        cell = [rng.randrange(28), rng.randrange(28)]
        cells = [tuple(cell)]
        for _ in range(rng.randint(2, 10)):
            cell = [min(27, max(0, v + rng.choice([-1, 0, 1]))) for v in cell]
            cells.append(tuple(cell))
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        at = lambda c: (box["x"] + (c[1] + 0.5) * box["width"] / 28,  # noqa: E731
                        box["y"] + (c[0] + 0.5) * box["height"] / 28)
        page.mouse.move(*at(cells[0]))
        page.mouse.down()
        for c in cells[1:]:
            page.mouse.move(*at(c))
        page.mouse.up()
        return cells, erase
    canvas.focus()                                    # the keyboard: arrows, then Space / E
    cursor = [int(v) for v in page.evaluate(TRAINED_READ, root)["cursor"]]
    for _ in range(rng.randint(0, 6)):
        key = rng.choice(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"])
        page.keyboard.press(key)
        dr, dc = {"ArrowUp": (-1, 0), "ArrowDown": (1, 0), "ArrowLeft": (0, -1),
                  "ArrowRight": (0, 1)}[key]
        cursor = [min(27, max(0, cursor[0] + dr)), min(27, max(0, cursor[1] + dc))]
    key = rng.choice([" ", "Enter", "e"])
    page.keyboard.press("Space" if key == " " else key)
    return [tuple(cursor)], erase or key == "e"


SHIFTS = {"\u2190": (0, -1), "\u2192": (0, 1), "\u2191": (-1, 0), "\u2193": (1, 0)}


def drive_trained(page, root, rng):
    """A random input and unit through the page's controls; every value shown equals
    PyTorch's forward pass of the page's stored weights (float32 tolerance)."""
    from convbook.data import load_sample
    from convbook.drawing import invert, network_input, noise_pattern, paint, rotate, shift
    from convbook.network_export import forward_trace
    from convbook.receptive import receptive_field
    from convbook.widgets.trained import NOISE_SEED
    from convbook.widgets.trained_figure import colour
    from convbook.widgets.trained_readout import unit_field, unit_readout

    start = page.evaluate(TRAINED_READ, root)
    canvas, names = _canvas(start["trace"]["pixels"]), root.evaluate(
        "(r) => Array.from(r.querySelector('select[aria-label=network]').options, o => o.value)")
    actions = []
    if len(names) > 1 and rng.random() < 0.3:
        actions.append(("select", "network", rng.choice(names)))
    if rng.random() < 0.4:
        image = rng.randrange(50)
        actions.append(("select", "image", image))
        canvas = load_sample()[0][image]
    act(page, root, *actions)
    for _ in range(rng.randint(0, 2)):
        cells, erase = _trained_stroke(page, root, rng)
        canvas = paint(canvas, cells, erase)
    actions = []
    for _ in range(rng.randint(0, 3)):
        arrow = rng.choice(list(SHIFTS))
        actions.append(("click", arrow))
        canvas = shift(canvas, *SHIFTS[arrow])
    if rng.random() < 0.15:
        actions.append(("click", "invert"))
        canvas = invert(canvas)
    if rng.random() < 0.2:
        actions.append(("click", "rotate 90\u00b0"))
        canvas = rotate(canvas)
    noise = rng.choice([0, 0, rng.randrange(101)])
    actions.append(("range", "noise", noise))
    got = act(page, root, *actions)
    name = got["values"]["network"]
    layer = rng.randint(1, len(_layer_shapes(root)))
    shape = _layer_shapes(root)[layer - 1]
    sizes = shape if len(shape) == 3 else [shape[0], 1, 1]
    unit = [rng.randrange(n) for n in sizes]
    if len(shape) == 3 and rng.random() < 0.3:        # a click on the unit in its map
        cell = root.query_selector_all(
            f'.cb-tn-layer[data-layer="{layer}"] canvas.cb-tn-map')[unit[0]]
        box = cell.bounding_box()
        cell.click(position={"x": (unit[2] + 0.5) * box["width"] / shape[2],
                             "y": (unit[1] + 0.5) * box["height"] / shape[1]})
    else:
        act(page, root, ("select", "layer", layer), *[
            ("range", f"unit {axis}", u) for axis, u in zip(("channel", "row", "col"), unit)])
    shown = page.evaluate(TRAINED_READ, root)
    trace = shown["trace"]
    assert shown["error"] == "", shown["error"]
    assert trace["network"] == name and trace["noise"] == noise
    assert torch.equal(_canvas(trace["pixels"]), canvas), "the canvas differs from the edits"
    pattern = noise_pattern((28, 28), NOISE_SEED)
    x = network_input(canvas, noise, pattern)
    assert torch.allclose(torch.tensor(trace["input"]).float(), x.flatten(), atol=1e-7)
    assert shown["unit"]["layer"] == layer and shown["unit"]["unit"] == unit
    stored = shown["stored"]
    if stored is not None:                            # the static site: PyTorch on its weights
        from convbook.network_export import decode_floats
        assert torch.equal(decode_floats(stored["pattern"]).reshape(28, 28), pattern)
        spec = stored["networks"][name]
        net = _trained_net(spec)
        values = forward_trace(net, x)
        _agree(spec["layers"], values, trace, shown, rng, page, root, colour)
        records = {f.index: f for f in receptive_field(net, (1, 28, 28))}
        field = unit_field(spec["layers"], records, layer, unit, (1, 28, 28))
        assert shown["readout"] == unit_readout(spec["layers"], field, layer, unit)
        assert [list(b) for b in field] == shown["unit"]["field"]
        (top, bottom), (left, right) = field
        assert shown["field"] == f"{top},{bottom},{left},{right}"
        _agree_unit(net, values, layer, unit, shown["unit"])
    probabilities, logits = trace["probabilities"], trace["values"][-1]
    close = "max(abs(a - b) for a, b in zip({}, {})) < {}"
    return {"w.view.network": name, "w.view.pixels": trace["pixels"], "w.view.noise": noise,
            "w.view.layer": layer, "w.view.unit": unit, "w.view.message": "",
            "w.readout": shown["readout"],
            "w.field": shown["unit"]["field"],
            close.format("w.input.flatten().tolist()", trace["input"], 1e-7): True,
            close.format("w.logits.tolist()", logits, 1e-4): True,
            close.format("w.probabilities.tolist()", probabilities, 1e-5): True}


def _layer_shapes(root):
    return root.evaluate("(r) => Array.from(r.querySelector('select[aria-label=layer]')"
                         ".options, o => o.textContent.split('\u2192 ')[1].split('\u00d7')"
                         ".map(Number))")


def _record(kind, difference):
    TRAINED_AGREEMENT[kind] = max(TRAINED_AGREEMENT.get(kind, 0.0), difference)
    if AGREEMENT_FILE.parent.exists():
        AGREEMENT_FILE.write_text(json.dumps(TRAINED_AGREEMENT, indent=1, sort_keys=True))


def _agree(layers, values, trace, shown, rng, page, root, colour):
    """Every layer's values, the scale limits printed, a few pixels, the probabilities."""
    for number, (layer, theirs) in enumerate(zip(layers, values[1:]), 1):
        theirs = theirs.flatten().double()
        ours = torch.tensor(trace["values"][number - 1], dtype=torch.float64)
        scale = max(1.0, theirs.abs().max().item())
        difference = (ours - theirs).abs().max().item()
        _record(layer["kind"], difference)
        assert difference <= 1e-5 * scale, f"layer {number} ({layer['kind']}): {difference}"
        limit = theirs.abs().max().item()
        printed = float(shown["limits"][number - 1].split("+")[-1])
        assert abs(printed - limit) <= 5e-4 + 5e-3 * limit, (number, printed, limit)
        shape = layer["shape"]
        for _ in range(2):
            k = rng.randrange(theirs.numel())
            channel, index = (divmod(k, shape[1] * shape[2]) if len(shape) == 3 else (0, k))
            pixel = page.evaluate(TRAINED_PIXEL, [root, number, channel, index])
            expected = colour(theirs[k].item(), limit)
            assert max(abs(a - b) for a, b in zip(pixel, expected)) <= 1, (number, k)
    probabilities = values[-1].double().softmax(0)
    difference = (torch.tensor(trace["probabilities"]) - probabilities).abs().max().item()
    _record("softmax", difference)
    assert difference <= 1e-6
    for text, p in zip(shown["probabilities"], probabilities.tolist()):
        assert abs(float(text.rstrip("%")) - 100 * p) <= 0.05 + 1e-9, (text, p)
    top = probabilities.topk(2).values
    if top[0] - top[1] > 1e-6:
        label = shown["prediction"].split(": ")[1].rsplit(" (", 1)[0]
        assert label == root.evaluate(
            "(r) => Array.from(r.querySelectorAll('.cb-tn-label'), l => l.textContent)")[
                int(probabilities.argmax())]


def _agree_unit(net, values, layer, unit, shown):
    """The unit's arithmetic: per-channel partial sums + bias (conv), its value."""
    module, x = net[layer - 1], values[layer - 1]
    flat = values[layer].flatten()
    index = unit[0] if values[layer].dim() == 1 else \
        (unit[0] * values[layer].shape[1] + unit[1]) * values[layer].shape[2] + unit[2]
    assert abs(shown["value"] - flat[index].item()) <= 1e-5 * max(1, flat.abs().max().item())
    if isinstance(module, torch.nn.Conv2d):
        k, s, p, d = module.kernel_size, module.stride, module.padding, module.dilation
        padded = torch.nn.functional.pad(x, (p[1], p[1], p[0], p[0]))
        rows = slice(unit[1] * s[0], unit[1] * s[0] + d[0] * (k[0] - 1) + 1, d[0])
        cols = slice(unit[2] * s[1], unit[2] * s[1] + d[1] * (k[1] - 1) + 1, d[1])
        partials = (module.weight[unit[0]] * padded[:, rows, cols]).sum((1, 2)).double()
        ours = torch.tensor([c["partial"] for c in shown["channels"]], dtype=torch.float64)
        difference = (ours - partials).abs().max().item()
        _record("conv partial sums", difference)
        assert difference <= 1e-5
        assert abs(shown["bias"] - module.bias[unit[0]].item()) <= 1e-7


# --- the registry ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Explorer:
    name: str
    page: str                      # the site page that shows it (the first one on the page)
    label: str                     # aria-label of its .cb-root
    create: str                    # Python that creates it in a notebook (``import convbook``)
    drive: Callable                # drive(page, root, rng) -> {expression: value} or None
    latency: str                   # the slider (or button) whose events are timed
    seed: int


EXPLORERS = {e.name: e for e in [
    Explorer("sliding", "book/01_cross_correlation.html", "sliding-kernel explorer",
             "convbook.widgets.SlidingKernelExplorer()", drive_sliding, "step", 1),
    Explorer("padding", "book/05_padding_and_stride.html", "padding and stride explorer",
             "convbook.widgets.PaddingStrideExplorer()", drive_padding, "window", 2),
    Explorer("pooling", "book/07_pooling.html", "pooling explorer",
             "convbook.widgets.PoolingExplorer()", drive_pooling, "step", 3),
    Explorer("channels", "book/06_channels.html", "channel explorer",
             "convbook.widgets.ChannelExplorer()", drive_channels, "step", 4),
    Explorer("receptive", "book/04_receptive_fields.html", "receptive-field explorer",
             "convbook.widgets.ReceptiveFieldExplorer()", drive_receptive, "unit row", 5),
    Explorer("matrix", "book/01_cross_correlation.html", "convolution-as-a-matrix explorer",
             "convbook.widgets.MatrixExplorer()", drive_matrix, "step", 6),
    Explorer("sheet", "book/04_receptive_fields.html", "network sheet",
             "convbook.widgets.NetworkSheetExplorer()", drive_sheet, UPDATE_SHEET, 7),
    Explorer("trained", "book/08_lenet.html", "trained-network explorer",
             "convbook.widgets.TrainedNetworkExplorer(convbook.layers.ModernLeNet())",
             drive_trained, "noise", 8),
]}


def drive_states(page, root, explorer, after_each=None, states=STATES):
    """Drive ``explorer`` through ``states`` random valid states (refused ones not counted);
    call ``after_each(expected)`` after each valid one. Returns how many were refused."""
    rng = random.Random(explorer.seed)
    done = refused = 0
    while done < states:
        expected = explorer.drive(page, root, rng)
        if expected is None:
            refused += 1
            continue
        if after_each is not None:
            after_each(expected)
        done += 1
    return refused
