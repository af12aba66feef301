"""Latency of one sliding-kernel step (goal < 50 ms): the step slider moving the window one
cell (what Play does), a mode toggle (recompute + re-render), and applying edited values,
all measured in this run on the largest preset (7x7 input, 3x3 Sobel kernel) and a 12x12 input."""
import torch

from convbook.widgets.sliding import SlidingKernel
from latency import median_ms


if __name__ == "__main__":
    torch.manual_seed(0)
    w = SlidingKernel(preset="Sobel x on a 7x7 square")
    n = w.num_steps
    step = median_ms(lambda k: setattr(w._slider, "value", (k + 1) % n), 200)
    modes = ("convolution", "cross-correlation")
    toggle = median_ms(lambda k: setattr(w._mode, "value", modes[k % 2]), 100)
    big = SlidingKernel(X=torch.randint(-9, 10, (12, 12)), K=torch.randint(-2, 3, (3, 3)))
    big_step = median_ms(lambda k: setattr(big._slider, "value", (k + 1) % big.num_steps), 200)
    texts = ("1 0 -1\n2 0 -2\n1 0 -1", "0 1 0\n1 -4 1\n0 1 0")
    edit = median_ms(lambda k: setattr(big._k_text, "value", texts[k % 2]), 100)
    print(f"sliding kernel, 7x7 input, 3x3 kernel: step slider {step:.2f} ms, "
          f"mode toggle {toggle:.2f} ms per change (goal < 50 ms)")
    print(f"sliding kernel, 12x12 input, 3x3 kernel: step slider {big_step:.2f} ms, "
          f"kernel text edit {edit:.2f} ms per change (goal < 50 ms)")
