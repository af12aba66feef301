"""Matrices as HTML tables with numbers in the cells: the fast view the widgets update.

Re-rendering a small grid as HTML takes well under a millisecond, so sliders stay smooth
(a matplotlib redraw takes tens of milliseconds).

>>> html = grid_html([[1, 2], [3, 4]], title="X", styles={(0, 0): "window"})
>>> "cb-window" in html
True
"""
from html import escape

import numpy as np
import torch

from .textfmt import format_number

__all__ = ["grid_html", "row_html", "format_number", "STYLE"]

# One stylesheet for every widget; a cell class names its role.
STYLE = """<style>
.cb-row{display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap;font-family:sans-serif}
.cb-grid{border-collapse:collapse;margin:2px}
.cb-grid td{width:30px;height:30px;text-align:center;font-size:13px;border:1px solid #ccc;
  background:#f7fbff;color:#222;padding:0}
.cb-grid caption{font-weight:bold;font-size:13px;padding-bottom:3px;caption-side:top}
.cb-grid td.cb-pad{background:#eee;color:#999}
.cb-grid td.cb-window{background:#f4a261;border:2px solid #222}
.cb-grid td.cb-out{background:#2a9d8f;color:white;border:2px solid #222}
.cb-grid td.cb-win{background:#e76f51;color:white;font-weight:bold}
.cb-grid td.cb-dim{background:#fff;color:#bbb}
.cb-grid td.cb-dropped{background:#fde2e2;color:#b00;text-decoration:line-through}
.cb-grid td.cb-field{background:#ffd166}
.cb-note{font-family:sans-serif;font-size:13px;margin:4px 0}
.cb-error{font-family:sans-serif;color:#b00020;font-weight:bold;margin:4px 0}
.cb-grid caption{white-space:nowrap}
.cb-grid td.cb-visit{box-shadow:inset 4px 4px 0 -1px #264653}
</style>"""


def grid_html(M, title=None, styles=None, shade=None):
    """One matrix as an HTML table.

    ``styles`` maps (row, col) to a role: "window", "out", "win", "pad", "dim", "dropped",
    "field", "visit" (several separated by spaces, e.g. "pad visit"). ``shade`` (optional,
    same shape as M, values in [0, 1]) tints cells blue.
    """
    M = M.detach().cpu().numpy() if isinstance(M, torch.Tensor) else np.asarray(M)
    if M.ndim != 2:
        raise ValueError(f"M must be 2-D, got shape {M.shape}")
    styles = styles or {}
    rows = []
    for i in range(M.shape[0]):
        cells = []
        for j in range(M.shape[1]):
            role = styles.get((i, j))
            # several roles may be given separated by spaces, e.g. "pad visit"
            attrs = ' class="%s"' % " ".join(f"cb-{r}" for r in role.split()) if role else ""
            if shade is not None and not role:
                attrs = f' style="background:rgba(33,113,181,{0.08 + 0.6 * float(shade[i][j]):.2f})"'
            cells.append(f"<td{attrs}>{format_number(M[i, j])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{escape(title)}</caption>" if title else ""
    return f'<table class="cb-grid">{caption}{"".join(rows)}</table>'


def row_html(*parts):
    """Place HTML fragments (grids, notes) side by side, with the shared stylesheet."""
    return STYLE + '<div class="cb-row">' + "".join(f"<div>{p}</div>" for p in parts) + "</div>"
