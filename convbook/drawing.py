"""The trained-network explorer's input canvas: a grey image of 256 levels (uint8, value / 255
in [0, 1]) edited as a reader edits it in the page (``js/trained.js`` does the same
arithmetic): a brush, one-pixel shifts, inversion, rotation by 90 degrees, and a fixed noise
pattern scaled by a level and clipped to [0, 1]. The network reads ``network_input``: the
canvas as ``convbook.train.as_images`` gives it (uint8 / 255, no normalisation) plus noise.

>>> canvas = paint(torch.zeros(5, 5, dtype=torch.uint8), [(2, 2)])
>>> canvas[1:4, 1:4].tolist()
[[0, 128, 0], [128, 255, 128], [0, 128, 0]]
>>> shift(canvas, 0, 2)[2].tolist(), rotate(shift(canvas, 0, 2))[:, 2].tolist()
([0, 0, 0, 128, 255], [255, 128, 0, 0, 0])
"""
import torch

from .probes import shift_images

__all__ = ["PEN", "RIM", "NOISE_LEVELS", "paint", "shift", "invert", "rotate",
           "noise_pattern", "network_input"]

PEN = 255             # the brush's centre cell
RIM = 128             # its four neighbours (at least this bright)
NOISE_LEVELS = 100    # the noise slider's steps: level n adds n / 100 of the pattern


def paint(canvas, cells, erase=False):
    """A copy of ``canvas`` (H x W uint8) with the brush put on each (row, col) of ``cells``:
    the cell set to PEN and its four neighbours raised to at least RIM; ``erase`` sets the
    cell and its neighbours to 0. The result does not depend on the order of the cells."""
    out = canvas.clone()
    h, w = out.shape
    for r, c in cells:
        for dr, dc in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)):
            y, x = r + dr, c + dc
            if 0 <= y < h and 0 <= x < w:
                if erase:
                    out[y, x] = 0
                elif (dr, dc) == (0, 0):
                    out[y, x] = PEN
                else:
                    out[y, x] = max(int(out[y, x]), RIM)
    return out


def shift(canvas, dy, dx):
    """``canvas`` moved down by ``dy`` and right by ``dx`` pixels; what enters is 0 (black).
    The move of ``convbook.probes.shift_images``, with the explorer's (dy, dx) order."""
    return shift_images(canvas, dx, dy)


def invert(canvas):
    """Black for white: 255 - value."""
    return 255 - canvas


def rotate(canvas):
    """Turned by 90 degrees counter-clockwise (``torch.rot90(canvas, 1, (0, 1))``)."""
    return torch.rot90(canvas, 1, (0, 1)).contiguous()


def noise_pattern(shape, seed=0):
    """The fixed noise: float32 values uniform in [-1, 1), from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=generator) * 2 - 1


def network_input(canvas, level, pattern):
    """What the network reads: canvas / 255 + (level / NOISE_LEVELS) * pattern, clipped to
    [0, 1], computed in float64 (as the page does) and given to the network as float32,
    with a channel axis: 1 x H x W."""
    x = canvas.double() / 255 + (level / NOISE_LEVELS) * pattern.double()
    return x.clamp(0, 1).float()[None]
