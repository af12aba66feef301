"""Channel explorer: every input channel is cross-correlated with its own kernel slice, the
partial results are summed (plus a bias) into one output channel, and each output channel has
its own stack of kernel slices. Numbers: ``convbook.windows.channel_partials`` and
``convbook.ops.corr2d_multi_in_out`` (recomputed by ``js/channels.js`` in the browser).

>>> X = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
>>> K = [[[0, 1], [2, 3]], [[1, 2], [3, 4]]]
>>> w = ChannelExplorer(X, K)
>>> w.output[0].tolist()
[[56.0, 72.0], [104.0, 120.0]]
>>> w.arithmetic.splitlines()[-1]
'Y[0][0, 0] = 19 + 37 + bias 0 = 56'
>>> w.add_output_channel(); w.add_output_channel(); w.output.shape   # K, K+1, K+2
torch.Size([3, 2, 2])
"""
import re

import matplotlib.pyplot as plt
import torch
import traitlets

from .._checks import as_tensor, index_in
from ..figures import draw_channel_step
from ..widget_state import channel_layer, finite_float32
from ..windows import channel_partials
from ..ops import corr2d_multi_in_out, output_shape
from ..textfmt import exact_number, format_number, matrix_text, parse_matrix, signed_number
from .base import ExplorerView, esm

__all__ = ["ChannelExplorer", "ChannelView"]

DEFAULT_X = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
DEFAULT_K = [[[0, 1], [2, 3]], [[1, 2], [3, 4]]]
MAX_IN, MAX_OUT, MAX_SIDE = 4, 6, 8


class ChannelView(ExplorerView):
    """Synced state of the channel explorer."""
    _esm = esm("channels")
    _explorer_name = "channel explorer"
    X = traitlets.List().tag(sync=True, guarded=True)
    K = traitlets.List().tag(sync=True, guarded=True)
    bias = traitlets.List(traitlets.Float()).tag(sync=True, guarded=True)
    out = traitlets.Int(0).tag(sync=True, guarded=True)
    step = traitlets.Int(0).tag(sync=True, guarded=True)
    k_text = traitlets.Unicode("").tag(sync=True)
    bias_text = traitlets.Unicode("0").tag(sync=True)
    limits = traitlets.Dict({"in": MAX_IN, "out": MAX_OUT, "side": MAX_SIDE}).tag(sync=True)


def _kernel_text(K):
    return "\n\n".join(matrix_text(k) for k in K)


