"""The Jupyter server configuration of `make lab` (passed as --config by the Makefile)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from save_hook import keep_tested_outputs  # noqa: E402

c = get_config()  # noqa: F821  (provided by traitlets when it runs this file)

# The file browser lists each section once: the .md pair of a notebook (and jupytext.toml) are
# hidden. book/NN_name.md stays the file to edit in a terminal, and Jupytext still rewrites it
# when JupyterLab saves the notebook.
c.ContentsManager.hide_globs = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~",
                                "[0-9][0-9]_*.md", "jupytext.toml"]

# What a learner's session may change in a notebook: see save_hook.py.
c.ContentsManager.pre_save_hook = keep_tested_outputs
