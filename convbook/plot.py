"""Static figures: matrices with their numbers written in the cells, and image grids.

>>> import torch
>>> fig = show_matrices([torch.eye(2)], ["I"])
"""
import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["draw_matrix", "show_matrices", "show_images"]

# A figure is shown at most ~358 CSS px wide on a 390 px phone, so a label of f points reads at
# f / 72 * 358 / width CSS px: capping the width at 6.5 in and fonts at >= 8 pt keeps every label
# at >= 6 CSS px there (9 pt: 6.9 px). Wider sets of panels wrap into rows instead.
MAX_WIDTH = 6.5            # inches
MIN_FONT = 8               # points

HIGHLIGHT = "#f4a261"      # the window / cell the reader should look at
ACCENT = "#2a9d8f"         # the output cell it produces


def _to_numpy(M):
    return M.detach().cpu().numpy() if isinstance(M, torch.Tensor) else np.asarray(M)


def _fmt(value):
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4g}"


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


def _balanced_columns(count, fit):
    """Columns for ``count`` panels of which at most ``fit`` fit in a row: the fewest rows,
    filled as evenly as possible (16 panels, 5 fit: 4 rows of 4, not 3 of 5 and one of 1)."""
    fit = max(1, min(fit, count))
    return -(-count // -(-count // fit))


def _fit_columns(count, ncols, scale, room):
    """(columns, panel size) for ``count`` square panels of ``scale`` inches asked in ``ncols``
    columns, fitting ``room`` inches: kept if they fit; shrunk if panels stay >= 0.9 in (a row
    that means something, an image and its maps, stays one row); otherwise wrapped into fewer
    columns, filled evenly."""
    ncols = max(1, min(ncols, count))
    if scale * ncols <= room:
        return ncols, scale
    if room / ncols >= 0.9:
        return ncols, room / ncols
    ncols = _balanced_columns(count, int(room // scale))
    return ncols, min(scale, room / ncols)


def _matrix_rows(matrices, cell_size, gap):
    """Split the matrices, in order, into the fewest rows (each as evenly filled as possible)
    that fit MAX_WIDTH with cells of at least min(cell_size, 0.36 in), 11 pt numbers still
    fitting; returns (rows, cell_size), the cell shrunk only as far as the rows need."""
    smallest = min(cell_size, 0.36)
    units = lambda row: sum(matrices[k].shape[1] for k in row) + gap * (len(row) + 1)
    for n_rows in range(1, len(matrices) + 1):
        per_row = -(-len(matrices) // n_rows)
        rows = [list(range(k, min(k + per_row, len(matrices))))
                for k in range(0, len(matrices), per_row)]
        fitted = min(cell_size, MAX_WIDTH / max(units(row) for row in rows))
        if fitted >= smallest or per_row == 1:
            return rows, fitted
    raise AssertionError("unreachable: one matrix a row always returns")


def show_matrices(matrices, titles=None, highlights=None, cell_size=0.5, gap=1.0, **kwargs):
    """Draw several matrices side by side (e.g. input, kernel, output); returns the figure.

    Every cell has the same size in every panel, so a 2x2 kernel looks smaller than the
    3x3 input it slides over. ``highlights`` gives, per matrix, the cells to highlight; the
    last matrix (the output) is highlighted in the accent colour. A set wider than
    ``MAX_WIDTH`` inches wraps into rows, in order, so the labels stay readable on a phone.

    >>> fig = show_matrices([np.zeros((3, 3))] * 6)
    >>> bool(fig.get_figwidth() <= MAX_WIDTH), len({ax.get_position().y0 for ax in fig.axes})
    (True, 2)
    """
    matrices = [_to_numpy(M) for M in matrices]
    titles = titles or [None] * len(matrices)
    highlights = highlights or [()] * len(matrices)
    layout, cell_size = _matrix_rows(matrices, cell_size, gap)
    row_heights = [cell_size * (max(matrices[k].shape[0] for k in row) + 1.4) for row in layout]
    width = max(cell_size * (sum(matrices[k].shape[1] for k in row) + gap * (len(row) + 1))
                for row in layout)
    height = sum(row_heights)
    fig = plt.figure(figsize=(width, height))
    top = height
    for row, row_height in zip(layout, row_heights):
        rows = max(matrices[k].shape[0] for k in row)
        left = gap * cell_size
        for k in row:
            M, title, cells = matrices[k], titles[k], highlights[k]
            w, h = cell_size * M.shape[1], cell_size * M.shape[0]
            bottom = top - cell_size * 0.9 - h - (rows - M.shape[0]) * cell_size / 2
            ax = fig.add_axes([left / width, bottom / height, w / width, h / height])
            color = ACCENT if k == len(matrices) - 1 and k > 0 else HIGHLIGHT
            draw_matrix(ax, M, title, highlight=cells, highlight_color=color, **kwargs)
            left += w + gap * cell_size
        top -= row_height
    return fig


def show_images(images, titles=None, ncols=8, scale=1.4, cmap="gray", suptitle=None):
    """A grid of 2-D images (tensors or arrays) with optional titles; returns the figure.
    A grid wider than ``MAX_WIDTH`` inches gets smaller panels, or fewer columns (more rows)
    if they would get smaller than 0.9 in.

    >>> bool(show_images([np.eye(3)] * 20, ncols=10, scale=1.1).get_figwidth() <= MAX_WIDTH)
    True
    """
    images = [_to_numpy(img) for img in images]
    ncols, scale = _fit_columns(len(images), ncols, scale, MAX_WIDTH)   # readable on a phone
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


# --- 06 channels: move a highlight without redrawing a matrix (cheap animation frames) -------

__all__ += ["highlight_cells"]


def highlight_cells(ax, cells, color=HIGHLIGHT):
    """Tint and outline ``cells`` on a matrix drawn by ``draw_matrix``; returns the patches, so
    an animation can ``remove()`` them and highlight other cells without redrawing the axes.

    >>> fig, ax = plt.subplots()
    >>> len(highlight_cells(draw_matrix(ax, np.eye(2)), [(0, 0), (1, 1)]))
    2
    """
    return [ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=color, alpha=0.45,
                                       edgecolor="black", linewidth=1.5)) for i, j in cells]


# --- 08 LeNet: confusion matrix and feature maps ----------------------------------------------

__all__ += ["show_confusion", "show_feature_maps"]


def show_confusion(counts, class_names, title=None, size=6.2):
    """A confusion matrix (rows: true class, columns: predicted) with the counts written in the
    cells; the shade is each row's fraction, so rare and common classes compare fairly.

    >>> fig = show_confusion([[5, 1], [2, 4]], ["cat", "dog"])
    """
    counts = _to_numpy(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"counts must be a square matrix, got shape {counts.shape}")
    if len(class_names) != counts.shape[0]:
        raise ValueError(f"class_names must name all {counts.shape[0]} classes, "
                         f"got {len(class_names)}")
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(size, size * 0.92))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(counts):
        if value:
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.5 else "black")
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(ticks, class_names, fontsize=9)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def show_feature_maps(inputs, maps, row_titles=None, maps_per_row=None, scale=1.0,
                      suptitle=None):
    """Each input image (first column) followed by its feature maps (C x H x W), one image per
    block of rows. Maps are titled map 0, map 1, ... (channel indices, as in 04). Map k has the
    same colour scale for every input, so the rows compare. If the maps of one input do not
    fit in ``MAX_WIDTH`` inches they get smaller, or wrap into more rows below 0.9 in.

    >>> fig = show_feature_maps([np.eye(4)] * 2, [np.random.rand(3, 4, 4)] * 2, ["a", "b"])
    """
    inputs, maps = [_to_numpy(x) for x in inputs], [_to_numpy(m) for m in maps]
    if len(inputs) != len(maps) or not maps:
        raise ValueError(f"inputs and maps must be equally long and non-empty, got "
                         f"{len(inputs)} and {len(maps)}")
    if any(m.ndim != 3 or m.shape != maps[0].shape for m in maps):
        raise ValueError("maps must all be C x H x W arrays of the same shape")
    channels = maps[0].shape[0]
    per_row = channels if maps_per_row is None else min(int(maps_per_row), channels)
    if scale * (per_row + 1) > MAX_WIDTH:             # readable on a phone
        if MAX_WIDTH / (per_row + 1) < 0.9:
            per_row = _balanced_columns(channels, int(MAX_WIDTH // scale) - 1)
        scale = min(scale, MAX_WIDTH / (per_row + 1))
    rows_each = -(-channels // per_row)
    lo, hi = np.min(maps, axis=(0, 2, 3)), np.max(maps, axis=(0, 2, 3))
    fig, axes = plt.subplots(len(inputs) * rows_each, per_row + 1, squeeze=False,
                             figsize=(scale * (per_row + 1), scale * len(inputs) * rows_each + 0.4))
    for ax in axes.flat:
        ax.axis("off")
    for n, (image, fmap) in enumerate(zip(inputs, maps)):
        top = axes[n * rows_each, 0]
        top.imshow(image, cmap="gray_r")
        if row_titles:
            top.set_title(row_titles[n], fontsize=9, fontweight="bold")
        for k in range(channels):
            ax = axes[n * rows_each + k // per_row, 1 + k % per_row]
            ax.imshow(fmap[k], cmap="viridis", vmin=lo[k], vmax=hi[k])
            ax.set_title(f"map {k}", fontsize=MIN_FONT)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    return fig


# --- 00-03: signed maps on one symmetric scale; convolution as a matrix ---------------------

__all__ += ["show_signed_maps", "draw_conv_matrix"]


def show_signed_maps(images, titles=None, ncols=5, scale=1.3, cmap="RdBu_r", label="value"):
    """A grid of signed 2-D maps on ONE symmetric colour scale (-m..m, m the largest |value|
    of all maps), with one colour bar: white is exactly zero in every panel. A grid wider than
    ``MAX_WIDTH`` inches gets smaller panels, or fewer columns if they would get below 0.9 in.

    >>> fig = show_signed_maps([np.array([[1.0, -2.0]]), np.zeros((2, 2))])
    >>> [float(v) for v in fig.axes[-1].get_ylim()]
    [-2.0, 2.0]
    """
    images = [_to_numpy(img).astype(float) for img in images]
    if not images or any(img.ndim != 2 for img in images):
        raise ValueError("images must be a non-empty list of 2-D arrays")
    bound = max(float(np.abs(img).max()) for img in images) or 1.0
    ncols, scale = _fit_columns(len(images), ncols, scale, MAX_WIDTH - 0.9)  # phone-readable
    nrows = -(-len(images) // ncols)
    ncols = min(ncols, len(images))
    fig, axes = plt.subplots(nrows, ncols, figsize=(scale * ncols + 0.9, scale * nrows + 0.3),
                             squeeze=False, layout="constrained")
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            shown = ax.imshow(images[k], cmap=cmap, vmin=-bound, vmax=bound)
            if titles:
                ax.set_title(titles[k], fontsize=9)
    bar = fig.colorbar(shown, ax=axes, shrink=0.8)
    bar.set_label(label)
    return fig


def draw_conv_matrix(fig, model, X, view="matrix"):
    """Draw one step of a ``convbook.matrix.ConvMatrix`` on ``fig`` (cleared first).

    ``view="matrix"``: Y = M x, with row ``model.step`` of M, the input cells it reads and the
    output cell highlighted. ``"im2col"``: Y = vec(K) @ columns, the window as one column.
    ``"transpose"``: M^T g, with g one-hot at ``model.step``: the column of M^T (the kernel
    pasted back onto the window) that a gradient or a transposed convolution adds.
    A figure wider than ``MAX_WIDTH`` inches is scaled down to it (fonts kept), so the labels
    stay readable on a phone.

    >>> from convbook.matrix import ConvMatrix
    >>> fig = plt.figure()
    >>> model = ConvMatrix(np.arange(4.0).reshape(2, 2), (3, 3))
    >>> draw_conv_matrix(fig, model, np.arange(9.0).reshape(3, 3), "im2col")
    >>> len(fig.axes)
    4
    """
    if view not in ("matrix", "im2col", "transpose"):
        raise ValueError(f"view must be 'matrix', 'im2col' or 'transpose', got {view!r}")
    X = _to_numpy(X).astype(float)
    M = model.matrix.numpy()
    Y = M @ X.reshape(-1)
    step, window = model.step, model.window
    n_w = model.input_size[1]
    flat = [r * n_w + c for r, c in window]
    fig.clf()
    if fig.get_figwidth() > MAX_WIDTH:
        w, h = fig.get_size_inches()
        fig.set_size_inches(MAX_WIDTH, h * MAX_WIDTH / w)
    if view == "matrix":
        panels = [(X, "input X", window), (M, f"M: row {step} highlighted",
                                           [(step, c) for c in range(M.shape[1])]),
                  (X.reshape(-1, 1), "vec X", [(f, 0) for f in flat]),
                  (Y.reshape(-1, 1), "M vec X", [(step, 0)])]
    elif view == "im2col":
        columns = model.columns(X).numpy()
        panels = [(X, "input X", window),
                  (model.K.reshape(1, -1).numpy(), "vec K", []),
                  (columns, f"im2col(X): column {step}",
                   [(r, step) for r in range(columns.shape[0])]),
                  (Y.reshape(1, -1), "vec K @ columns", [(0, step)])]
    else:
        g = np.zeros(M.shape[0])
        g[step] = 1.0
        back = (M.T @ g).reshape(model.input_size)
        panels = [(g.reshape(-1, 1), f"g: one-hot {step}", [(step, 0)]),
                  (M.T, f"M^T: column {step}", [(c, step) for c in range(M.shape[0])]),
                  ((M.T @ g).reshape(-1, 1), "M^T g", [(f, 0) for f in flat]),
                  (back, "M^T g as an image", window)]
    widths = [p[0].shape[1] for p in panels]
    axes = fig.subplots(1, len(panels), gridspec_kw={"width_ratios": widths})
    for ax, (matrix, title, cells) in zip(axes, panels):
        draw_matrix(ax, matrix, title, highlight=cells, numbers=matrix.size <= 120)
        ax.title.set_fontsize(9)

# --- 06 channels: a real multi-channel input, its per-channel partial sums and their total -----

__all__ += ["show_channel_sum"]


def show_channel_sum(X, K, channel_names=None, padding=0, scale=1.6, cmaps=None):
    """One row per input channel: the channel X[c], its kernel slice K[c] (numbers written in)
    and the partial result corr2d(X[c], K[c], padding); a last row shows their sum, the output
    channel ``corr2d_multi_in(X, K, padding)``.

    X is c_i x h x w, K is c_i x k_h x k_w. Partial results and the sum share one symmetric
    colour scale with a colour bar, so a reader can compare them. Returns the figure.

    >>> fig = show_channel_sum(np.random.rand(3, 8, 8), np.ones((3, 3, 3)), ["R", "G", "B"])
    """
    from .windows import channel_partials

    X, K = torch.as_tensor(_to_numpy(X)).float(), torch.as_tensor(_to_numpy(K)).float()
    if X.dim() != 3 or K.dim() != 3 or X.shape[0] != K.shape[0]:
        raise ValueError(f"X must be c_i x h x w and K c_i x k_h x k_w with the same c_i, got "
                         f"shapes {tuple(X.shape)} and {tuple(K.shape)}")
    partials = channel_partials(X, K, padding)
    total = partials.sum(0)
    c_i = X.shape[0]
    names = channel_names or [f"channel {c}" for c in range(c_i)]
    cmaps = cmaps or ["gray"] * c_i
    bound = float(max(partials.abs().max(), total.abs().max())) or 1.0
    fig, axes = plt.subplots(c_i + 1, 3, figsize=(3 * scale + 0.8, (c_i + 1) * scale),
                             squeeze=False, gridspec_kw={"width_ratios": [1, 0.8, 1]})
    for ax in axes.flat:
        ax.axis("off")
    for c in range(c_i):
        axes[c, 0].imshow(X[c].numpy(), cmap=cmaps[c])
        axes[c, 0].set_title(f"input {names[c]}", fontsize=9)
        k_max = float(K.abs().max()) or 1.0
        draw_matrix(axes[c, 1], K[c], numbers=K.shape[1] * K.shape[2] <= 25, cmap="RdBu_r",
                    vmin=-k_max, vmax=k_max)
        axes[c, 1].axis("on")
        axes[c, 1].set_title(f"kernel slice {c}", fontsize=9)
        image = axes[c, 2].imshow(partials[c].numpy(), cmap="RdBu_r", vmin=-bound, vmax=bound)
        axes[c, 2].set_title(f"partial result {c}", fontsize=9)
    axes[c_i, 1].text(0.5, 0.5, "sum of the\npartial results =", ha="center", va="center",
                      fontsize=9, transform=axes[c_i, 1].transAxes)
    axes[c_i, 2].imshow(total.numpy(), cmap="RdBu_r", vmin=-bound, vmax=bound)
    axes[c_i, 2].set_title("output channel", fontsize=9)
    fig.tight_layout()
    fig.subplots_adjust(right=0.82)
    fig.colorbar(image, cax=fig.add_axes([0.86, 0.2, 0.025, 0.6]), label="value (one scale)")
    return fig
