"""The one base of every explorer: an anywidget whose state is the explorer's parameters and
whose view is ES-module JavaScript (``js/base.js`` + ``js/<explorer>.js``, styled by
``css/base.css`` + the explorer's own sheet) that recomputes and redraws in the browser, in
JupyterLab, VS Code and on the static website alike.

Python keeps validated setters: a value a view sends (through a kernel) is checked by the
same rules as a setter; a value that breaks them is not used, the last good state is put
back and the reason is shown in the view's ``message``. The traits a view may change and the
explorer re-checks are tagged ``guarded=True``, the one list ``guard`` and the tests read.
Constants and limits the browser needs are traits too, declared once here in Python.

>>> from traitlets import Int
>>> class Counter(ExplorerView):
...     _esm = esm("sliding")
...     n = Int(0).tag(sync=True, guarded=True)
>>> "function cbFmt" in Counter._esm and "export default" in Counter._esm
True
>>> Counter().guarded_traits()
['n']
"""
from contextlib import contextmanager
from functools import cache
from importlib.resources import files

import anywidget
import traitlets

__all__ = ["ExplorerView", "TypedNetworkView", "CUSTOM_NETWORK", "esm", "css"]


@cache
def esm(*names):
    """The ES module of an explorer: the shared base followed by the modules ``names`` (shared
    helpers first, the explorer's own module last)."""
    folder = files(__package__) / "js"
    return "\n".join((folder / f"{name}.js").read_text(encoding="utf-8")
                     for name in ("base", *names))


@cache
def css(*names):
    """The stylesheet of an explorer (anywidget's ``_css``): ``css/base.css`` followed by the
    sheets ``names``."""
    folder = files(__package__) / "css"
    return "\n".join((folder / f"{name}.css").read_text(encoding="utf-8")
                     for name in ("base", *names))


class ExplorerView(anywidget.AnyWidget):
    """The synced state of an explorer. ``message`` is the refusal shown in the view ('' if none).

    Subclasses name their ``_esm`` (and ``_css`` beyond the base sheet) and add traits tagged
    ``sync=True``, and ``guarded=True`` for those the explorer re-checks. ``guard(check)`` calls
    ``check()`` after the browser changed any guarded trait; if it raises ValueError/TypeError
    the previous values come back and the message says why. Any other exception (MemoryError,
    a RuntimeError from torch) restores the state the same way: every guarded trait goes back
    to the last state that passed the check, never only the one that changed.
    """
    _css = css()
    message = traitlets.Unicode("").tag(sync=True)
    _explorer_name = "explorer"          # what the text repr (shown before widgets load) calls it

    def __repr__(self):
        return f"<{self._explorer_name}>"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._restoring = False
        self._good = None               # the guarded traits' last checked values

    @contextmanager
    def updating(self):
        """Set traits from Python (already checked by a setter): sent to the view as one
        message, and not re-checked by ``guard``."""
        with self.hold_sync():
            self._restoring = True
            try:
                yield
            finally:
                self._restoring = False
                self._remember()

    def _remember(self):
        if self._good is not None:
            self._good = {name: getattr(self, name) for name in self.guarded_traits()}

    def guarded_traits(self):
        """The names of the traits tagged ``guarded=True``, in a fixed (sorted) order."""
        return sorted(self.trait_names(guarded=True))

    def guard(self, check):
        """Re-check the state whenever a guarded trait changes; undo a change it refuses."""
        self._good = {}
        self._remember()
        self.observe(lambda change: self._checked(change, check), names=self.guarded_traits())

    def _checked(self, change, check):
        if self._restoring:
            return
        try:
            check()
        except Exception as error:          # whatever the update raised: undo all of it
            good = dict(self._good)
            good.setdefault(change["name"], change["old"])
            with self.updating():
                for name, value in good.items():
                    setattr(self, name, value)
                self.message = (str(error) if isinstance(error, (ValueError, TypeError)) else
                                f"this change could not be made ({type(error).__name__}: "
                                f"{error}); the previous state is back")
        else:
            self._remember()


CUSTOM_NETWORK = "custom (type layers)"     # the preset menu's entry for typed layers


class TypedNetworkView(ExplorerView):
    """The synced state of an explorer that reads a network typed in section 04's layer
    language (the receptive-field explorer, the network sheet): the presets offered, the one
    shown (or ``CUSTOM_NETWORK``, sent as ``custom``), the layers box as typed, the network in
    use and the language's ``limits`` (``convbook.netspec.LIMITS`` or ``SHEET_LIMITS``)."""
    presets = traitlets.Dict().tag(sync=True)
    preset = traitlets.Unicode("LeNet").tag(sync=True, guarded=True)
    text = traitlets.Unicode("").tag(sync=True)           # the layers box, as typed
    net_text = traitlets.Unicode("").tag(sync=True, guarded=True)     # the network in use
    custom = traitlets.Unicode(CUSTOM_NETWORK).tag(sync=True)
    limits = traitlets.Dict().tag(sync=True)
