"""Latency of one receptive-field widget step (goal < 50 ms), measured in this run: the unit
slider moving on LeNet's layer 3 (10x10 map), with and without the effective-RF overlay (each
step a new unit, so the gradient is computed, not cached), and a layer change."""
from convbook.widgets.receptive import ReceptiveFieldWidget
from latency import median_ms


if __name__ == "__main__":
    w = ReceptiveFieldWidget("LeNet", layer=3)
    plain = median_ms(lambda k: setattr(w.col, "value", k % 10), 100)
    w.set_gradient(True)
    overlay = median_ms(lambda k: (w.row.__setattr__("value", k // 10),
                                   w.col.__setattr__("value", k % 10)), 100)
    layer = median_ms(lambda k: setattr(w.layer_menu, "value", 1 + k % 4), 40)
    print(f"receptive-field widget, LeNet on 28x28: unit slider {plain:.2f} ms, with effective-RF "
          f"overlay {overlay:.2f} ms, layer change {layer:.2f} ms per change (goal < 50 ms)")
