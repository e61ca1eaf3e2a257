"""The static site (``make site``): built offline, and every page reads well in a real browser.

Two sites are built with ``tools/build_site.py``:

* the collection itself, into build/site (the folder ``make site`` uses, so its execution
  cache is shared: after ``make site`` this build takes seconds);
* a one-page fixture site, into build/site-fixture, from a notebook written here that holds
  every kind of output the collection relies on (math, SymPy, a plot, a widget, a
  ``to_jshtml`` animation, folded solutions), so the machinery is checked even before the
  chapters that use it exist.

Each page is served on 127.0.0.1 and opened in headless Chromium with every request that
leaves 127.0.0.1 aborted and recorded. A page passes when it loads with no console error and
no outside request, its math is typeset by MathJax (no raw ``$$`` or ``\\[`` left), its images
load, its widgets render, its solutions are folded and its animations play.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest

from tsccourse.exercises.core import SOLUTION_TAG

from ..browser_support import is_loopback, launch, loopback_only
from ..conftest import ROOT, notebook_paths

BUILD = ROOT / "build"
LIVE_TIMEOUT_MS = 180_000
"""Time allowed for Pyodide to start on a live page (10-30 s on a busy 2-core machine)."""


def _load_build_site():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_site = _load_build_site()


# --- The configuration: pure checks, no browser --------------------------------------------------

FOLD_PROMPTS = {"code_prompt_show": "Show the solution", "code_prompt_hide": "Hide the solution"}


def _toctree_entries(markdown: str) -> dict[str, list[str]]:
    """``{caption: [document, ...]}`` of every toctree in a MyST page."""
    trees = re.findall(r"```\{toctree\}\n(.*?)```", markdown, re.DOTALL)
    found = {}
    for body in trees:
        caption = re.search(r"^:caption: (.+)$", body, re.MULTILINE).group(1)
        found[caption] = [
            line.strip() for line in body.splitlines() if line.strip() and line[0] != ":"
        ]
    return found


def test_table_of_contents_lists_every_notebook_chapters_then_exercises_in_file_order():
    toc = _toctree_entries((ROOT / "site" / "index.md").read_text(encoding="utf-8"))
    stems = [p.stem for p in notebook_paths()]
    exercises = [s for s in stems if "exercises" in s]
    pages = sorted(p.stem for p in (ROOT / "notebooks").glob("*.md"))  # glossary, references
    assert toc == {
        "Chapters": [s for s in stems if s not in exercises],
        "Exercises": exercises,
        "Reference": pages,
    }


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem[:2])
def test_solution_cells_carry_the_tags_that_fold_them_on_the_site(path):
    cells = nbformat.read(path, as_version=4).cells
    for cell in cells:
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            assert cell.cell_type == "code", f"{cell.id}: a solution is a code cell"
            assert "hide-cell" in tags, f"{cell.id}: tag it hide-cell so the site folds it"
            prompts = cell.metadata.get("mystnb", {})
            assert FOLD_PROMPTS.items() <= prompts.items(), f"{cell.id}: 'Show the solution'"


def test_external_resources_are_detected(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a href="https://example.org">ok, a link</a>\n'
        '<link rel="stylesheet" href="https://cdn.example.org/x.css">\n'
        '<script src="//cdn.example.org/x.js"></script>\n<img src="_static/x.png">\n'
    )
    found = build_site.external_resources(tmp_path)
    assert len(found) == 2
    assert "x.css" in found[0] and "x.js" in found[1]


# --- Building ------------------------------------------------------------------------------------

FIXTURE_CELLS = [
    (
        "markdown",
        "# Site fixture\n\nInline math $M / 2^{F}$ and a display:\n\n"
        "$$\\text{guest\\_tsc} = \\left\\lfloor \\frac{h \\cdot M}{2^{F}} \\right\\rfloor + o$$",
        [],
    ),
    (
        "code",
        "import sympy as sp\n\nh, M = sp.symbols('h M')\nsp.Eq(sp.Symbol('g'), h * M / 2**32)",
        [],
    ),
    (
        "code",
        "from IPython.display import Markdown\n\n"
        "Markdown(r'A text/markdown output: $$g = \\frac{h M}{2^{32}}$$ and inline $M$.')",
        [],
    ),
    (
        "code",
        "import matplotlib.pyplot as plt\nfrom tscmath.plotting import new_figure\n\n"
        "fig, ax = new_figure()\nax.plot([0, 1, 2], [0, 1, 4], label='ticks')\n"
        "ax.set_xlabel('time (s)')\nax.set_ylabel('TSC (ticks)')\nax.legend()\nplt.show()",
        [],
    ),
    (
        "code",
        "from IPython.display import HTML\nfrom matplotlib.animation import FuncAnimation\n\n"
        "fig, ax = new_figure(figsize=(3, 2), dpi=60)\n(line,) = ax.plot([], [], label='hand')\n"
        "ax.set_xlim(0, 5)\nax.set_ylim(0, 5)\nax.set_xlabel('s')\nax.set_ylabel('ticks')\n"
        "ax.legend()\n\n\ndef draw(i):\n    line.set_data([0, i], [0, i])\n    return (line,)\n\n\n"
        "anim = FuncAnimation(fig, draw, frames=6, interval=100)\nplt.close(fig)\n"
        "HTML(anim.to_jshtml())",
        [],
    ),
    (
        "code",
        "import ipywidgets as w\n\nw.HBox([w.IntSlider(value=3, description='ticks'),\n"
        "        w.Button(description='Run', icon='play')])",
        [],
    ),
    ("markdown", "**Exercise.** What is $2^{32}$?", []),
    ("code", "fixture_solution = 2**32\nfixture_solution", ["solution", "hide-cell"]),
    (
        "markdown",
        "**Check your understanding.** Why $2^{32}$?\n\n<details><summary>Answer</summary>\n\n"
        "Because $F = 32$, fixture-answer-text.\n</details>",
        [],
    ),
    (
        "markdown",
        'A table read as cards on a phone:\n\n<div class="cards">\n\n'
        "| system | rate | blackout |\n|---|---|---|\n"
        "| fixture-system-one | kept | counted |\n| fixture-system-two | lost | lost |\n\n</div>",
        [],
    ),
]
FIXTURE_INDEX = "# Fixture\n\n```{toctree}\n:caption: Chapters\n\n00-fixture\n```\n"


def _write_fixture_notebook(folder: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for kind, source, tags in FIXTURE_CELLS:
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        cell = make(source)
        cell.pop("id", None)
        if tags:
            cell.metadata["tags"] = tags
        if SOLUTION_TAG in tags:
            cell.metadata["mystnb"] = FOLD_PROMPTS
        nb.cells.append(cell)
    nb.nbformat_minor = 4  # no cell ids: the text is the same on every run
    text = nbformat.writes(nb) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    files = {folder / "00-fixture.ipynb": text, folder / "index.md": FIXTURE_INDEX}
    for path, content in files.items():
        if not path.exists() or path.read_text() != content:  # unchanged: the build cache holds
            path.write_text(content)


@pytest.fixture(scope="module")
def npm_or_assets() -> None:
    """The build needs the pinned npm packages: installed already, or npm to fetch them."""
    if not (build_site.NODE_MODULES / "mathjax").exists() and shutil.which("npm") is None:
        message = "npm not found: the site needs it once to fetch MathJax (apt install npm)"
        if os.environ.get("TSCMATH_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def collection_site(npm_or_assets) -> Path:
    build_site.build(BUILD / "site", quiet=True)
    return BUILD / "site"


@pytest.fixture(scope="module")
def fixture_site(npm_or_assets) -> Path:
    notebooks = BUILD / "site-fixture-notebooks"
    _write_fixture_notebook(notebooks)
    build_site.build(
        BUILD / "site-fixture", notebooks=notebooks, index=notebooks / "index.md", quiet=True
    )
    return BUILD / "site-fixture"


# --- Browser -------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = launch(p, chromium_path)
        yield browser
        browser.close()


class Visit:
    """One browser context that records console errors and blocks non-loopback requests."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", loopback_only(self.outside.append))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    v = Visit(browser)
    yield v
    v.close()


