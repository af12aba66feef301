"""The explorers on the built static site (no kernel, network cut off): every number they show
agrees with the package's models on random valid states, junk typed into a control is refused
in the view, the views fit a 390 px phone screen, and an input event redraws within a frame.

Each explorer is driven through the page's own controls (as a reader would) by its driver in
explorer_states.py (shared with the JupyterLab test), which reads the grids, notes and boxes
from the DOM and recomputes them with convbook.ops / convbook.windows / convbook.netspec.
A screenshot after the interactions is saved for a person to look at.
"""
import pytest

from conftest import ROOT, SITE
from explorer_states import (EXPLORERS, act, drive_states, measure_latency,
                             pooling_clamped_by_new_values, read, record_latency, text_of)
from pageprobe import close_page, open_page
from test_dark_mode import SET_MODE

from convbook.widgets.matrix import MAX_ROWS
from convbook.widgets.sheet import PRESETS

LATENCY = SITE.parent / "explorer-latency.json"


@pytest.fixture
def explorer(request, browser, site_url, screenshot_dir):
    """Open the page of explorer ``request.param``; yield (page, root handle); screenshot."""
    spec = EXPLORERS[request.param]
    if not (SITE / spec.page).exists():
        pytest.skip(f"{spec.page} is not part of the build")
    record = open_page(browser, site_url, spec.page)
    page = record.page
    root = page.locator(f'.cb-root[aria-label="{spec.label}"]').first
    root.wait_for(timeout=20_000)
    yield page, root.element_handle()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    root.scroll_into_view_if_needed()
    root.screenshot(path=str(screenshot_dir / f"explorer-{spec.name}.png"))
    assert not record.console_errors, record.console_errors
    assert not record.blocked_requests, record.blocked_requests
    close_page(record)


# --- agreement on random states -------------------------------------------------------------

@pytest.mark.parametrize("explorer", list(EXPLORERS), indirect=True)
def test_explorer_agrees_with_the_package(request, explorer):
    """50 random valid states through the page's controls; every number shown is the
    package's; then the latency of 50 input events (recorded in _build/explorer-latency.json)."""
    page, root = explorer
    spec = EXPLORERS[request.node.callspec.params["explorer"]]
    drive_states(page, root, spec)
    record_latency(LATENCY, spec.name, measure_latency(page, root, spec.latency))


@pytest.mark.parametrize("explorer", ["matrix"], indirect=True)
def test_matrix_explorer_refuses_an_unreadable_matrix(explorer):
    page, root = explorer
    before = act(page, root, ("fill", 0, text_of([[1] * 5] * 5)), ("click", "apply values"),
                 ("fill", 1, "1"), ("click", "apply values"))["grids"]
    got = act(page, root, ("range", "padding", 2))   # 9x9 = 81 rows: refused, slider put back
    assert f"at most {MAX_ROWS} stay readable" in got["error"] and got["grids"] == before
    assert got["values"]["padding"] == "0"


@pytest.mark.parametrize("explorer", ["sheet"], indirect=True)
def test_network_sheet_counts_lenet_as_the_package_does(explorer):
    page, root = explorer
    cells = act(page, root, ("select", "network", "LeNet"))["grids"]["sheet"]["cells"]
    assert cells[2][5] == "239,904" and cells[-1][4:6] == ["61,706", "839,558"]


# --- the contract in the browser: junk is refused in the view -----------------------------

JUNK = ["", "1 2\n3", "a b", "<b>x</b>", "1e308 1e999", "nan", "1 " * 5000]


@pytest.mark.parametrize("explorer", ["sliding", "matrix"], indirect=True)
def test_junk_in_a_text_box_is_refused_keeping_state_and_text(explorer):
    page, root = explorer
    before = read(page, root)["grids"]
    for junk in JUNK:
        got = act(page, root, ("fill", 1, junk), ("click", "apply values"))
        assert got["error"], f"no refusal for {junk!r}"
        assert got["grids"] == before                            # the last good state
        assert got["fields"][1] == junk                          # the typed text
        assert root.query_selector("b b, .cb-error b") is None   # never rendered as HTML


@pytest.mark.parametrize("explorer", ["receptive"], indirect=True)
def test_junk_layers_are_refused_keeping_state_and_text(explorer):
    page, root = explorer
    before = read(page, root)["notes"]
    for junk in ["", "conv 3 p4000", "banana 2", "<b>conv</b> 3", "conv 31", "conv 99999999"]:
        got = act(page, root, ("fill", 'input[aria-label="layers"]', junk),
                  ("click", "use these layers"))
        assert got["error"].startswith("Cannot use these layers"), junk
        assert got["notes"] == before
        assert got["values"]["layers"] == junk


# --- phone width ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_fits_a_390px_phone_screen(browser, site_url, screenshot_dir, name):
    path, label = EXPLORERS[name].page, EXPLORERS[name].label
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


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_has_no_serious_accessibility_violation(browser, site_url, name, mode):
    """axe-core (fetched by tools/fetch_assets.py, not served with the site) on the explorer,
    in the site's light and dark modes: every control named, images with alt text, contrast
    that passes."""
    path, label = EXPLORERS[name].page, EXPLORERS[name].label
    if not (SITE / path).exists():
        pytest.skip(f"{path} is not part of the build")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `python tools/fetch_assets.py` (make book does)")
    record = open_page(browser, site_url, path)
    page = record.page
    try:
        page.locator(f'.cb-root[aria-label="{label}"]').first.wait_for(timeout=20_000)
        page.evaluate(SET_MODE, mode)
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
    pooling_clamped_by_new_values(*explorer)


@pytest.mark.parametrize("explorer", ["sheet"], indirect=True)
def test_junk_in_the_sheet_is_refused_keeping_state_and_text(explorer):
    page, root = explorer
    before = read(page, root)["grids"]
    boxes = {"layers": "textarea", "input": 'input[aria-label="input channels x height x width"]'}
    junk_layers = ["", "conv 3 p4000", "banana 2", "<b>conv</b> 3", "conv 99999999",
                   "dense 3; conv 3", "conv 3; " * 41]
    junk_inputs = ["", "a", "0x28x28", "1x5000x5000", "1e308", "<b>1</b>"]
    good = {"layers": PRESETS["LeNet"][0], "input": "1x28x28"}
    for box, junk in [("layers", j) for j in junk_layers] + [("input", j) for j in junk_inputs]:
        got = act(page, root, ("fill", boxes[box], junk), ("click", "update the sheet"))
        assert got["error"].startswith("Cannot use these layers"), (box, junk)
        assert got["grids"] == before
        assert got["fields"][0 if box == "input" else 1] == junk   # the typed text
        assert root.query_selector("b") is None                    # never rendered as HTML
        act(page, root, ("fill", boxes[box], good[box]))
    got = act(page, root, ("click", "update the sheet"))
    assert got["error"] == "" and got["grids"] == before           # and used again
