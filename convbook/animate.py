"""Motion for the static website: matplotlib animations saved as self-contained jshtml.

``FuncAnimation.to_jshtml()`` inlines every frame, so the animation plays in a page with no
kernel and no network. Each animation reuses the drawing code of the matching widget.

>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> html = jshtml(fig, lambda frame: ax.set_title(str(frame)), frames=2)
>>> "<img" in html
True
"""
import hashlib
import re

import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib.animation import FuncAnimation

__all__ = ["jshtml", "show"]

# matplotlib's player links Font Awesome from a CDN for its button icons: offline the
# buttons would be blank. Replace the icons with Unicode symbols that DejaVu Sans (shipped
# almost everywhere) covers, and drop the link.
_ICONS = {"fa-minus": "\u2212", "fa-fast-backward": "\u21e4", "fa-step-backward": "\u25c1",
          "fa-play fa-flip-horizontal": "\u25c0", "fa-pause": "\u275a\u275a", "fa-play": "\u25b6",
          "fa-step-forward": "\u25b7", "fa-fast-forward": "\u21e5", "fa-plus": "+"}


def _offline(html):
    """Drop the CDN stylesheet, use Unicode icons, and make the element ids deterministic."""
    html = re.sub(r'<link rel="stylesheet"\s+href="[^"]*font-awesome[^"]*">', "", html)
    html = re.sub(r'<i class="fa (fa-[a-z-]+(?: fa-flip-horizontal)?)"></i>',
                  lambda m: _ICONS[m.group(1)], html)
    uid = re.search(r'_anim_img([0-9a-f]{32})', html).group(1)
    return html.replace(uid, hashlib.sha1(html.replace(uid, "").encode()).hexdigest()[:32])


def jshtml(fig, draw_frame, frames, interval=700, default_mode="loop"):
    """Render ``draw_frame(i)`` for i in range(frames) on ``fig`` as jshtml; closes the figure.

    The frames are PNG (never SVG, which differs run to run), the ids are derived from the
    content, and no CDN is needed, so the output is the same every run and plays offline.
    """
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    animation = FuncAnimation(fig, draw_frame, frames=frames, interval=interval, blit=False)
    html = animation.to_jshtml(default_mode=default_mode)
    plt.close(fig)
    return _offline(html)


def show(fig, draw_frame, frames, **kwargs):
    """The jshtml animation as an IPython HTML object for a notebook cell."""
    return HTML(jshtml(fig, draw_frame, frames, **kwargs))


# --- the sliding kernel (sections 01-03) ------------------------------------------------------
__all__ += ["sliding_kernel"]

MAX_FRAMES = 40        # keeps a page light: each frame is an inlined PNG


def sliding_kernel(X, K, mode="cross-correlation", steps=None, interval=700, dpi=80):
    """The kernel sliding over X, one frame per output cell, drawn by the same code as
    ``SlidingKernel.figure()``. ``steps`` picks the window positions (default: the first
    40); returns an IPython HTML object to show in a notebook.

    >>> sliding_kernel([[0, 1, 2], [3, 4, 5]], [[1, -1]]).data.count("data:image/png") >= 4
    True
    """
    from .figures import draw_sliding_step, sliding_figure
    from .geometry import Sliding

    model = Sliding(X, K, mode)               # checks X, K and mode, naming them
    steps = list(range(min(model.num_steps, MAX_FRAMES)) if steps is None else steps)
    if not steps or len(steps) > MAX_FRAMES:
        raise ValueError(f"steps must hold 1 to {MAX_FRAMES} window positions, got {len(steps)}")
    bad = [s for s in steps if isinstance(s, bool) or not isinstance(s, int)
           or not 0 <= s < model.num_steps]
    if bad:
        raise ValueError(f"steps must be ints in 0..{model.num_steps - 1}, got {bad[0]!r}")
    fig, axes = sliding_figure(model, steps[0], dpi=dpi)
    return HTML(jshtml(fig, lambda i: draw_sliding_step(axes, model, steps[i]), len(steps),
                       interval=interval))


# --- 04/05 geometry: a receptive field growing, a kernel walking over a padded input ------

__all__ += ["receptive_field_growth", "kernel_walk"]


