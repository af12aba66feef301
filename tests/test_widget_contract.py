"""One contract for every explorer, tested once over all of them (the browser half, typed text,
is tests_site/test_explorers.py):

- programmatic setters raise ValueError/TypeError naming the rule, and change nothing;
- a state a view sends (through a kernel) that breaks a rule is undone, with the reason in the
  view's message: never an exception escaping from a comm callback;
- nothing a reader can send makes the package allocate more than a small bound.
"""
import re
import tracemalloc
from pathlib import Path

import pytest
import traitlets

import convbook.widgets
from convbook.widgets import (ChannelExplorer, MatrixExplorer, NetworkSheetExplorer,
                              PaddingStrideExplorer, PoolingExplorer, ReceptiveFieldExplorer,
                              SlidingKernelExplorer, TrainedNetworkExplorer)
from convbook.layers import ModernLeNet

HUGE = [[0.0] * 100_000]                     # a row a reader could paste; built outside tracing
JUNK = ["", "1 2\n3", "a b", "<b>x</b>", "1e308 1e999", "nan", float("nan"), 1e308, None,
        [[1, 2], [3]], HUGE, -1, 10**9, "conv 3 p4000"]

VALID = {("add_output_channel", None),            # the default kernel K + 1
         ("set_bias", -1), ("set_bias", 10**9),     # numbers float32 holds
         ("set_layer", None)}                      # the last layer

# explorer -> (factory, setters taking one value); the view traits a browser may set are the
# ones each view tags guarded=True (what its guard re-checks)
EXPLORERS = {
    "sliding": (SlidingKernelExplorer,
                ["set_input", "set_kernel", "set_step", "set_mode", "set_preset"]),
    "padding": (PaddingStrideExplorer, ["set_window"]),
    "pooling": (PoolingExplorer, ["set_values", "set_pool_size", "set_stride", "set_padding",
                                  "set_mode", "set_step"]),
    "channels": (ChannelExplorer, ["set_kernel", "set_bias", "set_step", "set_output_channel",
                                   "add_output_channel"]),
    "receptive": (lambda: ReceptiveFieldExplorer("3x3 conv stack"),
                  ["set_layers", "set_layer", "set_image", "set_preset", "set_gradient"]),
    "matrix": (MatrixExplorer, ["set_input", "set_kernel", "set_padding", "set_stride",
                                "set_step", "set_mode"]),
    "sheet": (NetworkSheetExplorer, ["set_layers", "set_input", "set_preset"]),
    "trained": (lambda: TrainedNetworkExplorer(ModernLeNet()),
                ["set_network", "set_image", "set_pixels", "set_noise", "select", "draw"]),
}


def snapshot(explorer):
    state = explorer.view.get_state()
    return {k: v for k, v in state.items()
            if not k.startswith("_") and k not in ("message", "layout")}


