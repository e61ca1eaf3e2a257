"""vcpu_tsc: guest TSC writes become offsets, and IA32_TSC_ADJUST tracks them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tscmath.counter.vcpu_tsc import (
    TscSync,
    VcpuTsc,
    host_write_tsc,
    read_tsc,
    write_tsc,
    write_tsc_adjust,
)

u64 = st.integers(0, 2**64 - 1)
# Host TSCs below 2**63 keep a 1.5x scaled value inside 64 bits.
host = st.integers(0, 2**62)
mults = st.sampled_from([None, tm.AMD_SVM.one // 2, 0xAAAA_AAAA, 3 * tm.AMD_SVM.one // 2])


@given(u64, u64, host, u64, mults)
def test_after_a_tsc_write_the_guest_reads_what_it_wrote(offset, adjust, h, value, mult):
    cpu = VcpuTsc(offset=offset, tsc_adjust=adjust, mult=mult)
    after = write_tsc(cpu, h, value)
    assert read_tsc(after, h) == value
    # the adjust MSR moved exactly as far as the guest's TSC did (mod 2**64)
    moved = (value - read_tsc(cpu, h)) % 2**64
    assert (after.tsc_adjust - cpu.tsc_adjust) % 2**64 == moved


@given(u64, u64, host, u64, st.integers(0, 2**40))
def test_adjust_write_moves_the_tsc_by_the_change(offset, adjust, h, value, later):
    cpu = VcpuTsc(offset=offset, tsc_adjust=adjust)
    after = write_tsc_adjust(cpu, h, value)
    assert after.tsc_adjust == value
    assert (read_tsc(after, h + later) - read_tsc(cpu, h + later)) % 2**64 == (
        value - adjust
    ) % 2**64


def test_the_os_can_undo_a_firmware_write_with_tsc_adjust():
    cpu = write_tsc(VcpuTsc(offset=0), host_tsc=10_000, value=3_000)
    assert tm.to_signed(cpu.tsc_adjust) == -7_000
    fixed = write_tsc_adjust(cpu, host_tsc=20_000, value=0)
    assert read_tsc(fixed, 20_000) == 20_000 and fixed.offset == 0


def test_bad_state_is_refused():
    with pytest.raises(tm.InvalidInput, match="offset"):
        VcpuTsc(offset=-1)
    with pytest.raises(tm.InvalidInput, match="mult"):
        VcpuTsc(offset=0, mult=0)
    with pytest.raises(tm.InvalidInput, match="value"):
        write_tsc(VcpuTsc(offset=0), 0, 2**64)


HZ = 3_000_000_000


def _create(sync, host_tsc, host_ns):
    return host_write_tsc(
        VcpuTsc(offset=0), sync, host_tsc=host_tsc, host_ns=host_ns, value=None, tsc_hz=HZ
    )


@given(st.integers(0, 2**50), st.lists(st.integers(0, 10**12), min_size=1, max_size=6))
def test_vcpus_created_at_any_time_share_the_first_vcpus_offset(start, gaps):
    sync = TscSync()
    cpu0, sync, matched = _create(sync, start, 0)
    assert not matched and read_tsc(cpu0, start) == 0
    h, ns = start, 0
    for gap in gaps:
        h, ns = h + gap, ns + gap // 3
        cpu, sync, matched = _create(sync, h, ns)
        assert matched and cpu.offset == cpu0.offset
    assert sync.generation == 1


def test_a_host_write_near_the_expected_value_is_snapped_to_the_generation():
    # QEMU restoring vCPU 1 with a value 0.4 s of ticks away from where vCPU 0's write is now
    sync = TscSync()
    cpu0, sync, _ = host_write_tsc(
        VcpuTsc(offset=0), sync, host_tsc=10 * HZ, host_ns=0, value=5 * HZ, tsc_hz=HZ
    )
    assert sync.user_set_tsc and sync.generation == 1
    later = 10 * HZ + HZ // 100  # 10 ms later
    cpu1, sync, matched = host_write_tsc(
        VcpuTsc(offset=0),
        sync,
        host_tsc=later,
        host_ns=10_000_000,
        value=5 * HZ + 4 * HZ // 10,
        tsc_hz=HZ,
    )
    assert matched and cpu1.offset == cpu0.offset
    assert read_tsc(cpu1, later) == read_tsc(cpu0, later) != 5 * HZ + 4 * HZ // 10
    # one second away or more: taken at face value, a new generation
    cpu2, sync, matched = host_write_tsc(
        VcpuTsc(offset=0), sync, host_tsc=later, host_ns=10_000_000, value=7 * HZ, tsc_hz=HZ
    )
    assert not matched and read_tsc(cpu2, later) == 7 * HZ and sync.generation == 2


def test_before_any_user_write_a_nonzero_value_is_never_matched():
    # Linux 6.7+: the one-second slop only applies once userspace has written a TSC
    sync = TscSync()
    _, sync, _ = _create(sync, HZ, 0)
    assert not sync.user_set_tsc
    cpu, sync, matched = host_write_tsc(
        VcpuTsc(offset=0), sync, host_tsc=HZ, host_ns=0, value=1, tsc_hz=HZ
    )
    assert not matched and read_tsc(cpu, HZ) == 1


def test_host_writes_leave_tsc_adjust_alone_guest_writes_do_not():
    sync = TscSync()
    cpu, sync, _ = host_write_tsc(
        VcpuTsc(offset=0, tsc_adjust=7), sync, host_tsc=HZ, host_ns=0, value=123, tsc_hz=HZ
    )
    assert cpu.tsc_adjust == 7
    assert write_tsc(cpu, HZ, 0).tsc_adjust != 7


def test_a_different_tsc_frequency_is_not_matched():
    sync = TscSync()
    _, sync, _ = _create(sync, HZ, 0)
    _, sync, matched = host_write_tsc(
        VcpuTsc(offset=0), sync, host_tsc=HZ, host_ns=1, value=None, tsc_hz=HZ // 2
    )
    assert not matched


def test_bad_sync_input_is_refused():
    with pytest.raises(tm.InvalidInput, match="host_ns"):
        host_write_tsc(
            VcpuTsc(offset=0),
            TscSync(last_tsc_nsec=10),
            host_tsc=0,
            host_ns=5,
            value=None,
            tsc_hz=HZ,
        )
    with pytest.raises(tm.InvalidInput, match="tsc_hz"):
        host_write_tsc(VcpuTsc(offset=0), TscSync(), host_tsc=0, host_ns=0, value=0, tsc_hz=0)
    with pytest.raises(tm.InvalidInput, match="cur_tsc_offset"):
        TscSync(cur_tsc_offset=-1)
