"""Grade submitted notebooks: matched by identity, checked in the grader's own process.

For each submission the grader

1. **reads** it defensively: a file that is not JSON, not a notebook, binary or empty is
   reported, and the run goes on;
2. **matches** it to an instructor notebook of ``--source``: by the notebook id in its metadata
   (``metadata.virtualizing_time.notebook_id``), else by the cell ids it shares, else by the
   exercises its check cells name; never by file name. An unmatched submission is reported;
3. **runs** its code cells in a fresh kernel (one per notebook, ``--timeout`` per cell, a
   stuck cell is interrupted; the whole notebook is stopped after ``--notebook-timeout``),
   with every check cell (found by cell id, else by the exercise it checks) replaced by a cell
   that only sends the answer's value as data (:mod:`tsccourse.exercises.transport`);
4. **checks** each answer here, in the grader's process, from that data alone, each check in a
   child process with a time limit (:mod:`tsccourse.exercises.sandbox`). Nothing the
   submission printed, displayed or redefined (``check``, ``Result``, a ``__repr__``) counts. An
   exercise whose check cell is gone, or whose answer is not defined, is "not answered".

Command line::

    python -m tsccourse.exercises.grading submissions/*.ipynb [--source notebooks]
        [--csv grades.csv] [-j 2] [--timeout 60] [--notebook-timeout 600]

prints one block per submission and a summary, writes a CSV (one row per student, one
column per exercise) and exits 1 if any submission could not be graded completely.

Examples
--------
>>> check_calls("check.tsc_delta(tsc_delta)")
[('10.1', 'tsc_delta')]
>>> check_calls('check("09.2", mult_by_hand)\\nprint(1)')
[('09.2', 'mult_by_hand')]
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import exercises
from .core import REGISTRY, SOLUTION_TAG, Result
from .transport import ANSWER_MIME

__all__ = [
    "Graded",
    "Spot",
    "Instructor",
    "Report",
    "check_calls",
    "load_instructors",
    "read_submission",
    "match",
    "grade_submission",
    "grade_all",
    "to_csv",
    "main",
]

NOTEBOOK_KEY = "virtualizing_time"
MAX_BYTES = 50 * 1024 * 1024
DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "notebooks"


@dataclass(frozen=True)
class Graded:
    """One exercise of one submission: ``status`` is correct, wrong or not answered."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        """True when the answer is right."""
        return self.status == "correct"

    @classmethod
    def of(cls, result: Result) -> Graded:
        """From a checker's :class:`~tsccourse.exercises.core.Result`."""
        return cls(result.exercise, result.status, result.message)


@dataclass(frozen=True)
class Spot:
    """Where an exercise sits in an instructor notebook, and what its check reads."""

    exercise: str
    check_cell: str | None
    expression: str


@dataclass
class Instructor:
    """One instructor notebook: its id, its cell ids and its exercises in order."""

    path: Path
    notebook_id: str
    cell_ids: set[str]
    spots: list[Spot]

    @property
    def exercise_ids(self) -> list[str]:
        """The exercises, in notebook order."""
        return [s.exercise for s in self.spots]


@dataclass
class Report:
    """The grading of one submission file."""

    file: str
    student: str
    notebook: str = ""
    matched_by: str = ""
    graded: list[Graded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        """Correct exercises."""
        return sum(g.passed for g in self.graded)

    def to_json(self) -> str:
        """The report as one JSON line (the worker process sends it this way)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Report:
        """Read a report written by :meth:`to_json`."""
        data = json.loads(text)
        data["graded"] = [Graded(**g) for g in data["graded"]]
        return cls(**data)


# --- the instructor's side ------------------------------------------------------------------


def _source(cell: Any) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def check_calls(source: str) -> list[tuple[str, str]]:
    """``[(exercise id, answer expression)]`` for each ``check`` call in a cell's source."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "check"
            and func.attr in REGISTRY
            and len(node.args) == 1
        ):
            calls.append((REGISTRY[func.attr].id, ast.unparse(node.args[0])))
        elif (
            isinstance(func, ast.Name)
            and func.id == "check"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value) in REGISTRY
        ):
            calls.append((REGISTRY[str(node.args[0].value)].id, ast.unparse(node.args[1])))
    return calls