_TEXT_OUTSIDE_CODE = """() => {
    const body = document.querySelector('main') || document.body;
    const copy = body.cloneNode(true);
    copy.querySelectorAll('pre, code, script, style, mjx-assistive-mml, .highlight')
        .forEach(e => e.remove());
    return copy.textContent;
}"""

_WAIT_FOR_MATH = """async () => {
    if (!window.MathJax || !window.MathJax.startup) return 'no mathjax';
    await window.MathJax.startup.promise;
    return 'typeset';
}"""

_MATH_WITH_BACKSLASH = """() => Array.from(document.querySelectorAll('mjx-assistive-mml'))
    .map(m => m.textContent).filter(t => t.includes('\\\\')).map(t => t.slice(0, 60))"""

_BROKEN_IMAGES = """async () => {
    const images = Array.from(document.images);
    await Promise.all(images.map(i => i.decode().catch(() => null)));
    return images.filter(i => !(i.complete && i.naturalWidth > 0))
                 .map(i => (i.currentSrc || i.src).slice(0, 80));
}"""


def check_page(visit: Visit, url: str) -> dict:
    """Open ``url`` and assert everything a reader needs is there; return what was found."""
    page = visit.page
    page.goto(url, wait_until="load")
    # A live page (chapter 07) loads Python in the browser first: wait until it is running.
    for live in (".tsc-live", ".tsc-calc"):
        if page.locator(live).count():
            page.wait_for_selector(f"{live}[data-ready=true]", timeout=LIVE_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    name = url.rsplit("/", 1)[-1] or "index.html"
    math_nodes = page.locator(".math").count()
    state = page.evaluate(_WAIT_FOR_MATH)
    if math_nodes:
        assert state == "typeset", f"{name}: {math_nodes} math elements but MathJax is {state}"
        assert page.locator("mjx-container").count() >= math_nodes, f"{name}: math left raw"
    assert page.locator("mjx-merror").count() == 0, f"{name}: MathJax reported a TeX error"
    # A macro MathJax did not understand shows as its literal text (e.g. \_ in \text{}).
    leaked = page.evaluate(_MATH_WITH_BACKSLASH)
    assert leaked == [], f"{name}: TeX macros shown literally in {leaked}"
    text = page.evaluate(_TEXT_OUTSIDE_CODE)
    for raw in ("$$", "\\[", "\\(", "\\begin{"):
        assert raw not in text, f"{name}: raw {raw!r} in the page text"
    assert page.evaluate(_BROKEN_IMAGES) == [], f"{name}: images that did not load"
    # A figure that was not drawn shows as its repr, e.g. "<Figure size 640x480 with 1 Axes>".
    outputs = page.locator(".cell_output").all_inner_texts()
    undrawn = [t for t in outputs if re.search(r"<Figure size \d+x\d+ with", t)]
    assert undrawn == [], f"{name}: figures shown as text, not drawn: {undrawn}"
    # Widgets shown as views (an output may show its HTML instead, as chapter 07's live app).
    widgets = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if widgets:
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=15_000)
    # Cells tagged "solution" (myst-nb puts tags on the cell as classes) stay folded.
    solutions = page.locator(".cell.tag_solution")
    for i in range(solutions.count()):
        cell = solutions.nth(i)
        assert cell.locator("details").count() >= 1, f"{name}: solution cell {i} not foldable"
        assert not cell.locator("details").first.evaluate("d => d.open"), f"{name}: open"
        assert not cell.locator("pre").first.is_visible(), f"{name}: solution {i} shown"
    # Answers of "Check your understanding" (<details> in Markdown) start folded too.
    folded = page.locator("main details")
    for i in range(folded.count()):
        assert not folded.nth(i).evaluate("d => d.open"), f"{name}: <details> {i} open"
    assert visit.outside == [], f"{name}: requests left 127.0.0.1: {visit.outside}"
    assert visit.errors == [], f"{name}: console errors: {visit.errors}"
    return {"animations": page.locator(".animation").count(), "widgets": widgets}


