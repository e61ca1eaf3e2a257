"""vcpu_tsc: guest TSC writes become offsets, and IA32_TSC_ADJUST tracks them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tscmath.counter.vcpu_tsc import VcpuTsc, read_tsc, write_tsc, write_tsc_adjust

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
