"""divide_first: the wrong order loses up to one unit of the divisor, never gains."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tscmath import NS_PER_S, ticks_to_ns
from tscmath.accuracy.divide_first import (
    loss_ns,
    ticks_to_ns_dividing_first,
    tsc_hz_dividing_first,
    worst_loss_ns,
)

hz = st.integers(1, 10**10)
ticks = st.integers(0, 2**64 - 1)


def test_the_tsc_simulator_example():
    assert ticks_to_ns_dividing_first(5_999_999_999, 3_000_000_000) == NS_PER_S
    assert ticks_to_ns(5_999_999_999, 3_000_000_000) == 1_999_999_999


@given(ticks, hz)
def test_loss_is_nonnegative_and_below_the_worst_case(t, f):
    assert 0 <= loss_ns(t, f) <= worst_loss_ns(f) < NS_PER_S


@given(st.integers(0, 10**6), hz)
def test_worst_case_is_reached_one_tick_before_a_whole_second(k, f):
    assert loss_ns(k * f + f - 1, f) == worst_loss_ns(f)


@given(st.integers(0, 10**12), st.integers(1, 10**8))
def test_calibration_dividing_first_is_low_by_less_than_one_step(tsc_ticks, pit_ticks):
    right = 1_193_182 * tsc_ticks // pit_ticks
    wrong = tsc_hz_dividing_first(tsc_ticks, pit_ticks)
    assert 0 <= right - wrong < 1_193_182