def _notebook_id(nb: dict) -> str | None:
    metadata = nb.get("metadata")
    if not isinstance(metadata, dict):
        return None
    ours = metadata.get(NOTEBOOK_KEY)
    if isinstance(ours, dict) and isinstance(ours.get("notebook_id"), str):
        return ours["notebook_id"]
    return None


def _tags(cell: dict) -> list[str]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _cells(nb: dict) -> list[dict]:
    cells = nb.get("cells")
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def load_instructors(source: Path) -> list[Instructor]:
    """Every instructor notebook with exercises in ``source``.

    Raises
    ------
    FileNotFoundError
        When ``source`` is not a folder.
    """
    source = Path(source)
    if not source.is_dir():
        raise FileNotFoundError(f"--source {source} is not a folder of instructor notebooks")
    found = []
    for path in sorted(source.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        # An exercise is graded at the check that follows its solution cell; a notebook may
        # call the same checker elsewhere too (on a naive version, say).
        chosen: dict[str, tuple[bool, Spot]] = {}
        cells = _cells(nb)
        for before, cell in zip([{}, *cells], cells, strict=False):
            if cell.get("cell_type") != "code":
                continue
            after_solution = SOLUTION_TAG in _tags(before)
            for exercise, expression in check_calls(_source(cell)):
                spot = Spot(exercise, cell.get("id"), expression)
                if after_solution or not chosen.get(exercise, (False,))[0]:
                    chosen[exercise] = (after_solution, spot)
        spots = [spot for _, spot in chosen.values()]
        if spots:
            ids = {c["id"] for c in _cells(nb) if isinstance(c.get("id"), str)}
            found.append(Instructor(path, _notebook_id(nb) or path.stem, ids, spots))
    return found


# --- reading and matching a submission ------------------------------------------------------


def read_submission(path: Path) -> dict:
    """The submission as a notebook dict.

    Raises
    ------
    ValueError
        Naming what is wrong: missing, too big, binary, not JSON, not a notebook.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"too big ({size} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("is not a text file (binary)") from None
    try:
        nb = json.loads(text)
    except ValueError:
        raise ValueError("is not JSON") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        if isinstance(nb, dict) and "worksheets" in nb:  # nbformat 3
            import nbformat

            return dict(nbformat.reads(text, as_version=4))
        raise ValueError("is not a notebook (no list of cells)")
    return nb


RETIRED_NOTEBOOKS = {
    "06-live-migration": ("06a-live-migration-protocol", "06b-live-migration-in-practice"),
    "08-the-guests-view": ("08a-paravirtual-clocks",),
}
"""Notebook ids of chapters since split, and the parts that now hold their exercises: a
submission of the chapter as it was is graded on every exercise of its parts."""


def match(nb: dict, instructors: list[Instructor]) -> tuple[Instructor | None, str]:
    """The instructor notebook a submission belongs to, and how it was recognised."""
    wanted = _notebook_id(nb)
    for instructor in instructors:
        if wanted is not None and instructor.notebook_id == wanted:
            return instructor, "notebook id"
    parts = [i for i in instructors if i.notebook_id in RETIRED_NOTEBOOKS.get(wanted or "", ())]
    if parts:
        cell_ids = set().union(*(i.cell_ids for i in parts))
        joined = Instructor(parts[0].path, wanted, cell_ids, [s for i in parts for s in i.spots])
        return joined, "notebook id (chapter split since)"
    ids = {c.get("id") for c in _cells(nb) if isinstance(c.get("id"), str)}
    shared = sorted(((len(ids & i.cell_ids), i.notebook_id, i) for i in instructors), key=_rank)
    if shared and shared[0][0] >= 2 and (len(shared) == 1 or shared[0][0] > shared[1][0]):
        return shared[0][2], "cell ids"
    labels = {e for c in _cells(nb) for e, _ in check_calls(_source(c))}
    by_label = sorted(
        ((len(labels & set(i.exercise_ids)), i.notebook_id, i) for i in instructors), key=_rank
    )
    if by_label and by_label[0][0] >= 1 and (len(by_label) == 1 or by_label[0][0] > by_label[1][0]):
        return by_label[0][2], "exercise labels"
    return None, ""


def _rank(item: tuple) -> tuple:
    return (-item[0], item[1])


# --- running a submission -------------------------------------------------------------------


def _capture_source(spot: Spot) -> str:
    return (
        "__import__('tsccourse.exercises.transport', fromlist=['capture']).capture("
        f"{spot.exercise!r}, lambda: ({spot.expression}))"
    )


def runnable(nb: dict, instructor: Instructor) -> tuple[Any, dict[str, int], list[str]]:
    """A fresh notebook of the submission's code cells with capture cells for the checks.

    Returns ``(notebook, {exercise: cell index}, [exercises whose check cell is missing])``.
    """
    import nbformat

    cells = [c for c in _cells(nb) if c.get("cell_type") == "code"]
    by_id = {c.get("id"): i for i, c in enumerate(cells) if isinstance(c.get("id"), str)}
    sources = [_source(c) for c in cells]
    places: dict[str, int] = {}
    for spot in instructor.spots:
        index = by_id.get(spot.check_cell)
        if index is None:  # re-created cells, nbformat 4.4: find the check by what it checks
            candidates = [
                i
                for i, s in enumerate(sources)
                if spot.exercise in {e for e, _ in check_calls(s)} and i not in places.values()
            ]
            index = candidates[-1] if candidates else None
        if index is not None and index not in places.values():
            places[spot.exercise] = index
    spots = {s.exercise: s for s in instructor.spots}
    for exercise, index in places.items():
        sources[index] = _capture_source(spots[exercise])
    fresh = nbformat.v4.new_notebook()
    fresh.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    fresh.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    missing = [s.exercise for s in instructor.spots if s.exercise not in places]
    return fresh, places, missing


def _kill_kernel(client: Any) -> None:
    try:
        process = client.km.provisioner.process
        process.kill()
    except Exception:  # noqa: BLE001 - already gone
        pass


def _execute(nb: Any, folder: Path, timeout: float, notebook_timeout: float) -> str | None:
    """Run the notebook; return a problem text, or None when every cell ran."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(folder)}},
    )
    stopped = threading.Event()

    def watchdog() -> None:
        if not stopped.wait(notebook_timeout):
            stopped.set()
            _kill_kernel(client)

    timer = threading.Thread(target=watchdog, daemon=True)
    timer.start()
    try:
        client.execute()
    except DeadKernelError:
        if stopped.is_set():
            return f"stopped after {notebook_timeout:g} s (--notebook-timeout)"
        return "the kernel died (the notebook ended Python: os._exit, a crash or out of memory)"
    except CellTimeoutError:
        return f"a cell ran longer than {timeout:g} s and could not be interrupted"
    except Exception as exc:  # noqa: BLE001 - report it for this submission, go on
        if stopped.is_set():
            return f"stopped after {notebook_timeout:g} s (--notebook-timeout)"
        return f"could not be run: {type(exc).__name__}: {str(exc)[:200]}"
    finally:
        stopped.set()
    return None


