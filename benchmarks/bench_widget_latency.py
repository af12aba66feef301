"""In-browser update latency of the explorers on the built static site (`make book` first):
for each explorer, 50 input events on its step/window/unit slider (the network sheet: new
layers typed and applied; the trained-network explorer: its noise slider, so each event runs
the whole forward pass in the page and repaints every layer), each timed from the event
to the redrawn DOM with style and layout done (the redraw runs in a microtask, so it is part
of the same frame). Prints the median and max per explorer (goal: under 16 ms, one frame).

Usage: python benchmarks/bench_widget_latency.py  (uses the Debian chromium, like make test-site)
"""
import functools
import http.server
import shutil
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
sys.path[:0] = [str(ROOT / "tests_site"), str(ROOT / "tests")]     # explorer_states, layer_text
EVENTS = 50


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    from playwright.sync_api import sync_playwright
    from explorer_states import EXPLORERS, measure_latency

    if not (SITE / "index.html").exists():
        sys.exit("latency: no built site in _build/html; run `make book` first")
    server = serve(SITE)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu"])
        for spec in EXPLORERS.values():
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url + spec.page, wait_until="load")
            root = page.locator(f'.cb-root[aria-label="{spec.label}"]').first
            root.wait_for(timeout=30_000)
            handle = root.element_handle()
            measure_latency(page, handle, spec.latency, 10)               # warm up
            times = measure_latency(page, handle, spec.latency, EVENTS)
            print(f"{spec.name:10s} {spec.latency:16s}: median {statistics.median(times):6.2f} ms"
                  f", max {max(times):6.2f} ms over {len(times)} events (goal < 16 ms)")
            page.close()
        browser.close()
    server.shutdown()

if __name__ == "__main__":
    main()
