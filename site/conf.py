"""Sphinx configuration of the static site (built by ``tools/build_site.py``, i.e. ``make site``).

The documents are ``site/index.md`` (the landing page, whose toctrees are the table of
contents) and ``notebooks/*.ipynb``, copied unchanged into ``build/site-src``; this file is the
configuration directory (``sphinx-build -c site``). Solutions are folded by the tags they carry
in the source notebooks (``hide-cell``; the prompt comes from the cell's ``mystnb`` metadata).
Everything the pages load is served from the site itself: MathJax, RequireJS and the ipywidgets
HTML manager come from the pinned npm packages in ``site/package.json``, copied by
``tools/build_site.py`` into ``build/site-assets``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pydata_sphinx_theme
import sphinx_book_theme
import sphinx_togglebutton

ROOT = Path(__file__).resolve().parent.parent
# Folder of local JavaScript prepared by tools/build_site.py; its content is copied into
# _static/ of the site, under a sub-folder ("offline/") so the theme does not inject it.
ASSETS = Path(os.environ.get("TSCMATH_SITE_ASSETS", ROOT / "build" / "site-assets"))
# The live playground's files (Pyodide, the tscmath wheel, the page script), staged by
# tools/site_pyodide.py; also served under _static/offline/.
LIVE = Path(os.environ.get("TSCMATH_SITE_LIVE", ROOT / "build" / "site-live"))
# jupyter-cache database of executed notebooks (kept between builds: unchanged is fast).
CACHE = Path(os.environ.get("TSCMATH_SITE_CACHE", ROOT / "build" / "site-cache"))

REPOSITORY_URL = "https://github.com/virtualizing-time/virtualizing-time"
"""Where the collection lives: the one place that names its repository. The header's
repository button and every "clone the repository" of the pages (given the address by
:func:`_link_repository`) use this value."""

project = "Virtualizing Time"
author = "Virtualizing Time contributors"
copyright = "2026, Virtualizing Time contributors, MIT licence (LICENSE)"  # noqa: A001 (Sphinx name)

# sources_ext (this folder) ends every notebook page with its linked "Sources" list;
# exercises_ext puts an editor with Check, Hint and Reset under every exercise.
sys.path.insert(0, str(Path(__file__).resolve().parent))
extensions = ["myst_nb", "sphinx_togglebutton", "sources_ext", "exercises_ext"]
root_doc = "index"
exclude_patterns = ["**.ipynb_checkpoints", "**/__pycache__"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# --- MyST and notebook execution -------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
nb_execution_mode = "cache"
nb_execution_cache_path = str(CACHE)
nb_execution_timeout = 120
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True
nb_merge_streams = True
# text/markdown outputs (e.g. tscmath.symbolic derivations) are parsed as MyST, so their
# $...$ and $$...$$ math is typeset (plain CommonMark would leave the dollars raw).
nb_render_markdown_format = "myst"
# An output that offers text/html beside a widget view shows its HTML here: chapter 07's
# Playground and Calculator offer the live page (plain HTML controls run by Pyodide in the
# reader's browser), where a widget would only be a still picture without a kernel.
# JupyterLab still shows the widget. (Lower numbers win; widget views are 10.)
nb_mime_priority_overrides = [("html", "text/html", 5)]
# Widgets (rendered at their saved state on the static page) use local RequireJS and the
# local embed bundle; no CDN for third-party widget modules either.
nb_ipywidgets_js = {
    "offline/requirejs/require.js": {},
    "offline/widgets-config.js": {},
    "offline/html-manager/embed-amd.js": {"data-jupyter-widgets-cdn": "offline/widget-modules/"},
}

# --- Math: MathJax 3.2.2 from the npm package, never from a CDN -----------------------------
mathjax_path = "offline/mathjax/tex-mml-chtml.js"
mathjax3_config = {
    # textmacros: \_ and friends inside \text{...} (guest\_tsc), as in LaTeX.
    "loader": {"load": ["[tex]/textmacros"]},
    "tex": {
        "packages": {"[+]": ["textmacros"]},
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
    },
    # The value myst-parser sets; given here so the configuration is stable between builds.
    "options": {"processHtmlClass": "tex2jax_process|mathjax_process|math|output_area"},
}

# --- HTML ------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Virtualizing Time"
html_favicon = "favicon.svg"
html_static_path = [
    str(ASSETS),
    str(LIVE),
    str(Path(sphinx_togglebutton.__file__).parent / "_static"),
    str(Path(__file__).resolve().parent / "static"),  # reading.css, reading.js
]
html_css_files = ["reading.css"]
html_js_files = ["reading.js"]
html_last_updated_fmt = None
html_show_sourcelink = False
# The header's ".ipynb" download: Sphinx copies each document's source, the notebook as stored
# (no outputs; on the student site the student edition), to _sources/<name>.ipynb.
html_copy_source = True
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": True,
    "repository_url": REPOSITORY_URL,
    "repository_branch": "main",
    "path_to_docs": "notebooks",
    "launch_buttons": {},
    "search_bar_text": "Search the collection...",
    # Values the themes fill in themselves; given here so the configuration is stable.
    "navbar_persistent": ["search-button-field"],
    "icon_links": [],
    "logo": {},
}
# Light or dark as the reader's system prefers (the theme's switch can change it).
html_context = {"default_mode": "auto"}
html_permalinks_icon = "#"
templates_path = [
    str(Path(sphinx_book_theme.__file__).parent / "theme/sphinx_book_theme/components"),
    str(Path(pydata_sphinx_theme.__file__).parent / "theme/pydata_sphinx_theme/components"),
]
html_sourcelink_suffix = ""


# The extensions above change a few configuration values when the builder starts. Sphinx then
# sees "the configuration has changed" on every build and rewrites every page. The values are
# given above as the extensions leave them; this hook only removes the static path that
# sphinx-togglebutton appends a second time
# and the component folders the themes add again.
def _dedupe_paths(app, config=None):
    config = config or app.config
    config.html_static_path = list(dict.fromkeys(config.html_static_path))
    config.templates_path = list(dict.fromkeys(config.templates_path))


# matplotlib's Animation.to_jshtml() output links Font Awesome 4 from a CDN for its button icons.
# The theme already ships Font Awesome (SVG icons drawn by _static/scripts/fontawesome.js, which
# knows the old icon names), so the link is dropped and the page makes no outside request.
_CDN_FONT_AWESOME = re.compile(
    r"<link\b[^>]*href=[\"'](?:https?:)?//[^\"']*font-?awesome[^\"']*[\"'][^>]*>", re.IGNORECASE
)


def _drop_cdn_font_awesome(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and "awesome" in body:
        context["body"] = _CDN_FONT_AWESOME.sub("", body)


_CLONE = re.compile(r"clone the repository", re.IGNORECASE)


def _link_repository(app, doctree, docname):
    """After each "clone the repository" in a page's text, add the repository's address as a
    link: ``clone the repository (github.com/owner/name)``. The notebooks and the landing page
    say it in words; the address is set once, in :data:`REPOSITORY_URL`."""
    from docutils import nodes

    shown = REPOSITORY_URL.split("://", 1)[-1]
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if isinstance(parent, (nodes.reference, nodes.literal, nodes.literal_block, nodes.raw)):
            continue
        value = str(text)
        matches = list(_CLONE.finditer(value))
        if not matches:
            continue
        pieces, start = [], 0
        for match in matches:
            pieces.append(nodes.Text(value[start : match.end()] + " ("))
            link = nodes.reference("", "", refuri=REPOSITORY_URL, classes=["tsc-repository"])
            link += nodes.Text(shown)
            pieces += [link, nodes.Text(")")]
            start = match.end()
        pieces.append(nodes.Text(value[start:]))
        parent.replace(text, pieces[0])
        index = parent.index(pieces[0])
        for offset, piece in enumerate(pieces[1:], start=1):
            parent.insert(index + offset, piece)


def setup(app):
    app.connect("doctree-resolved", _link_repository)
    app.connect("html-page-context", _drop_cdn_font_awesome)
    app.connect("config-inited", _dedupe_paths, priority=900)
    app.connect("builder-inited", _dedupe_paths, priority=900)
