"""The package's maps cannot go stale: every module is named in its package's docstring.

``tscmath/__init__.py``'s docstring is the first file a newcomer reads: a table of the core
modules, the shared ones and the subpackages. Each subpackage's ``__init__`` docstring is the
same kind of table for its own modules. A module added, renamed or removed without its line in
the map fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ..conftest import ROOT

PACKAGE = ROOT / "tscmath"
COURSE = ROOT / "tsccourse"


def members(package: Path) -> list[str]:
    """Names of the modules and subpackages directly inside ``package`` (private ones too)."""
    found = []
    for path in sorted(package.iterdir()):
        if path.name.startswith(("__", ".")):
            continue
        if path.is_dir() and (path / "__init__.py").exists():
            found.append(path.name)
        elif path.suffix == ".py":
            found.append(path.stem)
    return found


def map_of(package: Path) -> str:
    """The docstring of the package's ``__init__.py``."""
    return ast.get_docstring(ast.parse((package / "__init__.py").read_text("utf-8"))) or ""


def package_and_subpackages(top: Path) -> list[Path]:
    """``top`` and its subpackages, each with an ``__init__`` that maps it."""
    return [top, *(p for p in sorted(top.iterdir()) if (p / "__init__.py").exists())]


PACKAGES = package_and_subpackages(PACKAGE) + package_and_subpackages(COURSE)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_module_is_named_in_its_package_map(package):
    doc = map_of(package)
    missing = [name for name in members(package) if f"``{name}``" not in doc]
    assert not missing, f"{package.name}/__init__.py's docstring does not name {missing}"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_map_names_no_module_that_is_gone(package):
    listed = re.findall(r"^``(\w+)``\s{2,}\S", map_of(package), flags=re.MULTILINE)
    assert listed, f"{package.name}/__init__.py's docstring has no table of modules"
    gone = sorted(set(listed) - set(members(package)))
    assert not gone, f"{package.name}/__init__.py's map lists modules that do not exist: {gone}"


def test_the_top_level_map_names_every_subpackage():
    for top in (PACKAGE, COURSE):
        subpackages = [p.name for p in package_and_subpackages(top)[1:]]
        assert subpackages, f"no subpackages found in {top.name}"
        doc = map_of(top)
        assert all(f"``{name}``" in doc for name in subpackages)
