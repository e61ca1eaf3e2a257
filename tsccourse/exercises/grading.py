"""Grade submitted notebooks: each run in a sandbox, matched by identity, checked here.

For each submission the grader

1. **reads** it defensively: a file that is not JSON, not a notebook, binary or empty is
   reported, and the run goes on;
2. **matches** it to an instructor notebook of ``--source``: by the notebook id in its metadata
   (``metadata.virtualizing_time.notebook_id``), else by the cell ids it shares, else by the
   exercises its check cells name; never by file name. An unmatched submission is reported;
3. **runs** its code cells in a fresh kernel **inside a sandbox of its own**
   (:mod:`tsccourse.exercises.kernel_sandbox`: bubblewrap; no network, not even the host's
   127.0.0.1; nothing of the machine visible but Python, the virtual environment and the
   course packages, all read-only; a scratch folder and ``/tmp`` of its own; a scrubbed
   environment; another uid; limits on CPU, memory, processes and file size; every process it
   started killed when the notebook ends), with every check cell (found by cell id, else by
   the exercise it checks) replaced by a cell that only sends the answer's value as data
   (:mod:`tsccourse.exercises.transport`). A cell running longer than ``--timeout`` is
   interrupted; a kernel that ignores the interrupt is killed ``--kill-after`` seconds later
   and the rest of its notebook is reported as not run; the whole notebook is stopped after
   ``--notebook-timeout``;
4. **checks** each answer here, in the grader's process, from that data alone, each check in a
   child process with a time limit (:mod:`tsccourse.exercises.sandbox`; a coding answer's
   function runs in a sandbox like the kernel's). Nothing the submission printed, displayed or
   redefined (``check``, ``Result``, a ``__repr__``) counts. An exercise whose check cell is
   gone, or whose answer is not defined, is "not answered".

Where no sandbox can be made (no ``bwrap``; macOS; user namespaces switched off) the grader
says why and grades nothing, unless given ``--no-sandbox-i-understand`` (its warning says what
student code can then reach). The grader's own processes never import from a folder a
submission could write: its workers run ``python -I`` in a folder of their own.

Command line::

    python -m tsccourse.exercises.grading submissions/*.ipynb [--source notebooks]
        [--csv grades.csv] [-j 2] [--roster roster.csv] [--student-by auto]
        [--duplicates newest] [--json reports.json] [--timeout 60] [--kill-after 5]
        [--notebook-timeout 600] [--no-sandbox-i-understand]

prints one block per submission and a summary, writes a CSV and exits 1 if any submission
could not be graded completely (2 if no sandbox can be made). The CSV has one row per student
(:mod:`tsccourse.exercises.gradebook`: a roster file, or the folders): ``student``, one column
per exercise with its points (1 if correct, else 0), ``points`` (their sum), ``max_points``,
``percent``, ``files`` (the submissions that counted) and ``notes`` (a notebook submitted twice:
which file counted; a notebook not submitted; a problem).

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
import json
import os
import shutil
import signal
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
from .gradebook import DUPLICATES, STUDENT_BY, read_roster, students_of, to_csv
from .kernel_sandbox import (
    UNSANDBOXED_WARNING,
    Limits,
    Sandbox,
    kernel_manager,
    let_through,
    unavailable,
)
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
    "summary",
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
    modified: float = 0.0

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


def _kill(manager: Any) -> None:
    """SIGKILL the kernel's first process (``bwrap``: its whole sandbox ends with it)."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None:
        return
    try:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    except Exception:  # noqa: BLE001 - already gone
        pass


