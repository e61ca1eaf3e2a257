"""What a guest OS does with time jumps: slew durations, ntpd's choice, watchdogs, TSC trust."""

from __future__ import annotations

from fractions import Fraction
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscmath.errors import InvalidInput
from tscmath.guest_view.guest_os import (
    CHRONYD_MAX_SLEW_RATE_PPM,
    CLOCKSOURCE_WATCHDOG_INTERVAL_NS,
    CLOCKSOURCE_WATCHDOG_THRESHOLD_NS,
    LEGACY_WATCHDOG_THRESHOLD_NS,
    TSC_RATING,
    can_follow_frequency_error,
    clocksource_skew_ns,
    kvm_clock_rating,
    ntpd_action,
    slew_duration_ns,
    tsc_marked_unstable,
    tsc_watchdog_enabled,
    uncertainty_margin_ns,
    watchdog_reports,
    watchdog_threshold_ns,
)


@pytest.mark.parametrize(
    ("step_ns", "expected_ns"),
    [
        (1_000_000, 2_000_000_000),  # 1 ms at 500 ppm: 2 s
        (128_000_000, 256_000_000_000),  # ntpd's step threshold: 256 s
        (2_000_000_000, 4_000_000_000_000),  # 2 s: 4000 s = 66 min 40 s
    ],
)
def test_slew_durations_at_500_ppm(step_ns, expected_ns):
    assert slew_duration_ns(step_ns) == expected_ns


@given(st.integers(-(10**15), 10**15), st.integers(1, 10_000))
def test_slew_duration_is_the_ceiling_of_step_over_rate(step, ppm):
    got = slew_duration_ns(step, ppm)
    assert got == ceil(Fraction(abs(step) * 10**6, ppm))
    # slewing for that long at that rate absorbs the whole step, one ns less would not
    assert got * ppm >= abs(step) * 10**6 > (got - 1) * ppm or step == 0


def test_ntpd_steps_only_above_128_ms():
    assert ntpd_action(128_000_000) == "slew"
    assert ntpd_action(128_000_001) == "step"
    assert ntpd_action(-128_000_001) == "step"


@pytest.mark.parametrize(
    ("jump_s", "reports"),
    [(2, []), (20, []), (21, ["soft lockup"]), (22, ["soft lockup", "RCU stall"])],
)
def test_watchdog_thresholds(jump_s, reports):
    assert watchdog_reports(jump_s * 10**9) == reports
    assert watchdog_reports(jump_s * 10**9, guest_stopped=True) == []


def test_clocksource_skew_for_a_stale_frequency():
    # 0.5 s of a 2.5 GHz TSC read as 3 GHz: 0.41666... s, 83.33 ms short
    skew = clocksource_skew_ns(3_000_000_000, 2_500_000_000)
    assert skew == 83_333_333
    assert tsc_marked_unstable(skew)


def test_a_scaled_tsc_passes_the_clocksource_watchdog():
    # 8.32 truncation on 2.994374 GHz / 3 GHz loses < 1 tick per second: far below 500 us
    assert clocksource_skew_ns(2_994_374_000, 2_994_373_999) == 0
    assert not tsc_marked_unstable(0)


def test_default_threshold_is_two_margins_of_twice_125_us():
    # Linux v6.3+: each margin max(period, 2 * WATCHDOG_MAX_SKEW), md = their sum
    assert uncertainty_margin_ns(3_000_000_000) == 250_000
    assert watchdog_threshold_ns(3_000_000_000, 1_000_000_000) == 500_000
    assert CLOCKSOURCE_WATCHDOG_THRESHOLD_NS == 500_000
    # 500 us per 0.5 s: 1000 ppm; the kernel's #else branch (62 us) gives 248 us ~ 496 ppm
    assert Fraction(CLOCKSOURCE_WATCHDOG_THRESHOLD_NS, CLOCKSOURCE_WATCHDOG_INTERVAL_NS) == (
        Fraction(1, 1000)
    )
    assert watchdog_threshold_ns(3_000_000_000, 10**9, max_skew_us=62) == 248_000


def test_a_slow_clock_keeps_its_period_as_margin():
    # a 1 kHz counter has a 1 ms period, above the 250 us floor
    assert uncertainty_margin_ns(1_000) == 1_000_000
    assert uncertainty_margin_ns(None) == 31_250_000


