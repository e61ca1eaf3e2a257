"""Build the static HTML site of the collection into build/site (run by ``make site``).

The site is plain Sphinx + myst-nb, configured in ``site/conf.py``: the table of contents is
the toctree of ``site/index.md`` and the exercise solutions are folded by their own tags in
the source notebooks (``hide-cell``, with a "Show the solution" prompt in the cell metadata).
This script only does what configuration cannot, each step skipped when already up to date:

1. ``npm ci`` in ``site/`` when ``site/node_modules`` lacks the pinned MathJax, RequireJS or
   ipywidgets HTML manager (``site/package-lock.json``): Sphinx and myst-nb would load them
   from CDNs, and the site must work with no network.
2. Copy the few files the pages load from those packages into ``build/site-assets/offline``
   (served as ``_static/offline``): 14 MB of the packages' 42 MB, where a whole package in
   ``html_static_path`` would ship every MathJax variant; the sub-folder keeps the theme from
   injecting them into every page (``site/conf.py``).
3. Stage ``site/index.md`` and ``notebooks/`` verbatim into ``build/site-src``: Sphinx reads
   one source folder, and ``notebooks/`` (what JupyterLab shows) holds only the chapters.
4. Drop the execution cache when what outputs depend on besides the code cells changed
   (``tscmath``, the lock, the Python): jupyter-cache keys a notebook on its code alone.
5. ``sphinx-build -W --keep-going``: a failing cell or any warning fails the build.
6. Check that no page would load anything from outside the site.

Usage: ``python tools/build_site.py [--out DIR] [--fresh]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
OUT = BUILD / "site"
ASSETS = BUILD / "site-assets"

NODE_MODULES = SITE / "node_modules"
# npm package -> files (globs relative to the package) copied to _static/offline/<name>/.
VENDORED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "mathjax": (
        "mathjax",
        "es5",
        (
            "tex-mml-chtml.js",
            "input/**/*.js",
            "output/chtml.js",
            "output/chtml/**/*",
            "a11y/**/*",
            "ui/**/*",
            "sre/**/*",
            "adaptors/**/*",
        ),
    ),
    "requirejs": ("requirejs", ".", ("require.js",)),
    "@jupyter-widgets/html-manager": (
        "html-manager",
        "dist",
        ("embed-amd.js", "*.woff", "*.woff2", "*.ttf", "*.eot", "*.svg"),
    ),
}
EXECUTION_EPOCH = 2
"""Bump when the way notebooks are executed changes: the next build executes them again."""
KERNEL_CONFIG = """\
# Written by tools/build_site.py: how the site's kernels draw figures (IPYTHONDIR of the build).
# 'retina': PNGs at twice the figure's dpi, shown at its size (sharp on HiDPI screens).
c.InlineBackend.figure_formats = {"retina"}
"""
"""IPython configuration of the kernels that execute the notebooks for the site."""
# sphinx-build, minus a 5 s import: nbformat's validator imports jsonschema, whose format
# checkers import rfc3987_syntax (compiles ~40 grammars at import) only to check "iri"
# strings, a format no notebook schema uses. Marking it absent makes jsonschema skip it.
SPHINX_LAUNCHER = (
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from sphinx.cmd.build import main; sys.exit(main(sys.argv[1:]))"
)


def _log(message: str) -> None:
    print(f"[build_site] {message}", flush=True)


def _locked_versions() -> dict[str, str]:
    lock = json.loads((SITE / "package-lock.json").read_text())
    return {name: lock["packages"][f"node_modules/{name}"]["version"] for name in VENDORED}


def ensure_node_modules() -> None:
    """Run ``npm ci`` in site/ unless the locked versions are already installed."""
    wanted = _locked_versions()
    for name, version in wanted.items():
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text())["version"] != version:
            break
    else:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("build_site: npm is needed once to fetch MathJax/RequireJS (apt install npm)")
    _log("npm ci (site/package-lock.json) ...")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=SITE, check=True)


def _sync_tree(wanted: dict[Path, Path], root: Path) -> None:
    """Make ``root`` hold exactly ``wanted`` (relative path -> source file).

    A file whose size and time stamp already match is left alone, so Sphinx does not read an
    unchanged document again.
    """
    for rel, source in wanted.items():
        dest = root / rel
        stat = source.stat()
        if dest.exists() and (dest.stat().st_size, dest.stat().st_mtime_ns) == (
            stat.st_size,
            stat.st_mtime_ns,
        ):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
    if root.exists():
        for path in sorted(root.rglob("*"), reverse=True):
            rel = path.relative_to(root)
            if path.is_file() and rel not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def stage_assets(assets: Path = ASSETS) -> None:
    """Copy the JavaScript (and its fonts) the pages load into ``assets``/offline."""
    wanted: dict[Path, Path] = {}
    for package, (name, base, patterns) in VENDORED.items():
        pkg_dir = NODE_MODULES / package
        src = pkg_dir / base
        for pattern in patterns:
            for file in src.glob(pattern):
                if file.is_file():
                    wanted[Path("offline", name, file.relative_to(src))] = file
        licence = pkg_dir / "LICENSE"
        if licence.exists():
            wanted[Path("offline", name, "LICENSE")] = licence
    wanted[Path("offline", "widgets-config.js")] = SITE / "widgets-config.js"
    _sync_tree(wanted, assets)


def notebook_paths(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Every notebook of the collection, in chapter order (same rule as tests/conftest.py)."""
    return sorted(notebooks.glob("*.ipynb"))