def check_animation_plays(visit: Visit, index: int = 0) -> None:
    page = visit.page
    animation = page.locator(".animation").nth(index)
    animation.scroll_into_view_if_needed()
    image = animation.locator("img").first
    before = image.get_attribute("src")
    play = animation.locator('button[title="Play"]')
    assert play.locator("svg").count() == 1, "the Play button has no icon"
    play.click()
    page.wait_for_function(
        "([img, src]) => img.getAttribute('src') !== src",
        arg=[image.element_handle(), before],
        timeout=10_000,
    )
    animation.locator('button[title="Pause"]').click()
    assert visit.errors == [], f"console errors while playing: {visit.errors}"


@pytest.mark.browser
def test_fixture_page_math_plot_widget_solutions_and_animation(fixture_site, visit, artifacts_dir):
    with serve(fixture_site) as base:
        found = check_page(visit, base + "00-fixture.html")
        assert found == {"animations": 1, "widgets": 1}
        page = visit.page
        plots = page.locator(".cell_output img:not(.animation img)")
        assert plots.count() == 1, "the matplotlib plot is missing"
        assert plots.first.evaluate("i => i.naturalWidth") > 200
        page.screenshot(path=artifacts_dir / "site-fixture.png", full_page=True)
        assert page.locator(".cell.tag_solution").count() == 1
        hidden = page.get_by_text("fixture-answer-text")
        assert not hidden.is_visible()
        page.locator("main details summary", has_text="Answer").first.click()
        hidden.wait_for(state="visible", timeout=5_000)
        # The header's download is the notebook the page was built from.
        notebook = fixture_site / "_sources" / "00-fixture.ipynb"
        assert (
            notebook.read_bytes()
            == (BUILD / "site-fixture-notebooks" / "00-fixture.ipynb").read_bytes()
        )
        summary = page.locator(".cell.tag_solution summary").first
        assert "Show the solution" in summary.inner_text()
        summary.click()
        page.get_by_text("fixture_solution = 2**32").wait_for(state="visible", timeout=5_000)
        check_animation_plays(visit)


