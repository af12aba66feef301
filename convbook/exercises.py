"""Self-checks for the exercises at the end of each section.

Each check prints one clear line, PASS or FAIL with a hint, and returns a Verdict (truthy
when it passed; it displays nothing in a notebook, so only the printed line shows),
so a reader can call it after writing an answer:

>>> ok = check_output_size((3, 3), 8, 6)
PASS: input 8, kernel 6, padding 0, stride 1 give a 3x3 output.
>>> bool(ok)
True
"""
import torch

from .ops import corr2d, output_shape

NOT_ANSWERED = "Not answered yet: replace None with your answer and run the cell again."


class Verdict:
    """True/False result of a check; shows nothing in a notebook (the check already printed)."""

    def __init__(self, ok):
        self.ok = bool(ok)

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return f"Verdict({self.ok})"

    def _ipython_display_(self):
        pass


def report(ok, message, hint=""):
    """Print PASS/FAIL with the message (and the hint on failure); return a Verdict."""
    print(("PASS: " if ok else "FAIL: ") + message + ("" if ok or not hint else f" Hint: {hint}"))
    return Verdict(ok)


def answered(answer):
    """False (after telling the reader) when the answer is still None."""
    if answer is None:
        print(NOT_ANSWERED)
        return Verdict(False)
    return Verdict(True)


