"""Sphinx extension: every exercise of the collection can be done on the static site.

Under each exercise's question the page gets an editor holding the student edition's answer
cell (the stub ``tools/make_student.py`` makes from the instructor's ``solution`` cell, never
the solution), and three buttons: **Check** runs the reader's code and then the notebook's own
check cell (``check.name(answer)``, the checker JupyterLab runs) in the page's Python (a Web
Worker, ``site/live/``), **Hint** gives the next level of ``check.hint``, **Reset** puts the
stub back. Work is kept in the browser (``localStorage``); **Download my work** gives the
chapter's student edition (written here, beside the page scripts) with the answers filled
in, which ``python -m tsccourse.exercises.grading`` grades like any submission.

What an exercise needs to run is read from its notebook at build time (the *spec*, a JSON
block in the page): the chapter's import statements, the cells of its "Exercises" section up
to the question (givens and setup; earlier answers as their stubs, as in the student
edition) and its check cell. An exercise whose cells import what the browser cannot load
(numpy, matplotlib, ipywidgets) says so and how to do it in JupyterLab instead.

The site's instructions ("on this site ... in JupyterLab ...") are written here, in the
injected part of the page, so the notebooks keep their JupyterLab wording.
"""

from __future__ import annotations

import ast
import html
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
LIVE_DIR = "_static/offline/live/"
STUDENT_DIR = "student"
"""Where, under ``LIVE_DIR``, the student edition of each exercise page is written."""
NOT_IN_BROWSER = ("numpy", "matplotlib", "ipywidgets", "IPython", "scipy", "pandas")
"""Modules the site's Python cannot load (no network, no compiled wheels)."""
_EXERCISES_HEADING = re.compile(r"^#{1,3}\s.*\bexercises\b", re.IGNORECASE | re.MULTILINE)


def _make_student():
    spec = importlib.util.spec_from_file_location(
        "make_student", ROOT / "tools" / "make_student.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_STUDENT = None


def make_student():
    """``tools/make_student.py`` as a module (its stubs and its student edition)."""
    global _STUDENT
    if _STUDENT is None:
        _STUDENT = _make_student()
    return _STUDENT


def _exercise_of(check_source: str) -> tuple[str, str] | None:
    """``(exercise id, exercise name)`` a check cell calls, or None if it calls no checker."""
    from tsccourse.exercises.core import REGISTRY

    try:
        tree = ast.parse(make_student().python_source(check_source))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        key = None
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "check"
            and func.attr not in ("givens", "hint", "reset_hints")
        ):
            key = func.attr
        elif isinstance(func, ast.Name) and func.id == "check" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                key = first.value
        entry = REGISTRY.get(key) if key else None
        if entry is not None:
            return entry.id, entry.name
    return None


def _imports(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]


def _top_modules(statements: list[str]) -> set[str]:
    found = set()
    for statement in statements:
        for node in ast.walk(ast.parse(statement)):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
    return found


