"""Fixtures of the website tests: the built site served on 127.0.0.1, and headless Chromium.

The site is `_build/html` (or the folder in the environment variable SITE_HTML). Chromium is
the Debian package (/usr/bin/chromium, or CHROMIUM), driven by Playwright; no browser is
downloaded. Every request that does not go to the local server is aborted and recorded.
"""
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

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
