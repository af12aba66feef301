"""The embedded colour photograph of section 06 (convbook.data.load_photo / build_photo) and
the figure that shows its per-channel partial sums (convbook.plot.show_channel_sum)."""
import hashlib

import matplotlib
import numpy as np
import pytest
import torch

from convbook import data
from convbook.ops import corr2d_multi_in
from convbook.plot import show_channel_sum

matplotlib.use("Agg")


def test_photo_is_the_documented_array():
    photo = data.load_photo()
    assert photo.shape == (3, 96, 96) and photo.dtype == torch.uint8
    digest = hashlib.sha256(photo.numpy().tobytes()).hexdigest()
    assert digest == "210fb0d68fbaf280264a78216824b26895aec255b523b3020cda5e543df388ea"
    # a real colour photograph: the three channels differ (the orange suit is red, not blue)
    means = photo.float().mean(dim=(1, 2))
    assert means[0] > means[2] + 20


def test_build_photo_averages_blocks_of_the_top_left_square(tmp_path):
    import matplotlib.image

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (12, 14, 3)).astype(np.uint8)
    png = tmp_path / "tiny.png"
    matplotlib.image.imsave(png, rgb)
    out = data.build_photo(png, tmp_path / "tiny.npz", crop=10, size=5)
    with np.load(out) as z:
        image = z["image"]
    expected = rgb[:10, :10].astype(float).reshape(5, 2, 5, 2, 3).mean(axis=(1, 3))
    assert image.shape == (3, 5, 5) and image.dtype == np.uint8
    assert np.abs(image.transpose(1, 2, 0) - expected).max() <= 0.5 + 1e-9


def test_build_photo_refuses_bad_sizes(tmp_path):
    import matplotlib.image

    png = tmp_path / "small.png"
    matplotlib.image.imsave(png, np.zeros((8, 8, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="crop must be a multiple of size"):
        data.build_photo(png, tmp_path / "x.npz", crop=10, size=3)
    with pytest.raises(ValueError, match="at least 10x10"):
        data.build_photo(png, tmp_path / "x.npz", crop=10, size=5)


def test_channel_sum_figure_draws_partials_that_add_up_to_the_output():
    X = torch.rand(3, 6, 7, generator=torch.Generator().manual_seed(0))
    K = torch.randn(3, 3, 3, generator=torch.Generator().manual_seed(1))
    fig = show_channel_sum(X, K, ["R", "G", "B"], padding=1)
    images = [ax.images[0].get_array() for ax in fig.axes[:12] if ax.images]
    total = np.asarray(images[-1])
    partials = [np.asarray(a) for a in images[2:-1:3]]          # column 3 of each channel row
    assert np.allclose(sum(partials), total, atol=1e-5)
    assert np.allclose(total, corr2d_multi_in(X, K, padding=1).numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="same c_i"):
        show_channel_sum(X, K[:2])
