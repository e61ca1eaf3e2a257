"""Chapter 07 playground: SVG clocks, error plot, pure state layer, and the widgets fuzzed.

The fuzz tests drive the real ipywidgets objects in-process (set values, ``button.click()``)
and check, after every action, that no exception escaped (ipywidgets would only log it) and
that a message is shown exactly when the settings or the action must be refused. Which
settings are refused is computed here independently, from ``tscmath``'s core functions and
the limits bhyve documents, not from the playground's code.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tscmath as tm
from tsccourse.playground import refusals as playground_refusals
from tsccourse.playground._clockface import (
    clock_svg,
    format_duration_ns,
    format_signed_ns,
    hand_angles,
)
from tsccourse.playground._errorplot import (
    Marker,
    error_plot_svg,
    error_unit,
    minmax_decimate,
    nice_ticks,
)
from tsccourse.playground.app import INTERNAL_ERROR_PREFIX, Playground
from tsccourse.playground.refusals import frequency_refusal
from tsccourse.playground.render import clocks_html, ratio_text, readout_html
from tsccourse.playground.session import Session, evaluate
from tsccourse.playground.settings import (
    BLACKOUT_MS_RANGE,
    BOOT_S_RANGE,
    GUEST_BOOT_NS,
    KHZ_RANGE,
    N_SAMPLES,
    SAMPLE_NS,
    SKEW_MS_RANGE,
    Settings,
    scenario_from,
)

from ..conftest import examples

FORMATS = {"amd": tm.AMD_SVM, "intel": tm.INTEL_VMX, "none": None}
NS = tm.NS_PER_S


def parse_svg(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def all_text(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


# --- clock faces ----------------------------------------------------------------------


@given(
    tsc=st.integers(0, tm.U64_MAX),
    ns=st.integers(-(10**19), 10**19),
    title=st.text(max_size=30).filter(lambda s: "\x00" not in s and s.isprintable()),
)
@settings(max_examples=examples(150), deadline=None)
def test_clock_svg_is_well_formed_and_shows_the_exact_values(tsc, ns, title):
    svg = clock_svg(title, ns, [f"TSC {tsc}", format_duration_ns(ns)], color="#0072B2")
    texts = all_text(parse_svg(svg))
    assert f"TSC {tsc}" in texts
    assert format_duration_ns(ns) in texts
    assert title in texts


@given(st.integers(-(10**20), 10**20))
def test_format_duration_ns_is_exact(ns):
    text = format_duration_ns(ns)
    match = re.fullmatch(r"(-?)(?:(\d+)d )?(\d\d):(\d\d):(\d\d)\.(\d{9})", text)
    assert match, text
    sign, days, h, m, s, frac = match.groups()
    back = (((int(days or 0) * 24 + int(h)) * 60 + int(m)) * 60 + int(s)) * NS + int(frac)
    assert (-back if sign else back) == ns


@given(st.integers(-(10**20), 10**20))
def test_format_signed_ns_is_exact(ns):
    text = format_signed_ns(ns)
    assert Fraction(text.removesuffix(" s")) * NS == ns


@given(st.integers(-(10**20), 10**20))
def test_hand_angles_follow_the_time(ns):
    hour, minute, second = hand_angles(ns)
    for angle in (hour, minute, second):
        assert 0 <= angle < 360
    # The second hand is 6 degrees per second of the minute, exactly where the ns say.
    assert second == pytest.approx((ns % (60 * NS)) * 6 / NS, abs=1e-6)
    assert minute == pytest.approx((ns % (3600 * NS)) * 0.1 / NS, abs=1e-6)


def test_hand_angles_known_times():
    assert hand_angles(0) == (0.0, 0.0, 0.0)
    assert hand_angles((6 * 3600 + 30 * 60) * NS) == (195.0, 180.0, 0.0)
    assert hand_angles(-15 * NS) == pytest.approx((359.875, 358.5, 270.0))


def test_clock_svg_refuses_too_many_lines():
    with pytest.raises(tm.InvalidInput, match="at most 4"):
        clock_svg("x", 0, ["1", "2", "3", "4", "5"], color="#000000")


# --- error plot -----------------------------------------------------------------------


def test_error_plot_is_well_formed_with_axes_labels_and_markers():
    x = [k * SAMPLE_NS for k in range(601)]
    err = [-1_500_000_000 if t > 20 * NS else 0 for t in x]
    svg = error_plot_svg(x, err, upto=300, markers=[Marker(20 * NS, 21 * NS, "→B")], title="t")
    texts = all_text(parse_svg(svg))
    assert "true time since guest boot (s)" in texts
    assert "guest error (s)" in texts
    assert "→B" in texts
    assert 'fill="#ffffff"' in svg  # opaque background for dark themes


@given(st.floats(-1e12, 0), st.floats(0, 1e12))
def test_nice_ticks_lie_in_the_range_and_are_evenly_spaced(lo, hi):
    # The playground's axes always contain 0 (the error axis) or start at 0 (time).
    if hi - lo < 1e-9:
        return
    ticks = nice_ticks(lo, hi)
    assert 2 <= len(ticks) <= 12
    slack = 1e-6 * (hi - lo)  # float rounding, a millionth of the span
    assert all(lo - slack <= t <= hi + slack for t in ticks)
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0], rtol=1e-6)


@given(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=3000))
def test_minmax_decimate_keeps_the_extremes_and_the_ends(values):
    y = list(values)
    x = list(range(len(y)))
    xs, ys = minmax_decimate(x, y, 50)
    assert len(xs) <= max(len(y), 200)
    assert min(ys) == min(y) and max(ys) == max(y)
    assert xs[0] == 0 and xs[-1] == len(y) - 1
    assert all(b > a for a, b in zip(xs, xs[1:], strict=False))


def test_error_unit_picks_the_largest_unit_not_above_the_value():
    assert error_unit(999) == ("ns", 1)
    assert error_unit(1_000) == ("µs", 1_000)
    assert error_unit(59 * NS) == ("s", NS)
    assert error_unit(-2 * 3600 * NS) == ("h", 3600 * NS)


# --- the pure layer ---------------------------------------------------------------------


def host_tsc(khz: int, boot_s: int, t_ns: int) -> int:
    """The host TSC as the playground defines it: 0 at the host's boot, khz*1000 per s."""
    hz = khz * 1000
    boot_ns = GUEST_BOOT_NS + boot_s * NS
    return t_ns * hz // NS - boot_ns * hz // NS