def _execute(
    nb: Any,
    folder: Path,
    *,
    timeout: float,
    notebook_timeout: float,
    kill_after: float = 5.0,
    sandbox: Sandbox | None = None,
) -> str | None:
    """Run the notebook; return a problem text, or None when every cell ran.

    A cell running past ``timeout`` is interrupted (nbclient sends the kernel an interrupt
    message); if it is still running ``kill_after`` seconds later, the sandbox is killed and
    the cells after it are not run. After ``notebook_timeout`` the sandbox is killed too.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    manager = kernel_manager(sandbox, folder)
    client = NotebookClient(
        nb,
        km=manager,
        timeout=timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        startup_timeout=120,
        shutdown_kernel="immediate",  # every output is in; the sandbox is killed anyway
        resources={"metadata": {"path": str(folder)}},
    )
    running: dict[str, Any] = {"cell": None, "since": 0.0}
    killed: list[str] = []
    done = threading.Event()

    def started(cell: Any, cell_index: int) -> None:
        running.update(cell=cell_index, since=time.monotonic())

    def finished(cell: Any, cell_index: int, execute_reply: Any) -> None:
        running.update(cell=None)

    client.on_cell_execute = started
    client.on_cell_executed = finished
    begun = time.monotonic()

    def watchdog() -> None:
        while not done.wait(0.2):
            now = time.monotonic()
            cell = running["cell"]
            if now - begun > notebook_timeout:
                killed.append(f"stopped after {notebook_timeout:g} s (--notebook-timeout)")
            elif cell is not None and now - running["since"] > timeout + kill_after:
                killed.append(
                    f"code cell {cell + 1} ran past {timeout:g} s and ignored the interrupt: "
                    f"its kernel was killed {kill_after:g} s later, the rest was not run"
                )
            if killed:
                _kill(manager)
                return

    timer = threading.Thread(target=watchdog, daemon=True)
    timer.start()
    log = folder.parent / f"{folder.name}.kernel.log"
    try:
        with open(log, "wb") as stderr:
            client.execute(stdout=subprocess.DEVNULL, stderr=stderr)
    except DeadKernelError:
        if killed:
            return killed[0]
        return "the kernel died (the notebook ended Python: os._exit, a crash or out of memory)"
    except CellTimeoutError:
        return killed[0] if killed else f"a cell ran longer than {timeout:g} s"
    except Exception as exc:  # noqa: BLE001 - report it for this submission, go on
        if killed:
            return killed[0]
        return f"could not be run: {type(exc).__name__}: {str(exc)[:200]} ({_tail(log)})"
    finally:
        done.set()
        _kill(manager)
    return None


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            lines = handle.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return "no kernel log"
    return lines[-1][:200] if lines else "the kernel printed nothing"


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
    kill_after: float = 5,
    instructors: list[Instructor] | None = None,
    sandboxed: bool = True,
    limits: Limits | None = None,
) -> Report:
    """Grade one submission in this process (its code runs in a kernel in a sandbox of its own).

    ``sandboxed=False`` runs the kernel as this process's user, with all its rights (the
    command line's ``--no-sandbox-i-understand``).

    Raises
    ------
    RuntimeError
        When ``sandboxed`` and no sandbox can be made here (the message says why).
    """
    from .sandbox import check_data, record_functions

    if sandboxed and (why := unavailable()):
        raise RuntimeError(f"no sandbox for student code: {why}")
    limits = limits or Limits(cpu_s=max(1, int(notebook_timeout) + 1))
    path = Path(path)
    report = Report(str(path), student or path.stem)
    try:
        report.modified = path.stat().st_mtime
    except OSError:
        pass
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
    with tempfile.TemporaryDirectory(prefix="vt-grade-run-") as private:
        let_through(Path(private))
        scratch = Path(private) / "scratch"
        scratch.mkdir()
        for extra in instructor.path.parent.iterdir():
            if extra.is_file() and extra.suffix != ".ipynb":
                shutil.copy2(extra, scratch)
        sandbox = None
        if sandboxed:
            hide = [instructor.path.parent, Path.home()]
            sandbox = Sandbox(scratch, limits, hide=hide)
            for extra in scratch.iterdir():
                sandbox.give(extra)
        problem = _execute(
            fresh,
            scratch,
            timeout=timeout,
            notebook_timeout=notebook_timeout,
            kill_after=kill_after,
            sandbox=sandbox,
        )
    if problem:
        report.problems.append(problem)
    answers: dict[str, dict] = {}
    for spot in instructor.spots:
        if spot.exercise in missing:
            report.graded.append(
                Graded(spot.exercise, "not answered", "The check cell of this exercise is gone.")
            )
            continue
        index = places[spot.exercise]
        data = _captured(fresh.cells[index])
        if data is None:
            if problem:
                why = f"Not run: the notebook stopped before this check ({problem})."
                report.graded.append(Graded(spot.exercise, "not run", why))
                continue
            why = "no answer captured"
            if _interrupted(fresh.cells, index):
                why += f" (a cell before it was interrupted after {timeout:g} s)"
            report.graded.append(Graded(spot.exercise, "wrong", f"Not checked: {why}."))
            continue
        answers[spot.exercise] = data
        report.graded.append(Graded(spot.exercise, "pending", ""))
    # Every coding answer's function runs once, all in one sandbox; then each is checked.
    functions = [(e, d) for e, d in answers.items() if d.get("kind") == "function"]
    recordings = dict(
        zip(
            [e for e, _ in functions],
            record_functions(functions, timeout=check_timeout, sandboxed=sandboxed, limits=limits),
            strict=True,
        )
    )
    if any(d.get("kind") == "sympy" for d in answers.values()):
        import sympy  # noqa: F401  (once here, not in every forked check)
    for n, graded in enumerate(report.graded):
        if graded.status != "pending":
            continue
        result = check_data(
            graded.exercise,
            answers[graded.exercise],
            timeout=check_timeout,
            sandboxed=sandboxed,
            limits=limits,
            recording=recordings.get(graded.exercise),
        )
        report.graded[n] = Graded.of(result)
    return report


# --- many submissions -----------------------------------------------------------------------


def _grade_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "timeout": args.timeout,
        "notebook_timeout": args.notebook_timeout,
        "check_timeout": args.check_timeout,
        "kill_after": args.kill_after,
        "sandboxed": not args.no_sandbox_i_understand,
        "limits": _limits(args),
    }


def _backstop(args: argparse.Namespace) -> float:
    """Seconds after which a submission's grading is given up (its sandbox killed)."""
    return args.notebook_timeout + 120 + 40 * args.check_timeout


