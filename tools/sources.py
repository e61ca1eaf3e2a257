"""The registry of real-system sources (``sources/*.toml``) and the citations that use it.

Every claim the collection makes about a real system (Linux, QEMU, illumos bhyve, propolis,
...) is cited in the text by repository path, with the symbol read there in backticks next to
it. This module

* loads the registry: one TOML file per repository in ``sources/`` (``repo``, ``url`` and a
  list of ``[[entry]]`` tables, each with ``path``, ``symbol``, ``version``, ``takes``);
* extracts the citations from notebook Markdown and from ``tscmath`` docstrings
  (:func:`citations_in_text`, :func:`notebook_citations`, :func:`docstring_citations`);
* matches them against the registry (:func:`missing_from_registry`) and turns a notebook's
  citations into its linked "Sources" list (:func:`sources_for_notebook`,
  :func:`sources_markdown`), which ``site/sources_ext.py`` appends to every page of the site.

What counts as a citation (``sources/README.md`` says the same for authors):

* a **path** is a backticked token with a ``/`` that ends in a source-file suffix
  (``arch/x86/kvm/x86.c``) or in ``/`` (a folder, ``bin/propolis-server/src/lib/migrate/``);
  paths of this repository (``tscmath/``, ``tests/``, ...) and absolute paths are not
  citations;
* its **symbols** are the backticked identifiers written next to it: ``\\`sym\\` (\\`path\\`)``
  or ``\\`sym\\` in \\`path\\```, ``\\`path\\` (\\`sym\\`, \\`sym\\`)``, and
  ``(\\`path\\`, \\`sym\\`)`` -- within the clause of the parenthesis that holds the path
  (a ``;`` or a dash ends a clause).

Usage: ``python tools/sources.py [NOTEBOOK ...]`` prints each notebook's Sources list and
exits non-zero when a citation is missing from the registry.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
NOTEBOOKS = ROOT / "notebooks"
PACKAGES = (ROOT / "tscmath", ROOT / "tsccourse")

OWN_PREFIXES = (
    "tscmath/",
    "tsccourse/",
    "tests/",
    "notebooks/",
    "tools/",
    "site/",
    "sources/",
    "benchmarks/",
    "build/",
)
"""Paths of this repository: mentioned in the text, but not citations of a real system."""

SUFFIXES = (
    "c",
    "h",
    "S",
    "s",
    "rs",
    "rst",
    "txt",
    "md",
    "toml",
    "json",
    "adoc",
    "py",
    "sh",
    "pod",
    "7",
)
_PATH = re.compile(
    r"(?<!`)(`{1,2})(?P<path>(?:[A-Za-z0-9_.+-]+/)+(?:[A-Za-z0-9_.+-]+\.(?:"
    + "|".join(SUFFIXES)
    + r"))?)\1(?!`)"
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*")
_TICKED = re.compile(r"(?<!`)(`{1,2})(?P<token>[^`\n]+?)\1(?!`)")
_BEFORE = re.compile(r"(`{1,2})(?P<sym>[^`\n]+?)\1\s+(?:\(|in\s+)$")
_CLAUSE_END = re.compile(r";|\s[—–]\s|\s--\s")


@dataclass(frozen=True)
class Entry:
    """One registry entry: a symbol (or a whole file, ``symbol == ""``) read in a repository."""

    repo: str
    path: str
    symbol: str
    version: str
    takes: str
    url: str = ""
    since: str = ""
    status: str = "verified"
    mirror: str = ""
    read_in: str = ""

    @property
    def shown_version(self) -> str:
        """The version as a reader sees it: a 12-digit commit, a tag, or "not yet verified".

        A commit of a ``mirror`` names the mirror; a version inferred from a copy without a
        commit id (``read_in``) says so.
        """
        if self.status == "to-verify":
            return "not yet verified"
        if re.fullmatch(r"[0-9a-f]{13,40}", self.version):
            shown = f"at {self.version[:12]}"
        else:
            shown = f"at {self.version}"
        if self.mirror:
            shown += f" of the mirror {self.mirror}"
        if self.read_in:
            shown += ", inferred"
        return shown

    @property
    def link(self) -> str:
        """Where a reader finds it: ``url`` if given, else the file on GitHub at ``version``
        (in the ``mirror`` it was read in, if any)."""
        if self.url:
            return self.url
        ref = "HEAD" if self.status == "to-verify" else self.version
        return f"https://github.com/{self.mirror or self.repo}/blob/{ref}/{self.path}"


@dataclass(frozen=True)
class Citation:
    """A path cited in some text, the symbols written next to it, and where."""

    path: str
    symbols: tuple[str, ...]
    where: str


def load_registry(folder: Path = SOURCES) -> list[Entry]:
    """Every entry of every ``*.toml`` in ``folder`` (one file per repository).

    Raises ``ValueError`` naming the file and the entry when a field is missing or unknown.
    """
    entries: list[Entry] = []
    known = {"path", "symbol", "version", "takes", "url", "since", "status", "mirror", "read_in"}
    for toml_file in sorted(folder.glob("*.toml")):
        data = tomllib.loads(toml_file.read_text(encoding="utf-8"))
        repo = data.get("repo")
        if not isinstance(repo, str) or not repo:
            raise ValueError(f"{toml_file.name}: top-level 'repo' (owner/name) is missing")
        for k, raw in enumerate(data.get("entry", [])):
            unknown = set(raw) - known
            missing = {"path", "version", "takes"} - set(raw)
            if unknown or missing:
                raise ValueError(
                    f"{toml_file.name} entry {k} ({raw.get('path')!r}): "
                    f"missing {sorted(missing)}, unknown {sorted(unknown)}"
                )
            status = raw.get("status", "verified")
            if status not in ("verified", "to-verify"):
                raise ValueError(
                    f"{toml_file.name} entry {k}: status must be 'verified' or 'to-verify'; "
                    f"got {status!r}"
                )
            entries.append(
                Entry(
                    repo=repo,
                    path=raw["path"],
                    symbol=raw.get("symbol", ""),
                    version=str(raw["version"]),
                    takes=raw["takes"],
                    url=raw.get("url", ""),
                    since=raw.get("since", ""),
                    status=status,
                    mirror=raw.get("mirror", ""),
                    read_in=raw.get("read_in", ""),
                )
            )
    return entries


def _matching_paren(text: str, open_at: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``open_at`` (or ``len(text)``)."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _enclosing_paren(text: str, start: int) -> int | None:
    """Index of the innermost unclosed ``(`` before ``start``, within the same paragraph."""
    depth = 0
    for i in range(start - 1, -1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return i
            depth -= 1
        elif text.startswith("\n\n", i):
            return None
    return None


def _clause(group: str, at: int) -> str:
    """The part of ``group`` around offset ``at`` between clause breaks (``;``, dashes)."""
    cuts = [m.span() for m in _CLAUSE_END.finditer(group)]
    lo, hi = 0, len(group)
    for a, b in cuts:
        if b <= at:
            lo = b
        elif a >= at and hi == len(group):
            hi = a
    return group[lo:hi]


def _symbols_in(text: str) -> list[str]:
    """Backticked code names in ``text``: identifiers with ``_``, ``::``, a capital or ``()``.

    Plain lowercase words (`dmesg`, `tsc`) are names of things, not symbols to look up.
    """
    out = []
    for m in _TICKED.finditer(text):
        token = m.group("token").strip()
        called = token.endswith("()")
        token = token.removesuffix("()")
        if not _IDENT.fullmatch(token):
            continue
        if called or "_" in token or ":" in token or token != token.lower():
            out.append(token)
    return out


def is_citation(path: str) -> bool:
    """True for a path of some other repository (not this one's, not absolute)."""
    return not path.startswith("/") and not path.startswith(OWN_PREFIXES)


def citations_in_text(text: str, where: str = "") -> list[Citation]:
    """The cited paths in ``text`` and the symbols next to each (see the module docstring).

    Examples
    --------
    >>> [c.symbols for c in citations_in_text("KVM in `arch/x86/kvm/x86.c` (`a`, `b_c`)")]
    [('a', 'b_c')]
    >>> citations_in_text("(`f` in `kernel/x.c`; it returns `EPERM`)")[0].symbols
    ('f',)
    >>> citations_in_text("see `tscmath/limits.py`")
    []
    """
    found: list[Citation] = []
    for m in _PATH.finditer(text):
        path = m.group("path")
        if not is_citation(path):
            continue
        start, end = m.span()
        symbols: list[str] = []
        before = _BEFORE.search(text[max(0, start - 200) : start])
        if before:
            symbols += _symbols_in(f"`{before.group('sym')}`")
        after = re.match(r"\s*\(", text[end:])
        if after:
            open_at = end + after.end() - 1
            close_at = _matching_paren(text, open_at)
            symbols += _symbols_in(_clause(text[open_at + 1 : close_at], 0))
        open_at = _enclosing_paren(text, start)
        if open_at is not None:
            close_at = _matching_paren(text, open_at)
            if close_at >= end:
                group = text[open_at + 1 : close_at]
                symbols += _symbols_in(_clause(group, start - open_at - 1))
        unique = tuple(dict.fromkeys(s for s in symbols if s))
        found.append(Citation(path, unique, where))
    return found


def _markdown_cells(notebook: Path) -> Iterator[tuple[str, str]]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            source = cell["source"]
            text = source if isinstance(source, str) else "".join(source)
            yield f"{notebook.name} cell {cell.get('id', k)}", text


def notebook_citations(notebook: Path) -> list[Citation]:
    """Every citation in the Markdown cells of ``notebook``."""
    out: list[Citation] = []
    for where, text in _markdown_cells(notebook):
        out += citations_in_text(text, where)
    return out


def _docstrings(module: Path) -> Iterator[tuple[str, str]]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    nodes: list[ast.AST] = [tree]
    nodes += [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
    ]
    rel = module.relative_to(ROOT).as_posix()
    for node in nodes:
        doc = ast.get_docstring(node, clean=False)
        if doc:
            name = getattr(node, "name", "module")
            yield f"{rel}:{name}", doc


def docstring_citations(packages: Iterable[Path] = PACKAGES) -> list[Citation]:
    """Every citation in the docstrings (module, class, function) of ``packages``."""
    out: list[Citation] = []
    for module in sorted(m for package in packages for m in package.rglob("*.py")):
        for where, text in _docstrings(module):
            out += citations_in_text(text, where)
    return out


def missing_from_registry(citations: Iterable[Citation], entries: list[Entry]) -> list[str]:
    """One line per cited path or (path, symbol) that has no registry entry."""
    paths = {e.path for e in entries}
    symbols = {(e.path, e.symbol) for e in entries}
    missing = []
    for c in citations:
        if c.path not in paths:
            missing.append(f"{c.where}: path `{c.path}` is not in sources/")
            continue
        for s in c.symbols:
            if (c.path, s) not in symbols:
                missing.append(f"{c.where}: `{s}` in `{c.path}` is not in sources/")
    return missing


def sources_for_notebook(notebook: Path, entries: list[Entry]) -> list[tuple[Entry, list[Entry]]]:
    """The registry entries ``notebook`` cites, grouped by file: ``[(file, [symbols])]``.

    ``file`` is the file-level entry of the path (or its first entry); the symbols are those
    cited next to the path anywhere in the notebook, in registry order. Files come in order
    of first citation.
    """
    cited: dict[str, set[str]] = {}
    for c in notebook_citations(notebook):
        cited.setdefault(c.path, set()).update(c.symbols)
    by_path: dict[str, list[Entry]] = {}
    for e in entries:
        by_path.setdefault(e.path, []).append(e)
    out = []
    for path, syms in cited.items():
        group = by_path.get(path)
        if not group:
            continue
        # Verified entries first, so a pinned read wins over a pre-filled "to-verify" one.
        ranked = sorted(group, key=lambda e: e.status != "verified")
        file_entry = next((e for e in ranked if not e.symbol), ranked[0])
        symbols: dict[str, Entry] = {}
        for e in ranked:
            if e.symbol in syms and e.symbol not in symbols:
                symbols[e.symbol] = e
        out.append((file_entry, [e for e in group if symbols.get(e.symbol) is e]))
    return out


def sources_markdown(notebook: Path, entries: list[Entry]) -> str:
    """The linked "Sources" list of ``notebook`` as Markdown (empty if it cites nothing)."""
    lines = []
    for file_entry, symbols in sources_for_notebook(notebook, entries):
        names = ", ".join(f"[`{e.symbol}`]({e.link}) ({e.shown_version})" for e in symbols)
        line = f"- {file_entry.repo}: [`{file_entry.path}`]({file_entry.link})"
        if not symbols:
            line += f" ({file_entry.shown_version})"
        if names:
            line += f": {names}"
        lines.append(line)
    if not lines:
        return ""
    return "## Sources\n\n" + "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    entries = load_registry()
    notebooks = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    status = 0
    for nb in notebooks:
        missing = missing_from_registry(notebook_citations(nb), entries)
        print(f"# {nb.name}\n{sources_markdown(nb, entries) or '(no sources)'}")
        for line in missing:
            print(f"MISSING {line}")
            status = 1
    for line in missing_from_registry(docstring_citations(), entries):
        print(f"MISSING {line}")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
