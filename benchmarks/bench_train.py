"""One epoch of the classic LeNet: convbook's in-memory loop vs a d2l-style DataLoader loop.

Both train the same network (same initial weights) on the same Fashion-MNIST training set with
batch 256 and SGD (lr 0.9), one epoch each, interleaved round by round so a machine that
speeds up or slows down affects both alike. The d2l-style loop is the book's ``train_ch6``:
a map-style dataset converting one image at a time the way torchvision's FashionMNIST +
ToTensor does (PIL image -> float tensor / 255), a DataLoader with shuffle and 4 workers
(d2l's ``get_dataloader_workers()``), and the same forward/backward/step per batch.
convbook's time is the whole ``train()`` call (including its one-time uint8 -> float
conversion), with no evaluation.

The physical bound: a float32 matmul probe measured in the same run gives GFLOP/s; a training
example costs about 3x LeNet's forward FLOPs (forward + two backward products), so
bound = GFLOP/s / (3 x forward FLOPs) examples/s. Goals: convbook >= 1.5x the DataLoader loop
and >= 35% of the bound.

Part 2, time to 0.90 test accuracy (the full test set), from a cold start of the training
call (uint8 data in; data conversion, whitening and every evaluation included): modern LeNet (ReLU, max pooling, Adam 0.003, batch 256, up
to 10 epochs, evaluated every epoch) and the fast recipe (convbook.speedrun: FastNet with
its first layer whitened and frozen, Adam with a one-cycle
schedule over 1.5 epochs, evaluated 4 times, stopping at the first evaluation >= 0.90),
interleaved round by round, median of 3 rounds (the fast recipe with seeds 0, 1, 2). One
untimed warm-up call on 4,096 images first creates the oneDNN primitives. Goal: the fast
recipe at >= 0.90 in <= 5 s on 2 cores, with its training loop at >= 50% of the in-run
matmul bound. The loop's bound counts 3 x the forward FLOPs of the network (an upper
estimate of its work: the frozen first layer needs no backward pass). The script sets torch's thread count itself
(--threads, default 2) and prints it.

Run: python benchmarks/bench_train.py [--part 1|2] [--threads N]   (or `make bench`); a few
minutes on 2 cores.
"""
import copy
import statistics
import sys
import time
import warnings

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

from convbook.data import load_fashion_mnist
from convbook.layers import LeNet, ModernLeNet
from convbook.netspec import layer_summary
from convbook.speedrun import FASTNET_RECIPE, FastNet, speed_train
from convbook.train import init_xavier, train

ROUNDS, BATCH, LR, WORKERS = 3, 256, 0.9, 4
TARGET = 0.90
FASTNET_PARAMS = sum(p.numel() for p in FastNet().parameters())


class TorchvisionStyleFashionMNIST(Dataset):
    """What torchvision.datasets.FashionMNIST(transform=ToTensor()) does per item."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        image = Image.fromarray(self.images[i].numpy(), mode="L")
        x = torch.from_numpy(np.array(image, np.uint8, copy=True))
        x = x.view(image.size[1], image.size[0], 1).permute(2, 0, 1).contiguous()
        return x.float().div(255), int(self.labels[i])


def d2l_epoch(net, dataset):
    """One epoch of d2l's train_ch6 loop (without its plotting); returns examples/s."""
    loader = DataLoader(dataset, BATCH, shuffle=True, num_workers=WORKERS)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR)
    loss = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    net.train()
    metric = [0.0, 0.0, 0]
    for X, y in loader:
        optimizer.zero_grad()
        y_hat = net(X)
        l = loss(y_hat, y)
        l.backward()
        optimizer.step()
        with torch.no_grad():
            metric[0] += float(l) * X.shape[0]
            metric[1] += float((y_hat.argmax(1) == y).sum())
            metric[2] += X.shape[0]
    return metric[2] / (time.perf_counter() - start)


def convbook_epoch(net, images, labels):
    start = time.perf_counter()
    train(net, (images, labels), None, epochs=1, lr=LR, optimizer="sgd", batch_size=BATCH,
          seed=0, progress=False, live=False, log=lambda line: None)
    return len(images) / (time.perf_counter() - start)


