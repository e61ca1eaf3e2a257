"""reanchoring: exact decomposition of a migrated guest's lag, and its bounds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tscmath as tm
from tscmath.accuracy.reanchoring import simulate_migrations

hz = st.integers(500_000_000, 5_000_000_000)


@settings(max_examples=40, deadline=None)
@given(
    guest=hz,
    hosts=st.lists(hz, min_size=1, max_size=3),
    blackout=st.integers(0, 5 * 10**9),
    seed=st.integers(0, 1000),
)
def test_rounding_part_is_bounded_per_migration(guest, hosts, blackout, seed):
    for fmt in (tm.AMD_SVM, tm.INTEL_VMX):
        if any(guest >= 255 * h for h in hosts):
            continue
        trace = simulate_migrations(
            guest,
            hosts,
            stays=6,
            stay_s=3,
            blackout_ns=blackout,
            fmt=fmt,
            seed=seed,
            blackout_jitter_ns=10**6,
        )
        for k, (lag, rate, rnd) in enumerate(
            zip(trace.lag_ticks, trace.rate_ticks, trace.rounding_ticks, strict=True), start=1
        ):
            assert lag == rate + rnd
            assert -k < rnd < 2 * k  # re-anchoring in (-1, 1), blackout floor in [0, 1)
            assert rate >= 0


def test_rounding_is_a_random_walk_not_a_drift():
    # Over many migrations the re-anchoring errors have both signs: the rounding part is not
    # simply k times a constant, and it stays far inside the worst case.
    trace = simulate_migrations(
        2_994_374_000,
        [3_000_000_000, 2_500_000_000],
        stays=200,
        stay_s=1,
        blackout_ns=10**9,
        blackout_jitter_ns=10**6,
        fmt=tm.INTEL_VMX,
        seed=3,
    )
    r = trace.rounding_ticks
    steps = [b - a for a, b in zip((0, *r[:-1]), r, strict=True)]
    assert any(s > 0 for s in steps) and any(s < 0 for s in steps)
    assert abs(trace.rounding_ticks[-1]) < 200


def test_exact_ratio_and_whole_tick_blackout_lose_nothing():
    # guest == host and a blackout of whole ticks: multiplier exact, every floor exact
    trace = simulate_migrations(
        3_000_000_000,
        [3_000_000_000],
        stays=5,
        stay_s=10,
        blackout_ns=2_000_000_000,
        fmt=tm.AMD_SVM,
        seed=0,
    )
    assert all(lag == 0 for lag in trace.lag_ticks)


def test_same_seed_same_trace_and_bad_input():
    args = dict(stays=3, stay_s=1, blackout_ns=1, fmt=tm.AMD_SVM, seed=5)
    assert simulate_migrations(2 * 10**9, [3 * 10**9], **args) == simulate_migrations(
        2 * 10**9, [3 * 10**9], **args
    )
    with pytest.raises(tm.InvalidInput, match="host_hzs"):
        simulate_migrations(2 * 10**9, [], **args)
    with pytest.raises(tm.InvalidInput, match="stays"):
        simulate_migrations(2 * 10**9, [3 * 10**9], **{**args, "stays": 0})
