"""The playground's model without numpy: what runs in the reader's browser (Pyodide).

* importing the playground and driving a :class:`Session` (and the site's bridge and the
  calculator) imports no numpy, matplotlib or ipywidgets (checked in a fresh interpreter);
* the scalar model's 601 samples equal the numpy timeline's arrays for random settings;
* bad input (issue 17): wrapped values are said, not hidden; frames out of range, a
  negative host index and quotes in SVG titles get named errors or escaping; a fuzz test
  of settings and migration frames sees a named ``ValueError`` or a correct result only;
* the site's bridge and the TSC calculator (tsc-simulator's ``calc`` lines).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import fields

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tscmath as tm
from tsccourse.playground._clockface import clock_svg
from tsccourse.playground._errorplot import Marker, error_plot_svg
from tsccourse.playground.calculator import calc_text, calculate, calculate_json
from tsccourse.playground.model import TIMES_NS
from tsccourse.playground.refusals import frequency_refusal, wrap_note
from tsccourse.playground.render import screen
from tsccourse.playground.session import Session, evaluate
from tsccourse.playground.settings import (
    BHYVE_RULES,
    CONTROLS,
    GUEST_BOOT_NS,
    LABELS,
    N_SAMPLES,
    Settings,
    scenario_from,
    settings_from_form,
)
from tsccourse.playground.web import WebApp, playground_page_html
from tscmath.migration.timeline import Hop, simulate_timeline

from ..conftest import ROOT, examples

# --- numpy-free -------------------------------------------------------------------------------

NUMPY_FREE_SCRIPT = """
import json, sys
import tsccourse.playground
import tscmath.migration.hosts, tscmath.migration.vm, tscmath.migration.strategies
from tsccourse.playground.session import Session
from tsccourse.playground.render import screen
from tsccourse.playground.web import WebApp, playground_page_html
from tsccourse.playground.calculator import calculate_json
from tsccourse.playground.recording import recording_html
s = Session(frame=100)
s.migrate()
s.set_frame(300)
s.migrate()
parts = screen(s)
app = WebApp()
app.migrate(100)
app.set_frame(200)
playground_page_html()
calculate_json('{"guest_hz": "2000000000"}')
recording_html(n_frames=2)
heavy = sorted(m for m in ("numpy", "matplotlib", "ipywidgets", "sympy") if m in sys.modules)
print(json.dumps({"heavy": heavy, "hops": list(s.hops), "clocks": "<svg" in parts["clocks"]}))
"""


def test_the_browser_path_imports_no_numpy_matplotlib_or_ipywidgets():
    out = subprocess.run(
        [sys.executable, "-c", NUMPY_FREE_SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"heavy": [], "hops": [100, 300], "clocks": True}


# --- the scalar model equals the numpy timeline -----------------------------------------------

KHZ = st.sampled_from([3_000_000, 2_500_000, 2_994_374, 3_300_000, 1_000_000, 20_000_000, 1])
valid_settings = st.builds(
    Settings,
    guest_khz=KHZ,
    a_khz=KHZ,
    b_khz=KHZ,
    c_khz=KHZ,
    a_boot_s=st.integers(-315_360_000, 0),
    b_boot_s=st.integers(-315_360_000, 0),
    c_boot_s=st.integers(-315_360_000, 0),
    a_skew_ms=st.integers(-5_000, 5_000),
    b_skew_ms=st.integers(-5_000, 5_000),
    c_skew_ms=st.integers(-5_000, 5_000),
    fmt=st.sampled_from(["amd", "intel", "none"]),
    strategy=st.sampled_from(["FULL_PROTOCOL", "IGNORE_BLACKOUT", "OFFSET_ONLY", "NAIVE"]),
    blackout_ms=st.sampled_from([0, 50, 1_500, 9_950]),
)


@given(
    s=valid_settings,
    first=st.integers(0, 250),
    gap=st.integers(100, 340),
    n_hops=st.integers(0, 2),
)
@settings(max_examples=40, deadline=None)
def test_playground_samples_equal_the_numpy_timeline(s, first, gap, n_hops):
    hops = (first, first + gap)[:n_hops]
    view, message = evaluate(s, hops)
    if view is None:
        return  # refused settings: the refusal tests cover them
    scenario = scenario_from(s)
    model_hops = [
        Hop(scenario.hosts[k + 1], TIMES_NS[f], scenario.blackout_ns) for k, f in enumerate(hops)
    ]
    tl = simulate_timeline(
        scenario.hosts[0],
        scenario.guest_hz,
        GUEST_BOOT_NS,
        model_hops,
        scenario.strategy,
        TIMES_NS[0],
        TIMES_NS[-1],
        N_SAMPLES,
        enforce_limits=BHYVE_RULES[s.fmt],  # Intel 16.48: a hypothetical VMX hypervisor
    )
    assert view.guest_tsc == tl.guest_tsc.tolist()
    # numpy wraps the guest's ns and the error modulo 2**64; the playground keeps them exact.
    assert [g % 2**64 for g in view.guest_ns] == tl.guest_ns.tolist()
    assert [tm.to_signed(e % 2**64) for e in view.error_ns] == tl.error_ns.tolist()
    expected_segment = [
        -1 if p else k for p, k in zip(tl.paused.tolist(), tl.segment.tolist(), strict=True)
    ]
    assert view.segment == expected_segment
    assert view.guest_ns_wraps == (max(view.guest_ns) > tm.U64_MAX)


# --- issue 17: playground edges -----------------------------------------------------------------

WRAPS = Settings(guest_khz=1, a_khz=1, b_khz=20_000_000, b_boot_s=-315_360_000, strategy="NAIVE")


def test_a_guest_time_beyond_64_bits_is_shown_exactly_and_said():
    session = Session(WRAPS, frame=100)
    session.migrate()
    assert session.message == "" and session.view.guest_ns_wraps
    exact = session.view.guest_ns[-1]
    assert exact > 6 * 10**24  # not the 11 years a wrapped u64 would give
    b = session.view.scenario.hosts[1]
    assert session.view.guest_tsc[-1] == session.view.vms[1].guest_tsc_at(TIMES_NS[-1])
    assert exact == session.view.guest_tsc[-1] * tm.NS_PER_S // 1000
    note = wrap_note(session.view)
    assert "64-bit" in note and "exactly" in note
    assert "64-bit" in screen(session)["note"]
    assert b.tsc_hz == 20_000_000_000
    assert wrap_note(Session().view) == ""


@pytest.mark.parametrize("hops", [(601,), (-1,), (10**30,), (1.5,), ("3",), (1, 2, 3)])
def test_evaluate_refuses_hops_that_are_not_frames(hops):
    with pytest.raises(tm.InvalidInput, match="hops"):
        evaluate(Settings(), hops)


def test_session_frames_are_clamped_like_a_slider_and_must_be_integers():
    assert Session(frame=-5).frame == 0
    assert Session(frame=10**6).frame == N_SAMPLES - 1
    session = Session()
    session.set_frame(-1)
    assert session.frame == 0
    with pytest.raises(tm.InvalidInput, match="frame"):
        session.set_frame(1.5)
    with pytest.raises(tm.InvalidInput, match="settings"):
        Session(settings={"a_khz": 1})


@pytest.mark.parametrize("index", [-1, 3, 1.0, True])
def test_frequency_refusal_names_only_hosts_a_b_c(index):
    with pytest.raises(tm.InvalidInput, match="host_index"):
        frequency_refusal(Settings(), index)


@pytest.mark.parametrize("title", ['say "hi"', "it's <b> & </b>", "\"'<>&"])
def test_svg_titles_with_quotes_stay_well_formed(title):
    for svg in (
        clock_svg(title, 0, [title], color="#0072B2"),
        error_plot_svg([0, 1], [0, 1], title=title, markers=[Marker(0, 1, title)]),
    ):
        root = ET.fromstring(svg)
        assert root.get("aria-label") == title
        assert title in [
            "".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")
        ]
    with pytest.raises(tm.InvalidInput, match="color"):
        clock_svg("x", 0, [], color='"/><script>')


# --- fuzz: settings and migration frames --------------------------------------------------------

ODD = st.one_of(
    st.integers(-(2**130), 2**130),
    st.sampled_from([0, -1, 2**63, 2**64, 2**128, True, None, 1.5, float("nan"), "3000000", [1]]),
)


def _field_values(name: str):
    good = {
        c.name: (st.sampled_from([v for _, v in c.choices]) if c.choices else st.integers(*c.valid))
        for c in CONTROLS
    }[name]
    return st.one_of(good, good, ODD)


fuzz_settings = st.fixed_dictionaries({f.name: _field_values(f.name) for f in fields(Settings)})
fuzz_frames = st.lists(st.one_of(st.integers(-5, N_SAMPLES + 5), ODD), max_size=4)
FUZZ_CALLS = {"calls": 0, "results": 0, "named_errors": 0}


@pytest.mark.slow
@given(values=fuzz_settings, frames=fuzz_frames, frame=st.one_of(st.integers(-10, 700), ODD))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_settings_and_frames_give_a_named_error_or_a_result(values, frames, frame):
    s = Settings(**values)
    for call in (
        lambda: evaluate(s, tuple(frames)),
        lambda: Session(s, frame=frame),
        lambda: Session(s).set_frame(frame),
        lambda: _migrate_at(s, frame),
    ):
        start = time.perf_counter()
        FUZZ_CALLS["calls"] += 1
        try:
            result = call()
        except ValueError as err:
            assert isinstance(err, tm.TscMathError), repr(err)  # a named ValueError subclass
            FUZZ_CALLS["named_errors"] += 1
        else:
            FUZZ_CALLS["results"] += 1
            if isinstance(result, tuple):  # evaluate: a view or a message, never both
                view, message = result
                assert (view is None) == bool(message)
        assert time.perf_counter() - start < 2.0


def _migrate_at(s: Settings, frame: object) -> Session:
    session = Session(s)
    session.set_frame(frame)
    session.migrate()
    if session.view is not None and not session.message:
        assert session.hops == (session.frame,)
    return session


def test_fuzz_counts_are_reported():
    # Runs after the fuzz test in file order; prints the counts for the closing note.
    print(f"playground fuzz: {FUZZ_CALLS}")
    assert FUZZ_CALLS["calls"] == FUZZ_CALLS["results"] + FUZZ_CALLS["named_errors"]


# --- the site's bridge -----------------------------------------------------------------------


def test_settings_from_form_parses_exactly_and_keeps_what_is_not_a_number():
    s = settings_from_form({"a_khz": "2_994_374", "b_khz": "9007199254740993", "c_khz": "x"})
    assert (s.a_khz, s.b_khz, s.c_khz) == (2_994_374, 9_007_199_254_740_993, "x")
    view, message = evaluate(s)
    assert view is None and message.startswith(LABELS["b_khz"]) or message.startswith("B TSC")
    with pytest.raises(tm.InvalidInput, match="unknown setting"):
        settings_from_form({"d_khz": "1"})


def test_web_app_drives_the_same_session_as_the_widget_app():
    app = WebApp()
    first = json.loads(app.apply(json.dumps({"b_khz": "2500000"})))
    assert first["message"] == "" and first["frame"] == 100 and first["time"] == "t = 10.0 s"
    moved = json.loads(app.migrate(120))
    assert moved["hops"] == [120] and "→B" in moved["plot"] and "A → B" in moved["readout"]
    refused = json.loads(app.apply(json.dumps({"a_khz": "0"})))
    assert "A TSC (kHz) must be an integer in [1, 20000000]; got 0" in refused["message"]
    assert "Traceback" not in refused["message"]
    frame = json.loads(app.set_frame(700))
    assert frame["frame"] == N_SAMPLES - 1 and set(frame) >= {"clocks", "plot"}
    reset = json.loads(app.reset())
    assert reset["hops"] == [] and reset["frame"] == 0


def test_page_has_one_control_per_setting_disabled_until_python_runs():
    html = playground_page_html()
    for control in CONTROLS:
        assert f'data-setting="{control.name}" disabled' in html
        assert control.label in html
    assert "Loading Python in your browser…" in html
    assert 'class="tsc-clocks"' in html and "<svg" in html


# --- the TSC calculator ----------------------------------------------------------------------

# tsc-simulator's published unit-test vectors (src/math.rs test_freq_ratio, and the
# multiplier vectors of tests/package/test_golden_vectors.py): guest, host, format, M.
SIMULATOR_MULTIPLIERS = [
    (2000, 3000, "amd", 0xAAAA_AAAA),
    (2000, 3000, "intel", 0xAAAA_AAAA_AAAA),
    (3000, 2000, "amd", (1 << 32) | (1 << 31)),
    (1000, 1000, "intel", 1 << 48),
    (65_535_000, 1000, "intel", 65535 << 48),
]


@pytest.mark.parametrize(("guest", "host", "fmt", "expected"), SIMULATOR_MULTIPLIERS)
def test_calculator_prints_tsc_simulators_multiplier_line(guest, host, fmt, expected):
    result = calculate({"guest_hz": str(guest), "host_hz": hex(host), "fmt": fmt})
    assert result.mult == expected
    assert calc_text(result).splitlines()[0] == f"Frequency multiplier: {expected} ({expected:#x})"


@given(
    guest=st.integers(500_000_000, 5_000_000_000),
    host=st.integers(1_000_000_000, 5_000_000_000),
    host_tsc=st.integers(0, 2**63),
    guest_tsc=st.integers(0, 2**63),
)
def test_calculator_offset_is_tscmaths_signed_and_u64(guest, host, host_tsc, guest_tsc):
    result = calculate(
        {"guest_hz": guest, "host_hz": host, "host_tsc": host_tsc, "guest_tsc": guest_tsc}
    )
    mult = tm.multiplier(guest, host, tm.AMD_SVM)
    offset = tm.offset_for(host_tsc, guest_tsc, mult, tm.AMD_SVM)
    assert (result.mult, result.offset) == (mult, offset)
    lines = calc_text(result).splitlines()
    assert lines[2] == f"TSC offset: {tm.to_signed(offset)} ({offset:#x})"
    assert lines[3].endswith(f": {offset}")
    assert tm.guest_tsc(host_tsc, mult, offset, tm.AMD_SVM) == guest_tsc


def test_calculator_refuses_a_ratio_out_of_range_with_tscmaths_message():
    with pytest.raises(tm.RatioOutOfRange) as raised:
        tm.multiplier(3000, 1, tm.AMD_SVM)
    html = json.loads(calculate_json(json.dumps({"guest_hz": "3000", "host_hz": "1"})))["html"]
    assert "Cannot do that" in html and "AMD SVM 8.32 cannot hold" in html
    assert str(raised.value).split(":")[0] in html
    bad = json.loads(calculate_json(json.dumps({"host_tsc": "12abc"})))["html"]
    assert "Host TSC now must be an integer" in bad


def test_ratio_text_refuses_absurd_digit_counts_and_bad_multipliers():
    from fractions import Fraction

    from tsccourse.playground.render import ratio_text

    with pytest.raises(tm.InvalidInput, match="digits"):
        ratio_text(1, tm.AMD_SVM, digits=2**32)
    with pytest.raises(tm.InvalidInput):
        ratio_text(0, tm.AMD_SVM)
    assert Fraction(ratio_text(1, tm.AMD_SVM, digits=64)) == Fraction(1, 2**32)  # exact
