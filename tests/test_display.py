"""convbook.display: train's figure redrawn in place in a notebook, and plot_history's curves."""
import matplotlib.figure
from conftest import small_run

from convbook import train as T
from convbook.display import plot_history
from convbook.train import History


def test_live_plot_updates_a_display_handle(monkeypatch):
    import IPython.display

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj)

    def fake_display(obj, display_id=None):
        assert display_id is True
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    monkeypatch.setattr(T, "in_notebook", lambda: True)
    lines = []
    small_run(epochs=2, live=True, log=lines.append, updates_per_epoch=2)
    assert lines == []                                   # drawing instead of printing
    # first draw, then per epoch: one mid-epoch update and one at the end of the epoch
    assert len(shown) == 1 + 2 * 2
    assert all(image.data[:8] == b"\x89PNG\r\n\x1a\n" for image in shown)


def test_plot_history_draws_three_curves():
    _, h = small_run(epochs=2)
    ax = plot_history(h, matplotlib.figure.Figure().add_subplot(), label="modern")
    assert [line.get_label() for line in ax.get_lines()] == [
        "modern train loss", "modern train acc", "modern test acc"]


def test_plot_history_survives_an_infinite_loss():
    h = History(train_loss=[1.0, float("inf")], train_acc=[0.5, 0.1], test_acc=[0.5, 0.1])
    ax = plot_history(h, matplotlib.figure.Figure().add_subplot())
    assert ax.get_ylim() == (0, 1.05)
