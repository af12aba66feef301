"""The book as a newcomer meets it in JupyterLab: `make lab` on 127.0.0.1, headless Chromium.

Each notebook must open unmodified (no dirty marker once the kernel is up) and show its saved
explorer views before any cell runs (an untrusted notebook shows only their text reprs).
A learner's session (Run All, an explorer moved, a save, the notebook closed and its kernel
shut down, then reopened) must leave every saved view drawable and no tracked file changed."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
NOTEBOOKS = sorted(p.name for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


# Scroll through the notebook (JupyterLab renders only the cells near the viewport): the
# windowed indexes of the cells showing a widget view, and the texts of widget errors.
SCAN_VIEWS = """async () => {
    const panel = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
    const views = new Set(), errors = new Set();
    for (let y = 0; y <= panel.scrollHeight; y += 400) {
        panel.scrollTop = y;
        await new Promise(r => setTimeout(r, 250));
        for (const view of document.querySelectorAll(
                '.jp-OutputArea-output > .jupyter-widgets,' +
                '.jp-OutputArea-output > .jupyter-widgets-disconnected')) {
            if (view.childElementCount)
                views.add(view.closest('.jp-Cell').dataset.windowedListIndex);
        }
        for (const output of document.querySelectorAll('.jp-OutputArea-output')) {
            if (/Error displaying widget|model not found/i.test(output.innerText))
                errors.add(output.innerText.trim().slice(0, 120));
        }
    }
    return {views: views.size, errors: [...errors]}; }"""


def _stored_widget_views(name):
    import nbformat

    notebook = nbformat.read(ROOT / "book" / name, as_version=4)
    return sum("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for cell in notebook.cells for output in cell.get("outputs", []))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_opens_unmodified_with_its_saved_views(browser, lab, screenshot_dir, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(lab.url(name))
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        # the kernel starts (JupyterLab then writes its kernelspec into the notebook)
        page.wait_for_function("() => /[|] Idle/.test(document.body.innerText)",
                               timeout=90_000)
        page.wait_for_timeout(1000)
        dirty = page.evaluate(
            "() => !!document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')")
        assert not dirty, f"{name} opens as modified in JupyterLab"
        stored = _stored_widget_views(name)
        if stored:
            seen = page.evaluate(SCAN_VIEWS)
            page.screenshot(path=str(screenshot_dir / f"lab_{Path(name).stem}.png"))
            assert not seen["errors"], f"{name}: {seen['errors']}"
            assert seen["views"] >= stored, \
                f"{name}: {seen['views']} of {stored} saved widget views shown before any cell ran"
    finally:
        page.close()
        lab.shut_down_kernels()


# --- A learner's session: Run All, move an explorer, save, close, come back --------------------

SESSION = ["01_cross_correlation.ipynb", "04_receptive_fields.ipynb"]
# What such a session (no cell text edited) may change in book/: nothing. JupyterLab's saves go
# through tools/lab/save_hook.py, which keeps the tested outputs and widget state of every cell
# the learner did not edit, and book/jupytext.toml keeps Jupytext's version out of the .md.

# The last code cell's prompt, once the notebook is scrolled to its end: "[12]:" when run.
LAST_PROMPT = """() => {
    const panel = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
    panel.scrollTop = panel.scrollHeight;
    const prompts = document.querySelectorAll('.jp-CodeCell .jp-InputPrompt');
    return prompts.length ? prompts[prompts.length - 1].innerText.trim() : ''; }"""

# Move the first slider of the first explorer view in the DOM to its far end (as a drag does:
# input and change events); its new value, or null when no explorer view has a slider.
MOVE_SLIDER = """async () => {
    const panel = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
    const find = () => document.querySelector('.jp-OutputArea .cb-root input[type=range]');
    for (let y = 0; !find() && y <= panel.scrollHeight; y += 300) {
        panel.scrollTop = y;
        await new Promise(r => setTimeout(r, 150));
    }
    const slider = find();
    if (!slider) return null;
    slider.scrollIntoView({block: 'center'});
    slider.value = slider.max;
    slider.dispatchEvent(new Event('input', {bubbles: true}));
    slider.dispatchEvent(new Event('change', {bubbles: true}));
    return slider.value; }"""


def _git(*args):
    import subprocess

    return subprocess.run(["git", *args], cwd=ROOT, text=True, capture_output=True,
                          check=True).stdout


def _open(browser, lab, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(lab.url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.wait_for_function("() => /[|] Idle/.test(document.body.innerText)", timeout=90_000)
    return page


def _dirty(page):
    return page.evaluate(
        "() => !!document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')")


def test_a_session_keeps_every_saved_view_and_changes_no_file(browser, lab, screenshot_dir):
    """Run All, move an explorer, save (what autosave does), close, shut the kernel down (the
    learner comes back tomorrow), reopen: every explorer view renders, and no tracked file of
    book/ differs (git status)."""
    tracked = [ROOT / p for p in _git("ls-files", "book").splitlines()]
    before = {path: (path.read_bytes(), path.stat()) for path in tracked}
    status_before = _git("status", "--porcelain", "book")
    try:
        for name in SESSION:
            page = _open(browser, lab, name)
            try:
                page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").click()
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                page.wait_for_function(f"() => /^\\[\\d+\\]/.test(({LAST_PROMPT})())",
                                       timeout=600_000, polling=1000)
                page.wait_for_function("() => /[|] Idle/.test(document.body.innerText)",
                                       timeout=120_000)
                assert page.evaluate(MOVE_SLIDER) is not None, f"{name}: no explorer slider"
                page.wait_for_timeout(1000)
                assert _dirty(page), f"{name} is not modified after Run All"
                page.keyboard.press("Control+s")
                page.wait_for_function(
                    "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
                    timeout=60_000)
                page.locator(".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabCloseIcon").click()
                page.wait_for_timeout(500)
            finally:
                page.close()
            lab.shut_down_kernels()
            ipynb = ROOT / "book" / name
            assert ipynb.stat().st_mtime_ns != before[ipynb][1].st_mtime_ns, \
                f"{name} was not saved"

        for name in SESSION:
            stored = _stored_widget_views(name)
            page = _open(browser, lab, name)
            try:
                page.wait_for_timeout(1000)
                assert not _dirty(page), f"{name} reopens as modified"
                seen = page.evaluate(SCAN_VIEWS)
                page.screenshot(path=str(screenshot_dir / f"lab_session_{Path(name).stem}.png"))
            finally:
                page.close()
                lab.shut_down_kernels()
            assert not seen["errors"], f"{name} after the session: {seen['errors']}"
            assert stored and seen["views"] >= stored, \
                f"{name}: {seen['views']} of {stored} saved widget views shown after reopening"

        assert _git("status", "--porcelain", "book") == status_before, \
            "the session changed tracked files:\n" + _git("diff", "--stat", "--", "book")
        changed = [p.name for p, (content, _) in before.items() if p.read_bytes() != content]
        assert not changed, f"the session changed {changed}"
    finally:
        # put back what the session wrote, with the times too: Jupytext refuses to open a
        # notebook whose .ipynb is newer than its .md
        for path, (content, stat) in before.items():
            if path.read_bytes() != content or path.stat().st_mtime_ns != stat.st_mtime_ns:
                if path.read_bytes() != content:    # kept beside the screenshots, to look at
                    (screenshot_dir / f"lab_session_{path.name}").write_bytes(path.read_bytes())
                path.write_bytes(content)
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        lab.shut_down_kernels()


def test_the_file_browser_lists_each_section_once_and_no_news_is_asked(lab):
    """`make lab` hides each notebook's .md pair (the server's listing that the file browser
    shows), JupyterLab neither asks about nor fetches the Jupyter news feed, and it follows
    the system's light or dark preference."""
    import json
    import urllib.request

    names = {item["name"] for item in lab.api("contents")["content"]}
    assert set(NOTEBOOKS) <= names
    assert not {n for n in names if n.endswith(".md") and n[:-3] + ".ipynb" in names}
    request = urllib.request.Request(
        f"{lab.base}/lab/api/settings/@jupyterlab/apputils-extension:notification",
        headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        schema = json.loads(answer.read())["schema"]["properties"]
    assert schema["fetchNews"]["default"] == "false"
    assert schema["checkForUpdates"]["default"] is False
    request = urllib.request.Request(
        f"{lab.base}/lab/api/settings/@jupyterlab/apputils-extension:themes",
        headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        schema = json.loads(answer.read())["schema"]["properties"]
    assert schema["adaptive-theme"]["default"] is True      # light or dark as the system is
