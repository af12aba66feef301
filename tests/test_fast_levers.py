"""The lever curves that section 08 reads (book/data/fast_levers.json, written by
benchmarks/fast_levers.py) are complete and can be reproduced: the recipe's first evaluation
(after an eighth of the run, 0.1875 epochs) is re-run here with one thread and compared with
the file.

Tolerance 0.01 in test accuracy: the file is written with one thread, and the same thread
count reproduces a run up to the order of float sums; a changed recipe (another rate, batch
or network) moves the accuracy at that point by more than that.
"""
import json

import pytest
from benchmark_script import ROOT, load_benchmark

RESULTS = ROOT / "book" / "data" / "fast_levers.json"
TOLERANCE = 0.01


def test_results_file_has_every_lever_with_a_curve():
    results, levers = json.loads(RESULTS.read_text()), load_benchmark("fast_levers")
    assert set(results["levers"]) == set(levers.LEVERS)
    for lever, runs in results["levers"].items():
        assert [r["label"] for r in runs] == [v[0] for v in levers.LEVERS[lever]]
        for run in runs:
            assert len(run["test_acc"]) == len(run["train_seconds"]) == levers.EVALS
            assert run["params"] <= 61706
            assert run["train_seconds"] == sorted(run["train_seconds"])


def test_the_recipes_first_evaluation_reproduces():
    from convbook.data import find_cached, load_fashion_mnist

    if find_cached() is None:
        pytest.skip("Fashion-MNIST is not cached (make data)")
    results = json.loads(RESULTS.read_text())
    data = load_fashion_mnist(progress=False)
    if data.source != results["meta"]["source"]:
        pytest.skip(f"the file was made on {results['meta']['source']}, this machine has "
                    f"{data.source}")
    levers = load_benchmark("fast_levers")
    stored = results["levers"]["schedule"][0]
    assert stored["kwargs"] == {} and stored["network"] is None    # the recipe itself
    run = levers.lever_run(data, {}, None, threads=1, stop_at=0.0)
    assert len(run.test_acc) == 1
    assert run.test_acc[0] == pytest.approx(stored["test_acc"][0], abs=TOLERANCE)