def _serve(args: argparse.Namespace) -> int:
    """A worker (``--serve``): grade each submission named on stdin in a forked child.

    The worker imports the grading stack once; each submission is graded in a child forked
    from it (a crash or a hang stays there: the child is killed after :func:`_backstop`), and
    one JSON line per submission answers on stdout.
    """
    import nbclient  # noqa: F401  (imported once, here, for every forked child)
    import sympy  # noqa: F401

    from .sandbox import check_data  # noqa: F401

    try:
        instructors = load_instructors(args.source)
    except (OSError, ValueError):
        instructors = None  # each child reports it
    if not args.no_sandbox_i_understand:
        unavailable()  # probed once; the children inherit the answer
    options = _grade_options(args)

    def grade(request: dict) -> None:
        report = grade_submission(
            Path(request["file"]),
            args.source,
            student=request["student"],
            instructors=instructors,
            **options,
        )
        Path(request["out"]).write_text(report.to_json(), encoding="utf-8")

    for line in sys.stdin:
        request = json.loads(line)
        if not hasattr(os, "fork"):  # Windows (never sandboxed): grade here
            grade(request)
            print(json.dumps({"file": request["file"], "killed": False}), flush=True)
            continue
        pid = os.fork()
        if pid == 0:  # the child: grade, write the report, end
            status = 1
            try:
                import resource

                # The child reads what a submission's kernel sends: bound its memory.
                memory = 2 * args.memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)  # stdout is the worker's answer channel
                grade(request)
                status = 0
            finally:
                os._exit(status)
        deadline = time.monotonic() + _backstop(args)
        killed = False
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)  # its bwrap dies with it (--die-with-parent)
                os.waitpid(pid, 0)
                killed = True
                break
            time.sleep(0.05)
        print(json.dumps({"file": request["file"], "killed": killed}), flush=True)
    return 0


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        cpu_s=max(1, int(args.notebook_timeout) + 1),
        memory_mb=args.memory_mb,
        processes=args.max_processes,
        file_mb=args.max_file_mb,
    )


