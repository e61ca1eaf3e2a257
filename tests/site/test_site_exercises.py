"""Every exercise can be done on the static site, in the reader's browser, offline.

The collection site (``make site``'s build/site) is served on 127.0.0.1 and opened in headless
Chromium with every request leaving 127.0.0.1 aborted and counted (there must be none). Under
each exercise the page has an editor (CodeMirror) holding the student edition's answer cell,
and Check, Hint, Reset and Download my work; Python runs in the page's Web Worker.

* Each exercise's reference solution (the instructor notebook's ``solution`` cell) typed into
  the site's editor gets the verdict and the very message the same code gets here, in CPython,
  from the notebook's own check cell (what JupyterLab shows); the untouched stub gets "not
  answered" (one page load per notebook, the checks in a row).
* Wrong answers get the checker's message for them, the same as here.
* A function that never returns is stopped by the checker's time limit, as in JupyterLab; an
  answer cell that loops forever is stopped by the page: the worker is ended and restarted,
  and the page answers clicks all the while.
* The work survives a reload (code and hints shown).
* **Download my work** gives a notebook that the grader (``python -m
  tsccourse.exercises.grading``, its JSON report) grades: right answers correct, the wrong
  ones wrong, an untouched one not answered.
* The site's wheel holds no list of answers (``tsccourse/exercises/answers.py``).

Screenshots of an exercise at 390, 900 and 1280 px go to ``test-artifacts/site-exercises/``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest

from tsccourse import site_bridge

from ..conftest import ROOT
from .test_site import Visit, browser, collection_site, npm_or_assets, serve  # noqa: F401

sys.path.insert(0, str(ROOT / "site"))
import exercises_ext  # noqa: E402  (site/exercises_ext.py: the specs the pages are built from)

pytestmark = pytest.mark.browser

LOAD_TIMEOUT_MS = 180_000
CHECK_TIMEOUT_MS = 60_000
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _specs(path):
    nb = nbformat.read(path, as_version=4)
    return nb, exercises_ext.exercise_specs(nb)


PAGES = [path for path in NOTEBOOKS if _specs(path)[1]]
PATH_09 = ROOT / "notebooks" / "09-exercises-counting-and-scaling.ipynb"


@pytest.fixture(scope="module")
def site(collection_site):  # noqa: F811
    with serve(collection_site) as base:
        yield base


@pytest.fixture(scope="module")
def visit(browser):  # noqa: F811 (the fixture of test_site)
    visit = Visit(browser)
    yield visit
    visit.close()


def _open(visit, base: str, page_name: str, *, reload: bool = False):
    """The page, Python ready; the one already open is kept unless ``reload`` (saves a load)."""
    page = visit.page
    if reload or page.url != base + page_name:
        page.goto(base + page_name, wait_until="domcontentloaded")
    page.wait_for_selector(".tsc-exercise[data-ready=true]", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.tsc-exercise'))"
        ".every(e => e.dataset.needs || e.dataset.ready === 'true')",
        timeout=LOAD_TIMEOUT_MS,
    )
    return page


def _box(page, exercise: str):
    return page.locator(f'.tsc-exercise[data-exercise="{exercise}"]')


def _check(page, exercise: str, code: str) -> dict:
    """Type ``code`` into the exercise's editor, press Check; the verdict and the box's text."""
    box = _box(page, exercise)
    box.evaluate("(el, code) => el.tscSetCode(code)", code)
    assert box.evaluate("el => el.tscGetCode()") == code
    box.locator('[data-action="check"]').click()
    page.wait_for_function(
        "id => { const r = document.querySelector("
        "`.tsc-exercise[data-exercise='${id}'] .tsc-ex-result`);"
        " return r.dataset.status && r.dataset.status !== 'running'; }",
        arg=exercise,
        timeout=CHECK_TIMEOUT_MS,
    )
    result = box.locator(".tsc-ex-result")
    return {"status": result.get_attribute("data-status"), "text": result.inner_text()}


def _expected(spec: dict, code: str) -> dict:
    """What the notebook's check cell says about ``code`` here, in CPython (as in JupyterLab)."""
    reply = site_bridge.check(spec, code)
    return {"status": reply["status"], "message": _message(reply["html"])}


def _message(box_html: str) -> str:
    """The message of a result box (its text after the title line)."""
    import html as html_module
    import re

    text = html_module.unescape(re.sub(r"<br>", "\n", box_html))
    text = re.sub(r"<[^>]+>", "", text)
    return text.split("\n", 1)[1].strip()


