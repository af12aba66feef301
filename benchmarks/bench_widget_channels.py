"""Latency of one channel-explorer step (goal < 50 ms): the step slider moving one cell, and
switching the output channel, measured in this run."""
import torch

from convbook.widgets.channels import MAX_IN, MAX_OUT, MAX_SIDE, ChannelExplorer
from latency import median_ms


if __name__ == "__main__":
    torch.manual_seed(0)
    X = torch.randint(0, 10, (MAX_IN, MAX_SIDE, MAX_SIDE))
    K = torch.randint(-2, 3, (MAX_OUT, MAX_IN, 3, 3))
    w = ChannelExplorer(X, K)
    n = w.output[0].numel()
    step = median_ms(lambda k: setattr(w._w_step, "value", k % n), 200)
    channel = median_ms(lambda k: setattr(w._w_out, "value", str(k % MAX_OUT)), 100)
    print(f"channel explorer, {MAX_IN}x{MAX_SIDE}x{MAX_SIDE} input, {MAX_OUT} output channels: "
          f"step slider {step:.2f} ms, output channel switch {channel:.2f} ms per change "
          f"(goal < 50 ms)")