class ChannelExplorer:
    """Interactive multi-channel cross-correlation with bias and several output channels.

    ``X``: c_i x h x w; ``K``: c_o x c_i x k_h x k_w (or c_i x k_h x k_w for one output channel);
    ``bias``: a number or one per output channel. ``view`` is the explorer to display.
    Setters (``set_output_channel``, ``set_position``, ``set_step``, ``set_bias``,
    ``set_kernel``, ``add_output_channel``, ``remove_output_channel``) raise ValueError /
    TypeError naming the argument and the rule, before changing anything. State: ``output``
    (c_o x h' x w'), ``partials`` (per input channel, for the selected output channel),
    ``output_channel``, ``position``, ``window``, ``value``, ``arithmetic``, ``kernels``,
    ``bias``, ``message``.
    """

    def __init__(self, X=None, K=None, bias=0.0):
        X, K, bias = channel_layer(DEFAULT_X if X is None else X, DEFAULT_K if K is None else K,
                                   bias, MAX_IN, MAX_OUT, MAX_SIDE)
        self.view = ChannelView(X=X.tolist())
        self._use(K, bias, 0, 0)
        self.view.guard(self._from_view)

    def _state(self):
        v = self.view
        X, K, bias = channel_layer(v.X, v.K, v.bias, MAX_IN, MAX_OUT, MAX_SIDE)
        return X, K, bias

    def _from_view(self):
        X, K, bias = self._state()
        out_h, out_w = output_shape(tuple(X.shape[1:]), tuple(K.shape[2:]))
        if not 0 <= self.view.out < K.shape[0]:
            raise ValueError(f"output channel must be in 0..{K.shape[0] - 1}")
        if not 0 <= self.view.step < out_h * out_w:
            raise ValueError(f"step must be in 0..{out_h * out_w - 1}")

    def _use(self, K, bias, out, step):
        v = self.view
        with v.updating():
            v.K, v.bias, v.out, v.step = K.tolist(), bias.tolist(), out, step
            v.k_text = _kernel_text(K[out])
            v.bias_text = exact_number(float(bias[out]), float32=True)
            v.message = ""

    # ---- setters ----------------------------------------------------------------------
    def set_output_channel(self, o):
        """Show output channel ``o``."""
        self._use(self.kernels, self.bias, index_in(o, "o", self.num_output_channels),
                  self.view.step)

    def set_position(self, i, j):
        """Select output cell (i, j)."""
        out_h, out_w = self.output.shape[1:]
        i, j = index_in(i, "i", out_h), index_in(j, "j", out_w)
        self.set_step(i * out_w + j)

    def set_step(self, k):
        """Select output cell number k in reading order (the step slider and play)."""
        self._use(self.kernels, self.bias, self.output_channel,
                  index_in(k, "k", self.output[0].numel()))

    def set_bias(self, value):
        """Bias of the selected output channel: a finite number float32 can hold."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"value must be a number, got {value!r}")
        value = finite_float32(float(value), "value")
        bias = self.bias
        bias[self.output_channel] = value
        self._use(self.kernels, bias, self.output_channel, self.view.step)

    def set_kernel(self, kernel):
        """Kernel slices of the selected output channel: c_i x k_h x k_w values, or text with
        one block of rows per input channel (blocks separated by blank lines)."""
        K = self.kernels
        new = self._slices(kernel, K)
        K[self.output_channel] = new
        self._use(K, self.bias, self.output_channel, self.view.step)

    def add_output_channel(self, kernel=None, bias=0.0):
        """Append an output channel (and show it); its kernel defaults to the last one + 1
        (the chapter's K, K+1, K+2). At most MAX_OUT channels."""
        K = self.kernels
        if K.shape[0] >= MAX_OUT:
            raise ValueError(f"at most {MAX_OUT} output channels")
        new = K[-1] + 1 if kernel is None else self._slices(kernel, K)
        if isinstance(bias, bool) or not isinstance(bias, (int, float)):
            raise TypeError(f"bias must be a number, got {bias!r}")
        bias = finite_float32(float(bias), "bias").reshape(1)       # checked before any change
        self._use(torch.cat([K, new[None]]), torch.cat([self.bias, bias]), K.shape[0],
                  self.view.step)

    def remove_output_channel(self, o=None):
        """Remove output channel ``o`` (default: the selected one); one must remain."""
        K = self.kernels
        o = self.output_channel if o is None else index_in(o, "o", K.shape[0])
        if K.shape[0] == 1:
            raise ValueError("a layer needs at least one output channel")
        keep = [c for c in range(K.shape[0]) if c != o]
        self._use(K[keep], self.bias[keep], min(self.output_channel, len(keep) - 1),
                  self.view.step)

    @staticmethod
    def _slices(kernel, K):
        if isinstance(kernel, str):
            blocks = [parse_matrix(block, f"kernel block {c + 1}")
                      for c, block in enumerate(re.split(r"\n\s*\n", kernel.strip()))]
            if len({tuple(b.shape) for b in blocks}) > 1:
                raise ValueError("kernel: every block (one per input channel) needs the same "
                                 f"shape, got {[tuple(b.shape) for b in blocks]}")
            kernel = torch.stack(blocks)
        new = finite_float32(as_tensor(kernel, "kernel"), "kernel")
        if tuple(new.shape) != tuple(K.shape[1:]):
            raise ValueError(f"kernel must have shape {tuple(K.shape[1:])} (c_i x k_h x k_w), "
                             f"got {tuple(new.shape)}")
        if not torch.isfinite(new).all():
            raise ValueError("kernel must hold finite numbers (no inf or nan)")
        return new

    # ---- state ------------------------------------------------------------------------
    output_channel = property(lambda self: self.view.out)
    num_output_channels = property(lambda self: len(self.view.K))
    kernels = property(lambda self: self._state()[1], doc="a copy of K, c_o x c_i x k_h x k_w")
    bias = property(lambda self: self._state()[2], doc="a copy of the biases")
    message = property(lambda self: self.view.message)

    @property
    def output(self):
        X, K, bias = self._state()
        return corr2d_multi_in_out(X, K) + bias[:, None, None]

    @property
    def partials(self):
        X, K, _ = self._state()
        return channel_partials(X, K[self.output_channel])

    @property
    def position(self):
        return divmod(self.view.step, self.output.shape[2])

    @property
    def window(self):
        (i, j), (k_h, k_w) = self.position, self.kernels.shape[2:]
        return [(i + a, j + b) for a in range(k_h) for b in range(k_w)]

    @property
    def value(self):
        return float(self.output[(self.output_channel, *self.position)])

    @property
    def arithmetic(self):
        X, K, bias = self._state()
        o, (i, j), partials = self.output_channel, self.position, self.partials
        lines = []
        for c in range(X.shape[0]):
            terms = " + ".join(f"{signed_number(X[c, r, s])}\u00d7"
                               f"{signed_number(K[o, c, r - i, s - j])}" for r, s in self.window)
            lines.append(f"partial {c}[{i}, {j}] = {terms} = {format_number(partials[c, i, j])}")
        sums = " + ".join(signed_number(p) for p in partials[:, i, j])
        lines.append(f"Y[{o}][{i}, {j}] = {sums} + bias {signed_number(bias[o])} = "
                     f"{format_number(self.value)}")
        return "\n".join(lines)

    def figure(self):
        """The current step as a matplotlib figure."""
        X, K, bias = self._state()
        fig = plt.figure(figsize=(6, 1.5 * X.shape[0] + 0.3), dpi=80)
        draw_channel_step(fig, X, K, bias, self.output_channel, self.position)
        return fig
