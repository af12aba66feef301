"""The expensive experiments of section 08 (LeNet), run once here; the notebook reads the file.

Writes book/data/lenet_sweep.json with these parts (each can be re-run alone, the others kept):
  editions   the classic LeNet (Xavier init, SGD, 10 epochs) with the settings of d2l v0.x
             (batch 256, lr 0.9) and of d2l v1.0 (batch 128, lr 0.1)
  ablation   activation (sigmoid/ReLU) x pooling (average/max) x optimizer (SGD 0.9/Adam 0.003),
             8 runs of 3 epochs, batch 256, Xavier init, one change at a time; for the classic
             and the modern configuration also the accuracy and consistency against a 0-4 pixel
             shift of the test images
  shift      the same shift measurement for a blur-pooled modern LeNet (3 epochs, as above)
  mlp        an MLP with LeNet's parameter budget vs modern LeNet, both with Adam 0.003 and
             batch 256 for the same number of steps, against the training-set size
Every run seeds torch with 0 before building its network and uses one thread, so a run can
be repeated (tests/test_lenet_sweep.py re-runs the first epoch of one ablation configuration).

Run: python benchmarks/lenet_sweep.py [part ...]    (the file records the minutes each part took)
"""
import json
import math
import platform
import sys
import time
from pathlib import Path

import torch
from torch import nn

from convbook.data import load_fashion_mnist
from convbook.layers import MLP, BlurPoolLeNet, LeNet, ModernLeNet
from convbook.probes import shift_accuracy
from convbook.train import evaluate_accuracy, init_xavier, train

RESULTS = Path(__file__).resolve().parent.parent / "book" / "data" / "lenet_sweep.json"
EPOCHS = 10              # d2l's, for the settings of its two releases
ABLATION_EPOCHS = 3      # for the 8 + 1 runs of the ablation, to keep the sweep short
OPTIMIZERS = {"SGD": ("sgd", 0.9), "Adam": ("adam", 0.003)}
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "ReLU": nn.ReLU}
POOLS = {"average": nn.AvgPool2d, "max": nn.MaxPool2d}
MLP_SIZES = (1000, 6000, 60000)
MLP_STEPS = 300           # rounded to whole epochs at batch 256: 300, 288 and 235 steps
                          # for 1,000, 6,000 and 60,000 images (1 epoch of the full set)


def rounded(value, digits=5):
    """Floats rounded to ``digits`` significant digits, everywhere in a JSON-ready value."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


def quiet(**kwargs):
    return dict(progress=False, live=False, log=lambda line: None, **kwargs)


def record(history, **extra):
    """The JSON-ready part of a History."""
    return {"train_loss": history.train_loss, "train_acc": history.train_acc,
            "test_acc": history.test_acc, "steps": history.steps,
            "seconds": sum(history.seconds), **extra}


def ablation_net(activation, pool):
    torch.manual_seed(0)
    return init_xavier(LeNet(activation=ACTIVATIONS[activation], pool=POOLS[pool]))


def run_ablation_config(data, activation, pool, optimizer, epochs=ABLATION_EPOCHS, net=None):
    """One configuration of the ablation; also what the test re-runs (with epochs=1)."""
    name, lr = OPTIMIZERS[optimizer]
    net = ablation_net(activation, pool) if net is None else net
    return train(net, data.train, data.test, epochs=epochs, lr=lr, optimizer=name,
                 batch_size=256, seed=0, **quiet())


def part_editions(data):
    out = {}
    for edition, batch, lr in (("first", 256, 0.9), ("current", 128, 0.1)):
        torch.manual_seed(0)
        h = train(init_xavier(LeNet()), data.train, data.test, epochs=EPOCHS, lr=lr,
                  optimizer="sgd", batch_size=batch, seed=0, **quiet())
        out[edition] = record(h, batch_size=batch, lr=lr)
        print(f"editions/{edition}: {h.summary()}", flush=True)
    return out


def part_ablation(data):
    out = []
    for activation in ACTIVATIONS:
        for pool in POOLS:
            for optimizer in OPTIMIZERS:
                net = ablation_net(activation, pool)
                h = run_ablation_config(data, activation, pool, optimizer, net=net)
                out.append(record(h, activation=activation, pool=pool, optimizer=optimizer,
                                  lr=OPTIMIZERS[optimizer][1]))
                if (activation, pool, optimizer) in SHIFTED:
                    out[-1]["shift"] = shift_accuracy(net, *data.test, max_shift=4)
                print(f"ablation/{activation}/{pool}/{optimizer}: {h.summary()}", flush=True)
    return out


def part_mlp(data):
    images, labels = data.train
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    out = {"sizes": list(MLP_SIZES), "steps": MLP_STEPS, "models": {}}
    for name, make in (("MLP", MLP), ("modern LeNet", ModernLeNet)):
        torch.manual_seed(0)
        out["models"][name] = {"parameters": sum(p.numel() for p in make().parameters()),
                               "test_acc": [], "train_acc": []}
        for size in MLP_SIZES:
            subset = (images[order[:size]], labels[order[:size]])
            epochs = max(1, round(MLP_STEPS / math.ceil(size / 256)))
            torch.manual_seed(0)
            net = make()
            h = train(net, subset, None, epochs=epochs, lr=0.003, optimizer="adam",
                      batch_size=256, seed=0, updates_per_epoch=1, **quiet())
            out["models"][name]["test_acc"].append(evaluate_accuracy(net, *data.test))
            out["models"][name]["train_acc"].append(h.train_acc[-1])
            print(f"mlp/{name}/{size}: {h.summary()}", flush=True)
    return out


def part_shift(data):
    torch.manual_seed(0)
    net = init_xavier(BlurPoolLeNet())
    h = run_ablation_config(data, "ReLU", "max", "Adam", net=net)
    out = record(h, shift=shift_accuracy(net, *data.test, max_shift=4))
    print(f"shift/blur-pooled: {h.summary()}; {out['shift']}", flush=True)
    return {"blur-pooled": out}


PARTS = {"editions": part_editions, "ablation": part_ablation, "shift": part_shift,
         "mlp": part_mlp}
SHIFTED = {("sigmoid", "average", "SGD"), ("ReLU", "max", "Adam")}    # classic, modern


def main(argv):
    parts = argv or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        sys.exit(f"unknown part(s) {unknown}; choose from {list(PARTS)}")
    torch.set_num_threads(1)
    data = load_fashion_mnist(progress=False)
    for part in parts:
        start = time.perf_counter()
        result = PARTS[part](data)
        # read just before writing: parts run by another process meanwhile are kept
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results[part] = result
        results.setdefault("meta", {})[part] = {
            "source": data.source, "torch": torch.__version__, "threads": 1,
            "python": platform.python_version(), "minutes": (time.perf_counter() - start) / 60,
            "date": time.strftime("%Y-%m-%d")}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(rounded(results), sort_keys=True) + "\n")
        print(f"{part}: written to {RESULTS} ({results['meta'][part]['minutes']:.1f} min)",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
