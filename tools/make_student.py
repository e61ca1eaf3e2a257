"""Write the student edition of every notebook into build/student/ (run by ``make student``).

The notebooks in notebooks/ are the instructor edition and the one source of truth: the answer
to an exercise sits in a cell tagged ``solution`` (cell metadata ``tags``), followed by a check
cell that calls ``tsccourse.exercises.check``. The student edition is the same notebook with

* each solution code cell replaced by a stub that still runs: every name the solution binds
  (also inside ``if``/``for``/``with``, by walrus, unpacking or ``class``, under ``%%time``)
  becomes ``name = ...``, every function keeps its signature and docstring with the body
  ``raise NotImplementedError(...)``, imports stay, the working goes. The check cells then say
  "not answered yet" instead of failing with a NameError;
* each solution Markdown cell replaced by "Your answer here";
* every output and execution count cleared; check cells and all other cells kept as they are.

The folded ``<details>`` answers of the "Check your understanding" sections are kept: they are
for self-study, not graded. ``--no-details`` removes them (for a quiz).

Usage::

    python tools/make_student.py [--out build/student] [--no-details]
                                 [--keep-existing | --replace] [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
from pathlib import Path

import nbformat

from tsccourse.exercises.core import SOLUTION_TAG  # the one home of the tag

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "build" / "student"
ANSWER_MARK = "# YOUR ANSWER HERE: replace ... with your answer"
CODE_MARK = "# YOUR CODE HERE: write the body of the function below"
MARKDOWN_STUB = "**Your answer here.** (Double-click this cell and write your answer.)"
BANNER = (
    "*Student edition.* Cells that end in `...` or `raise NotImplementedError` are yours to "
    "fill in; run the check cell below each one for feedback."
)
DETAILS = re.compile(r"<details>.*?</details>\s*", flags=re.S | re.I)


def cell_tags(cell: dict) -> list[str]:
    """The cell's tags as a list of strings, whatever the metadata holds.

    ``metadata`` or ``tags`` may be missing or null, ``tags`` may be one string, and a tag
    may be a number: none of that is an error, and only string tags count.

    Examples
    --------
    >>> cell_tags({"metadata": {"tags": ["solution", 3, None]}})
    ['solution']
    >>> cell_tags({"metadata": None}), cell_tags({"metadata": {"tags": "nosolution"}})
    ([], ['nosolution'])
    """
    metadata = cell.get("metadata") or {}
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, (list, tuple)):
        return []
    return [tag for tag in tags if isinstance(tag, str)]


def is_solution(cell: dict) -> bool:
    """True when the cell carries the tag ``solution`` exactly (not ``nosolution``)."""
    return SOLUTION_TAG in cell_tags(cell)


def _target_names(target: ast.expr) -> list[str]:
    """Names bound by an assignment target (tuples, lists and starred parts included)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for elt in target.elts for name in _target_names(elt)]
    return []  # attributes and subscripts bind no new name


def _walrus_names(node: ast.AST) -> list[str]:
    """Names bound by ``:=`` in an expression (also inside comprehensions, not in lambdas)."""
    names: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Lambda):
            continue
        if isinstance(current, ast.NamedExpr):
            names += _target_names(current.target)
        stack.extend(reversed(list(ast.iter_child_nodes(current))))
    return names


