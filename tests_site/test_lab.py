"""The book as a newcomer meets it in JupyterLab: `make lab` on 127.0.0.1, headless Chromium.

Each notebook must open unmodified (no dirty marker once the kernel is up) and show its saved
explorer views before any cell runs (an untrusted notebook shows only their text reprs)."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
NOTEBOOKS = sorted(p.name for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


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
            # JupyterLab renders only the cells near the viewport: scroll through the notebook
            # and collect the cells that show a widget view
            shown = page.evaluate("""async () => {
                const panel = document.querySelector('.jp-WindowedPanel-outer');
                const seen = new Set();
                for (let y = 0; y <= panel.scrollHeight; y += 400) {
                    panel.scrollTop = y;
                    await new Promise(r => setTimeout(r, 250));
                    for (const view of document.querySelectorAll(
                            '.jp-OutputArea-output > .jupyter-widgets,' +
                            '.jp-OutputArea-output > .jupyter-widgets-disconnected')) {
                        seen.add(view.closest('.jp-Cell').dataset.windowedListIndex);
                    }
                }
                return seen.size; }""")
            page.screenshot(path=str(screenshot_dir / f"lab_{Path(name).stem}.png"))
            assert shown >= stored, \
                f"{name}: {shown} of {stored} saved widget views shown before any cell ran"
    finally:
        page.close()
        lab.shut_down_kernels()
