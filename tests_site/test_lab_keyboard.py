"""The explorers take their keys in JupyterLab as they do on the static site (issue 23, A2).

JupyterLab's notebook listens for keys too: in command mode the arrows move the cell
selection, Enter enters edit mode and Shift+Enter runs the cell. Every explorer here is driven
from the keyboard only (focus moved with Tab, values typed, buttons pressed with Enter), in
the notebook of test_lab_explorers.py (its fixture: every explorer, live kernel).
"""
import pytest

from explorer_states import EXPLORERS, read
from test_lab_explorers import explorer_root, lab_explorers  # noqa: F401 (a fixture)

# Focus the first enabled control matching ``selector`` inside the explorer by pressing Tab
# from the explorer's first focusable control (so the keyboard, not a click, moves focus).
FOCUSED = """(root) => {
    const a = document.activeElement;
    return {inside: root.contains(a), tag: a.tagName, label: a.getAttribute('aria-label'),
            value: a.value};
}"""


def focus_by_tab(page, root, selector, presses=40):
    """Put the focus on the first focusable control of the explorer, then Tab until the
    focused control matches ``selector``; return its description."""
    root.evaluate("(root) => root.querySelector('button, input, select, textarea').focus()")
    for _ in range(presses):
        if root.evaluate(f"(root) => document.activeElement.matches({selector!r}) "
                         "&& root.contains(document.activeElement)"):
            return root.evaluate(FOCUSED)
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_arrow_keys_move_the_explorers_slider_not_the_notebook(lab_explorers, name):
    """Each explorer's first enabled slider moves with ArrowRight / ArrowLeft and keeps the
    focus (on main, ArrowRight left 01's step at 0 and the focus went to the notebook)."""
    page, kernel, errors = lab_explorers
    root = explorer_root(page, name)
    if not root.evaluate("(root) => !!root.querySelector('input[type=range]:not(:disabled)')"):
        pytest.skip(f"{name} has no slider")
    before = focus_by_tab(page, root, "input[type=range]:not(:disabled)")
    at_max = root.evaluate("(root) => document.activeElement.value === document.activeElement.max")
    page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    page.wait_for_timeout(300)
    after = root.evaluate(FOCUSED)
    assert after["inside"] and after["label"] == before["label"], (before, after)
    assert int(after["value"]) == int(before["value"]) + (-1 if at_max else 1), (before, after)
    page.keyboard.press("ArrowDown")            # command mode would select the next cell
    page.wait_for_timeout(300)
    assert root.evaluate(FOCUSED)["inside"], "ArrowDown moved the focus to the notebook"
    assert not errors, errors


def _type_rows(page, rows):
    """Type rows of a matrix into the focused box, Enter between them."""
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for r, row in enumerate(rows):
        if r:
            page.keyboard.press("Enter")
        page.keyboard.type(row)


@pytest.mark.parametrize("name", ["sliding", "matrix"])
def test_enter_types_a_new_row_and_the_keyboard_applies_it(lab_explorers, name):
    """Enter in a matrix box starts a new row (main gave '1 23 4'), Shift+Enter inside the
    box does not re-run the cell, and Tab + Enter on the apply button applies the values."""
    page, kernel, errors = lab_explorers
    root = explorer_root(page, name)
    focus_by_tab(page, root, "textarea")                   # edit input X
    _type_rows(page, ["1 2 3", "4 5 6", "7 8 9"])
    assert read(page, root)["fields"][0] == "1 2 3\n4 5 6\n7 8 9"
    count = kernel.evaluate("get_ipython().execution_count")
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(1500)
    assert kernel.evaluate("get_ipython().execution_count") == count, "Shift+Enter ran a cell"
    focused = root.evaluate(FOCUSED)
    assert focused["inside"] and focused["tag"] == "TEXTAREA", focused
    page.keyboard.press("Tab")                             # edit kernel K
    _type_rows(page, ["1 0", "0 1"])
    for _ in range(5):
        if root.evaluate("(root) => document.activeElement.textContent") == "apply values":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    got = read(page, root)
    assert got["error"] == "", got["error"]
    assert got["grids"]["Y"]["cells"] == [["6", "8"], ["12", "14"]]
    assert not errors, errors
