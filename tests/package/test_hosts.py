"""Hosts and guests: clocks from true time, booting, the frequency limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tscmath as tm
from tscmath.migration.hosts import MAX_HZ, Host
from tscmath.migration.vm import (
    ScalingUnsupported,
    anchor_vm,
    boot_guest,
    check_guest_frequency,
)
from tscmath.vectorized import ticks_to_ns_u64_array

G = 10**9
U64 = 2**64

hz_st = st.integers(500_000_000, 5 * G)
time_st = st.integers(-(2**62), 2**62)


def test_host_clocks_by_hand():
    h = Host("A", 2_500_000_000, tsc_at_zero=7, boot_ns=-3 * G, wall_skew_ns=-40)
    # 1.000000001 s at 2.5 GHz = 2_500_000_002.5 ticks -> floor 2_500_000_002, plus 7.
    assert h.tsc_at(1_000_000_001) == 2_500_000_009
    assert h.hrtime_at(1_000_000_001) == 4_000_000_001
    assert h.wallclock_at(1_000_000_001) == 999_999_961
    # Negative true time floors towards minus infinity: -1 ns = -2.5 ticks -> -3.
    assert h.tsc_at(-1) == 4
    assert h.tsc_at(-3) == (7 - 8) % U64  # wraps like a u64


def test_host_tsc_wraps():
    h = Host("W", G, tsc_at_zero=U64 - 5)
    assert h.tsc_at(5) == 0
    assert h.tsc_at(8) == 3


@settings(max_examples=200, deadline=None)
@given(
    hz=st.integers(1, MAX_HZ),
    z=st.integers(0, U64 - 1),
    ts=st.lists(time_st, min_size=1, max_size=20),
)
def test_tsc_array_equals_scalar(hz, z, ts):
    h = Host("H", hz, tsc_at_zero=z)
    arr = h.tsc_array(np.array(ts, dtype=np.int64))
    assert arr.dtype == np.uint64
    assert arr.tolist() == [(z + t * hz // G) % U64 for t in ts]
    assert arr.tolist() == [h.tsc_at(t) for t in ts]


@settings(max_examples=200, deadline=None)
@given(hz=st.integers(1, MAX_HZ), ticks=st.lists(st.integers(0, U64 - 1), min_size=1))
def test_ticks_to_ns_array_exact(hz, ticks):
    got = ticks_to_ns_u64_array(np.array(ticks, dtype=np.uint64), hz)
    assert got.tolist() == [(x * G // hz) % U64 for x in ticks]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"tsc_hz": 0}, "tsc_hz"),
        ({"tsc_hz": 3.0e9}, "tsc_hz"),
        ({"tsc_hz": MAX_HZ + 1}, "tsc_hz"),
        ({"tsc_hz": G, "tsc_at_zero": -1}, "tsc_at_zero"),
        ({"tsc_hz": G, "boot_ns": 2**63}, "boot_ns"),
        ({"tsc_hz": G, "wall_skew_ns": 2**62 + 1}, "wall_skew_ns"),
        ({"tsc_hz": G, "fmt": "amd"}, "fmt"),
    ],
)
def test_host_validation(kwargs, name):
    with pytest.raises(tm.InvalidInput, match=name):
        Host("X", **kwargs)


def test_tsc_array_refuses_floats():
    with pytest.raises(tm.InvalidInput, match="true_ns"):
        Host("A", G).tsc_array(np.array([1.5]))


def test_boot_by_hand():
    # Guest 1 GHz on a 2 GHz AMD host: M = 2**31 (exactly 0.5), no truncation.
    a = Host("A", 2 * G, tsc_at_zero=1_000_000, boot_ns=-100 * G)
    vm = boot_guest(a, G, G)
    assert vm.mult == 1 << 31
    # host TSC at boot = 1e6 + 2e9; scaled = 1_000_500_000; offset = -that mod 2**64
    assert vm.offset == U64 - 1_000_500_000
    assert vm.boot_hrtime == 101 * G
    assert vm.guest_tsc_at(G) == 0
    assert vm.guest_tsc_at(11 * G) == 10 * G
    assert vm.guest_time_ns_at(11 * G + 7) == 10 * G + 7
    assert vm.error_ns_at(11 * G + 7) == 0


def test_boot_default_frequency_and_no_scaling_host():
    h = Host("N", 2_100_000_000, tsc_at_zero=55, fmt=None)
    vm = boot_guest(h, 0)
    assert vm.guest_hz == h.tsc_hz and vm.mult is None
    assert vm.guest_tsc_at(G) == 2_100_000_000
    with pytest.raises(ScalingUnsupported, match="guest_hz"):
        boot_guest(h, 0, 2 * G)


def test_bhyve_limits():
    a = Host("A", G)
    assert check_guest_frequency(500_000_000, a) == 500_000_000
    assert check_guest_frequency(15 * G - 1, a) == 15 * G - 1
    with pytest.raises(tm.RatioOutOfRange, match="guest_hz = 499999999"):
        check_guest_frequency(499_999_999, a)
    with pytest.raises(tm.RatioOutOfRange, match="guest_hz = 15000000000"):
        check_guest_frequency(15 * G, a)
    # Without bhyve's limits only the format's range applies: 8.32 holds ratios < 256.
    assert check_guest_frequency(100 * G, a, enforce_limits=False) == 100 * G
    with pytest.raises(tm.RatioOutOfRange):
        check_guest_frequency(256 * G, a, enforce_limits=False)
    with pytest.raises(tm.InvalidInput, match="guest_hz"):
        boot_guest(a, 0, 0)


def test_vm_validation():
    """A Vm is built by anchor_vm, which checks what enters (the record trusts it)."""
    with pytest.raises(tm.InvalidInput, match="guest_tsc_value"):
        anchor_vm(Host("B", G), 0, G, -1, boot_hrtime=0, boot_ns=0)
    with pytest.raises(tm.InvalidInput, match="boot_hrtime"):
        anchor_vm(Host("B", G), 0, G, 0, boot_hrtime=2**63, boot_ns=0)


@settings(max_examples=100, deadline=None)
@given(
    host_hz=hz_st,
    guest_hz=hz_st,
    z=st.integers(10**13, 2**50),  # host powered on (TSC >= 0) at every time drawn
    boot=st.integers(-(10**12), 10**12),
    dts=st.lists(st.integers(0, 10**12), min_size=1, max_size=10),
    fmt=st.sampled_from([tm.AMD_SVM, tm.INTEL_VMX]),
)
def test_guest_array_and_drift(host_hz, guest_hz, z, boot, dts, fmt):
    h = Host("H", host_hz, tsc_at_zero=z, fmt=fmt)
    # bhyve scales only with 8.32; the 16.48 arithmetic is a hypothetical VMX-scaling hypervisor
    vm = boot_guest(h, boot, guest_hz, enforce_limits=fmt is tm.AMD_SVM)
    ts = [boot + d for d in dts]
    arr = vm.guest_tsc_array(np.array(ts, dtype=np.int64))
    assert arr.tolist() == [vm.guest_tsc_at(t) for t in ts]
    drift = tm.drift_ticks_per_second(guest_hz, host_hz, fmt)
    ratio = guest_hz / host_hz
    for d, g in zip(dts, arr.tolist(), strict=True):
        ideal = d * guest_hz // G
        # Scaled clock runs slow by at most the drift bound, plus truncation of the host
        # TSC (one host tick = `ratio` guest ticks) and of the two scaled reads.
        assert ideal - drift * d / G - ratio - 2 <= g <= ideal + ratio + 2