class _Worker:
    """One ``python -I -m tsccourse.exercises.grading --serve`` process, in a folder of its own.

    ``-I``: no current folder, no ``PYTHON*`` variables, no user site-packages on its path.
    """

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args = args
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.count = 0

    def _start(self) -> subprocess.Popen:
        args = self.args
        command = [
            sys.executable,
            "-I",
            "-m",
            "tsccourse.exercises.grading",
            "--serve",
            "--source",
            str(Path(args.source).absolute()),
            "--timeout",
            str(args.timeout),
            "--kill-after",
            str(args.kill_after),
            "--notebook-timeout",
            str(args.notebook_timeout),
            "--check-timeout",
            str(args.check_timeout),
            "--memory-mb",
            str(args.memory_mb),
            "--max-processes",
            str(args.max_processes),
            "--max-file-mb",
            str(args.max_file_mb),
        ]
        if args.no_sandbox_i_understand:
            command.append("--no-sandbox-i-understand")
        self.stderr = open(self.folder / "worker.err", "ab")  # noqa: SIM115 - kept open
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            cwd=self.folder,
            env=env,
        )

    def grade(self, path: Path, student: str) -> Report:
        """Whatever happens, a Report."""
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        self.count += 1
        out = self.folder / f"report-{self.count}.json"
        request = {"file": str(Path(path).absolute()), "student": student, "out": str(out)}
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except OSError:
            pass
        answer = self._answer(_backstop(self.args) + 60)
        if out.exists():
            try:
                return Report.from_json(out.read_text(encoding="utf-8"))
            except (ValueError, TypeError, KeyError):
                pass
        if answer is None or answer.get("killed"):
            if answer is None:
                self.stop()
            limit = _backstop(self.args)
            return Report(str(path), student, problems=[f"not graded: over {limit:g} s"])
        return Report(str(path), student, problems=[f"not graded: the grader failed{self._why()}"])

    def _answer(self, seconds: float) -> dict | None:
        """The worker's line for this submission; None when it did not come in time."""
        assert self.process is not None and self.process.stdout is not None
        stdout, lines = self.process.stdout, []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(seconds)
        if not lines:
            return None  # the caller stops the worker, which ends the read
        try:
            return json.loads(lines[0] or "{}")
        except ValueError:
            return {}

    def _why(self) -> str:
        try:
            lines = (self.folder / "worker.err").read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return f": {lines[-1][:200]}" if lines else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def grade_all(paths: list[Path], args: argparse.Namespace) -> list[Report]:
    """Grade every submission, ``args.jobs`` at a time, each in a worker's forked child.

    Each report's ``student`` follows ``args.roster`` / ``args.student_by``; a submission the
    roster does not name carries that as a problem.
    """
    import queue

    roster = getattr(args, "roster_data", None)
    students, problems, _ = students_of(list(paths), args.student_by, roster)
    todo: queue.Queue = queue.Queue()
    for n, (path, student) in enumerate(zip(paths, students, strict=True)):
        todo.put((n, Path(path), student))
    reports: list[Report | None] = [None] * len(paths)

    def work() -> None:
        with tempfile.TemporaryDirectory(prefix="vt-grade-") as folder:
            worker = _Worker(args, Path(folder))
            try:
                while True:
                    try:
                        n, path, student = todo.get_nowait()
                    except queue.Empty:
                        return
                    reports[n] = worker.grade(path, student)
            finally:
                worker.stop()

    jobs = max(1, min(args.jobs, len(paths)))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(work) for _ in range(jobs)]:
            future.result()
    done = [r for r in reports if r is not None]
    assert len(done) == len(paths)
    for report, problem in zip(done, problems, strict=True):
        if problem:
            report.problems.insert(0, problem)
    return done


def _printable(text: str) -> str:
    """No terminal escapes from a file name or a kernel's words reach the instructor's screen."""
    return "".join(c if c.isprintable() else "?" for c in str(text))