def test_scenario_hosts_start_their_tsc_at_boot_and_tick_at_their_rate():
    s = Settings(a_khz=2_994_374, a_boot_s=-86_400)
    host = scenario_from(s).hosts[0]
    boot = GUEST_BOOT_NS - 86_400 * NS
    assert host.tsc_at(boot) == 0
    assert host.tsc_at(boot + NS) == 2_994_374_000
    assert host.tsc_at(GUEST_BOOT_NS) == 86_400 * 2_994_374_000


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("b_khz", 0, "B TSC (kHz)"),
        ("guest_khz", KHZ_RANGE[1] + 1, "Guest TSC (kHz)"),
        ("c_boot_s", 1, "C boot (s)"),
        ("a_boot_s", BOOT_S_RANGE[0] - 1, "A boot (s)"),
        ("b_skew_ms", SKEW_MS_RANGE[1] + 1, "B wall skew (ms)"),
        ("blackout_ms", -1, "Blackout (ms)"),
    ],
)
def test_out_of_range_settings_are_refused_naming_the_widget(field, value, label):
    view, message = evaluate(Settings(**{field: value}))
    assert view is None
    assert message.startswith(label) and str(value) in message


def test_clocks_show_the_exact_host_and_guest_tsc():
    s = Settings(guest_khz=2_000_000, a_khz=3_000_000, fmt="amd")
    view, message = evaluate(s)
    assert message == ""
    frame = 123
    t = GUEST_BOOT_NS + frame * SAMPLE_NS
    a_tsc = host_tsc(3_000_000, s.a_boot_s, t)
    mult = tm.multiplier(2_000_000_000, 3_000_000_000, tm.AMD_SVM)
    offset = tm.offset_for(host_tsc(3_000_000, s.a_boot_s, GUEST_BOOT_NS), 0, mult, tm.AMD_SVM)
    g_tsc = tm.guest_tsc(a_tsc, mult, offset, tm.AMD_SVM)
    html = clocks_html(view, frame)
    assert f"TSC {a_tsc}<" in html
    assert f"TSC {g_tsc}<" in html
    assert format_duration_ns(frame * SAMPLE_NS) in html


