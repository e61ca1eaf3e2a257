"""The live migration of guest time: export, adjust (propolis), import (bhyve kernel).

Chapter 06 tells the story; the model follows propolis ``lib/propolis/src/vmm/time.rs``
(``VmTimeData``, ``adjust_time_data``, ``calc_tsc_delta``, read at 41450834) and illumos-gate
``usr/src/uts/intel/io/vmm/vmm.c`` (``vmm_data_write_vmm_time``, read at commit 09ea9c53):
:func:`export_time_data` on the source, :func:`adjust_time_data` in the destination's
userspace (a negative wall-clock delta is clamped and reported, never raised, as propolis
only logs it), :func:`import_time_data` in its kernel, which counts the local leg as
:class:`LocalLeg` says.

Examples
--------
>>> src = VmTimeData(guest_freq=1_000_000_000, guest_tsc=5_000, hrtime=10_000,
...                  hres_sec=100, hres_ns=0, boot_hrtime=4_000)
>>> adj = adjust_time_data(src, dst_hrtime=2_000_000, dst_wallclock_ns=101_000_000_000)
>>> adj.migrate_delta_ns, adj.data.guest_tsc, adj.data.boot_hrtime, adj.clamped
(1000000000, 1000005000, -998006000, False)
>>> local_leg_ticks(50_000_000, 3_000_000_000, 2_500_000_000, LocalLeg.BHYVE)
125000000
>>> local_leg_ticks(50_000_000, 3_000_000_000, 2_500_000_000, LocalLeg.INTENDED)
150000000
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..conversions import MAX_HZ, NS_PER_S, ns_to_ticks
from ..errors import (
    I64_MAX,
    U64_MAX,
    InvalidInput,
    TscMathError,
    check_bool,
    check_i64,
    check_instance,
    check_int,
    check_member,
    check_u64,
)
from ..formats import AMD_SVM, FixedPointFormat
from ..scaling import scale
from .hosts import Host
from .vm import Vm, anchor_vm, check_guest_frequency

__all__ = [
    "VmTimeData",
    "LocalLeg",
    "local_leg_ticks",
    "TimeDataFromFuture",
    "TimeAdjustOverflow",
    "export_time_data",
    "adjust_time_data",
    "import_time_data",
]


class TimeDataFromFuture(InvalidInput):
    """The time data's hrtime or boot_hrtime is later than the destination's hrtime at the write.

    bhyve's ``vmm_data_write_vmm_time`` returns ``EINVAL`` for either.
    """


class LocalLeg(Enum):
    """How the kernel import counts the local leg (destination snapshot -> write).

    ``BHYVE``: as illumos bhyve's ``vmm_data_write_vmm_time`` does at commit 09ea9c53: the
    hrtime delta in destination-host ticks, scaled by the multiplier the VM had *before* the
    write (none on a new VM). ``INTENDED``: the delta in guest ticks,
    ``floor(delta * guest_freq / 1e9)``, as the cross-host leg is counted.

    Examples
    --------
    >>> LocalLeg("bhyve as written") is LocalLeg.BHYVE, LocalLeg.INTENDED.value
    (True, 'intended')
    """

    BHYVE = "bhyve as written"
    INTENDED = "intended"


def local_leg_ticks(
    delta_ns: int,
    guest_hz: int,
    host_hz: int,
    leg: LocalLeg | str = LocalLeg.BHYVE,
    *,
    prior_mult: int | None = None,
    fmt: FixedPointFormat = AMD_SVM,
) -> int:
    """Ticks the kernel import adds for ``delta_ns`` of destination hrtime.

    ``delta_ns`` is the destination hrtime from its snapshot to the write. ``LocalLeg.BHYVE``
    (default) takes ``floor(delta * host_hz / 1e9)`` host ticks (bhyve's ``unscalehrtime``,
    modelled as a floor), scaled by ``prior_mult`` (in ``fmt``) if the VM had one; ``None`` is
    ``VM_TSCM_NOSCALE``, what ``vm_init`` leaves on a new VM. ``LocalLeg.INTENDED`` takes
    ``floor(delta * guest_hz / 1e9)``.

    Examples
    --------
    >>> local_leg_ticks(1_000, 3_000_000_000, 2_500_000_000)      # 1 us, new VM
    2500
    >>> local_leg_ticks(1_000, 3_000_000_000, 2_500_000_000, prior_mult=0x1_3333_3333)
    2999
    """
    delta = check_int("delta_ns", delta_ns, 0, None)
    guest_hz = check_int("guest_hz", guest_hz, 1, MAX_HZ)
    host_hz = check_int("host_hz", host_hz, 1, MAX_HZ)
    leg = check_member("leg", leg, LocalLeg)
    if leg is LocalLeg.INTENDED:
        return ns_to_ticks(delta, guest_hz)
    host_ticks = ns_to_ticks(delta, host_hz)
    if host_ticks > U64_MAX:
        raise InvalidInput(
            f"delta_ns = {delta} at host_hz = {host_hz} is {host_ticks} host ticks, more than a "
            "u64 holds (2**64 - 1)"
        )
    if prior_mult is None:
        return host_ticks
    check_instance("fmt", fmt, FixedPointFormat)
    mult = check_int(f"prior_mult ({fmt.name})", prior_mult, 1, fmt.max_multiplier)
    return scale(host_ticks, mult, fmt, wrap=True)


class TimeAdjustOverflow(TscMathError):
    """A propolis ``adjust_time_data`` quantity does not fit its 64-bit type."""


@dataclass(frozen=True)
class VmTimeData:
    """Guest time data as it crosses the wire (propolis ``VmTimeData``).

    Parameters
    ----------
    guest_freq : int
        Guest TSC frequency, Hz (u64, nonzero).
    guest_tsc : int
        Guest TSC (u64).
    hrtime : int
        Host monotonic clock, ns (i64).
    hres_sec, hres_ns : int
        Host wall clock: seconds (u64) and nanoseconds (``0 .. 999_999_999``).
    boot_hrtime : int
        Host hrtime at guest boot (i64, may be negative).
    """

    guest_freq: int
    guest_tsc: int
    hrtime: int
    hres_sec: int
    hres_ns: int
    boot_hrtime: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "guest_freq", check_int("guest_freq", self.guest_freq, 1, U64_MAX))
        object.__setattr__(self, "guest_tsc", check_u64("guest_tsc", self.guest_tsc))
        object.__setattr__(self, "hrtime", check_i64("hrtime", self.hrtime))
        object.__setattr__(self, "hres_sec", check_u64("hres_sec", self.hres_sec))
        object.__setattr__(self, "hres_ns", check_int("hres_ns", self.hres_ns, 0, NS_PER_S - 1))
        object.__setattr__(self, "boot_hrtime", check_i64("boot_hrtime", self.boot_hrtime))

    @property
    def wallclock_ns(self) -> int:
        """The wall clock as one integer: ``hres_sec * 1e9 + hres_ns``."""
        return self.hres_sec * NS_PER_S + self.hres_ns


@dataclass(frozen=True)
class AdjustedTimeData:
    """Result of :func:`adjust_time_data`: the new data and the adjustments made.

    Mirrors propolis ``VmTimeDataAdjustments``. ``migrate_delta_ns`` is the delta actually
    used (after the clamp); ``raw_migrate_delta_ns`` is the wall-clock difference before it.
    """

    data: VmTimeData
    guest_uptime_ns: int
    migrate_delta_ns: int
    raw_migrate_delta_ns: int
    migrate_delta_negative: bool
    guest_tsc_delta: int
    boot_hrtime_delta: int

    @property
    def clamped(self) -> bool:
        """True when the wall-clock delta was negative and clamped to 0 (propolis warns)."""
        return self.migrate_delta_negative


def calc_tsc_delta(migrate_delta_ns: int, guest_hz: int) -> int:
    """Guest ticks in ``migrate_delta_ns``: ``floor(delta * guest_hz / 1e9)`` (128-bit exact).

    Raises :class:`TimeAdjustOverflow` when the result does not fit 64 bits, as propolis does.

    Examples
    --------
    >>> calc_tsc_delta(1_000_000_000, 1_000_000_000), calc_tsc_delta(20 * 10**9, 2_500_000_000)
    (1000000000, 50000000000)
    """
    delta = check_int("migrate_delta_ns", migrate_delta_ns, 0, None)
    hz = check_int("guest_hz", guest_hz, 1, U64_MAX)
    ticks = ns_to_ticks(delta, hz)
    if ticks > U64_MAX:
        raise TimeAdjustOverflow(
            f"tsc delta for migrate_delta_ns = {delta} at guest_hz = {hz} is {ticks}, "
            "which does not fit 64 bits"
        )
    return ticks


def export_time_data(vm: Vm, true_ns: int) -> VmTimeData:
    """Read a paused guest's time data on its host at true time ``true_ns``.

    Examples
    --------
    >>> from tscmath.migration.hosts import Host
    >>> from tscmath.migration.vm import boot_guest
    >>> vm = boot_guest(Host("A", 1_000_000_000, boot_ns=-50, wall_skew_ns=7), 0)
    >>> d = export_time_data(vm, 2_000_000_003)
    >>> d.guest_tsc, d.hrtime, d.hres_sec, d.hres_ns, d.boot_hrtime
    (2000000003, 2000000053, 2, 10, 50)
    """
    check_instance("vm", vm, Vm)
    wall = vm.host.wallclock_at(true_ns)
    if wall < 0:
        raise InvalidInput(
            f"true_ns = {true_ns}: host {vm.host.name}'s wall clock reads {wall} ns, before "
            "the epoch; the time data holds it as unsigned seconds (must be >= 0)"
        )
    sec, ns = divmod(wall, NS_PER_S)
    return VmTimeData(
        guest_freq=vm.guest_hz,
        guest_tsc=vm.guest_tsc_at(true_ns),
        hrtime=vm.host.hrtime_at(true_ns),
        hres_sec=sec,
        hres_ns=ns,
        boot_hrtime=vm.boot_hrtime,
    )


def adjust_time_data(src: VmTimeData, dst_hrtime: int, dst_wallclock_ns: int) -> AdjustedTimeData:
    """propolis ``adjust_time_data``: carry time data to the destination's clocks.

    Steps (checks as in propolis, each failure a ValueError naming the quantity):

    1. the destination snapshot ``(dst_hrtime, dst_wallclock_ns)``; ``dst_hrtime >= 0``;
    2. ``migrate_delta = dst_wallclock - src_wallclock``, clamped to 0 when negative (and
       reported in the result), and it must fit an i64;
    3. ``guest_uptime = src.hrtime - src.boot_hrtime`` (must be ``>= 0``);
    4. ``new_boot_hrtime = dst_hrtime - (guest_uptime + migrate_delta)`` (i64);
    5. ``tsc_delta = floor(migrate_delta * guest_freq / 1e9)`` (exact; must fit u64);
    6. ``new_guest_tsc = src.guest_tsc + tsc_delta (mod 2**64)``.

    Examples
    --------
    >>> src = VmTimeData(1_000_000_000, 2**64 - 1, 0, 0, 0, 0)
    >>> adjust_time_data(src, 0, 3_000_000_003).data.guest_tsc
    3000000002
    """
    check_instance("src", src, VmTimeData)
    dst_hrtime = check_int("dst_hrtime", dst_hrtime, 0, I64_MAX)
    dst_wc = check_int("dst_wallclock_ns", dst_wallclock_ns, 0, None)
    if dst_wc // NS_PER_S > U64_MAX:
        raise InvalidInput(f"dst_wallclock_ns must have whole seconds < 2**64; got {dst_wc}")
    raw_delta = dst_wc - src.wallclock_ns
    negative = raw_delta < 0
    delta = 0 if negative else raw_delta
    if delta > I64_MAX:
        raise TimeAdjustOverflow(
            f"migrate delta {delta} ns (dst_wallclock_ns - source wall clock) does not fit i64"
        )
    uptime = src.hrtime - src.boot_hrtime
    if uptime < 0 or uptime > I64_MAX:
        raise TimeAdjustOverflow(
            f"guest uptime src.hrtime - src.boot_hrtime = {src.hrtime} - {src.boot_hrtime} = "
            f"{uptime} must be in [0, 2**63 - 1]"
        )
    boot_delta = uptime + delta
    if boot_delta > I64_MAX:
        raise TimeAdjustOverflow(f"guest uptime + migrate delta = {boot_delta} does not fit i64")
    new_boot = dst_hrtime - boot_delta  # both in [0, 2**63): always fits i64
    tsc_delta = calc_tsc_delta(delta, src.guest_freq)
    sec, ns = divmod(dst_wc, NS_PER_S)
    data = VmTimeData(
        guest_freq=src.guest_freq,
        guest_tsc=(src.guest_tsc + tsc_delta) & U64_MAX,
        hrtime=dst_hrtime,
        hres_sec=sec,
        hres_ns=ns,
        boot_hrtime=new_boot,
    )
    return AdjustedTimeData(data, uptime, delta, raw_delta, negative, tsc_delta, boot_delta)


def import_time_data(
    data: VmTimeData,
    host: Host,
    true_ns_of_write: int,
    *,
    boot_ns: int | None = None,
    enforce_limits: bool = True,
    use_scaling: bool = True,
    local_leg: LocalLeg | str = LocalLeg.BHYVE,
    prior_mult: int | None = None,
) -> Vm:
    """The kernel's time-data write on ``host`` at true time ``true_ns_of_write``.

    In the order of bhyve's ``vmm_data_write_vmm_time``:

    1. check the frequency (:func:`tscmath.migration.vm.check_guest_frequency`: the host's
       own frequency needs no scaling; else no scaling support is EPERM, bhyve's 500 MHz and
       15x limits EINVAL);
    2. refuse data from the future: ``data.hrtime`` or ``data.boot_hrtime`` later than the
       host's hrtime now (EINVAL, :class:`TimeDataFromFuture`);
    3. local leg: ``base_guest_tsc = data.guest_tsc + local_leg_ticks(hrtime_now -
       data.hrtime, ...)`` (mod 2**64), counted as ``local_leg`` says (:class:`LocalLeg`;
       default as bhyve does it, in destination-host ticks on a new VM);
    4. program ``M = floor(guest_freq * 2**F / host_hz)`` and
       ``offset = base_guest_tsc - scale(host_tsc_now, M)``; ``boot_hrtime`` from the data.

    ``data`` is the adjusted time data (its ``hrtime`` the destination snapshot's); the guest
    resumes at ``true_ns_of_write``. ``boot_ns``, for error measurement only, defaults to the
    true time at which the host's hrtime equals ``data.boot_hrtime``. ``use_scaling=False``
    models a hypervisor that sets only the offset ("offset only"). ``prior_mult`` is the
    multiplier the destination VM had before this write (``None``: a new VM,
    ``VM_TSCM_NOSCALE``); only ``LocalLeg.BHYVE`` uses it.

    Examples
    --------
    >>> from tscmath.migration.hosts import Host
    >>> b = Host("B", 2_000_000_000, tsc_at_zero=10**12, boot_ns=0)
    >>> d = VmTimeData(1_000_000_000, 7_000, hrtime=100, hres_sec=0, hres_ns=0, boot_hrtime=0)
    >>> import_time_data(d, b, 1_100).guest_tsc_at(1_100)        # bhyve: 1000 ns = 2000 host ticks
    9000
    >>> import_time_data(d, b, 1_100, local_leg="intended").guest_tsc_at(1_100)
    8000
    """
    check_instance("data", data, VmTimeData)
    check_instance("host", host, Host)
    check_bool("enforce_limits", enforce_limits)
    check_bool("use_scaling", use_scaling)
    true_ns_of_write = check_i64("true_ns_of_write", true_ns_of_write)
    leg = check_member("local_leg", local_leg, LocalLeg)
    if use_scaling:
        check_guest_frequency(data.guest_freq, host, enforce_limits=enforce_limits)
    now_hrtime = host.hrtime_at(true_ns_of_write)
    for name, value in (("data.hrtime", data.hrtime), ("data.boot_hrtime", data.boot_hrtime)):
        if value > now_hrtime:
            raise TimeDataFromFuture(
                f"{name} = {value} is later than host {host.name}'s hrtime {now_hrtime} at "
                f"true_ns_of_write = {true_ns_of_write}: time data from the future is refused "
                "(bhyve: EINVAL)"
            )
    if prior_mult is not None and host.fmt is None:
        raise InvalidInput(f"prior_mult = {prior_mult}: host {host.name} cannot scale")
    try:
        leg_ticks = local_leg_ticks(
            now_hrtime - data.hrtime,
            data.guest_freq,
            host.tsc_hz,
            leg,
            prior_mult=prior_mult,
            fmt=host.fmt or AMD_SVM,
        )
    except TscMathError as exc:
        raise type(exc)(
            f"the local leg, from data.hrtime to the write at true_ns_of_write = "
            f"{true_ns_of_write}: {exc}"
        ) from None
    base = (data.guest_tsc + leg_ticks) & U64_MAX
    if boot_ns is None:
        boot_ns = host.boot_ns + data.boot_hrtime
    return anchor_vm(
        host,
        true_ns_of_write,
        data.guest_freq,
        base,
        boot_hrtime=data.boot_hrtime,
        boot_ns=boot_ns,
        use_scaling=use_scaling,
        enforce_limits=enforce_limits,
    )
