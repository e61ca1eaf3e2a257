"""Property-based tests of the core arithmetic against big-int definitions."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tscmath as tm

from ..conftest import examples

U64 = st.integers(0, 2**64 - 1)
FORMATS = st.sampled_from([tm.AMD_SVM, tm.INTEL_VMX])
HZ = st.integers(1_000_000, 10_000_000_000)  # 1 MHz .. 10 GHz
MANY = settings(max_examples=examples(2000), deadline=None)


@st.composite
def format_and_multiplier(draw):
    fmt = draw(FORMATS)
    mult = draw(
        st.one_of(
            st.integers(1, fmt.max_multiplier),
            st.sampled_from([1, fmt.one - 1, fmt.one, fmt.one + 1, fmt.max_multiplier]),
        )
    )
    return fmt, mult


@MANY
@given(U64, format_and_multiplier())
def test_scale_is_the_big_int_definition(tsc, fm):
    fmt, mult = fm
    exact = tsc * mult // 2**fmt.frac_bits
    assert tm.scale(tsc, mult, fmt, wrap=True) == exact % 2**64
    if exact < 2**64:
        assert tm.scale(tsc, mult, fmt) == exact
        assert tsc <= tm.max_unscaled_tsc(mult, fmt)
    else:
        assert tsc > tm.max_unscaled_tsc(mult, fmt)


@st.composite
def tsc_arrays(draw, fmt, mult):
    limit = tm.max_unscaled_tsc(mult, fmt)
    edges = [v for v in (0, 1, 2**63, limit) if v <= limit]
    body = draw(st.lists(st.integers(0, limit), min_size=0, max_size=300))
    return np.array(edges + body, dtype=np.uint64)


@settings(max_examples=examples(500), deadline=None)
@given(st.data())
def test_scale_array_equals_scale_without_overflow(data):
    fmt, mult = data.draw(format_and_multiplier())
    tsc = data.draw(tsc_arrays(fmt, mult))
    got = tm.scale_array(tsc, mult, fmt)
    assert got.dtype == np.uint64
    assert got.tolist() == [tm.scale(int(t), mult, fmt) for t in tsc]


@settings(max_examples=examples(500), deadline=None)
@given(st.data())
def test_scale_array_wraps_like_scale_on_any_u64(data):
    fmt, mult = data.draw(format_and_multiplier())
    body = data.draw(st.lists(U64, min_size=0, max_size=300))
    tsc = np.array([0, 1, 2**63, 2**64 - 1, *body], dtype=np.uint64)
    got = tm.scale_array(tsc, mult, fmt, wrap=True)
    assert got.tolist() == [tm.scale(int(t), mult, fmt, wrap=True) for t in tsc]


@settings(max_examples=examples(50), deadline=None)
@given(format_and_multiplier(), st.integers(0, 2**32))
def test_scale_array_across_chunk_boundaries(fm, seed):
    from tscmath import vectorized

    fmt, mult = fm
    rng = np.random.default_rng(seed)
    tsc = rng.integers(0, 2**64, size=vectorized.CHUNK + 17, dtype=np.uint64)
    got = tm.scale_array(tsc, mult, fmt, wrap=True)
    picks = rng.integers(0, tsc.size, size=64)
    picks = np.concatenate([picks, [0, vectorized.CHUNK - 1, vectorized.CHUNK, tsc.size - 1]])
    for i in picks:
        assert int(got[i]) == tm.scale(int(tsc[i]), mult, fmt, wrap=True)


def test_scale_array_keeps_shape_and_accepts_lists_and_signed_arrays():
    fmt = tm.AMD_SVM
    grid = np.arange(12, dtype=np.int64).reshape(3, 4) * 1_000_000_007
    got = tm.scale_array(grid, 3 << 31, fmt)
    assert got.shape == (3, 4)
    assert got.tolist() == [[tm.scale(int(v), 3 << 31, fmt) for v in row] for row in grid]
    assert tm.scale_array([2**64 - 1, 0], fmt.one, fmt).tolist() == [2**64 - 1, 0]


@MANY
@given(U64, U64, format_and_multiplier())
def test_offset_for_then_guest_tsc_gives_back_the_anchor(host, guest, fm):
    fmt, mult = fm
    offset = tm.offset_for(host, guest, mult, fmt)
    assert 0 <= offset < 2**64
    assert tm.guest_tsc(host, mult, offset, fmt) == guest


@MANY
@given(U64)
def test_to_signed_and_to_u64_round_trip(value):
    signed = tm.to_signed(value)
    assert -(2**63) <= signed < 2**63
    assert tm.to_u64(signed) == value


@MANY
@given(HZ, HZ, FORMATS)
def test_guest_never_runs_fast_and_loses_less_than_the_bound(guest_hz, host_hz, fmt):
    try:
        mult = tm.multiplier(guest_hz, host_hz, fmt)
    except tm.RatioOutOfRange:
        ratio = (guest_hz << fmt.frac_bits) // host_hz
        assert ratio == 0 or ratio > fmt.max_multiplier
        return
    eff = tm.effective_hz(mult, host_hz, fmt)
    assert eff <= guest_hz
    drift = tm.drift_ticks_per_second(guest_hz, host_hz, fmt)
    assert drift == guest_hz - eff
    assert 0 <= drift < tm.effective_hz(1, host_hz, fmt)  # host_hz / 2**F


@MANY
@given(HZ, HZ, FORMATS, st.integers(0, 10**6))
def test_a_scaled_guest_counts_seconds_within_the_truncation(guest_hz, host_hz, fmt, seconds):
    """After s host seconds the guest counted floor(s*host*M/2^F) ticks: never more than asked."""
    try:
        mult = tm.multiplier(guest_hz, host_hz, fmt)
    except tm.RatioOutOfRange:
        return
    host_ticks = seconds * host_hz
    assume(host_ticks < 2**64)
    counted = tm.scale(host_ticks, mult, fmt, wrap=True)
    asked = seconds * guest_hz
    assert counted <= asked
    assert asked - counted < seconds * host_hz / 2**fmt.frac_bits + 1


@MANY
@given(st.integers(0, 2**80), HZ)
def test_tick_ns_conversions_multiply_first(ticks, hz):
    ns = tm.ticks_to_ns(ticks, hz)
    assert ns == ticks * 10**9 // hz
    assert tm.ns_to_ticks(ns, hz) <= ticks
    assert tm.ns_to_ticks(ns + 1, hz) >= ticks  # one more ns reaches the ticks again
