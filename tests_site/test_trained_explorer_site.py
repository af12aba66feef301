"""Section 08's page and its trained-network explorer (issue 25): the widget state the page
stores (two LeNets' weights, the sample images) stays under 1 MB, and a static figure with
alt text stands in for the explorer where widgets do not run. The explorer's agreement with
PyTorch, phone width, axe, dark mode and latency are the shared tests of test_explorers.py
and test_dark_mode.py (the registry entry "trained" in explorer_states.py).
"""
import html
import json
import re

import pytest

from conftest import SITE
from explorer_states import EXPLORERS

PAGE = SITE / EXPLORERS["trained"].page
STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>',
                   re.S)
MAX_STATE = 1_000_000


@pytest.fixture(scope="module")
def page_html():
    if not PAGE.exists():
        pytest.skip(f"{PAGE} is not part of the build")
    return PAGE.read_text(encoding="utf-8")


def test_the_pages_stored_widget_state_is_under_1_mb(page_html):
    (state,) = STATE.findall(page_html)
    size = len(state.encode("utf-8"))
    models = json.loads(state)["state"].values()
    assert any("networks" in m.get("state", {}) for m in models), "no trained-network explorer"
    assert size < MAX_STATE, f"{PAGE.name} stores {size:,} bytes of widget state"


def test_a_static_figure_with_alt_text_stands_in_for_the_explorer(page_html):
    alts = [html.unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]*)"', page_html)]
    fallback = [a for a in alts if "trained-network explorer" in a]
    assert fallback, "no figure whose alt text names the trained-network explorer"
    assert all(len(a.split()) >= 10 for a in fallback), fallback
