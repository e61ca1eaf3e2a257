"""Sphinx extension: end every notebook page with its linked "Sources" list.

The list is made from the notebook's own citations (repository paths and the symbols next to
them, see ``sources/README.md``) and the registry in ``sources/*.toml``, by
``tools/sources.py``. It is appended as the last section of the page, so it shows in the
page's table of contents; links go to the cited file on GitHub at the version it was read at
(nothing is loaded from the network when the page is built or read). Every registry file is
a dependency of every notebook page: changing the registry rebuilds the pages.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
SECTION_ID = "sources"


def _load_sources_tool():
    name = "tscmath_tools_sources"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "sources.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _line(file_entry, symbols) -> nodes.list_item:
    para = nodes.paragraph()
    para += nodes.Text(f"{file_entry.repo}: ")
    ref = nodes.reference("", "", refuri=file_entry.link)
    ref += nodes.literal(text=file_entry.path)
    para += ref
    if not symbols:
        para += nodes.Text(f" ({file_entry.shown_version})")
    for k, entry in enumerate(symbols):
        para += nodes.Text(": " if k == 0 else ", ")
        ref = nodes.reference("", "", refuri=entry.link)
        ref += nodes.literal(text=entry.symbol)
        para += ref
        para += nodes.Text(f" ({entry.shown_version})")
    item = nodes.list_item()
    item += para
    return item


def sources_section(groups, document: nodes.document) -> nodes.section | None:
    """A "Sources" section listing ``groups`` (from ``sources_for_notebook``), or None."""
    if not groups:
        return None
    section_id = SECTION_ID
    while section_id in document.ids:
        section_id += "-list"
    section = nodes.section(ids=[section_id], names=["sources"])
    section += nodes.title(text="Sources")
    intro = nodes.paragraph(
        text="What this chapter cites from real systems, each at the version it was read "
        "at (the registry is sources/ in the repository):"
    )
    section += intro
    bullets = nodes.bullet_list()
    for file_entry, symbols in groups:
        bullets += _line(file_entry, symbols)
    section += bullets
    return section


def _append_sources(app, doctree: nodes.document) -> None:
    env = app.env
    source = Path(env.doc2path(env.docname))
    if source.suffix != ".ipynb":
        return
    tool = _load_sources_tool()
    for registry_file in sorted(tool.SOURCES.glob("*.toml")):
        env.note_dependency(str(registry_file))
    groups = tool.sources_for_notebook(source, tool.load_registry())
    section = sources_section(groups, doctree)
    if section is None:
        return
    top = doctree.next_node(nodes.section)
    (top if top is not None else doctree).append(section)
    doctree.note_implicit_target(section, section)


def setup(app):
    # Before the table-of-contents collector (priority 500) reads the page's sections.
    app.connect("doctree-read", _append_sources, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
