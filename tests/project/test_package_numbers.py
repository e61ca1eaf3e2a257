"""``tscmath`` stays small: the math the chapters teach, beside ``tsccourse`` (issue 21).

The numbers are read from the source files (no import), so a test names the file to look at:
at most :data:`MAX_LINES` lines of Python in ``tscmath``, :data:`MAX_ERRORS_LINES` in
``errors.py`` (the errors and a few checks, not a runtime type checker), at most
:data:`MAX_PUBLIC_NAMES` names across its ``__all__`` lists, and no module of it importing
what runs the course (notebook execution, widgets, processes, file locks).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ..conftest import ROOT

PACKAGE = ROOT / "tscmath"
MAX_LINES = 6_000
MAX_ERRORS_LINES = 150
MAX_PUBLIC_NAMES = 200
FORBIDDEN = {
    "nbclient",
    "nbformat",
    "ipywidgets",
    "IPython",
    "multiprocessing",
    "subprocess",
    "fcntl",
    "mmap",
}
"""Top-level modules no module of ``tscmath`` may import (at module level or inside a function)."""

MODULES = sorted(PACKAGE.rglob("*.py"))


def _lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


def _all_names(path: Path) -> list[str]:
    """The names of the module's ``__all__`` (a literal list or tuple), or none."""
    for node in ast.parse(path.read_text("utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "__all__" and node.value is not None:
            return list(ast.literal_eval(node.value))
    return []


def _imported(path: Path) -> set[str]:
    """Top-level names of every absolute import in the module (relative ones stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_tscmath_is_at_most_6000_lines():
    total = sum(_lines(p) for p in MODULES)
    biggest = sorted(MODULES, key=_lines, reverse=True)[:3]
    shown = ", ".join(f"{p.relative_to(ROOT)} {_lines(p)}" for p in biggest)
    assert total <= MAX_LINES, f"tscmath has {total} lines of Python (largest: {shown})"


def test_errors_is_a_small_module():
    assert _lines(PACKAGE / "errors.py") <= MAX_ERRORS_LINES


def test_at_most_200_public_names():
    counts = {p.relative_to(ROOT).as_posix(): len(_all_names(p)) for p in MODULES}
    total = sum(counts.values())
    largest = sorted(counts.items(), key=lambda kv: -kv[1])[:3]
    assert total <= MAX_PUBLIC_NAMES, f"{total} names in tscmath's __all__ lists; {largest}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_imports_what_runs_the_course(path):
    assert not _imported(path) & FORBIDDEN


def test_the_counts_read_what_they_should(tmp_path):
    """The readers themselves, on a module written here."""
    module = tmp_path / "m.py"
    module.write_text(
        '__all__ = ["a", "b"]\n\ndef f():\n    import subprocess.run\n    from . import x\n'
    )
    assert _all_names(module) == ["a", "b"]
    assert _imported(module) == {"subprocess"}
    assert _lines(module) == 5