def bound_names(statements: list[ast.stmt]) -> list[str]:
    """Every name the statements bind in their own scope, in order of first binding.

    Follows ``if``/``for``/``while``/``with``/``try``/``match`` blocks, counts ``for`` and
    ``with ... as`` targets, walrus expressions, starred unpacking, imports and classes and
    functions by name; does not enter function or class bodies.

    Examples
    --------
    >>> bound_names(ast.parse("if True:\\n    a = 1\\nfor b in []: pass\\n*c, d = 1, 2").body)
    ['a', 'b', 'c', 'd']
    >>> bound_names(ast.parse("import numpy as np\\nclass K: x = 1\\n(e := 3)").body)
    ['np', 'K', 'e']
    """
    names: list[str] = []
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"]
            continue
        if isinstance(node, ast.Assign):
            names += [n for target in node.targets for n in _target_names(target)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            names += _target_names(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            names += _target_names(node.target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    names += _target_names(item.optional_vars)
        for field in ("value", "test", "iter", "subject", "items", "targets", "target"):
            part = getattr(node, field, None)
            for piece in part if isinstance(part, list) else [part]:
                if isinstance(piece, ast.AST):
                    names += _walrus_names(piece)
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            for handler in node.handlers:
                if handler.name:
                    names.append(handler.name)
                names += bound_names(handler.body)
        if hasattr(ast, "Match") and isinstance(node, ast.Match):
            for case in node.cases:
                names += [
                    n.name
                    for n in ast.walk(case.pattern)
                    if isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name
                ]
                names += bound_names(case.body)
        for block in ("body", "orelse", "finalbody"):
            names += bound_names(getattr(node, block, None) or [])
    return list(dict.fromkeys(names))


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


def python_source(source: str) -> str:
    """The cell's source with IPython syntax made plain Python, lines kept in place.

    A first line ``%%time`` (any cell magic) goes; ``%time x = 1`` keeps its statement; other
    line magics and ``!shell`` lines become ``pass``.

    Examples
    --------
    >>> print(python_source("%%time\\n%time x = 1\\n!ls"))
    <BLANKLINE>
    x = 1
    pass
    """
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = ""
    out = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        magic = re.match(r"%{1,2}(time|timeit|prun|capture)\b(\s+-\S+)*\s+(?=\S)", stripped)
        if magic:
            line = indent + stripped[magic.end() :]
        elif stripped.startswith(("%", "!")):
            line = indent + "pass"
        out.append(line)
    return "\n".join(out)


def stub_for_code(source: str) -> str:
    """The student's version of a solution code cell (runs without error, answers nothing).

    Every name the solution binds becomes ``name = ...``; a function keeps its signature and
    docstring and raises ``NotImplementedError``; imports stay (they are tools, not answers).

    Examples
    --------
    >>> print(stub_for_code("import math\\nx = math.pi\\nanswer = x * 2"))
    # YOUR ANSWER HERE: replace ... with your answer
    import math
    x = ...
    answer = ...
    """
    python = python_source(source)
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return ANSWER_MARK
    lines = python.splitlines()
    out: list[str] = []
    has_function = False
    seen: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            has_function = True
            seen.add(node.name)
            out += _function_stub(node, lines)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(ast.unparse(node))
            seen.update(bound_names([node]))
        else:
            for name in bound_names([node]):
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
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        cell["metadata"].pop("execution", None)
        if "tags" in cell["metadata"]:
            cell["metadata"]["tags"] = cell_tags(cell)
    if solutions:
        student.cells.insert(0, nbformat.v4.new_markdown_cell(BANNER))
        # Cell ids exist from nbformat 4.5 on; nbformat gives the new cell a random id: fix it,
        # or drop it for an older notebook, where an id makes the file invalid.
        if (student.nbformat, student.nbformat_minor) >= (4, 5):
            student.cells[0]["id"] = "student-edition-banner"
        else:
            student.cells[0].pop("id", None)
    return student, solutions


class InvalidNotebook(ValueError):
    """A notebook the edition cannot be made from; the message names the file and the cell."""


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """Read a notebook, repairing what a hand edit often leaves: ``(notebook, notes)``.

    A cell whose ``metadata`` is null or not an object gets ``{}`` (one note per cell, naming
    it). Anything else that makes the notebook invalid raises :class:`InvalidNotebook` naming
    the file and, where the schema says which, the cell.
    """
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidNotebook(f"{path}: not a readable notebook ({exc})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise InvalidNotebook(f"{path}: not a notebook (no list of cells)")
    notes = []
    for index, cell in enumerate(cells):
        if isinstance(cell, dict) and not isinstance(cell.get("metadata"), dict):
            notes.append(
                f"{path.name}: {_cell_name(cells, index)}: metadata was "
                f"{json.dumps(cell.get('metadata'))}; written as {{}}"
            )
            cell["metadata"] = {}
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        where = list(getattr(exc, "absolute_path", []) or [])
        place = _cell_name(cells, where[1]) if where[:1] == ["cells"] and len(where) > 1 else ""
        text = str(getattr(exc, "message", exc)).splitlines()[0]
        raise InvalidNotebook(f"{path}: {place + ': ' if place else ''}{text}") from None
    return nb, notes


def _cell_name(cells: list, index: object) -> str:
    """``cell 3 (id 'ex09-04')``: how messages name a cell."""
    if not isinstance(index, int) or not 0 <= index < len(cells):
        return f"cell {index}"
    cell = cells[index]
    cell_id = cell.get("id") if isinstance(cell, dict) else None
    return f"cell {index}" + (f" (id {cell_id!r})" if cell_id else "")


def write_student_edition(
    sources: list[Path],
    out: Path,
    *,
    keep_details: bool = True,
    keep_existing: bool = False,
    replace: bool = False,
) -> list[tuple[Path, int]]:
    """Write every notebook's student edition into ``out``; return ``[(path, solutions)]``.

    With ``keep_existing`` a notebook already in ``out`` (a student's work) is left alone. With
    ``replace`` ``out`` is the tool's own folder (``make student-site``): a notebook in it that
    is not among ``sources`` is deleted, so it holds exactly the edition. Never use it on a
    student's folder.
    """
    if keep_existing and replace:
        raise ValueError(
            "keep_existing (a student's folder) and replace (the tool's own) exclude each other"
        )
    out.mkdir(parents=True, exist_ok=True)
    if replace:
        wanted = {path.name for path in sources}
        for stale in out.glob("*.ipynb"):
            if stale.name not in wanted:
                stale.unlink()
        shutil.rmtree(out / ".ipynb_checkpoints", ignore_errors=True)
    written = []
    for path in sources:
        target = out / path.name
        if keep_existing and target.exists():
            continue
        nb, notes = read_notebook(path)
        for note in notes:
            print(f"warning: {note}", file=sys.stderr)
        student, solutions = student_notebook(nb, keep_details=keep_details)
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
    parser.add_argument(
        "--keep-existing",
        action="store_true",
        help="leave notebooks already in --out alone (a student's work; make student-lab)",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="--out is this tool's own folder: delete notebooks in it that are not sources",
    )
    args = parser.parse_args(argv)
    if args.replace and args.keep_existing:
        parser.error("--replace and --keep-existing exclude each other")
    sources = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    try:
        written = write_student_edition(
            sources,
            args.out,
            keep_details=not args.no_details,
            keep_existing=args.keep_existing,
            replace=args.replace,
        )
    except InvalidNotebook as exc:
        print(f"make_student: {exc}", file=sys.stderr)
        return 2
    total = sum(n for _, n in written)
    for path, solutions in written:
        print(f"{path}: {solutions} solution cell(s) stubbed")
    print(f"Student edition: {len(written)} notebooks, {total} solutions stubbed, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
