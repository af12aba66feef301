"""Fixtures of the website tests: the built site served on 127.0.0.1, headless Chromium, and
JupyterLab started by `make lab` (one for the whole session).

The site is `_build/html` (or the folder in the environment variable SITE_HTML). Chromium is
the Debian package (/usr/bin/chromium, or CHROMIUM), driven by Playwright; no browser is
downloaded. Every request that does not go to the local server is aborted and recorded.
"""
import functools
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

# the shared drivers assert too: show their failures with values, as in a test module
pytest.register_assert_rewrite("explorer_states")

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = Path(os.environ.get("SITE_SCREENSHOTS", SITE.parent / "screenshots"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def site_pages():
    """Every content page of the built site (not the search, index and redirect pages)."""
    if not (SITE / "index.html").exists():
        return []
    skip = {"genindex.html", "search.html", "index.html"}
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                  if p.name not in skip and not p.relative_to(SITE).parts[0].startswith("_"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):   # keep the pytest output readable
        pass


@pytest.fixture(scope="session")
def site_url():
    """The base URL of the site served from SITE by a local, thread-bound HTTP server."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site in {SITE}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: `apt-get install -y chromium` (make test-site does it "
                    "when run as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its base URL, token and the folder it serves (book/)."""
    base: str
    token: str
    root: Path

    def url(self, path):
        """The URL that opens ``path`` (relative to ``root``) in a fresh workspace."""
        return f"{self.base}/lab/tree/{path}?token={self.token}&reset"

    def api(self, path, method="GET"):
        """Call the Jupyter server's REST API; the JSON answer (None if empty)."""
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self):
        """End every session (and its kernel): an opened notebook's kernel outlives its tab."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on book/, started by `make lab` itself (it trusts the notebooks first)."""
    token, port = secrets.token_hex(16), _free_port()
    env = dict(os.environ)
    # a fresh workspace, so no layout saved by an earlier run restores other tabs
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path_factory.mktemp("workspaces"))
    log = open(tmp_path_factory.mktemp("lab") / "lab.log", "w")
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    process = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"`make lab` did not start JupyterLab; see {log.name}")
                time.sleep(0.5)
        yield Lab(f"http://127.0.0.1:{port}", token, ROOT / "book")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()
