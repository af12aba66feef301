"""The trained-network explorer as a static figure (its fallback on the website): the input,
every layer's values on one symmetric diverging scale per layer (the colours ``js/trained.js``
paints with), and the softmax as labelled bars. At most ``convbook.plot.MAX_WIDTH`` wide.

>>> import torch
>>> from convbook.layers import ModernLeNet
>>> from convbook.network_export import check_network, forward_trace
>>> net = ModernLeNet()
>>> fig = network_figure(forward_trace(net, torch.rand(1, 28, 28)), check_network(net),
...                      [str(k) for k in range(10)])
>>> bool(fig.get_figwidth() <= 6.5)
True
"""
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from ..plot import MAX_WIDTH, MIN_FONT

__all__ = ["COLOURS", "STRIP", "colour", "diverging_map", "network_figure"]

# The diverging scale, as sRGB: -limit, 0 and +limit; values between are mixed linearly.
COLOURS = {"negative": [33, 102, 172], "zero": [247, 247, 247], "positive": [178, 24, 43]}
STRIP = 40             # a vector is drawn in rows of this many values


def colour(value, limit):
    """The [r, g, b] the view paints ``value`` with on the scale -limit..+limit."""
    t = 0.0 if limit <= 0 else max(-1.0, min(1.0, value / limit))
    end = COLOURS["positive" if t > 0 else "negative"]
    return [round(z + abs(t) * (e - z)) for z, e in zip(COLOURS["zero"], end)]


def diverging_map():
    stops = [COLOURS[k] for k in ("negative", "zero", "positive")]
    return LinearSegmentedColormap.from_list("convbook-diverging",
                                             [np.array(c) / 255 for c in stops])


def _strip(values):
    """A vector as rows of STRIP values (the last row padded with nan)."""
    n = len(values)
    rows = max(1, math.ceil(n / STRIP))
    out = np.full(rows * min(n, STRIP), np.nan)
    out[:n] = values
    return out.reshape(rows, min(n, STRIP))


def network_figure(activations, layers, labels, title=None):
    """The figure of one forward pass: ``activations`` = [input, layer 1, ...] (as
    ``forward_trace`` gives them), ``layers`` = ``check_network``'s records."""
    width, gap, head = MAX_WIDTH, 0.06, 0.3
    rows = []                                # (title, [2-D arrays], cell inches, limit)
    for number, (record, values) in enumerate(zip(layers, activations[1:]), 1):
        values = values.detach().double().numpy()
        limit = float(np.abs(values).max()) if values.size else 0.0
        if values.ndim == 3:
            n = values.shape[0]
            side = min(0.8, (width - 0.15 - gap * (n - 1)) / n)
            arrays = list(values)
        else:
            arrays = [_strip(values)]
            side = min(width - 0.15, 0.16 * arrays[0].shape[1])
        name = record["name"].split("(")[0]
        shape = "\u00d7".join(str(v) for v in record["shape"])
        rows.append((f"{number}: {name} {shape}, scale \u00b1{limit:.3g}", arrays, side, limit))
    top = 2.6
    heights = [head + side * (a[0].shape[0] / a[0].shape[1] if len(a) == 1 else 1)
               for _, a, side, _ in rows]
    height = top + sum(heights) + 0.2
    fig = plt.figure(figsize=(width, height), dpi=100)
    place = lambda left, y, w, h: fig.add_axes(  # noqa: E731
        [left / width, 1 - (y + h) / height, w / width, h / height])
    ax = place(0.1, 0.45, 1.5, 1.5)
    ax.imshow(activations[0][0].numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title("input", fontsize=MIN_FONT + 1)
    ax.axis("off")
    probabilities = activations[-1].double().softmax(0).numpy()
    bars = place(3.1, 0.45, width - 3.3, 1.5)
    bars.barh(range(len(labels)), probabilities, color="#1d6f65")
    bars.set_yticks(range(len(labels)), labels, fontsize=MIN_FONT)
    bars.invert_yaxis()
    bars.set_xlim(0, 1)
    bars.tick_params(axis="x", labelsize=MIN_FONT)
    best = int(np.argmax(probabilities))
    bars.set_title(f"softmax: {labels[best]} ({probabilities[best]:.1%})", fontsize=MIN_FONT + 1)
    if title:
        fig.text(0.02, 1 - 0.2 / height, title, fontsize=MIN_FONT + 1, weight="bold")
    cmap, y = diverging_map().with_extremes(bad="white"), top
    legend = place(0.1, 2.05, 1.5, 0.12)
    legend.imshow(np.linspace(-1, 1, 101)[None], cmap=cmap, aspect="auto")
    legend.set_xticks([0, 50, 100], ["−scale", "0", "+scale"], fontsize=MIN_FONT)
    legend.set_yticks([])
    for (text, arrays, side, limit), h in zip(rows, heights):
        fig.text(0.02, 1 - (y + 0.2) / height, text, fontsize=MIN_FONT)
        for k, array in enumerate(arrays):
            ax = place(0.05 + k * (side + gap), y + head, side, h - head)
            ax.imshow(array, cmap=cmap, vmin=-limit or -1, vmax=limit or 1,
                      interpolation="nearest", aspect="auto")
            ax.set_xticks([])
            ax.set_yticks([])
        y += h
    return fig
