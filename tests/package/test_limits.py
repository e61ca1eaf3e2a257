"""limits: bhyve's refusals and KVM's kHz tolerance window."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tscmath.limits import (
    BHYVE_MAX_RATIO,
    BHYVE_MIN_GUEST_HZ,
    bhyve_rejection,
    kvm_adjust_khz,
    kvm_khz,
    kvm_uses_scaling,
)
from tscmath.migration.hosts import Host
from tscmath.migration.vm import check_guest_frequency


def test_bhyve_edges():
    assert bhyve_rejection(BHYVE_MIN_GUEST_HZ, 3 * 10**9) is None
    assert "below" in bhyve_rejection(BHYVE_MIN_GUEST_HZ - 1, 3 * 10**9)
    host = 1_000_000_000
    assert bhyve_rejection(BHYVE_MAX_RATIO * host - 1, host) is None
    assert "15 x" in bhyve_rejection(BHYVE_MAX_RATIO * host, host)


@given(st.integers(1_000_000, 10_000_000), st.integers(0, 1000))
def test_kvm_scales_only_outside_the_window(host_khz, ppm):
    lo, hi = kvm_adjust_khz(host_khz, -ppm), kvm_adjust_khz(host_khz, ppm)
    assert lo <= host_khz <= hi
    assert not kvm_uses_scaling(host_khz, host_khz, ppm)
    assert kvm_uses_scaling(hi + 1, host_khz, ppm)
    assert kvm_uses_scaling(lo - 1, host_khz, ppm)


def test_kvm_default_250_ppm_at_3_ghz():
    assert not kvm_uses_scaling(3_000_750, 3_000_000)
    assert kvm_uses_scaling(3_000_751, 3_000_000)
    assert kvm_khz(2_999_999_999) == 2_999_999


@given(st.integers(1, 499_999_999))
def test_bhyve_accepts_its_own_frequency_below_500_mhz(hz):
    """svm_freq_ratio returns "no scaling needed" for equal rates before the 500 MHz check."""
    assert bhyve_rejection(hz, hz) is None
    assert check_guest_frequency(hz, Host("H", hz)) == hz
    assert "below" in bhyve_rejection(hz, hz + 1)


@given(st.integers(1, 60 * 10**9), st.integers(1, 4 * 10**9))
def test_bhyve_rejection_agrees_with_the_migration_model(guest_hz, host_hz):
    """limits.bhyve_rejection and vm.check_guest_frequency refuse the same frequencies."""
    host = Host("H", host_hz)
    try:
        check_guest_frequency(guest_hz, host)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == (bhyve_rejection(guest_hz, host_hz) is None)
