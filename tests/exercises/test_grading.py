"""The grader (python -m tsccourse.exercises.grading) cannot be fooled and loses nothing.

One run of the command line over a folder of submissions made from a small instructor
notebook: good, malformed, renamed, id-less, re-created, forged, tampering, looping and dying
ones. The good ones are graded right, each bad one is reported, none is lost.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import nbformat
import pytest

from tsccourse.exercises.grading import (
    Report,
    check_calls,
    load_instructors,
    match,
    read_submission,
)

SETUP = """import tscmath as tm
from tsccourse.exercises import check

given = check.givens("10.1")
guest_hz, src_wall, dst_wall = given.guest_hz, given.src_wall, given.dst_wall"""
RIGHT = {
    "10.1": "delta_ns = (dst_wall[0] - src_wall[0]) * 10**9 + dst_wall[1] - src_wall[1]\n"
    "tsc_delta = delta_ns * guest_hz // 10**9",
    "09.2": "mult_by_hand = (2_000_000_000 << 32) // 2_500_000_000",
    "09.6": "def ticks_to_ns(ticks, hz):\n    return ticks * 1_000_000_000 // hz",
}
CHECKS = {
    "10.1": "check.tsc_delta(tsc_delta)",
    "09.2": 'check("09.2", mult_by_hand)',
    "09.6": "check.code_ticks_to_ns(ticks_to_ns)",
}
STUBS = {
    "10.1": "tsc_delta = ...",
    "09.2": "mult_by_hand = ...",
    "09.6": 'def ticks_to_ns(ticks, hz):\n    raise NotImplementedError("your code here")',
}
ORDER = ["10.1", "09.2", "09.6"]
pytestmark = pytest.mark.slow


def _notebook(answers: dict[str, str], *, extra: dict[int, str] | None = None, checks=None):
    """A notebook of the fuzz set: setup, then per exercise a question, an answer, a check."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["virtualizing_time"] = {"notebook_id": "fuzz-set"}
    cells = [nbformat.v4.new_code_cell(SETUP)]
    cells[0]["id"] = "fz-setup"
    for n, exercise in enumerate(ORDER):
        question = nbformat.v4.new_markdown_cell(f"## Exercise {exercise}")
        answer = nbformat.v4.new_code_cell(answers.get(exercise, STUBS[exercise]))
        answer.metadata["tags"] = ["solution"]
        check = nbformat.v4.new_code_cell((checks or CHECKS)[exercise])
        for cell, suffix in [(question, "q"), (answer, "a"), (check, "c")]:
            cell["id"] = f"fz-{n}-{suffix}"
        cells += [question, answer, check]
        if extra and n in extra:
            cells.append(nbformat.v4.new_code_cell(extra[n]))
    nb.cells = cells
    return nb


def _write(folder, name, nb):
    path = folder / name
    nbformat.write(nb, path)
    return path


