"""The lean install: make lab installs only the notebooks' runtime; make test / site the rest.

``make -n`` (print, do not run) shows what each target would do from a fresh clone; the locks
are checked for the split: no test, site or nbgrader package in the runtime lock, every extra
of pyproject.toml pinned in a lock, the same split for Python 3.10.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ..conftest import ROOT

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

DEV_ONLY = {"pytest", "ruff", "playwright", "sphinx", "myst-nb", "hypothesis", "nbgrader"}
LOCKS = [
    ("requirements.txt", "requirements-dev.txt"),
    ("requirements-py310.txt", "requirements-dev-py310.txt"),
]


def _name(text: str) -> str:
    return re.split(r"[<>=!~;\[ ]", text.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins(path: str) -> dict[str, str]:
    lines = (ROOT / path).read_text().splitlines()
    return {_name(line): line.split("==", 1)[1] for line in lines if "==" in line}


def _dry_run(target: str, tmp_path) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    run = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout


@pytest.mark.parametrize("target", ["lab", "student-lab", "student", "nbgrader"])
def test_reader_targets_install_only_the_runtime(target, tmp_path):
    commands = _dry_run(target, tmp_path)
    assert "-r requirements" in commands and "requirements-dev" not in commands


@pytest.mark.parametrize("target", ["test", "site", "student-site"])
def test_developer_targets_add_the_rest(target, tmp_path):
    commands = _dry_run(target, tmp_path)
    assert "-r requirements-dev" in commands


def test_student_targets_use_the_student_edition(tmp_path):
    lab = _dry_run("student-lab", tmp_path)
    assert "make_student.py --out build/student --keep-existing" in lab
    assert "lab.py --ServerApp.root_dir=build/student" in lab
    site = _dry_run("student-site", tmp_path)
    assert "make_student.py --out build/student-site-notebooks --replace" in site
    assert "build_site.py --notebooks build/student-site-notebooks --out build/student-site" in site
    assert "build/student " not in site and "build/student/" not in site  # the student's work


@pytest.mark.parametrize("runtime, dev", LOCKS)
def test_runtime_lock_is_lean_and_the_locks_do_not_overlap(runtime, dev):
    lean, rest = _pins(runtime), _pins(dev)
    assert not DEV_ONLY & set(lean), DEV_ONLY & set(lean)
    assert not set(lean) & set(rest), set(lean) & set(rest)
    assert DEV_ONLY <= set(rest)
    assert {"jupyterlab", "numpy", "sympy", "matplotlib", "ipywidgets"} <= set(lean)


def test_every_extra_is_pinned_in_the_dev_lock():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = data["project"]["optional-dependencies"]
    pinned = set(_pins("requirements.txt")) | set(_pins("requirements-dev.txt"))
    for extra, requirements in extras.items():
        for requirement in requirements:
            if not requirement.startswith("tscmath"):
                assert _name(requirement) in pinned, (extra, requirement)
    assert _pins("requirements-dev.txt")["nbgrader"] == "0.9.6"