def test_readout_shows_multiplier_hex_ratio_and_signed_offset():
    s = Settings(guest_khz=2_000_000, a_khz=3_000_000, b_khz=2_500_000, fmt="intel")
    session = Session(s)
    session.set_frame(100)
    session.migrate()
    assert session.message == ""
    html = readout_html(session.view)
    m_a = tm.multiplier(2_000_000_000, 3_000_000_000, tm.INTEL_VMX)
    m_b = tm.multiplier(2_000_000_000, 2_500_000_000, tm.INTEL_VMX)
    assert f"0x{m_a:X} (16.48)" in html and f"0x{m_b:X} (16.48)" in html
    off_a = tm.offset_for(host_tsc(3_000_000, s.a_boot_s, GUEST_BOOT_NS), 0, m_a, tm.INTEL_VMX)
    signed = tm.to_signed(off_a)
    assert f"offset: {signed:+,d}".replace(",", " ").replace("-", "−") + "<" in html
    assert "(asked 2/3)" in html and "(asked 4/5)" in html


@given(st.integers(1, tm.AMD_SVM.max_multiplier))
def test_ratio_text_is_m_over_2f_truncated(mult):
    text = ratio_text(mult, tm.AMD_SVM)
    exact = Fraction(mult, tm.AMD_SVM.one)
    if text.endswith("…"):
        shown = Fraction(text[:-1])
        assert shown < exact < shown + Fraction(1, 10**12)
    else:
        assert Fraction(text) == exact


def test_full_protocol_error_is_the_skew_difference_and_ignore_blackout_loses_the_blackout():
    base = dict(guest_khz=3_000_000, a_khz=3_000_000, b_khz=3_000_000, fmt="intel")
    base.update(a_skew_ms=0, b_skew_ms=40, blackout_ms=1_500)
    results = {}
    for strategy in ("FULL_PROTOCOL", "IGNORE_BLACKOUT"):
        session = Session(Settings(**base, strategy=strategy))
        session.set_frame(100)
        session.migrate()
        assert session.message == ""
        results[strategy] = session.view.error_ns[-1]
    # Equal frequencies, so no scaling error: exactly the skew, or minus the blackout
    # (give or take the tick each conversion to ns may floor away).
    assert abs(results["FULL_PROTOCOL"] - 40_000_000) <= 2
    assert abs(results["IGNORE_BLACKOUT"] + 1_500_000_000) <= 2


def test_session_state_machine():
    session = Session()
    session.set_frame(50)
    session.migrate()
    assert session.hops == (50,) and session.message == ""
    session.set_frame(55)  # still in the 1.5 s blackout
    session.migrate()
    assert "still in" in session.message and session.hops == (50,)
    session.set_frame(300)
    session.migrate()
    assert session.hops == (50, 300) and session.message == ""
    session.set_frame(500)
    session.migrate()
    assert "Reset" in session.message and session.hops == (50, 300)
    session.reset()
    assert session.hops == () and session.frame == 0 and session.message == ""


# --- refusals in the controls' words ---------------------------------------------------------

RAW_WORDS = re.compile(
    r"\b(guest_hz|host_hz|tsc_hz|guest_khz|[abc]_khz|pause_ns|blackout_ns|hops\[)|\d Hz\b"
)
"""The model's parameter names and values in Hz: a reader never set those."""


