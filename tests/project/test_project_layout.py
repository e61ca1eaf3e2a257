"""The project's shape: dependency lists agree, notebooks are stored clean, import stays light."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from ..conftest import ROOT, notebook_paths

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib


def _name(requirement: str) -> str:
    """Canonical distribution name of a requirement string ('ipywidgets>=8' -> 'ipywidgets')."""
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_dependencies() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {_name(r) for r in data["project"]["dependencies"]}


def _environment_yml_dependencies() -> tuple[set[str], list[str]]:
    """Conda dependency names (without python and pip) and the pip sub-list of environment.yml."""
    names: set[str] = set()
    pip_items: list[str] = []
    in_deps = in_pip = False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith(" "):
            in_deps = line.startswith("dependencies:")
            in_pip = False
            continue
        if not in_deps:
            continue
        item = line.strip().removeprefix("- ").strip()
        if item == "pip:":
            in_pip = True
        elif in_pip and raw.startswith("      "):
            pip_items.append(item)
        else:
            in_pip = False
            name = _name(item.replace("=", "==", 1) if "==" not in item else item)
            if name not in {"python", "pip"}:
                names.add(name)
    return names, pip_items


def test_environment_yml_names_the_pyproject_dependencies():
    conda_names, pip_items = _environment_yml_dependencies()
    assert conda_names == _pyproject_dependencies()
    assert "-e ." in pip_items, "environment.yml must install the package itself through pip"


def test_environment_yml_pins_match_the_lock():
    lock = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            lock[_name(name)] = version.strip()
    text = (ROOT / "environment.yml").read_text()
    pins = dict(re.findall(r"^\s+- ([a-zA-Z0-9_.-]+)=([0-9][^\s#]*)", text, flags=re.M))
    assert pins, "environment.yml pins no versions"
    for name, version in pins.items():
        assert lock.get(_name(name)) == version, (
            f"{name}={version} but requirements.txt has {lock.get(_name(name))}"
        )


def test_every_pyproject_dependency_is_pinned_in_the_lock():
    lock_names = {
        _name(line) for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line
    }
    assert _pyproject_dependencies() <= lock_names


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {index} has stored outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} has a count"


def test_import_tscmath_is_light():
    code = (
        "import sys, time; t = time.process_time(); import tscmath; "
        "dt = time.process_time() - t; "
        "heavy = [m for m in ('numpy', 'sympy', 'matplotlib', 'ipywidgets') if m in sys.modules]; "
        "print(dt, ','.join(heavy))"
    )
    # CPU time, best of three fresh interpreters: robust to a loaded machine and a cold cache.
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(3)
    ]
    seconds = min(float(r.stdout.split()[0]) for r in runs)
    heavy = runs[0].stdout.split()[1:]
    assert heavy == [], f"import tscmath pulled in {heavy}"
    assert seconds <= 0.150, f"import tscmath took {seconds * 1000:.0f} ms"


def _make_targets() -> dict[str, str]:
    """``{target: its ## description}`` for every target line of the Makefile ('' if none)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")  # joined lines
    phony = re.search(r"^\.PHONY:(.*)$", text, flags=re.MULTILINE).group(1).split()
    found = {}
    for name in phony:
        line = re.search(rf"^{name}:.*$", text, flags=re.MULTILINE)
        assert line, f"{name} is in .PHONY but has no rule"
        found[name] = line.group(0).split("##", 1)[1].strip() if "##" in line.group(0) else ""
    return found


def test_make_help_describes_every_target():
    targets = _make_targets()
    assert {"help", "lab", "check", "test", "site"} <= set(targets)
    undocumented = [name for name, text in targets.items() if not text]
    assert not undocumented, f"targets without a '## description' for make help: {undocumented}"


def test_license_is_mit_as_the_readme_and_pyproject_say():
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Virtualizing Time contributors" in licence
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