def _captured(cell: Any) -> dict | None:
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if isinstance(output, dict) else {}
        payload = data.get(ANSWER_MIME)
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                payload = None
        if isinstance(payload, dict) and isinstance(payload.get("answer"), dict):
            return payload["answer"]
    return None


def _interrupted(cells: list, index: int) -> bool:
    return any(
        o.get("output_type") == "error" and o.get("ename") == "KeyboardInterrupt"
        for c in cells[:index]
        for o in c.get("outputs", [])
    )


def grade_submission(
    path: Path,
    source: Path = DEFAULT_SOURCE,
    *,
    student: str | None = None,
    timeout: float = 60,
    notebook_timeout: float = 600,
    check_timeout: float = 30,
    instructors: list[Instructor] | None = None,
) -> Report:
    """Grade one submission in this process (its code runs in a kernel of its own)."""
    from .sandbox import check_data

    path = Path(path)
    report = Report(str(path), student or path.stem)
    try:
        nb = read_submission(path)
    except ValueError as exc:
        report.problems.append(f"not graded: the file {exc}")
        return report
    try:
        instructors = load_instructors(source) if instructors is None else instructors
    except (OSError, ValueError) as exc:
        report.problems.append(f"not graded: {exc}")
        return report
    instructor, how = match(nb, instructors)
    if instructor is None:
        report.problems.append(
            "not graded: no instructor notebook matches (no known notebook id, no shared "
            "cell ids, no check of a known exercise)"
        )
        return report
    report.notebook, report.matched_by = instructor.notebook_id, how
    fresh, places, missing = runnable(nb, instructor)
    with tempfile.TemporaryDirectory(prefix="vt-grade-run-") as folder:
        for extra in instructor.path.parent.iterdir():
            if extra.is_file() and extra.suffix != ".ipynb":
                shutil.copy2(extra, folder)
        problem = _execute(fresh, Path(folder), timeout, notebook_timeout)
    if problem:
        report.problems.append(problem)
    for spot in instructor.spots:
        if spot.exercise in missing:
            report.graded.append(
                Graded(spot.exercise, "not answered", "The check cell of this exercise is gone.")
            )
            continue
        index = places[spot.exercise]
        data = _captured(fresh.cells[index])
        if data is None:
            why = "the notebook stopped before this check" if problem else "no answer captured"
            if _interrupted(fresh.cells, index):
                why += f" (a cell before it was interrupted after {timeout:g} s)"
            report.graded.append(Graded(spot.exercise, "wrong", f"Not checked: {why}."))
            continue
        report.graded.append(Graded.of(check_data(spot.exercise, data, timeout=check_timeout)))
    return report


