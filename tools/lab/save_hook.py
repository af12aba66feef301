"""What a JupyterLab session (`make lab`) may write into a notebook of the book.

A notebook's stored outputs are the book's tested ones (nbval compares them) and its stored
widget state is what draws the explorers before any cell runs and on the website. JupyterLab
by itself saves whatever the session shows: after Run All, the outputs of every explorer name
widget models of the running kernel, whose state it does not save (ipywidgets' saveState is
off by default; turned on, it empties the stored state instead when a notebook is saved before
its cells run). The reopened notebook then shows "Error displaying widget: model not found"
for every explorer, and git shows diffs nobody made.

So a save keeps every cell whose text the learner did not change as it is on disk (outputs,
execution count, metadata such as execution times), and the notebook's metadata (widget
state, kernel and language info, Jupytext's settings) as on disk. What the learner wrote does reach the files:
an edited or new cell is saved with its text and its fresh outputs, except a widget view whose
model has no stored state (it would show "model not found"): that output keeps only its text
form. A notebook that is not on disk yet (a new one, a copy saved with "Save Notebook As")
is saved with its outputs, under the same rule for widget views.
"""
import os

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def stored_models(metadata):
    """The ids of the widget models whose state the notebook metadata stores."""
    return set(metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}))


def _without_unknown_views(outputs, known):
    """The outputs with every widget view of a model not in ``known`` reduced to its text."""
    kept = []
    for output in outputs:
        data = output.get("data", {})
        if WIDGET_VIEW in data and data[WIDGET_VIEW].get("model_id") not in known:
            output = dict(output, data={k: v for k, v in data.items() if k != WIDGET_VIEW})
            if not output["data"]:
                continue
        kept.append(output)
    return kept


def keep_outputs(notebook, on_disk):
    """Return ``notebook`` (a dict, as JupyterLab sends it) as it may be saved over ``on_disk``.

    Cells are matched by id, or by position when either notebook has no cell ids.
    """
    if not isinstance(notebook, dict) or not isinstance(on_disk, dict):
        raise TypeError("notebook and on_disk must be notebook dicts")
    disk_cells = on_disk.get("cells", [])
    by_id = {cell.get("id"): cell for cell in disk_cells if cell.get("id")}
    use_ids = bool(by_id) and all(cell.get("id") for cell in notebook.get("cells", []))
    metadata = on_disk.get("metadata", {})
    known = stored_models(metadata)
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        old = by_id.get(cell.get("id")) if use_ids else (
            disk_cells[index] if index < len(disk_cells) else None)
        if old is not None and old.get("cell_type") == cell.get("cell_type") and \
                _text(old.get("source")) == _text(cell.get("source")):
            cell = old          # not edited: as on disk (outputs, count, metadata)
        elif cell.get("cell_type") == "code":
            cell = dict(cell, outputs=_without_unknown_views(cell.get("outputs", []), known))
        cells.append(cell)
    return dict(notebook, cells=cells, metadata=metadata)


def _text(source):
    return "".join(source) if isinstance(source, list) else (source or "")


def keep_tested_outputs(model, path, contents_manager, **kwargs):
    """jupyter_server pre-save hook: apply keep_outputs to a notebook against its disk copy."""
    if model.get("type") != "notebook" or not model.get("content"):
        return
    os_path = contents_manager._get_os_path(path)
    if os.path.isfile(os_path):
        on_disk = nbformat.read(os_path, as_version=nbformat.NO_CONVERT)
    else:   # a new notebook (or a copy saved as): its own metadata, no cell to keep
        on_disk = {"cells": [], "metadata": model["content"].get("metadata", {})}
    saved = keep_outputs(dict(model["content"]), on_disk)
    model["content"].clear()
    model["content"].update(nbformat.from_dict(saved))
