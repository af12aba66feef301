"""The explorers on the built static site (no kernel, network cut off): every number they show
agrees with the package's models on random valid states, junk typed into a control is refused
in the view, the views fit a 390 px phone screen, and an input event redraws within a frame.

Each test drives one explorer through the page's own controls (as a reader would), reads the
grids, notes and boxes from the DOM, and recomputes them with convbook.ops / convbook.geometry
/ convbook.netspec. A screenshot after the interactions is saved for a person to look at.
"""
import json
import random
import statistics

import pytest
import torch

from conftest import ROOT, SITE
from pageprobe import close_page, open_page

from convbook.geometry import Sliding, WindowGeometry, max_winners
from convbook.ops import pool2d
from convbook.textfmt import format_number
from convbook.widgets.channels import ChannelExplorer
from convbook.widgets.matrix import MAX_ROWS, MatrixExplorer
from convbook.widgets.pooling import PoolingExplorer
from convbook.widgets.receptive import ReceptiveFieldWidget
from convbook.widgets.sheet import PRESETS, NetworkSheetExplorer

STATES = 50                      # random valid states per explorer
VALUES = [-2, -1.5, -1, -0.5, -0.125, 0, 0.125, 0.25, 0.375, 0.5, 1, 2, 3, 5, 7]   # exact ties
LATENCY = SITE.parent / "explorer-latency.json"

EXPLORERS = {                    # page, aria-label of the explorer's root
    "sliding": ("book/01_cross_correlation.html", "sliding-kernel explorer"),
    "padding": ("book/05_padding_and_stride.html", "padding and stride explorer"),
    "pooling": ("book/07_pooling.html", "pooling explorer"),
    "channels": ("book/06_channels.html", "channel explorer"),
    "receptive": ("book/04_receptive_fields.html", "receptive-field explorer"),
    "matrix": ("book/01_cross_correlation.html", "convolution-as-a-matrix explorer"),
    "sheet": ("book/04_receptive_fields.html", "network sheet"),
}

