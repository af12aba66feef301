"""Time of the closed-form receptive field (torch.fx trace + graph walk) and of its autograd
check on five ImageNet networks, measured in this run after one warm-up call (wall clock; compare side by side)."""
import time

import torch

from convbook.architectures import ARCHITECTURES
from convbook.receptive import empirical_receptive_field, receptive_field


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main():
    torch.manual_seed(0)
    _, warm = timed(receptive_field, torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3)))
    print(f"first call in a fresh process (torch.fx warm-up): {warm:.2f} s")
    print(f"{'network':12s} {'r':>4s} {'S':>3s} {'P':>4s} {'closed form':>12s} "
          f"{'autograd input':>15s} {'autograd (width 1/16)':>22s}")
    for name, build in ARCHITECTURES.items():
        net = build()
        last, closed = timed(receptive_field, net, (3, 224, 224))
        r, s, p = last[-1].size[0], last[-1].stride[0], last[-1].padding[0]
        size = s * (-(-(r + 2 * s) // s))
        narrow = build(width=1 / 16)
        out = receptive_field(narrow, (3, size, size))[-1].shape[0]
        measured, grad = timed(empirical_receptive_field, narrow, (3, size, size), out // 2)
        assert measured.size == last[-1].size
        print(f"{name:12s} {r:4d} {s:3d} {p:4d} {closed * 1000:10.0f} ms "
              f"{size:>9d}x{size:<5d} {grad:20.2f} s")


if __name__ == "__main__":
    main()
