"""The grader (python -m tsccourse.exercises.grading) cannot be fooled and loses nothing.

One run of the command line over a folder of submissions made from a small instructor
notebook: good, malformed, renamed, id-less, re-created, forged, tampering, looping and dying
ones. The good ones are graded right, each bad one is reported, none is lost. The run has a
roster (two files of one student: one counts, never summed) and starts, as README's
``python -I -m ...`` command, in the submissions' folder, where a planted ``nbclient.py`` and
``tsccourse/`` must never be imported by the grader or its workers.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

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
    # Code a grader process would run if it imported from the folder it was started in.
    (subs / "nbclient.py").write_text(f"open({str(root / 'planted-ran')!r}, 'w').close()\n")
    (subs / "tsccourse").mkdir()
    (subs / "tsccourse" / "__init__.py").write_text((subs / "nbclient.py").read_text())
    # good.ipynb and recreated.ipynb are carol's (recreated is newer: it counts).
    os.utime(subs / "good.ipynb", (1_000_000_000, 1_000_000_000))
    roster = root / "roster.csv"
    roster.write_text(
        "student,file,email\n"
        "carol,good.ipynb,c@example.org\n"
        "carol,recreated.ipynb,c@example.org\n"
        "dave,nothing-of-dave.ipynb,d@example.org\n"
        + "".join(
            f"{f.stem},{f.name},\n"
            for f in sorted(subs.glob("*.ipynb"))
            if f.stem not in ("good", "recreated", "unrelated")
        )
    )
    files = sorted(subs.glob("*.ipynb"))
    out, reports = root / "grades.csv", root / "reports.json"
    run = subprocess.run(
        [
            sys.executable,
            "-I",
            "-m",
            "tsccourse.exercises.grading",
            *map(str, files),
            "--source",
            str(source),
            "--csv",
            str(out),
            "--json",
            str(reports),
            "--roster",
            str(roster),
            "-j",
            "2",
            "--timeout",
            "4",
            "--kill-after",
            "2",
            "--notebook-timeout",
            "60",
            "--check-timeout",
            "15",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=subs,
    )
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    by_file = {Path(r["file"]).stem: r for r in json.loads(reports.read_text())}
    return run, rows, files, by_file, root


def _statuses(report):
    return [{g["exercise"]: g["status"] for g in report["graded"]}[e] for e in ORDER]


def _score(report):
    return sum(g["status"] == "correct" for g in report["graded"])


def test_no_submission_is_lost_and_the_run_reports_trouble(graded):
    run, rows, files, by_file, _ = graded
    assert run.returncode == 1, run.stdout + run.stderr
    assert sorted(by_file) == sorted(f.stem for f in files)
    assert f"{len(files)} submission(s)" in run.stdout


def test_good_work_is_graded_right_however_it_was_saved(graded):
    *_, by_file, _ = graded
    for name in ["good", "oldformat", "recreated"]:
        assert _statuses(by_file[name]) == ["correct"] * 3, (name, by_file[name])
        assert by_file[name]["problems"] == []


def test_forgeries_renaming_numpy_and_endless_functions_do_not_pass(graded):
    _, rows, _, by_file, _ = graded
    report = by_file["alice_01_download(3)"]
    assert report["notebook"] == "fuzz-set"
    assert _statuses(report) == ["wrong", "wrong", "wrong"]
    row = rows["alice_01_download(3)"]
    assert row["points"] == "0" and row["max_points"] == "3" and row["percent"] == "0.0"


def test_a_deleted_check_is_not_answered_and_tampering_fails(graded):
    *_, by_file, _ = graded
    assert _statuses(by_file["deleted_check_and_tamper"]) == ["correct", "not answered", "wrong"]


def test_loops_and_dead_kernels_are_reported_and_what_ran_is_kept(graded):
    *_, by_file, _ = graded
    report = by_file["loop_then_dying"]
    assert _statuses(report)[:2] == ["correct", "correct"]
    assert "kernel died" in report["problems"][0]
    # A loop that swallows every interrupt: killed --kill-after seconds after the interrupt,
    # long before --notebook-timeout; what ran before counts, the rest is "not run".
    stubborn = by_file["stubborn"]
    assert _statuses(stubborn) == ["correct", "not run", "not run"]
    assert "ignored the interrupt" in stubborn["problems"][0], stubborn


def test_unreadable_and_unmatched_files_are_reported(graded):
    _, rows, _, by_file, _ = graded
    for name, why in [
        ("notjson", "not JSON"),
        ("empty", "not a notebook"),
        ("binary", "binary"),
        ("unrelated", "no instructor notebook matches"),
    ]:
        assert why in by_file[name]["problems"][-1], by_file[name]
        assert by_file[name]["graded"] == []
    assert "not in the roster" in rows["unrelated"]["notes"]
    assert "no instructor notebook matches" in rows["unrelated"]["notes"]


def test_the_roster_makes_one_row_per_student_and_duplicates_are_never_summed(graded):
    _, rows, _, by_file, _ = graded
    carol = rows["carol"]
    assert carol["points"] == "3" and carol["max_points"] == "3", carol
    assert carol["files"] == "recreated.ipynb"
    assert "2 submissions, counted recreated.ipynb (3/3, newest)" in carol["notes"]
    assert "not counted: good.ipynb (3/3)" in carol["notes"]
    assert rows["dave"]["points"] == "0" and "no submission" in rows["dave"]["notes"]
    assert "good" not in rows and "recreated" not in rows
    for row in rows.values():  # a row's columns always agree with its total
        assert int(row["points"]) == sum(int(row[e]) for e in ORDER), row
        assert row["percent"] == f"{100 * int(row['points']) / 3:.1f}"
    assert int(rows["deleted_check_and_tamper"]["points"]) == _score(
        by_file["deleted_check_and_tamper"]
    )


def test_the_grader_never_imports_from_the_folder_it_was_started_in(graded):
    *_, root = graded
    assert not (root / "planted-ran").exists()


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
    assert all("is not a folder" in r["notes"] for r in rows)


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


# --- the gradebook, without kernels -----------------------------------------------------------


def _report(file, student, notebook, statuses, *, modified=0.0, problems=()):
    from tsccourse.exercises.grading import Graded

    graded = [Graded(e, s, "") for e, s in statuses.items()]
    return Report(file, student, notebook, "notebook id", graded, list(problems), modified)


def _csv_rows(text):
    return {row["student"]: row for row in csv.DictReader(text.splitlines())}


def test_two_submissions_of_one_notebook_count_once_and_the_note_says_which():
    from tsccourse.exercises.gradebook import to_csv

    old = _report("s/ann/a.ipynb", "ann", "09", {"09.1": "correct", "09.2": "correct"}, modified=1)
    new = _report("s/ann/b.ipynb", "ann", "09", {"09.1": "correct", "09.2": "wrong"}, modified=2)
    other = _report("s/ann/c.ipynb", "ann", "10", {"10.1": "correct"}, modified=3)
    bob = _report("s/bob/a.ipynb", "bob", "09", {"09.1": "wrong", "09.2": "not run"})
    newest = _csv_rows(to_csv([old, new, other, bob]))
    assert list(newest["ann"])[:5] == ["student", "09.1", "09.2", "10.1", "points"]
    assert [newest["ann"][k] for k in ("09.1", "09.2", "10.1", "points", "max_points")] == [
        "1",
        "0",
        "1",
        "2",
        "3",
    ]
    assert newest["ann"]["percent"] == "66.7" and newest["ann"]["files"] == "b.ipynb;c.ipynb"
    assert (
        "09: 2 submissions, counted b.ipynb (1/2, newest), not counted: a.ipynb (2/2)"
        in (newest["ann"]["notes"])
    )
    assert newest["bob"]["points"] == "0" and "10: not submitted" in newest["bob"]["notes"]
    best = _csv_rows(to_csv([old, new, other, bob], keep="best"))
    assert (
        best["ann"]["points"] == "3"
        and "counted a.ipynb (2/2, most points)" in (best["ann"]["notes"])
    )
    for rows in (newest, best):  # never summed: a row's columns always make its total
        for row in rows.values():
            assert int(row["points"]) == sum(int(row[e]) for e in ("09.1", "09.2", "10.1"))
            assert int(row["points"]) <= int(row["max_points"])


def test_roster_lines_patterns_missing_students_and_strangers(tmp_path):
    from tsccourse.exercises.gradebook import read_roster, students_of, to_csv

    folder = tmp_path / "dl"
    folder.mkdir()
    (tmp_path / "roster.csv").write_text(
        "\ufeffstudent,file,email\nann@x.org,ann_*,\nbob@x.org,dl/b-09.ipynb,\n"
        "cy@x.org,none.ipynb,\nann@x.org,both_*,\nbob@x.org,both_*,\n"
    )
    roster = read_roster(tmp_path / "roster.csv")
    paths = [folder / n for n in ("ann_09.ipynb", "ann_10.ipynb", "b-09.ipynb", "zed.ipynb")]
    paths.append(folder / "both_1.ipynb")
    students, problems, rule = students_of(paths, roster=roster)
    assert students[:4] == ["ann@x.org", "ann@x.org", "bob@x.org", "zed"]
    assert problems[:3] == [None, None, None] and "not in the roster" in problems[3]
    assert "ann@x.org and bob@x.org" in problems[4] and "roster" in rule
    reports = [
        _report(str(p), s, "09", {"09.1": "correct"}, problems=[q] if q else [])
        for p, s, q in zip(paths, students, problems, strict=True)
    ]
    reports[1].notebook = "10"
    reports[1].graded = [reports[1].graded[0].__class__("10.1", "wrong", "")]
    rows = _csv_rows(to_csv(reports, roster))
    assert list(rows)[:3] == ["ann@x.org", "bob@x.org", "cy@x.org"]  # roster order first
    assert rows["cy@x.org"]["points"] == "0" and rows["cy@x.org"]["notes"] == "no submission"
    assert "not in the roster" in rows["zed"]["notes"]
    assert rows["ann@x.org"]["files"] == "ann_09.ipynb;ann_10.ipynb"


@pytest.mark.parametrize(
    "text, why",
    [("name,file\na,b\n", "columns 'student' and 'file'"), ("student,file\na,\n", "line 2")],
)
def test_a_bad_roster_is_named(tmp_path, text, why):
    from tsccourse.exercises.gradebook import read_roster

    (tmp_path / "r.csv").write_text(text)
    with pytest.raises(ValueError, match=why):
        read_roster(tmp_path / "r.csv")


def test_students_by_layout():
    from tsccourse.exercises.gradebook import students_of

    nbgrader = [Path("s/ann/set09/09.ipynb"), Path("s/bob/set09/09.ipynb")]
    assert students_of(nbgrader)[0] == ["ann", "bob"]
    assert students_of(nbgrader, "nbgrader")[0] == ["ann", "bob"]
    assert students_of(nbgrader, "folder")[0] == ["set09", "set09"]
    assert students_of([Path("s/x.ipynb"), Path("s/y/z.ipynb")])[0] == ["x", "y"]
    with pytest.raises(ValueError, match="--student-by"):
        students_of(nbgrader, "email")
