"""The built website in a real browser, offline: math typeset, images decoded, animations play.

Run with `make test-site` (builds the site first). One screenshot per page is saved under
_build/screenshots/ for a person to look at.
"""
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SITE, site_pages
from pageprobe import (ANIMATIONS, ARTICLE_PROSE, MATH_COUNTS, UNDECODED_IMAGES, WIDGET_COUNTS,
                       close_page, open_page)

PAGES = site_pages()

# TeX that MathJax would have replaced: delimiters and common commands.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\(frac|sum|prod|mathbf|mathrm|begin|end|left|"
                     r"right|times|cdot|ldots|lfloor|rfloor|operatorname)\b|\$[^$\s][^$\n]{0,80}\$")
ANIMATION_BUTTONS = {"Decrease speed", "First frame", "Previous frame", "Play backwards",
                     "Pause", "Play", "Next frame", "Last frame", "Increase speed"}


def toc_documents():
    """Every document named in _toc.yml (root first), without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return docs


def test_every_toc_entry_has_a_page():
    missing = [doc for doc in toc_documents() if not (SITE / f"{doc}.html").exists()]
    assert not missing, f"_toc.yml entries without a built page: {missing}"
    assert PAGES, "the site has no pages"


def _link_after(html, css_class):
    match = re.search(rf'<a class="{css_class}"\s+href="([^"]+)"', html)
    return match and match.group(1)


def test_pages_link_previous_and_next_in_toc_order():
    docs = toc_documents()
    for i, doc in enumerate(docs):
        html = (SITE / f"{doc}.html").read_text(encoding="utf-8")
        expected_prev = Path(docs[i - 1]).name + ".html" if i > 0 else None
        expected_next = Path(docs[i + 1]).name + ".html" if i + 1 < len(docs) else None
        assert _link_after(html, "left-prev") == expected_prev, f"{doc}: wrong previous link"
        assert _link_after(html, "right-next") == expected_next, f"{doc}: wrong next link"


def test_sidebar_lists_every_section():
    docs = toc_documents()
    html = (SITE / f"{docs[-1]}.html").read_text(encoding="utf-8")
    nav = html[html.index("bd-docs-nav"):]
    nav = nav[:nav.index("</nav>")]
    for doc in docs[:-1]:   # the page itself is listed as "#"
        assert f'href="{Path(doc).name}.html"' in nav, f"the sidebar of {docs[-1]} lacks {doc}"


def test_landing_page_maps_the_sections_in_the_toc():
    """The section map links every section in the toc; only the others are "in preparation"."""
    docs = toc_documents()
    html = (SITE / f"{docs[0]}.html").read_text(encoding="utf-8")
    table = html[html.index("section-map"):]
    table = table[:table.index("</table>")]
    sections = [doc for doc in docs if re.match(r"\d\d_", Path(doc).name)]
    for doc in sections:
        assert f'href="{Path(doc).name}.html"' in table, f"the section map does not link {doc}"
    assert table.count("in preparation") == 10 - len(sections)


class _Resources(HTMLParser):
    """The URLs a page loads by itself: script, stylesheet/icon links, images, frames, media."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
            self.urls.append(attrs.get("src"))
        elif tag == "link" and attrs.get("rel") not in ("canonical", "next", "prev"):
            self.urls.append(attrs.get("href"))
        elif tag == "object":
            self.urls.append(attrs.get("data"))


def _off_site(url):
    return bool(url) and re.match(r"^(https?:)?//", url.strip()) is not None


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_nothing_from_off_site(path):
    parser = _Resources()
    parser.feed((SITE / path).read_text(encoding="utf-8"))
    off_site = [url for url in parser.urls if _off_site(url)]
    assert not off_site, f"{path} loads from off-site: {off_site}"


def test_stylesheets_import_nothing_from_off_site():
    bad = [f"{css.relative_to(SITE)}: {m.group(0)}" for css in SITE.glob("_static/**/*.css")
           for m in re.finditer(r"(@import|url\()\s*['\"]?(https?:)?//[^)'\"]+",
                                css.read_text(encoding="utf-8", errors="replace"))]
    assert not bad, f"stylesheets load from off-site: {bad[:5]}"


def test_launch_buttons_only_with_a_repository_url():
    """Built without REPO_URL, no page offers Binder or Colab (they would link off-site)."""
    if os.environ.get("REPO_URL"):
        pytest.skip("the site was built with REPO_URL set")
    text = "\n".join((SITE / path).read_text(encoding="utf-8") for path in PAGES)
    assert "mybinder.org" not in text and "colab.research.google.com" not in text


