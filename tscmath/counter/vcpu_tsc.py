"""One vCPU's TSC state as KVM keeps it: an offset, and the emulated IA32_TSC_ADJUST MSR.

Each vCPU has its own TSC offset (and multiplier). When a guest writes its TSC, the
hypervisor does not touch the host TSC: it intercepts the WRMSR and changes that vCPU's offset
so the guest reads the value it wrote. Following the architecture (a write to
IA32_TIME_STAMP_COUNTER that moves the TSC by ``X`` also adds ``X`` to IA32_TSC_ADJUST, and a
write to IA32_TSC_ADJUST moves the TSC by the change), KVM (Linux ``arch/x86/kvm/x86.c``,
``kvm_set_msr_common`` with ``kvm_compute_l1_tsc_offset``) does, for a guest-initiated write:

* ``IA32_TSC = v``: ``new_offset = v - scale(host_tsc)``; ``tsc_adjust += new_offset - offset``;
* ``IA32_TSC_ADJUST = a``: ``offset += a - tsc_adjust``; ``tsc_adjust = a``.

All arithmetic is mod 2**64 (offsets are u64, two's complement); the functions are pure and
return a new state.

Examples
--------
>>> import tscmath as tm
>>> cpu = VcpuTsc(offset=0, tsc_adjust=0)
>>> cpu = write_tsc(cpu, host_tsc=5_000, value=1_000)      # guest sets its TSC to 1000
>>> read_tsc(cpu, host_tsc=5_000), tm.to_signed(cpu.offset), tm.to_signed(cpu.tsc_adjust)
(1000, -4000, -4000)
>>> cpu = write_tsc_adjust(cpu, host_tsc=6_000, value=0)   # the OS undoes it via TSC_ADJUST
>>> read_tsc(cpu, host_tsc=6_000)
6000
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import U64_MAX, check_instance, check_u64
from ..formats import AMD_SVM, FixedPointFormat
from ..offsets import guest_tsc
from ..scaling import check_format, check_multiplier, scale

__all__ = ["VcpuTsc", "read_tsc", "write_tsc", "write_tsc_adjust"]


@dataclass(frozen=True)
class VcpuTsc:
    """The TSC state of one vCPU.

    Attributes
    ----------
    offset : int
        The u64 TSC offset (VMCS TSC offset / VMCB TSC_OFFSET), in guest ticks.
    tsc_adjust : int
        The guest's IA32_TSC_ADJUST MSR as a u64 (read it with :func:`tscmath.to_signed`).
    mult : int or None
        The TSC multiplier; ``None`` means no scaling (``fmt.one``).
    fmt : FixedPointFormat
        The multiplier's format.
    """

    offset: int
    tsc_adjust: int = 0
    mult: int | None = None
    fmt: FixedPointFormat = AMD_SVM

    def __post_init__(self) -> None:
        # Store plain Python ints (numpy scalars are accepted on input, never kept).
        object.__setattr__(self, "offset", check_u64("offset", self.offset))
        object.__setattr__(self, "tsc_adjust", check_u64("tsc_adjust", self.tsc_adjust))
        check_format(self.fmt)
        if self.mult is not None:
            object.__setattr__(self, "mult", check_multiplier(self.mult, self.fmt))

    @property
    def multiplier(self) -> int:
        """The multiplier in use (``fmt.one`` when there is no scaling)."""
        return self.fmt.one if self.mult is None else self.mult


def _check_cpu(cpu: object) -> None:
    check_instance("cpu", cpu, VcpuTsc)


def read_tsc(cpu: VcpuTsc, host_tsc: int) -> int:
    """What RDTSC returns on this vCPU when the host TSC reads ``host_tsc``.

    Examples
    --------
    >>> read_tsc(VcpuTsc(offset=2**64 - 10), host_tsc=25)
    15
    """
    _check_cpu(cpu)
    return guest_tsc(host_tsc, cpu.multiplier, cpu.offset, cpu.fmt)


def write_tsc(cpu: VcpuTsc, host_tsc: int, value: int) -> VcpuTsc:
    """The guest writes ``value`` to IA32_TSC while the host TSC reads ``host_tsc``.

    The new offset makes the guest read ``value`` right now; IA32_TSC_ADJUST moves by the
    same amount the offset moved.

    Examples
    --------
    >>> cpu = write_tsc(VcpuTsc(offset=0), host_tsc=100, value=0)
    >>> read_tsc(cpu, 100), read_tsc(cpu, 150)
    (0, 50)
    """
    _check_cpu(cpu)
    host_tsc = check_u64("host_tsc", host_tsc)
    value = check_u64("value", value)
    new_offset = (value - scale(host_tsc, cpu.multiplier, cpu.fmt, wrap=True)) & U64_MAX
    moved = new_offset - cpu.offset
    return replace(cpu, offset=new_offset, tsc_adjust=(cpu.tsc_adjust + moved) & U64_MAX)


def write_tsc_adjust(cpu: VcpuTsc, host_tsc: int, value: int) -> VcpuTsc:
    """The guest writes ``value`` (a u64) to IA32_TSC_ADJUST: its TSC moves by the change.

    ``host_tsc`` is not needed for the arithmetic (the change is relative) but is checked, so a
    caller cannot pass nonsense.

    Examples
    --------
    >>> cpu = write_tsc_adjust(VcpuTsc(offset=0), host_tsc=100, value=7)
    >>> read_tsc(cpu, 100), cpu.tsc_adjust
    (107, 7)
    """
    _check_cpu(cpu)
    check_u64("host_tsc", host_tsc)
    value = check_u64("value", value)
    moved = value - cpu.tsc_adjust
    return replace(cpu, offset=(cpu.offset + moved) & U64_MAX, tsc_adjust=value)
