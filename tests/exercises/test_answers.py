"""The table of expected answers (tests/answers.py, instructor-only) agrees with the checkers."""

from __future__ import annotations

import json

import pytest

from tsccourse.exercises import check, exercises

from ..answers import CODING, expected_answer, expected_answers, written_forms
from ..conftest import notebook_paths


@pytest.mark.parametrize("exercise", [e.id for e in exercises()])
def test_every_expected_answer_passes_its_checker(exercise):
    value = expected_answer(exercise)
    if exercise in CODING:
        assert value is None
        return
    assert check(exercise, value).passed, (exercise, value)


def test_every_exercise_has_an_entry_and_most_are_searchable():
    answers = expected_answers()
    assert set(answers) == {e.id for e in exercises()}
    numeric = [k for k in answers if k not in CODING]
    unsearchable = sorted(k for k in numeric if not written_forms(answers[k]))
    # Answers of fewer than four digits (40 ms, 84 ms) are too common to search for in text.
    assert len(unsearchable) <= 3, unsearchable


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_notebooks_carry_their_id_and_check_cells_hide_their_output(path):
    """The grader matches a submission by this id; the site shows no check result."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["virtualizing_time"]["notebook_id"] == path.stem
    cells = nb["cells"]
    for before, cell in zip(cells, cells[1:], strict=False):
        if "solution" in before["metadata"].get("tags", []) and cell["cell_type"] == "code":
            assert "remove-output" in cell["metadata"].get("tags", []), cell["id"]
