"""The sliding-kernel explorer driven from code and from its view's state (as the browser sets
it): the window, the output value, the arithmetic text and the refusals."""
import matplotlib.pyplot as plt
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook.kernels import GALLERY, KERNELS, kernel
from convbook.ops import conv2d, corr2d
from convbook.figures import sliding_figure
from convbook.textfmt import matrix_text, parse_matrix
from convbook.widgets.sliding import CUSTOM, PRESETS, SlidingKernelExplorer
from convbook.windows import Sliding

CHAPTER = "chapter: 3x3 input, 2x2 kernel"
EDGES = "edges: 6x8 image, K = [1, -1]"
SOBEL = "Sobel x on a 7x7 square"


# --- the chapter's example ------------------------------------------------------------------

def test_first_window_is_the_chapters_worked_example():
    w = SlidingKernelExplorer()
    assert w.preset == CHAPTER
    assert w.window == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert w.output_cell == (0, 0)
    assert w.value == 19
    assert w.arithmetic == "0×0 + 1×1 + 3×2 + 4×3 = 19"


@pytest.mark.parametrize("step, cell, value, text", [
    (1, (0, 1), 25, "1×0 + 2×1 + 4×2 + 5×3 = 25"),
    (2, (1, 0), 37, "3×0 + 4×1 + 6×2 + 7×3 = 37"),
    (3, (1, 1), 43, "4×0 + 5×1 + 7×2 + 8×3 = 43"),
])
def test_each_step_moves_the_window_row_by_row(step, cell, value, text):
    w = SlidingKernelExplorer()
    w.set_step(step)
    assert w.step == step and w.output_cell == cell and w.value == value
    assert w.arithmetic == text
    i, j = cell
    assert w.window == ((i, j), (i, j + 1), (i + 1, j), (i + 1, j + 1))


def test_the_view_state_drives_the_explorer_like_a_reader_would():
    w = SlidingKernelExplorer()
    w.view.step = 2                    # what the step slider or play sends through a kernel
    assert w.output_cell == (1, 0) and w.value == 37 and w.message == ""


def test_set_position_puts_the_window_on_a_cell():
    w = SlidingKernelExplorer(preset=EDGES)
    w.set_position(3, 5)
    assert w.output_cell == (3, 5) and w.step == 3 * 7 + 5
    assert w.window == ((3, 5), (3, 6))
    assert w.arithmetic == "0×1 + 1×(-1) = -1" and w.value == -1


# --- convolution mode -----------------------------------------------------------------------

def test_convolution_mode_slides_the_flipped_kernel():
    w = SlidingKernelExplorer(mode="convolution")
    assert torch.equal(w.kernel_used, torch.tensor([[3.0, 2], [1, 0]], dtype=torch.float64))
    assert w.arithmetic == "0×3 + 1×2 + 3×1 + 4×0 = 5" and w.value == 5
    assert torch.equal(w.output, conv2d(w.X, w.K))
    w.set_mode("cross-correlation")
    assert w.value == 19 and torch.equal(w.output, corr2d(w.X, w.K))


def test_mode_toggle_keeps_the_step():
    w = SlidingKernelExplorer(preset=SOBEL)
    w.set_step(7)
    w.view.mode = "convolution"
    assert w.mode == "convolution" and w.step == 7
    assert w.value == float(conv2d(w.X, w.K)[1, 2])


# --- editing and presets --------------------------------------------------------------------

def test_presets_load_the_chapters_examples():
    w = SlidingKernelExplorer()
    w.set_preset(EDGES)
    assert w.X.shape == (6, 8) and torch.equal(w.K, kernel("vertical edge").double())
    assert w.num_steps == 42 and w.view.preset == EDGES
    w.set_preset(SOBEL)
    assert torch.equal(w.K, kernel("Sobel x").double()) and w.output.shape == (5, 5)


def test_values_applied_in_the_view_change_the_explorer():
    w = SlidingKernelExplorer()
    with w.view.hold_trait_notifications():      # one message from the browser: X, K, preset
        w.view.X, w.view.K, w.view.preset = [[1, 2, 3], [4, 5, 6]], [[1, -1]], CUSTOM
    assert torch.equal(w.X, torch.tensor([[1.0, 2, 3], [4, 5, 6]], dtype=torch.float64))
    assert w.output.tolist() == [[-1, -1], [-1, -1]]
    assert w.preset == CUSTOM and w.message == ""