def short(value):
    return repr(value)[:40]


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_setters_raise_on_junk_and_change_nothing(name):
    make, setters = EXPLORERS[name]
    explorer = make()
    before = snapshot(explorer)
    for setter in setters:
        for junk in JUNK:
            if junk in ("", "1 2\n3") and setter == "set_layers":
                continue                         # covered below with their messages
            try:
                getattr(explorer, setter)(junk)
            except (ValueError, TypeError) as error:
                assert str(error), f"{name}.{setter}({short(junk)}) raised without a message"
            else:                                 # only a valid value may pass
                assert (setter, junk) in VALID, (setter, short(junk))
                explorer = make()
                before = snapshot(explorer)
                continue
            assert snapshot(explorer) == before, f"{name}.{setter}({short(junk)}) changed it"


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_junk_from_a_view_is_undone_with_a_message(name):
    make, _ = EXPLORERS[name]
    explorer = make()
    traits = explorer.view.guarded_traits()
    before = snapshot(explorer)
    for trait in traits:
        kind = type(getattr(explorer.view, trait))
        for junk in JUNK:
            if kind is str and not isinstance(junk, str):
                continue                          # traitlets refuses a wrong type itself
            if kind is int and not isinstance(junk, int):
                continue
            if kind is list and not isinstance(junk, list):
                continue
            try:                                  # what a comm message does
                setattr(explorer.view, trait, junk)
            except traitlets.TraitError:          # a wrong type never reaches the explorer
                assert snapshot(explorer) == before, (trait, short(junk))
                continue
            if snapshot(explorer) != before:      # accepted: it must have been valid
                explorer = make()
                before = snapshot(explorer)
                continue
            assert explorer.view.message or getattr(explorer.view, trait) == junk, \
                (trait, short(junk))


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_junk_allocates_only_a_small_bound(name):
    make, setters = EXPLORERS[name]
    explorer = make()
    traits = explorer.view.guarded_traits()
    tracemalloc.start()
    try:
        for setter in setters:
            for junk in (HUGE, "1 " * 100_000, "conv 3 p4000; " * 50):
                try:
                    getattr(explorer, setter)(junk)
                except (ValueError, TypeError):
                    pass
        for trait in traits:
            if isinstance(getattr(explorer.view, trait), list):
                try:
                    setattr(explorer.view, trait, HUGE)
                except traitlets.TraitError:
                    pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, f"{name}: junk made the package allocate {peak / 1e6:.1f} MB"


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_the_stylesheet_and_the_rules_travel_in_the_widget_state(name):
    """The stored state is what a page without a kernel gets: the stylesheet is the _css
    trait (not a string inside the JavaScript), and every constant the browser reads comes
    from Python."""
    state = EXPLORERS[name][0]().view.get_state()
    assert ".cb-root{" in state["_css"] and ".cb-root{" not in state["_esm"]
    for key in ("limits", "custom", "modes", "max_size", "header"):
        if key in state:
            assert state[key], (name, key)


def test_the_browser_has_one_output_size_formula():
    modules = [path.read_text() for path in sorted(
        (Path(convbook.widgets.__file__).parent / "js").glob("*.js"))]
    formula = re.compile(r"Math\.floor\(\([^;]*\)\s*/\s*[^;]*\)\s*\+\s*1")
    assert sum(len(formula.findall(text)) for text in modules) == 1


def changed(value):
    """A different value of the same type, as a browser might send."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + " x"
    if isinstance(value, list):
        return [changed(v) for v in value]
    if isinstance(value, dict):
        return {k: changed(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("error", [MemoryError("out of memory"), RuntimeError("allocation"),
                                   KeyError("k")], ids=["MemoryError", "RuntimeError", "KeyError"])
@pytest.mark.parametrize("name", list(EXPLORERS))
def test_any_failure_of_an_update_restores_every_guarded_trait(name, error, monkeypatch):
    cls = type(EXPLORERS[name][0]())

    def fail(self):
        raise error
    monkeypatch.setattr(cls, "_from_view", fail)
    explorer = EXPLORERS[name][0]()
    view = explorer.view
    before = {trait: getattr(view, trait) for trait in view.guarded_traits()}
    with view.hold_trait_notifications():            # one comm message changing them all
        for trait, value in before.items():
            try:
                setattr(view, trait, changed(value))
            except traitlets.TraitError:
                pass
    assert {trait: getattr(view, trait) for trait in before} == before
    assert type(error).__name__ in view.message


def test_a_network_that_fails_to_build_leaves_the_explorer_as_it_was(monkeypatch):
    import convbook.widgets.receptive as receptive

    explorer = ReceptiveFieldExplorer()
    view, net = explorer.view, explorer.net
    before = {trait: getattr(view, trait) for trait in view.guarded_traits()}

    def raise_memory(*args, **kwargs):
        raise RuntimeError("DefaultCPUAllocator: not enough memory")
    monkeypatch.setattr(receptive, "NetworkFields", raise_memory)
    view.set_state({"preset": receptive.CUSTOM, "net_text": "conv 1 p16 c820; conv 1 p16 c820"})
    assert {trait: getattr(view, trait) for trait in before} == before
    assert explorer.net is net and "RuntimeError" in view.message
