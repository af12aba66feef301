"""The book as a newcomer meets it in JupyterLab: `make lab` on 127.0.0.1, headless Chromium.

Each notebook must open unmodified (no dirty marker once the kernel is up) and show its saved
explorer views before any cell runs (an untrusted notebook shows only their text reprs)."""
import os
import secrets
import signal
import socket
import subprocess
import time
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


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    """JupyterLab on book/, started by `make lab` itself (it trusts the notebooks first)."""
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ)
    # a fresh workspace, so no layout saved by an earlier run restores other tabs
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path_factory.mktemp("workspaces"))
    log = open(tmp_path_factory.mktemp("lab") / "lab.log", "w")
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    lab = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline or lab.poll() is not None:
                    pytest.fail(f"`make lab` did not start JupyterLab; see {log.name}")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/{{name}}?token={token}&reset"
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(30)
        log.close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_opens_unmodified_with_its_saved_views(browser, lab_url, screenshot_dir, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(lab_url.format(name=name))
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
