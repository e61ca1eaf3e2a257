"""Chapters 06 and 08 were split (06a/06b, 08a-08c); their exercises kept their ids.

The checkers, the student edition and the grader find the exercises in the parts, and a
submission of a chapter as it was before the split (its old notebook id) is graded on every
exercise of its parts.
"""

from __future__ import annotations

import json

from tsccourse.exercises.grading import RETIRED_NOTEBOOKS, load_instructors, match

from ..conftest import NOTEBOOKS

WHERE = {
    "06a-live-migration-protocol": ["06.1"],
    "06b-live-migration-in-practice": ["06.2"],
    "08a-paravirtual-clocks": ["08.1"],
}


def test_each_part_holds_its_exercises_under_their_old_ids():
    by_id = {i.notebook_id: i for i in load_instructors(NOTEBOOKS)}
    for notebook_id, exercises in WHERE.items():
        assert by_id[notebook_id].exercise_ids == exercises
        assert by_id[notebook_id].path.name == f"{notebook_id}.ipynb"
    assert not {"08b-the-guest-os", "08c-your-machines-kvm"} & set(by_id)  # no exercises there


def test_a_submission_of_the_chapter_before_the_split_is_graded_on_all_its_exercises():
    instructors = load_instructors(NOTEBOOKS)
    for old, parts in RETIRED_NOTEBOOKS.items():
        cells = []
        for part in parts:
            nb = json.loads((NOTEBOOKS / f"{part}.ipynb").read_text(encoding="utf-8"))
            cells += nb["cells"]
        submission = {"cells": cells, "metadata": {"virtualizing_time": {"notebook_id": old}}}
        joined, how = match(submission, instructors)
        assert joined.notebook_id == old and how.startswith("notebook id")
        assert joined.exercise_ids == [e for p in parts for e in WHERE[p]]


def test_a_part_is_still_matched_by_its_own_id_and_by_its_cells():
    instructors = load_instructors(NOTEBOOKS)
    nb = json.loads((NOTEBOOKS / "06b-live-migration-in-practice.ipynb").read_text("utf-8"))
    assert match(nb, instructors)[0].notebook_id == "06b-live-migration-in-practice"
    nb["metadata"] = {}
    found, how = match(nb, instructors)
    assert found.notebook_id == "06b-live-migration-in-practice" and how == "cell ids"
