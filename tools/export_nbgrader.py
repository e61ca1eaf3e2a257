"""Export the exercise notebooks in nbgrader's source format (run by ``make nbgrader``).

For instructors who already grade with JupyterHub and nbgrader: every notebook of
``notebooks/`` that holds exercises becomes one nbgrader assignment, written to
``build/nbgrader/source/<notebook stem>/<notebook>.ipynb``, with a ``nbgrader_config.py``
beside ``source/``. In each exported notebook

* a solution cell (tag ``solution``) becomes an nbgrader solution cell, its code between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (a Markdown solution becomes a manually
  graded answer worth no points);
* the check cell after it becomes an autograded test cell worth :data:`POINTS` point(s), locked:
  it asserts that the checker passes;
* every other cell is read-only (locked).

Then, in ``build/nbgrader``: ``nbgrader generate_assignment <assignment>`` writes the student
version, ``nbgrader autograde <assignment>`` grades ``submitted/<student>/<assignment>/``.

What nbgrader protects, and what it does not: ``autograde`` puts the test cells and the locked
cells back from the source before it runs a submission, so a student who edits or deletes a
check gains nothing. But it runs the submission's answer cells and then the tests in one
kernel, with the grader's rights: an answer cell can change anything the tests use (patch
``tsccourse.exercises.core.run_checker``, replace ``Result``, rewrite ``tscmath``), and then
every test passes. ``tests/exercises/test_nbgrader.py`` shows such a submission getting every
point from nbgrader. For grades that count, run ``python -m tsccourse.exercises.grading``: it
runs each submission in a sandbox and checks the answers outside it, as plain data.

Usage::

    python tools/export_nbgrader.py [--out build/nbgrader] [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import sys
from pathlib import Path

from tsccourse.exercises.core import SOLUTION_TAG  # the one home of the tag

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "nbgrader"
POINTS = 1
SCHEMA_VERSION = 3
CONFIG = '''"""nbgrader configuration of the Virtualizing Time export (written by make nbgrader)."""

c = get_config()  # noqa: F821 - provided by nbgrader
c.CourseDirectory.root = __file__.rsplit("/", 1)[0]
# The checkers run on hidden cases with their own time limits; allow a slow machine.
c.ExecutePreprocessor.timeout = 300
'''


def _tags(cell: dict) -> list[str]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def check_call(source: str) -> str | None:
    """The first ``check`` call of a check cell, as source, or None.

    Examples
    --------
    >>> check_call("check.tsc_delta(tsc_delta)")
    'check.tsc_delta(tsc_delta)'
    >>> check_call('x = 1\\ncheck("09.2", mult)')
    "check('09.2', mult)"
    >>> check_call("print(1)") is None
    True
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        by_name = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "check"
            and len(node.args) == 1
        )
        by_id = isinstance(func, ast.Name) and func.id == "check" and len(node.args) == 2
        if by_name or by_id:
            return ast.unparse(node)
    return None


def autograded_source(source: str) -> str:
    """The autograded test cell for a check cell: it fails unless the checker passes.

    Examples
    --------
    >>> print(autograded_source("check.tsc_delta(tsc_delta)"))
    # The checker, imported again: a name `check` rebound in an answer cell has no effect.
    from tsccourse.exercises import check
    <BLANKLINE>
    result = check.tsc_delta(tsc_delta)
    print(result)
    assert result.passed, result.message
    """
    call = check_call(source)
    if call is None:
        raise ValueError(f"not a check cell: {source[:60]!r}")
    return (
        "# The checker, imported again: a name `check` rebound in an answer cell has no effect.\n"
        "from tsccourse.exercises import check\n"
        "\n"
        f"result = {call}\n"
        "print(result)\n"
        "assert result.passed, result.message"
    )


def _mark(cell: dict, *, grade_id: str, solution: bool, grade: bool, locked: bool, points=None):
    data = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if grade:
        data["points"] = points if points is not None else POINTS
    cell.setdefault("metadata", {})["nbgrader"] = data


def nbgrader_notebook(nb: dict) -> tuple[dict, int]:
    """The notebook in nbgrader's source format, and its number of autograded tests."""
    out = copy.deepcopy(nb)
    cells = out["cells"]
    tests = 0
    for index, cell in enumerate(cells):
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        cell_id = cell.get("id") or f"cell-{index}"
        before = cells[index - 1] if index else {}
        if SOLUTION_TAG in _tags(cell):
            if cell["cell_type"] == "code":
                body = _text(cell).rstrip("\n")
                cell["source"] = f"### BEGIN SOLUTION\n{body}\n### END SOLUTION"
                _mark(cell, grade_id=cell_id, solution=True, grade=False, locked=False)
            else:
                body = _text(cell).rstrip("\n")
                cell["source"] = body
                _mark(cell, grade_id=cell_id, solution=True, grade=True, locked=False, points=0)
        elif (
            SOLUTION_TAG in _tags(before)
            and cell["cell_type"] == "code"
            and check_call(_text(cell)) is not None
        ):
            cell["source"] = autograded_source(_text(cell))
            _mark(cell, grade_id=f"test-{cell_id}", solution=False, grade=True, locked=True)
            tests += 1
        else:
            _mark(cell, grade_id=f"locked-{cell_id}", solution=False, grade=False, locked=True)
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return out, tests


def export(sources: list[Path], out: Path) -> list[tuple[Path, int]]:
    """Write one assignment per notebook with exercises into ``out``; return ``[(path, tests)]``."""
    written = []
    for path in sources:
        nb = json.loads(path.read_text(encoding="utf-8"))
        exported, tests = nbgrader_notebook(nb)
        if not tests:
            continue
        target = out / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(exported, indent=1, ensure_ascii=False) + "\n", "utf-8")
        written.append((target, tests))
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG, "utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    written = export(args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb")), args.out)
    for path, tests in written:
        print(f"{path}: {tests} autograded test(s)")
    print(
        f"nbgrader source: {len(written)} assignment(s) in {args.out / 'source'}; then, in "
        f"{args.out}: nbgrader generate_assignment <assignment>"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