def summary(reports: list[Report], *, verbose: bool = True) -> str:
    """A readable account of every submission and a count per exercise."""
    lines = []
    for report in reports:
        head = f"{report.file}: "
        if report.notebook:
            head += f"{report.notebook} (by {report.matched_by}) "
            head += f"{report.score}/{len(report.graded)}"
        lines.append(head.rstrip() + (f"  [{report.student}]" if report.student else ""))
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
        line = (
            f"  {exercise:>6}: {c.get('correct', 0)} correct, {c.get('wrong', 0)} wrong, "
            f"{c.get('not answered', 0)} not answered"
        )
        lines.append(line + (f", {c['not run']} not run" if c.get("not run") else ""))
    return "\n".join(_printable(line) for line in lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tsccourse.exercises.grading",
        description="Grade student notebooks with the exercise checkers, each submission's "
        "code in a sandbox of its own (bubblewrap).",
    )
    parser.add_argument("submissions", nargs="*", type=Path)
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="folder of the instructor notebooks (default: this checkout's notebooks/)",
    )
    parser.add_argument("--csv", type=Path, help="write the grades here (one row per student)")
    parser.add_argument(
        "--json",
        type=Path,
        help="write every submission's report here: a JSON list of {file, student, notebook, "
        "matched_by, graded: [{exercise, status, message}], problems, modified}",
    )
    parser.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded at once")
    parser.add_argument(
        "--roster",
        type=Path,
        help="CSV with columns student,file (a file name or pattern per line): whose is what",
    )
    parser.add_argument(
        "--student-by",
        choices=STUDENT_BY,
        default="auto",
        help="without a roster: auto = the first folder below the folder all submissions "
        "share (alice/09.ipynb, alice/<assignment>/09.ipynb), else the file's name; file = "
        "the file's name (alice_09.ipynb -> alice_09); folder = its folder; nbgrader = "
        "its folder's folder",
    )
    parser.add_argument(
        "--duplicates",
        choices=DUPLICATES,
        default="newest",
        help="which of a student's submissions of one notebook counts: the newest file "
        "(modification time) or the one with the most points; the other is named in notes",
    )
    parser.add_argument("--timeout", type=float, default=60, help="seconds per cell (60)")
    parser.add_argument(
        "--kill-after",
        type=float,
        default=5,
        help="seconds after the interrupt before a cell that ignores it is killed (5)",
    )
    parser.add_argument(
        "--notebook-timeout", type=float, default=600, help="seconds per notebook (600)"
    )
    parser.add_argument("--check-timeout", type=float, default=30, help="seconds per check (30)")
    parser.add_argument(
        "--memory-mb", type=int, default=4096, help="address space per sandboxed process (4096)"
    )
    parser.add_argument(
        "--max-processes",
        type=int,
        default=256,
        help="processes and threads per sandbox (256)",
    )
    parser.add_argument(
        "--max-file-mb", type=int, default=100, help="largest file a submission writes (100)"
    )
    parser.add_argument(
        "--no-sandbox-i-understand",
        action="store_true",
        help="run student code without a sandbox, with all your rights (where bubblewrap "
        "cannot run); read the warning it prints",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no line per exercise")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Nothing this process imports from now on may come from the current folder.
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    # nbformat's schema validation imports jsonschema's optional IRI checker, whose grammars
    # take a CPU second or two to compile in every worker; no notebook field needs it here.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    parser = _parser()
    args = parser.parse_args(argv)
    if args.serve:
        return _serve(args)
    if not args.submissions:
        parser.error("name the submitted notebooks to grade")
    try:
        _limits(args)
    except ValueError as exc:
        parser.error(str(exc))
    if args.no_sandbox_i_understand:
        user = os.environ.get("USER") or os.environ.get("LOGNAME") or f"uid {os.getuid()}"
        warning = UNSANDBOXED_WARNING.format(user=user, n_env=len(os.environ))
        print(warning, file=sys.stderr)
        print(warning)
    elif why := unavailable():
        print(
            f"error: no sandbox for student code: {why}.\n"
            "Nothing was graded. Where no sandbox can be made, --no-sandbox-i-understand "
            "runs student code with all your rights (read its warning first).",
            file=sys.stderr,
        )
        return 2
    args.roster_data = None
    if args.roster:
        try:
            args.roster_data = read_roster(args.roster)
        except ValueError as exc:
            parser.error(str(exc))
    started = time.monotonic()
    if not args.source.is_dir():
        print(f"warning: --source {args.source} is not a folder: nothing can be matched")
    _, _, rule = students_of(args.submissions, args.student_by, args.roster_data)
    reports = grade_all(args.submissions, args)
    print(summary(reports, verbose=not args.quiet))
    print(f"students: {rule}")
    print(f"graded in {time.monotonic() - started:.1f} s with -j {args.jobs}")
    if args.csv:
        text = to_csv(reports, args.roster_data, args.duplicates)
        args.csv.write_text(text, encoding="utf-8")
        print(f"grades written to {args.csv} ({text.count(chr(10)) - 1} students)")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=1), encoding="utf-8")
    return 1 if any(r.problems for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
