"""kvmclock/pvclock: KVM's mul/shift choice, the guest's read, the version seqlock, migration."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscmath.errors import U64_MAX, InvalidInput
from tscmath.guest_view.pvclock import (
    PVCLOCK_TSC_STABLE_BIT,
    PvclockTimeInfo,
    host_update,
    kvm_get_time_scale,
    make_time_info,
    must_retry,
    pvclock_read_ns,
    pvclock_scale_delta,
    pvclock_tsc_khz,
    rate_error,
    read_with_retry,
    read_without_seqlock,
    tsc_time_scale,
    writer_states,
)

HZ = st.integers(min_value=1_000_000, max_value=1 << 40)
GHZ = st.integers(min_value=500_000_000, max_value=10_000_000_000)


# Hand-computed by stepping through kvm_get_time_scale (arch/x86/kvm/x86.c) on paper:
# 3 GHz: halve once to 1.5e9 (shift -1), mul = floor(2**32 / 1.5) = 0xAAAAAAAA.
# 2.5 GHz: halve once to 1.25e9, mul = floor(0.8 * 2**32) = 3435973836.
# 2 GHz: 2e9 is not > 2 * 1e9, no shift, mul = 2**31.
# 1 GHz: 1e9 <= 1e9 so double the base once (shift 1), mul = 2**31.
# ns -> ticks at 3 GHz (scaled 3e9, base 1e9): double twice to 4e9 (shift 2), mul = 0.75 * 2**32.
@pytest.mark.parametrize(
    ("scaled", "base", "expected"),
    [
        (10**9, 3_000_000_000, (-1, 0xAAAA_AAAA)),
        (10**9, 2_500_000_000, (-1, 3_435_973_836)),
        (10**9, 2_000_000_000, (0, 1 << 31)),
        (10**9, 1_000_000_000, (1, 1 << 31)),
        (3_000_000_000, 10**9, (2, 3 << 30)),
    ],
)
def test_kvm_get_time_scale_hand_vectors(scaled, base, expected):
    assert kvm_get_time_scale(scaled, base) == expected


def test_one_second_at_3ghz_reads_one_tick_short_of_a_second():
    # 1.5e9 * 0xAAAAAAAA / 2**32 = 999999999.77 -> 999999999 (the multiplier is a floor)
    assert pvclock_scale_delta(3_000_000_000, 0xAAAA_AAAA, -1) == 999_999_999


@given(HZ)
def test_mul_is_a_normalised_032_fraction(hz):
    shift, mul = tsc_time_scale(hz)
    assert (1 << 31) <= mul < (1 << 32)
    assert -32 <= shift <= 32


@given(HZ)
def test_rate_error_below_two_to_minus_29(hz):
    shift, mul = tsc_time_scale(hz)
    ns_per_tick = Fraction(mul * 2**shift if shift >= 0 else mul, 2**32 * 2 ** max(0, -shift))
    relative = ns_per_tick * hz / 10**9 - 1
    assert relative == rate_error(hz)
    assert abs(relative) < Fraction(1, 2**29)


@given(GHZ, st.integers(0, 1 << 50), st.integers(0, 1 << 62), st.integers(0, U64_MAX))
def test_read_close_to_exact_nanoseconds(hz, delta, system_time, tsc_timestamp):
    info = make_time_info(hz, tsc_timestamp, system_time)
    got = pvclock_read_ns(info, (tsc_timestamp + delta) & U64_MAX)
    exact = Fraction(delta * 10**9, hz)
    assert abs(got - system_time - exact) <= exact / 2**29 + 3


@given(HZ, st.integers(0, 1 << 52), st.integers(0, 1 << 52))
def test_read_is_monotonic(hz, t1, t2):
    info = make_time_info(hz, 0, 123)
    lo, hi = sorted((t1, t2))
    assert pvclock_read_ns(info, lo) <= pvclock_read_ns(info, hi)


@given(st.integers(0, U64_MAX), st.integers(0, 2**32 - 1), st.integers(-31, 31))
def test_scale_delta_matches_the_128_bit_definition(delta, mul, shift):
    shifted = delta >> -shift if shift < 0 else (delta << shift) % 2**64
    assert pvclock_scale_delta(delta, mul, shift) == (shifted * mul // 2**32) % 2**64


def test_left_shift_drops_high_bits_like_a_u64():
    assert pvclock_scale_delta(1 << 63, 1 << 31, 1) == 0


@given(GHZ)
def test_guest_recovers_its_tsc_khz(hz):
    info = make_time_info(hz, 0, 0)
    # the quotient is floored before the shift is undone, so each lost unit counts 2**-shift
    assert abs(pvclock_tsc_khz(info) - hz // 1000) <= 2 ** max(0, -info.tsc_shift)


def test_read_wraps_the_tsc_delta():
    info = make_time_info(1_000_000_000, tsc_timestamp=U64_MAX - 9, system_time=0)
    assert pvclock_read_ns(info, 10) == 20  # 20 ticks across the wrap, 1 ns each


@pytest.mark.parametrize(
    ("before", "after", "retry"),
    [(2, 2, False), (3, 3, True), (2, 4, True), (3, 4, True), (0xFFFF_FFFE, 0xFFFF_FFFE, False)],
)
def test_must_retry_truth_table(before, after, retry):
    assert must_retry(before, after) is retry


@given(st.integers(0, 12), st.integers(0, 1 << 40))
def test_seqlock_reader_never_returns_a_torn_value(start, extra):
    old = make_time_info(3_000_000_000, tsc_timestamp=3_000_000_000, system_time=10**9)
    new = host_update(old, tsc_timestamp=9_000_000_000, system_time=3 * 10**9, tsc_hz=2 * 10**9)
    states = [old, *writer_states(old, new)]
    tsc = 9_000_000_000 + extra
    result = read_with_retry(states, start, tsc)
    assert result.ns in {pvclock_read_ns(old, tsc), pvclock_read_ns(new, tsc)}
    assert result.attempts >= 1


def test_a_reader_without_the_seqlock_can_see_a_torn_page():
    old = make_time_info(1_000_000_000, tsc_timestamp=0, system_time=0)
    new = host_update(old, tsc_timestamp=5_000, system_time=5_000, tsc_hz=1_000_000_000)
    states = writer_states(old, new)
    # new tsc_timestamp with the old system_time: 5000 ns missing
    assert read_without_seqlock(states, 1, 6_000) == 1_000
    assert read_with_retry(states, 0, 6_000).ns == 6_000


def test_writer_keeps_version_odd_until_done():
    old = make_time_info(3_000_000_000, 0, 0, version=8)
    new = host_update(old, tsc_timestamp=1, system_time=1, tsc_hz=3_000_000_000)
    versions = [s.version for s in writer_states(old, new)]
    assert versions[:-1] == [9] * (len(versions) - 1) and versions[-1] == 10


def test_host_update_rounds_a_junk_odd_version_up():
    junk = PvclockTimeInfo(7, 0, 0, 1 << 31, 0, 0)
    assert host_update(junk, tsc_timestamp=0, system_time=0, tsc_hz=10**9).version == 10


@given(
    st.integers(1_000_000_000, 4_000_000_000),
    st.integers(1_000_000_000, 4_000_000_000),
    st.integers(0, 1 << 45),
    st.integers(0, 1 << 40),
)
def test_migration_keeps_kvmclock_continuous(hz_a, hz_b, uptime_ticks, later):
    # Guest booted at TSC 0, paused after uptime_ticks of a hz_a TSC; it resumes where the
    # guest-visible TSC now runs at hz_b (no scaling), and the destination rewrites the page.
    src = make_time_info(hz_a, tsc_timestamp=0, system_time=0)
    at_pause = pvclock_read_ns(src, uptime_ticks)
    dst = host_update(src, tsc_timestamp=uptime_ticks, system_time=at_pause, tsc_hz=hz_b)
    assert pvclock_read_ns(dst, uptime_ticks) == at_pause
    after = pvclock_read_ns(dst, uptime_ticks + later)
    exact = Fraction(later * 10**9, hz_b)
    assert abs(after - at_pause - exact) <= exact / 2**29 + 3


def test_bad_fields_name_the_parameter():
    with pytest.raises(InvalidInput, match="tsc_shift"):
        PvclockTimeInfo(0, 0, 0, 1, 200, 0)
    with pytest.raises(InvalidInput, match="tsc_hz"):
        tsc_time_scale(0)
    with pytest.raises(InvalidInput, match="version"):
        make_time_info(10**9, 0, 0, version=3)
    with pytest.raises(InvalidInput, match="tsc"):
        pvclock_read_ns(make_time_info(10**9, 0, 0), -1)
    with pytest.raises(InvalidInput, match="states"):
        read_with_retry([], 0, 0)


def test_flags_survive_an_update():
    info = make_time_info(10**9, 0, 0, flags=PVCLOCK_TSC_STABLE_BIT)
    assert host_update(info, tsc_timestamp=1, system_time=1, tsc_hz=10**9).flags == 1
