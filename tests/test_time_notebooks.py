"""tools/time_notebooks.py: the README's run-time table comes from it, so it must time what it
says (a fresh kernel per notebook, nothing written back) and refuse bad input."""
import re
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import time_notebooks  # noqa: E402


def _notebook(path, source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path.read_bytes()


def test_it_times_each_notebook_in_a_fresh_kernel_and_writes_nothing(tmp_path, capsys):
    first = tmp_path / "01_first.ipynb"
    second = tmp_path / "02_second.ipynb"
    before = [_notebook(first, "import time\nx = 1\ntime.sleep(1.5)"),
              _notebook(second, "assert 'x' not in dir(), 'the kernel was reused'")]
    time_notebooks.main([str(first), str(second)])
    table = capsys.readouterr().out
    seconds = dict(re.findall(r"^\| `(\w+)` \| (\d+) s \|$", table, flags=re.M))
    assert set(seconds) == {"01_first", "02_second"}
    assert int(seconds["01_first"]) >= 2           # 1.5 s of sleep plus a kernel start
    assert re.search(r"^\| all \| \d+\.\d min \|$", table, flags=re.M)
    assert "load average" in table
    assert [first.read_bytes(), second.read_bytes()] == before


def test_a_failing_notebook_stops_the_timing(tmp_path):
    broken = tmp_path / "03_broken.ipynb"
    _notebook(broken, "raise RuntimeError('boom')")
    with pytest.raises(Exception, match="boom"):
        time_notebooks.main([str(broken)])


@pytest.mark.parametrize("argv", [["--threads", "-1"], ["README.md"], ["missing.ipynb"]])
def test_bad_arguments_are_refused_before_any_work(argv, capsys):
    with pytest.raises(SystemExit):
        time_notebooks.main(argv)
    error = capsys.readouterr().err
    assert "--threads must be >= 0" in error or "not .ipynb files" in error, error
