"""Static pictures of the explorers (matplotlib): the figures the notebooks draw and the frames
of ``convbook.animate``'s jshtml animations. No widgets here; the numbers come from the pure
models in ``convbook.windows`` and ``convbook.network_fields``.
"""
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap
from matplotlib.ticker import NullLocator

from ._checks import as_tensor
from .ops import pool2d
from .plot import ACCENT, HIGHLIGHT, MAX_WIDTH, draw_matrix, highlight_cells
from .textfmt import format_number
from .windows import Sliding, channel_partials, max_winners, window_cells

__all__ = ["draw_sliding_matrices", "draw_sliding_step", "sliding_figure", "draw_window",
           "draw_channel_step", "draw_pooling_step", "draw_field"]


def draw_sliding_matrices(axes, model):
    """The still part of the picture: input, kernel used and output on three ``axes``."""
    ax_in, ax_k, ax_out = axes
    low, high = float(model.X.min()), float(model.X.max())
    draw_matrix(ax_in, model.X, "input X",                   # light shades: the window tint
                vmin=low, vmax=high + 0.8 * (high - low) + 1e-9)   # stays clear on top
    kernel_title = "kernel K, flipped" if model.mode == "convolution" else "kernel K"
    draw_matrix(ax_k, model.kernel_used, kernel_title, cmap="Oranges")
    draw_matrix(ax_out, model.output, "output Y", cmap="Greens")


STEP_GID = "cb-sliding-step"     # tags the artists that move from one step to the next


def _box(top, left, height, width, **style):
    return plt.Rectangle((left - 0.5, top - 0.5), width, height, gid=STEP_GID, **style)


def draw_sliding_step(axes, model, step):
    """The moving part: the window on the input, the output cell, the later output cells faded,
    and the arithmetic as the figure title. Replaces the previous step's marks; returns the
    ``SlideStep``.

    >>> fig, axes = plt.subplots(1, 3)
    >>> draw_sliding_step(axes, Sliding(torch.eye(3), torch.eye(2)), 1).value
    0.0
    >>> plt.close(fig)
    """
    frame = model.at(step)
    ax_in, _, ax_out = axes
    for ax in axes:
        for patch in [p for p in ax.patches if p.get_gid() == STEP_GID]:
            patch.remove()
    (i, j), (k_h, k_w) = frame.output_cell, model.K.shape
    out_h, out_w = model.output.shape
    mark = {"edgecolor": "black", "linewidth": 2.5, "zorder": 2.5}   # over the grid, under numbers
    ax_in.add_patch(_box(i, j, k_h, k_w, facecolor=HIGHLIGHT, alpha=0.55, **mark))
    ax_out.add_patch(_box(i, j, 1, 1, facecolor=ACCENT, alpha=0.7, **mark))
    fade = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "zorder": 4}  # over numbers
    if j + 1 < out_w:
        ax_out.add_patch(_box(i, j + 1, 1, out_w - j - 1, **fade))
    if i + 1 < out_h:
        ax_out.add_patch(_box(i + 1, 0, out_h - i - 1, out_w, **fade))
    ax_in.figure.suptitle(f"Y[{i}, {j}] = {frame.arithmetic}", fontsize=11)
    return frame


def sliding_figure(model, step=0, dpi=80):
    """A new figure with the three panels sized to the matrices, showing ``step``;
    returns (fig, axes). The layout is computed once, so later steps do not shift it."""
    widths = [model.X.shape[1], model.K.shape[1], model.output.shape[1]]
    height = max(model.X.shape[0], model.K.shape[0])
    scale = min(0.5, (MAX_WIDTH - 0.6) / (sum(widths) + 3), 2.3 / height)
    fig, axes = plt.subplots(1, 3, figsize=(scale * (sum(widths) + 3) + 0.6, scale * height + 1.0),
                             gridspec_kw={"width_ratios": widths}, dpi=dpi, layout="constrained")
    draw_sliding_matrices(axes, model)
    draw_sliding_step(axes, model, step)
    fig.canvas.draw()                     # run the layout once, then freeze it
    fig.set_layout_engine("none")
    return fig, axes


