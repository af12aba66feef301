"""The explorers in a running JupyterLab with a live kernel (`make lab`, headless Chromium).

A small notebook, written into a temporary folder under book/ and removed afterwards, creates
every explorer of the registry (explorer_states.EXPLORERS); JupyterLab runs it. Each explorer
is then driven through the same random valid states as on the static site, by the same
drivers: every number the view shows must agree with the package. Because the kernel is
live, after each state the Python side must agree too: its traitlets (``w.view.*``, what the
browser sent) and the explorer object's own answers (``w.output``, ``w.arithmetic``, ...),
asked through a second client of the same kernel; and the kernel's replies must not change
the view. The update latency (input event to redrawn DOM) of 50 events per explorer is
written to _build/lab-explorer-latency.json.
"""
import ast
import shutil
import tempfile
import time

import nbformat
import pytest

from conftest import ROOT, SITE
from explorer_states import (EXPLORERS, drive_states, measure_latency, plain,
                             pooling_clamped_by_new_values, read, record_latency)

LATENCY = SITE.parent / "lab-explorer-latency.json"
RUNTIME = ROOT / ".cache" / "jupyter-runtime"     # where `make lab` keeps connection files
AGREE_SECONDS = 20                                # the kernel may lag the view this long

# Defined in the kernel by the test (not part of the notebook a reader would see): the values
# of Python expressions about one explorer ``w``, as JSON.
PROBE = '''
def _convbook_probe(name, expressions):
    import json
    w = explorers[name]
    def value(expression):
        try:
            return eval(expression, {"w": w})
        except Exception as error:
            return f"raised {type(error).__name__}: {error}"
    return json.dumps({e: value(e) for e in expressions},
                      default=lambda v: v.tolist() if hasattr(v, "tolist") else repr(v))
'''

# Scroll the notebook (JupyterLab renders only the cells near the viewport) until the
# explorer's view is in the DOM, then bring it to the top of the viewport.
SCROLL_TO = """async (label) => {
    const panel = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
    const find = () => document.querySelector(`.jp-OutputArea .cb-root[aria-label="${label}"]`);
    for (let y = 0; !find() && y <= panel.scrollHeight; y += 300) {
        panel.scrollTop = y;
        await new Promise(r => setTimeout(r, 150));
    }
    const root = find();
    if (root) root.scrollIntoView({block: 'start'});
    return !!root;
}"""


def explorers_notebook():
    """One cell that imports the package, then one cell per explorer showing its view."""
    cells = [nbformat.v4.new_code_cell("import convbook.widgets\n\nexplorers = {}")]
    cells += [nbformat.v4.new_code_cell(f'explorers["{name}"] = {spec.create}\n'
                                        f'explorers["{name}"].view')
              for name, spec in EXPLORERS.items()]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    return notebook


class Kernel:
    """A second client of the notebook's kernel: evaluates expressions next to the view."""

    def __init__(self, connection_file):
        from jupyter_client import BlockingKernelClient

        self.client = BlockingKernelClient()
        self.client.load_connection_file(str(connection_file))
        self.client.start_channels(shell=True, iopub=False, stdin=False, hb=False,
                                   control=False)

    def _reply(self, msg_id, timeout):
        deadline = time.monotonic() + timeout
        while True:
            reply = self.client.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]

    def run(self, code, timeout=60):
        content = self._reply(self.client.execute(code, silent=True, store_history=False,
                                                  allow_stdin=False), timeout)
        assert content["status"] == "ok", f"{content.get('ename')}: {content.get('evalue')}"

    def evaluate(self, expression, timeout=60):
        """The Python value of ``expression`` (whose repr must be a literal)."""
        content = self._reply(self.client.execute(
            "", silent=True, store_history=False, allow_stdin=False,
            user_expressions={"value": expression}), timeout)
        result = content["user_expressions"]["value"]
        if result["status"] != "ok":
            raise RuntimeError(f"{expression}: {result['ename']}: {result['evalue']}")
        return ast.literal_eval(result["data"]["text/plain"])

    def state(self, name, expressions):
        import json
        return json.loads(self.evaluate(f"_convbook_probe({name!r}, {list(expressions)!r})"))

    def agrees(self, name, expected, timeout=AGREE_SECONDS):
        """Wait until every expression about explorer ``name`` has its expected value (the
        browser's messages reach the kernel a little later than the view redraws)."""
        want = plain(expected)
        deadline = time.monotonic() + timeout
        while True:
            got = self.state(name, want)
            if got == want:
                return
            if time.monotonic() > deadline:
                wrong = {e: {"kernel": got[e], "view/package": want[e]}
                         for e in want if got[e] != want[e]}
                raise AssertionError(f"{name}: the kernel disagrees with the view after "
                                     f"{timeout} s: {wrong}")
            time.sleep(0.05)

    def close(self):
        self.client.stop_channels()


