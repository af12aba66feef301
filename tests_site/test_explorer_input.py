"""What the explorers do with a reader's input on the static site (issue 23): typed values
survive other controls (B3), 02's example menu, 05's window count and 04's default channels.
"""
import pytest

from conftest import SITE
from explorer_states import EXPLORERS, act, notes_of, read
from explorer_states import shown as shown_matrix
from pageprobe import close_page, open_page

from convbook.widgets.sliding import CUSTOM, PRESETS


@pytest.fixture
def opened(request, browser, site_url):
    """The page of explorer ``request.param``: (page, root handle)."""
    spec = EXPLORERS[request.param]
    if not (SITE / spec.page).exists():
        pytest.skip(f"{spec.page} is not part of the build")
    record = open_page(browser, site_url, spec.page)
    root = record.page.locator(f'.cb-root[aria-label="{spec.label}"]').first
    root.wait_for(timeout=20_000)
    yield record.page, root.element_handle()
    assert not record.console_errors, record.console_errors
    close_page(record)


def pending_marks(root):
    """The "not applied" marks shown, and which boxes are marked."""
    return root.evaluate("""(root) => ({
        marks: Array.from(root.querySelectorAll('.cb-unapplied')).filter(m => !m.hidden).length,
        boxes: Array.from(root.querySelectorAll('textarea, input[type=text]')).map(
            b => b.classList.contains('cb-pending')),
    })""")


@pytest.mark.parametrize("opened", ["matrix"], indirect=True)
def test_typed_x_survives_a_padding_change_marked_not_applied(opened):
    """On main the box reverted to the applied X as soon as padding moved."""
    page, root = opened
    typed = "9 8 7\n6 5 4\n3 2 1"
    before = read(page, root)
    got = act(page, root, ("fill", 0, typed), ("range", "padding", 1))
    assert got["fields"][0] == typed
    assert got["grids"]["X"]["cells"] == before["grids"]["X"]["cells"]     # not applied yet
    assert pending_marks(root) == {"marks": 1, "boxes": [True, False]}
    got = act(page, root, ("click", "apply values"))
    assert got["grids"]["X"]["cells"] == [row.split() for row in typed.split("\n")]
    assert got["fields"][0] == typed
    assert pending_marks(root)["marks"] == 0


@pytest.mark.parametrize("opened", ["sliding"], indirect=True)
def test_typed_k_survives_the_mode_toggle_marked_not_applied(opened):
    """On main K reverted when "convolution" was clicked."""
    page, root = opened
    got = act(page, root, ("fill", 1, "0 1\n1 0"), ("click", "convolution"))
    assert got["fields"][1] == "0 1\n1 0"
    assert "convolution" in got["pressed"]
    assert pending_marks(root) == {"marks": 1, "boxes": [False, True]}


@pytest.mark.parametrize("opened", ["sliding"], indirect=True)
def test_the_example_menu_never_picks_the_custom_entry(opened):
    """ArrowDown through the menu shows each example; on main it ended on "(custom values)",
    which did nothing, and the menu then named an example that was not shown."""
    page, root = opened
    menu = root.query_selector('select[aria-label="example"]')
    presets = {name: make() for name, make in PRESETS.items()}
    menu.focus()
    page.keyboard.press("Home")
    page.wait_for_timeout(100)
    seen = [menu.evaluate("(m) => m.value")]
    for _ in range(len(menu.query_selector_all("option")) + 2):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(100)
        seen.append(menu.evaluate("(m) => m.value"))
        shown = read(page, root)["grids"]["X"]["cells"]
        assert shown == shown_matrix(presets[seen[-1]][0]), seen[-1]
    assert CUSTOM not in seen, seen
    assert len(set(seen)) == len(menu.query_selector_all("option")) - 1
    got = act(page, root, ("fill", 1, "2"), ("click", "apply values"))   # typed values
    assert got["values"]["example"] == CUSTOM


@pytest.mark.parametrize("opened", ["padding"], indirect=True)
def test_window_text_counts_from_0_like_its_slider(opened):
    page, root = opened
    got = act(page, root, ("range", "window", 0))
    summary = notes_of(got, "summary")[0]
    last = int(root.evaluate("(r) => r.querySelector('input[aria-label=window]').max"))
    assert f"window 0 of 0\u2013{last} " in summary, summary


@pytest.mark.parametrize("opened", ["sheet"], indirect=True)
def test_a_conv_without_channels_says_it_gets_the_default(opened):
    page, root = opened
    got = act(page, root, ("fill", "textarea", "conv 3; relu; conv 3 c6"),
              ("fill", 'input[aria-label="input channels x height x width"]', "1x28x28"),
              ("click", "update the sheet"))
    notes = notes_of(got, "channels")
    assert len(notes) == 1 and notes[0].startswith("Layer 1 has no cN"), notes
    channels = int(notes[0].split("default ")[1].split()[0])
    assert got["grids"]["sheet"]["cells"][2][3].startswith(f"{channels}\u00d7"), got["grids"]