def draw_window(axes, geometry, index):
    """Static view of one window (for figures and the website animation): padded input, output.

    ``axes`` is a pair of matplotlib axes. The zero border is grey, the taps orange, every
    visited top-left corner has a dark dot, dropped rows/columns are hatched red.
    """
    g = geometry
    ax_in, ax_out = axes
    for ax in axes:
        ax.clear()
    X = g.padded_input().numpy()
    taps = g.taps(index) if g.fits else []
    flat = ListedColormap(["#f7fbff"])        # one flat colour: small PNG frames
    draw_matrix(ax_in, X, "padded input (grey: zero padding)", highlight=taps, cmap=flat)
    for i, j in zip(*np.nonzero(np.array([[g.is_padding(i, j) for j in range(X.shape[1])]
                                          for i in range(X.shape[0])]))):
        if (i, j) not in taps:
            ax_in.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color="#d9d9d9", zorder=0.5))
    for axis, dropped in ((0, g.dropped_rows), (1, g.dropped_cols)):
        for d in dropped:
            xy = (-0.5, d - 0.5) if axis == 0 else (d - 0.5, -0.5)
            size = (X.shape[1], 1) if axis == 0 else (1, X.shape[0])
            ax_in.add_patch(plt.Rectangle(xy, *size, facecolor="none", edgecolor="#b00",
                                          hatch="///", linewidth=0))
    for top, left in (g.corners() if g.fits else []):
        ax_in.plot(left - 0.3, top - 0.3, "o", color="#264653", markersize=4)
    if g.fits:
        out_w = g.output_shape[1]
        draw_matrix(ax_out, g.output(), f"output {g.output_shape[0]}\u00d7{out_w}",
                    highlight=[(index // out_w, index % out_w)], highlight_color=ACCENT,
                    cmap=flat)
    else:
        ax_out.axis("off")
        ax_out.text(0.5, 0.5, "kernel does not fit", ha="center", color="#b00020")
    return axes


def draw_channel_step(fig, X, K, bias, out_channel, position):
    """Static view of one step on ``fig``: for each input channel X[c] (window outlined),
    its kernel slice and its partial result, then the output channel they sum to.
    Used by ``ChannelExplorer.figure``.

    The matrices are drawn once per output channel; a later call on the same figure with the
    same numbers only moves the highlights (matplotlib axes are slow to redraw).
    """
    X, K = as_tensor(X, "X").float(), as_tensor(K, "K").float()
    bias = torch.as_tensor(bias, dtype=torch.float32).reshape(-1)
    c_i, (k_h, k_w) = X.shape[0], K.shape[2:]
    key = (out_channel, X.tolist(), K[out_channel].tolist(), float(bias[out_channel]))
    state = getattr(fig, "_convbook_channel_step", None)
    if state is None or state["key"] != key:
        partials = channel_partials(X, K[out_channel])
        Y = partials.sum(0) + bias[out_channel]
        fig.clear()
        grid = fig.add_gridspec(c_i, 4, width_ratios=[X.shape[2], k_w, Y.shape[1], Y.shape[1]])
        axes = []
        for c in range(c_i):
            for col, (M, title) in enumerate([(X[c], f"X[{c}]"),
                                              (K[out_channel, c], f"K[{out_channel}][{c}]"),
                                              (partials[c], f"partial {c}")]):
                axes.append(draw_matrix(fig.add_subplot(grid[c, col]), M, title))
        extra = f" + {format_number(bias[out_channel])}" if bias[out_channel] else ""
        axes.append(draw_matrix(fig.add_subplot(grid[:, 3]), Y,
                                f"Y[{out_channel}] =\nsum of partials{extra}"))
        for ax in axes:
            ax.title.set_fontsize(10)
            ax.xaxis.set_major_locator(NullLocator())   # hidden anyway; saves ~30% per frame
            ax.yaxis.set_major_locator(NullLocator())
        fig.tight_layout()
        state = fig._convbook_channel_step = {"key": key, "axes": axes, "marks": []}
    for patch in state["marks"]:
        patch.remove()
    i, j = position
    window = [(i + a, j + b) for a in range(k_h) for b in range(k_w)]
    axes, marks = state["axes"], []
    for c in range(c_i):
        marks += highlight_cells(axes[3 * c], window)
        marks += highlight_cells(axes[3 * c + 2], [position])
    marks += highlight_cells(axes[-1], [position], ACCENT)
    state["marks"] = marks
    return axes


def draw_pooling_step(axes, X, pool_size, padding, stride, mode, position):
    """Static view of one step on two matplotlib axes: the input with its padding (grey), the
    window (and, for max, the winner outlined in red) and the output with the current cell.
    Used by ``PoolingExplorer.figure``."""
    X = as_tensor(X, "X").to(torch.get_default_dtype())
    (p_h, p_w), (n_h, n_w) = padding, X.shape
    Y = pool2d(X, pool_size, mode=mode, padding=padding, stride=stride)
    window = window_cells(position, pool_size, padding, stride)
    ax_in, ax_out = axes
    for ax in axes:
        ax.clear()
    scale = {"vmin": float(X.min()), "vmax": float(X.max())}
    draw_matrix(ax_in, X, "input X" + (" (padded)" if p_h or p_w else ""), highlight=window,
                **scale)
    pad_text = "-inf" if mode == "max" else "0"
    for r in range(-p_h, n_h + p_h):
        for c in range(-p_w, n_w + p_w):
            if not (0 <= r < n_h and 0 <= c < n_w):
                ax_in.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="#e6e6e6",
                                              edgecolor="white", linewidth=2, zorder=0.5))
                ax_in.text(c, r, pad_text, ha="center", va="center", fontsize=9, color="#888")
    ax_in.set_xlim(-p_w - 0.5, n_w + p_w - 0.5)
    ax_in.set_ylim(n_h + p_h - 0.5, -p_h - 0.5)
    if mode == "max":
        r, c = max_winners(X, pool_size, padding, stride)[position].tolist()
        ax_in.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#d62828",
                                      linewidth=3, zorder=5))
    draw_matrix(ax_out, Y, f"{mode} pooling output", highlight=[position],
                highlight_color=ACCENT, **scale)
    return axes


