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
    ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax, alpha=0.55)
    for (i, j), value in np.ndenumerate(M) if numbers else ():
        ax.text(j, i, _fmt(value), ha="center", va="center", fontsize=11)
    for i, j in highlight:
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=highlight_color,
                                   alpha=0.45, edgecolor="black", linewidth=1.5))
    ax.set_xticks(np.arange(-0.5, M.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, M.shape[0]), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if title:
        ax.set_title(title)
    return ax


def show_matrices(matrices, titles=None, cell_size=0.55, **kwargs):
    """Draw several matrices side by side (e.g. input, kernel, output); returns the figure."""
    matrices = [_to_numpy(M) for M in matrices]
    titles = titles or [None] * len(matrices)
    widths = [M.shape[1] for M in matrices]
    height = max(M.shape[0] for M in matrices)
    fig, axes = plt.subplots(1, len(matrices), figsize=(cell_size * (sum(widths) + 2 * len(widths)),
                                                        cell_size * height + 0.9),
                             gridspec_kw={"width_ratios": widths}, squeeze=False)
    for ax, M, title in zip(axes[0], matrices, titles):
        draw_matrix(ax, M, title, **kwargs)
    fig.tight_layout()
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
