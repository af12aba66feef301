"""Every number a section's prose gives as a measurement comes from somewhere the tests re-check.

A number quoted from a run the reader never sees goes stale on the reader's machine (issue 24:
08 quoted "3.9, 4.2 and 3.9 s" from the developers' machine). So for each section notebook this
test collects the *measured-looking* numbers of its prose and requires each one to be

1. printed by a code cell of the same notebook whose output nbval compares (a cell tagged
   ``nbval-ignore-output`` or ``nbval-skip`` does not count: its digits may move on a rerun),
   rounded to the digits the prose gives ("about 0.77" matches a printed 0.774; a percentage
   matches a printed fraction, 49% matches 0.49); or
2. written in the notebook's own code (a hyper-parameter such as ``lr = 3e-2``, a range bound a
   check cell asserts); or
3. stored in a ``book/data/*.json`` file that the notebook's code names (those files are
   re-checked by tests/test_lenet_sweep.py and tests/test_fast_levers.py); or
4. quoted as approximate ("about 0.91") and inside a range that a check cell of the notebook
   asserts (``assert 0.89 <= history.test_acc[-1] <= 0.93``), the way a claim about a trained
   network is worded so that it holds on any CPU; or
5. on the short allow-list below, each entry with its reason.

What counts as measured-looking (in markdown cells, <details> answers included, after removing
code spans and fences, HTML tags, link targets and MyST directive options):
- a number with a decimal point (0.774, 3.9),
- a percentage (49%, 11 %),
- an integer written with thousands separators (26,990, 1,210),
- scientific notation with decimals as LaTeX writes it ($9.3 \\times 10^{-4}$).
Plain integers (sizes, counts, epochs, years) are let through: they are almost always the
chapter's settings, and a sentence such as "after 10 epochs" would otherwise need a marker.
Version numbers (2.13.0, v1.0) and section numbers after "d2l" or "§" are not measurements.
"""
import json
import math
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
DATA = BOOK / "data"
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))

IGNORED_OUTPUT_TAGS = {"nbval-ignore-output", "nbval-skip"}
IGNORED_OUTPUT_MARKERS = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")

# Numbers that are neither measured nor in the notebook's code, with the reason. Keep it short:
# each entry is a number a reader can check without running anything.
ALLOWED = {
    # notebook stem -> {number as written in the prose: reason}
    "05_padding_and_stride": {
        "44.1": "CD audio's sampling rate in kHz, a standard, named as an example",
        "22.05": "44.1 kHz halved, the arithmetic of the sentence",
        "11.025": "22.05 kHz halved, the arithmetic of the sentence",
    },
    "08_lenet": {
        "70,000": "the size of Fashion-MNIST (60,000 + 10,000), a fact of the data set",
        "2.3026": "ln 10, the value of the equation beside it",
    },
    "09_appendix_faster_training": {
        "70,000": "the size of Fashion-MNIST (60,000 + 10,000), a fact of the data set",
        "90,000": "1.5 epochs of 60,000 images, the arithmetic of the sentence",
    },
}

# A number as it appears in text: optional thousands groups, optional decimals, optional %.
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w.]*\d)(\s?%)?")
# Contexts in which a number is a name, not a quantity.
NOT_A_QUANTITY = [
    re.compile(r"\bv?\d+\.\d+\.\d+\S*"),                 # versions: 2.13.0, 1.0.4.post1
    re.compile(r"\bv\d+(\.\d+|\.x)?\b"),                 # d2l v1.0, v0.x
    re.compile(r"(d2l|§|[Ss]ection|[Ss]ections|[Cc]hapter|[Ff]ig\.?|[Ee]q\.?)\s*\d+(\.\d+)+"
               r"((,|,? and)\s*\d+(\.\d+)+)*"),
    re.compile(r"Python\s+\d+\.\d+\+?"),
]


def prose(cell_source):
    """The reader-visible text of a markdown cell, without code, tags, links' targets."""
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", " ", cell_source, flags=re.S | re.M)
    text = re.sub(r"^:[\w-]+:.*$", " ", text, flags=re.M)          # directive options
    text = re.sub(r"`[^`]*`", " ", text)                            # inline code / roles
    text = re.sub(r"\]\([^)]*\)", "]", text)                        # link targets
    text = re.sub(r"<[^>]+>", " ", text)                            # HTML tags
    text = re.sub(r"https?://\S+", " ", text)
    for pattern in NOT_A_QUANTITY:
        text = pattern.sub(" ", text)
    return text


