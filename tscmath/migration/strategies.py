"""Four ways to move a guest's clock to another host, from right to naive (chapters 06a-06b).

:func:`migrate` pauses a guest at ``pause_ns``, keeps it paused ``blackout_ns`` and resumes it
on ``dst`` as a :class:`Strategy` says: the full propolis + bhyve protocol, continuity only
(QEMU/KVM's restore), the offset only, or the registers copied unchanged.
``Strategy.systems`` names the deployed systems each strategy describes (chapter 06b cites them).

Examples
--------
>>> from tscmath.migration.hosts import Host
>>> from tscmath.migration.vm import boot_guest
>>> a, b = Host("A", 3_000_000_000), Host("B", 2_000_000_000, tsc_at_zero=10**15)
>>> out = migrate(boot_guest(a, 0), b, pause_ns=10**9, blackout_ns=10**8, strategy="full protocol")
>>> out.vm.guest_tsc_at(out.resume_ns), out.migrate_delta_ns, out.clamped
(3300000000, 100000000, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..errors import (
    I64_MAX,
    check_bool,
    check_instance,
    check_int,
    check_member,
)
from ..scaling import check_multiplier
from .hosts import Host
from .protocol import (
    AdjustedTimeData,
    LocalLeg,
    VmTimeData,
    adjust_time_data,
    export_time_data,
    import_time_data,
)
from .vm import Vm, anchor_vm

__all__ = ["Strategy", "migrate"]


class Strategy(Enum):
    """How a hypervisor carries the guest's TSC across a migration.

    Each member's value is its short human label; ``.label`` and ``.description`` are for
    legends and widgets.

    Examples
    --------
    >>> Strategy("offset only") is Strategy.OFFSET_ONLY, Strategy.NAIVE.label
    (True, 'naive')
    """

    FULL_PROTOCOL = "full protocol"
    IGNORE_BLACKOUT = "ignore the blackout"
    OFFSET_ONLY = "offset only"
    NAIVE = "naive"

    @property
    def label(self) -> str:
        """Short human label (the enum value)."""
        return self.value

    @property
    def description(self) -> str:
        """One line saying what the strategy does."""
        return _DESCRIPTIONS[self]

    @property
    def systems(self) -> str:
        """The deployed systems that move a guest's clock this way (chapter 06b cites them)."""
        return _SYSTEMS[self]


_DESCRIPTIONS = {
    Strategy.FULL_PROTOCOL: (
        "propolis + bhyve: add the wall-clock blackout and the import latency, "
        "reprogram multiplier and offset"
    ),
    Strategy.IGNORE_BLACKOUT: (
        "resume at the TSC value the guest paused at (continuity only): the guest falls "
        "behind by the blackout"
    ),
    Strategy.OFFSET_ONLY: (
        "carry the time data but set only the offset, no scaling: the guest ticks at the new "
        "host's rate"
    ),
    Strategy.NAIVE: (
        "copy the old multiplier and offset to the new host: the guest TSC jumps to "
        "whatever they give there"
    ),
}


_SYSTEMS = {
    Strategy.FULL_PROTOCOL: "propolis + illumos bhyve (AMD hosts)",
    Strategy.IGNORE_BLACKOUT: (
        "QEMU/KVM, with or without tsc-frequency (rate kept where the destination scales); "
        "the TSC of a Firecracker snapshot restore"
    ),
    Strategy.OFFSET_ONLY: (
        "KVM's documented KVM_VCPU_TSC_OFFSET recipe when nobody sets the TSC frequency"
    ),
    Strategy.NAIVE: "no deployed system: what copying the registers would do",
}


def _copy_multiplier(vm: Vm, dst: Host) -> int | None:
    """The naive copy of ``vm``'s multiplier to ``dst``: the same bits in the same format.

    Between formats the same ratio is re-encoded (``M * 2**F_dst / 2**F_src``, floored); a
    host without scaling gets none; a guest that had none keeps none.
    """
    if vm.mult is None or dst.fmt is None:
        return None
    src_bits, dst_bits = vm.host.fmt.frac_bits, dst.fmt.frac_bits
    if dst_bits >= src_bits:
        return vm.mult << (dst_bits - src_bits)
    return vm.mult >> (src_bits - dst_bits)


