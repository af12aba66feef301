"""convbook: the helper package of the convbook notebooks (CNN chapter of Dive into Deep Learning).

Modules: ops (the arithmetic), matrix (convolution as a matrix), layers (Conv2D, LeNet),
receptive (receptive fields); the explorers' models, without widgets: windows (where a window
goes and what it computes), netspec (the layer language, the network sheet, layer_summary),
network_fields (the receptive-field explorer's model), widget_state (checks of an explorer's
state); textfmt (numbers as text), plot and figures (static pictures), animate (jshtml
motion), widgets (the explorers: anywidget views in JavaScript), exercises (self-checks), data (Fashion-MNIST),
train (training loop and accuracy), display (a run's live plot and
progress bar), recipe (fast training), probes (gradient norms, shifted images,
confidence, effective receptive fields).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("convbook")
except PackageNotFoundError:   # running from a source tree that is not installed
    __version__ = "0+unknown"


def seed(value=0):
    """Seed torch, numpy and random so a notebook gives the same numbers every run."""
    import random

    import numpy as np
    import torch

    random.seed(value)
    np.random.seed(value)
    torch.manual_seed(value)