# JavaScript: read every grid (title, cells, cell roles) and note of an explorer root.
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
})"""

SET_RANGE = """([root, label, value]) => {
    const input = root.querySelector(`input[aria-label="${label}"]`);
    input.value = value;
    input.dispatchEvent(new Event('input', {bubbles: true}));
}"""

# One step-slider event -> the redraw done (queued in a microtask) -> layout: milliseconds.
MEASURE = """async ([root, label, events]) => {
    const input = root.querySelector(`input[aria-label="${label}"]`);
    const times = [];
    for (let e = 0; e < events; e++) {
        const value = e % (Number(input.max) + 1);
        const start = performance.now();
        input.value = value;
        input.dispatchEvent(new Event('input', {bubbles: true}));
        await Promise.resolve();
        await new Promise(r => queueMicrotask(r));
        root.getBoundingClientRect(); document.body.offsetHeight;   // style and layout
        times.push(performance.now() - start);
    }
    return times;
}"""


@pytest.fixture
def explorer(request, browser, site_url, screenshot_dir):
    """Open the page of explorer ``request.param``; yield (page, root handle); screenshot."""
    name = request.param
    path, label = EXPLORERS[name]
    if not (SITE / path).exists():
        pytest.skip(f"{path} is not part of the build")
    record = open_page(browser, site_url, path)
    page = record.page
    root = page.locator(f'.cb-root[aria-label="{label}"]').first
    root.wait_for(timeout=20_000)
    yield page, root.element_handle()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    root.scroll_into_view_if_needed()
    root.screenshot(path=str(screenshot_dir / f"explorer-{name}.png"))
    assert not record.console_errors, record.console_errors
    assert not record.blocked_requests, record.blocked_requests
    close_page(record)


def read(page, root):
    return page.evaluate(READ, root)


def set_range(page, root, label, value):
    page.evaluate(SET_RANGE, [root, label, value])


def type_and_apply(page, root, box, text, button):
    """Type into the box-th text field of the root and press the named button."""
    field = root.query_selector_all("textarea, input[type=text]")[box]
    field.fill(text)
    root.query_selector(f'button:text-is("{button}")').click()


def random_matrix(rng, h, w):
    return [[rng.choice(VALUES) for _ in range(w)] for _ in range(h)]


def text_of(M):
    return "\n".join(" ".join(str(v) for v in row) for row in M)


def shown(M):
    return [[format_number(v) for v in row] for row in torch.as_tensor(M).tolist()]


def cells_with(grid, role):
    return [(i, j) for i, row in enumerate(grid["roles"]) for j, c in enumerate(row)
            if f"cb-{role}" in c.split()]


def record_latency(name, times):
    data = json.loads(LATENCY.read_text()) if LATENCY.exists() else {}
    data[name] = {"events": len(times), "median_ms": statistics.median(times),
                  "max_ms": max(times)}
    LATENCY.write_text(json.dumps(data, indent=1))


# --- agreement on random states -------------------------------------------------------------

@pytest.mark.parametrize("explorer", ["sliding"], indirect=True)
def test_sliding_kernel_agrees_with_the_package(explorer):
    page, root = explorer
    rng = random.Random(1)
    for _ in range(STATES):
        h, w = rng.randint(1, 6), rng.randint(1, 6)
        X, K = random_matrix(rng, h, w), random_matrix(rng, rng.randint(1, h), rng.randint(1, w))
        type_and_apply(page, root, 0, text_of(X), "apply values")   # X box first,
        type_and_apply(page, root, 1, text_of(K), "apply values")   # then K
        mode = rng.choice(["cross-correlation", "convolution"])
        root.query_selector(f'button:text-is("{mode}")').click()
        model = Sliding(X, K, mode)
        step = rng.randrange(model.num_steps)
        set_range(page, root, "step", step)
        frame, got = model.at(step), read(page, root)
        assert got["error"] == ""
        assert got["grids"]["X"]["cells"] == shown(model.X)
        assert got["grids"]["Y"]["cells"] == shown(model.output)
        if mode == "convolution":
            assert got["grids"]["used"]["cells"] == shown(model.kernel_used)
        assert cells_with(got["grids"]["X"], "window") == list(frame.window)
        assert cells_with(got["grids"]["Y"], "out") == [frame.output_cell]
        arithmetic = dict((role, text) for role, text, _ in got["notes"])["arithmetic"]
        i, j = frame.output_cell
        assert arithmetic.startswith(f"Y[{i}, {j}] = {frame.arithmetic}\u2003(step {step} ")
    record_latency("sliding", page.evaluate(MEASURE, [root, "step", 50]))


@pytest.mark.parametrize("explorer", ["padding"], indirect=True)
def test_padding_explorer_agrees_with_the_geometry(explorer):
    page, root = explorer
    rng = random.Random(2)
    square = root.query_selector("input[type=checkbox]")
    if square.is_checked():
        square.click()
    limits = {"input": (1, 12), "kernel": (1, 7), "padding": (0, 4), "stride": (1, 5),
              "dilation": (1, 3)}
    for _ in range(STATES):
        values = {name: (rng.randint(*lim), rng.randint(*lim)) for name, lim in limits.items()}
        for name, (h, w) in values.items():
            set_range(page, root, f"{name} h", h)
            set_range(page, root, f"{name} w", w)
        g = WindowGeometry(values["input"], values["kernel"], values["padding"],
                           values["stride"], values["dilation"])
        index = rng.randrange(max(g.window_count, 1))
        if g.fits:
            set_range(page, root, "window", index)
        got = read(page, root)
        notes = [(role, text) for role, text, _ in got["notes"]]
        assert [t for r, t in notes if r == "formula"] == g.formula()
        X = got["grids"]["X"]
        assert X["cells"] == shown(g.padded_input())
        pads = {(i, j) for i in range(g.padded_shape[0]) for j in range(g.padded_shape[1])
                if g.is_padding(i, j)}
        dropped = {(i, j) for i in range(g.padded_shape[0]) for j in range(g.padded_shape[1])
                   if i in g.dropped_rows or j in g.dropped_cols}
        assert set(cells_with(X, "dropped")) == dropped
        assert set(cells_with(X, "pad")) == pads - dropped - (set(g.taps(index)) if g.fits else set())
        if not g.fits:
            assert [t for r, t in notes if r == "problem"] == [g.problem]
            continue
        assert cells_with(X, "window") == sorted(g.taps(index))
        assert set(cells_with(X, "visit")) == set(g.corners())
        assert got["grids"]["Y"]["cells"] == shown(g.output())
        out_w = g.output_shape[1]
        assert cells_with(got["grids"]["Y"], "out") == [divmod(index, out_w)]
    record_latency("padding", page.evaluate(MEASURE, [root, "window", 50]))


@pytest.mark.parametrize("explorer", ["pooling"], indirect=True)
def test_pooling_explorer_agrees_with_pool2d(explorer):
    page, root = explorer
    rng = random.Random(3)
    for _ in range(STATES):
        h, w = rng.randint(1, 6), rng.randint(1, 6)
        X = random_matrix(rng, h, w)
        type_and_apply(page, root, 0, text_of(X), "apply values")
        k = (rng.randint(1, h), rng.randint(1, w))
        s = (rng.randint(1, h), rng.randint(1, w))
        p = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2))
        for name, value in (("window", k), ("stride", s), ("padding", p)):
            set_range(page, root, f"{name} h", value[0])
            set_range(page, root, f"{name} w", value[1])
        mode = rng.choice(["max", "avg"])
        root.query_selector(f'button:text-is("{mode}")').click()
        python = PoolingExplorer(X, pool_size=k, stride=s, padding=p, mode=mode)
        step = rng.randrange(python.output.numel())
        set_range(page, root, "step", step)
        python.set_step(step)
        got = read(page, root)
        assert got["error"] == ""
        assert got["grids"]["Y"]["cells"] == shown(pool2d(torch.tensor(X), k, mode, p, s))
        notes = [(role, text) for role, text, _ in got["notes"]]
        i, j = python.position
        assert notes[0] == ("arithmetic", f"Y[{i}, {j}] = {python.arithmetic}")
        g = WindowGeometry((h, w), k, p, s)
        assert [t for r, t in notes if r == "formula"] == g.formula()
        rows, cols = python.dropped
        assert any(r == "dropped" for r, _ in notes) == bool(rows or cols)
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
    record_latency("pooling", page.evaluate(MEASURE, [root, "step", 50]))


@pytest.mark.parametrize("explorer", ["channels"], indirect=True)
def test_channel_explorer_agrees_with_the_package(explorer):
    page, root = explorer
    rng = random.Random(4)
    X = torch.tensor([[[0., 1, 2], [3, 4, 5], [6, 7, 8]], [[1., 2, 3], [4, 5, 6], [7, 8, 9]]])
    for _ in range(STATES):
        count = len(root.query_selector_all('[aria-label="output channel"] button'))
        action = rng.choice(["add", "remove", "kernel", "bias", "pick"])
        if action == "add" and count < 6:
            root.query_selector('button:text-is("+ output channel")').click()
        elif action == "remove" and count > 1:
            root.query_selector('button:text-is("\u2212 output channel")').click()
        elif action == "kernel":
            blocks = [text_of(random_matrix(rng, 2, 2)) for _ in range(2)]
            type_and_apply(page, root, 1, "\n\n".join(blocks), "apply kernel")
        elif action == "bias":
            field = root.query_selector('input[aria-label="bias"]')
            field.fill(str(rng.choice(VALUES)))
            field.press("Enter")
        else:
            buttons = root.query_selector_all('[aria-label="output channel"] button')
            rng.choice(buttons).click()
        set_range(page, root, "step", rng.randrange(4))
        got = read(page, root)
        assert got["error"] == ""
        # rebuild the state the page shows: every kernel slice and bias from the grids/notes
        c_o = len(root.query_selector_all('[aria-label="output channel"] button'))
        o = next(int(b.text_content()[2]) for b in root.query_selector_all(
            '[aria-label="output channel"] button') if b.get_attribute("aria-pressed") == "true")
        text = root.query_selector("textarea").input_value()   # exact, unlike the grid cells
        K = torch.tensor([[[float(v) for v in line.split()] for line in block.splitlines()]
                          for block in text.strip().split("\n\n")])
        python = ChannelExplorer(X, K[None].repeat(c_o, 1, 1, 1))
        python.set_output_channel(o)
        python.set_bias(float(root.query_selector('input[aria-label="bias"]').input_value()))
        step = int(root.query_selector('input[aria-label="step"]').input_value())
        python.set_step(step)
        lines = [t for r, t, _ in got["notes"] if r == "arithmetic"]
        assert lines == python.arithmetic.splitlines()
        assert got["grids"]["Y"]["cells"] == shown(python.output[o])
        for c in range(2):
            assert got["grids"][f"P{c}"]["cells"] == shown(python.partials[c])
        assert got["grids"][f"Y{o}"]["cells"] == shown(python.output[o])
    record_latency("channels", page.evaluate(MEASURE, [root, "step", 50]))


def random_layers(rng):
    layers = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["conv", "conv", "pool", "avgpool"])
        k = rng.randint(1, 5)
        s = rng.randint(1, 3)
        if kind == "conv":
            layers.append(f"conv {k} s{s} p{rng.randint(0, 2)} d{rng.randint(1, 2)}")
        else:
            layers.append(f"{kind} {k} s{s} p{rng.randint(0, k // 2)}")
    return "; ".join(layers)


@pytest.mark.parametrize("explorer", ["receptive"], indirect=True)
def test_receptive_field_explorer_agrees_with_netspec(explorer):
    page, root = explorer
    rng = random.Random(5)
    done = 0
    while done < STATES:
        text = random_layers(rng)
        try:
            python = ReceptiveFieldWidget(layers=text)
        except ValueError:                      # does not fit a 28x28 image: the view refuses
            type_and_apply(page, root, 0, text, "use these layers")
            assert "Cannot use these layers" in read(page, root)["error"]
            continue
        type_and_apply(page, root, 0, text, "use these layers")
        layer = rng.randint(1, len(python.fields))
        root.query_selector('select[aria-label="layer"]').select_option(str(layer))
        python.set_layer(layer)
        h, w = python.net.shapes[layer]
        unit = (rng.randrange(h), rng.randrange(w))
        set_range(page, root, "unit row", unit[0])
        set_range(page, root, "unit col", unit[1])
        gradient = rng.random() < 0.3
        root.query_selector(f'button:text-is("{"on" if gradient else "off"}")').click()
        python.set_unit(*unit)
        python.set_gradient(gradient)
        got = read(page, root)
        assert got["error"] == ""
        readout = [t for r, t, _ in got["notes"] if r == "readout"]
        assert readout == python.readout
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
        done += 1
    record_latency("receptive", page.evaluate(MEASURE, [root, "unit row", 50]))


@pytest.mark.parametrize("explorer", ["matrix"], indirect=True)
def test_matrix_explorer_agrees_with_conv_matrix(explorer):
    page, root = explorer
    rng = random.Random(6)
    done = 0
    while done < STATES:
        h, w = rng.randint(1, 5), rng.randint(1, 5)
        X, K = random_matrix(rng, h, w), random_matrix(rng, rng.randint(1, 3), rng.randint(1, 3))
        p, s = rng.randint(0, 2), rng.randint(1, 3)
        try:
            python = MatrixExplorer(X, K, padding=p, stride=s)
        except ValueError:                        # too big to read, or K does not fit
            continue
        set_range(page, root, "stride", 3)        # few rows, room for any kernel:
        set_range(page, root, "padding", 2)       # always valid; then the values, the geometry
        type_and_apply(page, root, 0, text_of(X), "apply values")
        type_and_apply(page, root, 1, text_of(K), "apply values")
        set_range(page, root, "padding", p)
        set_range(page, root, "stride", s)
        step = rng.randrange(python.steps)
        set_range(page, root, "step", step)
        python.set_step(step)
        got = read(page, root)
        assert got["error"] == ""
        mode = rng.choice(["matrix", "im2col", "transpose"])
        button = {"matrix": "Y = M \u00b7 vec X", "im2col": "im2col",
                  "transpose": "transpose M\u1d40"}[mode]
        root.query_selector(f'button:text-is("{button}")').click()
        got = read(page, root)
        grids = got["grids"]
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
        done += 1
    record_latency("matrix", page.evaluate(MEASURE, [root, "step", 50]))


@pytest.mark.parametrize("explorer", ["matrix"], indirect=True)
def test_matrix_explorer_refuses_an_unreadable_matrix(explorer):
    page, root = explorer
    type_and_apply(page, root, 0, text_of([[1] * 5] * 5), "apply values")
    type_and_apply(page, root, 1, "1", "apply values")
    before = read(page, root)["grids"]
    set_range(page, root, "padding", 2)            # 9x9 = 81 rows: refused, slider put back
    got = read(page, root)
    assert f"at most {MAX_ROWS} stay readable" in got["error"] and got["grids"] == before
    assert root.query_selector('input[aria-label="padding"]').input_value() == "0"


def random_sheet(rng):
    """Layers in the sheet's language (some deliberately too deep for the input) and an input."""
    parts = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(["conv", "conv", "pool", "avgpool"])
        k = rng.randint(1, 7)
        if kind == "conv":
            parts.append(f"conv {k} s{rng.randint(1, 2)} p{rng.randint(0, 2)} "
                         f"d{rng.randint(1, 2)}" + (f" c{rng.randint(1, 16)}"
                                                    if rng.random() < 0.8 else ""))
        else:
            parts.append(f"{kind} {k} s{rng.randint(1, 3)} p{rng.randint(0, k // 2)}")
        if rng.random() < 0.4:
            parts.append(rng.choice(["relu", "sigmoid", "tanh"]))
    if rng.random() < 0.6:
        parts += ["flatten"] * (rng.random() < 0.5) + [
            f"dense {rng.randint(1, 64)}" for _ in range(rng.randint(1, 3))]
    return "; ".join(parts), (rng.randint(1, 3), rng.randint(4, 32), rng.randint(4, 32))