def test_launch_buttons_appear_with_a_repository_url(tmp_path):
    """A build with REPO_URL set links each notebook to Binder (JupyterLab) and Colab."""
    notebook = next((p for p in toc_documents() if re.search(r"/\d\d_", "/" + p)), None)
    if notebook is None:
        pytest.skip("no section notebook in _toc.yml yet")
    env = dict(os.environ, REPO_URL="https://github.com/example/convbook", REPO_BRANCH="main")
    build = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
                            "-W", "-n", "--path-output", str(tmp_path)],
                           env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    page = (tmp_path / "_build" / "html" / f"{notebook}.html").read_text(encoding="utf-8")
    assert (f"https://mybinder.org/v2/gh/example/convbook/main?urlpath=lab/tree/{notebook}.ipynb"
            in page)
    assert f"https://colab.research.google.com/github/example/convbook/blob/main/{notebook}.ipynb" \
        in page


def test_footer_names_the_version_and_the_build_date():
    import convbook
    text = (SITE / PAGES[0]).read_text(encoding="utf-8")
    match = re.search(r"convbook ([^\s<&]+) &middot; built (\d{4}-\d{2}-\d{2})", text)
    assert match, f"{PAGES[0]}: no version and build date in the footer"
    assert match.group(1) == convbook.__version__


@pytest.mark.parametrize("path", [p for p in PAGES if re.search(r"/\d\d_", "/" + p)])
def test_notebook_pages_offer_the_ipynb_download(path):
    text = (SITE / path).read_text(encoding="utf-8")
    source = Path(path).with_suffix(".ipynb").name
    assert re.search(rf'href="[^"]*_sources/[^"]*{re.escape(source)}"', text), \
        f"{path}: no download link for {source}"
    assert (SITE / "_sources" / Path(path).with_suffix(".ipynb")).exists()


@pytest.mark.parametrize("path", PAGES)
def test_page_in_the_browser(browser, site_url, screenshot_dir, path):
    record = open_page(browser, site_url, path)
    page = record.page
    try:
        assert not record.timeouts, f"{path}: {record.timeouts}; failed local requests: " \
            f"{record.failed_requests}; console errors: {record.console_errors}"
        prose = page.evaluate(ARTICLE_PROSE)
        raw = sorted({m.group(0) for m in RAW_TEX.finditer(prose)})
        assert not raw, f"{path}: raw TeX in the visible text: {raw[:10]}"
        counts = page.evaluate(MATH_COUNTS)
        assert counts["typeset"] >= counts["math"], f"{path}: math not typeset: {counts}"

        undecoded = page.evaluate(UNDECODED_IMAGES)
        assert not undecoded, f"{path}: images not decoded: {undecoded}"

        widgets = page.evaluate(WIDGET_COUNTS)
        assert widgets["rendered"] >= widgets["views"], f"{path}: widgets not rendered {widgets}"

        for animation in page.evaluate(ANIMATIONS):
            _check_animation(page, path, animation)

        # back to the top with nothing focused: sticky bars and the skip link would otherwise
        # be drawn in the middle of the full-page picture
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                      "window.scrollTo(0, 0); }")
        page.screenshot(path=str(screenshot_dir / (path.replace("/", "__")[:-5] + ".png")),
                        full_page=True)
        assert not record.blocked_requests, \
            f"{path} requested off-site resources: {record.blocked_requests[:5]}"
        assert not record.failed_requests, f"{path}: failed local requests: {record.failed_requests}"
        assert not record.console_errors, f"{path}: console errors: {record.console_errors}"
    finally:
        close_page(record)


def _check_animation(page, path, animation):
    """The player has its controls (with visible symbols), and Play and Next change the frame."""
    uid = animation["id"]
    titles = {b["title"] for b in animation["buttons"]}
    assert ANIMATION_BUTTONS <= titles, f"{path}: animation {uid} lacks {ANIMATION_BUTTONS - titles}"
    assert all(b["text"] for b in animation["buttons"]), \
        f"{path}: animation {uid} has buttons without a visible symbol"
    assert animation["slider"], f"{path}: animation {uid} has no frame slider"
    box = page.locator(f'.animation:has(#_anim_img{uid})')
    image = page.locator(f"#_anim_img{uid}")
    image.scroll_into_view_if_needed()
    frames = page.evaluate(f"() => anim{uid}.frames.length")
    if frames < 2:
        return
    box.locator('button[title="Pause"]').click()
    box.locator('button[title="First frame"]').click()
    first = image.get_attribute("src")
    box.locator('button[title="Next frame"]').click()
    assert image.get_attribute("src") != first, f"{path}: Next frame did not change animation {uid}"
    box.locator('button[title="First frame"]').click()
    box.locator('button[title="Play"]').click()
    page.wait_for_function(f"() => anim{uid}.current_frame > 0", timeout=10_000)
    assert image.get_attribute("src") != first, f"{path}: Play did not change animation {uid}"
    box.locator('button[title="Pause"]').click()


@pytest.mark.parametrize("text, raw", [
    (r"where \(x\) is", True), ("$$a$$", True), (r"\frac{1}{2}", True), ("the $n_h$ rows", True),
    (r"\begin{bmatrix}", True), ("a 3 x 3 input costs 5 dollars", False), ("x = 2 (say)", False),
])
def test_raw_tex_pattern(text, raw):
    assert bool(RAW_TEX.search(text)) is raw
