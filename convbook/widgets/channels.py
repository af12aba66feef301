"""Channel explorer: every input channel is cross-correlated with its own kernel slice, the
partial results are summed (plus a bias) into one output channel, and each output channel has
its own stack of kernel slices.

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

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import NullLocator

from .._checks import as_tensor
from ..htmlgrid import format_number, grid_html, row_html
from ..ops import corr2d, corr2d_multi_in_out
from ..plot import ACCENT, draw_matrix, highlight_cells
from .text import matrix_text, parse_matrix, signed_number

__all__ = ["ChannelExplorer", "channel_partials", "draw_channel_step"]

DEFAULT_X = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]
DEFAULT_K = [[[0, 1], [2, 3]], [[1, 2], [3, 4]]]
MAX_IN, MAX_OUT, MAX_SIDE = 4, 6, 8


def channel_partials(X, K):
    """Per-input-channel partial results for one output channel: X is c_i x h x w, K is
    c_i x k_h x k_w; returns c_i x h' x w' (their sum is ``corr2d_multi_in(X, K)``).

    >>> channel_partials(torch.ones(2, 2, 2), torch.ones(2, 1, 1)).sum(0).tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """
    return torch.stack([corr2d(x, k) for x, k in zip(X, K)])


def draw_channel_step(fig, X, K, bias, out_channel, position):
    """Static view of one step on ``fig``: for each input channel X[c] (window outlined),
    its kernel slice and its partial result, then the output channel they sum to.
    Shared by ``ChannelExplorer.figure`` and ``convbook.animate.channel_animation``.

    The matrices are drawn once per output channel; a later call on the same figure with the
    same numbers only moves the highlights (matplotlib axes are slow to redraw).
    """
    X, K = as_tensor(X, "X").float(), as_tensor(K, "K").float()
    bias = torch.as_tensor(bias, dtype=torch.float32).reshape(-1)
    c_i, (k_h, k_w) = X.shape[0], K.shape[2:]
    key = (out_channel, X.tolist(), K[out_channel].tolist(), float(bias[out_channel]))
    state = getattr(fig, "_convbook_channel_step", None)
    if state is None or state["key"] != key:
        partials = channel_partials(X, K[out_channel])
        Y = partials.sum(0) + bias[out_channel]
        fig.clear()
        grid = fig.add_gridspec(c_i, 4, width_ratios=[X.shape[2], k_w, Y.shape[1], Y.shape[1]])
        axes = []
        for c in range(c_i):
            for col, (M, title) in enumerate([(X[c], f"X[{c}]"),
                                              (K[out_channel, c], f"K[{out_channel}][{c}]"),
                                              (partials[c], f"partial {c}")]):
                axes.append(draw_matrix(fig.add_subplot(grid[c, col]), M, title))
        extra = f" + {format_number(bias[out_channel])}" if bias[out_channel] else ""
        axes.append(draw_matrix(fig.add_subplot(grid[:, 3]), Y,
                                f"Y[{out_channel}] =\nsum of partials{extra}"))
        for ax in axes:
            ax.title.set_fontsize(10)
            ax.xaxis.set_major_locator(NullLocator())   # hidden anyway; saves ~30% per frame
            ax.yaxis.set_major_locator(NullLocator())
        fig.tight_layout()
        state = fig._convbook_channel_step = {"key": key, "axes": axes, "marks": []}
    for patch in state["marks"]:
        patch.remove()
    i, j = position
    window = [(i + a, j + b) for a in range(k_h) for b in range(k_w)]
    axes, marks = state["axes"], []
    for c in range(c_i):
        marks += highlight_cells(axes[3 * c], window)
        marks += highlight_cells(axes[3 * c + 2], [position])
    marks += highlight_cells(axes[-1], [position], ACCENT)
    state["marks"] = marks
    return axes


class ChannelExplorer:
    """Interactive multi-channel cross-correlation with bias and several output channels.

    ``X``: c_i x h x w; ``K``: c_o x c_i x k_h x k_w (or c_i x k_h x k_w for one output channel);
    ``bias``: a number or one per output channel. ``view`` is the container to display.
    Setters: ``set_output_channel``, ``set_position``, ``set_step``, ``set_bias``, ``set_kernel``,
    ``add_output_channel``, ``remove_output_channel``. Read-only state: ``output`` (c_o x h' x w'),
    ``partials`` (per input channel, for the selected output channel), ``output_channel``,
    ``position``, ``window``, ``value``, ``arithmetic``, ``kernels``, ``bias``, ``message``.
    Impossible requests are refused with a visible note, never an exception.
    """

    def __init__(self, X=None, K=None, bias=0.0):
        X = as_tensor(DEFAULT_X if X is None else X, "X").float()
        if X.dim() != 3:
            raise ValueError(f"X must be a 3-D tensor (channels x height x width), "
                             f"got shape {tuple(X.shape)}")
        if not (1 <= X.shape[0] <= MAX_IN) or max(X.shape[1:]) > MAX_SIDE or min(X.shape) < 1:
            raise ValueError(f"X must have 1 to {MAX_IN} channels of at most {MAX_SIDE}x{MAX_SIDE}"
                             f", got shape {tuple(X.shape)}")
        K = as_tensor(DEFAULT_K if K is None else K, "K").float()
        if K.dim() == 3:
            K = K[None]
        if K.dim() != 4:
            raise ValueError(f"K must be c_o x c_i x k_h x k_w (or c_i x k_h x k_w), "
                             f"got shape {tuple(K.shape)}")
        if K.shape[1] != X.shape[0]:
            raise ValueError(f"K must have one kernel slice per input channel: X has "
                             f"{X.shape[0]} channels, K has {K.shape[1]}")
        if not 1 <= K.shape[0] <= MAX_OUT:
            raise ValueError(f"K must have 1 to {MAX_OUT} output channels, got {K.shape[0]}")
        if K.shape[2] > X.shape[1] or K.shape[3] > X.shape[2] or min(K.shape) < 1:
            raise ValueError(f"K's kernels ({K.shape[2]}x{K.shape[3]}) must fit inside X "
                             f"({X.shape[1]}x{X.shape[2]})")
        bias = as_tensor(bias, "bias").float().reshape(-1)
        if bias.numel() == 1:
            bias = bias.repeat(K.shape[0])
        if bias.numel() != K.shape[0]:
            raise ValueError(f"bias must be one number or one per output channel "
                             f"({K.shape[0]}), got {bias.numel()}")
        self._X, self._K, self._bias = X, K.clone(), bias.clone()
        self._o, self._position = 0, (0, 0)
        self.message = ""
        self._syncing = False
        self._build_controls()
        self._refresh()

    # ---- controls ---------------------------------------------------------------------
    def _build_controls(self):
        self._w_out = widgets.ToggleButtons(description="output", style={"button_width": "50px"})
        self._w_step = widgets.IntSlider(0, 0, 0, description="step", continuous_update=True)
        self._w_play = widgets.Play(value=0, min=0, max=0, interval=700, description="play")
        widgets.jslink((self._w_play, "value"), (self._w_step, "value"))
        self._w_add = widgets.Button(description="+ output channel")
        self._w_remove = widgets.Button(description="- output channel")
        self._w_bias = widgets.FloatText(description="bias", layout=widgets.Layout(width="160px"))
        self._w_kernel = widgets.Textarea(description="kernel",
                                          layout=widgets.Layout(width="260px", height="120px"))
        apply = widgets.Button(description="apply kernel", layout=widgets.Layout(width="110px"))
        self._w_html = widgets.HTML()
        self._w_out.observe(lambda ch: self._syncing or self.set_output_channel(
            int(ch["new"])), names="value")
        self._w_step.observe(lambda ch: self._syncing or self.set_step(ch["new"]), names="value")
        self._w_bias.observe(lambda ch: self._syncing or self.set_bias(ch["new"]), names="value")
        self._w_add.on_click(lambda _: self.add_output_channel())
        self._w_remove.on_click(lambda _: self.remove_output_channel())
        apply.on_click(lambda _: self.set_kernel(self._w_kernel.value))
        self.view = widgets.VBox([
            widgets.HBox([self._w_out, self._w_add, self._w_remove]),
            widgets.HBox([self._w_play, self._w_step, self._w_bias]),
            self._w_html,
            widgets.HBox([self._w_kernel, apply,
                          widgets.HTML('<div class="cb-note">one block of rows per input '
                                       'channel, blocks separated by a blank line</div>')])])

    # ---- setters ----------------------------------------------------------------------
    def set_output_channel(self, o):
        """Show output channel ``o``; out-of-range values are refused with a note."""
        if not 0 <= o < self._K.shape[0]:
            return self._refuse(f"output channel {o} does not exist (0..{self._K.shape[0] - 1})")
        self._o = int(o)
        self._refresh()

    def set_position(self, i, j):
        """Select output cell (i, j); clamped to the output."""
        out_h, out_w = self.output.shape[1:]
        clamped = (min(max(int(i), 0), out_h - 1), min(max(int(j), 0), out_w - 1))
        self._position = clamped
        self._refresh(f"position ({i}, {j}) is outside the {out_h}x{out_w} output; clamped"
                      if clamped != (i, j) else "")

    def set_step(self, k):
        """Select output cell number k in reading order (the step slider and play)."""
        out_w = self.output.shape[2]
        self._position = divmod(min(max(int(k), 0), self.output[0].numel() - 1), out_w)
        self._refresh()

    def set_bias(self, value):
        """Bias of the selected output channel; a value that is not a finite float32 number
        is refused with a note (the bias field shows the bias in use again)."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            return self._refuse(f"bias refused: it must be a number, got {value!r}")
        if not abs(value) <= torch.finfo(self._bias.dtype).max:     # also catches nan
            return self._refuse(f"bias refused: it must be a finite number of at most "
                                f"{torch.finfo(self._bias.dtype).max:.3g} in size, got {value!r}")
        self._bias[self._o] = value
        self._refresh()

    def set_kernel(self, kernel):
        """Kernel slices of the selected output channel: c_i x k_h x k_w values, or text with
        one block of rows per input channel (blocks separated by blank lines)."""
        try:
            if isinstance(kernel, str):
                blocks = [parse_matrix(block, f"kernel block {c + 1}")
                          for c, block in enumerate(re.split(r"\n\s*\n", kernel.strip()))]
                if len({tuple(b.shape) for b in blocks}) > 1:
                    raise ValueError("every block (one per input channel) needs the same shape, "
                                     f"got {[tuple(b.shape) for b in blocks]}")
                kernel = torch.stack(blocks)
            kernel = as_tensor(kernel, "kernel").float()
        except (TypeError, ValueError) as error:
            return self._refuse(f"kernel refused: {error}")
        if tuple(kernel.shape) != tuple(self._K.shape[1:]):
            return self._refuse(f"kernel refused: it must have shape {tuple(self._K.shape[1:])} "
                                f"(c_i x k_h x k_w), got {tuple(kernel.shape)}")
        if not torch.isfinite(kernel).all():
            return self._refuse("kernel refused: it must hold finite numbers (no inf or nan)")
        self._K[self._o] = kernel
        self._refresh()

    def add_output_channel(self, kernel=None, bias=0.0):
        """Append an output channel; its kernel defaults to the last one + 1 (the chapter's
        K, K+1, K+2). Refused with a note beyond MAX_OUT channels."""
        if self._K.shape[0] >= MAX_OUT:
            return self._refuse(f"at most {MAX_OUT} output channels")
        new = self._K[-1] + 1 if kernel is None else as_tensor(kernel, "kernel").float()
        if tuple(new.shape) != tuple(self._K.shape[1:]):
            return self._refuse(f"kernel refused: it must have shape {tuple(self._K.shape[1:])}")
        if not torch.isfinite(new).all():
            return self._refuse("kernel refused: it must hold finite numbers (no inf or nan)")
        self._K = torch.cat([self._K, new[None]])
        self._bias = torch.cat([self._bias, torch.tensor([float(bias)])])
        self._o = self._K.shape[0] - 1
        self._refresh()

    def remove_output_channel(self, o=None):
        """Remove output channel ``o`` (default: the selected one); the last one stays."""
        o = self._o if o is None else o
        if not 0 <= o < self._K.shape[0]:
            return self._refuse(f"output channel {o} does not exist (0..{self._K.shape[0] - 1})")
        if self._K.shape[0] == 1:
            return self._refuse("a layer needs at least one output channel")
        keep = [c for c in range(self._K.shape[0]) if c != o]
        self._K, self._bias = self._K[keep], self._bias[keep]
        self._o = min(self._o, self._K.shape[0] - 1)
        self._refresh()

    def _refuse(self, note):
        self._refresh(note)

    # ---- state ------------------------------------------------------------------------
    @property
    def output_channel(self):
        return self._o

    @property
    def position(self):
        return self._position

    @property
    def num_output_channels(self):
        return self._K.shape[0]

    @property
    def kernels(self):
        """A copy of the kernel tensor, c_o x c_i x k_h x k_w."""
        return self._K.clone()

    @property
    def bias(self):
        return self._bias.clone()

    def _refresh(self, message=""):
        self.message = message
        self.output = corr2d_multi_in_out(self._X, self._K) + self._bias[:, None, None]
        self.partials = channel_partials(self._X, self._K[self._o])
        (i, j), (k_h, k_w) = self._position, self._K.shape[2:]
        self.window = [(i + a, j + b) for a in range(k_h) for b in range(k_w)]
        self.value = float(self.output[self._o, i, j])
        lines = []
        for c in range(self._X.shape[0]):
            terms = " + ".join(f"{signed_number(self._X[c, r, s])}\u00d7{signed_number(self._K[self._o, c, a, b])}"
                               for (r, s), (a, b) in zip(self.window, self._kernel_cells()))
            lines.append(f"partial {c}[{i}, {j}] = {terms} = {format_number(self.partials[c, i, j])}")
        sums = " + ".join(signed_number(p) for p in self.partials[:, i, j])
        lines.append(f"Y[{self._o}][{i}, {j}] = {sums} + bias {signed_number(self._bias[self._o])} = "
                     f"{format_number(self.value)}")
        self.arithmetic = "\n".join(lines)
        self._sync_controls()
        self._w_html.value = self._render()

    def _kernel_cells(self):
        k_h, k_w = self._K.shape[2:]
        return [(a, b) for a in range(k_h) for b in range(k_w)]

    def _sync_controls(self):
        self._syncing = True
        # Labels must differ from the button indices: the ipywidgets 8 ToggleButtons view
        # decides whether to rebuild its buttons by comparing each new label with the old
        # button's index string, so labels "0", "1" never drop buttons when channels are
        # removed (stale buttons stay, several look selected).
        self._w_out.options = [(f"Y[{c}]", str(c)) for c in range(self._K.shape[0])]
        self._w_out.value = str(self._o)
        last = self.output[0].numel() - 1
        self._w_step.max = self._w_play.max = last
        self._w_step.value = self._position[0] * self.output.shape[2] + self._position[1]
        self._w_bias.value = float(self._bias[self._o])
        self._w_kernel.value = "\n\n".join(matrix_text(k) for k in self._K[self._o])
        self._syncing = False

    def _render(self):
        o, (i, j) = self._o, self._position
        window = {cell: "window" for cell in self.window}
        sign = '<div style="font-size:26px;padding-top:30px">{}</div>'
        rows = []
        for c in range(self._X.shape[0]):
            rows.append(row_html(
                grid_html(self._X[c], f"input X[{c}]", window), sign.format('<span style="font-size:44px;line-height:20px">&#8902;</span>'),
                grid_html(self._K[o, c], f"kernel K[{o}][{c}]"), sign.format("="),
                grid_html(self.partials[c], f"partial {c}", {(i, j): "window"}),
                f'<div class="cb-note" style="padding-top:34px">'
                f'{self.arithmetic.splitlines()[c]}</div>'))
        total = " + ".join(f"partial {c}" for c in range(self._X.shape[0]))
        rows.append(row_html(
            grid_html(self.output[o], f"output Y[{o}]", {(i, j): "out"}),
            f'<div class="cb-note" style="padding-top:34px">Y[{o}] = {total} + bias<br><b>'
            f'{self.arithmetic.splitlines()[-1]}</b></div>'))
        rows.append(row_html(*[grid_html(self.output[c], f"Y[{c}]" + (" (shown)" if c == o else ""),
                                         {(i, j): "out" if c == o else "window"})
                               for c in range(self._K.shape[0])]))
        c_o, c_i, k_h, k_w = self._K.shape
        rows.append(f'<div class="cb-note">{c_o} output channel(s) x {c_i} input channel(s) x '
                    f'{k_h}x{k_w} kernel = {c_o * c_i * k_h * k_w} weights + {c_o} bias</div>')
        if self.message:
            rows.append(f'<div class="cb-error">{self.message}</div>')
        return "".join(rows)

    # ---- static fallback --------------------------------------------------------------
    def figure(self):
        """The current step as a matplotlib figure (for pages without a kernel)."""
        fig = plt.figure(figsize=(6, 1.5 * self._X.shape[0] + 0.3), dpi=80)
        draw_channel_step(fig, self._X, self._K, self._bias, self._o, self._position)
        return fig