# --- many submissions -----------------------------------------------------------------------


def _worker(args: argparse.Namespace) -> int:
    report = grade_submission(
        args.submissions[0],
        args.source,
        student=args.worker_student,
        timeout=args.timeout,
        notebook_timeout=args.notebook_timeout,
        check_timeout=args.check_timeout,
    )
    Path(args.worker_report).write_text(report.to_json(), encoding="utf-8")
    return 0


def _student_of(path: Path, by: str) -> str:
    """The student: the file's stem, its folder, or nbgrader's ``<student>/<assignment>/``."""
    if by == "folder":
        return path.resolve().parent.name
    if by == "nbgrader":
        return path.resolve().parent.parent.name
    return path.stem


def _grade_in_worker(path: Path, student: str, args: argparse.Namespace) -> Report:
    """Grade one submission in a child Python process; whatever happens, return a Report."""
    with tempfile.TemporaryDirectory(prefix="vt-grade-") as folder:
        out = Path(folder) / "report.json"
        command = [
            sys.executable,
            "-m",
            "tsccourse.exercises.grading",
            str(path),
            "--source",
            str(args.source),
            "--timeout",
            str(args.timeout),
            "--notebook-timeout",
            str(args.notebook_timeout),
            "--check-timeout",
            str(args.check_timeout),
            "--worker-report",
            str(out),
            "--worker-student",
            student,
        ]
        limit = args.notebook_timeout + 120 + 40 * args.check_timeout  # a backstop only
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return Report(str(path), student, problems=[f"not graded: over {limit:g} s"])
        if out.exists():
            try:
                return Report.from_json(out.read_text(encoding="utf-8"))
            except (ValueError, TypeError, KeyError):
                pass
        tail = (run.stderr or "").strip().splitlines()[-1:] or [f"exit status {run.returncode}"]
        return Report(str(path), student, problems=[f"not graded: the grader failed: {tail[0]}"])


def grade_all(paths: list[Path], args: argparse.Namespace) -> list[Report]:
    """Grade every submission, ``args.jobs`` at a time, each in a worker process."""
    students = [_student_of(Path(p), args.student_by) for p in paths]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [
            pool.submit(_grade_in_worker, Path(p), s, args)
            for p, s in zip(paths, students, strict=True)
        ]
        return [f.result() for f in futures]