def test_set_input_and_kernel_accept_tensors_lists_and_text():
    w = SlidingKernelExplorer()
    w.set_input(torch.arange(12).reshape(3, 4))
    w.set_kernel("1; -1")
    assert w.K.shape == (2, 1) and w.output.shape == (2, 4)
    assert w.arithmetic == "0×1 + 4×(-1) = -4"


def test_a_step_beyond_the_new_size_is_clamped_when_values_shrink():
    w = SlidingKernelExplorer(preset=EDGES)
    w.set_step(40)
    w.set_input(torch.arange(9.0).reshape(3, 3))    # the edge kernel [1, -1]: 3x2 windows
    assert w.step == 5 and w.view.step == 5 and w.output_cell == (2, 1)
    w.set_preset(CHAPTER)                            # a new example starts at step 0
    assert w.step == 0 and w.view.step == 0


# --- refusals: setters raise; a bad state from the view is undone with a message -------------

@pytest.mark.parametrize("text, words", [
    ("1 2\n3", "same number of values"),
    ("1 x", "'x' is not a number"),
    ("", "at least one row"),
    ("1 inf", "'inf' is not a number"),
    ("\n".join(["1 " * 13] * 2), "at most 12x12"),
])
def test_bad_kernel_text_raises_naming_the_rule(text, words):
    w = SlidingKernelExplorer()
    before = w.K
    with pytest.raises(ValueError, match=words):
        w.set_kernel(text)
    assert torch.equal(w.K, before) and w.value == 19      # the old values stay in use


@pytest.mark.parametrize("call, error, words", [
    (lambda w: w.set_kernel(torch.ones(4, 1)), ValueError, "K must fit inside X"),
    (lambda w: w.set_step(99), ValueError, "step must be in 0..3"),
    (lambda w: w.set_step(-1), ValueError, "step must be in 0..3"),
    (lambda w: w.set_step(1.5), TypeError, "step must be an int"),
    (lambda w: w.set_position(5, 0), ValueError, "row must be in 0..1"),
    (lambda w: w.set_mode("convolve"), ValueError, "mode must be one of"),
    (lambda w: w.set_preset("nope"), ValueError, "name must be one of"),
    (lambda w: w.set_input("a b"), ValueError, "'a' is not a number"),
])
def test_impossible_settings_raise_and_change_nothing(call, error, words):
    w = SlidingKernelExplorer()
    with pytest.raises(error, match=words):
        call(w)
    assert w.step == 0 and w.K.shape == (2, 2) and w.view.K == [[0, 1], [2, 3]]


def test_a_bad_state_from_the_view_is_undone_with_a_message():
    w = SlidingKernelExplorer()
    w.view.K = [[1, 2], [3]]                 # ragged: never sent by our view, but refused
    assert w.view.K == [[0.0, 1.0], [2.0, 3.0]] and "K" in w.message
    w.view.step = 4
    assert w.view.step == 0 and "step must be in 0..3" in w.message


def test_text_boxes_hold_exact_values_so_apply_loses_nothing():
    """Regression: the boxes showed values rounded to 2 decimals and 'apply' read them back."""
    w = SlidingKernelExplorer()
    w.set_kernel("0.125 0.004\n1 1")
    assert w.view.k_text == "0.125 0.004\n1 1"
    w.set_kernel(w.view.k_text)                     # what "apply values" reads back
    assert w.K.tolist() == [[0.125, 0.004], [1.0, 1.0]]


# --- constructor arguments ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, name", [
    ({"preset": "nope"}, ValueError, "preset"),
    ({"mode": "convolve"}, ValueError, "mode"),
    ({"X": [[1, 2]]}, ValueError, "X and K"),
    ({"X": [[1, 2]], "K": [[1, 2, 3]]}, ValueError, "K must fit"),
    ({"X": "12", "K": [[1]]}, TypeError, "X"),
    ({"X": [1, 2], "K": [[1]]}, ValueError, "X must be a 2-D"),
    ({"step": 4}, ValueError, "step"),
    ({"step": "0"}, TypeError, "step"),
])
def test_bad_constructor_arguments_raise_naming_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        SlidingKernelExplorer(**kwargs)


# --- the model agrees with convbook.ops -----------------------------------------------------

