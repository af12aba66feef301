"""Section 08 (LeNet) and its appendix 09 stay true on any CPU (issue 24) and name d2l's
releases correctly (issue 20).

An output that depends on training arithmetic differs between processors (an EPYC and this
machine's Xeon disagreed in the second decimal), so such a cell is tagged
`nbval-ignore-output`; silencing it is allowed only if the next code cell is a hidden
(`remove-cell`) check that asserts the measured range, so a wrong result still fails nbval.
The only ignored cells without a check are those whose output is not a result: the data
source (which depends on the local cache) and timings.
"""
from pathlib import Path

import jupytext
import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
SECTIONS = [BOOK / "08_lenet.md", BOOK / "09_appendix_faster_training.md"]
NOT_RESULTS = ("print(data.source)", "time.process_time()")


def code_cells(path):
    return [c for c in jupytext.read(path).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_every_silenced_result_is_followed_by_a_hidden_check(path):
    cells = code_cells(path)
    unchecked = []
    for i, cell in enumerate(cells):
        if "nbval-ignore-output" not in cell.metadata.get("tags", []):
            continue
        if any(marker in cell.source for marker in NOT_RESULTS):
            continue
        after = cells[i + 1] if i + 1 < len(cells) else None
        if after is None or "remove-cell" not in after.metadata.get("tags", []) \
                or "assert " not in after.source:
            unchecked.append(cell.source.splitlines()[0])
    assert not unchecked, f"{path.name}: outputs silenced without a check: {unchecked}"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_no_claim_of_identical_numbers_on_every_machine(path):
    text = path.read_text()
    assert "the same numbers on every machine" not in text
    assert "written on" not in text     # "on the machine this section was written on"


def test_d2l_releases_are_named_as_d2l_names_them():
    text = SECTIONS[0].read_text()
    for wrong in ("first edition", "current edition", "d2l 0.x", "d2l 1.0"):
        assert wrong not in text, f"08 says {wrong!r}: say 'd2l v0.x' or 'd2l v1.0'"
    assert "d2l v0.x" in text and "d2l v1.0" in text


def test_the_appendix_is_listed_under_an_appendix_part():
    import yaml

    toc = yaml.safe_load((BOOK.parent / "_toc.yml").read_text())
    parts = {part["caption"]: [c["file"] for c in part["chapters"]] for part in toc["parts"]}
    assert "book/09_appendix_faster_training" in parts["Appendix"]
    assert "book/08_lenet" in parts["Chapter"]
