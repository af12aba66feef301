"""Latency of one padding/stride explorer step (goal < 50 ms), measured in this run: the window
slider moving one position, and a stride/kernel slider change (new geometry, output, HTML)."""
from convbook.widgets.padding import PaddingStrideExplorer
from latency import median_ms


if __name__ == "__main__":
    w = PaddingStrideExplorer(input_size=12, kernel_size=3, padding=2, stride=1)
    n = w.window.max + 1
    window = median_ms(lambda k: setattr(w.window, "value", k % n), 200)
    stride = median_ms(lambda k: setattr(w.sliders["stride"][0], "value", 1 + k % 3), 60)
    kernel = median_ms(lambda k: setattr(w.sliders["kernel_size"][0], "value", 1 + k % 5), 60)
    print(f"padding/stride explorer, 12x12 input + padding 2: window slider {window:.2f} ms, "
          f"stride slider {stride:.2f} ms, kernel slider {kernel:.2f} ms per change "
          "(goal < 50 ms)")
