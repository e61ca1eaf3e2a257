"""Timelines: the vectorized arrays equal the scalar model, sample by sample."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tscmath as tm
from tscmath.migration.hosts import Host
from tscmath.migration.strategies import Strategy
from tscmath.migration.timeline import Hop, sample_times, simulate_timeline

G = 10**9

hz_st = st.integers(500_000_000, 5 * G)


@st.composite
def hosts(draw, name):
    return Host(
        name,
        draw(hz_st),
        tsc_at_zero=draw(st.integers(0, 2**50)),
        boot_ns=draw(st.integers(-(10**15), 0)),
        wall_skew_ns=draw(st.integers(-50_000_000, 50_000_000)),
        fmt=draw(st.sampled_from([tm.AMD_SVM, tm.INTEL_VMX])),
    )


def scalar_expectation(tl, i):
    """What the scalar model says for sample i (paused samples: frozen at the pause)."""
    t = int(tl.true_ns[i])
    k = int(tl.segment[i])
    if tl.paused[i]:
        g = tl.outcomes[k].exported.guest_tsc
    else:
        g = tl.vms[k].guest_tsc_at(t)
    ns = g * G // tl.guest_hz
    err = (ns - (t - tl.boot_ns)) % 2**64  # the arrays keep residues mod 2**64 ...
    return g, ns % 2**64, err - 2**64 if err >= 2**63 else err  # ... error as int64


@settings(max_examples=60, deadline=None)
@given(
    a=hosts("A"),
    b=hosts("B"),
    c=hosts("C"),
    guest_hz=hz_st,
    boot=st.integers(10**8, 10**11),
    gaps=st.lists(st.integers(0, 20 * G), min_size=2, max_size=2),
    blackouts=st.lists(st.integers(0, 10 * G), min_size=2, max_size=2),
    strategy=st.sampled_from(list(Strategy)),
    n=st.integers(1, 3000),
)
def test_arrays_equal_scalar_model(a, b, c, guest_hz, boot, gaps, blackouts, strategy, n):
    p1 = boot + gaps[0]
    p2 = p1 + blackouts[0] + gaps[1]
    hops = [Hop(b, p1, blackouts[0]), Hop(c, p2, blackouts[1])]
    t_end = p2 + blackouts[1] + 5 * G
    # Arithmetic agreement: 16.48 hosts run as a hypothetical VMX-scaling hypervisor (bhyve has
    # no VMX scaling and refuses them); every frequency drawn is within bhyve's 8.32 limits.
    tl = simulate_timeline(a, guest_hz, boot, hops, strategy, boot, t_end, n, enforce_limits=False)
    assert tl.true_ns.dtype == np.int64 and tl.guest_tsc.dtype == np.uint64
    assert tl.error_ns.dtype == np.int64
    assert len(tl.vms) == 3 and len(tl.outcomes) == 2
    for i in range(0, n, max(1, n // 50)):
        g, ns, err = scalar_expectation(tl, i)
        assert int(tl.guest_tsc[i]) == g
        assert int(tl.guest_ns[i]) == ns
        assert int(tl.error_ns[i]) == err
    # Segments and blackouts are where the hops say.
    t = tl.true_ns
    in_blackout = ((t >= p1) & (t < p1 + blackouts[0])) | ((t >= p2) & (t < p2 + blackouts[1]))
    assert np.array_equal(tl.paused, in_blackout)
    expected_seg = (t >= p1 + blackouts[0]).astype(int) + (t >= p2 + blackouts[1])
    assert np.array_equal(tl.segment, expected_seg)
    if strategy is Strategy.FULL_PROTOCOL:
        assert np.all(np.diff(tl.guest_tsc.astype(object)) >= 0)  # never backwards


def test_full_protocol_timeline_by_hand():
    # The round trip of test_migration.test_round_trip_by_hand, sampled every 0.5 s.
    a = Host("A", 2 * G, tsc_at_zero=1_000_000, boot_ns=-100 * G)
    b = Host("B", 4 * G, tsc_at_zero=7 * 10**12, boot_ns=-1000 * G, wall_skew_ns=2_000_000)
    hop = [Hop(b, 11 * G, G // 2, G // 10)]
    tl = simulate_timeline(
        a, G, G, hop, Strategy.FULL_PROTOCOL, G, 21 * G + G // 2, 42, local_leg="intended"
    )
    assert tl.true_ns.tolist() == [G + k * G // 2 for k in range(42)]
    assert tl.paused.tolist() == [k == 20 for k in range(42)]  # only t = 11 s is in [11, 11.5)
    assert tl.guest_tsc[20] == 10 * G  # frozen at the pause
    assert tl.guest_tsc[21] == 10_502_000_000
    assert tl.guest_tsc[-1] == 20_502_000_000
    assert tl.error_ns[:20].tolist() == [0] * 20
    assert tl.error_ns[21:].tolist() == [2_000_000] * 21
    assert list(tl.host_names[[0, 20, 21]]) == ["A", "A", "B"]


def test_sample_times():
    assert sample_times(5, 5, 1).tolist() == [5]
    assert sample_times(-10, 10, 3).tolist() == [-10, 0, 10]
    t = sample_times(-(2**62), 2**62, 1001)
    assert t[0] == -(2**62) and t[-1] == 2**62 and np.all(np.diff(t) > 0)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_samples": 0}, "n_samples"),
        ({"t_start_ns": 0}, "t_start_ns"),
        ({"t_end_ns": G // 2}, "t_end_ns"),
        ({"guest_hz": 0}, "guest_hz"),
        ({"hops": [Hop(Host("B", G), G // 2, 0)]}, "hops\\[0\\].pause_ns"),
        ({"hops": [Hop(Host("B", G), 2 * G, G), Hop(Host("C", G), 2 * G, 0)]}, "hops\\[1\\]"),
        ({"hops": [(Host("B", G), 2 * G, G)]}, "hops\\[0\\]"),
        ({"strategy": "warp"}, "strategy"),
    ],
)
def test_invalid_input(kwargs, name):
    args = dict(
        first_host=Host("A", G),
        guest_hz=G,
        boot_ns=G,
        hops=[],
        strategy=Strategy.FULL_PROTOCOL,
        t_start_ns=G,
        t_end_ns=2 * G,
        n_samples=10,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        simulate_timeline(**args)


def test_hop_validation():
    with pytest.raises(tm.InvalidInput, match="blackout_ns"):
        Hop(Host("B", G), 0, -1)
    with pytest.raises(tm.InvalidInput, match="write_delay_ns"):
        Hop(Host("B", G), 0, 5, 6)
    with pytest.raises(tm.InvalidInput, match="dst"):
        Hop("B", 0, 5)