# Scientific notation as LaTeX writes it: $9.3 \times 10^{-4}$.
SCIENTIFIC = re.compile(r"(\d+(?:\.\d+)?)\s*\\times\s*10\^\{?(-?\d+)\}?")


def measured_numbers(text):
    """(as written, value, decimals, is_percent, approximate) for each measured-looking number
    in text; approximate: the prose says "about" (or "around", "near", ...) before it."""
    found = []
    for match in SCIENTIFIC.finditer(text):
        mantissa, exponent = match.group(1), int(match.group(2))
        if "." not in mantissa:         # a round order of magnitude, like a plain integer
            continue
        digits = len(mantissa.partition(".")[2])
        found.append((match.group(0), float(mantissa) * 10 ** exponent, digits - exponent,
                      False, bool(APPROXIMATE.search(text[:match.start()]))))
    text = SCIENTIFIC.sub(" ", text)
    for match in NUMBER.finditer(text):
        whole, fraction, percent = match.group(1), match.group(2) or "", match.group(3)
        if not (fraction or percent or "," in whole):
            continue
        written = match.group(0).strip()
        value = float(whole.replace(",", "") + fraction)
        found.append((written, value, len(fraction) - 1 if fraction else 0, bool(percent),
                      bool(APPROXIMATE.search(text[:match.start()]))))
    return found


def _numbers_in(text):
    """Every number in a piece of output or code, as floats (grouping commas, _ and e allowed)."""
    values = set()
    for match in re.finditer(r"\d[\d_]*(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?", text):
        token = match.group(0).replace("_", "")
        try:
            values.add(float(token.replace(",", "")))
        except ValueError:
            continue
        if "," in token:     # "1,2" in a tuple is two numbers, not one thousand and two
            values.update(float(part) for part in re.findall(r"\d+(?:\.\d+)?", token))
    return values


def _output_text(output):
    if output.get("output_type") == "stream":
        return output.get("text", "")
    data = output.get("data", {})
    return "\n".join(value if isinstance(value, str) else "\n".join(value)
                     for mime, value in data.items()
                     if mime.startswith("text/") and mime != "text/html")


def _compared(cell):
    tags = set(cell.get("metadata", {}).get("tags", []))
    return not (tags & IGNORED_OUTPUT_TAGS) and \
        not any(marker in cell.source for marker in IGNORED_OUTPUT_MARKERS)


def _json_numbers(value, into):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        into.add(float(value))
    elif isinstance(value, dict):
        for item in value.values():
            _json_numbers(item, into)
    elif isinstance(value, list):
        for item in value:
            _json_numbers(item, into)
    return into


# A check cell's asserted range: `assert 0.89 <= history.test_acc[-1] <= 0.93`.
ASSERTED_RANGE = re.compile(r"assert\s+(-?\d+(?:\.\d+)?)\s*<=?\s*[^\n]*?<=?\s*(-?\d+(?:\.\d+)?)\s*$",
                            re.M)
# Prose that quotes a number as approximate, inside a range a check cell asserts.
APPROXIMATE = re.compile(r"\b(about|around|roughly|near|nearly|close to)\s+$")


def asserted_ranges(notebook):
    """(low, high) of every range a code cell asserts about a result."""
    return [(float(low), float(high)) for cell in notebook.cells if cell.cell_type == "code"
            for low, high in ASSERTED_RANGE.findall(cell.source)]


def sources(notebook):
    """(printed, in_code, in_data): numbers nbval re-checks, the code states, data files hold."""
    printed, in_code = set(), set()
    code = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        code.append(cell.source)
        in_code |= _numbers_in(cell.source)
        if _compared(cell):
            for output in cell.get("outputs", []):
                printed |= _numbers_in(_output_text(output))
    in_data = set()
    code_text = "\n".join(code)
    for path in sorted(DATA.glob("*.json")):
        if path.name in code_text or path.stem in code_text:
            _json_numbers(json.loads(path.read_text()), in_data)
    return printed, in_code, in_data


def matches(value, decimals, percent, candidates):
    """True if some candidate, rounded to the prose's digits, is the prose's number.

    A percentage also matches a fraction printed with two more digits (49% and 0.49).
    """
    half = 0.5 * 10 ** -decimals + 1e-9
    return any(abs(abs(scaled) - value) <= half
               for y in candidates for scaled in ((y, 100 * y) if percent else (y,)))


