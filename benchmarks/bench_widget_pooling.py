"""Latency of one pooling-explorer step (goal < 50 ms): the step slider moving one cell, and a
window/padding slider change (a full recompute and re-render), measured in this run."""
import torch

from convbook.widgets.pooling import PoolingExplorer
from latency import median_ms


if __name__ == "__main__":
    torch.manual_seed(0)
    w = PoolingExplorer(torch.randint(0, 10, (12, 12)), pool_size=3, stride=1, padding=1)
    n = w.output.numel()
    step = median_ms(lambda k: setattr(w._w_step, "value", k % n), 200)
    window = median_ms(lambda k: setattr(w._w_window[0], "value", 2 + k % 3), 100)
    print(f"pooling explorer, 12x12 input: step slider {step:.2f} ms, "
          f"window slider {window:.2f} ms per change (goal < 50 ms)")
