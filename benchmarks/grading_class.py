"""How long the grader takes for a class: 60 students x 2 exercise sets, each in its sandbox.

Makes honest submissions from the instructor notebooks' solutions (09 and 10): student ``k``
leaves one exercise as the student edition's stub (a different one for each student, some none),
so every grade is known in advance. Grades them all in one run of the command line
(``python -m tsccourse.exercises.grading ... -j 2``, folders per student) and prints the wall
time, the time per notebook, and whether every row of the CSV is the grade expected.

The baseline, in the same process: the first few students graded once without the sandbox
(``--no-sandbox-i-understand``) and once with it, so the ratio is the sandbox's own cost
whatever the machine's load.

Usage: ``.venv/bin/python benchmarks/grading_class.py [--students 60] [-j 2]
[--baseline-students 4]``
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.make_student import is_solution, stub_for_code  # noqa: E402
from tsccourse.exercises.grading import check_calls  # noqa: E402

SETS = ["09-exercises-counting-and-scaling.ipynb", "10-exercises-migration.ipynb"]


def _exercise_of_solution(cells: list, index: int) -> str | None:
    """The exercise whose check follows the solution cell at ``index``."""
    for cell in cells[index + 1 :]:
        if cell.cell_type == "code":
            calls = check_calls(cell.source)
            return calls[0][0] if calls else None
    return None


def make_class(folder: Path, students: int) -> dict[str, dict[str, int]]:
    """Write ``folder/student_NN/<set>.ipynb``; return the expected points per exercise."""
    expected: dict[str, dict[str, int]] = {}
    for name in SETS:
        source = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        solutions = [i for i, c in enumerate(source.cells) if is_solution(c)]
        for k in range(students):
            student = f"student_{k:02d}"
            nb = nbformat.from_dict(source)
            skip = k % (len(solutions) + 2)  # one stub each, two students in a cycle none
            for n, index in enumerate(solutions):
                exercise = _exercise_of_solution(nb.cells, index)
                if exercise is None:
                    continue
                if n == skip:
                    nb.cells[index].source = stub_for_code(nb.cells[index].source)
                expected.setdefault(student, {})[exercise] = 0 if n == skip else 1
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            (folder / student).mkdir(exist_ok=True)
            nbformat.write(nb, folder / student / name)
    return expected


def grade(files: list[Path], out: Path, jobs: int, *extra: str) -> float:
    """Run the grader's command line; return its wall time in seconds."""
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tsccourse.exercises.grading",
            *map(str, files),
            "--csv",
            str(out),
            "-j",
            str(jobs),
            "-q",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=out.parent,
    )
    seconds = time.monotonic() - started
    if run.returncode not in (0, 1):
        raise SystemExit(f"the grader failed ({run.returncode}): {run.stderr[-2000:]}")
    return seconds


def wrong_rows(out: Path, expected: dict[str, dict[str, int]]) -> list[str]:
    """Rows whose points differ from the expected ones (or disagree with their total)."""
    wrong = []
    for row in csv.DictReader(out.open(encoding="utf-8")):
        want = expected.get(row["student"], {})
        got = {e: int(row[e]) for e in want if e in row}
        total = sum(int(v) for k, v in row.items() if k[:2].isdigit())
        if got != want or total != int(row["points"]):
            wrong.append(f"{row['student']}: {got} != {want} ({row['notes']})")
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--baseline-students", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vt-bench-grading-") as tmp:
        folder = Path(tmp) / "submitted"
        folder.mkdir()
        expected = make_class(folder, args.students)
        files = sorted(folder.glob("*/*.ipynb"))
        few = [f for f in files if f.parent.name in sorted(expected)[: args.baseline_students]]
        plain = grade(few, Path(tmp) / "plain.csv", args.jobs, "--no-sandbox-i-understand")
        boxed = grade(few, Path(tmp) / "boxed.csv", args.jobs)
        print(
            f"baseline: {len(few)} notebooks, -j {args.jobs}: {plain:.1f} s without the sandbox, "
            f"{boxed:.1f} s in it: {boxed / plain:.2f}x"
        )
        out = Path(tmp) / "grades.csv"
        seconds = grade(files, out, args.jobs)
        wrong = wrong_rows(out, expected)
        print(
            f"class: {args.students} students x {len(SETS)} sets = {len(files)} notebooks, "
            f"-j {args.jobs}: {seconds:.1f} s ({seconds / 60:.1f} min), "
            f"{seconds * args.jobs / len(files):.1f} s per notebook per worker, "
            f"{seconds / boxed * len(few) / len(files):.2f}x the baseline's time per notebook"
        )
        print(f"grades as expected: {len(expected) - len(wrong)} of {len(expected)} students")
        for line in wrong[:10]:
            print("  unexpected:", line)
        return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