@pytest.mark.browser
def test_collection_site_every_page_offline_and_in_order(collection_site, visit, artifacts_dir):
    stems = [p.stem for p in notebook_paths()]
    assert stems, "no notebooks"
    for stem in stems:
        assert (collection_site / f"{stem}.html").exists(), f"{stem} missing from the site"
    animated = []
    with serve(collection_site) as base:
        check_page(visit, base + "index.html")
        page = visit.page
        nav = page.locator("nav.bd-docs-nav a.reference.internal")
        hrefs = [nav.nth(i).get_attribute("href") for i in range(nav.count())]
        in_nav = [h.split("#")[0].removesuffix(".html") for h in hrefs if h != "#"]
        assert [s for s in in_nav if s in stems] == stems, "navigation lacks or misorders chapters"
        page.screenshot(path=artifacts_dir / "site-landing.png", full_page=True)
        for stem in stems:
            found = check_page(visit, f"{base}{stem}.html")
            if found["animations"]:
                animated.append(stem)
                check_animation_plays(visit)
        playground = next((s for s in stems if s.startswith("07-")), None) or (
            animated[0] if animated else None
        )
        if playground:
            visit.page.goto(f"{base}{playground}.html", wait_until="load")
            if animated and playground in animated:
                visit.page.locator(".animation").first.scroll_into_view_if_needed()
            visit.page.screenshot(path=artifacts_dir / "site-playground.png")
    # Recorded for the report: which chapters carry an animation (07 should, once it lands).
    (artifacts_dir / "site-animated-pages.json").write_text(json.dumps(animated))


# --- A broken notebook fails the build -------------------------------------------------------


def _one_cell_site(tmp_path: Path, kind: str, source: str) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken")]
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    nb.cells.append(make(source))
    nbformat.write(nb, notebooks / "00-broken.ipynb")
    index = tmp_path / "index.md"
    index.write_text("# Broken\n\n```{toctree}\n00-broken\n```\n")
    build_site.build(tmp_path / "site", notebooks=notebooks, index=index, quiet=True)


@pytest.mark.slow
def test_a_failing_cell_fails_the_build(tmp_path, npm_or_assets, capfd):
    with pytest.raises(SystemExit, match="sphinx-build failed"):
        _one_cell_site(tmp_path, "code", "raise RuntimeError('cell-failure-marker')")
    assert "cell-failure-marker" in capfd.readouterr().err


@pytest.mark.slow
def test_a_warning_fails_the_build(tmp_path, npm_or_assets, capfd):
    with pytest.raises(SystemExit, match="sphinx-build failed"):
        _one_cell_site(tmp_path, "markdown", "See [the missing chapter](99-missing.ipynb).")
    assert "99-missing" in capfd.readouterr().err


# --- Reading on any screen: 1280, 900 and 390 px -------------------------------------------------
# Every page measured in one window per width (a phone at 390 px: mobile emulation, touch).
# A code block is cut when it scrolls sideways (scrollWidth > clientWidth); an output block
# scrolls the same way; a display equation is clipped when it is wider than the article column
# and does not scroll in its own box; an image lacks a description when its alt is empty or a
# file name. A page is wider than the window when the document scrolls sideways.

