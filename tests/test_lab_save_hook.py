"""tools/lab/save_hook.py: what a JupyterLab save (`make lab`) may write into a book notebook."""
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools" / "lab"))

from save_hook import WIDGET_STATE, WIDGET_VIEW, keep_outputs, keep_tested_outputs  # noqa: E402


def view(model_id, text="Explorer(...)"):
    return nbformat.v4.new_output("display_data", data={
        WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
        "text/plain": text})


def book_notebook():
    """A stored notebook: an explorer cell whose view's model is in the stored widget state."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("x = 1\nx", execution_count=1, outputs=[
            nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=1)]),
        nbformat.v4.new_code_cell("explorer", execution_count=2, outputs=[view("old")]),
    ])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    nb.cells[1].metadata["execution"] = {"iopub.status.idle": "2026-11-25T12:00:31Z"}
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": {"old": {"state": {}}},
                                             "version_major": 2, "version_minor": 0}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2"}
    return nb


def after_run_all(nb):
    """What JupyterLab sends after Run All: new counts and model ids, no execution times."""
    sent = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    sent.cells[1].execution_count, sent.cells[1].metadata = 7, {}
    sent.cells[2].execution_count, sent.cells[2].outputs = 8, [view("new")]
    sent.metadata["language_info"]["version"] = "3.12.0"
    sent.metadata.pop("widgets")
    return sent


def test_a_run_without_edits_saves_the_notebook_unchanged():
    nb = book_notebook()
    assert keep_outputs(after_run_all(nb), nb) == nb


def test_an_edited_cell_is_saved_with_its_text_and_outputs_but_no_unknown_view():
    nb = book_notebook()
    sent = after_run_all(nb)
    sent.cells[1].source = "x = 2\nx"
    sent.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                                    execution_count=7)]
    sent.cells[2].source = "explorer  # mine"
    sent.cells.append(nbformat.v4.new_code_cell("new_explorer", outputs=[view("new2")]))
    sent.cells[-1].id = "mine"
    saved = keep_outputs(sent, nb)
    assert saved["cells"][1]["source"] == "x = 2\nx"
    assert saved["cells"][1]["outputs"][0]["data"] == {"text/plain": "2"}
    # a view of a model with no stored state would show "model not found": its text stays
    assert saved["cells"][2]["outputs"][0]["data"] == {"text/plain": "Explorer(...)"}
    assert saved["cells"][3]["outputs"][0]["data"] == {"text/plain": "Explorer(...)"}
    assert saved["metadata"] == nb.metadata      # the stored widget state is kept


def test_an_edited_cell_keeps_a_view_whose_model_is_stored():
    nb = book_notebook()
    sent = after_run_all(nb)
    sent.cells[2].source, sent.cells[2].outputs = "explorer  # mine", [view("old")]
    assert WIDGET_VIEW in keep_outputs(sent, nb)["cells"][2]["outputs"][0]["data"]


def test_cells_are_matched_by_position_without_ids():
    nb = book_notebook()
    sent = after_run_all(nb)
    for notebook in (nb, sent):
        for cell in notebook.cells:
            cell.pop("id")
    assert keep_outputs(sent, nb)["cells"] == nb.cells


def test_the_hook_keeps_a_new_notebooks_outputs_and_leaves_other_files_alone(tmp_path):
    class Manager:
        def _get_os_path(self, path):
            return str(tmp_path / path)

    sent = after_run_all(book_notebook())
    model = {"type": "notebook", "content": sent}
    keep_tested_outputs(model=model, path="new.ipynb", contents_manager=Manager())
    assert model["content"].cells[1].outputs == sent.cells[1].outputs
    assert model["content"].cells[1].execution_count == 7
    # no stored state for the kernel's model: the view keeps only its text
    assert model["content"].cells[2].outputs[0]["data"] == {"text/plain": "Explorer(...)"}
    sent = after_run_all(book_notebook())
    model = {"type": "notebook", "content": sent}
    nbformat.write(book_notebook(), tmp_path / "book.ipynb")
    keep_tested_outputs(model=model, path="book.ipynb", contents_manager=Manager())
    assert model["content"] == book_notebook()
    text = {"type": "file", "content": "x"}
    keep_tested_outputs(model=text, path="book.ipynb", contents_manager=Manager())
    assert text == {"type": "file", "content": "x"}


def test_bad_input_is_refused():
    with pytest.raises(TypeError, match="notebook and on_disk"):
        keep_outputs("not a notebook", {})
