"""Chapter 07 on the static site is live: Python (Pyodide) runs the playground in Chromium.

The collection site (``make site``'s build/site) is served on 127.0.0.1 and opened in headless
Chromium with every request that leaves 127.0.0.1 aborted and counted (there must be none),
and every console error recorded (there must be none). The page must load Python from the
site itself, enable its controls and behave as the JupyterLab app does, with the values
``tscmath`` computes here in the test process: Migrate moves the guest, a host's frequency
changes the multiplier, 0 kHz shows the named message (no traceback), Play advances time,
Reset restores the picture a fresh session draws. The TSC calculator gives tscmath's numbers
for tsc-simulator's published vectors and tscmath's message for a ratio out of range.
Without WebAssembly the page says so and the recording (text at least 11 px) still plays.
Screenshots at 1280 px go to ``test-artifacts/site-live/``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import tscmath as tm
from tsccourse.playground.calculator import calc_text, calculate
from tsccourse.playground.render import frame_parts
from tsccourse.playground.session import Session
from tsccourse.playground.settings import Settings

from .test_site import Visit, browser, collection_site, npm_or_assets, serve  # noqa: F401

pytestmark = pytest.mark.browser

PAGE = "07-playground.html"
LOAD_TIMEOUT_MS = 180_000  # a cold Pyodide start on a busy 2-core machine takes 10-30 s
SVG_TEXT = "{http://www.w3.org/2000/svg}text"


@pytest.fixture(scope="module")
def live(browser, collection_site, artifacts_dir):  # noqa: F811 (fixtures of test_site)
    """The chapter 07 page, Python loaded and the controls enabled (shared by the tests)."""
    shots = artifacts_dir / "site-live"
    shots.mkdir(exist_ok=True)
    with serve(collection_site) as base:
        visit = Visit(browser)
        page = visit.page
        # What the page says before any script runs (reading it live would race a fast load).
        served = (collection_site / PAGE).read_text(encoding="utf-8")
        start = served.index('class="tsc-status"')
        first_status = served[served.index(">", start) + 1 :].split("<", 1)[0]
        page.goto(base + PAGE, wait_until="domcontentloaded")
        page.wait_for_selector(".tsc-live[data-ready=true]", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_selector(".tsc-calc[data-ready=true]", timeout=LOAD_TIMEOUT_MS)
        visit.first_status = first_status
        visit.shots = shots
        yield visit
        visit.close()


def _parts_text(page, key: str) -> str:
    return page.locator(f".tsc-live .{key}").inner_text()


def _settled(page, root: str = ".tsc-live") -> None:
    """Wait until the page has no call of ``root``'s app in the worker (Python is off-page)."""
    page.wait_for_function(
        "sel => document.querySelector(sel).dataset.busy === '0'", arg=root, timeout=30_000
    )


def _set(page, name: str, value: str) -> None:
    field = page.locator(f'.tsc-live [data-setting="{name}"]')
    field.fill(value)
    field.dispatch_event("change")
    _settled(page)


def _click(page, action: str) -> None:
    page.locator(f'.tsc-live [data-action="{action}"]').click()
    _settled(page)


def _slide(page, frame: int) -> None:
    slider = page.locator('.tsc-live [data-action="frame"]')
    slider.fill(str(frame))
    slider.dispatch_event("input")
    _settled(page)


def _svg_texts(html: str) -> list[str]:
    """The text lines of every SVG in ``html`` (as Python renders them)."""
    texts = []
    for chunk in html.split("<svg")[1:]:
        root = ET.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")
        texts += ["".join(t.itertext()) for t in root.iter(SVG_TEXT)]
    return texts


def test_loads_python_from_the_site_and_enables_the_controls(live):
    page = live.page
    assert live.first_status.startswith("Loading Python in your browser")
    assert "Live: computed by tscmath in your browser" in _parts_text(page, "tsc-status")
    controls = page.locator(".tsc-live [data-setting], .tsc-live [data-action]")
    assert controls.count() == 13 + 4
    assert all(not controls.nth(i).is_disabled() for i in range(controls.count()))
    page.locator(".tsc-live").screenshot(path=live.shots / "live-loaded.png")
    assert live.outside == [] and live.errors == []