def _wait(condition, timeout, problem):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(problem)
        time.sleep(0.25)


@pytest.fixture(scope="module")
def lab_explorers(browser, lab, screenshot_dir):
    """The explorers' notebook opened in JupyterLab and run: (page, Kernel, uncaught errors)."""
    folder = tempfile.mkdtemp(prefix="_lab-explorers-", dir=lab.root)
    path = f"{folder.rsplit('/', 1)[1]}/explorers.ipynb"
    nbformat.write(explorers_notebook(), lab.root / path)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors, kernel = [], None
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(lab.url(path))
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        page.wait_for_function("() => /[|] Idle/.test(document.body.innerText)",
                               timeout=90_000)
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Run").click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        sessions = _wait(lambda: [s for s in lab.api("sessions") if s["path"] == path],
                         60, f"no kernel session for {path}")
        connection = RUNTIME / f"kernel-{sessions[0]['kernel']['id']}.json"
        _wait(connection.exists, 60, f"no connection file {connection}")
        kernel = Kernel(connection)
        _wait(lambda: kernel.evaluate("len(globals().get('explorers', {}))") == len(EXPLORERS)
              and kernel.evaluate("sorted(explorers)") == sorted(EXPLORERS),
              180, "the notebook did not create every explorer")
        kernel.run(PROBE)
        yield page, kernel, errors
        page.screenshot(path=str(screenshot_dir / "lab-explorers.png"))
    finally:
        if kernel is not None:
            kernel.close()
        page.close()
        lab.shut_down_kernels()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_in_jupyterlab_agrees_with_the_package_and_its_kernel(
        lab_explorers, screenshot_dir, name):
    page, kernel, errors = lab_explorers
    spec = EXPLORERS[name]
    root = explorer_root(page, name)

    def kernel_agrees(expected):
        shown = read(page, root)
        kernel.agrees(name, expected)
        assert read(page, root) == shown, f"{name}: the kernel's reply changed the view"

    drive_states(page, root, spec, kernel_agrees)
    record_latency(LATENCY, name, measure_latency(page, root, spec.latency))
    root.screenshot(path=str(screenshot_dir / f"lab-explorer-{name}.png"))
    assert not errors, errors


def explorer_root(page, name):
    """The view of explorer ``name`` in the notebook, scrolled into the viewport."""
    label = EXPLORERS[name].label
    assert page.evaluate(SCROLL_TO, label), f"{name}: no view in the notebook"
    return page.locator(f'.jp-OutputArea .cb-root[aria-label="{label}"]').element_handle()


def test_pooling_keeps_a_smaller_input_in_jupyterlab(lab_explorers):
    """Regression: applying an input smaller than the window sent X and the clamped window in
    two messages; the kernel refused X against the old window and undid it, so JupyterLab
    showed the old input (the static site, with no kernel, was right)."""
    page, kernel, errors = lab_explorers

    def settled(settings):              # no message of the view is still on its way
        kernel.agrees("pooling", settings)
        page.wait_for_timeout(1000)

    kernel.agrees("pooling", pooling_clamped_by_new_values(page, explorer_root(page, "pooling"),
                                                           settled))
    assert not errors, errors