def migrated(settings: Settings, *frames: int) -> Session:
    """A session after pressing Migrate at each frame (checked to succeed but the last)."""
    session = Session(settings)
    for k, frame in enumerate(frames):
        session.set_frame(frame)
        session.migrate()
        if k < len(frames) - 1:
            assert session.message == "", session.message
    return session


# Each refusal kind: the session, then what the message must say (control = value, the
# limit in the controls' units, and the model's reason).
REFUSALS = {
    "host A cannot scale": (
        lambda: Session(Settings(fmt="none", guest_khz=3_000_000, a_khz=2_994_374)),
        ["Guest TSC (kHz) = 3000000", "A TSC (kHz) = 2994374", "cannot scale", "EPERM"],
    ),
    "host B cannot scale": (
        lambda: migrated(Settings(fmt="none", guest_khz=3_000_000, a_khz=3_000_000), 100),
        ["Guest TSC (kHz) = 3000000", "B TSC (kHz) = 2500000", "cannot scale", "host B"],
    ),
    "below bhyve's 500 MHz": (
        lambda: Session(Settings(guest_khz=499_999)),
        ["Guest TSC (kHz) = 499999", f"{500_000_000 // 1000} kHz", "500 MHz", "bhyve"],
    ),
    "15x host A": (
        lambda: Session(Settings(guest_khz=20_000_000, a_khz=1_333_333)),
        ["Guest TSC (kHz) = 20000000", "A TSC (kHz)", f"{15 * 1_333_333} kHz", "bhyve"],
    ),
    "15x host B on migrating": (
        lambda: migrated(Settings(b_khz=1, strategy="IGNORE_BLACKOUT"), 100),
        ["Guest TSC (kHz) = 3000000", "B TSC (kHz)", "= 15 kHz", "host B", "15 times"],
    ),
    "blackout longer than the gap between migrations": (
        lambda: _longer_blackout(),
        ["Blackout (ms) = 1550", "t = 6 s", "t = 6.55 s", "host C", "host B"],
    ),
}


def _longer_blackout() -> Session:
    session = migrated(Settings(blackout_ms=500), 50, 60)  # 5 s and 6 s, 0.5 s blackout
    assert session.message == ""
    session.apply(Settings(blackout_ms=1_550))  # B would resume at 6.55 s, after 6 s
    return session


@pytest.mark.parametrize("kind", REFUSALS)
def test_refusal_names_the_controls_with_their_values_not_the_model_parameters(kind):
    make, expected = REFUSALS[kind]
    session = make()
    assert session.message, f"{kind}: not refused"
    for text in expected:
        assert text in session.message, (text, session.message)
    assert not RAW_WORDS.search(session.message), session.message
    assert session.model_message and session.model_message != session.message


def test_ratio_that_does_not_fit_the_format_is_explained_in_khz(monkeypatch):
    # bhyve's limits (>= 500 MHz, < 15x) keep every ratio inside 8.32 and 16.48; without
    # them 20 GHz on a 1 kHz host needs M = 2e7 * 2**32, beyond 8.32's 256.
    with pytest.raises(tm.RatioOutOfRange):
        tm.multiplier(20_000_000_000, 1_000, tm.AMD_SVM)
    monkeypatch.setattr(playground_refusals, "BHYVE_MIN_GUEST_HZ", 0)
    monkeypatch.setattr(playground_refusals, "BHYVE_MAX_RATIO", 10**9)
    message = frequency_refusal(Settings(guest_khz=20_000_000, a_khz=1), 0)
    assert "Guest TSC (kHz) / A TSC (kHz) = 20000000 / 1" in message
    assert "AMD 8.32 cannot hold" in message
    assert f"{20_000_000 << 32:#x}" in message
    assert not RAW_WORDS.search(message), message


