"""The explorers are readable in the site's light and dark modes and in JupyterLab's dark
theme (issue 23, B1): every text at least 4.5:1 against the background it is drawn on, every
plain grid line at least 3:1 against its cell. The measured minima are written to
_build/explorer-contrast.json. (axe-core runs in both modes in test_explorers.py.)
"""
import json

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import SITE
from explorer_states import EXPLORERS
from pageprobe import close_page, open_page
from test_lab_explorers import explorer_root, lab_explorers  # noqa: F401 (a fixture)

CONTRAST_FILE = SITE.parent / "explorer-contrast.json"
TEXT, LINE = 4.5, 3.0             # WCAG AA for text; WCAG 1.4.11 for graphics

# The page in the site's dark or light mode, as its colour-mode button sets it.
SET_MODE = """(mode) => {
    document.documentElement.dataset.theme = mode;
    document.documentElement.dataset.mode = mode;
}"""

# Contrast of every visible text (and text box) of an explorer against its composited
# background, and of every plain cell's border against the cell: {texts, lines} as
# [ratio, what] sorted from the worst.
CONTRAST = """(root) => {
    const parse = (c) => {
        const m = c.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const v = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
        return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1};
    };
    const lum = ({r, g, b}) => {
        const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
        const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return Math.round((x + 0.05) / (y + 0.05) * 100) / 100;
    };
    const background = (el) => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const c = parse(getComputedStyle(e).backgroundColor);
            if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
        }
        let out = {r: 255, g: 255, b: 255};
        for (const c of layers.reverse()) {
            out = {r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a),
                   b: c.b * c.a + out.b * (1 - c.a)};
        }
        return out;
    };
    const name = (el) => `${el.tagName.toLowerCase()}.${el.className || ''} '${
        (el.value || el.textContent).trim().slice(0, 30)}'`;
    const texts = [], lines = [];
    for (const el of root.querySelectorAll('*')) {
        if (!el.getClientRects().length || el.closest('[hidden]')) continue;
        const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        const box = el.matches('textarea, select, input[type=text], button');
        if (own || box) {
            const color = parse(getComputedStyle(el).color);
            texts.push([ratio(color, background(el)), name(el)]);
        }
        if (el.tagName === 'TD' && !/cb-(window|out|win)/.test(el.className)) {
            const line = parse(getComputedStyle(el).borderTopColor);
            lines.push([ratio(line, background(el)), name(el)]);
        }
    }
    const worst = (list) => list.sort((a, b) => a[0] - b[0]);
    return {texts: worst(texts), lines: worst(lines)};
}"""


def _record(key, measured):
    data = json.loads(CONTRAST_FILE.read_text()) if CONTRAST_FILE.exists() else {}
    data[key] = {"text": measured["texts"][0] if measured["texts"] else None,
                 "line": measured["lines"][0] if measured["lines"] else None}
    CONTRAST_FILE.write_text(json.dumps(data, indent=1, sort_keys=True))


def check_contrast(root, key):
    measured = root.evaluate(CONTRAST)
    _record(key, measured)
    low_text = [t for t in measured["texts"] if t[0] < TEXT]
    low_line = [t for t in measured["lines"] if t[0] < LINE]
    assert measured["texts"], f"{key}: no text measured"
    assert not low_text, f"{key}: text below {TEXT}:1: {low_text[:5]}"
    assert not low_line, f"{key}: grid lines below {LINE}:1: {low_line[:5]}"


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_contrast_on_the_site(browser, site_url, screenshot_dir, name, mode):
    """On main, dark mode drew the captions rgb(156,164,175) on rgb(206,214,221): 1.71:1."""
    spec = EXPLORERS[name]
    if not (SITE / spec.page).exists():
        pytest.skip(f"{spec.page} is not part of the build")
    record = open_page(browser, site_url, spec.page)
    try:
        page = record.page
        page.evaluate(SET_MODE, mode)
        root = page.locator(f'.cb-root[aria-label="{spec.label}"]').first
        root.wait_for(timeout=20_000)
        page.wait_for_timeout(200)
        check_contrast(root.element_handle(), f"site {mode} {name}")
        root.scroll_into_view_if_needed()
        root.screenshot(path=str(screenshot_dir / f"explorer-{name}-{mode}.png"))
    finally:
        close_page(record)


# --- JupyterLab's dark theme ------------------------------------------------------------------

def lab_theme(page, theme):
    """Put JupyterLab in ``theme`` as a reader does: the book's JupyterLab follows the system's
    light or dark preference (adaptive theme, tools/lab/overrides.json5), so the system's
    preference changes first; where a learner turned that off, the Settings menu picks it."""
    light = "false" if "Dark" in theme else "true"
    page.emulate_media(color_scheme="dark" if light == "false" else "light")
    matches = f"() => document.body.dataset.jpThemeLight === '{light}'"
    try:
        page.wait_for_function(matches, timeout=5_000)
    except PlaywrightTimeout:
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Settings").click()
        page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
        page.locator(".lm-Menu-itemLabel", has_text=theme).first.click()
        page.wait_for_function(matches, timeout=30_000)
    page.wait_for_timeout(500)


def test_explorer_contrast_in_jupyterlab_light_and_dark(lab_explorers, screenshot_dir):
    page, kernel, errors = lab_explorers
    failures = []
    try:
        for theme, mode in [("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")]:
            lab_theme(page, theme)
            for name in EXPLORERS:
                root = explorer_root(page, name)
                try:
                    check_contrast(root, f"lab {mode} {name}")
                except AssertionError as error:
                    failures.append(str(error))
                root.screenshot(path=str(screenshot_dir / f"lab-explorer-{name}-{mode}.png"))
    finally:
        lab_theme(page, "JupyterLab Light")      # the user setting outlives this test
    assert not failures, failures
    assert not errors, errors