@pytest.mark.parametrize("path", PAGES, ids=[p.stem[:2] for p in PAGES])
def test_every_reference_solution_gets_the_jupyterlab_verdict(visit, site, path):
    nb, specs = _specs(path)
    page = _open(visit, site, path.stem + ".html")
    assert _box(page, specs[0]["exercise"]).locator(".cm-editor").count() == 1  # CodeMirror
    for spec in specs:
        solution = nb.cells[spec["cell_index"]].source
        expected = _expected(spec, solution)
        assert expected["status"] == "correct", (spec["exercise"], expected)
        shown = _check(page, spec["exercise"], solution)
        assert shown["status"] == "correct", (spec["exercise"], shown)
        assert expected["message"] in shown["text"], (spec["exercise"], shown)
        untouched = _check(page, spec["exercise"], spec["stub"])
        assert untouched["status"] == "not answered", (spec["exercise"], untouched)
    assert visit.outside == [], visit.outside
    assert visit.errors == [], visit.errors


def test_a_reload_keeps_the_work_and_the_hints(visit, site):
    page = _open(visit, site, "10-exercises-migration.html")
    code = "# my work on 10.4\nbackwards_at_ms = 1"
    box = _box(page, "10.4")
    box.evaluate("(el, code) => el.tscSetCode(code)", code)
    box.locator('[data-action="hint"]').click()
    page.wait_for_selector(".tsc-exercise[data-exercise='10.4'] .tsc-ex-hints [data-level='1']")
    box.locator('[data-action="hint"]').click()
    page.wait_for_selector(".tsc-exercise[data-exercise='10.4'] .tsc-ex-hints [data-level='2']")
    hints = box.locator(".tsc-ex-hints").inner_text()
    assert "Hint 1 of" in hints and "Hint 2 of" in hints
    page = _open(visit, site, "10-exercises-migration.html", reload=True)
    box = _box(page, "10.4")
    assert box.evaluate("el => el.tscGetCode()") == code
    assert box.locator(".cm-content").inner_text().startswith("# my work on 10.4")
    page.wait_for_selector(".tsc-exercise[data-exercise='10.4'] .tsc-ex-hints [data-level='2']")
    assert box.locator(".tsc-ex-hints").inner_text() == hints
    box.locator('[data-action="reset"]').click()
    assert box.evaluate("el => el.tscGetCode()").startswith("# YOUR ANSWER HERE")
    assert visit.errors == []


WRONG = {
    "09.2": "mult_by_hand = 0xCCCCCCCD",
    "09.6": "def ticks_to_ns(ticks, hz):\n    return ticks // hz * 1_000_000_000",
    "09.9": "bound = 1 / 2**F",
}


def test_wrong_answers_get_the_checkers_message(visit, site):
    path = ROOT / "notebooks" / "09-exercises-counting-and-scaling.ipynb"
    _, specs = _specs(path)
    by_id = {spec["exercise"]: spec for spec in specs}
    page = _open(visit, site, path.stem + ".html")
    for exercise, code in WRONG.items():
        expected = _expected(by_id[exercise], code)
        assert expected["status"] == "wrong", (exercise, expected)
        shown = _check(page, exercise, code)
        assert shown["status"] == "wrong", (exercise, shown)
        assert expected["message"] in shown["text"], (exercise, shown, expected)
    # An error in the reader's own code shows its traceback, from the reader's cell on.
    shown = _check(page, "09.1", "ns_elapsed = ticks * 10**9 // tsc_hz_typo")
    assert shown["status"] == "error"
    assert "NameError" in shown["text"] and "tsc_hz_typo" in shown["text"]
    assert "site_bridge" not in shown["text"]
    assert visit.errors == []


def _responsive_ms(page) -> float:
    """How long the page takes to run a click handler and paint (main thread free?)."""
    start = time.monotonic()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(1)))")
    return (time.monotonic() - start) * 1000


