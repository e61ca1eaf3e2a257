"""The static site's live parts: Pyodide, a tscmath wheel and the page script (``make site``).

Called by ``tools/build_site.py`` (one line) before Sphinx runs. It fills ``build/site-live``
(``site/conf.py`` lists it in ``html_static_path``, so it lands in ``_static/offline/``):

* ``offline/pyodide/``: Pyodide's interpreter and standard library from the npm package
  ``pyodide`` pinned in ``site/package.json`` (``npm ci`` when it is missing): the page
  loads Python from the site itself, never from a CDN;
* ``offline/live/tscmath-<version>-py3-none-any.whl``: a pure-Python wheel of this tree's
  ``tscmath``, built with ``pip wheel --no-deps --no-build-isolation`` (offline), rebuilt
  only when ``tscmath/`` or ``pyproject.toml`` changed;
* ``offline/live/``: the page scripts from ``site/live/`` (``live.js`` starts the one Web
  Worker of a page, ``worker.js`` runs Pyodide in it, ``playground.js`` and ``exercises.js``
  drive the chapter 07 apps and the exercise editors), ``editor.js``: CodeMirror 6 bundled by
  esbuild (both pinned in ``site/package.json``), and ``manifest.json`` naming the wheels;
* ``offline/live/pypi/``: the pure-Python wheels of SymPy and mpmath at the versions of
  ``requirements.txt``, downloaded once with ``pip download`` (cached in
  ``build/site-pypi``): the exercises that use SymPy run offline too.

The course wheel leaves out ``tsccourse/exercises/answers.py`` (every expected answer, for
the leak tests): the site serves the checkers, never a list of answers.

Folders whose name is not ``_static``'s own are not injected as script tags by the theme
(see ``notebook-stack.md``); the page script is loaded by the chapter's own HTML.

Usage: ``python tools/site_pyodide.py`` stages the files and prints where.
"""

from __future__ import annotations

import gzip
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
PYPI_CACHE = ROOT / "build" / "site-pypi"
EDITOR_CACHE = ROOT / "build" / "site-editor"
SNAPSHOT_CACHE = ROOT / "build" / "site-snapshot"
PAGE_SCRIPTS = ("live.js", "worker.js", "playground.js", "exercises.js")
# (snapshot.mjs and editor.js in site/live/ are build scripts: run by node, bundled by esbuild)
"""The page scripts copied from ``site/live/`` as they are."""
PYPI_WHEELS = ("sympy", "mpmath")
"""Pure-Python wheels the exercises need (SymPy for 09.9), pinned by ``requirements.txt``."""
NOT_SERVED = ("tsccourse/exercises/answers.py",)
"""Left out of the site's wheel: the list of every expected answer (for the leak tests)."""

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


NPM_PACKAGES = ("pyodide", "esbuild", "codemirror", "@codemirror/lang-python")
"""The npm packages of the live parts (versions locked in ``site/package-lock.json``)."""


def _locked(name: str) -> str:
    lock = json.loads((SITE / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{name}"]["version"]


def pinned_pyodide_version() -> str:
    """The ``pyodide`` version locked in ``site/package-lock.json``."""
    return _locked("pyodide")


def ensure_pyodide() -> Path:
    """``site/node_modules`` holding :data:`NPM_PACKAGES` as locked (else ``npm ci``); Pyodide."""
    for name in NPM_PACKAGES:
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text())["version"] != _locked(name):
            break
    else:
        return NODE_MODULES / "pyodide"
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "site_pyodide: npm is needed once to fetch Pyodide and CodeMirror (apt install npm)"
        )
    _log("npm ci (site/package-lock.json) ...")
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    subprocess.run(command, cwd=SITE, check=True)
    return NODE_MODULES / "pyodide"


# The wheel holds both packages: tscmath (the arithmetic) and tsccourse (the playground page).
PACKAGES = ("tscmath", "tsccourse")


def source_digest() -> str:
    """Hash of what the wheel is built from (both packages' ``*.py`` and ``pyproject.toml``)."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + repr(NOT_SERVED).encode())
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
        for rel in NOT_SERVED:
            (src / rel).unlink(missing_ok=True)
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


def pinned_requirements(names: tuple[str, ...] = PYPI_WHEELS) -> dict[str, str]:
    """``{name: version}`` of ``names`` as ``requirements.txt`` pins them."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, _, version = line.split("#")[0].strip().partition("==")
        if name.lower() in names:
            pins[name.lower()] = version.split(";")[0].strip()
    missing = set(names) - set(pins)
    if missing:
        sys.exit(f"site_pyodide: requirements.txt pins no {sorted(missing)}")
    return pins