WIDTHS = (1280, 900, 390)
MEASURED = (1280, 390)
"""Widths every page is measured at (900 px lies between: the sidebar test opens it there)."""

_MEASURE = """async () => {
    if (window.MathJax && window.MathJax.startup) await window.MathJax.startup.promise;
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const column = document.querySelector('article.bd-article');
    const right = column.getBoundingClientRect().right;
    const line = p => p.innerText.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '')
                       .slice(0, 60);
    const cut = Array.from(document.querySelectorAll('div.highlight pre'))
        .filter(p => p.scrollWidth > p.clientWidth + 1);
    const scrolling = Array.from(document.querySelectorAll('div.cell_output pre'))
        .filter(p => p.scrollWidth > p.clientWidth + 1)
        .map(p => p.innerText.slice(0, 60));
    const clipped = Array.from(document.querySelectorAll('mjx-container[display="true"]'))
        .filter(m => m.getBoundingClientRect().right > right + 1
                     || (m.scrollWidth > m.clientWidth + 1
                         && !['auto', 'scroll'].includes(getComputedStyle(m).overflowX)))
        .map(m => (m.querySelector('mjx-assistive-mml') || m).textContent.slice(0, 60));
    const undescribed = Array.from(column.querySelectorAll('img'))
        .filter(i => !i.closest('.animation'))
        .map(i => i.getAttribute('alt') || '')
        .filter(a => a.split(/\\s+/).length < 6 || /\\.(png|svg|jpe?g)$/.test(a));
    return {
        blocks: document.querySelectorAll('div.highlight pre').length,
        cut: cut.map(line),
        // A block that scrolls shows it: it fades out at the edge its content continues past.
        unmarked: cut.filter(p => !p.classList.contains('tsc-more-right')).map(line),
        scrolling, clipped, undescribed,
        page_width: document.documentElement.scrollWidth,
    };
}"""


def _pages(site: Path) -> list[str]:
    return sorted(p.name for p in site.glob("*.html") if p.stem not in {"genindex", "search"})


