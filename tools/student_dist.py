"""Pack the student bundle, a zip a student unpacks and starts with ``make`` (make student-dist).

The repository holds every solution, so students get this zip instead. It holds

* ``notebooks/``: the student edition of every chapter (``tools/make_student.py``: solutions
  replaced by stubs, outputs cleared), with the figures the chapters show;
* ``tscmath/`` and ``tsccourse/``: the course code the notebooks import, with the checkers
  (which compute each expected value when they check: they give feedback offline, so a student
  who reads their code can work an answer out; no file lists the answers);
* ``pyproject.toml``, the runtime locks ``requirements*.txt``, ``tools/lab.py`` and
  ``tools/setup_lab.py``, the licence, and a ``Makefile`` and ``README.md`` of its own:
  ``make`` creates ``.venv/`` (pinned packages, about 370 MB) and opens JupyterLab on
  ``notebooks/``, as ``make lab`` does in the repository.

Not in it: the instructor notebooks, ``tests/`` (with the answer table ``tests/answers.py``),
the other tools, the site and the grader's data. The zip is reproducible: sorted entries, fixed
time stamps.

Usage::

    python tools/student_dist.py [--out build/virtualizing-time-student.zip]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "virtualizing-time-student.zip"
FOLDER = "virtualizing-time-student"
"""The one top-level folder of the zip (what unpacking creates)."""
PACKAGES = ("tscmath", "tsccourse")
FILES = (
    "pyproject.toml",
    "requirements.txt",
    "requirements-py310.txt",
    "LICENSE",
    "tools/lab.py",
    "tools/setup_lab.py",
)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

MAKEFILE = """\
# Virtualizing Time, student edition. `make` sets up .venv/ (the first time) and opens
# the chapters in JupyterLab on 127.0.0.1 (it prints the URL to open); Ctrl-C twice stops it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
PY310  := $(shell $(PYTHON) -c 'import sys; print("-py310" if sys.version_info[:2] == (3, 10) \
else "")' 2>/dev/null)
LOCK   := requirements$(PY310).txt

.DEFAULT_GOAL := lab
.PHONY: lab

$(READY): $(LOCK) pyproject.toml
\t@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 \
is needed (set PYTHON=/path/to/python3.x)")'
\t@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
\t$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r $(LOCK)
\t$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
--no-build-isolation -e .
\t$(BIN)/python tools/setup_lab.py
\t@touch $@

lab: $(READY) ## open the chapters in JupyterLab
\t$(BIN)/python tools/lab.py
"""

README = """\
# Virtualizing Time: student edition

How a hypervisor virtualizes the x86 Time Stamp Counter, in Jupyter notebooks.

## Start

On Linux or macOS with Python >= 3.10 and `make`:

    make

The first time, this creates `.venv/` here and installs the pinned packages (about 370 MB,
from the Python package index); then, and every later time, it opens the chapters in
JupyterLab and prints, in a box, the URL to open in your browser (with its token). Stop it
with Ctrl-C twice.

## Exercises

Each exercise has an answer cell (replace `...`, or write the body of the function) and a
check cell below it: run your answer cell, then the check cell. The check says whether your
answer is right and, for the usual mistakes, what is wrong and where in the chapters to look;
`check.hint("09.2")` gives a hint, one level more each call. Your work is saved in
`notebooks/` like any notebook: hand in the `.ipynb` files your instructor asks for.
"""


def _load_make_student():
    path = ROOT / "tools" / "make_student.py"
    spec = importlib.util.spec_from_file_location("make_student", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stage(folder: Path) -> list[tuple[Path, int]]:
    """Write the bundle's files into ``folder``; return the edition's ``[(notebook, stubs)]``."""
    make_student = _load_make_student()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    written = make_student.write_student_edition(notebooks, folder / "notebooks")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, folder / package, ignore=ignore)
    for name in FILES:
        source = ROOT / name
        if source.exists():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    (folder / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (folder / "README.md").write_text(README, encoding="utf-8")
    return written


def pack(folder: Path, out: Path) -> Path:
    """Zip ``folder`` as ``FOLDER/...`` into ``out``: sorted entries, fixed time stamps."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{FOLDER}/{path.relative_to(folder).as_posix()}", ZIP_TIME)
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    partial.replace(out)  # a failed run leaves no half-written bundle under the real name
    return out


def build(out: Path = DEFAULT_OUT) -> Path:
    """Stage and zip the bundle into ``out``; return its path."""
    with tempfile.TemporaryDirectory(prefix="vt-student-") as tmp:
        folder = Path(tmp) / FOLDER
        written = stage(folder)
        stubs = sum(n for _, n in written)
        print(f"student edition: {len(written)} notebooks, {stubs} solutions stubbed")
        return pack(folder, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    out = build(args.out)
    size_mb = out.stat().st_size / 1e6
    print(f"student bundle: {out} ({size_mb:.1f} MB); unpack it and run `make` in {FOLDER}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
