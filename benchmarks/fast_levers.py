"""The levers of the fast recipe, one at a time: time-to-accuracy curves for section 08.

Each run is convbook.speedrun.speed_train with the recipe (convbook.speedrun.FASTNET_RECIPE,
FastNet with a whitened, frozen first layer) and exactly one change,
seed 0, evaluated on the full test set at EVALS evenly spaced points. Each run records test
accuracy against seconds since the call without the evaluations (so converting the data,
whitening and running the frozen layers count), both wall seconds and processor seconds:
on a shared machine the processor time of a one-thread run counts only the time the run was
given. The first variant of every lever is the recipe itself, run once and reused. The
levers:
  schedule     one-cycle vs a constant rate (the peak rate)
  batch size   batch 128 (recipe), 256 and 1024, the rate scaled with the square root of the
               batch size
  batch norm   with and without batch normalisation (without: the convolution gets a bias)
  whitening    the first convolution set from the data's patches and frozen vs learned
               from PyTorch's default initialisation
  run once     the frozen layers at every step vs run once over the data before training
  init         PyTorch's default initialisation vs Xavier-uniform (d2l's)
  layout       channels-last vs the default NCHW memory layout
  evaluation   inference mode in batches of 1,000 vs autograd recording in training batches
  threads      1 vs 2 torch threads
  network      FastNet vs BatchNormLeNet (LeNet with batch normalisation) in the same loop
Writes book/data/fast_levers.json; tests/test_fast_levers.py re-runs the recipe's first
evaluation and compares it with the file.

Run: python benchmarks/fast_levers.py [--threads N]   (N torch threads for every run except
the threads lever; default 1, which a shared machine disturbs least; the file records N, the
machine's load average and an in-run matmul probe). About 3 minutes on a quiet
2-core machine, much longer on a busy one.
"""
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import torch
from torch import nn

from convbook.data import load_fashion_mnist
from convbook.layers import BatchNormLeNet
from convbook.speedrun import FASTNET_RECIPE, FastNet, speed_train

RESULTS = Path(__file__).resolve().parent.parent / "book" / "data" / "fast_levers.json"
EVALS = 8
LR, BATCH = FASTNET_RECIPE["max_lr"], FASTNET_RECIPE["batch_size"]

# lever -> [(label, keyword arguments of speed_train, network class and its arguments)]
LEVERS = {
    "schedule": [(f"one-cycle, peak {LR}", {}, None),
                 (f"constant {LR}", {"schedule": "constant"}, None)],
    "batch size": [(f"batch {b}, rate {LR * math.sqrt(b / BATCH):.3g}",
                    {"batch_size": b, "max_lr": round(LR * math.sqrt(b / BATCH), 4)}, None)
                   for b in (128, 256, 1024)],
    "batch norm": [("with batch norm", {}, None),
                   ("without (conv bias)", {}, ("FastNet", {"batchnorm": False}))],
    "whitening": [("whitened, frozen", {}, None),
                  ("learned first layer", {"whiten": False}, None)],
    "run once": [("frozen layers at every step", {}, None),
                 ("run once before training", {"cache": True}, None)],
    "init": [("PyTorch default init", {}, None),
             ("Xavier-uniform init", {"init": "xavier_uniform_"}, None)],
    "layout": [("channels-last (NHWC)", {}, None),
               ("NCHW", {"channels_last": False}, None)],
    "evaluation": [("inference mode, batch 1,000", {}, None),
                   (f"autograd on, batch {BATCH}", {"inference_eval": False}, None)],
    "threads": [("1 thread", {}, None), ("2 threads", {"threads": 2}, None)],
    "network": [("FastNet", {}, None), ("BatchNormLeNet", {}, ("BatchNormLeNet", {}))],
}
NETWORKS = {"FastNet": FastNet, "BatchNormLeNet": BatchNormLeNet}


def lever_run(data, kwargs, network=None, seed=0, **extra):
    """One run of the recipe with the changes in ``kwargs`` (JSON-ready: ``init`` names a
    function of torch.nn.init) and ``network`` (name, arguments); returns the SpeedRun."""
    kwargs = dict(kwargs)
    if "init" in kwargs:
        kwargs["init"] = getattr(nn.init, kwargs["init"])
    torch.manual_seed(seed)
    name, arguments = network or ("FastNet", {})
    net = NETWORKS[name](**arguments)
    return speed_train(data.train, data.test, net=net, evals=EVALS, seed=seed,
                       **{**kwargs, **extra})


def matmul_gflops(n=1024, repeats=20):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main():
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
    torch.set_num_threads(threads)
    data = load_fashion_mnist(progress=False)
    began = time.perf_counter()
    warm = (data.train[0][:4096], data.train[1][:4096])
    speed_train(warm, (data.test[0][:1000], data.test[1][:1000]), epochs=1, evals=1)
    results = {"meta": {"source": data.source, "torch": torch.__version__,
                        "machine": platform.machine(), "cpus": os.cpu_count(),
                        "threads": threads, "recipe": FASTNET_RECIPE, "evals": EVALS,
                        "load_average_before": os.getloadavg()[0],
                        "matmul_gflops": matmul_gflops()},
               "levers": {}}
    recipe = None                   # the first variant of every lever: run once, reused
    for lever, variants in LEVERS.items():
        results["levers"][lever] = []
        for label, kwargs, network in variants:
            if kwargs or network or recipe is None:
                run = lever_run(data, kwargs, network)
            else:
                run = recipe
            recipe = recipe or run
            results["levers"][lever].append({
                "label": label, "kwargs": kwargs, "network": network, "params": run.params,
                "threads": run.threads, "examples": run.examples,
                "train_seconds": [round(t, 3) for t in run.train_seconds],
                "cpu_seconds": [round(t, 3) for t in run.cpu_seconds],
                "elapsed": [round(t, 3) for t in run.elapsed],
                "eval_seconds": [round(t, 3) for t in run.eval_seconds],
                "test_acc": run.test_acc})
            print(f"{lever:<11}{label:<36}{run.params:>7,} params  acc "
                  f"{' '.join(f'{a:.3f}' for a in run.test_acc)}  train "
                  f"{run.train_seconds[-1]:.1f} s (CPU {run.cpu_seconds[-1]:.1f} s)  wall "
                  f"{run.elapsed[-1]:.1f} s", flush=True)
    results["meta"]["load_average_after"] = os.getloadavg()[0]
    results["meta"]["minutes"] = round((time.perf_counter() - began) / 60, 1)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {RESULTS} ({results['meta']['minutes']} minutes)")


if __name__ == "__main__":
    main()
