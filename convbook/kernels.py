"""Classic hand-made kernels, by name, for the edge-detection and channel sections.

Each kernel is stored as nested tuples (immutable) and handed out as a fresh float tensor.
The names say what a kernel responds to: ``[[1, -1]]`` fires where the value changes from
one column to the next, i.e. on *vertical* edges.

>>> kernel("vertical edge")
tensor([[ 1., -1.]])
>>> list(GALLERY)[:3]
['vertical edge', 'horizontal edge', 'Sobel x']
"""
import torch

__all__ = ["KERNELS", "GALLERY", "kernel"]

KERNELS = {
    "vertical edge": ((1, -1),),                   # the chapter's K: left minus right neighbour
    "horizontal edge": ((1,), (-1,)),              # its transpose: upper minus lower neighbour
    "Sobel x": ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),   # smoothed d/dx: vertical edges
    "Sobel y": ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),   # smoothed d/dy: horizontal edges
    "box blur": ((1 / 9,) * 3,) * 3,
    "Gaussian blur": ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16), (1 / 16, 2 / 16, 1 / 16)),
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    "Laplacian": ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
    "identity": ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
}

# The kernels shown side by side in the edge-detection gallery (identity left out: it is the input).
GALLERY = {name: values for name, values in KERNELS.items() if name != "identity"}


def kernel(name, dtype=torch.float32):
    """A fresh tensor holding the named kernel (see ``KERNELS`` for the names).

    >>> kernel("Laplacian").sum().item()
    0.0
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a kernel name (str), got {type(name).__name__}")
    if name not in KERNELS:
        raise ValueError(f"name must be one of {sorted(KERNELS)}, got {name!r}")
    return torch.tensor(KERNELS[name], dtype=dtype)