def test_the_app_shows_the_message_in_place_of_the_strategy_note():
    app = Playground()
    assert app.message.layout.display == "none" and app.strategy_note.layout.display != "none"
    app.controls["guest_khz"].value = 499_999
    assert "Guest TSC (kHz) = 499999" in app.message.value
    assert app.message.layout.display != "none" and app.strategy_note.layout.display == "none"
    app.controls["guest_khz"].value = 3_000_000
    assert app.message.value == "" and app.message.layout.display == "none"
    assert app.strategy_note.layout.display != "none"


# --- fuzzing the widgets -------------------------------------------------------------------


BHYVE_MIN_HZ, BHYVE_MAX_RATIO = 500_000_000, 15
"""bhyve's limits for a scaled guest (illumos vmm.c / svm.c): >= 500 MHz, < 15x the host."""


def can_run(guest_hz: int, host_hz: int, fmt) -> bool:
    """Whether a host programs this guest frequency (no scaling: only its own).

    Intel 16.48 is a hypothetical VMX-scaling hypervisor (bhyve has none): no bhyve limits.
    """
    if guest_hz == host_hz:
        return True
    if fmt is None:
        return False
    bhyve = fmt is not tm.INTEL_VMX
    if bhyve and (guest_hz < BHYVE_MIN_HZ or guest_hz >= BHYVE_MAX_RATIO * host_hz):
        return False
    try:
        tm.multiplier(guest_hz, host_hz, fmt)
    except tm.RatioOutOfRange:
        return False
    return True


RANGES = {"khz": KHZ_RANGE, "boot_s": BOOT_S_RANGE, "skew_ms": SKEW_MS_RANGE}


def refused(values: dict, hops: tuple[int, ...]) -> bool:
    """Independent oracle: must the playground refuse these settings and migrations?"""
    for name, value in values.items():
        for suffix, (lo, hi) in RANGES.items():
            if name.endswith(suffix) and not lo <= value <= hi:
                return True
    if not BLACKOUT_MS_RANGE[0] <= values["blackout_ms"] <= BLACKOUT_MS_RANGE[1]:
        return True
    fmt = FORMATS[values["fmt"]]
    guest = values["guest_khz"] * 1000
    if not can_run(guest, values["a_khz"] * 1000, fmt):
        return True
    blackout_frames = Fraction(values["blackout_ms"] * 1_000_000, SAMPLE_NS)
    for k, frame in enumerate(hops):
        if k and frame < hops[k - 1] + blackout_frames:  # paused before the last resume
            return True
        dst_hz = values["bc"[k] + "_khz"] * 1000
        rescaled = values["strategy"] in ("FULL_PROTOCOL", "IGNORE_BLACKOUT")
        if rescaled and not can_run(guest, dst_hz, fmt):
            return True
    return False


def migrate_refused(values: dict, hops: tuple[int, ...], frame: int) -> bool:
    if len(hops) >= 2 or frame >= N_SAMPLES - 1:
        return True
    if hops:
        resume = hops[-1] + Fraction(values["blackout_ms"] * 1_000_000, SAMPLE_NS)
        if frame <= hops[-1] or frame < resume:
            return True
    return refused(values, (*hops, frame))


khz = st.one_of(
    st.sampled_from([3_000_000, 2_500_000, 2_994_374, 3_300_000, 1_000_000, 500_000]),
    st.integers(-5, KHZ_RANGE[1] + 5),
    st.sampled_from([0, 1, 499_999, 33_333_333, KHZ_RANGE[1]]),
)
boot_s = st.one_of(
    st.integers(BOOT_S_RANGE[0] - 3, 3), st.sampled_from([0, -1, BOOT_S_RANGE[0], 10**12])
)
skew_ms = st.one_of(
    st.integers(-10_000, 10_000),
    st.sampled_from([SKEW_MS_RANGE[0], SKEW_MS_RANGE[1], 10**15, -(10**15), 0]),
)
FIELDS = {
    "guest_khz": khz,
    "a_khz": khz,
    "b_khz": khz,
    "c_khz": khz,
    "a_boot_s": boot_s,
    "b_boot_s": boot_s,
    "c_boot_s": boot_s,
    "a_skew_ms": skew_ms,
    "b_skew_ms": skew_ms,
    "c_skew_ms": skew_ms,
    "fmt": st.sampled_from(["amd", "intel", "none"]),
    "strategy": st.sampled_from(["FULL_PROTOCOL", "IGNORE_BLACKOUT", "OFFSET_ONLY", "NAIVE"]),
    "blackout_ms": st.sampled_from([0, 50, 1_500, 9_950, 10_000]),
}
action = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(sorted(FIELDS))).flatmap(
        lambda t: st.tuples(st.just("set"), st.just(t[1]), FIELDS[t[1]])
    ),
    st.tuples(st.just("frame"), st.integers(0, N_SAMPLES - 1)),
    st.tuples(st.just("migrate")),
    st.tuples(st.just("reset")),
)


