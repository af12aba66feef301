"""Reading time of each section's core path, against its budget.

Usage: python tools/reading_time.py [book/NN_name.md ...]
(no argument: every book/NN_*.md). Exit status 1 when a section is over budget.

The definition (notes/HELPERS.md, "Section structure convention"):
- the *core path* is everything before the first `## Going further` or `## Summary`
  heading;
- its reading time, in minutes, is the words of markdown prose / 200 plus the non-blank
  code lines / 20.
Details the definition leaves open, decided here once:
- prose excludes fenced code blocks, HTML tags and whole `<details>` blocks (collapsed
  answers are not on the path); a *word* is a whitespace-separated token holding a letter
  or a digit, so a formula counts one word per token and a lone `$$` or `|` none;
- code lines are the non-blank lines of code cells plus those of fenced code blocks in the
  prose (outside `<details>`); cell options (`mystnb` alt text, tags) are not code;
- a cell tagged `remove-cell` is invisible on the website and not counted at all; a cell
  tagged `remove-input` counts no code lines.
Budget: 25 minutes; section 08: 30 (read from the file name's `NN_` prefix).
"""
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext

BOOK = Path(__file__).resolve().parent.parent / "book"
WORDS_PER_MINUTE = 200
CODE_LINES_PER_MINUTE = 20
BUDGET_MINUTES = 25
BUDGETS = {"08": 30}
CORE_END = re.compile(r"^##\s+(Going further|Summary)\b")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
TAG = re.compile(r"<[^>\n]*>")
WORD = re.compile(r"\w")
# Fences whose content is prose on the page (MyST directives such as {note});
# {code-block} and plain language fences are code.
CODE_DIRECTIVES = ("{code", "{code-block", "{code-cell", "{literalinclude")


@dataclass
class Reading:
    path: Path
    words: int
    code_lines: int
    budget: int

    @property
    def minutes(self):
        return (self.words / WORDS_PER_MINUTE
                + self.code_lines / CODE_LINES_PER_MINUTE)

    @property
    def over(self):
        return self.minutes > self.budget


def budget(path):
    """The core path's budget in minutes, from the file name's NN_ prefix."""
    return BUDGETS.get(Path(path).name[:2], BUDGET_MINUTES)


def _prose_and_fenced(lines):
    """Split markdown lines into (prose words, fenced code lines)."""
    words = code = 0
    fence = None          # the closing marker of the open fence, if any
    fence_is_code = False
    depth = 0             # <details> nesting
    for line in lines:
        match = FENCE.match(line)
        if fence is not None:
            if match and match.group(1).startswith(fence) \
                    and not match.group(2).strip():
                fence = None
                continue
            if depth:
                continue
            if fence_is_code:
                code += bool(line.strip())
            else:
                words += _count_words(line)
            continue
        if match:
            fence = match.group(1)
            info = match.group(2).strip()
            fence_is_code = (not info.startswith("{")
                             or info.startswith(CODE_DIRECTIVES))
            continue
        opened = len(DETAILS_OPEN.findall(line))
        closed = len(DETAILS_CLOSE.findall(line))
        if depth or opened:
            depth = max(0, depth + opened - closed)
            continue
        words += _count_words(line)
    return words, code


def _count_words(line):
    return sum(1 for token in TAG.sub(" ", line).split() if WORD.search(token))


def core_path(notebook):
    """The (markdown lines, code lines) before `## Going further` / `## Summary`."""
    markdown, code = [], []
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "remove-cell" in tags:
            continue
        lines = cell.source.splitlines()
        if cell.cell_type == "markdown":
            for n, line in enumerate(lines):
                if CORE_END.match(line):
                    markdown += lines[:n]
                    return markdown, code
            markdown += lines
        elif cell.cell_type == "code" and "remove-input" not in tags:
            code += [line for line in lines if line.strip()]
    return markdown, code


def reading(path):
    """Words, code lines and budget of the core path of a MyST notebook."""
    path = Path(path)
    notebook = jupytext.read(path, fmt="md:myst")
    markdown, code = core_path(notebook)
    words, fenced = _prose_and_fenced(markdown)
    return Reading(path, words, len(code) + fenced, budget(path))


def sections(book=BOOK):
    return sorted(Path(book).glob("[0-9][0-9]_*.md"))


def main(argv):
    paths = [Path(arg) for arg in argv] or sections()
    if not paths:
        sys.exit(f"no NN_*.md sections in {BOOK}")
    over = False
    print(f"{'section':32s} {'words':>6s} {'code':>5s} {'minutes':>8s} "
          f"{'budget':>6s}")
    for path in paths:
        r = reading(path)
        over |= r.over
        flag = "  OVER" if r.over else ""
        print(f"{path.stem:32s} {r.words:6d} {r.code_lines:5d} "
              f"{r.minutes:8.1f} {r.budget:6d}{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
