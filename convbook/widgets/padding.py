"""Padding / stride explorer: where a kernel goes on a padded input, and why the output has its
shape. The numbers come from ``convbook.windows.WindowGeometry`` (recomputed by
``js/padding.js`` in the browser); the static picture is ``convbook.figures.draw_window``.

>>> w = PaddingStrideExplorer(input_size=7, kernel_size=3, padding=0, stride=2)
>>> w.output_shape, w.dropped_rows
((3, 3), ())
"""
import traitlets

from .._checks import pair
from ..windows import WindowGeometry
from .base import ExplorerView, esm

__all__ = ["PaddingStrideExplorer", "PaddingView", "LIMITS"]

# Slider ranges (inclusive); the minimum stride is 1, so stride 0 cannot be chosen.
LIMITS = {"input_size": (1, 12), "kernel_size": (1, 7), "padding": (0, 4), "stride": (1, 5),
          "dilation": (1, 3)}


def _setting(name, value):
    """An int or (h, w) pair inside the explorer's range, as a list; raises naming ``name``."""
    low, high = LIMITS[name]
    values = pair(value, name, low)
    if max(values) > high:
        raise ValueError(f"{name} must be at most {high} in the explorer, got {value!r}")
    return list(values)


def _pair_trait():
    return traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True, guarded=True)


class PaddingView(ExplorerView):
    """Synced state of the padding/stride explorer."""
    _esm = esm("padding")
    _explorer_name = "padding and stride explorer"
    input_size, kernel_size, padding = _pair_trait(), _pair_trait(), _pair_trait()
    stride, dilation = _pair_trait(), _pair_trait()
    square = traitlets.Bool(True).tag(sync=True)
    window = traitlets.Int(0).tag(sync=True, guarded=True)
    limits = traitlets.Dict({n: list(v) for n, v in LIMITS.items()}).tag(sync=True)


class PaddingStrideExplorer:
    """Sliders for input size, kernel, padding, stride and dilation (height and width).

    Shows the padded input (zero border in grey), the kernel's taps at the current window,
    the top-left corner of every window visited (dark corner mark), the rows/columns the
    floor() drops (struck through, red), the output with the current cell, and the formula.
    Setters raise ValueError/TypeError naming the argument. State: ``window_geometry``,
    ``output_shape``, ``index``, ``window_cells``, ``corners``, ``dropped_rows``,
    ``dropped_cols``, ``formula``, ``message`` (why no window fits, or the view's refusal).
    """

    def __init__(self, input_size=8, kernel_size=3, padding=1, stride=1, dilation=1):
        values = {"input_size": input_size, "kernel_size": kernel_size, "padding": padding,
                  "stride": stride, "dilation": dilation}
        values = {name: _setting(name, v) for name, v in values.items()}
        self.view = PaddingView(**values, square=all(h == w for h, w in values.values()))
        self.view.guard(self._from_view)

    def _from_view(self):
        g = self.window_geometry          # also checks each pair against its range
        last = max(g.window_count - 1, 0)
        if not 0 <= self.view.window <= last:
            raise ValueError(f"window must be in 0..{last}, got {self.view.window}")

    # --- programmatic control -------------------------------------------------------------
    def set(self, input_size=None, kernel_size=None, padding=None, stride=None, dilation=None):
        """Set any of the five settings (int or (h, w)); values outside the sliders' ranges
        raise ValueError. A non-square value turns off "same height and width"."""
        given = {"input_size": input_size, "kernel_size": kernel_size, "padding": padding,
                 "stride": stride, "dilation": dilation}
        updates = {name: _setting(name, v) for name, v in given.items() if v is not None}
        v = self.view
        merged = {name: updates.get(name, getattr(v, name)) for name in LIMITS}
        count = WindowGeometry(**merged).window_count
        with v.updating():
            if any(h != w for h, w in updates.values()):
                v.square = False
            for name, value in updates.items():
                setattr(v, name, value)
            v.window = min(v.window, max(count - 1, 0))
            v.message = ""

    def set_window(self, index):
        """Show window ``index`` (row-major over the output)."""
        last = max(self.window_geometry.window_count - 1, 0)
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"index must be an int, got {index!r}")
        if not 0 <= index <= last:
            raise ValueError(f"index must be in 0..{last}, got {index}")
        self.view.window = index

    # --- state ----------------------------------------------------------------------------
    @property
    def window_geometry(self):
        return WindowGeometry(**{name: tuple(_setting(name, getattr(self.view, name)))
                                 for name in LIMITS})

    @property
    def output_shape(self):
        return self.window_geometry.output_shape

    @property
    def index(self):
        return self.view.window

    @property
    def window_cells(self):
        g = self.window_geometry
        return tuple(g.taps(self.index)) if g.fits else ()

    @property
    def corners(self):
        return tuple(self.window_geometry.corners())

    @property
    def dropped_rows(self):
        return self.window_geometry.dropped_rows

    @property
    def dropped_cols(self):
        return self.window_geometry.dropped_cols

    @property
    def formula(self):
        return self.window_geometry.formula()

    @property
    def message(self):
        return self.window_geometry.problem or self.view.message
