"""Checks on the book's notebooks that nbval alone does not make.

nbval (run by `make test` over book/*.ipynb) re-executes each notebook and compares the
outputs. It never compares a cell that was never executed, and it does not know about the
jupytext .md pair, so these tests check both.
"""
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.compare import compare_notebooks

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def test_the_book_has_notebooks():
    assert NOTEBOOKS, f"no NN_name.ipynb notebooks in {BOOK}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_md_pair_is_in_sync(path):
    md = path.with_suffix(".md")
    assert md.exists(), f"{md.name} is missing: pair it with `jupytext --set-formats ipynb,md:myst`"
    compare_notebooks(jupytext.read(md), jupytext.read(path), fmt="md:myst")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_md_is_written_the_same_by_any_jupytext_release(path):
    """The .md header carries no jupytext_version (book/jupytext.toml filters it out), so a
    save from JupyterLab or a run of tools/execute_notebook.py with another Jupytext release
    leaves the file as it is."""
    from jupytext.config import load_jupytext_config

    md = path.with_suffix(".md")
    config = load_jupytext_config(str(md))
    text = md.read_text()
    assert "jupytext_version" not in text
    assert jupytext.writes(jupytext.read(md, config=config), fmt="md:myst", config=config) == text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_was_executed_in_order(path):
    notebook = nbformat.read(path, as_version=4)
    counts = [cell.get("execution_count") for cell in notebook.cells if cell.cell_type == "code"]
    assert counts, f"{path.name} has no code cells"
    assert None not in counts, f"{path.name}: cells {[i for i, c in enumerate(counts) if c is None]}" \
        " were never executed; run tools/execute_notebook.py"
    assert counts == list(range(1, len(counts) + 1)), \
        f"{path.name} was not executed top to bottom in a fresh kernel: {counts}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_convbook_and_has_no_errors_or_svg(path):
    notebook = nbformat.read(path, as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "convbook" in source, f"{path.name} does not import convbook"
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"{path.name} has a stored error"
            assert "image/svg+xml" not in output.get("data", {}), \
                f"{path.name} stores an SVG figure: nbval compares SVG and it differs run to run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_ends_with_exercises(path):
    notebook = nbformat.read(path, as_version=4)
    headings = [line for cell in notebook.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("#")]
    assert any("Exercises" in h for h in headings), f"{path.name} has no Exercises section"
    text = "\n".join(cell.source for cell in notebook.cells)
    assert "<details>" in text, f"{path.name}: exercises need hidden solutions (<details>)"
    assert "exercises." in text or "from convbook.exercises" in text or "check_" in text, \
        f"{path.name}: exercises need a convbook.exercises self-check"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_kernelspec_is_the_installed_one(path):
    """JupyterLab rewrites a kernelspec that differs from the running kernel's, so the notebook
    would open as modified: store exactly what it would write."""
    from jupyter_client.kernelspec import get_kernel_spec

    spec = get_kernel_spec("python3")
    stored = nbformat.read(path, as_version=4).metadata.get("kernelspec", {})
    assert stored == {"name": "python3", "display_name": spec.display_name,
                      "language": spec.language}, \
        f"{path.name}: stored kernelspec {stored}; re-run tools/execute_notebook.py"


# The website's text column holds 77 characters of code at a 1280 x 900 window (measured with
# Chromium, tests_site/test_site.py checks no code block scrolls sideways); one spare.
MAX_CODE_LINE = 76


@pytest.mark.parametrize("path", sorted(BOOK.glob("[0-9][0-9]_*.md")), ids=lambda p: p.stem)
def test_every_code_line_fits_the_text_column(path):
    notebook = jupytext.read(path)
    long = [f"cell {n}: {len(line)} chars: {line.strip()[:50]}..."
            for n, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > MAX_CODE_LINE]
    assert not long, f"{path.name}: code lines longer than {MAX_CODE_LINE} characters " \
        "scroll sideways on the website:\n" + "\n".join(long)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_with_alt_text_shows_a_figure(path):
    """Alt text describes a picture the cell shows: a cell that has it but stores no image
    (e.g. a figure built but never displayed) leaves the reader with a text about nothing."""
    cells = nbformat.read(path, as_version=4).cells
    empty = [n for n, cell in enumerate(cells)
             if cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
             and not any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))]
    assert not empty, f"{path.name}: cells {empty} have alt text but show no figure"
