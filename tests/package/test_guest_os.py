"""What a guest OS does with time jumps: slew durations, ntpd's choice, watchdogs, TSC trust."""

from __future__ import annotations

from fractions import Fraction
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscmath.errors import InvalidInput
from tscmath.guest_view.guest_os import (
    clocksource_skew_ns,
    ntpd_action,
    slew_duration_ns,
    tsc_marked_unstable,
    watchdog_reports,
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
    # 8.32 truncation on 2.994374 GHz / 3 GHz loses < 1 tick per second: far below 62.5 ms
    assert clocksource_skew_ns(2_994_374_000, 2_994_373_999) == 0
    assert not tsc_marked_unstable(0)


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