small = st.integers(-9, 9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.data())
def test_every_step_sums_its_products_to_the_ops_output(h, w, k_h, k_w, data):
    k_h, k_w = min(k_h, h), min(k_w, w)
    X = torch.tensor(data.draw(st.lists(st.lists(small, min_size=w, max_size=w), min_size=h,
                                        max_size=h)), dtype=torch.float64)
    K = torch.tensor(data.draw(st.lists(st.lists(small, min_size=k_w, max_size=k_w),
                                        min_size=k_h, max_size=k_h)), dtype=torch.float64)
    mode = data.draw(st.sampled_from(["cross-correlation", "convolution"]))
    model = Sliding(X, K, mode)
    used = K.flip(0, 1) if mode == "convolution" else K
    for step in range(model.num_steps):
        frame = model.at(step)
        i, j = frame.output_cell
        assert frame.value == float(corr2d(X, used)[i, j])
        products = [float(X[r, c] * used[r - i, c - j]) for r, c in frame.window]
        assert sum(products) == frame.value
        assert frame.arithmetic.count("×") == k_h * k_w
        assert frame.arithmetic.endswith(f"= {frame.value:.0f}")


@given(st.lists(st.lists(st.integers(-99, 99), min_size=3, max_size=3), min_size=1, max_size=4))
def test_parse_matrix_reads_back_what_the_widget_writes(rows):
    assert parse_matrix(matrix_text(rows)).tolist() == rows


# --- static figure and animation ------------------------------------------------------------

def test_static_figure_marks_the_window_and_titles_the_arithmetic():
    w = SlidingKernelExplorer()
    w.set_step(2)
    fig = w.figure()
    try:
        ax_in, ax_k, ax_out = fig.axes
        window = [p for p in ax_in.patches if p.get_gid() == "cb-sliding-step"]
        assert len(window) == 1 and window[0].get_xy() == (-0.5, 0.5)    # top-left at (1, 0)
        assert (window[0].get_width(), window[0].get_height()) == (2, 2)
        assert fig._suptitle.get_text() == "Y[1, 0] = 3×0 + 4×1 + 6×2 + 7×3 = 37"
        assert ax_k.get_title() == "kernel K"
    finally:
        plt.close(fig)


def test_later_steps_replace_the_marks_instead_of_adding_more():
    from convbook.figures import draw_sliding_step

    model = Sliding(torch.arange(9.0).reshape(3, 3), torch.ones(2, 2))
    fig, axes = sliding_figure(model, 0)
    try:
        counts = []
        for step in range(model.num_steps):
            draw_sliding_step(axes, model, step)
            counts.append(sum(p.get_gid() == "cb-sliding-step" for ax in axes for p in ax.patches))
        assert counts == [4, 3, 3, 2]   # window + cell + fades (row rest, rows below)
    finally:
        plt.close(fig)


# --- the view and the kernels module ---------------------------------------------------------

def test_view_is_an_anywidget_with_its_state_and_module():
    import anywidget

    w = SlidingKernelExplorer()
    assert isinstance(w.view, anywidget.AnyWidget)
    state = w.view.get_state()
    assert state["X"] == w.X.tolist() and state["mode"] == "cross-correlation"
    assert "export default" in state["_esm"] and "function cbGrid" in state["_esm"]
    bundle = w.view._repr_mimebundle_()[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "<sliding-kernel explorer>"     # stable: nbval compares it


def test_kernel_gallery_names_and_values():
    assert set(GALLERY) < set(KERNELS) and "identity" not in GALLERY
    assert kernel("Sobel y").tolist() == kernel("Sobel x").T.tolist()
    assert kernel("horizontal edge").tolist() == kernel("vertical edge").T.tolist()
    for name in ("box blur", "Gaussian blur", "sharpen"):
        assert kernel(name).sum().item() == pytest.approx(1.0)     # keep the mean brightness
    for name in ("vertical edge", "Sobel x", "Laplacian"):
        assert kernel(name).sum().item() == 0                      # flat regions give 0
    k = kernel("sharpen")
    k[0, 0] = 99
    assert kernel("sharpen")[0, 0] == 0                              # a fresh copy every call
    with pytest.raises(ValueError, match="name must be one of"):
        kernel("sobel")
    with pytest.raises(TypeError, match="name"):
        kernel(3)
