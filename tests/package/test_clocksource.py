"""Tests for tscmath.counter.clocksource: Linux-style mult/shift and tick -> ns conversion."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tscmath.counter.clocksource import (
    U32_MAX,
    calc_mult_shift,
    cyc_to_ns,
    horizon_ns,
    max_delta_cycles,
)
from tscmath.errors import InvalidInput

U64 = 1 << 64

hz_st = st.integers(1_000_000, U32_MAX)  # 1 MHz .. 4.29 GHz (Linux passes hz as u32)
seconds_st = st.integers(0, 7 * 86_400)


def linux_clocks_calc_mult_shift(from_hz: int, to: int, maxsec: int) -> tuple[int, int]:
    """Line-by-line transcription of Linux kernel/time/clocksource.c, with u64 wrapping."""
    tmp = ((maxsec * from_hz) % U64) >> 32
    sftacc = 32
    while tmp:
        tmp >>= 1
        sftacc -= 1
    sft = 32
    while sft > 0:
        tmp = (to << sft) % U64
        tmp = (tmp + from_hz // 2) % U64
        tmp //= from_hz
        if (tmp >> sftacc) == 0:
            break
        sft -= 1
    return tmp, sft


@settings(max_examples=300, deadline=None)
@given(hz=hz_st, max_seconds=seconds_st)
def test_matches_linux_transcription(hz, max_seconds):
    assert calc_mult_shift(hz, max_seconds) == linux_clocks_calc_mult_shift(
        hz, 1_000_000_000, max_seconds
    )


@settings(max_examples=300, deadline=None)
@given(hz=hz_st, max_seconds=seconds_st)
def test_choice_properties(hz, max_seconds):
    mult, shift = calc_mult_shift(hz, max_seconds)
    assert 1 <= shift <= 32
    assert 0 < mult <= U32_MAX
    # mult is 10**9 * 2**shift / hz rounded to nearest (within 1/2)
    assert abs(Fraction(mult) - Fraction(10**9 << shift, hz)) <= Fraction(1, 2)
    # the promised range: max_seconds of ticks convert without 64-bit overflow
    assert max_seconds * hz <= max_delta_cycles(mult)
    assert horizon_ns(mult, hz) >= max_seconds * 10**9
    # the largest such shift: one more would be out of the allowed range or above 32
    if shift < 32:
        bigger = ((10**9 << (shift + 1)) + hz // 2) // hz
        headroom_bits = 32 - ((max_seconds * hz) >> 32).bit_length()
        assert bigger >= 1 << headroom_bits


@settings(max_examples=300, deadline=None)
@given(hz=hz_st, max_seconds=st.integers(1, 86_400), frac=st.fractions(0, 1))
def test_conversion_error_bound(hz, max_seconds, frac):
    mult, shift = calc_mult_shift(hz, max_seconds)
    delta = int(frac * max_delta_cycles(mult))
    err = cyc_to_ns(delta, mult, shift) - Fraction(delta * 10**9, hz)
    bound = Fraction(delta, 1 << (shift + 1))
    assert -bound - 1 < err <= bound
    assert cyc_to_ns(delta, mult, shift) == delta * mult // (1 << shift)


def test_overflow_refused_at_exact_edge():
    mult, shift = calc_mult_shift(3_000_000_000, 600)
    edge = max_delta_cycles(mult)
    assert edge * mult < U64 <= (edge + 1) * mult
    cyc_to_ns(edge, mult, shift)
    with pytest.raises(InvalidInput, match="delta"):
        cyc_to_ns(edge + 1, mult, shift)


@pytest.mark.parametrize(
    ("hz", "max_seconds", "name"),
    [(0, 10, "hz"), (U32_MAX + 1, 10, "hz"), (True, 10, "hz"), (10**9, -1, "max_seconds")],
)
def test_bad_input(hz, max_seconds, name):
    with pytest.raises(InvalidInput, match=name):
        calc_mult_shift(hz, max_seconds)


def test_no_shift_possible_raises():
    with pytest.raises(InvalidInput, match="no shift in"):
        calc_mult_shift(U32_MAX, U32_MAX)


def test_bad_conversion_input():
    with pytest.raises(InvalidInput, match="shift"):
        cyc_to_ns(1, 1, 64)
    with pytest.raises(InvalidInput, match="mult"):
        cyc_to_ns(1, 0, 1)
    with pytest.raises(InvalidInput, match="delta"):
        cyc_to_ns(-1, 1, 1)
