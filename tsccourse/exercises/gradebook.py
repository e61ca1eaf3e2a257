"""Grades an LMS takes: one row per student, each exercise's points, the total and the percent.

Who a submission belongs to (:func:`students_of`): a roster file, else the folder layout:

* ``--roster roster.csv``: a CSV file with the columns ``student`` and ``file`` (others, an
  e-mail say, are ignored); one line per submission file, or a pattern (``alice_*``) matching
  a student's files. ``file`` is compared with the submission's name and with its path
  relative to the roster's folder. A student of the roster with no submission gets a row of
  zeros ("no submission"); a submission the roster does not name, or names for two students,
  is reported;
* ``--student-by auto`` (the default): the first folder below the folder all submissions
  share (``submitted/alice/09.ipynb`` and ``submitted/bob/09.ipynb`` are alice's and bob's,
  as are nbgrader's ``submitted/alice/<assignment>/09.ipynb``); when all submissions lie in
  one folder, each file is its own student, named after the file;
* ``--student-by file``, ``folder`` (the file's folder) or ``nbgrader`` (its folder's folder).

The CSV (:func:`to_csv`), one row per student:

==================  ==========================================================================
``student``         the roster's ``student``, the folder or the file name (see above)
one per exercise    ``09.1`` ... ``10.7``: the exercise's points, 1 if correct else 0, for every
                    exercise of every instructor notebook a submission of this run matched
``points``          the sum of the exercise columns (always: a test checks every row)
``max_points``      the number of exercise columns (the same on every row)
``percent``         ``100 * points / max_points``, one decimal
``files``           the submission files that counted, ``;``-separated
``notes``           everything else: a notebook submitted twice (which file counted and
                    why, and what the other scored), a notebook not submitted, a file not in
                    the roster, a submission the grader could not run completely
==================  ==========================================================================

Two submissions of the same notebook by one student are never summed: one counts, the newest
by file modification time (``--duplicates newest``, the default; ties by name) or the one with
the most points (``--duplicates best``), and the row's ``notes`` says which, and what the other
scored.

Examples
--------
>>> from tsccourse.exercises.grading import Graded, Report
>>> a = Report("alice/09.ipynb", "alice", "09", "notebook id",
...            [Graded("09.1", "correct", ""), Graded("09.2", "wrong", "")])
>>> print(to_csv([a]), end="")
student,09.1,09.2,points,max_points,percent,files,notes
alice,1,0,1,2,50.0,09.ipynb,
"""

from __future__ import annotations

import csv
import fnmatch
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .grading import Report

__all__ = [
    "Roster",
    "Row",
    "read_roster",
    "students_of",
    "rows",
    "to_csv",
    "COLUMNS_BEFORE",
    "COLUMNS_AFTER",
]

COLUMNS_BEFORE = ["student"]
COLUMNS_AFTER = ["points", "max_points", "percent", "files", "notes"]
STUDENT_BY = ("auto", "file", "folder", "nbgrader")
DUPLICATES = ("newest", "best")


@dataclass
class Roster:
    """Students in roster order, and the roster's ``(file or pattern, student)`` lines."""

    path: Path
    students: list[str]
    lines: list[tuple[str, str]]

    def who(self, submission: Path) -> list[str]:
        """The students whose lines match ``submission`` (none, one, or, wrongly, more)."""
        name = submission.name
        try:
            relative = submission.resolve().relative_to(self.path.parent.resolve()).as_posix()
        except ValueError:
            relative = name
        found = []
        for pattern, student in self.lines:
            if any(fnmatch.fnmatchcase(text, pattern) for text in (name, relative)):
                if student not in found:
                    found.append(student)
        return found


