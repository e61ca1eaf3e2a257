"""One vCPU's TSC state as KVM keeps it: an offset, and the emulated IA32_TSC_ADJUST MSR.

Chapter 03 tells the story. Guest writes follow Linux ``arch/x86/kvm/x86.c``
(``kvm_set_msr_common``); host writes go through ``kvm_synchronize_tsc``
(:func:`host_write_tsc`, with :class:`TscSync` for the per-VM matching state). All arithmetic
is mod 2**64; the functions are pure and return a new state.

Examples
--------
>>> import tscmath as tm
>>> cpu = write_tsc(VcpuTsc(offset=0), host_tsc=5_000, value=1_000)  # guest sets its TSC
>>> read_tsc(cpu, host_tsc=5_000), tm.to_signed(cpu.offset), tm.to_signed(cpu.tsc_adjust)
(1000, -4000, -4000)
>>> read_tsc(write_tsc_adjust(cpu, host_tsc=6_000, value=0), host_tsc=6_000)  # undone
6000
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..conversions import ns_to_ticks
from ..errors import (
    U64_MAX,
    InvalidInput,
    check_bool,
    check_hz,
    check_instance,
    check_int,
    check_u64,
)
from ..formats import AMD_SVM, FixedPointFormat
from ..offsets import guest_tsc
from ..scaling import check_format, check_multiplier, scale

__all__ = [
    "VcpuTsc",
    "read_tsc",
    "write_tsc",
    "write_tsc_adjust",
    "TscSync",
    "host_write_tsc",
]


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


@dataclass(frozen=True)
class TscSync:
    """KVM's per-VM TSC-matching state (``kvm->arch``), the part ``kvm_synchronize_tsc`` uses.

    Attributes
    ----------
    last_tsc_write : int
        Guest TSC value of the previous host write (``last_tsc_write``).
    last_tsc_nsec : int
        Host nanoseconds at that write (``last_tsc_nsec``).
    cur_tsc_offset : int
        The offset shared by the current generation of matched vCPUs (``cur_tsc_offset``).
    generation : int
        ``cur_tsc_generation``: a new one starts with every unmatched write.
    user_set_tsc : bool
        Userspace has written a TSC value before (``user_set_tsc``, Linux 6.7+).
    last_tsc_hz : int
        TSC frequency of the vCPU written last (``last_tsc_khz``); 0 before the first write,
        so the first vCPU of a VM always starts a generation.
    """

    last_tsc_write: int = 0
    last_tsc_nsec: int = 0
    cur_tsc_offset: int = 0
    generation: int = 0
    user_set_tsc: bool = False
    last_tsc_hz: int = 0

    def __post_init__(self) -> None:
        for name in ("last_tsc_write", "cur_tsc_offset"):  # numpy ints stored as Python ints
            object.__setattr__(self, name, check_u64(name, getattr(self, name)))
        for name in ("last_tsc_nsec", "generation", "last_tsc_hz"):
            object.__setattr__(self, name, check_int(name, getattr(self, name)))
        object.__setattr__(self, "user_set_tsc", check_bool("user_set_tsc", self.user_set_tsc))


def host_write_tsc(
    cpu: VcpuTsc,
    sync: TscSync,
    *,
    host_tsc: int,
    host_ns: int,
    value: int | None,
    tsc_hz: int,
) -> tuple[VcpuTsc, TscSync, bool]:
    """A host-initiated TSC write, as ``kvm_synchronize_tsc`` (Linux ``arch/x86/kvm/x86.c``).

    ``value=None`` is the write KVM does itself when it creates a vCPU (data 0); an integer is
    a userspace write of ``MSR_IA32_TSC``. The write is taken as an attempt to synchronize
    with the vCPUs written before when

    * the value is 0 (vCPU creation, or userspace writing 0), or
    * userspace has written a TSC before (``user_set_tsc``, since Linux 6.7, commit
      bf328e22e472) and the value lies within one second of TSC ticks (``tsc_hz``) of where the
      previous write would be now: ``|value - (last_tsc_write + ticks(elapsed))| < tsc_hz``.

    A synchronizing write does not use ``value`` at all: the vCPU gets the offset of the
    current generation (``cur_tsc_offset``), so its TSC matches the others exactly. Otherwise
    the offset makes the vCPU read ``value`` now, and a new generation begins. Matching also
    needs the same TSC frequency as the vCPU written before (``last_tsc_khz``), so the first
    vCPU of a VM always starts a generation. Modelled for a host with a stable TSC (KVM adds
    the elapsed time instead when it is not); IA32_TSC_ADJUST is not touched.

    Returns ``(cpu, sync, matched)``: the vCPU after the write, KVM's new matching state, and
    whether the write was matched to the current generation.

    Examples
    --------
    Two vCPUs created 50 us apart on a 3 GHz host share one offset:

    >>> sync = TscSync()
    >>> cpu0, sync, m0 = host_write_tsc(VcpuTsc(offset=0), sync, host_tsc=3_000_000,
    ...                                 host_ns=1_000_000, value=None, tsc_hz=3_000_000_000)
    >>> cpu1, sync, m1 = host_write_tsc(VcpuTsc(offset=0), sync, host_tsc=3_150_000,
    ...                                 host_ns=1_050_000, value=None, tsc_hz=3_000_000_000)
    >>> m0, m1, cpu0.offset == cpu1.offset, read_tsc(cpu1, 3_150_000)
    (False, True, True, 150000)
    """
    _check_cpu(cpu)
    check_instance("sync", sync, TscSync)
    hz = check_hz("tsc_hz", tsc_hz)
    ns = check_int("host_ns", host_ns, 0, None)
    if ns < sync.last_tsc_nsec:
        raise InvalidInput(
            f"host_ns must not be earlier than sync.last_tsc_nsec ({sync.last_tsc_nsec}); got {ns}"
        )
    data = 0 if value is None else check_u64("value", value)
    scaled = scale(check_u64("host_tsc", host_tsc), cpu.multiplier, cpu.fmt, wrap=True)
    offset = (data - scaled) & U64_MAX
    if data == 0:
        synchronizing = True
    elif sync.user_set_tsc:
        expected = sync.last_tsc_write + ns_to_ticks(ns - sync.last_tsc_nsec, hz)
        synchronizing = expected - hz < data < expected + hz
    else:
        synchronizing = False
    synchronizing = synchronizing and hz == sync.last_tsc_hz
    if synchronizing:
        offset = sync.cur_tsc_offset
    new_sync = replace(
        sync,
        last_tsc_write=data,
        last_tsc_nsec=ns,
        last_tsc_hz=hz,
        user_set_tsc=sync.user_set_tsc or value is not None,
    )
    if not synchronizing:
        new_sync = replace(new_sync, cur_tsc_offset=offset, generation=sync.generation + 1)
    return replace(cpu, offset=offset), new_sync, synchronizing
