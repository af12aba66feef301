"""Time each of the book's notebooks: run it top to bottom in a fresh kernel, print a table.

Usage: python tools/time_notebooks.py [book/NN_name.ipynb ...] [--threads N]

Nothing is written back: the stored outputs stay as they are. Each notebook runs in its own
new kernel (kernel start and `import torch` included, as a reader's "Restart and Run All"),
one after the other, never two at once. The kernel inherits OMP_NUM_THREADS from --threads
(default: all cores, as in a reader's JupyterLab). The table is Markdown, ready for the README;
the last lines give the machine (cores, CPU model) and its 1-minute load average before and
after, because a busy machine runs slower.
"""
import argparse
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run(path, threads):
    """Seconds to execute the notebook at ``path`` in a fresh kernel."""
    notebook = nbformat.read(path, as_version=4)
    if threads:
        os.environ["OMP_NUM_THREADS"] = str(threads)   # inherited by the kernel process
    start = time.perf_counter()
    NotebookClient(notebook, timeout=1800, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to time (default: every book/NN_*.ipynb)")
    parser.add_argument("--threads", type=int, default=0,
                        help="OMP_NUM_THREADS for the kernels (default: leave as set)")
    args = parser.parse_args(argv)
    if args.threads < 0:
        parser.error(f"--threads must be >= 0, got {args.threads}")
    paths = args.notebooks or sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file() or p.suffix != ".ipynb"]
    if missing:
        parser.error(f"not .ipynb files: {', '.join(missing)}")
    load_before = os.getloadavg()[0]
    rows, total = [], 0.0
    for path in paths:
        seconds = run(path.resolve(), args.threads)
        total += seconds
        rows.append((path.stem, seconds))
        print(f"{path.stem}: {seconds:.0f} s", file=sys.stderr, flush=True)
    print("| notebook | run time |\n| --- | ---: |")
    for stem, seconds in rows:
        print(f"| `{stem}` | {seconds:.0f} s |")
    print(f"| all | {total / 60:.1f} min |")
    print(f"\n{os.cpu_count()} cores, {cpu_model()}, torch threads: "
          f"{os.environ.get('OMP_NUM_THREADS', 'default')}; 1-minute load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after.")


if __name__ == "__main__":
    main()
