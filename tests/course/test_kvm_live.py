"""The live KVM driver and its checks: the recorded run everywhere, a live run where /dev/kvm is.

The live tests run when ``/dev/kvm`` is usable (root or the ``kvm`` group, x86-64 Linux) and are
skipped with the reason otherwise. They are robust under load: every check is an inequality
that load only loosens, or an exact equality KVM computes from one snapshot; every run is
bounded by a timeout.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import signal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tsccourse import kvm_checks, kvm_live
from tsccourse.kvm_checks import U64_MAX, load_recorded_session, session_checks
from tscmath.guest_view import pvclock

RECORDED = load_recorded_session()
UNAVAILABLE = kvm_live.kvm_unavailable_reason()
live = pytest.mark.skipif(UNAVAILABLE is not None, reason=f"/dev/kvm not usable: {UNAVAILABLE}")

u64 = st.integers(0, U64_MAX)


# --- the recorded run, everywhere ----------------------------------------------------------------


def test_recorded_run_says_where_it_comes_from():
    assert RECORDED.kernel and RECORDED.vendor_module and RECORDED.machine == "x86_64"
    assert RECORDED.date.startswith("20") and RECORDED.api_version == 12
    assert RECORDED.plain.exits == ("KVM_EXIT_IO", "KVM_EXIT_IO", "KVM_EXIT_HLT")


def test_recorded_page_scale_is_tscmaths():
    page = RECORDED.plain.page
    khz = RECORDED.plain.tsc_khz
    assert (page.tsc_shift, page.tsc_to_system_mul) == pvclock.kvm_get_time_scale(10**9, khz * 1000)
    assert pvclock.pvclock_tsc_khz(page) in (khz - 1, khz)  # the guest's recovered rate


def test_every_check_holds_on_the_recorded_run():
    checks = session_checks(RECORDED)
    assert len(checks) >= 12
    assert [c for c in checks if c.holds is not True] == []


def test_recorded_offset_outcome_matches_the_vendor_module():
    expected = "ignored" if RECORDED.vendor_module == "kvm_pvm" else "applied"
    assert kvm_checks.offset_outcome(RECORDED.with_offset) == expected
    assert RECORDED.with_offset.offset_requested == kvm_live.DEMO_TSC_OFFSET


def test_recorded_lower_rate_refused_and_higher_accepted_without_scaling():
    assert RECORDED.capabilities["KVM_CAP_TSC_CONTROL"] == 0
    host, higher, lower = RECORDED.rate_attempts
    assert host.accepted and higher.accepted
    assert not lower.accepted and lower.error == "EINVAL"
    assert lower.requested_khz < RECORDED.plain.tsc_khz < higher.requested_khz
    # the higher-rate guest's page still describes the host's TSC
    assert kvm_checks.higher_rate_page_khz(RECORDED) in (host.requested_khz - 1, host.requested_khz)


def test_json_round_trip_is_exact():
    text = kvm_checks.session_to_json(RECORDED)
    assert kvm_checks.session_from_json(text) == RECORDED


def test_bad_json_raises_invalid_input():
    with pytest.raises(tm.InvalidInput, match="recorded KVM session"):
        kvm_checks.session_from_json('{"kernel": "x"}')


# --- the checks can fail -------------------------------------------------------------------------


def _with_page(run, **fields):
    return dataclasses.replace(run, page=dataclasses.replace(run.page, **fields))


def test_page_scale_check_catches_a_wrong_multiplier():
    run = _with_page(RECORDED.plain, tsc_to_system_mul=RECORDED.plain.page.tsc_to_system_mul + 1)
    assert kvm_checks.check_page_scale(run).holds is False


def test_stable_bit_check_catches_a_mismatch():
    run = _with_page(RECORDED.plain, flags=0)
    assert kvm_checks.check_stable_bit(run).holds is False


def test_clock_check_is_exact_to_the_nanosecond():
    clock = RECORDED.plain.clock_after
    off_by_one = dataclasses.replace(clock, clock=clock.clock + 1)
    run = dataclasses.replace(RECORDED.plain, clock_after=off_by_one)
    assert kvm_checks.check_clock_matches_page(run).holds is False


def test_clock_check_does_not_apply_without_master_clock():
    clock = dataclasses.replace(RECORDED.plain.clock_after, flags=0)
    run = dataclasses.replace(RECORDED.plain, clock_after=clock)
    assert kvm_checks.check_clock_matches_page(run).holds is None


def test_rdtsc_check_catches_a_value_outside_the_host_readings():
    run = dataclasses.replace(RECORDED.plain, guest_rdtsc=RECORDED.plain.host_tsc_after + 10**6)
    assert kvm_checks.check_rdtsc_between_host_readings(run).holds is False
    assert kvm_checks.offset_outcome(dataclasses.replace(run, offset_requested=5)) == "neither"


def test_without_the_offset_attribute_the_offset_checks_do_not_apply():
    run = dataclasses.replace(RECORDED.plain, offset_read_back=None)
    assert kvm_checks.check_rdtsc_between_host_readings(run).holds is None
    assert kvm_checks.check_clock_matches_page(run).holds is None
    assert kvm_checks.check_rdtsc_between_host_readings(run, 0).holds is True
    with pytest.raises(tm.InvalidInput, match="offset must be given"):
        kvm_checks.guest_tsc_of(run, 1)


@given(before=u64, to_guest=st.integers(0, 10**12), to_after=st.integers(0, 10**12), offset=u64)
def test_rdtsc_bracket_holds_across_the_64_bit_wrap(before, to_guest, to_after, offset):
    run = dataclasses.replace(
        RECORDED.plain,
        host_tsc_before=before,
        host_tsc_after=(before + to_guest + to_after) & U64_MAX,
        guest_rdtsc=(before + to_guest + offset) & U64_MAX,
        offset_read_back=offset,
    )
    assert kvm_checks.check_rdtsc_between_host_readings(run).holds is True
    assert kvm_checks.guest_tsc_of(run, before) == tm.guest_tsc(before, 1 << 32, offset, tm.AMD_SVM)


# --- the driver without /dev/kvm -----------------------------------------------------------------


def test_ioctl_numbers_are_the_kernels():
    # _IOC(dir, 0xAE, nr, sizeof(struct)), as strace shows them for QEMU
    assert kvm_live.KVM_GET_API_VERSION == 0xAE00
    assert kvm_live.KVM_RUN == 0xAE80
    assert kvm_live.KVM_SET_USER_MEMORY_REGION == 0x4020AE46
    assert kvm_live.KVM_SET_REGS == 0x4090AE82
    assert kvm_live.KVM_SET_SREGS == 0x4138AE84
    assert kvm_live.KVM_GET_CLOCK == 0x8030AE7C
    assert kvm_live.KVM_SET_DEVICE_ATTR == 0x4018AEE1
    assert (kvm_live.KVM_SET_TSC_KHZ, kvm_live.KVM_GET_TSC_KHZ) == (0xAEA2, 0xAEA3)


def test_structs_have_the_kernels_sizes():
    assert kvm_live.PVCLOCK_VCPU_TIME_INFO.size == 32
    assert kvm_live.KVM_CLOCK_DATA.size == 48
    assert kvm_live.KVM_SREGS_SIZE == 312
    assert kvm_live.KVM_REGS.size == 144


def test_guest_program_is_one_instruction_a_line_ending_in_hlt():
    listing = kvm_live.describe_program()
    assert len(listing) == len(kvm_live.GUEST_PROGRAM)
    assert kvm_live.GUEST_CODE.endswith(b"\xf4")
    assert (0x4B564D01).to_bytes(4, "little") in kvm_live.GUEST_CODE
    assert kvm_live.GUEST_CODE.count(b"\x0f\x31") == 1  # one rdtsc


def test_missing_device_raises_kvm_unavailable():
    with pytest.raises(kvm_live.KvmUnavailable, match="does not exist") as caught:
        kvm_live.Kvm.open("/nonexistent/kvm")
    assert caught.value.errno == errno.ENOENT
    assert isinstance(caught.value, OSError)
    assert "does not exist" in kvm_live.kvm_unavailable_reason("/nonexistent/kvm")


def test_a_device_that_is_not_kvm_raises_kvm_unavailable():
    with pytest.raises(kvm_live.KvmUnavailable, match="/dev/null is not a KVM device"):
        kvm_live.Kvm.open("/dev/null")


def test_not_permitted_names_root_or_the_kvm_group(monkeypatch):
    def refuse(path, flags, mode=0o777):
        raise PermissionError(errno.EACCES, "Permission denied", path)

    monkeypatch.setattr(kvm_live.os, "open", refuse)
    with pytest.raises(kvm_live.KvmUnavailable, match="root or join the 'kvm' group"):
        kvm_live.Kvm.open()


def test_a_failed_live_run_falls_back_to_the_recorded_one(monkeypatch):
    def fail(device):
        raise kvm_live.KvmRunTimeout(errno.ETIMEDOUT, "KVM_RUN did not return within 5.0 s")

    monkeypatch.setattr(kvm_live, "kvm_unavailable_reason", lambda device: None)
    monkeypatch.setattr(kvm_live, "record_session", fail)
    session, source = kvm_live.live_or_recorded()
    assert session == RECORDED
    assert source.startswith("recorded (the live run failed: [Errno 110] KVM_RUN did not return")


def _exit_area(reason, io=None):
    area = bytearray(256)
    area[8:12] = reason.to_bytes(4, "little")
    if io is not None:
        kvm_live.KVM_RUN_IO.pack_into(area, kvm_live.KVM_RUN_UNION_OFFSET, *io, 128)
        area[128:132] = (0xDEADBEEF).to_bytes(4, "little")
    return area


def test_decode_exit_accepts_the_guests_port_write_and_hlt():
    assert kvm_live.decode_exit(_exit_area(2, (1, 4, 0x10, 1))) == (2, 0xDEADBEEF)
    assert kvm_live.decode_exit(_exit_area(5)) == (5, 0)


@pytest.mark.parametrize(
    ("area", "message"),
    [
        (_exit_area(8), "KVM_EXIT_SHUTDOWN"),
        (_exit_area(2, (1, 4, 0x99, 1)), "port 0x99"),
        (_exit_area(2, (0, 4, 0x10, 1)), "IN of 4"),
        (_exit_area(17), "KVM_EXIT_INTERNAL_ERROR \\(17\\), suberror 0"),
        (_exit_area(999), "unknown exit"),
    ],
)
def test_decode_exit_names_an_unexpected_exit(area, message):
    with pytest.raises(kvm_live.KvmUnexpectedExit, match=message):
        kvm_live.decode_exit(area)


def test_bad_timeout_is_refused():
    with pytest.raises(tm.InvalidInput, match="timeout_s"), kvm_live._deadline(0):
        pass


# --- live, where /dev/kvm is usable --------------------------------------------------------------


@pytest.fixture(scope="module")
def session():
    return kvm_live.record_session()


@live
def test_live_session_every_check_holds(session):
    failed = [str(c) for c in session_checks(session) if c.holds is not True]
    assert failed == []


@live
def test_live_page_scale_equals_tscmaths(session):
    page, khz = session.plain.page, session.plain.tsc_khz
    assert (page.tsc_shift, page.tsc_to_system_mul) == pvclock.kvm_get_time_scale(10**9, khz * 1000)


@live
def test_live_stable_bit_matches_kvm_get_clock(session):
    stable = bool(session.plain.page.flags & pvclock.PVCLOCK_TSC_STABLE_BIT)
    assert stable == bool(session.plain.clock_after.flags & kvm_checks.KVM_CLOCK_TSC_STABLE)


@live
def test_live_rdtsc_between_host_readings_plus_the_offset_that_applies(session):
    for run in (session.plain, session.with_offset):
        assert kvm_checks.check_rdtsc_between_host_readings(run).holds is True
    outcome = kvm_checks.offset_outcome(session.with_offset)
    assert outcome in ("applied", "ignored")
    if outcome == "applied":  # hardware virtualization: KVM reads back what it applies
        assert session.with_offset.offset_read_back == session.with_offset.offset_requested
    if "kvm_pvm" in session.vendor_module:
        assert outcome == "ignored" and session.with_offset.offset_read_back == 0


@live
def test_live_lower_tsc_khz_refused_without_scaling(session):
    check = kvm_checks.check_lower_rate_refused(session)
    assert check.holds is True, str(check)
    if not session.capabilities["KVM_CAP_TSC_CONTROL"]:
        assert session.rate_attempts[2].error == "EINVAL"


@live
def test_live_session_is_fast(session):
    assert session.seconds < 5.0  # measured about 0.2 s; the bound leaves room for load


@live
def test_live_unexpected_exit_is_named():
    with kvm_live.Kvm.open() as kvm, pytest.raises(kvm_live.KvmUnexpectedExit, match="0x99"):
        kvm_live.run_tiny_guest(kvm, program=b"\xe6\x99\xf4")  # out 0x99, al; hlt


@live
def test_live_endless_guest_times_out_and_timer_is_restored():
    handler = signal.getsignal(signal.SIGALRM)
    with kvm_live.Kvm.open() as kvm, pytest.raises(kvm_live.KvmRunTimeout):
        kvm_live.run_tiny_guest(kvm, program=b"\xeb\xfe", timeout_s=0.2)  # jmp $
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@live
def test_live_runs_close_every_descriptor():
    before = sorted(os.listdir("/proc/self/fd"))
    kvm_live.record_session()
    assert sorted(os.listdir("/proc/self/fd")) == before