def pypi_wheels(cache: Path = PYPI_CACHE) -> list[Path]:
    """The pure-Python wheels of :data:`PYPI_WHEELS` (``pip download``, cached); their paths."""
    pins = pinned_requirements()
    wanted = [f"{name}=={version}" for name, version in sorted(pins.items())]
    found = []
    for name, version in sorted(pins.items()):
        found += sorted(cache.glob(f"{name}-{version}-py3-none-any.whl"))
    if len(found) == len(pins):
        return found
    _log(f"pip download {' '.join(wanted)} (pure-Python wheels, once) ...")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    command += ["--no-deps", "--only-binary=:all:", "--python-version", "3.13"]
    command += ["--platform", "any", "-d", str(cache), *wanted]
    subprocess.run(command, check=True)
    found = []
    for name, version in sorted(pins.items()):
        found += sorted(cache.glob(f"{name}-{version}-py3-none-any.whl"))
    if len(found) != len(pins):
        sys.exit(f"site_pyodide: expected pure-Python wheels of {wanted}, got {found}")
    return found


def bundle_editor(cache: Path = EDITOR_CACHE) -> Path:
    """CodeMirror 6 and its Python mode bundled by esbuild into one script (cached)."""
    source = SITE / "live" / "editor.js"
    lock = SITE / "package-lock.json"
    key = hashlib.sha256(source.read_bytes() + lock.read_bytes()).hexdigest()[:16]
    out = cache / key / "editor.js"
    if out.exists():
        return out
    ensure_pyodide()  # npm ci installs esbuild and CodeMirror with the rest of the lock
    esbuild = NODE_MODULES / ".bin" / "esbuild"
    _log("bundling the code editor (CodeMirror 6, esbuild) ...")
    if cache.exists():
        shutil.rmtree(cache)
    out.parent.mkdir(parents=True)
    command = [str(esbuild), str(source), "--bundle", "--minify", "--format=iife"]
    command += ["--target=es2020", "--legal-comments=eof", f"--outfile={out}"]
    subprocess.run(command, cwd=SITE, check=True)
    return out


def make_snapshot(wheel: Path, cache: Path = SNAPSHOT_CACHE) -> Path | None:
    """A gzip-compressed memory snapshot of Pyodide with the course code imported (cached).

    ``site/live/snapshot.mjs`` (node) starts Pyodide, unpacks ``wheel``, imports what the
    page calls and saves the interpreter's memory; the page's worker starts from it (about
    0.5 s instead of Python's whole start-up and the imports). Keyed by the wheel, the
    Pyodide version and the script. None (the worker then starts Python itself) without node.
    """
    script = SITE / "live" / "snapshot.mjs"
    digest = hashlib.sha256(wheel.read_bytes() + script.read_bytes())
    digest.update(pinned_pyodide_version().encode())
    key = digest.hexdigest()[:16]
    out = cache / f"snapshot-{key}.bin.gz"
    if out.exists():
        return out
    node = shutil.which("node")
    if node is None:
        _log("no node: the site has no Python snapshot (pages start Python themselves)")
        return None
    _log("making the Python memory snapshot (node, Pyodide) ...")
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    raw = cache / "snapshot.bin"
    subprocess.run([node, str(script), str(ensure_pyodide()), str(wheel), str(raw)], check=True)
    with raw.open("rb") as src, gzip.open(out, "wb", compresslevel=6) as dest:
        shutil.copyfileobj(src, dest)
    raw.unlink()
    return out


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
    for name in PAGE_SCRIPTS:
        wanted[Path("offline", "live", name)] = SITE / "live" / name
    wanted[Path("offline", "live", "editor.js")] = bundle_editor()
    extra = {}
    for path in pypi_wheels():
        wanted[Path("offline", "live", "pypi", path.name)] = path
        extra[path.name.split("-")[0].lower()] = f"pypi/{path.name}"
    snapshot = make_snapshot(wheel)
    manifest = {
        "wheel": wheel.name,
        "version": wheel.parent.name,  # the source digest: the browser's cache keys on it
        "pyodide": pinned_pyodide_version(),
        "packages": extra,
    }
    if snapshot is not None:
        wanted[Path("offline", "live", snapshot.name)] = snapshot
        manifest["snapshot"] = snapshot.name
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