def close(answer, expected, atol=1e-4):
    """True when ``answer`` has the expected shape and values (tensors, arrays or numbers)."""
    try:
        answer = torch.as_tensor(answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return Verdict(False)
    expected = torch.as_tensor(expected, dtype=torch.float64)
    return answer.shape == expected.shape and torch.allclose(answer, expected, atol=atol)


# --- 01 cross-correlation -------------------------------------------------------------

def check_output_size(answer, input_size, kernel_size, padding=0, stride=1):
    """Check an (h, w) answer for the output size of a kernel sliding over an input."""
    if not answered(answer):
        return Verdict(False)
    expected = output_shape(input_size, kernel_size, padding, stride)
    setting = f"input {input_size}, kernel {kernel_size}, padding {padding}, stride {stride}"
    ok = isinstance(answer, (tuple, list)) and tuple(answer) == expected
    return report(ok, f"{setting} give a {expected[0]}x{expected[1]} output." if ok
                  else f"{answer!r} is not the output size (h, w) for {setting}.",
                  "per axis the window fits floor((n + 2p - k) / s) + 1 times.")


def check_corr2d(answer, X, K):
    """Check a hand-computed cross-correlation of X with K."""
    if not answered(answer):
        return Verdict(False)
    expected = corr2d(X, K)
    ok = close(answer, expected)
    return report(ok, "that is the cross-correlation." if ok else f"{answer} is not it.",
                  f"the output has shape {tuple(expected.shape)}; each entry is the sum of "
                  "the products under the kernel.")


def check_conv_layer_parameters(answer, kernel_size):
    """Check the number of learnable parameters of convbook.layers.Conv2D(kernel_size)."""
    if not answered(answer):
        return Verdict(False)
    from .layers import Conv2D

    expected = sum(p.numel() for p in Conv2D(kernel_size).parameters())
    return report(answer == expected, f"Conv2D({kernel_size}) has {expected} parameters."
                  if answer == expected else f"{answer} is not the parameter count.",
                  "count the kernel's entries, then do not forget the bias.")


# --- 06 channels ---------------------------------------------------------------------

def check_corr2d_multi_in(answer, X, K):
    """Check a hand-computed multi-input-channel cross-correlation of X (c_i x h x w) with K."""
    if not answered(answer):
        return Verdict(False)
    from .ops import corr2d_multi_in

    expected = corr2d_multi_in(X, K)
    ok = close(answer, expected)
    return report(ok, "that is the sum over channels." if ok else f"{answer} is not it.",
                  f"correlate each input channel with its own kernel slice, then add the "
                  f"{len(X)} results entry by entry; the output has shape {tuple(expected.shape)}.")


def check_conv2d_cost(answer, in_channels, out_channels, kernel_size, output_size):
    """Check a (parameters, flops) answer for one convolutional layer with bias."""
    if not answered(answer):
        return Verdict(False)
    from .ops import conv2d_cost

    cost = conv2d_cost(in_channels, out_channels, kernel_size, output_size)
    expected = (cost["parameters"], cost["flops"])
    try:
        got = tuple(answer.values()) if isinstance(answer, dict) else tuple(answer)
    except TypeError:
        got = (answer,)
    if got == expected:
        return report(True, f"{expected[0]:,} parameters and {expected[1]:,} FLOPs.")
    if len(got) != 2:
        return report(False, f"{answer!r} is not a (parameters, flops) pair.")
    hint = ("parameters: c_o * c_i * k_h * k_w weights plus c_o biases." if got[0] != expected[0]
            else "FLOPs: 2 per multiply-add (c_o * h_out * w_out * c_i * k_h * k_w of them) "
                 "plus 1 per bias add (c_o * h_out * w_out).")
    return report(False, f"{got} is not right.", hint)


def check_grayscale_1x1(answer):
    """Check a 1x1 kernel (1 x 3 or 1 x 3 x 1 x 1) that averages 3 channels into one."""
    if not answered(answer):
        return Verdict(False)
    from .ops import corr2d_multi_in_out_1x1

    X = torch.arange(3 * 4 * 5, dtype=torch.float64).reshape(3, 4, 5) % 7
    try:
        got = corr2d_multi_in_out_1x1(X, torch.as_tensor(answer, dtype=torch.float64))
    except (TypeError, ValueError, RuntimeError) as error:
        return report(False, f"that kernel cannot be applied ({error}).",
                      "a kernel from 3 input channels to 1 output has shape 1 x 3 (x 1 x 1).")
    ok = close(got, X.mean(0, keepdim=True))
    return report(ok, "one output channel, the mean of the three inputs at every pixel." if ok
                  else "the output is not the mean of the three channels.",
                  "every weight is one third.")


# --- 07 pooling ----------------------------------------------------------------------

def check_pool2d(answer, X, pool_size, mode="max", padding=0, stride=None):
    """Check a hand-computed max or average pooling of X."""
    if not answered(answer):
        return Verdict(False)
    from .ops import pool2d

    expected = pool2d(X, pool_size, mode=mode, padding=padding, stride=stride)
    ok = close(answer, expected)
    return report(ok, f"that is the {mode} pooling." if ok else f"{answer} is not it.",
                  f"the output has shape {tuple(expected.shape)}; the stride defaults to the "
                  "window, and each entry is the "
                  + ("largest value" if mode == "max" else "mean") + " under its window.")


def check_max_winner(answer, X, pool_size, position, padding=0, stride=None):
    """Check the (row, col) of the input cell that wins max pooling output ``position``."""
    if not answered(answer):
        return Verdict(False)
    from ._checks import as_tensor, pair
    from .widgets.pooling import max_winners

    size = pair(pool_size, "pool_size", 1)
    step = size if stride is None else pair(stride, "stride", 1)
    winners = max_winners(as_tensor(X, "X"), size, pair(padding, "padding", 0), step)
    expected = tuple(winners[tuple(position)].tolist())
    ok = isinstance(answer, (tuple, list)) and tuple(answer) == expected
    return report(ok, f"input cell {expected} holds the max of window {tuple(position)}." if ok
                  else f"{answer!r} does not win output {tuple(position)}.",
                  "rows and columns count from 0; window (i, j) starts at input "
                  "(i * stride - padding, j * stride - padding).")


def check_avg_pool_kernel(answer, pool_size=2):
    """Check a kernel K such that corr2d(X, K, stride=pool_size) is average pooling."""
    if not answered(answer):
        return Verdict(False)
    from .ops import pool2d

    X = torch.arange(36, dtype=torch.float64).reshape(6, 6) % 5
    try:
        got = corr2d(X, torch.as_tensor(answer, dtype=torch.float64), stride=pool_size)
    except (TypeError, ValueError, RuntimeError) as error:
        return report(False, f"that kernel cannot be applied ({error}).",
                      f"the kernel has the window's shape, {pool_size}x{pool_size}.")
    ok = close(got, pool2d(X, pool_size, mode="avg"))
    return report(ok, "a strided convolution with that kernel is average pooling." if ok
                  else "the strided convolution does not give the window means.",
                  "every entry is 1 / (number of cells in the window).")


# --- 00 from fully connected layers to convolutions -----------------------------------

def check_dense_parameters(answer, inputs, outputs, bias=True):
    """Check the number of parameters of a fully connected layer from ``inputs`` to ``outputs``."""
    if not answered(answer):
        return Verdict(False)
    expected = inputs * outputs + (outputs if bias else 0)
    return report(answer == expected, f"{inputs:,} inputs to {outputs:,} outputs take "
                  f"{expected:,} parameters." if answer == expected
                  else f"{answer!r} is not the parameter count.",
                  "one weight per (input, output) pair" + (", plus one bias per output." if bias
                                                           else "."))


def check_influence(answer, input_size, kernel_size):
    """Check a (conv, dense) pair: how many input pixels one output pixel depends on, for a
    kernel_size x kernel_size convolution and for a fully connected layer on an
    input_size x input_size image. Counted with autograd, not by formula."""
    if not answered(answer):
        return Verdict(False)
    generator = torch.Generator().manual_seed(0)
    n = input_size
    X = torch.rand(n, n, dtype=torch.float64, generator=generator, requires_grad=True)
    K = torch.rand(kernel_size, kernel_size, dtype=torch.float64, generator=generator) + 0.1
    Y = corr2d(X, K)
    Y[Y.shape[0] // 2, Y.shape[1] // 2].backward()
    conv = int((X.grad != 0).sum())
    X.grad = None
    W = torch.rand(n * n, n * n, dtype=torch.float64, generator=generator) + 0.1
    (W @ X.reshape(-1))[0].backward()
    expected = (conv, int((X.grad != 0).sum()))
    ok = isinstance(answer, (tuple, list)) and tuple(answer) == expected
    return report(ok, f"one output sees {expected[0]} input pixels through the {kernel_size}x"
                  f"{kernel_size} kernel and all {expected[1]} through the dense layer." if ok
                  else f"{answer!r} is not (conv count, dense count).",
                  "the kernel covers k*k pixels; a dense layer connects every input to every "
                  "output.")


# --- 02 edge detection -----------------------------------------------------------------

def _edge_image():
    X = torch.ones(6, 8, dtype=torch.float64)
    X[:, 2:6] = 0
    return X


def _try_corr2d(X, answer, **kwargs):
    """corr2d(X, answer) or the error that says why the answer cannot be a kernel."""
    try:
        return corr2d(X, torch.as_tensor(answer, dtype=torch.float64), **kwargs), None
    except (TypeError, ValueError, RuntimeError) as error:
        return None, error


def check_horizontal_edge_kernel(answer):
    """Check a kernel K that finds the horizontal edges of the transposed 6x8 edge image the
    way [[1, -1]] finds the vertical edges of the original: corr2d(X.T, K) == corr2d(X, [[1, -1]]).T."""
    if not answered(answer):
        return Verdict(False)
    X = _edge_image()
    got, error = _try_corr2d(X.T, answer)
    if error is not None:
        return report(False, f"that kernel cannot be applied ({error}).",
                      "it is a 2-D kernel, e.g. [[a], [b]].")
    expected = corr2d(X, torch.tensor([[1.0, -1.0]], dtype=torch.float64)).T
    ok = close(got, expected)
    return report(ok, "it marks the horizontal edges: +1 where bright turns dark going down, "
                  "-1 where dark turns bright." if ok
                  else "corr2d(X.T, K) is not the transposed edge map.",
                  "transpose the kernel too: one column, upper value minus lower value.")


def check_shift_kernel(answer):
    """Check a 3x3 kernel K with corr2d(X, K, padding=1) == X moved one pixel to the right."""
    if not answered(answer):
        return Verdict(False)
    X = (torch.arange(30, dtype=torch.float64).reshape(5, 6) * 7) % 11
    got, error = _try_corr2d(X, answer, padding=1)
    if error is not None:
        return report(False, f"that kernel cannot be applied ({error}).", "use a 3x3 kernel.")
    expected = torch.zeros_like(X)
    expected[:, 1:] = X[:, :-1]
    ok = close(got, expected)
    return report(ok, "the output is the input moved one pixel to the right." if ok
                  else "corr2d(X, K, padding=1) is not X moved right by one pixel.",
                  "output (i, j) must copy input (i, j - 1): which kernel cell sits over "
                  "the left neighbour?")


# --- 03 learning a kernel --------------------------------------------------------------

def check_flipped_kernel(answer, K):
    """Check the kernel a cross-correlation layer learns from data made by strict convolution
    with K (it is K flipped on both axes)."""
    if not answered(answer):
        return Verdict(False)
    expected = torch.as_tensor(K, dtype=torch.float64).flip(0, 1)
    ok = close(answer, expected)
    return report(ok, f"it learns K flipped, {expected.tolist()}." if ok
                  else f"{answer!r} is not what the layer learns.",
                  "strict convolution with K is cross-correlation with K flipped on both axes.")


def check_learned_kernel(answer, K, atol=0.05):
    """Check a learned kernel (a tensor, e.g. layer.weight) against the true kernel K."""
    if not answered(answer):
        return Verdict(False)
    K = torch.as_tensor(K, dtype=torch.float64)
    if isinstance(answer, torch.Tensor):
        answer = answer.detach()
        if answer.numel() == K.numel():     # nn.Conv2d keeps it as 1 x 1 x k_h x k_w
            answer = answer.reshape(K.shape)
    ok = close(answer, K, atol=atol)
    return report(ok, f"the learned kernel is within {atol} of {K.tolist()}."
                  if ok else "the learned kernel is not close to the true one yet.",
                  "train longer or with a larger learning rate, and check the kernel's shape.")


# --- 04 receptive fields / 05 padding and stride ----------------------------------------

def check_receptive_field(answer, layers, quantity="size"):
    """Check the receptive field ``quantity`` ("size", "stride" or "padding", one number per
    axis; a square answer may be one int) of the last layer of ``layers``, typed as in the
    receptive-field widget, e.g. "conv 3; conv 3; pool 2; conv 3"."""
    if quantity not in ("size", "stride", "padding"):
        raise ValueError(f"quantity must be 'size', 'stride' or 'padding', got {quantity!r}")
    if not answered(answer):
        return Verdict(False)
    from .receptive import receptive_field
    from .widgets.receptive import layers_from_text

    expected = getattr(receptive_field(layers_from_text(layers))[-1], quantity)
    given = tuple(answer) if isinstance(answer, (tuple, list)) else (answer, answer)
    ok = given == tuple(expected)
    name = {"size": "receptive field", "stride": "effective stride (jump)",
            "padding": "effective padding"}[quantity]
    hint = {"size": "each layer adds (k - 1) times the product of the strides before it.",
            "stride": "multiply the strides of all layers.",
            "padding": "each layer adds its padding times the product of the strides before it."}
    return report(ok, f"the {name} of '{layers}' is {expected[0]}x{expected[1]}." if ok
                  else f"{answer} is not the {name} of '{layers}'.", hint[quantity])


def check_same_padding(answer, kernel_size, dilation=1):
    """Check the padding that keeps the output as large as the input (stride 1)."""
    if not answered(answer):
        return Verdict(False)
    span = dilation * (kernel_size - 1) + 1
    given = tuple(answer) if isinstance(answer, (tuple, list)) else (answer, answer)
    expected = (span - 1) // 2
    sizes = {output_shape(8, kernel_size, p, 1, dilation) for p in given
             if isinstance(p, int) and p >= 0 and 8 + 2 * p >= span}
    ok = sizes == {(8, 8)} and span % 2 == 1
    what = f"a {kernel_size}x{kernel_size} kernel" + (f" with dilation {dilation}"
                                                      if dilation > 1 else "")
    return report(ok, f"padding {expected} on each side keeps the size for {what}." if ok
                  else f"padding {answer} does not keep the size for {what}.",
                  "the output has n + 2p - d(k - 1) rows: make 2p equal d(k - 1).")


# --- 08 LeNet (appended by the LeNet section) --------------------------------------------------

def _lenet_layers():
    from .layers import LeNet
    net = LeNet()
    X, shapes = torch.zeros(1, 1, 28, 28), []
    for layer in net:
        X = layer(X)
        shapes.append((type(layer).__name__, tuple(X.shape[1:]),
                       sum(p.numel() for p in layer.parameters())))
    return shapes


def _lenet_index(layer, count):
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < count:
        raise ValueError(f"layer must be an index 0..{count - 1} into LeNet(), got {layer!r}")
    return layer


def check_lenet_shape(answer, layer):
    """Check the output shape (channels, height, width) of ``LeNet()[layer]`` for a 28x28 image."""
    if not answered(answer):
        return Verdict(False)
    layers = _lenet_layers()
    name, expected, _ = layers[_lenet_index(layer, len(layers))]
    given = tuple(answer) if isinstance(answer, (tuple, list, torch.Size)) else (answer,)
    ok = given == expected
    return report(ok, f"LeNet's layer {layer} ({name}) outputs {expected}." if ok else
                  f"{answer} is not the output shape of LeNet's layer {layer} ({name}).",
                  "the first convolution pads by 2 (28 stays 28), the second does not "
                  "(n - 5 + 1), and each pooling halves the height and width.")


def check_lenet_parameters(answer, layer=None):
    """Check the parameter count of ``LeNet()[layer]`` (weights + biases), or of the whole net."""
    if not answered(answer):
        return Verdict(False)
    layers = _lenet_layers()
    expected = (sum(p for _, _, p in layers) if layer is None else
                layers[_lenet_index(layer, len(layers))][2])
    what = "LeNet" if layer is None else f"LeNet's layer {layer} ({layers[layer][0]})"
    ok = answer == expected
    return report(ok, f"{what} has {expected:,} parameters." if ok else
                  f"{answer} is not the number of parameters of {what}.",
                  "a Conv2d has c_out * c_in * k * k weights + c_out biases; a Linear "
                  "n_in * n_out weights + n_out biases.")


def check_most_confused(answer, counts, class_names):
    """Check (true class, predicted class) of the largest off-diagonal cell of a confusion matrix."""
    if not answered(answer):
        return Verdict(False)
    counts = torch.as_tensor(counts).clone()
    counts.fill_diagonal_(-1)
    i, j = divmod(int(counts.argmax()), counts.shape[1])
    expected = (class_names[i], class_names[j])
    given = tuple(answer) if isinstance(answer, (tuple, list)) else (answer,)
    ok = given == expected
    return report(ok, f"the most frequent mistake: {expected[0]} predicted as {expected[1]} "
                  f"({int(counts[i, j])} times)." if ok else
                  f"{answer} is not the largest off-diagonal cell.",
                  "ignore the diagonal (correct answers); rows are true classes, columns "
                  "predictions; answer with two names from FASHION_MNIST_LABELS.")


def check_chance_loss(answer, num_classes=10):
    """Check the cross-entropy loss of a classifier that gives every class the same probability."""
    import math

    if not answered(answer):
        return Verdict(False)
    expected = math.log(num_classes)
    try:
        ok = abs(float(answer) - expected) < 1e-3
    except (TypeError, ValueError):
        ok = False
    return report(ok, f"guessing uniformly among {num_classes} classes costs ln {num_classes} = "
                  f"{expected:.4f} per example." if ok else
                  f"{answer} is not the loss of a uniform guess over {num_classes} classes.",
                  "the loss is -log(probability of the true class), and every class gets 1/n.")


def check_modern_lenet(net):
    """Check a modernised LeNet: ReLU instead of sigmoid, max instead of average pooling, and
    LeNet's shapes and parameter count otherwise."""
    from torch import nn

    from .layers import LeNet

    if not answered(net):
        return Verdict(False)
    if not isinstance(net, nn.Module):
        return report(False, f"{type(net).__name__} is not a torch.nn.Module.",
                      "build it with LeNet(activation=..., pool=...).")
    kinds = {type(m) for m in net.modules()}
    try:
        with torch.no_grad():
            shape = tuple(net(torch.zeros(1, 1, 28, 28)).shape)
    except RuntimeError:
        shape = None
    same_size = (sum(p.numel() for p in net.parameters())
                 == sum(p.numel() for p in LeNet().parameters()))
    ok = (nn.ReLU in kinds and nn.MaxPool2d in kinds and nn.Sigmoid not in kinds
          and nn.AvgPool2d not in kinds and shape == (1, 10) and same_size)
    return report(ok, "ReLU and max pooling, with LeNet's shapes and 61,706 parameters." if ok
                  else "this network is not LeNet with ReLU and max pooling.",
                  "LeNet takes the activation and the pooling as arguments: "
                  "LeNet(activation=nn.ReLU, pool=nn.MaxPool2d).")


def check_most_different_map(answer, maps_a, maps_b):
    """Check the index of the feature map (C x H x W) whose mean absolute difference between
    two inputs is largest."""
    if not answered(answer):
        return Verdict(False)
    a, b = torch.as_tensor(maps_a, dtype=torch.float32), torch.as_tensor(maps_b,
                                                                          dtype=torch.float32)
    if a.dim() != 3 or a.shape != b.shape:
        raise ValueError(f"maps_a and maps_b must be C x H x W of one shape, got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    differences = (a - b).abs().mean((1, 2))
    expected = int(differences.argmax())
    ok = not isinstance(answer, bool) and answer == expected
    return report(ok, f"map {expected} differs most (mean |difference| "
                  f"{differences[expected]:.3f})." if ok else
                  f"{answer!r} is not the map that differs most.",
                  "subtract the two stacks of maps, take the absolute value and average each "
                  "map over its rows and columns; the largest mean wins.")