def test_the_1879_ppm_example_is_caught_now_and_was_not_before_v5_14():
    skew = clocksource_skew_ns(2_994_374_000, 3_000_000_000)
    assert skew == 939_428
    assert tsc_marked_unstable(skew)
    assert not tsc_marked_unstable(skew, LEGACY_WATCHDOG_THRESHOLD_NS)
    # the smallest skew that is caught: one nanosecond above md
    assert tsc_marked_unstable(500_001) and not tsc_marked_unstable(500_000)


@given(st.integers(50, 1000), st.integers(1, 10**10), st.integers(1, 10**10))
def test_margins_are_never_below_twice_max_skew(skew_us, cs_hz, wd_hz):
    md = watchdog_threshold_ns(cs_hz, wd_hz, max_skew_us=skew_us)
    assert md >= 4 * skew_us * 1000
    assert md == max(10**9 // cs_hz, 2000 * skew_us) + max(10**9 // wd_hz, 2000 * skew_us)


@pytest.mark.parametrize(
    ("flags", "watched"),
    [
        (dict(constant_tsc=True, nonstop_tsc=True, tsc_adjust=True, packages=1), False),
        (dict(constant_tsc=True, nonstop_tsc=True, tsc_adjust=True, packages=4), False),
        (dict(constant_tsc=True, nonstop_tsc=True, tsc_adjust=True, packages=8), True),
        (dict(constant_tsc=True, nonstop_tsc=True, tsc_adjust=False, packages=1), True),
        (dict(constant_tsc=True, nonstop_tsc=False, tsc_adjust=True, packages=1), True),
        (
            dict(
                constant_tsc=False,
                nonstop_tsc=False,
                tsc_adjust=False,
                packages=8,
                tsc_reliable=True,
            ),
            False,
        ),
        (
            dict(
                constant_tsc=False,
                nonstop_tsc=False,
                tsc_adjust=False,
                packages=8,
                tsc_nowatchdog=True,
            ),
            False,
        ),
    ],
)
def test_when_linux_watches_the_tsc(flags, watched):
    assert tsc_watchdog_enabled(**flags) is watched


def test_kvm_clock_steps_aside_for_an_invariant_tsc():
    assert kvm_clock_rating(constant_tsc=True, nonstop_tsc=True) < TSC_RATING
    assert kvm_clock_rating(constant_tsc=True, nonstop_tsc=True, tsc_unstable=True) > TSC_RATING
    assert kvm_clock_rating(constant_tsc=False, nonstop_tsc=True) > TSC_RATING


def test_which_ntp_daemon_can_follow_1879_ppm():
    error = Fraction(3_000_000_000 - 2_994_374_000, 2_994_374_000) * 10**6
    assert 1878 < error < 1879  # 1,878.86 ppm
    assert not can_follow_frequency_error(error, "ntpd")
    assert can_follow_frequency_error(error, "chronyd")
    assert can_follow_frequency_error(500, "ntpd") and not can_follow_frequency_error(501, "ntpd")
    assert not can_follow_frequency_error(100_501, "chronyd")
    assert CHRONYD_MAX_SLEW_RATE_PPM * 12 == 10**6


@given(st.integers(1, 10**10), st.integers(1, 10**10))
def test_skew_is_symmetric_in_sign_and_exact(believed, actual):
    skew = clocksource_skew_ns(believed, actual, 10**9)
    assert skew == abs(Fraction(10**9 * actual, believed) - 10**9).__floor__()


def test_bad_input_names_the_parameter():
    with pytest.raises(InvalidInput, match="max_ppm"):
        slew_duration_ns(5, max_ppm=0)
    with pytest.raises(InvalidInput, match="jump_ns"):
        watchdog_reports(-1)
    with pytest.raises(InvalidInput, match="believed_hz"):
        clocksource_skew_ns(0, 1)
    with pytest.raises(InvalidInput, match="max_skew_us"):
        uncertainty_margin_ns(10**9, max_skew_us=49)
    with pytest.raises(InvalidInput, match="freq_hz"):
        uncertainty_margin_ns(0)
    with pytest.raises(InvalidInput, match="packages"):
        tsc_watchdog_enabled(constant_tsc=True, nonstop_tsc=True, tsc_adjust=True, packages=0)
    with pytest.raises(InvalidInput, match="daemon"):
        can_follow_frequency_error(1, "timesyncd")
    with pytest.raises(InvalidInput, match="error_ppm"):
        can_follow_frequency_error(1.5, "ntpd")