def sheet_from_torch(text, shape):
    """The sheet's table, every number taken from torch and the package: shapes, parameters
    and FLOPs from train.layer_summary of the built network, r_l and J_l from
    receptive.receptive_field (J_l = the jump of the map layer l reads, section 04)."""
    from convbook.netspec import layers_from_text, parse_layers
    from convbook.receptive import layer_geometry, receptive_field
    from convbook.train import layer_summary
    from convbook.widgets.sheet import HEADER

    x = lambda v: "\u00d7".join(str(n) for n in v)  # noqa: E731
    specs, model = parse_layers(text), layers_from_text(text, input_shape=shape)
    summary, fields = list(zip(model, layer_summary(model, shape))), receptive_field(model)
    rows, field, l = [HEADER, ["0", "input", "", x(shape), "", "", "1\u00d71", ""]], (1, 1), 0
    for number, spec in enumerate(specs, 1):
        if isinstance(summary[0][0], torch.nn.Flatten) and spec.kind != "flatten":
            summary.pop(0)                              # put in front of dense, not typed
        module, (_, out, params, flops) = summary.pop(0)
        jump = ""
        if spec.spatial:
            f, l = fields[l], l + 1
            field, jump = f.size, x(S // s for S, s in zip(f.stride, layer_geometry(module)[1]))
        elif spec.kind == "dense":
            field = None
        rows.append([str(number), spec.describe(4), str(l) if spec.spatial else "", x(out),
                     f"{params:,}", f"{flops:,}", x(field) if field else "all", jump])
    total = layer_summary(model, shape)
    rows.append(["", "total", "", "", f"{total.parameters:,}", f"{total.flops:,}", "", ""])
    return rows


def use_sheet(page, root, text, shape):
    root.query_selector('input[aria-label="input channels x height x width"]').fill(
        "x".join(map(str, shape)))
    type_and_apply(page, root, 1, text, "update the sheet")


@pytest.mark.parametrize("explorer", ["sheet"], indirect=True)
def test_network_sheet_agrees_with_torch_and_the_package(explorer):
    page, root = explorer
    rng = random.Random(7)
    done = errors = 0
    while done < STATES:
        text, shape = random_sheet(rng)
        python = NetworkSheetExplorer(layers=text, input_shape=shape)
        use_sheet(page, root, text, shape)
        got = read(page, root)
        assert got["error"] == ""
        summary = [t for r, t, _ in got["notes"] if r == "summary"]
        assert summary == python.summary
        if python.sheet.error:            # a row says why; the rows above agree with torch
            errors += 1
            assert got["grids"]["sheet"]["cells"] == python.cells
            continue
        assert got["grids"]["sheet"]["cells"] == sheet_from_torch(text, shape), text
        done += 1
    assert errors                         # the random networks did include ones too deep
    root.query_selector('select[aria-label="network"]').select_option("LeNet")
    cells = read(page, root)["grids"]["sheet"]["cells"]
    assert cells[2][5] == "239,904" and cells[-1][4:6] == ["61,706", "839,558"]
    record_latency("sheet", page.evaluate(MEASURE_SHEET, root))


# Layers typed + "update the sheet" pressed -> the redraw done -> layout: milliseconds.
MEASURE_SHEET = """async (root) => {
    const box = root.querySelector('textarea'), times = [];
    const button = Array.from(root.querySelectorAll('button')).find(
        b => b.textContent === 'update the sheet');
    for (let e = 0; e < 50; e++) {
        const start = performance.now();
        box.value = `conv 5 p2 c${1 + e % 8}; sigmoid; avgpool 2; conv 5 c16; dense 10`;
        button.click();
        await Promise.resolve();
        await new Promise(r => queueMicrotask(r));
        root.getBoundingClientRect(); document.body.offsetHeight;
        times.push(performance.now() - start);
    }
    return times;
}"""


@pytest.mark.parametrize("explorer", ["sheet"], indirect=True)
def test_junk_in_the_sheet_is_refused_keeping_state_and_text(explorer):
    page, root = explorer
    before = read(page, root)["grids"]
    boxes = {"layers": 1, "input": 0}
    for box, junk in [("layers", j) for j in ["", "conv 3 p4000", "banana 2", "<b>conv</b> 3",
                                              "conv 99999999", "dense 3; conv 3",
                                              "conv 3; " * 41]] + \
            [("input", j) for j in ["", "a", "0x28x28", "1x5000x5000", "1e308", "<b>1</b>"]]:
        field = root.query_selector_all("textarea, input[type=text]")[boxes[box]]
        field.fill(junk)
        root.query_selector('button:text-is("update the sheet")').click()
        got = read(page, root)
        assert got["error"].startswith("Cannot use these layers"), (box, junk)
        assert got["grids"] == before
        assert field.input_value() == junk
        assert root.query_selector("b") is None
        field.fill("1x28x28" if box == "input" else PRESETS["LeNet"][0])   # good again
    root.query_selector('button:text-is("update the sheet")').click()
    got = read(page, root)
    assert got["error"] == "" and got["grids"] == before               # and used again


# --- the contract in the browser: junk is refused in the view -----------------------------

JUNK = ["", "1 2\n3", "a b", "<b>x</b>", "1e308 1e999", "nan", "1 " * 5000]


@pytest.mark.parametrize("explorer", ["sliding", "matrix"], indirect=True)
def test_junk_in_a_text_box_is_refused_keeping_state_and_text(explorer):
    page, root = explorer
    before = read(page, root)["grids"]
    for junk in JUNK:
        type_and_apply(page, root, 1, junk, "apply values")
        got = read(page, root)
        assert got["error"], f"no refusal for {junk!r}"
        assert got["grids"] == before                            # the last good state
        assert root.query_selector_all("textarea")[1].input_value() == junk   # the typed text
        assert root.query_selector("b b, .cb-error b") is None   # never rendered as HTML


@pytest.mark.parametrize("explorer", ["receptive"], indirect=True)
def test_junk_layers_are_refused_keeping_state_and_text(explorer):
    page, root = explorer
    before = read(page, root)["notes"]
    for junk in ["", "conv 3 p4000", "banana 2", "<b>conv</b> 3", "conv 31", "conv 99999999"]:
        type_and_apply(page, root, 0, junk, "use these layers")
        got = read(page, root)
        assert got["error"].startswith("Cannot use these layers"), junk
        assert got["notes"] == before
        assert root.query_selector('input[aria-label="layers"]').input_value() == junk


# --- phone width ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_fits_a_390px_phone_screen(browser, site_url, screenshot_dir, name):
    path, label = EXPLORERS[name]
    if not (SITE / path).exists():
        pytest.skip(f"{path} is not part of the build")
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(site_url + path, wait_until="load")
        root = page.locator(f'.cb-root[aria-label="{label}"]').first
        root.wait_for(timeout=20_000)
        root.scroll_into_view_if_needed()
        # every control lies inside the explorer's box, which lies inside the screen
        overflow = page.evaluate("""(root) => {
            const box = root.getBoundingClientRect();
            const out = [];
            if (box.right > window.innerWidth + 1) out.push('explorer ' + box.right);
            root.querySelectorAll('button, input, select, textarea, label').forEach(c => {
                const r = c.getBoundingClientRect();
                if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) {
                    out.push(`${c.tagName} ${c.getAttribute('aria-label') || c.textContent} ${r.right}`);
                }
            });
            return out;
        }""", root.element_handle())
        root.screenshot(path=str(screenshot_dir / f"explorer-{name}-390px.png"))
        assert not overflow, f"{name}: controls cut off at 390 px: {overflow[:5]}"
    finally:
        context.close()


# --- accessibility: axe-core on every explorer ----------------------------------------------

AXE = ROOT / ".cache" / "test-vendor" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_has_no_serious_accessibility_violation(browser, site_url, name):
    """axe-core (fetched by tools/fetch_assets.py, not served with the site) on the explorer:
    every control named, images with alt text, contrast that passes."""
    path, label = EXPLORERS[name]
    if not (SITE / path).exists():
        pytest.skip(f"{path} is not part of the build")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `python tools/fetch_assets.py` (make book does)")
    record = open_page(browser, site_url, path)
    page = record.page
    try:
        page.locator(f'.cb-root[aria-label="{label}"]').first.wait_for(timeout=20_000)
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("""async (label) => {
            const r = await axe.run({include: [[`.cb-root[aria-label="${label}"]`]]},
                                    {resultTypes: ['violations']});
            return r.violations.filter(v => ['critical', 'serious'].includes(v.impact)).map(
                v => `${v.impact} ${v.id}: ${v.nodes.length} node(s), e.g. ` +
                     v.nodes[0].html.slice(0, 120));
        }""", label)
        assert not result, f"{name}: {result}"
    finally:
        close_page(record)


@pytest.mark.parametrize("explorer", ["pooling"], indirect=True)
def test_pooling_settings_clamped_by_new_values_say_so(explorer):
    """07 promises a note when a setting is clamped (here by a smaller input)."""
    page, root = explorer
    for name, value in (("window", 4), ("padding", 2)):
        set_range(page, root, f"{name} h", value)
        set_range(page, root, f"{name} w", value)
    type_and_apply(page, root, 0, "1 2\n3 4", "apply values")
    error = read(page, root)["error"]
    assert "window 4x4 clamped to 2x2 (at most the input)" in error
    assert "padding 2x2 clamped to 1x1 (at most half the window)" in error