@dataclass(frozen=True)
class MigrationOutcome:
    """Everything one migration did, for a reader or a plot.

    Attributes
    ----------
    strategy : Strategy
    source : Vm
        The guest on its old host.
    vm : Vm
        The guest on ``dst`` after the migration.
    pause_ns, blackout_ns, resume_ns : int
        True times of the pause and the resume, and the time in between.
    exported : VmTimeData
        Time data read on the source at the pause.
    adjusted : AdjustedTimeData or None
        What :func:`adjust_time_data` did (None for strategies that skip it).
    mult : int or None
        The multiplier now programmed (None: no scaling).
    offset : int
        The u64 offset now programmed.
    """

    strategy: Strategy
    source: Vm
    vm: Vm
    pause_ns: int
    blackout_ns: int
    resume_ns: int
    exported: VmTimeData
    adjusted: AdjustedTimeData | None

    @property
    def dst(self) -> Host:
        """The destination host."""
        return self.vm.host

    @property
    def mult(self) -> int | None:
        """The multiplier programmed on the destination (None: no scaling)."""
        return self.vm.mult

    @property
    def offset(self) -> int:
        """The u64 offset programmed on the destination."""
        return self.vm.offset

    @property
    def migrate_delta_ns(self) -> int | None:
        """The wall-clock delta the protocol added (after the clamp), or None if unused."""
        return None if self.adjusted is None else self.adjusted.migrate_delta_ns

    @property
    def clamped(self) -> bool:
        """True when a negative wall-clock delta was clamped to 0."""
        return self.adjusted is not None and self.adjusted.clamped

    @property
    def guest_tsc_at_pause(self) -> int:
        """The guest TSC when it was paused on the source."""
        return self.exported.guest_tsc

    @property
    def guest_tsc_at_resume(self) -> int:
        """The guest TSC when it resumes on the destination."""
        return self.vm.guest_tsc_at(self.resume_ns)


def migrate(
    vm: Vm,
    dst: Host,
    pause_ns: int,
    blackout_ns: int,
    strategy: Strategy | str = Strategy.FULL_PROTOCOL,
    *,
    write_delay_ns: int = 0,
    enforce_limits: bool = True,
    local_leg: LocalLeg | str = LocalLeg.BHYVE,
) -> MigrationOutcome:
    """Pause ``vm`` at ``pause_ns``, resume it on ``dst`` ``blackout_ns`` later.

    For the full protocol the destination snapshot is taken at
    ``resume_ns - write_delay_ns`` and the kernel write happens at ``resume_ns``, so the
    wall-clock leg covers ``blackout_ns - write_delay_ns`` and the hrtime leg
    ``write_delay_ns`` (``0 <= write_delay_ns <= blackout_ns``), counted as ``local_leg``
    says (:class:`~tscmath.migration.protocol.LocalLeg`; default as bhyve counts it, in
    destination-host ticks).

    Raises :class:`InvalidInput` for a bad argument or a ``pause_ns`` before the guest's boot,
    and what the destination kernel would refuse the import with (:class:`RatioOutOfRange`,
    ``ScalingUnsupported``, ``TimeDataFromFuture``).

    """
    check_instance("vm", vm, Vm)
    check_instance("dst", dst, Host)
    strategy = check_member("strategy", strategy, Strategy)
    enforce_limits = check_bool("enforce_limits", enforce_limits)
    pause_ns = check_int("pause_ns", pause_ns, vm.boot_ns, I64_MAX)
    blackout_ns = check_int(
        f"blackout_ns (with pause_ns = {pause_ns}, up to 2**63 - 1 - pause_ns)",
        blackout_ns,
        0,
        I64_MAX - pause_ns,
    )
    write_delay_ns = check_int("write_delay_ns", write_delay_ns, 0, blackout_ns)
    resume_ns = pause_ns + blackout_ns
    exported = export_time_data(vm, pause_ns)
    adjusted = None
    if strategy in (Strategy.FULL_PROTOCOL, Strategy.OFFSET_ONLY):
        snap_ns = resume_ns - write_delay_ns
        adjusted = adjust_time_data(exported, dst.hrtime_at(snap_ns), dst.wallclock_at(snap_ns))
        new_vm = import_time_data(
            adjusted.data,
            dst,
            resume_ns,
            boot_ns=vm.boot_ns,
            enforce_limits=enforce_limits,
            use_scaling=strategy is Strategy.FULL_PROTOCOL,
            local_leg=local_leg,
        )
    elif strategy is Strategy.IGNORE_BLACKOUT:
        uptime = exported.hrtime - exported.boot_hrtime
        new_vm = anchor_vm(
            dst,
            resume_ns,
            vm.guest_hz,
            exported.guest_tsc,
            boot_hrtime=dst.hrtime_at(resume_ns) - uptime,
            boot_ns=vm.boot_ns,
            enforce_limits=enforce_limits,
        )
    else:  # NAIVE: the registers are copied as they are
        mult = _copy_multiplier(vm, dst)
        if mult is not None:  # re-encoded bits the destination's format cannot hold
            mult = check_multiplier(mult, dst.fmt)
        new_vm = Vm(vm.guest_hz, dst, mult, vm.offset, vm.boot_hrtime, vm.boot_ns)
    return MigrationOutcome(
        strategy, vm, new_vm, pause_ns, blackout_ns, resume_ns, exported, adjusted
    )
