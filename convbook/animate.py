"""Motion for the static website: matplotlib animations saved as self-contained jshtml.

``FuncAnimation.to_jshtml()`` inlines every frame, so the animation plays in a page with no
kernel and no network. Each animation reuses the static drawing of the matching explorer.

>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> html = jshtml(fig, lambda frame: ax.set_title(str(frame)), frames=2)
>>> "<img" in html and 'alt="animation"' in html and 'aria-label="frame"' in html
True
"""
import hashlib
import re
from html import escape

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


def _offline(html, alt):
    """Drop the CDN stylesheet, use Unicode icons, name the image (``alt``) and the frame
    slider for screen readers, and make the element ids deterministic."""
    html = re.sub(r'<link rel="stylesheet"\s+href="[^"]*font-awesome[^"]*">', "", html)
    html = re.sub(r'<img id="(_anim_img[0-9a-f]{32})">',
                  lambda m: f'<img id="{m.group(1)}" alt="{escape(alt)}">', html)
    html = html.replace('class="anim-slider"', 'class="anim-slider" aria-label="frame"')
    html = re.sub(r'<i class="fa (fa-[a-z-]+(?: fa-flip-horizontal)?)"></i>',
                  lambda m: _ICONS[m.group(1)], html)
    uid = re.search(r'_anim_img([0-9a-f]{32})', html).group(1)
    return html.replace(uid, hashlib.sha1(html.replace(uid, "").encode()).hexdigest()[:32])


def jshtml(fig, draw_frame, frames, interval=700, default_mode="loop", alt="animation"):
    """Render ``draw_frame(i)`` for i in range(frames) on ``fig`` as jshtml; closes the figure.
    ``alt`` says what the animation shows (the image's alt text on the website).

    The frames are PNG (never SVG, which differs run to run), the ids are derived from the
    content, and no CDN is needed, so the output is the same every run and plays offline.
    """
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    animation = FuncAnimation(fig, draw_frame, frames=frames, interval=interval, blit=False)
    html = animation.to_jshtml(default_mode=default_mode)
    plt.close(fig)
    return _offline(html, alt)


def show(fig, draw_frame, frames, **kwargs):
    """The jshtml animation as an IPython HTML object for a notebook cell."""
    return HTML(jshtml(fig, draw_frame, frames, **kwargs))


# --- 04: a receptive field growing, layer by layer ----------------------------------------
# (The sliding kernel, the padded kernel walk, the channel and the pooling animations were
# dropped: each page's explorer plays the same steps, in the page, with its Play button.)

__all__ += ["receptive_field_growth"]


def receptive_field_growth(model=None, image=None, gradient=True, interval=1000, dpi=80):
    """The receptive field of the centre unit, layer by layer: the input region it sees (left,
    red = effective receptive field) and the unit on its own feature map (right).

    ``model`` defaults to LeNet (seeded weights), ``image`` to a sample ankle boot. Uses the
    receptive-field explorer's static drawing (``draw_field``), one frame per conv/pool layer,
    numbered l = 1, 2, ... as in section 04; the title gives r_l and J_l, the jump of the map
    layer l reads (section 04's definition, the same as the network sheet's column).
    """
    import torch

    from .data import sample_image
    from .figures import draw_field
    from .layers import LeNet
    from .network_fields import NetworkFields
    from .receptive import layer_window_params

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
        stride = layer_window_params(net.layers[frame])[1]
        jump = "\u00d7".join(str(S // s) for S, s in zip(f.stride, stride))
        draw_field(ax_in, net.maps[0], net.region(0, b, unit), net.margins[0],
                   f"input: r_{b} = {f.size[0]}\u00d7{f.size[1]}, J_{b} = {jump}",
                   net.gradient(b, unit) if gradient else None)
        draw_field(ax_map, net.maps[b], net.region(b, b, unit), (0, 0, 0, 0),
                   f"layer l = {b} ({net.names[frame]}): unit {unit}")

    draw(0)
    fig.tight_layout()
    alt = (f"The receptive field of the centre unit, one frame per layer of {len(net.fields)}: "
           "left, the input region it sees, growing with every layer, with the effective "
           "field in red; right, the unit on its own feature map.")
    return HTML(jshtml(fig, draw, len(net.fields), interval=interval, alt=alt))