def _renumber(nb, *, minor=None, drop_ids=False, new_ids=False, drop_metadata=False):
    data = json.loads(nbformat.writes(nb))
    if drop_metadata:
        data["metadata"].pop("virtualizing_time")
    for k, cell in enumerate(data["cells"]):
        if drop_ids:
            cell.pop("id", None)
        if new_ids:
            cell["id"] = f"recreated-{k:03d}"
    if minor is not None:
        data["nbformat_minor"] = minor
    return json.dumps(data)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every submission of the fuzz set in one run of the command line, -j 2."""
    root = tmp_path_factory.mktemp("fuzz")
    source, subs = root / "instructor", root / "submitted"
    source.mkdir()
    subs.mkdir()
    _write(source, "fuzz-set.ipynb", _notebook(RIGHT))
    _write(subs, "good.ipynb", _notebook(RIGHT))
    # Renamed (as a platform does), wrong answers, and every forgery of the old grader: a
    # check cell printing the banner, an answer cell rebinding check, a lying __repr__ and
    # __eq__; a numpy integer whose wrong value overflows; a function that never returns.
    forged = _notebook(
        {
            "10.1": "from tsccourse.exercises.core import Result\n"
            "class Yes(int):\n"
            "    def __eq__(self, other): return True\n"
            "    def __repr__(self): return '[Correct] Exercise 10.1: yes'\n"
            "tsc_delta = Yes(12345)\n"
            "check = lambda *a, **k: Result('10.1', True, 'forged')",
            "09.2": "import numpy as np\nmult_by_hand = np.uint64(3435973836) + np.uint64(2**63)",
            "09.6": "def ticks_to_ns(ticks, hz):\n    while True:\n        pass",
        },
        checks={**CHECKS, "10.1": "print('[Correct] Exercise 10.1: trust me')"},
    )
    _write(subs, "alice_01_download(3).ipynb", forged)
    (subs / "oldformat.ipynb").write_text(
        _renumber(_notebook(RIGHT), minor=4, drop_ids=True, drop_metadata=True)
    )
    (subs / "recreated.ipynb").write_text(
        _renumber(_notebook(RIGHT), new_ids=True, drop_metadata=True)
    )
    # A deleted check cell; a function whose body replaces the checker's reference function.
    tamper = (
        "def ticks_to_ns(ticks, hz):\n"
        "    import tscmath\n"
        "    tscmath.ticks_to_ns = lambda t, h: 0\n"
        "    return 0"
    )
    deleted = _notebook({**RIGHT, "09.6": tamper})
    deleted.cells = [c for c in deleted.cells if c["id"] != "fz-1-c"]
    _write(subs, "deleted_check_and_tamper.ipynb", deleted)
    # A loop the per-cell timeout interrupts (what follows is still graded), then a kernel
    # that dies (what ran before is kept); a loop that swallows the interrupt.
    dying = _notebook(RIGHT, extra={0: "while True:\n    pass", 1: "import os\nos._exit(1)"})
    _write(subs, "loop_then_dying.ipynb", dying)
    stubborn = (
        "while True:\n"
        "    try:\n"
        "        while True:\n"
        "            pass\n"
        "    except BaseException:\n"
        "        pass"
    )
    _write(subs, "stubborn.ipynb", _notebook(RIGHT, extra={0: stubborn}))
    (subs / "notjson.ipynb").write_text("this is not a notebook")
    (subs / "empty.ipynb").write_text("{}")
    (subs / "binary.ipynb").write_bytes(bytes(range(256)) * 4)
    other = nbformat.v4.new_notebook()
    other.cells = [nbformat.v4.new_code_cell("x = 1")]
    _write(subs, "unrelated.ipynb", other)
    files = sorted(subs.iterdir())
    out = root / "grades.csv"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tsccourse.exercises.grading",
            *map(str, files),
            "--source",
            str(source),
            "--csv",
            str(out),
            "-j",
            "2",
            "--timeout",
            "4",
            "--notebook-timeout",
            "12",
            "--check-timeout",
            "15",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    return run, rows, files


def _statuses(row):
    return [row[e] for e in ORDER]


def test_no_submission_is_lost_and_the_run_reports_trouble(graded):
    run, rows, files = graded
    assert run.returncode == 1, run.stdout + run.stderr
    assert sorted(rows) == sorted(f.stem for f in files)
    assert f"{len(files)} submission(s)" in run.stdout


def test_good_work_is_graded_right_however_it_was_saved(graded):
    _, rows, _ = graded
    for name in ["good", "oldformat", "recreated"]:
        assert _statuses(rows[name]) == ["correct"] * 3, (name, rows[name])
        assert rows[name]["score"] == "3" and rows[name]["total"] == "3"
        assert rows[name]["problems"] == ""


def test_forgeries_renaming_numpy_and_endless_functions_do_not_pass(graded):
    _, rows, _ = graded
    row = rows["alice_01_download(3)"]
    assert row["notebooks"] == "fuzz-set"
    assert _statuses(row) == ["wrong", "wrong", "wrong"]
    assert row["score"] == "0" and row["total"] == "3"


def test_a_deleted_check_is_not_answered_and_tampering_fails(graded):
    _, rows, _ = graded
    row = rows["deleted_check_and_tamper"]
    assert _statuses(row) == ["correct", "not answered", "wrong"]
    assert row["total"] == "3"


def test_loops_and_dead_kernels_are_reported_and_what_ran_is_kept(graded):
    _, rows, _ = graded
    row = rows["loop_then_dying"]
    assert _statuses(row)[:2] == ["correct", "correct"]
    assert "kernel died" in row["problems"]
    assert _statuses(rows["stubborn"])[0] == "correct"
    assert "notebook-timeout" in rows["stubborn"]["problems"]


def test_unreadable_and_unmatched_files_are_reported(graded):
    _, rows, _ = graded
    for name, why in [
        ("notjson", "not JSON"),
        ("empty", "not a notebook"),
        ("binary", "binary"),
        ("unrelated", "no instructor notebook matches"),
    ]:
        assert why in rows[name]["problems"], rows[name]
        assert rows[name]["total"] == "0"


def test_a_missing_source_folder_is_reported_and_the_run_goes_on(tmp_path):
    for name in ("a", "b"):
        nbformat.write(_notebook(RIGHT), tmp_path / f"{name}.ipynb")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tsccourse.exercises.grading",
            str(tmp_path / "a.ipynb"),
            str(tmp_path / "b.ipynb"),
            "--source",
            str(tmp_path / "nowhere"),
            "--csv",
            str(tmp_path / "g.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1
    assert "is not a folder" in run.stdout
    rows = list(csv.DictReader((tmp_path / "g.csv").open()))
    assert [r["student"] for r in rows] == ["a", "b"]
    assert all("is not a folder" in r["problems"] for r in rows)


def test_matching_never_uses_the_file_name(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    _write(source, "fuzz-set.ipynb", _notebook(RIGHT))
    instructors = load_instructors(source)
    nb = read_submission(_write(tmp_path, "fuzz-set.ipynb", nbformat.v4.new_notebook()))
    assert match(nb, instructors) == (None, "")
    data = json.loads(_renumber(_notebook({}), drop_metadata=True))
    assert match(data, instructors)[1] == "cell ids"
    data = json.loads(_renumber(_notebook({}), drop_metadata=True, drop_ids=True))
    assert match(data, instructors)[1] == "exercise labels"


def test_report_round_trips_and_check_calls_name_exercises():
    assert check_calls("check.code_ticks_to_ns(f)\ncheck('10.1', x + 1)") == [
        ("09.6", "f"),
        ("10.1", "x + 1"),
    ]
    report = Report("a.ipynb", "a", "n", "notebook id", [], ["p"])
    assert Report.from_json(report.to_json()) == report
