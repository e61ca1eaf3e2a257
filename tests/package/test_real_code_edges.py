"""Edges where tscmath once differed from the real code (issue 23), now as the code has it.

* bhyve has no VMX scaling: a 16.48 host refuses another frequency (EPERM), an equal one needs
  no scaling (``vmm_data_write_vmm_time``, ``test_invalid_freq_intel``);
* KVM_SET_TSC_KHZ's upper bound ``min(0x7fffffff, scale(max ratio, tsc_khz))`` and
  ``adjust_tsc_khz``'s u32 result;
* KVM's Hyper-V page for ``tsc_shift`` -30/-31 (its ``100ull << (32 - shift)`` wraps to 0);
* Linux's Hyper-V reader with ``scale`` 0 on a valid page (it returns the offset);
* the kHz a Linux guest loses in ``pvclock_tsc_khz``;
* tsc-simulator's multiplier 0, which the replay refuses on purpose.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tscmath.errors import U64_MAX
from tscmath.guest_view.hyperv import ReferenceTscPage, kvm_reference_page, read_100ns
from tscmath.guest_view.pvclock import (
    PVCLOCK_TSC_STABLE_BIT,
    PvclockTimeInfo,
    make_time_info,
    pvclock_khz_lost,
    pvclock_tsc_khz,
    tsc_time_scale_khz,
)
from tscmath.limits import (
    KVM_MAX_GUEST_TSC_KHZ_CAP,
    U32_MAX,
    bhyve_rejection,
    bhyve_scales,
    kvm_adjust_khz,
    kvm_max_guest_tsc_khz,
    kvm_set_tsc_khz_outcome,
)
from tscmath.migration.hosts import Host
from tscmath.migration.protocol import export_time_data, import_time_data
from tscmath.migration.tsc_simulator import replay_simulator
from tscmath.migration.vm import ScalingUnsupported, boot_guest, check_guest_frequency

G = 10**9
FORMATS = st.sampled_from([tm.AMD_SVM, tm.INTEL_VMX, None])


# --- bhyve: no VMX scaling --------------------------------------------------------------


@given(st.integers(1, 60 * G), st.integers(1, 4 * G))
def test_bhyve_refuses_another_frequency_on_an_intel_host(guest_hz, host_hz):
    host = Host("C", host_hz, fmt=tm.INTEL_VMX)
    if guest_hz == host_hz:  # no scaling needed: accepted on any vendor
        assert check_guest_frequency(guest_hz, host) == guest_hz
        assert bhyve_rejection(guest_hz, host_hz, tm.INTEL_VMX) is None
    else:
        with pytest.raises(ScalingUnsupported, match="EPERM"):
            check_guest_frequency(guest_hz, host)
        assert bhyve_rejection(guest_hz, host_hz, tm.INTEL_VMX).startswith("EPERM")


@given(st.integers(1, 60 * G), st.integers(1, 4 * G), FORMATS)
def test_bhyve_rejection_agrees_with_the_model_for_every_format(guest_hz, host_hz, fmt):
    try:
        check_guest_frequency(guest_hz, Host("H", host_hz, fmt=fmt))
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == (bhyve_rejection(guest_hz, host_hz, fmt) is None)


def test_only_svm_8_32_is_scaled_by_bhyve():
    assert bhyve_scales(tm.AMD_SVM) and not bhyve_scales(tm.INTEL_VMX) and not bhyve_scales(None)


def test_the_full_protocol_refuses_an_intel_destination_at_another_frequency():
    a = Host("A", 3 * G, tsc_at_zero=7 * G)
    c = Host("C", 2_200_000_000, fmt=tm.INTEL_VMX)
    vm = boot_guest(a, 0, 3 * G)
    data = export_time_data(vm, 10 * G)
    with pytest.raises(ScalingUnsupported, match="no VMX TSC scaling"):
        import_time_data(data, c, 11 * G)
    # a hypothetical hypervisor with VMX scaling (no bhyve rules) programs a 16.48 multiplier
    moved = import_time_data(data, c, 11 * G, enforce_limits=False)
    assert moved.mult == tm.multiplier(3 * G, 2_200_000_000, tm.INTEL_VMX)
    # an Intel host at the guest's own frequency takes it without scaling
    same = import_time_data(data, Host("D", 3 * G, fmt=tm.INTEL_VMX), 11 * G)
    assert same.guest_tsc_at(12 * G) - same.guest_tsc_at(11 * G) == 3 * G


# --- KVM: KVM_SET_TSC_KHZ's bound and adjust_tsc_khz's u32 -------------------------------


@given(st.integers(1, U32_MAX), st.sampled_from([tm.AMD_SVM, tm.INTEL_VMX]))
def test_kvm_max_guest_tsc_khz(host_khz, fmt):
    bound = kvm_max_guest_tsc_khz(host_khz, fmt)
    assert bound == min(KVM_MAX_GUEST_TSC_KHZ_CAP, fmt.max_multiplier * host_khz // fmt.one)
    assert kvm_set_tsc_khz_outcome(bound, host_khz, fmt) == "EINVAL"
    if bound > 1:
        assert kvm_set_tsc_khz_outcome(bound - 1, host_khz, fmt) != "EINVAL" or (
            ((bound - 1) << fmt.frac_bits) // host_khz >= fmt.max_multiplier
        )


def test_kvm_bound_numbers():
    assert kvm_max_guest_tsc_khz(3_000_000) == (2**40 - 1) * 3_000_000 >> 32  # 8.32: ~256x
    assert kvm_max_guest_tsc_khz(3_000_000, tm.INTEL_VMX) == 0x7FFFFFFF  # capped
    assert kvm_set_tsc_khz_outcome(0x7FFFFFFF, 3_000_000, tm.INTEL_VMX) == "EINVAL"
    assert kvm_set_tsc_khz_outcome(0x7FFFFFFE, 3_000_000, tm.INTEL_VMX) == "scaled"
    assert kvm_set_tsc_khz_outcome(0x7FFFFFFE, 3_000_000, None) == "catch-up"  # no bound
    assert kvm_set_tsc_khz_outcome(0, 3_000_000) == "not scaled"  # 0: the host's rate
    assert kvm_set_tsc_khz_outcome(3_000_700, 3_000_000, None) == "not scaled"


@given(st.integers(1, U32_MAX), st.integers(-999_999, 10**6))
def test_kvm_adjust_khz_is_a_u32(khz, ppm):
    exact = khz * (10**6 + ppm) // 10**6
    assert kvm_adjust_khz(khz, ppm) == exact % 2**32
    assert (kvm_adjust_khz(khz, ppm) == exact) == (exact <= U32_MAX)


def test_kvm_adjust_khz_wraps_only_near_4_thz():
    assert kvm_adjust_khz(4_293_893_822, 250) == 4_293_893_822 * 1_000_250 // 10**6
    assert kvm_adjust_khz(4_293_893_823, 250) < 4_293_893_823  # wrapped


# --- KVM's Hyper-V page from kvmclock: tsc_shift -30/-31 ---------------------------------


@given(st.integers(-31, 31), st.integers(1, U32_MAX))
def test_kvm_hyperv_page_uses_kvms_64_bit_bound(shift, mul):
    info = PvclockTimeInfo(2, 0, 0, mul, shift, PVCLOCK_TSC_STABLE_BIT)
    page = kvm_reference_page(info)
    max_mul = (100 << (32 - shift)) % 2**64  # KVM's u64 shift
    assert page.valid == (mul < max_mul)
    if page.valid:
        assert page.scale == (mul << (32 + shift)) // 100 < 2**64


@pytest.mark.parametrize("shift", [-30, -31])
def test_kvm_disables_the_hyperv_page_at_shift_minus_30_and_31(shift):
    info = PvclockTimeInfo(2, 0, 0, 1 << 31, shift, PVCLOCK_TSC_STABLE_BIT)
    assert (1 << 31) * 2 ** (32 + shift) // 100 < 2**64  # the scale itself would fit
    assert not kvm_reference_page(info).valid


# --- Linux's reader: scale 0 on a valid page ---------------------------------------------


@given(st.integers(1, U32_MAX), st.integers(-(2**63), 2**63 - 1), st.integers(0, U64_MAX))
def test_a_valid_page_with_scale_0_reads_its_offset(sequence, offset, tsc):
    page = ReferenceTscPage(sequence=sequence, scale=0, offset=offset)
    assert read_100ns(page, tsc) == offset % 2**64


# --- pvclock_tsc_khz: the kHz a guest loses ----------------------------------------------


@given(st.integers(1, U32_MAX))
def test_pvclock_khz_lost_is_below_two_to_minus_shift(khz):
    shift, _ = tsc_time_scale_khz(khz)
    lost = pvclock_khz_lost(khz)
    assert 0 <= lost <= max(0, 2**-shift - 1)
    assert lost == khz - pvclock_tsc_khz(make_time_info(khz * 1000, 0, 0))


def test_pvclock_khz_lost_numbers():
    assert tsc_time_scale_khz(4_000_000)[0] == -1 and tsc_time_scale_khz(4_000_001)[0] == -2
    assert max(pvclock_khz_lost(k) for k in range(3_000_000, 3_000_100)) == 1
    assert max(pvclock_khz_lost(k) for k in range(4_000_001, 4_000_101)) == 3
    assert max(pvclock_khz_lost(k) for k in range(8_000_010, 8_000_110)) == 7


# --- tsc-simulator: multiplier 0 ----------------------------------------------------------


def test_the_replay_refuses_the_tools_multiplier_0():
    assert (1 << 32) * 1 // 2**33 == 0  # the tool's freq_multiplier would return Ok(0)
    with pytest.raises(tm.RatioOutOfRange, match="multiplier 0x0"):
        replay_simulator(2, 0, 2**33, 1)