def check_no_escape(caplog) -> None:
    """ipywidgets logs (instead of raising) an exception from a click handler: none allowed."""
    bad = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not bad, [r.getMessage() for r in bad]


@given(actions=st.lists(action, min_size=1, max_size=14))
@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_fuzz_the_widgets_message_exactly_when_refused(actions, caplog):
    caplog.clear()
    app = Playground()
    values = {name: app.controls[name].value for name in FIELDS}
    hops: tuple[int, ...] = ()
    frame = app.time_slider.value
    assert app.message.value == ""
    expect = False
    for act in actions:
        if act[0] == "set":
            _, name, value = act
            changed = values[name] != value  # traitlets notify (and the app recomputes) on change
            values[name] = value
            app.controls[name].value = value
            if changed:
                expect = refused(values, hops)
        elif act[0] == "frame":
            frame = act[1]
            app.time_slider.value = frame  # moving time changes no message: expect stays
        elif act[0] == "migrate":
            expect = migrate_refused(values, hops, frame)
            if not expect:
                hops = (*hops, frame)
            app.migrate_button.click()
        else:
            hops, frame = (), 0
            app.reset_button.click()
            expect = refused(values, hops)
        check_no_escape(caplog)
        message = app.message.value
        assert INTERNAL_ERROR_PREFIX not in message, message
        assert not RAW_WORDS.search(message), message
        assert bool(message) == expect, (act, values, hops, message)
        assert app.session.hops == hops
        if not refused(values, hops):
            assert app.session.view is not None
            assert f"TSC {app.session.view.guest_tsc[frame]}<" in app.clocks.value


@given(
    guest=khz.filter(lambda v: KHZ_RANGE[0] <= v <= KHZ_RANGE[1]),
    a=st.sampled_from([3_000_000, 2_500_000]),
    b=st.sampled_from([3_000_000, 2_500_000, 2_994_374]),
    strategy=st.sampled_from(["FULL_PROTOCOL", "IGNORE_BLACKOUT", "OFFSET_ONLY", "NAIVE"]),
)
@settings(max_examples=40, deadline=None)
def test_format_none_refuses_exactly_the_frequency_changes(guest, a, b, strategy):
    app = Playground(Settings(fmt="none", guest_khz=guest, a_khz=a, b_khz=b, strategy=strategy))
    on_a = guest == a
    assert bool(app.message.value) == (not on_a)
    app.migrate_button.click()
    must_refuse = not on_a or (strategy in ("FULL_PROTOCOL", "IGNORE_BLACKOUT") and guest != b)
    assert bool(app.message.value) == must_refuse
    assert INTERNAL_ERROR_PREFIX not in app.message.value
    if not must_refuse:
        assert "M: none" in app.readout.value


def test_dom_contract_classes_and_button():
    app = Playground()
    assert "tsc-playground" in app._dom_classes
    assert app.migrate_button.description == "Migrate"
    assert "tsc-clocks" in app.clocks._dom_classes
    assert "tsc-error-plot" in app.error_plot._dom_classes
    assert "tsc-message" in app.message._dom_classes
    assert "tsc-readout" in app.readout._dom_classes
    for widget in app.controls.values():
        assert widget.description
    assert app.message.value == ""
    assert "<svg" in app.clocks.value and "<svg" in app.error_plot.value
