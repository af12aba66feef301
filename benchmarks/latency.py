"""Shared timing for the widget benchmarks: the median time of one control change.

Run a benchmark from the repository root (``python benchmarks/bench_widget_x.py``); the script's
folder is on sys.path, so ``from latency import median_ms`` works.
"""
import statistics
import time


def median_ms(action, repeats):
    """Median milliseconds of ``action(k)`` over k = 0..repeats-1 (one control change each)."""
    times = []
    for k in range(repeats):
        start = time.perf_counter()
        action(k)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)