def exercise_specs(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """What each exercise of ``nb`` needs on the site, in notebook order (no solution in it).

    Each spec: ``exercise`` (id), ``name``, ``title``, ``cell_index`` and ``cell_id`` (of the
    answer cell), ``stub`` (the student edition's answer cell), ``imports`` (the chapter's
    import statements before it), ``context`` (the cells of the "Exercises" section before
    it, answers as stubs, check cells left out), ``check`` (the check cell's code),
    ``packages`` (pure-Python wheels to load first: SymPy) and ``needs`` (what the browser
    cannot load; empty when the exercise runs on the site).
    """
    from tsccourse.exercises.core import REGISTRY

    ms = make_student()
    cells = nb.cells
    solutions = [k for k, c in enumerate(cells) if ms.is_solution(c) and c.cell_type == "code"]
    if not solutions:
        return []
    checks: dict[int, tuple[int, tuple[str, str]]] = {}
    for k in solutions:
        for j in range(k + 1, len(cells)):
            if cells[j].cell_type != "code":
                continue
            found = _exercise_of(cells[j].source)
            if found:
                checks[k] = (j, found)
            break
    start = 0
    for k in range(solutions[0], -1, -1):
        if cells[k].cell_type == "markdown" and _EXERCISES_HEADING.search(cells[k].source):
            start = k
            break
    check_cells = {j for j, _ in checks.values()}
    specs = []
    for k in solutions:
        if k not in checks:
            continue
        j, (exercise, name) = checks[k]
        imports: list[str] = []
        context: list[str] = []
        for i in range(k):
            cell = cells[i]
            if cell.cell_type != "code" or i in check_cells:
                continue
            source = ms.stub_for_code(cell.source) if ms.is_solution(cell) else cell.source
            source = ms.python_source(source)
            if i >= start:
                context.append(source)
            else:
                imports += [s for s in _imports(source) if s not in imports]
        stub = ms.stub_for_code(cells[k].source)
        solution_imports = _imports(ms.python_source(cells[k].source))
        # The chapter's earlier imports are tried and may fail (numpy); the exercise's own
        # cells must load.
        modules = _top_modules(solution_imports + [s for c in context for s in _imports(c)])
        needs = sorted(m for m in modules if m in NOT_IN_BROWSER)
        packages = ["mpmath", "sympy"] if "sympy" in modules else []
        specs.append(
            {
                "exercise": exercise,
                "name": name,
                "title": REGISTRY[exercise].title,
                "cell_index": k,
                "cell_id": cells[k].get("id", ""),
                "stub": stub,
                "imports": imports,
                "context": context,
                "check": ms.python_source(cells[j].source),
                "packages": packages,
                "needs": needs,
            }
        )
    return specs


INSTRUCTIONS = (
    '<div class="tsc-ex-where" role="note"><p><b>On this site</b> you need no JupyterLab: '
    "write your answer in the editor under each question and press "
    "<b>Check</b>: your code and the same checker as in JupyterLab run in your browser "
    "(Python in WebAssembly, nothing is sent anywhere). <b>Hint</b> gives one hint more each "
    "time, <b>Reset</b> puts the starting code back. Your work stays in this browser; "
    "<b>Download my work</b> saves this chapter as a notebook with your answers, for your "
    "instructor's grader or for JupyterLab. <b>In JupyterLab</b> ({repository}"
    "<code>make student-lab</code>), "
    "write the answer in the cell under each question, run it, then run the check cell below "
    "it.</p></div>"
)


def instructions(repository_url: str | None) -> str:
    """:data:`INSTRUCTIONS`, naming the repository to clone when the site knows it."""
    if not repository_url:
        return INSTRUCTIONS.replace("{repository}", "")
    shown = html.escape(repository_url.split("://", 1)[-1])
    link = f'clone <a href="{html.escape(repository_url)}">{shown}</a>, then '
    return INSTRUCTIONS.replace("{repository}", link)


def _json_for_script(value: Any) -> str:
    return json.dumps(value).replace("</", "<\\/")


def exercise_html(
    spec: dict[str, Any], docname: str, *, first: bool, repository_url: str | None = None
) -> str:
    """The editor, buttons and result area of one exercise (disabled until Python is ready)."""
    exercise = spec["exercise"]
    anchor = "tsc-ex-" + exercise.replace(".", "-")
    public = {k: v for k, v in spec.items() if k != "cell_index"}
    label = f"Your answer to exercise {exercise} (Python; Tab indents, Esc then Tab leaves)"
    parts = [instructions(repository_url) if first else ""]
    parts.append(
        f'<div class="tsc-exercise" id="{anchor}" data-exercise="{html.escape(exercise)}" '
        f'data-doc="{html.escape(docname)}"'
        + (f' data-needs="{html.escape(", ".join(spec["needs"]))}"' if spec["needs"] else "")
        + ">"
    )
    parts.append(
        f'<p class="tsc-ex-title">Exercise {html.escape(exercise)}: your answer '
        f"<span>(runs in your browser)</span></p>"
    )
    if spec["needs"]:
        parts.append(
            '<p class="tsc-ex-needs">This exercise uses '
            + ", ".join(f"<code>{html.escape(m)}</code>" for m in spec["needs"])
            + ", which cannot load in the browser: do it in JupyterLab (<code>make "
            "student-lab</code>), in the cell under this question, then run its check cell."
            "</p></div>"
        )
        return "".join(parts)
    parts.append(
        f'<textarea class="tsc-ex-code" aria-label="{html.escape(label)}" spellcheck="false" '
        f'rows="{min(18, spec["stub"].count(chr(10)) + 2)}">{html.escape(spec["stub"])}</textarea>'
        '<div class="tsc-ex-buttons">'
        '<button type="button" data-action="check" disabled>Check</button>'
        '<button type="button" data-action="hint" disabled>Hint</button>'
        '<button type="button" data-action="reset">Reset</button>'
        '<button type="button" data-action="download">Download my work</button>'
        '<span class="tsc-ex-status" data-tsc-status role="status">'
        "Loading Python in your browser…</span></div>"
        '<div class="tsc-ex-hints" aria-live="polite"></div>'
        '<div class="tsc-ex-result" aria-live="polite"></div>'
        f'<script type="application/json" class="tsc-ex-spec">{_json_for_script(public)}</script>'
        "</div>"
    )
    return "".join(parts)


def _insert_exercises(app, doctree, docname: str) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    specs = exercise_specs(nbformat.read(path, as_version=4))
    if not specs:
        return
    by_index = {spec["cell_index"]: spec for spec in specs}
    # The site's instructions go right after the notebook's own (written for JupyterLab).
    repository = (app.config.html_theme_options or {}).get("repository_url")
    first = True
    for paragraph in doctree.findall(nodes.paragraph):
        if "run the check cell" in paragraph.astext():
            raw = nodes.raw("", instructions(repository), format="html")
            paragraph.parent.insert(paragraph.parent.index(paragraph) + 1, raw)
            first = False
            break
    for node in list(doctree.findall(nodes.container)):
        spec = (
            by_index.get(node.get("cell_index")) if node.get("nb_element") == "cell_code" else None
        )
        if spec is None:
            continue
        html_text = exercise_html(spec, docname, first=first, repository_url=repository)
        raw = nodes.raw("", html_text, format="html")
        node.parent.insert(node.parent.index(node), raw)
        first = False
    app.builder.tsc_exercise_pages[docname] = path


def _scripts(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body") or ""
    if "tsc-exercise" in body or 'class="tsc-live"' in body or 'class="tsc-calc"' in body:
        # Python starts loading as the page opens (async: it never blocks the page).
        app.add_js_file("offline/live/live.js", loading_method="async", priority=100)
    if "tsc-exercise" in body:
        app.add_js_file("offline/live/editor.js", loading_method="defer", priority=600)
        app.add_js_file("offline/live/exercises.js", loading_method="defer", priority=601)


WIDGET_SCRIPTS = ("html-manager/embed-amd.js", "requirejs/require.js", "widgets-config.js")
"""The ipywidgets HTML manager and its loader, which myst-nb adds to a page with widget state."""


def _drop_unused_widget_manager(app, pagename, templatename, context, doctree) -> None:
    """No widget manager on a page that shows no widget view (chapter 07: its apps show their
    live HTML instead): the manager's start-up is a 0.5 s main-thread task while the page
    loads, for nothing. (Runs after myst-nb has added the scripts.)"""
    body = context.get("body") or ""
    scripts = context.get("script_files")
    if not isinstance(scripts, list) or "widget-view+json" in body:
        return
    for js in list(scripts):
        name = str(getattr(js, "filename", js) or "")
        kind = (getattr(js, "attributes", None) or {}).get("type", "")
        if name.endswith(WIDGET_SCRIPTS) or "widget-state" in kind:
            scripts.remove(js)


def _student_notebooks(app, exception) -> None:
    """Write the student edition of every exercise page (for **Download my work**)."""
    if exception is not None or app.builder.format != "html":
        return
    folder = Path(app.outdir) / LIVE_DIR / STUDENT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    ms = make_student()
    for docname, path in sorted(app.builder.tsc_exercise_pages.items()):
        student, _ = ms.student_notebook(nbformat.read(path, as_version=4))
        target = folder / f"{docname}.ipynb"
        text = nbformat.writes(student)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def _init(app) -> None:
    app.builder.tsc_exercise_pages = {}


def setup(app):
    app.connect("builder-inited", _init)
    app.connect("doctree-resolved", _insert_exercises)
    app.connect("html-page-context", _scripts)
    app.connect("html-page-context", _drop_unused_widget_manager, priority=900)
    app.connect("build-finished", _student_notebooks)
    app.add_css_file("exercises.css")
    return {"parallel_read_safe": True, "parallel_write_safe": False}
