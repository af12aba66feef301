"""convbook.ops vs the teaching loop vs torch.nn.functional, measured side by side in one run.

Each row times the candidates interleaved (round-robin, median of several rounds), so a
machine that speeds up or slows down during the run affects them alike. Ratios are
convbook time / torch time (lower is better; goal <= 2 on 256x256 and larger) and loop
time / convbook time (goal >= 100).

Run: python benchmarks/bench_ops.py   (or `make bench`)
"""
import statistics
import time

import torch
import torch.nn.functional as F

from convbook import ops

torch.manual_seed(0)


def interleaved(candidates, rounds=7, min_time=0.02):
    """Median seconds per call of each candidate, timed round-robin."""
    numbers = {}
    for name, fn in candidates.items():       # warm up and pick a repeat count per candidate
        fn()
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < min_time:
            fn()
            n += 1
        numbers[name] = max(1, n)
    samples = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / numbers[name])
    return {name: statistics.median(s) for name, s in samples.items()}


def single_channel():
    print(f"{'corr2d, 1 channel':24} {'convbook':>10} {'torch':>10} {'loop':>10} "
          f"{'convbook/torch':>15} {'loop/convbook':>14}")
    for n, k in [(64, 3), (256, 3), (256, 5), (512, 3), (1024, 3), (1024, 5)]:
        X, K = torch.randn(n, n), torch.randn(k, k)
        candidates = {"convbook": lambda: ops.corr2d(X, K),
                      "torch": lambda: F.conv2d(X[None, None], K[None, None])}
        if n <= 256:
            candidates["loop"] = lambda: ops.corr2d_loop(X, K)
        t = interleaved(candidates, rounds=3 if n <= 256 else 7)
        loop = f"{t['loop'] * 1e3:8.1f}ms" if "loop" in t else f"{'-':>10}"
        speedup = f"{t['loop'] / t['convbook']:13.0f}x" if "loop" in t else f"{'-':>14}"
        print(f"{n:>5}x{n:<5} k={k}x{k:<8} {t['convbook'] * 1e3:8.3f}ms {t['torch'] * 1e3:8.3f}ms "
              f"{loop} {t['convbook'] / t['torch']:14.2f}x {speedup}")


def multi_channel():
    print(f"\n{'multi-channel':24} {'convbook':>10} {'torch':>10} {'convbook/torch':>15} "
          f"{'GFLOP/s (cb, torch)':>20}")
    for c_i, c_o, n, k in [(3, 16, 64, 3), (16, 32, 28, 5), (64, 64, 56, 3)]:
        X, K = torch.randn(c_i, n, n), torch.randn(c_o, c_i, k, k)
        t = interleaved({"convbook": lambda: ops.corr2d_multi_in_out(X, K, padding=k // 2),
                         "torch": lambda: F.conv2d(X[None], K, padding=k // 2)})
        flops = ops.conv2d_cost(c_i, c_o, k, n, bias=False)["flops"]
        print(f"{c_i:>3}->{c_o:<3} {n}x{n} k={k:<9} {t['convbook'] * 1e3:8.3f}ms "
              f"{t['torch'] * 1e3:8.3f}ms {t['convbook'] / t['torch']:14.2f}x "
              f"{flops / t['convbook'] / 1e9:9.1f} {flops / t['torch'] / 1e9:9.1f}")


def pooling():
    print(f"\n{'pool2d':24} {'convbook':>10} {'torch':>10} {'convbook/torch':>15}")
    for c, n, k, mode in [(1, 256, 2, "max"), (16, 128, 3, "max"), (16, 128, 2, "avg"),
                          (64, 56, 2, "max")]:
        X = torch.randn(c, n, n)
        torch_pool = F.max_pool2d if mode == "max" else F.avg_pool2d
        t = interleaved({"convbook": lambda: ops.pool2d(X, k, mode=mode),
                         "torch": lambda: torch_pool(X[None], k)})
        print(f"{c:>3}x{n}x{n} {mode} {k}x{k:<8} {t['convbook'] * 1e3:8.3f}ms "
              f"{t['torch'] * 1e3:8.3f}ms {t['convbook'] / t['torch']:14.2f}x")


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    single_channel()
    multi_channel()
    pooling()
