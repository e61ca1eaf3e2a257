"""make nbgrader: the export works with the real nbgrader and agrees with this project's grader.

A small exercise notebook (three exercises, one of them coding) is exported with
tools/export_nbgrader.py; nbgrader's ``generate_assignment`` makes the student version, two
students fill it in (one all right, one with a wrong and an unanswered exercise), nbgrader's
``autograde`` scores them, and ``python -m tsccourse.exercises.grading`` must give the same
scores. A third submission patches the checker from an answer cell: nbgrader gives it every
point (as the export's notes say), this project's grader none. Needs nbgrader (pinned in
requirements-dev.txt, the ``nbgrader`` extra): skipped without it, except in CI.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from ..conftest import ROOT
from .test_grading import ORDER, RIGHT, _notebook

pytestmark = pytest.mark.slow

spec = importlib.util.spec_from_file_location(
    "export_nbgrader", ROOT / "tools" / "export_nbgrader.py"
)
export_nbgrader = importlib.util.module_from_spec(spec)
spec.loader.exec_module(export_nbgrader)


PATCHED = {
    "10.1": "import tsccourse.exercises.core as core\n"
    "core.run_checker = lambda exercise_id, *args, **kwargs: core.Result(exercise_id, True, 'ok')\n"
    "tsc_delta = 0",
    "09.2": "mult_by_hand = 0",
    "09.6": "def ticks_to_ns(ticks, hz):\n    return 0",
}
"""A submission that answers nothing right and patches the checker from its first answer cell."""


def test_the_exported_test_cell_says_what_nbgrader_does_not_protect():
    source = export_nbgrader.autograded_source("check.tsc_delta(tsc_delta)")
    assert "cannot replace" not in source and "rebound" in source
    notes = export_nbgrader.__doc__
    assert "answer cell can change anything the tests use" in notes
    assert "tsccourse.exercises.grading" in notes


def test_export_marks_solutions_tests_and_locked_cells(tmp_path):
    source = tmp_path / "fuzz-set.ipynb"
    nbformat.write(_notebook(RIGHT), source)
    [(path, tests)] = export_nbgrader.export([source], tmp_path / "course")
    assert tests == 3 and path == tmp_path / "course/source/fuzz-set/fuzz-set.ipynb"
    cells = json.loads(path.read_text())["cells"]
    kinds = [
        ("solution" if c["metadata"]["nbgrader"]["solution"] else "")
        + ("test" if c["metadata"]["nbgrader"]["grade"] else "")
        + ("locked" if c["metadata"]["nbgrader"]["locked"] else "")
        for c in cells
    ]
    assert kinds.count("solution") == 3 and kinds.count("testlocked") == 3
    assert set(kinds) == {"solution", "testlocked", "locked"}
    solutions = [c for c in cells if c["metadata"]["nbgrader"]["solution"]]
    for cell, exercise in zip(solutions, ORDER, strict=True):
        text = "".join(cell["source"])
        assert text == f"### BEGIN SOLUTION\n{RIGHT[exercise]}\n### END SOLUTION"
    tests_ = [c for c in cells if c["metadata"]["nbgrader"]["grade"]]
    assert all("assert result.passed" in "".join(c["source"]) for c in tests_)
    assert all(c["metadata"]["nbgrader"]["points"] == 1 for c in tests_)
    nbformat.validate(nbformat.read(path, as_version=4))


def _nbgrader(course, *args):
    # nbgrader runs the alembic command of its environment: put that environment on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def test_nbgrader_autograde_agrees_with_our_grader(tmp_path):
    if importlib.util.find_spec("nbgrader") is None:
        if os.environ.get("TSCMATH_REQUIRE_BROWSER"):  # set in CI: everything must run there
            pytest.fail("nbgrader is not installed (pip install -r requirements-dev.txt)")
        pytest.skip("nbgrader is not installed (the nbgrader extra, requirements-dev.txt)")
    instructor = tmp_path / "instructor"
    instructor.mkdir()
    nbformat.write(_notebook(RIGHT), instructor / "fuzz-set.ipynb")
    course = tmp_path / "course"
    export_nbgrader.export([instructor / "fuzz-set.ipynb"], course)
    _nbgrader(course, "generate_assignment", "fuzz-set", "--force")
    release = nbformat.read(course / "release/fuzz-set/fuzz-set.ipynb", as_version=4)
    answers = {
        "alice": RIGHT,  # all right: 3 points
        "bob": {"10.1": "tsc_delta = 12345", "09.2": RIGHT["09.2"]},  # 1 point
        "mallory": PATCHED,  # nothing answered, the checker patched: nbgrader gives 3, we 0
    }
    expected = {"alice": 3, "bob": 1, "mallory": 3}
    for student, given in answers.items():
        nb = nbformat.from_dict(json.loads(nbformat.writes(release)))
        solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        for cell, exercise in zip(solutions, ORDER, strict=True):
            if exercise in given:
                cell.source = given[exercise]
        folder = course / "submitted" / student / "fuzz-set"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "fuzz-set.ipynb")
    _nbgrader(course, "autograde", "fuzz-set", "--create", "--force")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        nbgrader_scores = {s: gradebook.find_submission("fuzz-set", s).score for s in answers}
    assert nbgrader_scores == expected
    out = tmp_path / "ours.csv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tsccourse.exercises.grading",
            *[str(course / "submitted" / s / "fuzz-set/fuzz-set.ipynb") for s in answers],
            "--source",
            str(instructor),
            "--student-by",
            "nbgrader",
            "--csv",
            str(out),
            "-j",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    ours = {row["student"]: int(row["points"]) for row in csv.DictReader(out.open())}
    # Honest submissions score the same; the one that patched the checker in an answer cell
    # gets every point from nbgrader (its tests run in that kernel: what the export's comments
    # say) and none from ours.
    assert {s: ours[s] for s in ("alice", "bob")} == {"alice": 3, "bob": 1}
    assert ours["mallory"] == 0