def matmul_gflops(n=1024, repeats=20):
    """Best float32 matmul speed over ``repeats`` products of n x n matrices (GFLOP/s)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


def time_to(history, target=0.90):
    """Seconds from the call to the end of the first evaluation at >= target (None if never)."""
    return next((t for a, t in zip(history.test_acc, history.elapsed) if a >= target), None)


def fmt_time(seconds):
    return "not reached" if seconds is None else f"{seconds:.1f} s"


def modern_run(data):
    torch.manual_seed(0)
    return train(ModernLeNet(), data.train, data.test, epochs=10, lr=0.003, optimizer="adam",
                 batch_size=256, seed=0, progress=False, live=False, log=lambda line: None)


def fast_run(data, seed):
    torch.manual_seed(seed)
    return speed_train(data.train, data.test, seed=seed, stop_at=TARGET)


def time_to_accuracy(data):
    """Part 2: modern LeNet vs the fast recipe, time to 0.90 and share of the matmul bound."""
    print(f"\ntime to {TARGET} test accuracy (full 10,000-image test set), from the call to "
          f"the end of the first evaluation at >= {TARGET}: converting the data, whitening "
          f"and every evaluation included; {torch.get_num_threads()} torch threads (set by this "
          f"script); data: {data.source}")
    print(f"modern LeNet: ReLU, max pooling, Adam 0.003, batch 256, evaluated every epoch "
          f"(convbook.train.train)")
    print(f"fast recipe: FastNet ({FASTNET_PARAMS:,} parameters, LeNet has 61,706), "
          f"convbook.speedrun.speed_train {FASTNET_RECIPE}, stopping at the first evaluation "
          f">= {TARGET}; round r uses seed r")
    print(f"{'round':<7}{'modern LeNet':>14}{'fast recipe':>13}{'prepare':>9}{'fast acc':>10}"
          f"{'loop ex/s':>11}{'matmul GFLOP/s':>16}")
    warm = (data.train[0][:4096], data.train[1][:4096])      # 16 steps, not timed
    speed_train(warm, (data.test[0][:1000], data.test[1][:1000]), epochs=1, evals=1)
    rows = []
    for r in range(ROUNDS):
        gflops = matmul_gflops()
        modern, fast = modern_run(data), fast_run(data, r)
        rows.append((time_to(modern), fast.time_to(TARGET), fast.test_acc[-1],
                     fast.examples_per_second, gflops, fast.train_seconds[-1],
                     fast.prepare_seconds))
        print(f"{r + 1:<7}{fmt_time(rows[-1][0]):>14}{fmt_time(rows[-1][1]):>13}"
              f"{fast.prepare_seconds:>8.1f}s{rows[-1][2]:>10.3f}{rows[-1][3]:>11,.0f}"
              f"{gflops:>16.1f}", flush=True)
    median = {name: statistics.median(row[i] for row in rows) if all(
        row[i] is not None for row in rows) else None
        for i, name in enumerate(("modern", "fast", "acc", "speed", "gflops", "train",
                                  "prepare"))}
    forward_flops = layer_summary(fast.net).flops
    bound = median["gflops"] * 1e9 / (3 * forward_flops)
    share = median["speed"] / bound
    print(f"median: modern LeNet {fmt_time(median['modern'])}, fast recipe "
          f"{fmt_time(median['fast'])} (preparing the data and the first layer "
          f"{median['prepare']:.1f} s; everything but the evaluations {median['train']:.1f} s)",
          end="")
    if median["modern"] and median["fast"]:
        print(f", ratio {median['fast'] / median['modern']:.2f}", end="")
    met = median["fast"] is not None and median["fast"] <= 5
    print(f" (goal <= 5 s: {'met' if met else 'NOT met'})")
    print(f"fast recipe's accuracy when it stopped, per round: "
          f"{', '.join(f'{row[2]:.4f}' for row in rows)}")
    print(f"fast recipe's training loop: {median['speed']:,.0f} ex/s = {share:.0%} of the "
          f"in-run bound {bound:,.0f} ex/s ({median['gflops']:.1f} GFLOP/s / 3 x "
          f"{forward_flops:,} FLOPs) (goal >= 50%: {'met' if share >= 0.5 else 'NOT met'})")


def main():
    part = sys.argv[sys.argv.index("--part") + 1] if "--part" in sys.argv else "all"
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    # the harness may export OMP_NUM_THREADS=1: the benchmark sets its own count and prints it
    torch.set_num_threads(threads)
    data = load_fashion_mnist(progress=False)
    if part in ("all", "1"):
        throughput(data)
    if part in ("all", "2"):
        time_to_accuracy(data)


def throughput(data):
    """Part 1: one epoch of the classic LeNet, convbook's loop vs a d2l-style DataLoader."""
    images, labels = data.train
    torch.manual_seed(0)
    initial = init_xavier(LeNet())
    forward_flops = layer_summary(initial).flops
    dataset = TorchvisionStyleFashionMNIST(images, labels)
    print(f"classic LeNet, 1 epoch of {len(images):,} images, batch {BATCH}, SGD lr {LR}; "
          f"{torch.get_num_threads()} torch threads; data: {data.source}")
    print(f"{'round':<7}{'convbook ex/s':>15}{'d2l DataLoader ex/s':>21}{'ratio':>8}"
          f"{'matmul GFLOP/s':>16}")
    # d2l asks for 4 workers whatever the machine; PyTorch warns when that exceeds the cores
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    warm = slice(0, 4 * BATCH)      # warm-up (oneDNN primitives, worker start-up), not timed
    convbook_epoch(copy.deepcopy(initial), images[warm], labels[warm])
    d2l_epoch(copy.deepcopy(initial), TorchvisionStyleFashionMNIST(images[warm], labels[warm]))
    results = {"convbook": [], "d2l": [], "gflops": []}
    for r in range(ROUNDS):
        results["gflops"].append(matmul_gflops())
        results["convbook"].append(convbook_epoch(copy.deepcopy(initial), images, labels))
        results["d2l"].append(d2l_epoch(copy.deepcopy(initial), dataset))
        print(f"{r + 1:<7}{results['convbook'][-1]:>15,.0f}{results['d2l'][-1]:>21,.0f}"
              f"{results['convbook'][-1] / results['d2l'][-1]:>8.2f}"
              f"{results['gflops'][-1]:>16.1f}", flush=True)
    ours, theirs = statistics.median(results["convbook"]), statistics.median(results["d2l"])
    gflops = statistics.median(results["gflops"])
    bound = gflops * 1e9 / (3 * forward_flops)
    ratio, fraction = ours / theirs, ours / bound
    print(f"median: convbook {ours:,.0f} ex/s, d2l-style DataLoader {theirs:,.0f} ex/s, "
          f"ratio {ratio:.2f}x (goal >= 1.5: {'met' if ratio >= 1.5 else 'NOT met'})")
    print(f"bound: {gflops:.1f} GFLOP/s / (3 x {forward_flops:,} FLOPs) = {bound:,.0f} ex/s; "
          f"convbook reaches {fraction:.0%} of it, {ours * 3 * forward_flops / 1e9:.1f} GFLOP/s "
          f"(goal >= 35%: {'met' if fraction >= 0.35 else 'NOT met'})")


if __name__ == "__main__":
    main()
