"""Every section notebook keeps the structure of notes/HELPERS.md ("Section structure
convention"): a first cell naming the d2l section it accompanies, 3-5 objectives and what
it assumes; a core path within its reading-time budget (tools/reading_time.py); then
Summary, Recall questions, Further reading and Exercises, in that order, Exercises last.

Appendix notebooks (title starting "Appendix", or file 09_*) accompany no d2l section, so
they need no d2l link; everything else holds for them too.
"""
import importlib.util
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SECTIONS = sorted(BOOK.glob("[0-9][0-9]_*.md"))

_spec = importlib.util.spec_from_file_location(
    "reading_time", ROOT / "tools" / "reading_time.py")
reading_time = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reading_time)

D2L = "https://d2l.ai/chapter_convolutional-neural-networks/"
# d2l page -> its section number in the chapter, in the chapter's order
PAGES = {"why-conv": "7.1", "conv-layer": "7.2", "padding-and-strides": "7.3",
         "channels": "7.4", "pooling": "7.5", "lenet": "7.6"}
LINK = re.compile(re.escape(D2L) + r"([a-z-]+)\.html")
ENDING = ["Summary", "Recall questions", "Further reading", "Exercises"]
ITEM = re.compile(r"^(\d+\.|[*-])\s")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
FROM_CHAPTER = re.compile(r"from the chapter", re.IGNORECASE)
MARK = "(From the chapter.)"
CHECK_CALL = re.compile(r"\bcheck_\w+\(")


def read(path):
    return jupytext.read(path, fmt="md:myst")


def title(notebook):
    return notebook.cells[0].source.splitlines()[0] if notebook.cells else ""


def is_appendix(path, notebook):
    return path.name.startswith("09_") \
        or title(notebook).lstrip("# ").startswith("Appendix")


def level2(notebook):
    """[(heading text, index of its cell)] for every `## ` heading, in order."""
    return [(line[3:].strip(), n) for n, cell in enumerate(notebook.cells)
            if cell.cell_type == "markdown"
            for line in _outside_fences(cell.source.splitlines())
            if line.startswith("## ")]


def _outside_fences(lines):
    fence = False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if not fence:
            yield line


def part(notebook, heading):
    """The markdown lines and code cells from `## heading` to the next `## `."""
    lines, code, inside = [], [], False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    if inside:
                        return lines, code
                    inside = line[3:].strip() == heading
                    continue
                if inside:
                    lines.append(line)
        elif inside:
            code.append(cell.source)
    return lines, code


def items(lines):
    """Top-level list items (numbered or bulleted), each with its indented
    continuation and any block that follows it up to the next item."""
    found = []
    for line in lines:
        if ITEM.match(line):
            found.append([line])
        elif found:
            found[-1].append(line)
    return ["\n".join(item) for item in found]


def test_the_book_has_sections():
    assert SECTIONS, f"no NN_*.md sections in {BOOK}"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_first_cell_names_d2l_section_objectives_and_assumptions(path):
    notebook = read(path)
    first = notebook.cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell is code"
    lines = [line for line in first.source.splitlines() if line.strip()]
    assert lines[0].startswith("# "), f"{path.name}: no `# title` first"
    if not is_appendix(path, notebook):
        link = [line for line in lines if line.startswith("Accompanies d2l ")]
        assert link, f"{path.name}: no line starting 'Accompanies d2l '"
        match = LINK.search(link[0])
        assert match and match.group(1) in PAGES, \
            f"{path.name}: the d2l line links no page of {D2L}: {link[0]}"
        assert PAGES[match.group(1)] in link[0], \
            f"{path.name}: name d2l's section number {PAGES[match.group(1)]}"
    start = [n for n, line in enumerate(lines)
             if line.startswith("**You will learn to**")]
    assert start, f"{path.name}: no '**You will learn to**' in the first cell"
    bullets = []
    for line in lines[start[0] + 1:]:
        if line.startswith(("* ", "- ")):
            bullets.append(line)
        elif not (bullets and line.startswith(" ")):   # not a continuation
            break
    assert 3 <= len(bullets) <= 5, \
        f"{path.name}: {len(bullets)} objectives, the rule is 3-5"
    assert any(line.startswith("**Assumes:**")
               for line in lines[start[0] + 1:]), \
        f"{path.name}: no '**Assumes:**' line after the objectives"


