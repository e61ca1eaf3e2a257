"""The static site's live parts: Pyodide, a tscmath wheel and the page script (``make site``).

Called by ``tools/build_site.py`` (one line) before Sphinx runs. It fills ``build/site-live``
(``site/conf.py`` lists it in ``html_static_path``, so it lands in ``_static/offline/``):

* ``offline/pyodide/``: Pyodide's interpreter and standard library from the npm package
  ``pyodide`` pinned in ``site/package.json`` (``npm ci`` when it is missing): the page
  loads Python from the site itself, never from a CDN;
* ``offline/live/tscmath-<version>-py3-none-any.whl``: a pure-Python wheel of this tree's
  ``tscmath``, built with ``pip wheel --no-deps --no-build-isolation`` (offline), rebuilt
  only when ``tscmath/`` or ``pyproject.toml`` changed;
* ``offline/live/playground.js`` (from ``site/live/``) and ``manifest.json`` naming the wheel.

Folders whose name is not ``_static``'s own are not injected as script tags by the theme
(see ``notebook-stack.md``); the page script is loaded by the chapter's own HTML.

Usage: ``python tools/site_pyodide.py`` stages the files and prints where.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
NODE_MODULES = SITE / "node_modules"
LIVE = ROOT / "build" / "site-live"
"""Static folder of the live parts (``html_static_path`` in ``site/conf.py``)."""
WHEEL_CACHE = ROOT / "build" / "site-wheel"

PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
    "package.json",
)
"""What ``loadPyodide`` fetches from its ``indexURL`` (interpreter and standard library)."""


def _log(message: str) -> None:
    print(f"[site_pyodide] {message}", flush=True)


def pinned_pyodide_version() -> str:
    """The ``pyodide`` version locked in ``site/package-lock.json``."""
    lock = json.loads((SITE / "package-lock.json").read_text())
    return lock["packages"]["node_modules/pyodide"]["version"]


def ensure_pyodide() -> Path:
    """``site/node_modules/pyodide`` at the pinned version (``npm ci`` if not); its folder."""
    folder = NODE_MODULES / "pyodide"
    manifest = folder / "package.json"
    wanted = pinned_pyodide_version()
    if not manifest.exists() or json.loads(manifest.read_text())["version"] != wanted:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("site_pyodide: npm is needed once to fetch Pyodide (apt install npm)")
        _log(f"npm ci (pyodide {wanted}) ...")
        command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
        subprocess.run(command, cwd=SITE, check=True)
    return folder


# The wheel holds both packages: tscmath (the arithmetic) and tsccourse (the playground page).
PACKAGES = ("tscmath", "tsccourse")


def source_digest() -> str:
    """Hash of what the wheel is built from (both packages' ``*.py`` and ``pyproject.toml``)."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def build_wheel(cache: Path = WHEEL_CACHE) -> Path:
    """A pure-Python wheel of ``tscmath`` (cached by :func:`source_digest`); its path."""
    folder = cache / source_digest()
    found = sorted(folder.glob("tscmath-*-py3-none-any.whl"))
    if found:
        return found[0]
    _log("building the tscmath wheel (pip wheel --no-deps --no-build-isolation) ...")
    with tempfile.TemporaryDirectory() as tmp:
        # Build from a copy: setuptools writes build/ and *.egg-info next to its sources.
        src = Path(tmp) / "src"
        src.mkdir()
        shutil.copy2(ROOT / "pyproject.toml", src / "pyproject.toml")
        shutil.copy2(ROOT / "README.md", src / "README.md")
        for package in PACKAGES:
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / package, src / package, ignore=ignore)
        out = Path(tmp) / "dist"
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check"]
        command += ["--no-deps", "--no-build-isolation", "--no-cache-dir", "-w", str(out), str(src)]
        subprocess.run(command, check=True)
        wheels = sorted(out.glob("tscmath-*-py3-none-any.whl"))
        if len(wheels) != 1:
            sys.exit(f"site_pyodide: expected one pure-Python tscmath wheel, got {wheels}")
        if cache.exists():
            shutil.rmtree(cache)  # keep only the current wheel
        folder.mkdir(parents=True)
        return Path(shutil.copy2(wheels[0], folder / wheels[0].name))


def _copy_if_changed(src: Path, dest: Path) -> None:
    if dest.exists() and dest.stat().st_size == src.stat().st_size:
        if dest.read_bytes() == src.read_bytes():
            return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def stage(live: Path = LIVE) -> Path:
    """Fill ``live`` with Pyodide, the wheel, the page script and its manifest; return it."""
    pyodide = ensure_pyodide()
    wheel = build_wheel()
    wanted: dict[Path, Path | bytes] = {
        Path("offline", "pyodide", name): pyodide / name for name in PYODIDE_FILES
    }
    wanted[Path("offline", "live", wheel.name)] = wheel
    wanted[Path("offline", "live", "playground.js")] = SITE / "live" / "playground.js"
    manifest = {"wheel": wheel.name, "pyodide": pinned_pyodide_version()}
    wanted[Path("offline", "live", "manifest.json")] = (json.dumps(manifest) + "\n").encode()
    for rel, content in wanted.items():
        dest = live / rel
        if isinstance(content, Path):
            _copy_if_changed(content, dest)
        elif not dest.exists() or dest.read_bytes() != content:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(content)
    for path in sorted(live.rglob("*"), reverse=True):  # drop what is no longer wanted
        if path.is_file() and path.relative_to(live) not in wanted:
            path.unlink()
    return live


if __name__ == "__main__":
    _log(f"staged {stage()}")
