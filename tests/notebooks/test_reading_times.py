"""The reading times chapter 00 promises stay in step with the chapters, and none is too long.

Chapter 00's map gives each chapter a reading time. They are estimates for a first reader at
about 120 words of prose and 6 lines of code a minute (exercises and their solutions not
counted); this test recomputes them and allows a quarter either way, so a chapter that grows
or shrinks by more than that fails until the map is updated. No chapter may read longer than an
hour: a longer one is split (06a/06b, 08a/08b).

Folded *engineer's notes* (QEMU/KVM function names, commits, version history) and the folded list
of sources at a chapter's end are optional reading: a ``<details>`` block whose summary begins
"Engineer's notes" or "Sources". They are timed by the same rule but apart, and the map gives
them as "+ N min notes" beside the reading time.
"""

from __future__ import annotations

import json
import re

import pytest

from ..conftest import NOTEBOOKS, notebook_paths

WORDS_PER_MINUTE = 120
CODE_LINES_PER_MINUTE = 6
TOLERANCE = 0.25
LONGEST_MINUTES = 60

NOTES = re.compile(
    r"<details[^>]*>\s*<summary>\s*(?:Engineer's notes|Sources)[^<]*</summary>.*?</details>",
    re.S,
)


def chapter_key(path) -> str:
    """``"06a"`` for ``06a-live-migration-protocol.ipynb``: what the map calls the chapter."""
    return path.stem.split("-")[0]


def chapters():
    return [p for p in notebook_paths() if "exercises" not in p.stem]


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def estimated_minutes(path) -> tuple[float, float]:
    """(main text, folded notes) in minutes, by chapter 00's rule."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    words = code = notes_words = 0
    for cell in nb["cells"]:
        if cell.get("id", "").startswith("ex") or "solution" in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            notes_words += sum(_words(m.group(0)) for m in NOTES.finditer(source))
            words += _words(NOTES.sub(" ", source))
        elif cell["cell_type"] == "code":
            code += sum(1 for line in source.splitlines() if line.strip())
    return words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE, notes_words / WORDS_PER_MINUTE


def promised_minutes() -> dict[str, tuple[int, int]]:
    """``{"06a": (45, 6), ...}`` from the reading column of chapter 00's map."""
    nb = json.loads((NOTEBOOKS / "00-start-here.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return {
        m.group(1): (int(m.group(2)), int(m.group(3) or 0))
        for m in re.finditer(
            r"^\| \*\*(\d\d[a-z]?) [^|]*\*\* \|[^|]*\| (\d+) min(?: \+ (\d+) min notes)? \|",
            text,
            re.M,
        )
    }


def test_notes_are_timed_apart_from_the_main_text():
    cell = (
        "Main text of six words here.\n\n<details><summary>Engineer's notes</summary>\n\n"
        + "word " * 120
        + "\n</details>\n\n<details><summary>Answer</summary>\n\nthree more words\n</details>"
    )
    assert _words(NOTES.sub(" ", cell)) == 6 + 8  # the answer stays in the main text
    assert sum(_words(m.group(0)) for m in NOTES.finditer(cell)) == 120 + 7


def test_the_map_promises_a_time_for_every_chapter():
    assert sorted(promised_minutes()) == sorted(chapter_key(p) for p in chapters())


@pytest.mark.parametrize("path", chapters(), ids=chapter_key)
def test_promised_reading_time_matches_the_chapter(path):
    promised, promised_notes = promised_minutes()[chapter_key(path)]
    estimate, notes = estimated_minutes(path)
    assert abs(promised - estimate) <= TOLERANCE * estimate, (
        f"{path.name}: chapter 00 promises {promised} min, the chapter reads in about "
        f"{estimate:.0f} min: update the map"
    )
    assert abs(promised_notes - notes) <= max(1, TOLERANCE * notes), (
        f"{path.name}: chapter 00 promises {promised_notes} min of notes, they read in about "
        f"{notes:.0f} min: update the map"
    )


@pytest.mark.parametrize("path", chapters(), ids=chapter_key)
def test_no_chapter_reads_longer_than_an_hour(path):
    estimate, _ = estimated_minutes(path)
    assert estimate <= LONGEST_MINUTES, (
        f"{path.name} reads in about {estimate:.0f} min (more than {LONGEST_MINUTES}): "
        'split it, or fold engineer-level detail into an "Engineer\'s notes" block'
    )
