"""Figures stay readable on a 390 px phone: a helper's figure for a wide input is at most
plot.MAX_WIDTH inches wide and every visible label is >= 6 CSS px when the figure is shown
358 px wide (the content width at 390 px), issue 23."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

from convbook.figures import sliding_figure
from convbook.matrix import ConvMatrix
from convbook.plot import (MAX_WIDTH, draw_conv_matrix, show_feature_maps, show_images,
                           show_matrices, show_signed_maps)
from convbook.speedrun import show_levers
from convbook.windows import Sliding

matplotlib.use("Agg")
PHONE_PX = 358          # rendered image width at a 390 px viewport (measured on the site)


def smallest_label_px(fig):
    """CSS px of the smallest visible, non-empty text when ``fig`` is shown PHONE_PX wide."""
    fig.canvas.draw()
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.figure is fig]
    return min(sizes) / 72 * PHONE_PX / max(fig.get_figwidth(), PHONE_PX / fig.dpi)


def levers(n):
    run = {"label": "recipe", "cpu_seconds": [1, 2], "train_seconds": [1, 2],
           "test_acc": [0.85, 0.91]}
    return {"levers": {f"lever {k}": [run, {**run, "label": "variant"}] for k in range(n)}}


WIDE = {
    "show_matrices, 06's 1x1 convolution": lambda: show_matrices(
        [np.zeros((3, 3))] * 3 + [np.zeros((2, 3))] + [np.zeros((3, 3))] * 2, list("abcdef")),
    "show_matrices, 05's cell_size=0.42": lambda: show_matrices(
        [np.ones((6, 6))] * 3 + [np.ones((8, 8))], list("abcd"), cell_size=0.42),
    "show_matrices, one matrix wider than the cap": lambda: show_matrices(
        [np.ones((2, 20))], ["wide"]),
    "show_images, 08's 20 classes": lambda: show_images(
        [np.eye(28)] * 20, ["Ankle boot"] * 20, ncols=10, scale=1.1),
    "show_images, 00's canvases": lambda: show_images([np.eye(40)] * 8, ["Sneaker"] * 8),
    "show_signed_maps, 08's 16 directions": lambda: show_signed_maps(
        [np.eye(5) - 0.5] * 16, [f"direction {k}" for k in range(16)], ncols=8, scale=1.1),
    "show_feature_maps, 08's first layer": lambda: show_feature_maps(
        [np.eye(28)] * 2, [np.random.rand(6, 28, 28)] * 2, ["pullover", "coat"], scale=1.25,
        suptitle="layer l = 1"),
    "show_feature_maps, 08's second layer": lambda: show_feature_maps(
        [np.eye(28)] * 2, [np.random.rand(16, 10, 10)] * 2, ["pullover", "coat"],
        maps_per_row=8, scale=1.0),
    "show_levers, 8 levers": lambda: show_levers(levers(8)),
}


@pytest.mark.parametrize("name", WIDE)
def test_a_wide_figure_is_capped_and_its_labels_are_readable_on_a_phone(name):
    fig = WIDE[name]()
    try:
        assert fig.get_figwidth() <= MAX_WIDTH + 1e-9, name
        assert smallest_label_px(fig) >= 6, name
    finally:
        plt.close(fig)


@pytest.mark.parametrize("view", ["matrix", "im2col", "transpose"])
def test_draw_conv_matrix_caps_a_wide_figure(view):
    fig = plt.figure(figsize=(8.4, 2.9), dpi=80)
    model = ConvMatrix(np.arange(4.0).reshape(2, 2), (3, 3))
    draw_conv_matrix(fig, model, np.arange(9.0).reshape(3, 3), view)
    assert fig.get_figwidth() == pytest.approx(MAX_WIDTH)
    assert fig.get_figheight() == pytest.approx(2.9 * MAX_WIDTH / 8.4)
    assert smallest_label_px(fig) >= 6
    plt.close(fig)


def test_the_sliding_figure_of_a_wide_input_is_capped():
    fig, _ = sliding_figure(Sliding(np.zeros((6, 12)), np.ones((3, 3))))
    assert fig.get_figwidth() <= MAX_WIDTH + 1e-9
    plt.close(fig)


def test_a_set_that_fits_keeps_its_desktop_layout():
    """Three small matrices stay in one row at the old size; a short image row keeps its
    columns and scale."""
    fig = show_matrices([np.zeros((3, 3)), np.zeros((2, 2)), np.zeros((2, 2))])
    assert fig.get_figwidth() == pytest.approx(0.5 * 7 + 1.0 * 4 * 0.5)
    assert fig.get_figheight() == pytest.approx(0.5 * (3 + 1.4))       # one row
    fig2 = show_images([np.eye(3)] * 3, ncols=3, scale=2.0)
    assert fig2.get_size_inches() == pytest.approx((6.0, 2.3))
    plt.close(fig), plt.close(fig2)


def test_wrapped_matrices_keep_their_order_and_fill_rows_evenly():
    """06's six matrices: inputs in the first row, W and the outputs in the second."""
    fig = show_matrices([np.zeros((3, 3))] * 3 + [np.zeros((2, 3))] + [np.zeros((3, 3))] * 2,
                        list("abcdef"))
    tops = [round(ax.get_position().y1, 3) for ax in fig.axes]
    lefts = [ax.get_position().x0 for ax in fig.axes]
    assert tops[0] == tops[1] == tops[2] > max(tops[3:])
    assert lefts[:3] == sorted(lefts[:3]) and lefts[3:] == sorted(lefts[3:])
    assert [ax.get_title() for ax in fig.axes] == list("abcdef")
    plt.close(fig)


def test_matrices_shrink_a_little_before_they_wrap():
    """03's X (6 x 8) and Y (6 x 7) stay side by side with 0.36-inch cells, not stacked."""
    fig = show_matrices([np.zeros((6, 8)), np.zeros((6, 7))], ["X", "Y"])
    x, y = (ax.get_position() for ax in fig.axes)
    assert fig.get_figwidth() <= MAX_WIDTH + 1e-9
    assert y.x0 > x.x1 and y.y1 == pytest.approx(x.y1)
    plt.close(fig)
