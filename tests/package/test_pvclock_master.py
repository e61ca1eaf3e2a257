"""KVM's side of kvmclock: whole-kHz input, the master clock, the stable bit and its fallbacks."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tscmath.guest_view import hyperv
from tscmath.guest_view.pvclock import (
    PVCLOCK_GUEST_STOPPED,
    PVCLOCK_TSC_STABLE_BIT,
    MasterClock,
    guest_time_update,
    make_time_info,
    monotonic_read,
    page_rate_error,
    pvclock_read_ns,
    rate_error,
    tsc_time_scale,
    tsc_time_scale_khz,
    use_master_clock,
    vdso_read_ns,
)

khz = st.integers(100_000, 10_000_000)  # 100 MHz .. 10 GHz


@given(khz, st.integers(0, 999))
def test_the_page_error_is_the_product_of_khz_rounding_and_multiplier_truncation(k, extra):
    shift, mul = tsc_time_scale_khz(k)
    true_hz = k * 1000 + extra
    total = page_rate_error(shift, mul, true_hz)
    khz_part = Fraction(true_hz, k * 1000) - 1
    assert total == (1 + rate_error(k * 1000)) * (1 + khz_part) - 1
    # kHz rounding: below 1000 / true_hz; the multiplier: below 2**-29 (about 1.9 ppb)
    assert 0 <= khz_part < Fraction(1000, true_hz)
    assert abs(rate_error(k * 1000)) < Fraction(1, 2**29)


def test_khz_rounding_dwarfs_the_multiplier_at_3_ghz():
    shift, mul = tsc_time_scale_khz(2_994_374)
    worst = page_rate_error(shift, mul, 2_994_374_999)
    assert Fraction(333, 10**9) < worst < Fraction(334, 10**9)  # 0.3336 ppm
    assert abs(rate_error(2_994_374_000)) * 1000 < worst  # the multiplier: > 1000x smaller


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (dict(host_clocksource_tsc=True, vcpus_matched=True), True),
        (dict(host_clocksource_tsc=False, vcpus_matched=True), False),
        (dict(host_clocksource_tsc=True, vcpus_matched=False), False),
        (dict(host_clocksource_tsc=True, vcpus_matched=True, backwards_tsc_observed=True), False),
        (
            dict(host_clocksource_tsc=True, vcpus_matched=True, boot_vcpu_runs_old_kvmclock=True),
            False,
        ),
    ],
)
def test_master_clock_conditions(flags, expected):
    assert use_master_clock(**flags) is expected


def test_a_master_clock_update_repeats_the_same_anchor():
    hz, khz_ = 3_000_000_000, 3_000_000
    master = MasterClock(host_tsc=10 * hz, kernel_ns=10 * 10**9)
    page = make_time_info(hz, 0, 0, version=2)
    # two updates at different moments: both anchor at the master clock's pair
    a = guest_time_update(
        page,
        guest_tsc=master.host_tsc,
        kernel_ns=master.kernel_ns,
        kvmclock_offset=0,
        tsc_khz=khz_,
        master_clock=True,
    )
    b = guest_time_update(
        a,
        guest_tsc=master.host_tsc,
        kernel_ns=master.kernel_ns,
        kvmclock_offset=0,
        tsc_khz=khz_,
        master_clock=True,
    )
    assert replace(a, version=0) == replace(b, version=0) and b.version == a.version + 2
    assert a.flags == PVCLOCK_TSC_STABLE_BIT


def test_update_keeps_guest_stopped_and_clears_stable_without_master_clock():
    page = make_time_info(10**9, 0, 0, flags=PVCLOCK_TSC_STABLE_BIT | PVCLOCK_GUEST_STOPPED)
    new = guest_time_update(
        page, guest_tsc=5, kernel_ns=7, kvmclock_offset=-7, tsc_khz=10**6, master_clock=False
    )
    assert new.flags == PVCLOCK_GUEST_STOPPED and new.system_time == 0
    assert (new.tsc_shift, new.tsc_to_system_mul) == tsc_time_scale(10**9)


def test_negative_system_time_wraps_like_a_u64():
    page = make_time_info(10**9, 0, 0)
    new = guest_time_update(
        page, guest_tsc=0, kernel_ns=5, kvmclock_offset=-70, tsc_khz=10**6, master_clock=True
    )
    assert tm.to_signed(new.system_time) == -65


def test_vdso_uses_the_page_only_with_the_stable_bit():
    page = make_time_info(3_000_000_000, 0, 0)
    assert vdso_read_ns(page, 3_000_000_000) == pvclock_read_ns(page, 3_000_000_000)
    assert vdso_read_ns(replace(page, flags=0), 3_000_000_000) is None
    big = make_time_info(10**9, 0, 2**64 - 10)
    assert vdso_read_ns(big, 5) == (2**64 - 5) & (2**63 - 1)  # the vDSO masks with S64_MAX


@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=30), st.booleans())
def test_without_the_stable_bit_readings_never_go_backwards(readings, trusted):
    last, out = 0, []
    for ns in readings:
        got, last = monotonic_read(ns, last, 0, stable_bit_trusted=trusted)
        out.append(got)
    assert out == sorted(out) and out[-1] == max(readings)


def test_an_untrusted_stable_bit_still_gets_the_fallback():
    assert monotonic_read(5, 9, PVCLOCK_TSC_STABLE_BIT, stable_bit_trusted=False) == (9, 9)
    assert monotonic_read(5, 9, PVCLOCK_TSC_STABLE_BIT) == (5, 9)


def test_kvm_reference_page_follows_the_kvmclock_anchor():
    hz = 3_000_000_000
    first = make_time_info(hz, tsc_timestamp=6 * hz, system_time=2 * 10**9)
    later = make_time_info(hz, tsc_timestamp=66 * hz, system_time=62 * 10**9 + 5_000)
    p1, p2 = hyperv.kvm_reference_page(first), hyperv.kvm_reference_page(later)
    assert p1.scale == p2.scale and p1.offset != p2.offset
    for page, info in ((p1, first), (p2, later)):
        t = info.tsc_timestamp + hz
        assert abs(hyperv.read_100ns(page, t) * 100 - pvclock_read_ns(info, t)) <= 200
    assert not hyperv.kvm_reference_page(replace(first, flags=0)).valid


def test_bad_input_names_the_parameter():
    with pytest.raises(tm.InvalidInput, match="tsc_khz"):
        tsc_time_scale_khz(0)
    with pytest.raises(tm.InvalidInput, match="true_hz"):
        page_rate_error(0, 1 << 31, 0)
    with pytest.raises(tm.InvalidInput, match="host_tsc"):
        MasterClock(host_tsc=-1, kernel_ns=0)
    with pytest.raises(tm.InvalidInput, match="last_value"):
        monotonic_read(0, -1, 0)
    with pytest.raises(tm.InvalidInput, match="guest_tsc"):
        guest_time_update(
            make_time_info(10**9, 0, 0),
            guest_tsc=2**64,
            kernel_ns=0,
            kvmclock_offset=0,
            tsc_khz=10**6,
            master_clock=True,
        )
