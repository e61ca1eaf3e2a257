"""Build the static HTML site of the collection into build/site (run by ``make site``).

Steps, each skipped when its result is already up to date, so an unchanged rebuild is fast:

1. ``npm ci`` in ``site/`` when ``site/node_modules`` lacks the pinned MathJax, RequireJS or
   ipywidgets HTML manager (versions locked in ``site/package-lock.json``).
2. Copy the few files the pages load from those packages into ``build/site-assets/offline``
   (served as ``_static/offline``): the site makes no request outside itself.
3. Stage the documents into ``build/site-src``: the landing page ``site/index.md`` with the
   table of contents of ``notebooks/*.ipynb`` (in file-name order, exercises in their own
   section) and a copy of every notebook, in which cells tagged ``solution`` are folded
   (code cells get ``hide-cell`` and a "Show the solution" prompt; Markdown cells are wrapped
   in a collapsed "Solution" dropdown). The source notebooks are never touched. Files whose
   content did not change keep their time stamp, so Sphinx does not read them again.
4. ``sphinx-build -W --keep-going`` with the configuration in ``site/conf.py``: the notebooks
   are executed through jupyter-cache (``build/site-cache``); a failing cell or any warning
   fails the build. The cache is dropped when ``tscmath``, the lock or the Python changes,
   because outputs depend on them.

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
SOLUTION_TAG = "solution"
EXECUTION_EPOCH = 2
"""Bump when the way notebooks are executed changes: the next build executes them again."""
SOLUTION_PROMPTS = {
    "code_prompt_show": "Show the solution",
    "code_prompt_hide": "Hide the solution",
}
# sphinx-build, minus a 5 s import: nbformat's validator imports jsonschema, whose format
# checkers import rfc3987_syntax (compiles ~40 grammars at import) only to check "iri"
# strings, a format no notebook schema uses. Marking it absent makes jsonschema skip it.
SPHINX_LAUNCHER = (
    "import sys; sys.modules['rfc3987_syntax'] = None; "
    "from sphinx.cmd.build import main; sys.exit(main(sys.argv[1:]))"
)
CHAPTERS_MARKER = "<!-- chapters -->"


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


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless ``path`` already holds it (keeps the time stamp). True if written."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _sync_tree(wanted: dict[Path, bytes | Path], root: Path) -> None:
    """Make ``root`` hold exactly ``wanted`` (relative path -> bytes or source file)."""
    for rel, content in wanted.items():
        dest = root / rel
        if isinstance(content, Path):
            stat = content.stat()
            if dest.exists() and dest.stat().st_size == stat.st_size:
                if dest.stat().st_mtime_ns == stat.st_mtime_ns:
                    continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(content, dest)
        else:
            _write_if_changed(dest, content)
    if root.exists():
        for path in sorted(root.rglob("*"), reverse=True):
            rel = path.relative_to(root)
            if path.is_file() and rel not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def stage_assets(assets: Path = ASSETS) -> None:
    """Copy the JavaScript (and its fonts) the pages load into ``assets``/offline."""
    wanted: dict[Path, bytes | Path] = {}
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


def _fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run inside ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def fold_solutions(nb: dict) -> dict:
    """Fold the cells tagged ``solution`` (in place; returns ``nb``).

    >>> nb = {"cells": [
    ...     {"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["solution"]}},
    ...     {"cell_type": "markdown", "source": "It is `1`.", "metadata": {"tags": ["solution"]}},
    ...     {"cell_type": "markdown", "source": "Question", "metadata": {}}]}
    >>> cells = fold_solutions(nb)["cells"]
    >>> cells[0]["metadata"]["tags"]
    ['solution', 'hide-cell']
    >>> cells[0]["metadata"]["mystnb"]["code_prompt_show"]
    'Show the solution'
    >>> print(cells[1]["source"])
    ```{admonition} Solution
    :class: dropdown
    It is `1`.
    ```
    >>> cells[2]["source"]
    'Question'
    """
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_TAG not in tags:
            continue
        if cell["cell_type"] == "code":
            if "hide-cell" not in tags:
                cell["metadata"]["tags"] = [*tags, "hide-cell"]
            cell["metadata"].setdefault("mystnb", {}).update(SOLUTION_PROMPTS)
        elif cell["cell_type"] == "markdown":
            source = cell["source"]
            text = "".join(source) if isinstance(source, list) else source
            fence = _fence_for(text)
            cell["source"] = (
                f"{fence}{{admonition}} Solution\n:class: dropdown\n{text.rstrip()}\n{fence}"
            )
    return nb


def notebook_paths(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Every notebook of the collection, in chapter order (same rule as tests/conftest.py)."""
    return sorted(notebooks.glob("*.ipynb"))


def toc_markdown(notebooks: list[Path]) -> str:
    """The landing page's tables of contents: chapters, then exercises, in file-name order."""
    exercises = [nb for nb in notebooks if "exercise" in nb.stem.lower()]
    chapters = [nb for nb in notebooks if nb not in exercises]
    parts = []
    for caption, group in (("Chapters", chapters), ("Exercises", exercises)):
        if group:
            entries = "\n".join(nb.stem for nb in group)
            parts.append(f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n{entries}\n```\n")
    return "\n".join(parts)


def stage_documents(notebooks_dir: Path, src: Path) -> None:
    """Write ``src``: the landing page with its TOC and the (folded) notebooks."""
    notebooks = notebook_paths(notebooks_dir)
    index = (SITE / "index.md").read_text(encoding="utf-8")
    if CHAPTERS_MARKER not in index:
        sys.exit(f"build_site: site/index.md lacks the marker {CHAPTERS_MARKER}")
    index = index.replace(CHAPTERS_MARKER, toc_markdown(notebooks))
    wanted: dict[Path, bytes | Path] = {Path("index.md"): index.encode()}
    for path in notebooks:
        nb = fold_solutions(json.loads(path.read_text(encoding="utf-8")))
        wanted[Path(path.name)] = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()
    # Files the notebooks may read or show (images, data), but no other documents.
    for path in notebooks_dir.rglob("*"):
        rel = path.relative_to(notebooks_dir)
        if (
            path.is_file()
            and path.suffix not in {".ipynb", ".md", ".rst"}
            and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts)
        ):
            wanted[rel] = path
    _sync_tree(wanted, src)


def inputs_digest() -> str:
    """Hash of what executed outputs depend on besides the notebooks' code.

    jupyter-cache keys an executed notebook on its code cells only; the outputs also depend
    on tscmath, the pinned packages, the Python and how the kernel is run (EXECUTION_EPOCH).
    """
    digest = hashlib.sha256(f"{EXECUTION_EPOCH}\0{sys.version}\0".encode())
    lock = ROOT / "requirements.txt"
    if lock.exists():
        digest.update(lock.read_bytes())
    for path in sorted((ROOT / "tscmath").rglob("*.py")):
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
    fresh: bool = False,
    quiet: bool = False,
) -> Path:
    """Build the site of ``notebooks`` into ``out``; return the path of its landing page.

    The staging folder, doctrees, execution cache and input stamp sit beside ``out``
    (``<out>-src``, ``<out>-doctrees``, ``<out>-cache``, ``<out>-inputs.sha256``), so
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
    stage_documents(notebooks.resolve(), src)
    drop_stale_cache(cache, doctrees, stamp)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["TSCMATH_SITE_ASSETS"] = str(ASSETS)
    env["TSCMATH_SITE_CACHE"] = str(cache)
    # Kernels must use the inline backend (as in JupyterLab), so a Figure shows as a picture.
    env.pop("MPLBACKEND", None)
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
        "--fresh", action="store_true", help="drop every cache first (a cold build)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build(args.out, notebooks=args.notebooks, fresh=args.fresh, quiet=args.quiet)
    _log(f"site built in {time.perf_counter() - start:.1f} s: open {index}")


if __name__ == "__main__":
    main()