def draw_field(ax, image, bounds, margin=(0, 0, 0, 0), title=None, gradient=None):
    """Matplotlib view: ``image`` with the field ``bounds`` (dashed), its visible part (filled),
    the zero-padding border hatched and, optionally, the gradient magnitude in red."""
    image = np.asarray(image)
    h, w = image.shape
    ax.clear()
    top, left, bottom, right = margin
    ax.add_patch(plt.Rectangle((-left - 0.5, -top - 0.5), w + left + right, h + top + bottom,
                               facecolor="#eeeeee", edgecolor="#bbbbbb", hatch="//", zorder=0))
    ax.imshow(image, cmap="gray", extent=(-0.5, w - 0.5, h - 0.5, -0.5), zorder=1)
    if gradient is not None:
        g = np.asarray(gradient, dtype=float)
        rgba = np.zeros((h, w, 4))
        rgba[..., 0], rgba[..., 1], rgba[..., 2] = 0.86, 0.08, 0.24
        rgba[..., 3] = 0.92 * g / max(g.max(), 1e-12)
        ax.imshow(rgba, extent=(-0.5, w - 0.5, h - 0.5, -0.5), zorder=2)
    (r0, r1), (c0, c1) = bounds
    ax.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False,
                               edgecolor="#e76f51", linestyle="--", linewidth=1.5, zorder=3))
    v = ((max(r0, 0), min(r1, h - 1)), (max(c0, 0), min(c1, w - 1)))
    if v[0][0] <= v[0][1] and v[1][0] <= v[1][1]:
        ax.add_patch(plt.Rectangle((v[1][0] - 0.5, v[0][0] - 0.5), v[1][1] - v[1][0] + 1,
                                   v[0][1] - v[0][0] + 1, edgecolor="#e76f51", linewidth=1.5,
                                   facecolor="#ffd166" if gradient is None else "none",
                                   alpha=0.45 if gradient is None else 1, zorder=3))
    ax.set_xlim(-left - 0.5, w + right - 0.5)
    ax.set_ylim(h + bottom - 0.5, -top - 0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax
