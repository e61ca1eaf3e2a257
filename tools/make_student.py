"""Write the student edition of every notebook into build/student/ (run by ``make student``).

The notebooks in notebooks/ are the instructor edition and the one source of truth: the answer
to an exercise sits in a cell tagged ``solution`` (cell metadata ``tags``), followed by a check
cell that calls ``tscmath.exercises.check``. The student edition is the same notebook with

* each solution code cell replaced by a stub that still runs: every name the solution assigns
  at top level becomes ``name = ...`` and every function keeps its signature and docstring
  with the body ``raise NotImplementedError(...)``; imports and working are dropped. The check
  cells then say "not answered yet" instead of failing with a NameError;
* each solution Markdown cell replaced by "Your answer here";
* every output and execution count cleared; check cells and all other cells kept as they are.

The folded ``<details>`` answers of the "Check your understanding" sections are kept: they are
for self-study, not graded. ``--no-details`` removes them (for a quiz).

Usage::

    python tools/make_student.py [--out build/student] [--no-details] [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "student"
SOLUTION_TAG = "solution"
ANSWER_MARK = "# YOUR ANSWER HERE: replace ... with your answer"
CODE_MARK = "# YOUR CODE HERE: write the body of the function below"
MARKDOWN_STUB = "**Your answer here.** (Double-click this cell and write your answer.)"
BANNER = (
    "*Student edition.* Cells that end in `...` or `raise NotImplementedError` are yours to "
    "fill in; run the check cell below each one for feedback."
)
DETAILS = re.compile(r"<details>.*?</details>\s*", flags=re.S | re.I)


def is_solution(cell: dict) -> bool:
    """True when the cell is tagged ``solution``."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def _assigned_names(node: ast.stmt) -> list[str]:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    names: list[str] = []
    while targets:
        target = targets.pop(0)
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            targets[:0] = list(target.elts)
    return names


def _function_stub(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> list[str]:
    first = node.body[0]
    has_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    start = min([d.lineno for d in node.decorator_list] + [node.lineno])
    if first.lineno == node.lineno:  # a one-line function: rebuild its header
        indent = " " * (node.col_offset + 4)
        header = [lines[start - 1][: node.col_offset] + ast.unparse(node).splitlines()[0]]
    else:
        indent = " " * first.col_offset
        end = first.end_lineno if has_doc else first.lineno - 1
        header = lines[start - 1 : end]
    return header + [f'{indent}raise NotImplementedError("your code here")']


def stub_for_code(source: str) -> str:
    """The student's version of a solution code cell (runs without error, answers nothing).

    Examples
    --------
    >>> print(stub_for_code("import math\\nx = math.pi\\nanswer = x * 2"))
    # YOUR ANSWER HERE: replace ... with your answer
    x = ...
    answer = ...
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ANSWER_MARK
    lines = source.splitlines()
    out: list[str] = []
    has_function = False
    seen: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            has_function = True
            out += _function_stub(node, lines)
        else:
            for name in _assigned_names(node):
                if name not in seen:
                    seen.add(name)
                    out.append(f"{name} = ...")
    mark = CODE_MARK if has_function else ANSWER_MARK
    return "\n".join([mark, *out])


def stub_lines(source: str) -> set[str]:
    """Stripped lines of a solution that its stub keeps on purpose (signatures, docstrings)."""
    return {line.strip() for line in stub_for_code(source).splitlines() if line.strip()}


def student_notebook(nb: nbformat.NotebookNode, *, keep_details: bool = True) -> tuple:
    """Return ``(student_nb, number_of_solution_cells)`` for a notebook (not modified)."""
    student = nbformat.from_dict(nb)
    solutions = 0
    for cell in student.cells:
        if is_solution(cell):
            solutions += 1
            if cell.cell_type == "code":
                cell.source = stub_for_code(cell.source)
            else:
                cell.source = MARKDOWN_STUB
        elif cell.cell_type == "markdown" and not keep_details:
            cell.source = DETAILS.sub("", cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    if solutions:
        student.cells.insert(0, nbformat.v4.new_markdown_cell(BANNER))
        # Cell ids must stay unique; nbformat gives the new cell a fresh random id: make it fixed.
        student.cells[0]["id"] = "student-edition-banner"
    return student, solutions


def write_student_edition(
    sources: list[Path], out: Path, *, keep_details: bool = True
) -> list[tuple[Path, int]]:
    """Write every notebook's student edition into ``out``; return ``[(path, solutions)]``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        student, solutions = student_notebook(nb, keep_details=keep_details)
        target = out / path.name
        nbformat.write(student, target)
        written.append((target, solutions))
    # Images and data files the notebooks refer to travel with them.
    for extra in NOTEBOOKS.rglob("*"):
        if (
            extra.is_file()
            and extra.suffix != ".ipynb"
            and ".ipynb_checkpoints" not in extra.parts
            and "__pycache__" not in extra.parts
        ):
            dest = out / extra.relative_to(NOTEBOOKS)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(extra, dest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--no-details",
        action="store_true",
        help='remove the <details> answers of "Check your understanding"',
    )
    args = parser.parse_args(argv)
    sources = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    written = write_student_edition(sources, args.out, keep_details=not args.no_details)
    total = sum(n for _, n in written)
    for path, solutions in written:
        print(f"{path}: {solutions} solution cell(s) stubbed")
    print(f"Student edition: {len(written)} notebooks, {total} solutions stubbed, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