def test_endless_code_is_stopped_and_the_page_stays_responsive(visit, site):
    page = _open(visit, site, "09-exercises-counting-and-scaling.html")
    # A function that never returns: the checker's own time limit, as in JupyterLab.
    looping = "def ticks_to_ns(ticks, hz):\n    while True:\n        pass"
    spec = next(s for s in _specs(PATH_09)[1] if s["exercise"] == "09.6")
    expected = _expected(spec, looping)
    assert "did not return within" in expected["message"]
    shown = _check(page, "09.6", looping)
    assert shown["status"] == "wrong" and expected["message"] in shown["text"], shown
    # An answer cell that never ends, not even on an exception: the page ends the worker.
    endless = "while True:\n    try:\n        pass\n    except BaseException:\n        pass"
    box = _box(page, "09.1")
    box.evaluate("(el, code) => el.tscSetCode(code)", endless)
    box.locator('[data-action="check"]').click()
    page.wait_for_timeout(1500)
    assert box.locator(".tsc-ex-result").get_attribute("data-status") == "running"
    slowest = max(_responsive_ms(page) for _ in range(5))
    other = _box(page, "09.2")
    other.locator('[data-action="reset"]').click()  # another exercise's button works meanwhile
    assert other.evaluate("el => el.tscGetCode()").startswith("# YOUR ANSWER HERE")
    page.wait_for_function(
        "() => document.querySelector(\".tsc-exercise[data-exercise='09.1'] .tsc-ex-result\")"
        ".dataset.status === 'time limit'",
        timeout=CHECK_TIMEOUT_MS,
    )
    assert "was stopped" in box.locator(".tsc-ex-result").inner_text()
    assert slowest < 1000, f"the page did not paint for {slowest:.0f} ms"
    # The new worker checks the next answer.
    nb, specs = _specs(PATH_09)
    spec = next(s for s in specs if s["exercise"] == "09.1")
    shown = _check(page, "09.1", nb.cells[spec["cell_index"]].source)
    assert shown["status"] == "correct", shown
    assert visit.errors == []


def test_downloaded_work_is_graded_like_any_submission(visit, site, tmp_path, artifacts_dir):
    path = ROOT / "notebooks" / "09-exercises-counting-and-scaling.ipynb"
    nb, specs = _specs(path)
    page = _open(visit, site, path.stem + ".html")
    wanted = {}
    for spec in specs:
        exercise = spec["exercise"]
        if exercise == "09.4":
            code, wanted[exercise] = spec["stub"], "not answered"
        elif exercise in WRONG:
            code, wanted[exercise] = WRONG[exercise], "wrong"
        else:
            code, wanted[exercise] = nb.cells[spec["cell_index"]].source, "correct"
        _box(page, exercise).evaluate("(el, code) => el.tscSetCode(code)", code)
    shots = artifacts_dir / "site-exercises"
    shots.mkdir(exist_ok=True)
    for width in (390, 900, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        box = _box(page, "09.6")
        box.scroll_into_view_if_needed()
        overflow = box.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, f"the exercise is {overflow} px wider than its box at {width} px"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=shots / f"exercise-{width}.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download:
        _box(page, "09.1").locator('[data-action="download"]').click()
    submission = tmp_path / "submitted" / "my-work.ipynb"
    submission.parent.mkdir()
    download.value.save_as(submission)
    saved = nbformat.read(submission, as_version=4)
    nbformat.validate(saved)
    reports = tmp_path / "reports.json"
    command = [sys.executable, "-m", "tsccourse.exercises.grading", str(submission)]
    command += ["--json", str(reports), "--source", str(ROOT / "notebooks"), "-q"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert reports.exists(), run.stdout + run.stderr
    (report,) = json.loads(reports.read_text())
    assert report["problems"] == [], report["problems"]
    got = {g["exercise"]: g["status"] for g in report["graded"]}
    assert got == wanted, (got, run.stdout[-2000:])
    assert visit.outside == [] and visit.errors == []


def test_the_sites_wheel_holds_no_list_of_answers(collection_site):  # noqa: F811
    live = collection_site / "_static" / "offline" / "live"
    manifest = json.loads((live / "manifest.json").read_text())
    names = zipfile.ZipFile(live / manifest["wheel"]).namelist()
    assert "tsccourse/exercises/core.py" in names  # the checkers are served
    assert not [n for n in names if n.endswith("exercises/answers.py")], names


@pytest.mark.parametrize("path", PAGES, ids=[p.stem[:3] for p in PAGES])
def test_the_specs_hold_no_solution_and_the_student_edition_gives_the_same(path):
    nb, specs = _specs(path)
    ms = exercises_ext.make_student()
    student, _ = ms.student_notebook(nb)
    assert exercises_ext.exercise_specs(student) == [
        {**spec, "cell_index": spec["cell_index"] + 1}
        for spec in specs  # + the banner cell
    ]
    for spec in specs:
        shown = json.dumps({k: v for k, v in spec.items() if k != "cell_index"})
        solution = nb.cells[spec["cell_index"]].source
        kept = ms.stub_lines(solution)  # signatures and docstrings the stub keeps on purpose
        working = [  # the solution's assignments and returns: its working
            line.strip()
            for line in solution.splitlines()
            if line.strip() not in kept
            and not line.strip().startswith("#")
            and ("=" in line or line.strip().startswith("return "))
        ]
        assert working, spec["exercise"]
        leaked = [line for line in working if json.dumps(line)[1:-1] in shown]
        assert not leaked, (spec["exercise"], leaked)
