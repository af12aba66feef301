"""Import a script of benchmarks/ as a module (the folder is not a package), for the tests
that re-run one configuration of a results file."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_benchmark(name):
    """The module benchmarks/<name>.py."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