def test_sections_follow_the_chapter_order():
    pages = []
    for path in SECTIONS:
        notebook = read(path)
        if is_appendix(path, notebook):
            continue
        match = LINK.search(notebook.cells[0].source)
        if match and match.group(1) in PAGES:
            pages.append((path.name, PAGES[match.group(1)]))
    numbers = [number for _, number in pages]
    assert numbers == sorted(numbers, key=lambda n: int(n.split(".")[1])), \
        f"sections out of the chapter's order: {pages}"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_section_ends_with_summary_recall_reading_exercises(path):
    headings = [text for text, _ in level2(read(path))]
    ending = [h for h in headings if h in ENDING]
    assert ending == ENDING, \
        f"{path.name}: ending headings {ending}, expected {ENDING} in order"
    assert headings[-1] == "Exercises", \
        f"{path.name}: `## {headings[-1]}` comes after Exercises"
    tail = headings[headings.index("Summary"):]
    assert tail == ENDING, f"{path.name}: after Summary come {tail}"
    if "Going further" in headings:
        assert headings.index("Going further") < headings.index("Summary"), \
            f"{path.name}: Going further must come before Summary"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_recall_questions_have_collapsed_answers(path):
    lines, _ = part(read(path), "Recall questions")
    questions = items(lines)
    assert 6 <= len(questions) <= 12, \
        f"{path.name}: {len(questions)} recall questions, the rule is 6-12"
    for question in questions:
        asked, _, answer = question.partition("<details>")
        assert answer, f"{path.name}: no <details> answer: {asked[:60]}"
        assert "?" in asked, f"{path.name}: not a question: {asked[:60]}"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_further_reading_items_have_a_year(path):
    lines, _ = part(read(path), "Further reading")
    references = items(lines)
    assert references, f"{path.name}: Further reading lists nothing"
    for reference in references:
        assert YEAR.search(reference), \
            f"{path.name}: no year in the reference: {reference[:70]}"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_exercises_mark_the_chapter_and_put_solutions_first(path):
    notebook = read(path)
    inside, solved, exercise = False, True, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    inside = line[3:].strip() == "Exercises"
                    continue
                if not inside:
                    continue
                if re.match(r"^\d+\.\s", line):
                    exercise, solved = line, False
                    if FROM_CHAPTER.search(line):
                        number = line.split(".")[0]
                        assert line.startswith(f"{number}. {MARK} "), \
                            f"{path.name}: mark the chapter's exercises as " \
                            f"'N. {MARK} ...': {line[:60]}"
                if "<details>" in line:
                    solved = True
        elif inside and CHECK_CALL.search(cell.source):
            assert exercise is not None, \
                f"{path.name}: a self-check before the first exercise"
            assert solved, f"{path.name}: the self-check of '{exercise[:50]}'" \
                " comes before its <details> solution"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.stem)
def test_core_path_fits_its_reading_budget(path):
    r = reading_time.reading(path)
    assert not r.over, \
        f"{path.name}: core path {r.minutes:.1f} min ({r.words} words, " \
        f"{r.code_lines} code lines), budget {r.budget} min"


# The reading-time tool itself.

SAMPLE = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

# A title

Four words of prose <b>here</b> $$ |

<details><summary>Hidden</summary>

ten words that sit in a collapsed answer are never counted

</details>

```python
fenced = 1

print(fenced)
```

```{code-cell} ipython3
---
mystnb:
  image:
    alt: 'an alt text is no code'
---
a = 1

b = 2
```

```{code-cell} ipython3
:tags: [remove-cell]

hidden = "never counted"
```

## Going further

Words after this heading are off the core path.

```{code-cell} ipython3
c = 3
```
'''


def test_reading_time_counts_prose_and_code_of_the_core_path(tmp_path):
    path = tmp_path / "08_sample.md"
    path.write_text(SAMPLE)
    r = reading_time.reading(path)
    # "#", "A title" -> 2 words ("#" has no letter); "Four words of prose here"
    assert (r.words, r.code_lines) == (2 + 5, 2 + 2)
    assert r.minutes == pytest.approx(7 / 200 + 4 / 20)
    assert r.budget == 30 and not r.over
    assert reading_time.budget(tmp_path / "03_x.md") == 25


def test_reading_time_flags_a_section_over_budget(tmp_path):
    path = tmp_path / "01_long.md"
    path.write_text(SAMPLE.replace("Four words", "word " * 5100))
    r = reading_time.reading(path)
    assert r.over and r.minutes > 25
    assert reading_time.main([str(path)]) == 1


def test_reading_time_measures_every_section():
    for path in SECTIONS:
        r = reading_time.reading(path)
        assert r.words > 0 and r.code_lines > 0, path.name