def test_migrate_moves_the_guest_and_marks_the_plot(live):
    page = live.page
    _click(page, "reset")
    _slide(page, 100)
    assert "on host A" in _parts_text(page, "tsc-clocks")
    assert "→B" not in page.locator(".tsc-live .tsc-error-plot").inner_html()
    page.locator('.tsc-live [data-action="migrate"]').click()
    page.wait_for_function(
        "() => document.querySelector('.tsc-live .tsc-error-plot').innerHTML.includes('→B')"
    )
    _settled(page)
    assert "paused (blackout)" in _parts_text(page, "tsc-clocks")
    _slide(page, 200)
    assert "on host B" in _parts_text(page, "tsc-clocks")
    assert "A → B" in _parts_text(page, "tsc-readout")
    page.locator(".tsc-live").screenshot(path=live.shots / "live-migrated.png")
    assert live.outside == [] and live.errors == []


def test_a_host_frequency_changes_the_multiplier_to_tscmaths(live):
    page = live.page
    _set(page, "a_khz", "2994374")
    expected = tm.multiplier(3_000_000_000, 2_994_374_000, tm.AMD_SVM)
    page.wait_for_function(
        "m => document.querySelector('.tsc-live .tsc-readout').innerText.includes(m)",
        arg=f"M: 0x{expected:X} (8.32)",
    )
    _set(page, "a_khz", "3000000")
    assert live.errors == []


def test_zero_khz_shows_the_named_message_and_no_traceback(live):
    page = live.page
    _set(page, "b_khz", "0")
    message = page.locator(".tsc-live .tsc-message")
    message.wait_for(state="visible")
    text = message.inner_text()
    assert "B TSC (kHz) must be an integer in [1, 20000000]; got 0" in text
    assert "Traceback" not in page.locator(".tsc-live").inner_text()
    page.locator(".tsc-live").screenshot(path=live.shots / "live-refused.png")
    # The last valid picture stays, dimmed, its five clocks still in one row.
    tops = page.evaluate(
        "() => Array.from(document.querySelectorAll('.tsc-live .tsc-clock'))"
        ".map(c => Math.round(c.getBoundingClientRect().top))"
    )
    assert len(tops) == 5 and len(set(tops)) == 1, tops
    _set(page, "b_khz", "2500000")
    assert message.inner_text().strip() == ""
    assert live.errors == []


def test_play_advances_time_and_reset_restores_a_fresh_sessions_picture(live):
    page = live.page
    time_out = page.locator(".tsc-live .tsc-time")
    before = time_out.inner_text()
    page.locator('.tsc-live [data-action="play"]').click()
    page.wait_for_function(
        "t => document.querySelector('.tsc-live .tsc-time').textContent !== t", arg=before
    )
    page.wait_for_timeout(400)
    _click(page, "play")  # pause
    assert time_out.inner_text() != before
    _click(page, "reset")
    assert time_out.inner_text() == "t = 0.0 s"
    fresh = frame_parts(Session(Settings(), frame=0))
    shown = page.evaluate(
        "() => Array.from(document.querySelectorAll('.tsc-live .tsc-clocks svg text'))"
        ".map(t => t.textContent)"
    )
    assert shown == _svg_texts(fresh["clocks"])
    assert "→B" not in page.locator(".tsc-live .tsc-error-plot").inner_html()
    assert live.outside == [] and live.errors == []


def test_nothing_is_clipped_in_the_content_column_at_1280(live):
    page = live.page
    page.locator(".tsc-live").scroll_into_view_if_needed()
    found = page.evaluate(
        """() => {
      const root = document.querySelector('.tsc-live');
      const column = root.closest('article') || root.parentElement;
      const limit = Math.min(column.getBoundingClientRect().right,
                             root.getBoundingClientRect().right) + 0.5;
      const parts = root.querySelectorAll(
        'input, select, button, output, .tsc-clocks svg, .tsc-readout, .tsc-error-plot svg');
      const out = Array.from(parts).filter(e => e.getBoundingClientRect().right > limit)
        .map(e => (e.dataset.setting || e.dataset.action || e.className.baseVal
                   || e.className || e.tagName) + ' ' + e.getBoundingClientRect().right);
      return {out, overflow: root.scrollWidth - root.clientWidth,
              width: root.getBoundingClientRect().width};
    }"""
    )
    assert found["out"] == [], f"beyond the content column: {found}"
    assert found["overflow"] <= 0, found
    tops = page.evaluate(
        "() => Array.from(document.querySelectorAll('.tsc-live .tsc-clock'))"
        ".map(c => Math.round(c.getBoundingClientRect().top))"
    )
    assert len(tops) == 5 and len(set(tops)) == 1, f"the five clocks are not in one row: {tops}"
    page.screenshot(path=live.shots / "live-1280.png", full_page=False)


