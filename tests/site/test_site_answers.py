"""The built site shows no exercise's answer, except inside a folded solution.

Every checker's expected value (and the values that give it away) is searched for, in every
way a number is written, in the text of every page of build/site once the folded solutions
are taken out: the check cells must show no result (they are tagged ``remove-output``), and
no other cell or paragraph may state an answer.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil

import pytest

from tsccourse.exercises import exercises

from ..answers import answer_values, find_written, written_forms
from ..conftest import ROOT

BUILD = ROOT / "build"
spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
build_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_site)


COINCIDENCES = {
    # (page, exercise): why the number on that page is not the exercise's answer given away.
    ("06b-live-migration-in-practice.html", "10.5"): "a ratchet demo's clock error of 9,999,999 ns",
    ("08a-paravirtual-clocks.html", "09.1"): "kvmclock reads 2,999,999,999 ns, one short of 3 s",
    ("08a-paravirtual-clocks.html", "09.2"): (
        "pvclock's multiplier for a 2.5 GHz TSC (shift -1) is 0.8 in 32-bit fixed point, "
        "0xcccccccc, as is 09.2's 8.32 multiplier for 2.0 GHz on 2.5 GHz"
    ),
    ("08b-the-guest-os.html", "09.1"): (
        "a guest's TSC scaled 8.32 on a 2.5 GHz host ticks at 2,999,999,999 Hz, one short of 3 GHz"
    ),
    ("08b-the-guest-os.html", "09.2"): (
        "kvmclock on host B (2.5 GHz) prints pvclock's 0.8 multiplier, 0xcccccccc, as in 08a"
    ),
}
"""Numbers that equal an answer by coincidence, on a page that is not about that exercise.

Each is listed with its reason and checked to be still there (a stale entry fails); any other
occurrence of any answer fails the test.
"""


def visible_text(page: str) -> str:
    """The page's text without folded solutions, scripts, styles and tags.

    A folded solution is a code cell tagged ``solution`` (myst-nb writes the tag as the class
    ``tag_solution``) or a Markdown solution (an admonition titled "Solution", in a
    ``<details>`` dropdown).

    Examples
    --------
    >>> visible_text('<p>a </p><div class="cell tag_solution"><div><p>42</p></div></div><p>b</p>')
    'a b'
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for node in soup.select(".tag_solution, script, style, head"):
        node.decompose()
    for node in soup.select("details, .admonition"):
        title = node.select_one("summary, .admonition-title")
        if title is not None and title.get_text(strip=True).startswith("Solution"):
            node.decompose()
    return re.sub(r"\s+", " ", html.unescape(soup.get_text(""))).strip()


@pytest.fixture(scope="module")
def site_pages():
    if not (build_site.NODE_MODULES / "mathjax").exists() and shutil.which("npm") is None:
        if os.environ.get("TSCMATH_REQUIRE_BROWSER"):
            pytest.fail("npm not found: the site needs it once to fetch MathJax")
        pytest.skip("npm not found: the site needs it once to fetch MathJax (apt install npm)")
    build_site.build(BUILD / "site", quiet=True)  # shares make site's cache: seconds when built
    return {p.name: p.read_text(encoding="utf-8") for p in (BUILD / "site").glob("*.html")}


def test_no_answer_outside_a_folded_solution(site_pages):
    values = {e.id: answer_values(e.id) for e in exercises()}
    searched = {k: v for k, v in values.items() if any(written_forms(x) for x in v)}
    assert len(searched) >= 20
    leaks, seen = [], set()
    for name, page in sorted(site_pages.items()):
        text = visible_text(page)
        for exercise, answers in searched.items():
            found = [f for value in answers for f in find_written(text, value)]
            if found and (name, exercise) in COINCIDENCES:
                seen.add((name, exercise))
            elif found:
                leaks.append(f"{name}: answer of {exercise} shown as {found}")
    assert not leaks, leaks
    assert seen == set(COINCIDENCES), f"stale entries: {set(COINCIDENCES) - seen}"


def test_the_answers_are_there_inside_the_folds_and_the_checks_are_shown(site_pages):
    """The search above can find answers: the folded solutions hold them."""
    page = site_pages["10-exercises-migration.html"]
    from bs4 import BeautifulSoup

    folded = " ".join(
        n.get_text(" ") for n in BeautifulSoup(page, "html.parser").select(".tag_solution")
    )
    assert find_written(folded, answer_values("10.1")[0])
    assert "check.tsc_delta(tsc_delta)" in visible_text(page)
    # No "Correct" box: a check cell after a solution shows nothing (the page may still show a
    # checker's verdict on the chapter's own naive code, which gives nothing away).
    assert "\u2714" not in visible_text(page)


def before_any_fold_is_opened(page: str) -> str:
    """The page's text as a reader sees it before opening anything: every fold taken out.

    myst-nb folds a cell tagged ``hide-cell``/``hide-output`` in a ``<details>``, as Markdown
    answers are folded.

    Examples
    --------
    >>> before_any_fold_is_opened('<p>a </p><details><summary>S</summary>42</details><p>b</p>')
    'a b'
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    for node in soup.select("details, script, style, head"):
        node.decompose()
    return re.sub(r"\s+", " ", html.unescape(soup.get_text(""))).strip()


FOLDED = {
    # page: texts that answer an exercise of the page, shown only when the reader asks.
    "07-playground.html": [
        "error at 60 s: +39,999,",  # chapter 07's table of cases: 07.1 (40 ms) ...
        "error at 60 s: -8,04",  # ... and 07.2 (offset only, -8,043 ms)
        "lost about 8.08 s",  # the prose that reads the table
    ],
    "09-exercises-counting-and-scaling.html": [
        "guest loses < 0.698 ticks/s",  # 09.9's bound, printed for AMD 8.32
        "\\approx 0.70",  # and stated in the prose after the solution
    ],
}


@pytest.mark.parametrize("name", sorted(FOLDED))
def test_the_answers_of_07_and_09_9_are_folded_until_asked(site_pages, name):
    page = site_pages[name]
    shown = before_any_fold_is_opened(page)
    for text in FOLDED[name]:
        assert text in html.unescape(page), f"{name}: {text!r} is not on the page at all"
        assert text not in shown, f"{name}: {text!r} is shown before the reader asks"
