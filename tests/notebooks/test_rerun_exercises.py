"""Readers re-run cells out of order: each exercise must still run, and still pass, afterwards.

One kernel per notebook runs every cell top to bottom, then re-runs each exercise's cells
(setup, solution, check, in the order they stand), from the last exercise back to the first,
as a reader scrolling back up would. Every check must still pass. Throughout, a probe after
each cell records the kind of every name in the notebook's namespace: no chapter may rebind a
name to another kind of value (``host_hz`` an int, later a SymPy symbol), because a reader who
re-runs an earlier cell then gets an error, or a wrong answer, that the notebook never shows.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from nbclient import NotebookClient

from ..conftest import NOTEBOOKS, notebook_paths

PROBE_SOURCE = """
import numbers
import types

seen = {}
changes = []


def kind(value):
    # Coarse on purpose: an int that later holds a Fraction is still an exact number; an int
    # that becomes a float, a SymPy symbol or a list is another kind.
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, numbers.Rational):
        return "exact number"
    if isinstance(value, types.ModuleType):
        return "module"
    if isinstance(value, (types.FunctionType, type, types.BuiltinFunctionType)):
        return f"{type(value).__name__} from {getattr(value, '__module__', '?')}"
    return f"{type(value).__module__}.{type(value).__qualname__}"


def record(cell):
    shell = get_ipython()
    hidden = shell.user_ns_hidden
    for name, value in list(shell.user_ns.items()):
        if name.startswith("_") or name in hidden or name in ("In", "Out", "exit", "quit"):
            continue
        now = kind(value)
        before = seen.get(name)
        if before is not None and before[0] != now:
            changes.append(f"{name}: {before[0]} (cell {before[1]}) -> {now} (cell {cell})")
        seen[name] = (now, cell)
    if changes:
        raise AssertionError("a name changed kind: " + "; ".join(changes))
"""

PROBE_MODULE = f"""
import sys as _sys
import types as _types

_probe = _types.ModuleType("_kind_probe")
_probe.get_ipython = get_ipython
exec({PROBE_SOURCE!r}, _probe.__dict__)
_sys.modules["_kind_probe"] = _probe
del _probe, _sys, _types
"""

EXERCISE_HEADING = re.compile(r"^#{2,3} Exercise (\d\d\.\d+)", flags=re.M)
ANY_HEADING = re.compile(r"^#{1,3} ", flags=re.M)


def exercise_spans(nb) -> list[tuple[str, list[int]]]:
    """``[(exercise id, indices of its code cells)]``, in notebook order."""
    spans: list[tuple[str, list[int]]] = []
    current: list[int] | None = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            match = EXERCISE_HEADING.search(cell.source)
            if match:
                current = []
                spans.append((match.group(1), current))
            elif ANY_HEADING.search(cell.source):
                current = None
        elif cell.cell_type == "code" and current is not None:
            current.append(index)
    return spans


def asserting_check(source: str) -> str:
    """A check cell's source with its result asserted: ``assert result.passed``."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    if not (isinstance(last, ast.Expr) and "check" in ast.unparse(last.value)):
        return source
    head = source.splitlines()[: last.lineno - 1]
    return "\n".join(
        [
            *head,
            f"__rerun_result = {ast.unparse(last.value)}",
            "assert __rerun_result.passed, str(__rerun_result)",
        ]
    )


def is_solution(cell) -> bool:
    return "solution" in (cell.get("metadata", {}).get("tags") or [])


def probe(cell_label: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(f"__import__('_kind_probe').record({cell_label!r})")


def with_reruns(nb) -> nbformat.NotebookNode:
    """The notebook, a probe after each code cell, then each exercise re-run, last first."""
    cells = [nbformat.v4.new_code_cell(PROBE_MODULE)]
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == "code":
            cells.append(probe(cell.get("id", "?")))
    for exercise, indices in reversed(exercise_spans(nb)):
        for before, index in zip([None, *indices], indices, strict=False):
            original = nb.cells[index]
            after_solution = before is not None and is_solution(nb.cells[before])
            source = asserting_check(original.source) if after_solution else original.source
            cells.append(nbformat.v4.new_code_cell(source))
            cells.append(probe(f"{original.get('id', '?')}, re-run for {exercise}"))
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = cells
    for number, cell in enumerate(out.cells):
        cell["id"] = f"rerun-{number}"
    return out


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_cells_rerun_out_of_order_and_no_name_changes_kind(path):
    nb = nbformat.read(path, as_version=4)
    extended = with_reruns(nb)
    client = NotebookClient(
        extended,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError naming the cell and the error
    if any(is_solution(cell) for cell in nb.cells):
        assert exercise_spans(nb), f"{path.name} has solutions but no exercise headings"


def test_the_rerun_harness_sees_the_old_hazard_of_notebook_09():
    """The old 09.9 setup rebound host_hz to a SymPy symbol: the probe must refuse that."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Exercise 99.1: a number"),
        nbformat.v4.new_code_cell("host_hz = 2_500_000_000"),
        nbformat.v4.new_markdown_cell("## Exercise 99.2: a symbol"),
        nbformat.v4.new_code_cell('import sympy as sp\nhost_hz = sp.Symbol("host_hz")'),
    ]
    client = NotebookClient(with_reruns(nb), timeout=60, kernel_name="python3")
    with pytest.raises(Exception, match="host_hz: exact number"):
        client.execute()


def test_exercise_spans_and_check_assertions():
    nb = nbformat.read(NOTEBOOKS / "10-exercises-migration.ipynb", as_version=4)
    spans = dict(exercise_spans(nb))
    from tsccourse.exercises import exercises

    assert list(spans) == [e.id for e in exercises("10-exercises-migration.ipynb")]
    assert all(spans.values())
    assert asserting_check("x = 1\ncheck.tsc_delta(x)").endswith(
        "assert __rerun_result.passed, str(__rerun_result)"
    )
