"""Showing a training run while it runs: a loss/accuracy figure redrawn in place, a progress
bar, and the plain-text display both are drawn in, in a notebook or a terminal.

:func:`convbook.train.train` uses them; :func:`plot_history` also draws a finished run.
"""
import io
import math

__all__ = ["in_notebook", "plot_history", "LivePlot", "DisplayFile", "ProgressBar"]


def in_notebook():
    """True inside a Jupyter kernel (JupyterLab, classic Notebook, VS Code notebooks)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def plot_history(history, ax=None, label=""):
    """Draw training loss, train accuracy and test accuracy against epochs on ``ax``.

    >>> import matplotlib.figure
    >>> from convbook.train import History
    >>> h = History(train_loss=[1.0, 0.5], train_acc=[0.6, 0.8], test_acc=[0.6, 0.7])
    >>> plot_history(h, matplotlib.figure.Figure().add_subplot()).get_xlabel()
    'epoch'
    """
    if ax is None:
        import matplotlib.pyplot as plt
        ax = plt.figure(figsize=(5, 3.2)).add_subplot()
    prefix = f"{label} " if label else ""
    if history.steps:
        t, loss, acc = zip(*history.steps)
    else:
        t = range(1, len(history.train_loss) + 1)
        loss, acc = history.train_loss, history.train_acc
    ax.plot(t, loss, color="C0", label=f"{prefix}train loss")
    ax.plot(t, acc, color="C1", linestyle="--", label=f"{prefix}train acc")
    if history.test_acc:
        ax.plot(range(1, len(history.test_acc) + 1), history.test_acc, color="C2", marker="o",
                markersize=3, linestyle="-.", label=f"{prefix}test acc")
    epochs = max(len(history.train_loss), 1)
    ax.set_xlim(0, epochs)
    finite = [v for v in loss if math.isfinite(v)]           # a diverged run may hold inf
    ax.set_ylim(0, max(1.0, max(finite, default=1.0) * 1.05))
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    if history.source:
        ax.set_title(history.source, fontsize=8)
    return ax


class LivePlot:
    """A figure redrawn in place through an IPython display handle (PNG, no widgets needed)."""

    def __init__(self, epochs, title, history):
        from matplotlib.figure import Figure
        from IPython.display import display

        self.fig = Figure(figsize=(5.5, 3.4), dpi=90)
        self.epochs, self.title = epochs, title
        # outside IPython display() prints and returns None: train() then prints lines instead
        self.handle = display(self._image(history), display_id=True)

    def _image(self, history):
        from IPython.display import Image

        self.fig.clear()
        ax = plot_history(history, self.fig.add_subplot())
        ax.set_xlim(0, self.epochs)
        ax.set_title(self.title, fontsize=8)
        self.fig.tight_layout()
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png")
        return Image(data=buffer.getvalue(), format="png")

    def update(self, history):
        self.handle.update(self._image(history))


class DisplayFile:
    """A write-only file that shows the last line written in one notebook display (a text
    output updated in place): a tqdm bar drawn there needs no widgets and leaves no widget
    state in a saved notebook."""

    def __init__(self):
        from IPython.display import Pretty, display

        self.handle = display(Pretty(""), display_id=True)

    def write(self, text):
        from IPython.display import Pretty

        line = text.strip("\r\n")
        if line.strip():
            self.handle.update(Pretty(line))

    def flush(self):
        pass


class ProgressBar:
    """tqdm over all batches: on stderr in a terminal; in a notebook drawn as text in a display
    that is replaced by a one-line summary when training ends."""

    def __init__(self, total, enabled):
        from tqdm import tqdm

        self.file = DisplayFile() if enabled and in_notebook() else None
        self.bar = tqdm(total=total, desc="training", unit="batch", disable=not enabled,
                        leave=self.file is not None, file=self.file,
                        ncols=90 if self.file is not None else None)

    def update(self):
        self.bar.update(1)

    def set_postfix(self, **kwargs):
        self.bar.set_postfix(**kwargs)

    def write(self, line):
        self.bar.write(line)

    def close(self, summary):
        self.bar.close()
        if self.file is not None:
            from IPython.display import Pretty

            self.file.handle.update(Pretty(summary))
