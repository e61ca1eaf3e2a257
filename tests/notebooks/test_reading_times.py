"""The reading times chapter 00 promises stay in step with the chapters as they grow.

Chapter 00's map gives each chapter a reading time. They are estimates for a first reader at
about 120 words of prose and 6 lines of code a minute (exercises and their solutions not
counted); this test recomputes them and allows a quarter either way, so a chapter that grows
or shrinks by more than that fails until the map is updated.
"""

from __future__ import annotations

import json
import re

import pytest

from ..conftest import NOTEBOOKS, notebook_paths

WORDS_PER_MINUTE = 120
CODE_LINES_PER_MINUTE = 6
TOLERANCE = 0.25


def estimated_minutes(path) -> float:
    nb = json.loads(path.read_text(encoding="utf-8"))
    words = code = 0
    for cell in nb["cells"]:
        if cell.get("id", "").startswith("ex") or "solution" in cell["metadata"].get("tags", []):
            continue
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            words += len(re.findall(r"\w+", source))
        elif cell["cell_type"] == "code":
            code += sum(1 for line in source.splitlines() if line.strip())
    return words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE


def promised_minutes() -> dict[str, int]:
    """``{"06": 95, ...}`` from the reading column of chapter 00's map."""
    nb = json.loads((NOTEBOOKS / "00-start-here.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^\| \*\*(\d\d) [^|]*\*\* \|[^|]*\| (\d+) min \|", text, re.M)
    }


def test_the_map_promises_a_time_for_every_chapter():
    chapters = [p.stem[:2] for p in notebook_paths() if "exercises" not in p.stem]
    assert sorted(promised_minutes()) == sorted(chapters)


@pytest.mark.parametrize(
    "path", [p for p in notebook_paths() if "exercises" not in p.stem], ids=lambda p: p.stem[:2]
)
def test_promised_reading_time_matches_the_chapter(path):
    promised = promised_minutes()[path.stem[:2]]
    estimate = estimated_minutes(path)
    assert abs(promised - estimate) <= TOLERANCE * estimate, (
        f"{path.name}: chapter 00 promises {promised} min, the chapter reads in about "
        f"{estimate:.0f} min: update the map"
    )
