"""Grade submitted student notebooks with the checkers.

A submission is re-run in a fresh kernel after its check cells are restored from the
instructor's notebook (matched by cell id, so a student cannot edit a check away); the
results of the check cells that follow solution cells are collected.

Command line::

    python -m tscmath.exercises.grading submissions/*.ipynb [--source notebooks]

prints one line per exercise and a score per notebook, and exits 0.

Examples
--------
>>> parse_result("[Correct] Exercise 09.1: 2999999999 ns: ...")
('09.1', 'correct')
>>> parse_result("something else") is None
True
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Graded", "parse_result", "grade_notebook", "main"]

_PATTERN = re.compile(r"^\[(Correct|Not yet|Not answered)\] Exercise (\S+): ", flags=re.M)
_STATUS = {"Correct": "correct", "Not yet": "wrong", "Not answered": "not answered"}
SOLUTION_TAG = "solution"


@dataclass(frozen=True)
class Graded:
    """One exercise of one submission."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        """True when the check passed."""
        return self.status == "correct"


def parse_result(text: str) -> tuple[str, str] | None:
    """``(exercise_id, status)`` from a check result's text, or None."""
    match = _PATTERN.search(text)
    if not match:
        return None
    return match.group(2), _STATUS[match.group(1)]


def _is_solution(cell: dict) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def grade_notebook(
    submission: Path, source_dir: Path, *, timeout: int = 60
) -> tuple[list[Graded], str | None]:
    """Run one submission; return its graded exercises and an error text (or None)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(submission, as_version=4)
    source_path = Path(source_dir) / Path(submission).name
    if source_path.exists():  # restore the instructor's check cells, matched by cell id
        original = nbformat.read(source_path, as_version=4)
        checks = {
            cell.get("id"): cell.source
            for before, cell in zip(original.cells, original.cells[1:], strict=False)
            if _is_solution(before) and cell.cell_type == "code"
        }
        check_cells = [c for c in nb.cells if c.get("id") in checks]
        for cell in check_cells:
            cell.source = checks[cell["id"]]
        missing = sorted(set(checks) - {c.get("id") for c in check_cells})
    else:  # no instructor copy: grade the cells that follow solution cells
        check_cells = [
            cell
            for before, cell in zip(nb.cells, nb.cells[1:], strict=False)
            if _is_solution(before) and cell.cell_type == "code"
        ]
        missing = []
    error = None
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(source_dir)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:  # pragma: no cover - allow_errors makes this rare
        error = str(exc)
    graded = [Graded(f"cell {m}", "wrong", "check cell deleted") for m in missing]
    for cell in check_cells:
        texts = [o["data"].get("text/plain", "") for o in cell.get("outputs", []) if "data" in o]
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        parsed = parse_result(texts[0]) if texts else None
        if parsed:
            exercise, status = parsed
            graded.append(Graded(exercise, status, texts[0]))
        else:
            why = f"{errors[0]['ename']}: {errors[0]['evalue']}" if errors else "no result"
            graded.append(Graded(f"cell {cell.get('id')}", "wrong", why))
    return graded, error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grade student notebooks with the checkers.")
    parser.add_argument("submissions", nargs="+", type=Path)
    parser.add_argument(
        "--source",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "notebooks",
        help="folder of the instructor notebooks (check cells are restored from there)",
    )
    args = parser.parse_args(argv)
    for submission in args.submissions:
        graded, error = grade_notebook(submission, args.source)
        score = sum(g.passed for g in graded)
        print(f"{submission}: {score}/{len(graded)}")
        for g in graded:
            print(f"  {g.exercise:>8}  {g.status}")
        if error:
            print(f"  error: {error.splitlines()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