def receptive_field_growth(model=None, image=None, gradient=True, interval=1000, dpi=80):
    """The receptive field of the centre unit, layer by layer: the input region it sees (left,
    red = effective receptive field) and the unit on its own feature map (right).

    ``model`` defaults to LeNet (seeded weights), ``image`` to a sample ankle boot. Uses the
    receptive-field widget's drawing (``draw_field``), one frame per conv/pool layer, numbered
    l = 1, 2, ... as in section 04; the title gives r_l and J_l, the jump of the map layer l
    reads (section 04's definition, the same as the network sheet's column).
    """
    import torch

    from .layers import LeNet
    from .figures import draw_field
    from .netspec import NetworkFields, sample_image
    from .receptive import layer_geometry

    if model is None:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = LeNet()
    net = NetworkFields(model, sample_image()[0] if image is None else image)
    fig, (ax_in, ax_map) = plt.subplots(1, 2, figsize=(6.4, 3.3), dpi=dpi)

    def draw(frame):
        b = frame + 1
        unit = tuple(n // 2 for n in net.shapes[b])
        f = net.fields[frame]
        jump = "\u00d7".join(str(S // s) for S, s in zip(f.stride,
                                                          layer_geometry(net.layers[frame])[1]))
        draw_field(ax_in, net.maps[0], net.region(0, b, unit), net.margins[0],
                   f"input: r_{b} = {f.size[0]}\u00d7{f.size[1]}, J_{b} = {jump}",
                   net.gradient(b, unit) if gradient else None)
        draw_field(ax_map, net.maps[b], net.region(b, b, unit), (0, 0, 0, 0),
                   f"layer l = {b} ({net.names[frame]}): unit {unit}")

    draw(0)
    fig.tight_layout()
    return HTML(jshtml(fig, draw, len(net.fields), interval=interval))


def kernel_walk(input_size=8, kernel_size=3, padding=1, stride=2, dilation=1, max_frames=40,
                interval=600, dpi=80):
    """The kernel visiting every window of a zero-padded, strided input (at most ``max_frames``),
    drawn with the padding/stride explorer's static view (``draw_window``)."""
    from .figures import draw_window
    from .geometry import WindowGeometry

    g = WindowGeometry(input_size, kernel_size, padding, stride, dilation)
    if not g.fits:
        raise ValueError(f"kernel_size does not fit: {g.problem}")
    frames = min(g.window_count, max_frames)
    rows, cols = g.padded_shape
    out_h, out_w = g.output_shape
    cell = 0.28
    fig, axes = plt.subplots(1, 2, figsize=(cell * (cols + out_w) + 1.5, cell * rows + 0.8),
                             dpi=dpi, gridspec_kw={"width_ratios": [cols, out_w]})
    draw_window(axes, g, 0)
    fig.tight_layout()
    return HTML(jshtml(fig, lambda i: draw_window(axes, g, i), frames, interval=interval))


# --- 06/07 channels and pooling: partial sums per output channel, a pooling window sliding -----

__all__ += ["channel_animation", "pooling_animation"]


def channel_animation(X, K, bias=0.0, max_frames=40, interval=700, dpi=80):
    """Every output cell of every output channel in turn: each input channel with its window,
    its kernel slice and partial result, and the sum (+ bias); drawn with the channel
    explorer's static view (``draw_channel_step``). K is c_o x c_i x k_h x k_w.

    >>> X = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
    >>> channel_animation(X, [[[0, 1], [2, 3]], [[1, 2], [3, 4]]]).data.count("data:image/png")
    4
    """
    from .figures import draw_channel_step

    from .geometry import channel_layer
    from .ops import corr2d_multi_in_out

    X, K, bias = channel_layer(X, K, bias)          # checks X, K and bias, naming them
    c_o, out_h, out_w = corr2d_multi_in_out(X, K).shape
    steps = [(o, divmod(k, out_w)) for o in range(c_o) for k in range(out_h * out_w)]
    steps = steps[:max_frames]
    fig = plt.figure(figsize=(6, 1.5 * K.shape[1] + 0.3), dpi=dpi)

    draw_channel_step(fig, X, K, bias, *steps[0])
    return HTML(jshtml(fig, lambda frame: draw_channel_step(fig, X, K, bias, *steps[frame]),
                       len(steps), interval=interval))


def pooling_animation(X, pool_size=2, mode="max", padding=0, stride=None, max_frames=40,
                      interval=700, dpi=80):
    """The pooling window visiting every output cell (at most ``max_frames``), the winner of each
    max outlined in red; drawn with the pooling explorer's static view (``draw_pooling_step``).

    >>> X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    >>> pooling_animation(X, 2, stride=1).data.count("data:image/png")
    4
    """
    from .figures import draw_pooling_step

    from ._checks import as_tensor, pair
    from .ops import pool2d

    size = pair(pool_size, "pool_size", 1)
    s = {"pool_size": size, "padding": pair(padding, "padding", 0), "mode": mode,
         "stride": size if stride is None else pair(stride, "stride", 1)}
    Y = pool2d(as_tensor(X, "X"), s["pool_size"], mode, s["padding"], s["stride"])  # checks
    out_w = Y.shape[1]
    frames = min(Y.numel(), max_frames)
    fig, axes = plt.subplots(1, 2, figsize=(6, 3), dpi=dpi)

    def draw(frame):
        draw_pooling_step(axes, X, s["pool_size"], s["padding"], s["stride"], s["mode"],
                          divmod(frame, out_w))

    draw(0)
    fig.tight_layout()                     # once: every frame reuses the same panels
    return HTML(jshtml(fig, draw, frames, interval=interval))
