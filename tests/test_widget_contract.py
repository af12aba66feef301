"""One contract for every explorer, tested once over all of them (the browser half, typed text,
is tests_site/test_explorers.py):

- programmatic setters raise ValueError/TypeError naming the rule, and change nothing;
- a state a view sends (through a kernel) that breaks a rule is undone, with the reason in the
  view's message: never an exception escaping from a comm callback;
- nothing a reader can send makes the package allocate more than a small bound.
"""
import tracemalloc

import pytest
import traitlets

from convbook.widgets import (ChannelExplorer, MatrixExplorer, NetworkSheetExplorer,
                              PaddingStrideExplorer, PoolingExplorer, ReceptiveFieldExplorer,
                              SlidingKernelExplorer)

HUGE = [[0.0] * 100_000]                     # a row a reader could paste; built outside tracing
JUNK = ["", "1 2\n3", "a b", "<b>x</b>", "1e308 1e999", "nan", float("nan"), 1e308, None,
        [[1, 2], [3]], HUGE, -1, 10**9, "conv 3 p4000"]

VALID = {("add_output_channel", None),            # the default kernel K + 1
         ("set_bias", -1), ("set_bias", 10**9),     # numbers float32 holds
         ("set_layer", None)}                      # the last layer

# explorer -> (factory, setters taking one value, view traits a browser may set)
EXPLORERS = {
    "sliding": (SlidingKernelExplorer, ["set_input", "set_kernel", "set_step", "set_mode", "set_preset"],
                ["X", "K", "mode", "step"]),
    "padding": (PaddingStrideExplorer, ["set_window"],
                ["input_size", "kernel_size", "padding", "stride", "dilation", "window"]),
    "pooling": (PoolingExplorer, ["set_values", "set_pool_size", "set_stride", "set_padding",
                                  "set_mode", "set_step"],
                ["X", "pool_size", "stride", "padding", "mode", "step"]),
    "channels": (ChannelExplorer, ["set_kernel", "set_bias", "set_step", "set_output_channel",
                                   "add_output_channel"], ["X", "K", "bias", "out", "step"]),
    "receptive": (lambda: ReceptiveFieldExplorer("3x3 conv stack"),
                  ["set_layers", "set_layer", "set_image", "set_preset", "set_gradient"],
                  ["net_text", "layer", "unit", "image", "preset"]),
    "matrix": (MatrixExplorer, ["set_input", "set_kernel", "set_padding", "set_stride",
                                "set_step", "set_mode"],
               ["X", "K", "padding", "stride", "mode", "step"]),
    "sheet": (NetworkSheetExplorer, ["set_layers", "set_input", "set_preset"],
              ["net_text", "input_shape", "preset"]),
}


def snapshot(explorer):
    state = explorer.view.get_state()
    return {k: v for k, v in state.items()
            if not k.startswith("_") and k not in ("message", "layout")}


def short(value):
    return repr(value)[:40]


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_setters_raise_on_junk_and_change_nothing(name):
    make, setters, _ = EXPLORERS[name]
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
    make, _, traits = EXPLORERS[name]
    explorer = make()
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
    make, setters, traits = EXPLORERS[name]
    explorer = make()
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