VECTORS = [
    {"guest_hz": "2000", "host_hz": "3000", "fmt": "amd"},
    {"guest_hz": "2000", "host_hz": "3000", "fmt": "intel"},
    {"guest_hz": "3000", "host_hz": "2000", "fmt": "amd"},
    {"guest_hz": "0x3e8", "host_hz": "1000", "fmt": "intel", "host_tsc": "180000000000"},
]


def _calc(page, values: dict[str, str]) -> str:
    root = page.locator(".tsc-calc")
    defaults = {"guest_tsc": "0", "host_tsc": "9000000000"}
    for name, value in {**defaults, **values}.items():
        field = root.locator(f'[data-calc="{name}"]')
        if name == "fmt":
            field.select_option(value)
        else:
            field.fill(value)
            field.dispatch_event("change")
        _settled(page, ".tsc-calc")
    return root.locator(".tsc-calc-result").inner_text()


@pytest.mark.parametrize("values", VECTORS)
def test_calculator_matches_tscmath_on_tsc_simulator_vectors(live, values):
    shown = _calc(live.page, values)
    expected = calc_text(calculate({"guest_tsc": "0", "host_tsc": "9000000000", **values}))
    assert shown.strip() == expected
    assert live.errors == []


def test_calculator_rejects_a_ratio_out_of_range_with_tscmaths_message(live):
    with pytest.raises(tm.RatioOutOfRange) as raised:
        tm.multiplier(3000, 1, tm.AMD_SVM)
    shown = _calc(live.page, {"guest_hz": "3000", "host_hz": "1", "fmt": "amd"})
    assert str(raised.value) in shown
    live.page.locator(".tsc-calc").screenshot(path=live.shots / "calculator-refused.png")
    _calc(live.page, {"guest_hz": "2000000000", "host_hz": "3000000000"})
    assert live.outside == [] and live.errors == []


def test_without_webassembly_the_page_says_so_and_the_recording_plays(
    browser,  # noqa: F811
    collection_site,  # noqa: F811
    artifacts_dir,
):
    visit = Visit(browser)
    try:
        visit.context.add_init_script("delete window.WebAssembly;")
        with serve(collection_site) as base:
            page = visit.page
            page.goto(base + PAGE, wait_until="load")
            status = page.locator(".tsc-live .tsc-status")
            page.wait_for_function(
                "() => document.querySelector('.tsc-live .tsc-status').dataset.state"
                " === 'unavailable'"
            )
            assert "cannot run WebAssembly" in status.inner_text()
            recording = page.locator(".tsc-rec")
            assert recording.count() == 1
            recording.scroll_into_view_if_needed()
            smallest = page.evaluate(
                """() => Math.min(...Array.from(
                    document.querySelectorAll('.tsc-rec svg text'))
                    .filter(t => t.textContent.trim())
                    .map(t => parseFloat(getComputedStyle(t).fontSize)
                        * t.ownerSVGElement.getBoundingClientRect().width
                        / t.ownerSVGElement.viewBox.baseVal.width))"""
            )
            assert smallest >= 11, f"recording text {smallest:.1f} px"
            first = page.evaluate(
                "() => Array.from(document.querySelectorAll('.tsc-rec-frame'))"
                ".findIndex(f => getComputedStyle(f).visibility === 'visible')"
            )
            page.wait_for_function(
                "i => Array.from(document.querySelectorAll('.tsc-rec-frame'))"
                ".findIndex(f => getComputedStyle(f).visibility === 'visible') !== i",
                arg=first,
                timeout=10_000,
            )
            recording.screenshot(path=artifacts_dir / "site-live" / "recording.png")
            assert visit.outside == [] and visit.errors == []
    finally:
        visit.close()
