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
