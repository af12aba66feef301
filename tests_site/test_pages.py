"""Every page of the built website at a 1280 x 900 window: code fits the text column, figures
say what they show, and axe-core finds no serious accessibility problem.

Run with `make test-site`. axe-core is fetched by tools/fetch_assets.py into .cache/test-vendor
(it is a test tool, not served with the site).
"""
import re

import pytest

from conftest import site_pages
from pageprobe import close_page, open_page
from test_explorers import AXE

PAGES = site_pages()
NOTEBOOK_PAGES = [p for p in PAGES if re.search(r"/\d\d_", "/" + p)]

# Wider than its box by more than a pixel: the reader would have to scroll sideways.
OVERFLOWING = """(selector) => Array.from(document.querySelectorAll(selector))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => {
        const lines = pre.innerText.split('\\n');
        const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
        return `${pre.scrollWidth} > ${pre.clientWidth} px: ${longest.slice(0, 60)}`;
    })"""

# axe findings on the theme's own elements, not our content, ignored rule by rule and element
# by element (pydata-sphinx-theme 0.16 / sphinx-book-theme 1.3.0):
THEME_FINDINGS = {
    # The search buttons show "Search" and a Ctrl+K hint, and the colour-mode button an icon;
    # their aria-labels ("Search", "Color mode") do not repeat the visible key hint.
    "label-content-name-mismatch": [".search-button__button", ".theme-switch-button"],
}


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_no_code_or_output_block_scrolls_sideways_at_1280(browser, site_url, path):
    record = open_page(browser, site_url, path, width=1280, height=900)
    try:
        code = record.page.evaluate(OVERFLOWING, "article .cell_input pre")
        outputs = record.page.evaluate(OVERFLOWING, "article .cell_output pre")
        assert not code, f"{path}: {len(code)} code block(s) wider than the column: {code[:5]}"
        assert not outputs, f"{path}: {len(outputs)} output block(s) scroll: {outputs[:5]}"
    finally:
        close_page(record)


# Output figures and animations; an explorer's own pictures (.cb-root) are named by the
# explorer and checked by axe in test_explorers.py.
FIGURES = """() => Array.from(document.querySelectorAll('article .cell_output img'))
    .filter(img => !img.closest('.cb-root'))
    .map(img => ({src: (img.getAttribute('src') || '').slice(-50), alt: img.getAttribute('alt')}))"""


def _says_what_it_shows(alt):
    """Several words, and not a file name (Sphinx puts the image path there when alt is unset)."""
    return bool(alt) and len(alt.split()) >= 5 and not re.search(r"\.(png|jpe?g|gif)\b|/", alt)


@pytest.mark.parametrize("alt, ok", [
    ("../_images/3f2a9c0d.png", False), ("", False), (None, False), ("figure", False),
    ("Three matrices: the input, the kernel and the output", True),
])
def test_alt_text_rule(alt, ok):
    assert _says_what_it_shows(alt) is ok


@pytest.mark.parametrize("path", NOTEBOOK_PAGES)
def test_every_figure_says_what_it_shows(browser, site_url, path):
    """myst-nb takes an output image's alt text from the cell metadata mystnb.image.alt."""
    record = open_page(browser, site_url, path)
    try:
        figures = record.page.evaluate(FIGURES)
        bad = [f"{f['src']}: alt={f['alt']!r}" for f in figures if not _says_what_it_shows(f["alt"])]
        assert figures, f"{path} has no figures"
        assert not bad, f"{path}: {len(bad)} of {len(figures)} figures lack alt text: {bad[:5]}"
    finally:
        close_page(record)


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violation(browser, site_url, path):
    """axe-core on the whole page (theme and content); critical and serious findings fail."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `python tools/fetch_assets.py` (make book does)")
    record = open_page(browser, site_url, path, width=1280, height=900)
    page = record.page
    try:
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        found = page.evaluate("""async (theme) => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            const ours = (v, n) => !(theme[v.id] || []).some(
                selector => document.querySelector(n.target[0])?.matches(selector));
            return r.violations.filter(v => ['critical', 'serious'].includes(v.impact))
                .map(v => ({...v, nodes: v.nodes.filter(n => ours(v, n))}))
                .filter(v => v.nodes.length).map(
                v => `${v.impact} ${v.id}: ${v.nodes.length} node(s), e.g. ` +
                     v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' +
                                             n.html.slice(0, 100)).join(' | '));
        }""", THEME_FINDINGS)
        assert not found, f"{path}: " + "\n".join(found)
    finally:
        close_page(record)