def stated(value, percent, in_code):
    """True if the code writes the number: 0.03 as 3e-2, 90% as 0.9 (never 11% as a literal 11)."""
    target = value / 100 if percent else value
    return any(math.isclose(target, y, rel_tol=1e-9, abs_tol=1e-12) for y in in_code)


def violations(path):
    notebook = nbformat.read(path, as_version=4)
    printed, in_code, in_data = sources(notebook)
    allowed = ALLOWED.get(path.stem, {})
    ranges = asserted_ranges(notebook)
    bad = []
    for n, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for written, value, decimals, percent, approximate in \
                measured_numbers(prose(cell.source)):
            if written in allowed:
                continue
            target = value / 100 if percent else value
            if approximate and any(low <= target <= high for low, high in ranges):
                continue
            if stated(value, percent, in_code) or \
                    matches(value, decimals, percent, printed | in_data):
                continue
            bad.append(f"cell {n}: {written!r}")
    return bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_measured_numbers_in_prose_are_printed_or_stored(path):
    bad = violations(path)
    assert not bad, (
        f"{path.name}: numbers in the prose that no re-checked output of the section prints, "
        "its code does not state and no book/data file it reads holds (print them, quote a "
        "range a check cell asserts, or read them from book/data):\n  " + "\n  ".join(bad))


# The rules themselves, on small made-up cells: the check must fail where it should.

def _notebook(markdown, code="", outputs=(), tags=()):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code, metadata={"tags": list(tags)})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in outputs]
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), cell]
    return nb


def _bad(nb, tmp_path):
    path = tmp_path / "99_probe.ipynb"
    nbformat.write(nb, path)
    return violations(path)


def test_a_number_printed_by_a_compared_cell_passes(tmp_path):
    nb = _notebook("It reaches about 0.77 (77%) with 1,210 parameters.",
                   outputs=["test accuracy 0.774, 1,210 parameters\n"])
    assert _bad(nb, tmp_path) == []


def test_a_number_no_cell_prints_fails(tmp_path):
    nb = _notebook("The fast recipe took 3.9 s.", outputs=["loss 0.5826\n"])
    assert _bad(nb, tmp_path) == ["cell 0: '3.9'"]


def test_a_number_printed_only_by_an_ignored_cell_fails(tmp_path):
    nb = _notebook("It ran at 26,990 examples per second.",
                   outputs=["26,990 examples/s\n"], tags=["nbval-ignore-output"])
    assert _bad(nb, tmp_path) == ["cell 0: '26,990'"]


def test_more_digits_than_printed_fail(tmp_path):
    nb = _notebook("It reaches 0.774.", outputs=["0.77\n"])
    assert _bad(nb, tmp_path) == ["cell 0: '0.774'"]


def test_code_literals_and_names_pass(tmp_path):
    nb = _notebook("Learning rate 0.03, accuracy between 0.7 and 0.8; d2l 7.6, torch 2.13.0, "
                   "`x = 0.5`, after 10 epochs.",
                   code="lr = 3e-2\nassert 0.7 <= acc <= 0.8")
    assert _bad(nb, tmp_path) == []


def test_an_approximate_number_inside_an_asserted_range_passes(tmp_path):
    nb = _notebook("After 3 epochs it reaches about 0.91.",
                   code="assert 0.89 <= history.test_acc[-1] <= 0.93")
    assert _bad(nb, tmp_path) == []


def test_an_approximate_number_outside_the_asserted_range_fails(tmp_path):
    nb = _notebook("After 3 epochs it reaches about 0.95.",
                   code="assert 0.89 <= history.test_acc[-1] <= 0.93")
    assert _bad(nb, tmp_path) == ["cell 0: '0.95'"]


def test_an_exact_number_inside_an_asserted_range_still_fails(tmp_path):
    nb = _notebook("After 3 epochs it reaches 0.91.",
                   code="assert 0.89 <= history.test_acc[-1] <= 0.93")
    assert _bad(nb, tmp_path) == ["cell 0: '0.91'"]


def test_scientific_notation_is_checked(tmp_path):
    nb = _notebook(r"The loss lies between $9.3 \times 10^{-4}$ and $2.1 \times 10^{-3}$.",
                   outputs=["min 9.3e-04\n"])
    assert _bad(nb, tmp_path) == [r"cell 0: '2.1 \\times 10^{-3}'"]
