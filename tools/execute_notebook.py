"""Sync a book/NN_name.md with its .ipynb pair and execute it in a fresh kernel.

Usage: python tools/execute_notebook.py book/01_cross_correlation.md [more.md ...]

The .md (MyST) is the file you edit; the .ipynb keeps the executed outputs that
nbval compares. After this script both are in sync and the outputs are fresh.
"""
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs
from jupyter_client.kernelspec import get_kernel_spec
from jupytext.compare import compare_notebooks
from jupytext.config import load_jupytext_config
from nbclient import NotebookClient

FORMATS = "ipynb,md:myst"


def kernelspec(name="python3"):
    """The kernelspec JupyterLab writes when it opens the notebook with the installed kernel.

    Storing anything else (e.g. display name "Python 3" where ipykernel says "Python 3
    (ipykernel)") makes every notebook open as modified.
    """
    spec = get_kernel_spec(name)
    return {"name": name, "display_name": spec.display_name, "language": spec.language}


def execute(md_path: Path) -> float:
    md_path = md_path.with_suffix(".md")
    ipynb_path = md_path.with_suffix(".ipynb")
    notebook = jupytext.read(md_path)
    if ipynb_path.exists():   # keep the cell ids of unchanged cells, so diffs stay small
        notebook = combine_inputs_with_outputs(notebook, nbformat.read(ipynb_path, as_version=4))
        notebook.metadata.pop("widgets", None)      # stale widget state; execution stores anew
        for cell in notebook.cells:
            cell.pop("outputs", None) if cell.cell_type != "code" else cell.update(outputs=[])
    notebook.metadata.setdefault("jupytext", {})["formats"] = FORMATS
    notebook.metadata["kernelspec"] = kernelspec()
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(md_path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(notebook, ipynb_path)
    # normalise the .md (metadata header) with book/jupytext.toml, as JupyterLab's saves do
    jupytext.write(notebook, md_path, fmt="md:myst", config=load_jupytext_config(str(md_path)))
    compare_notebooks(jupytext.read(md_path), jupytext.read(ipynb_path), fmt="md:myst")
    return elapsed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for arg in sys.argv[1:]:
        seconds = execute(Path(arg))
        print(f"{arg}: executed in {seconds:.1f} s")