def stage_documents(notebooks_dir: Path, index: Path, src: Path) -> None:
    """Make ``src`` a verbatim copy of ``index`` (as index.md) and of ``notebooks_dir``.

    Sphinx reads its documents from one folder, while the landing page lives in ``site/`` so
    that ``notebooks/`` (what JupyterLab shows a reader) holds only what a reader opens: the
    chapters, the glossary and the references (Markdown pages, listed in the toctree like the
    chapters), and their figures. Nothing is rewritten on the way: the table of contents is
    the toctree in ``site/index.md`` and the solutions are folded by their own tags
    (``hide-cell``) in the source notebooks.
    """
    wanted: dict[Path, Path] = {Path("index.md"): index}
    for path in notebooks_dir.rglob("*"):
        rel = path.relative_to(notebooks_dir)
        hidden = any(p.startswith(".") or p == "__pycache__" for p in rel.parts)
        if path.is_file() and not hidden:
            wanted[rel] = path
    _sync_tree(wanted, src)


SPHINX_PAGES = frozenset({"genindex", "search"})
"""Pages Sphinx writes that come from no source document."""


def remove_stale_pages(src: Path, out: Path) -> list[Path]:
    """Delete the pages in ``out`` (and their ``_sources`` copies) of documents not in ``src``.

    Sphinx writes a page per document but never deletes the page of a document that went
    away; this runs before it builds, so even a failed build leaves no stale page.
    """
    docs = {
        path.relative_to(src).with_suffix("").as_posix()
        for path in src.rglob("*")
        if path.suffix in (".ipynb", ".md")
    }
    removed = []
    for page in sorted(out.rglob("*.html")) if out.exists() else []:
        rel = page.relative_to(out)
        name = rel.with_suffix("").as_posix()
        if rel.parts[0].startswith("_") or name in docs or name in SPHINX_PAGES:
            continue
        page.unlink()
        removed.append(page)
        for copy in (out / "_sources").glob(f"{name}.*"):
            copy.unlink()
    return removed