def to_csv(reports: list[Report]) -> str:
    """One row per student, one column per exercise (correct, wrong, not answered or empty).

    Examples
    --------
    >>> r = Report("a.ipynb", "alice", "10-x", "notebook id", [Graded("10.1", "correct", "")])
    >>> print(to_csv([r]).splitlines()[1])
    alice,a.ipynb,10-x,1,1,correct,
    """
    order = {e.id: n for n, e in enumerate(exercises())}
    columns = sorted({g.exercise for r in reports for g in r.graded}, key=lambda e: order.get(e))
    rows: dict[str, dict[str, Any]] = {}
    for report in reports:
        row = rows.setdefault(
            report.student,
            {"student": report.student, "files": [], "notebooks": [], "score": 0, "total": 0},
        )
        row["files"].append(Path(report.file).name)
        if report.notebook:
            row["notebooks"].append(report.notebook)
        row["score"] += report.score
        row["total"] += len(report.graded)
        for graded in report.graded:
            row[graded.exercise] = graded.status
        row.setdefault("problems", []).extend(report.problems)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "files", "notebooks", "score", "total", *columns, "problems"])
    for row in rows.values():
        writer.writerow(
            [
                row["student"],
                ";".join(row["files"]),
                ";".join(row["notebooks"]),
                row["score"],
                row["total"],
                *[row.get(c, "") for c in columns],
                "; ".join(row.get("problems", [])),
            ]
        )
    return buffer.getvalue()


def summary(reports: list[Report], *, verbose: bool = True) -> str:
    """A readable account of every submission and a count per exercise."""
    lines = []
    for report in reports:
        head = f"{report.file}: "
        if report.notebook:
            head += f"{report.notebook} (by {report.matched_by}) "
            head += f"{report.score}/{len(report.graded)}"
        lines.append(head.rstrip())
        if verbose:
            lines += [f"  {g.exercise:>6}  {g.status}" for g in report.graded]
        lines += [f"  problem: {p}" for p in report.problems]
    troubled = [r for r in reports if r.problems]
    lines.append(
        f"{len(reports)} submission(s), {len(reports) - len(troubled)} graded without a problem, "
        f"{len(troubled)} reported"
    )
    counts: dict[str, dict[str, int]] = {}
    for report in reports:
        for g in report.graded:
            counts.setdefault(g.exercise, {}).setdefault(g.status, 0)
            counts[g.exercise][g.status] += 1
    order = {e.id: n for n, e in enumerate(exercises())}
    for exercise in sorted(counts, key=lambda e: order.get(e, 0)):
        c = counts[exercise]
        lines.append(
            f"  {exercise:>6}: {c.get('correct', 0)} correct, {c.get('wrong', 0)} wrong, "
            f"{c.get('not answered', 0)} not answered"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tsccourse.exercises.grading",
        description="Grade student notebooks with the exercise checkers.",
    )
    parser.add_argument("submissions", nargs="+", type=Path)
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="folder of the instructor notebooks (default: this checkout's notebooks/)",
    )
    parser.add_argument("--csv", type=Path, help="write the grades here (one row per student)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded at once")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per cell (60)")
    parser.add_argument(
        "--notebook-timeout", type=float, default=600, help="seconds per notebook (600)"
    )
    parser.add_argument("--check-timeout", type=float, default=30, help="seconds per check (30)")
    parser.add_argument(
        "--student-by",
        choices=["file", "folder", "nbgrader"],
        default="file",
        help="name the student after the file (alice_09.ipynb -> alice_09), its folder "
        "(alice/09.ipynb), or as nbgrader lays out submissions (alice/<assignment>/09.ipynb)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no line per exercise")
    parser.add_argument("--worker-report", help=argparse.SUPPRESS)
    parser.add_argument("--worker-student", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_report:
        return _worker(args)
    started = time.monotonic()
    if not args.source.is_dir():
        print(f"warning: --source {args.source} is not a folder: nothing can be matched")
    reports = grade_all(args.submissions, args)
    print(summary(reports, verbose=not args.quiet))
    print(f"graded in {time.monotonic() - started:.1f} s with -j {args.jobs}")
    if args.csv:
        args.csv.write_text(to_csv(reports), encoding="utf-8")
        print(f"grades written to {args.csv}")
    return 1 if any(r.problems for r in reports) else 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    sys.exit(main())