def read_roster(path: Path) -> Roster:
    """Read a roster CSV (columns ``student`` and ``file``).

    Raises
    ------
    ValueError
        Naming the file and what is wrong: unreadable, no such columns, an empty field.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> text = "student,file,email\\nalice,alice_*,a@x\\nbob,b.ipynb,\\n"
    >>> _ = (folder / "r.csv").write_text(text)
    >>> roster = read_roster(folder / "r.csv")
    >>> roster.students, roster.who(folder / "alice_09.ipynb"), roster.who(folder / "c.ipynb")
    (['alice', 'bob'], ['alice'], [])
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"--roster {path} cannot be read: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    if "student" not in fields or "file" not in fields:
        raise ValueError(f"--roster {path} needs the columns 'student' and 'file'; has {fields}")
    students: list[str] = []
    lines = []
    for number, raw in enumerate(reader, start=2):
        entry = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        student, pattern = entry.get("student", ""), entry.get("file", "")
        if not student or not pattern:
            raise ValueError(f"--roster {path} line {number}: 'student' and 'file' are both needed")
        if student not in students:
            students.append(student)
        lines.append((pattern, student))
    return Roster(path, students, lines)


def students_of(
    paths: list[Path], by: str = "auto", roster: Roster | None = None
) -> tuple[list[str], list[str | None], str]:
    """Each submission's student, a problem per submission (or None), and the rule used.

    Examples
    --------
    >>> students_of([Path("s/alice/09.ipynb"), Path("s/bob/x/09.ipynb")])[0]
    ['alice', 'bob']
    >>> students_of([Path("s/alice_09.ipynb"), Path("s/bob_09.ipynb")])[0]
    ['alice_09', 'bob_09']
    """
    if by not in STUDENT_BY:
        raise ValueError(f"--student-by must be one of {STUDENT_BY}; got {by!r}")
    paths = [Path(p) for p in paths]
    problems: list[str | None] = [None] * len(paths)
    fallback, rule = _by_layout(paths, by)
    if roster is None:
        return fallback, problems, rule
    students = []
    for n, path in enumerate(paths):
        found = roster.who(path)
        if len(found) == 1:
            students.append(found[0])
            continue
        students.append(fallback[n])
        if found:
            problems[n] = f"the roster names it for {' and '.join(found)}: counted for neither"
            students[-1] = f"{path.name} (ambiguous)"
        else:
            problems[n] = f"not in the roster {roster.path.name}"
    return students, problems, f"by the roster {roster.path}"


def _by_layout(paths: list[Path], by: str) -> tuple[list[str], str]:
    resolved = [p.resolve() for p in paths]
    if by == "file":
        return [p.stem for p in paths], "one per file (--student-by file)"
    if by == "folder":
        return [p.parent.name for p in resolved], "by folder (--student-by folder)"
    if by == "nbgrader":
        return [p.parent.parent.name for p in resolved], "by nbgrader's <student>/<assignment>/"
    parents = {p.parent for p in resolved}
    if len(parents) <= 1:
        return [p.stem for p in paths], "one per file (all submissions are in one folder)"
    common = Path(os.path.commonpath([str(p) for p in parents]))
    students = []
    for path in resolved:
        below = path.relative_to(common).parts
        students.append(below[0] if len(below) > 1 else path.stem)
    return students, f"by the first folder below {common}"


@dataclass
class Row:
    """One student's row: points per exercise, the files that counted, notes."""

    student: str
    points: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _order(exercise: str) -> list:
    return [int(p) if p.isdigit() else -1 for p in exercise.split(".")]


def _choose(reports: list[Report], keep: str) -> tuple[Report, str]:
    """The submission that counts among several of one notebook, and why."""
    if keep == "best":
        chosen = max(reports, key=lambda r: (r.score, r.modified, r.file))
        return chosen, "most points"
    chosen = max(reports, key=lambda r: (r.modified, r.file))
    return chosen, "newest"


def rows(
    reports: list[Report], roster: Roster | None = None, keep: str = "newest"
) -> tuple[list[str], list[Row]]:
    """The exercise columns and one :class:`Row` per student (roster order, then as found)."""
    if keep not in DUPLICATES:
        raise ValueError(f"--duplicates must be one of {DUPLICATES}; got {keep!r}")
    notebooks: dict[str, list[str]] = {}
    for report in reports:
        if report.notebook and report.graded:
            known = notebooks.setdefault(report.notebook, [])
            known += [g.exercise for g in report.graded if g.exercise not in known]
    columns = sorted({e for ids in notebooks.values() for e in ids}, key=_order)
    by_student: dict[str, list[Report]] = {s: [] for s in (roster.students if roster else [])}
    for report in reports:
        by_student.setdefault(report.student, []).append(report)
    table = []
    for student, mine in by_student.items():
        row = Row(student, {c: 0 for c in columns})
        if not mine:
            row.notes.append("no submission")
        for report in mine:
            if not report.notebook:
                row.notes += [f"{Path(report.file).name}: {p}" for p in report.problems]
        for notebook in notebooks:
            theirs = [r for r in mine if r.notebook == notebook]
            if not theirs:
                if mine:
                    row.notes.append(f"{notebook}: not submitted")
                continue
            counted, why = _choose(theirs, keep)
            if len(theirs) > 1:
                others = ", ".join(
                    f"{Path(r.file).name} ({r.score}/{len(r.graded)})"
                    for r in theirs
                    if r is not counted
                )
                row.notes.append(
                    f"{notebook}: {len(theirs)} submissions, counted {Path(counted.file).name} "
                    f"({counted.score}/{len(counted.graded)}, {why}), not counted: {others}"
                )
            row.files.append(Path(counted.file).name)
            for graded in counted.graded:
                row.points[graded.exercise] = 1 if graded.passed else 0
            row.notes += [f"{Path(counted.file).name}: {p}" for p in counted.problems]
        table.append(row)
    return columns, table


def _cell(text: str) -> str:
    """Text as a spreadsheet shows it, never as a formula (a file name may start with ``=``).

    Examples
    --------
    >>> _cell("=HYPERLINK(1)"), _cell("alice")
    ("'=HYPERLINK(1)", 'alice')
    """
    text = "".join(c if c.isprintable() else " " for c in text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def to_csv(reports: list[Report], roster: Roster | None = None, keep: str = "newest") -> str:
    """The CSV an LMS imports: the columns of this module's docstring.

    Text cells (student, files, notes) never start a formula: one beginning with ``=``,
    ``+``, ``-`` or ``@`` gets a leading ``'``; control characters become spaces.
    """
    columns, table = rows(reports, roster, keep)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS_BEFORE, *columns, *COLUMNS_AFTER])
    for row in table:
        points = sum(row.points[c] for c in columns)
        percent = f"{100 * points / len(columns):.1f}" if columns else ""
        writer.writerow(
            [
                _cell(row.student),
                *[row.points[c] for c in columns],
                points,
                len(columns),
                percent,
                _cell(";".join(row.files)),
                _cell("; ".join(row.notes)),
            ]
        )
    return buffer.getvalue()
