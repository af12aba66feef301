"""Static figures: matrices with their numbers written in the cells, and image grids.

>>> import torch
>>> fig = show_matrices([torch.eye(2)], ["I"])
"""
import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["draw_matrix", "show_matrices", "show_images"]

HIGHLIGHT = "#f4a261"      # the window / cell the reader should look at
ACCENT = "#2a9d8f"         # the output cell it produces


def _to_numpy(M):
    return M.detach().cpu().numpy() if isinstance(M, torch.Tensor) else np.asarray(M)


def _fmt(value):
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2g}"


def draw_matrix(ax, M, title=None, highlight=(), highlight_color=HIGHLIGHT, numbers=True,
                cmap="Blues", vmin=None, vmax=None):
    """Draw a 2-D matrix on ``ax`` as a grid of shaded cells with the values written in.

    ``highlight`` is an iterable of (row, col) cells to outline and tint.
    """
    M = _to_numpy(M)
    if M.ndim != 2:
        raise ValueError(f"M must be 2-D, got shape {M.shape}")
    ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, alpha=0.35)
    for (i, j), value in np.ndenumerate(M) if numbers else ():
        ax.text(j, i, _fmt(value), ha="center", va="center", fontsize=11)
    for i, j in highlight:
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=highlight_color,
                                   alpha=0.7, edgecolor="black", linewidth=2))
    ax.set_xticks(np.arange(-0.5, M.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, M.shape[0]), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if title:
        ax.set_title(title)
    return ax


def show_matrices(matrices, titles=None, highlights=None, cell_size=0.5, gap=1.0, **kwargs):
    """Draw several matrices side by side (e.g. input, kernel, output); returns the figure.

    Every cell has the same size in every panel, so a 2x2 kernel looks smaller than the
    3x3 input it slides over. ``highlights`` gives, per matrix, the cells to highlight; the
    last matrix (the output) is highlighted in the accent colour.
    """
    matrices = [_to_numpy(M) for M in matrices]
    titles = titles or [None] * len(matrices)
    highlights = highlights or [()] * len(matrices)
    rows = max(M.shape[0] for M in matrices)
    width = cell_size * sum(M.shape[1] for M in matrices) + gap * (len(matrices) + 1) * cell_size
    height = cell_size * (rows + 1.4)
    fig = plt.figure(figsize=(width, height))
    left = gap * cell_size
    for k, (M, title, cells) in enumerate(zip(matrices, titles, highlights)):
        w, h = cell_size * M.shape[1], cell_size * M.shape[0]
        bottom = height - cell_size * 0.9 - h - (rows - M.shape[0]) * cell_size / 2
        ax = fig.add_axes([left / width, bottom / height, w / width, h / height])
        color = ACCENT if k == len(matrices) - 1 and k > 0 else HIGHLIGHT
        draw_matrix(ax, M, title, highlight=cells, highlight_color=color, **kwargs)
        left += w + gap * cell_size
    return fig


def show_images(images, titles=None, ncols=8, scale=1.4, cmap="gray", suptitle=None):
    """A grid of 2-D images (tensors or arrays) with optional titles; returns the figure."""
    images = [_to_numpy(img) for img in images]
    nrows = max(1, -(-len(images) // ncols))
    ncols = min(ncols, len(images))
    fig, axes = plt.subplots(nrows, ncols, figsize=(scale * ncols, scale * nrows + 0.3),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(images[k], cmap=cmap)
            if titles:
                ax.set_title(titles[k], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