def inputs_digest() -> str:
    """Hash of what executed outputs depend on besides the notebooks' code.

    jupyter-cache keys an executed notebook on its code cells only; the outputs also depend
    on tscmath and tsccourse, the pinned packages, the Python and how the kernel runs
    (EXECUTION_EPOCH, KERNEL_CONFIG).
    """
    digest = hashlib.sha256(f"{EXECUTION_EPOCH}\0{sys.version}\0{KERNEL_CONFIG}\0".encode())
    lock = ROOT / "requirements.txt"
    if lock.exists():
        digest.update(lock.read_bytes())
    for package in ("tscmath", "tsccourse"):
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def drop_stale_cache(cache: Path, doctrees: Path, stamp: Path) -> None:
    """Forget executed outputs (cache and doctrees) when :func:`inputs_digest` changed."""
    digest = inputs_digest()
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    if cache.exists() or doctrees.exists():
        _log("tscmath, packages or execution changed: executing every notebook again")
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(doctrees, ignore_errors=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")


def write_kernel_config(folder: Path) -> Path:
    """Make ``folder`` an IPython folder whose kernels use :data:`KERNEL_CONFIG`; return it."""
    config = folder / "profile_default" / "ipython_kernel_config.py"
    if not config.exists() or config.read_text() != KERNEL_CONFIG:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(KERNEL_CONFIG)
    return folder


# A resource the browser would fetch by itself (not a link the reader may follow).
_EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc=[\"']?(?:https?:)?//"
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>"
    r"|@import\s+(?:url\()?[\"']?(?:https?:)?//",
    re.IGNORECASE,
)


def external_resources(out: Path) -> list[str]:
    """Every place in the built pages that would load something from outside the site."""
    found = []
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for match in _EXTERNAL_RESOURCE.finditer(text):
            snippet = text[match.start() : match.start() + 160].split("\n")[0]
            if 'rel="canonical"' not in snippet:
                found.append(f"{page.relative_to(out)}: {snippet}")
    return found


def build(
    out: Path = OUT,
    *,
    notebooks: Path = NOTEBOOKS,
    index: Path = SITE / "index.md",
    fresh: bool = False,
    quiet: bool = False,
) -> Path:
    """Build the site of ``notebooks`` into ``out``; return the path of its landing page.

    ``index`` is the landing page; its toctree must name every notebook (Sphinx warns, and
    the build fails, about a document in no toctree).

    The staging folder, doctrees, execution cache, input stamp and the kernels' IPython folder
    sit beside ``out`` (``<out>-src``, ``<out>-doctrees``, ``<out>-cache``,
    ``<out>-inputs.sha256``, ``<out>-ipython``), so
    ``make site`` and the tests share them when they build the same folder.
    """
    out = out.resolve()
    src, doctrees = out.with_name(out.name + "-src"), out.with_name(out.name + "-doctrees")
    cache, stamp = out.with_name(out.name + "-cache"), out.with_name(out.name + "-inputs.sha256")
    if fresh:
        for path in (out, src, doctrees, cache, stamp, ASSETS):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    ensure_node_modules()
    stage_assets(ASSETS)
    subprocess.run([sys.executable, str(ROOT / "tools" / "site_pyodide.py")], check=True)
    stage_documents(notebooks.resolve(), index.resolve(), src)
    for page in remove_stale_pages(src, out):
        _log(f"removed the stale page {page.relative_to(out)} (its document is gone)")
    drop_stale_cache(cache, doctrees, stamp)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["TSCMATH_SITE_ASSETS"] = str(ASSETS)
    env["TSCMATH_SITE_CACHE"] = str(cache)
    # Live cells ("your machine") say that they ran on the machine that built the page.
    env["VIRTUALIZING_TIME_SITE_BUILD"] = "1"
    # Kernels must use the inline backend (as in JupyterLab), so a Figure shows as a picture,
    # drawn at twice its resolution (KERNEL_CONFIG, in an IPython folder of the build's own).
    env.pop("MPLBACKEND", None)
    env["IPYTHONDIR"] = str(write_kernel_config(out.with_name(out.name + "-ipython")))
    command = [sys.executable, "-c", SPHINX_LAUNCHER, "-b", "html", "-c", str(SITE)]
    command += ["-d", str(doctrees), "-W", "--keep-going", "-j", "1"]
    if quiet:
        command.append("-q")
    command += [str(src), str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"build_site: sphinx-build failed (exit {result.returncode})")
    leaks = external_resources(out)
    if leaks:
        listing = "\n  ".join(leaks)
        raise SystemExit(f"build_site: pages would load from the network:\n  {listing}")
    return out / "index.html"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (build/site)")
    parser.add_argument(
        "--notebooks", type=Path, default=NOTEBOOKS, help="folder of *.ipynb (notebooks/)"
    )
    parser.add_argument(
        "--index", type=Path, default=SITE / "index.md", help="landing page (site/index.md)"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="drop every cache first (a cold build)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build(
        args.out, notebooks=args.notebooks, index=args.index, fresh=args.fresh, quiet=args.quiet
    )
    _log(f"site built in {time.perf_counter() - start:.1f} s: open {index}")


if __name__ == "__main__":
    main()
