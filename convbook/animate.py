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
# buttons would be blank. Replace the icons with plain Unicode symbols and drop the link.
_ICONS = {"fa-minus": "\u2212", "fa-fast-backward": "\u23ee", "fa-step-backward": "\u25c1",
          "fa-play fa-flip-horizontal": "\u25c0", "fa-pause": "\u23f8", "fa-play": "\u25b6",
          "fa-step-forward": "\u25b7", "fa-fast-forward": "\u23ed", "fa-plus": "+"}


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