@contextmanager
def window(browser, width: int, *, python: bool = True) -> Iterator:
    """A page in a window ``width`` px wide (a phone below 500 px), outside requests blocked.

    ``python=False`` also blocks Pyodide, so chapter 07's live app does not load Python (the
    page keeps its layout; measuring it then costs no CPU for a Python that is not used).
    """
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
    )

    def route(route):
        url = route.request.url
        if is_loopback(url) and (python or "pyodide" not in url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def reading(collection_site, browser) -> dict[int, dict[str, dict]]:
    """``{width: {page: measurements}}`` of every page of the collection at 1280 and 390 px."""
    found: dict[int, dict[str, dict]] = {}
    with serve(collection_site) as base:
        for width in MEASURED:
            with window(browser, width, python=False) as page:
                found[width] = {}
                for name in _pages(collection_site):
                    page.goto(base + name, wait_until="load")
                    found[width][name] = page.evaluate(_MEASURE)
    return found


@pytest.mark.browser
def test_no_code_block_is_cut_at_1280_px(reading, artifacts_dir):
    """Notebook code is 100 columns wide (ruff): it fits the column without scrolling."""
    (artifacts_dir / "site-reading.json").write_text(json.dumps(reading, indent=1))
    assert sum(m["blocks"] for m in reading[1280].values()) > 100
    cut = {name: m["cut"] for name, m in reading[1280].items() if m["cut"]}
    assert not cut, f"code blocks cut at 1280 px: {cut}"


@pytest.mark.browser
def test_no_page_is_wider_than_a_390_px_phone(reading):
    wide = {n: m["page_width"] for n, m in reading[390].items() if m["page_width"] > 390}
    assert not wide, f"pages wider than the phone: {wide}"
    # Code wraps on a phone; a box that still scrolls shows where its content continues.
    unmarked = {n: m["unmarked"] for n, m in reading[390].items() if m["unmarked"]}
    assert not unmarked, f"code scrolling without a visible cue at 390 px: {unmarked}"


@pytest.mark.browser
def test_display_math_and_output_stay_in_their_box_and_figures_are_described(reading):
    problems = {}
    for width in MEASURED:
        for name, found in reading[width].items():
            bad = {k: found[k] for k in ("scrolling", "clipped", "undescribed") if found[k]}
            if bad:
                problems[f"{name} at {width} px"] = bad
    assert not problems, problems


_SIDEBAR_STATE = """() => {
    const shown = e => !!e && e.getBoundingClientRect().width > 0
        && getComputedStyle(e).visibility !== 'hidden'
        && e.getBoundingClientRect().right > 0
        && e.getBoundingClientRect().left < window.innerWidth;
    const nav = document.querySelector('#pst-primary-sidebar-modal[open]')
        || document.querySelector('#pst-primary-sidebar');
    const toc = document.querySelector('#pst-secondary-sidebar-modal[open]')
        || document.querySelector('#pst-secondary-sidebar');
    const link = e => e && e.querySelector('a.reference.internal, a.nav-link');
    return {nav: shown(nav) && shown(link(nav)), toc: shown(toc) && shown(link(toc))};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_the_sidebar_and_the_contents_open_at_every_width(collection_site, browser, width):
    """The visible toggles (article header) open the chapter list and the page's contents."""
    with serve(collection_site) as base, window(browser, width) as page:
        page.goto(base + "03-offsetting.html", wait_until="load")
        nav_toggle = page.locator(".bd-header-article button.primary-toggle")
        toc_toggle = page.locator(".bd-header-article button.secondary-toggle")
        assert nav_toggle.is_visible() and toc_toggle.is_visible()
        state = page.evaluate(_SIDEBAR_STATE)
        if width >= 992:
            # A column beside the article: the toggle hides it, and shows it again.
            assert state["nav"], "the chapter list is not shown at first"
            nav_toggle.click()
            page.wait_for_timeout(400)
            assert not page.evaluate(_SIDEBAR_STATE)["nav"], "the toggle does not hide it"
            nav_toggle.click()
        else:
            assert not state["nav"]
            nav_toggle.click()
        page.wait_for_timeout(400)
        assert page.evaluate(_SIDEBAR_STATE)["nav"], f"the chapter list did not open at {width}"
        page.keyboard.press("Escape")
        page.wait_for_timeout(400)
        assert not page.evaluate(_SIDEBAR_STATE)["toc"]
        toc_toggle.click()
        page.wait_for_timeout(400)
        assert page.evaluate(_SIDEBAR_STATE)["toc"], f"the contents did not open at {width}"
        # A contents entry takes the reader to its section.
        page.locator("#pst-secondary-sidebar-modal a.nav-link").nth(1).click()
        page.wait_for_timeout(300)
        assert "#" in page.url


@pytest.mark.browser
def test_a_cards_table_reads_as_one_card_per_row_on_a_phone(fixture_site, browser):
    with serve(fixture_site) as base, window(browser, 390) as page:
        page.goto(base + "00-fixture.html", wait_until="load")
        rows = page.locator(".cards table tbody tr")
        assert rows.count() == 2
        first = rows.first.locator("td")
        boxes = first.evaluate_all("tds => tds.map(td => td.getBoundingClientRect().toJSON())")
        # Stacked, each as wide as the card: one cell under the other.
        assert [round(b["left"]) for b in boxes] == [round(boxes[0]["left"])] * 3
        assert boxes[1]["top"] >= boxes[0]["bottom"] - 1
        label = first.nth(1).evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"rate"'
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with serve(fixture_site) as base, window(browser, 1280) as page:
        page.goto(base + "00-fixture.html", wait_until="load")
        header = page.locator(".cards table thead")
        assert header.is_visible(), "a plain table on a wide screen"


# --- Figures: sharp on HiDPI, open full size --------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def test_every_figure_is_drawn_at_twice_its_size_or_as_svg(collection_site):
    from bs4 import BeautifulSoup

    figures = 0
    for name in _pages(collection_site):
        soup = BeautifulSoup((collection_site / name).read_text(encoding="utf-8"), "html.parser")
        for img in soup.select("article img"):
            if img.find_parent(class_="animation"):
                continue
            figures += 1
            src = img["src"]
            if src.endswith(".svg"):
                continue
            assert src.endswith(".png"), (name, src)
            pixels, _ = _png_size(collection_site / src)
            assert img.get("width"), f"{name}: {src} has no display width (a 1x figure)"
            assert pixels >= 2 * int(img["width"]) - 1, (name, src, pixels, img["width"])
    assert figures >= 10


@pytest.mark.browser
@pytest.mark.parametrize("width", (1280, 390))
def test_a_figure_opens_full_size_on_click(collection_site, browser, width):
    with serve(collection_site) as base, window(browser, width) as page:
        page.goto(base + "05-error-analysis.html", wait_until="load")
        figure = page.locator("div.cell_output a.tsc-figure-link img").first
        figure.scroll_into_view_if_needed()
        shown = figure.evaluate("i => i.getBoundingClientRect().width")
        full = int(figure.get_attribute("width"))
        figure.click()
        viewer = page.locator("dialog.tsc-figure-viewer[open] img")
        viewer.wait_for(state="visible", timeout=5_000)
        assert viewer.evaluate("i => i.getBoundingClientRect().width") == pytest.approx(full, 1)
        assert full >= shown
        page.keyboard.press("Escape")
        page.locator("dialog.tsc-figure-viewer[open]").wait_for(state="detached", timeout=5_000)


# --- Where the collection lives ----------------------------------------------------------------


def _conf_value(name: str):
    text = (ROOT / "site" / "conf.py").read_text(encoding="utf-8")
    return re.search(rf'^{name} = "([^"]+)"', text, re.MULTILINE).group(1)


def test_the_repository_is_named_in_the_header_and_where_the_pages_say_clone_it(collection_site):
    from bs4 import BeautifulSoup

    url = _conf_value("REPOSITORY_URL")
    assert url.startswith("https://")
    clones = 0
    for name in _pages(collection_site):
        soup = BeautifulSoup((collection_site / name).read_text(encoding="utf-8"), "html.parser")
        header = soup.select_one(".bd-header-article a.btn-source-repository-button")
        assert header is not None and header["href"] == url, f"{name}: no repository button"
        article = soup.select_one("article")
        for text in article.find_all(string=re.compile("clone the repository", re.I)):
            clones += 1
            link = text.find_next("a")
            assert link is not None and link.get("href") == url, f"{name}: {text[:60]!r}"
            assert url.split("://")[1] in link.get_text(), name
    assert clones >= 1, "no page says where to clone the repository"


@pytest.mark.browser
def test_the_download_button_gives_the_chapters_notebook(collection_site, browser, tmp_path):
    """The header's ".ipynb" is the notebook the page was built from, saved as a file."""
    for path in notebook_paths():
        html = (collection_site / f"{path.stem}.html").read_text(encoding="utf-8")
        href = re.search(r'href="([^"]+)"[^>]*\n?\s*class="[^"]*btn-download-source-button', html)
        assert href and href.group(1) == f"_sources/{path.name}", path.name
        assert (collection_site / href.group(1)).read_bytes() == path.read_bytes(), path.name
    with serve(collection_site) as base, window(browser, 1280) as page:
        page.goto(base + "04-scaling.html", wait_until="load")
        page.locator(".bd-header-article .dropdown-download-buttons button.dropdown-toggle").click()
        link = page.locator("a.btn-download-source-button")
        assert link.get_attribute("download") == "04-scaling.ipynb"
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / "04.ipynb"
        download.value.save_as(saved)
        nb = nbformat.read(saved, as_version=4)
        assert nb.cells[0].source.startswith("# 04"), nb.cells[0].source[:40]
        assert saved.read_bytes() == (ROOT / "notebooks" / "04-scaling.ipynb").read_bytes()


def test_every_chapter_page_ends_with_its_linked_sources(collection_site):
    """Pages of notebooks that cite real systems end with a "Sources" section of GitHub links."""
    spec = importlib.util.spec_from_file_location(
        "tools_sources_site", ROOT / "tools" / "sources.py"
    )
    tool = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = tool
    spec.loader.exec_module(tool)
    entries = tool.load_registry()
    for nb in notebook_paths():
        groups = tool.sources_for_notebook(nb, entries)
        html = (collection_site / f"{nb.stem}.html").read_text(encoding="utf-8")
        if not groups:
            assert 'id="sources"' not in html, nb.name
            continue
        section = html[html.index('id="sources"') :]
        assert ">Sources<" in section[:300], nb.name
        for file_entry, _ in groups:
            assert f'href="{file_entry.link}"' in section, (nb.name, file_entry.path)
