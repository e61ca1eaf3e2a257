"""A guest on one host: its multiplier, offset and ``boot_hrtime``, what it reads and believes.

What the guest reads is the core equation; ``mult is None`` means no scaling (the guest ticks
at the host's rate). :func:`check_guest_frequency` applies the limits of illumos bhyve's
``svm_freq_ratio`` (``usr/src/uts/intel/io/vmm/amd/svm.c``, commit 09ea9c53), as
``vmm_data_write_vmm_time`` (``usr/src/uts/intel/io/vmm/vmm.c``) does. Chapter 06.
Under bhyve's rules a host whose multiplier is not SVM's 8.32 refuses another frequency too
(EPERM): bhyve has no VMX scaling (``vmm_data_write_vmm_time`` answers ``ops->vmfreqratio``'s
``FR_SCALING_NOT_SUPPORTED`` with EPERM).

Examples
--------
>>> from tscmath.migration.hosts import Host
>>> vm = boot_guest(Host("A", 3_000_000_000), true_ns=2_000_000_000, guest_hz=2_000_000_000)
>>> vm.guest_tsc_at(2_000_000_000), vm.guest_tsc_at(3_000_000_000)
(0, 1999999999)
>>> vm.guest_time_ns_at(3_000_000_000)
999999999
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..conversions import MAX_HZ, NS_PER_S
from ..errors import (
    U64_MAX,
    RatioOutOfRange,
    check_bool,
    check_i64,
    check_instance,
    check_int,
    check_u64,
)
from ..formats import FixedPointFormat
from ..limits import BHYVE_MAX_RATIO, BHYVE_MIN_GUEST_HZ, bhyve_scales  # one home for the limits
from ..offsets import offset_for
from ..scaling import multiplier, wrapped_scale
from .hosts import Host

if TYPE_CHECKING:  # numpy only for the array methods, imported where they run
    import numpy as np

__all__ = ["ScalingUnsupported", "boot_guest", "anchor_vm"]


class ScalingUnsupported(RatioOutOfRange):
    """The host cannot scale its TSC, so a guest frequency other than its own is refused."""


def check_guest_frequency(guest_hz: object, host: Host, *, enforce_limits: bool = True) -> int:
    """Return ``guest_hz`` if ``host`` can run a guest at that frequency, else raise.

    ``enforce_limits`` applies bhyve's rules for a scaled guest: scaling only with AMD SVM's 8.32
    (an Intel 16.48 host refuses another frequency, EPERM) and ``500 MHz <= guest_hz < 15 *
    host_hz``; ``False`` models a hypothetical hypervisor that scales with any format the CPU
    has (VMX included), without limits.

    Examples
    --------
    >>> from tscmath.migration.hosts import Host
    >>> check_guest_frequency(2_000_000_000, Host("A", 3_000_000_000))
    2000000000
    >>> try:
    ...     check_guest_frequency(400_000_000, Host("A", 3_000_000_000))
    ... except RatioOutOfRange as err:
    ...     print(str(err)[:60])
    guest_hz = 400000000 is below bhyve's minimum scaled guest f
    >>> from tscmath import INTEL_VMX
    >>> intel = Host("C", 2_200_000_000, fmt=INTEL_VMX)
    >>> try:
    ...     check_guest_frequency(3_000_000_000, intel)
    ... except ScalingUnsupported as err:
    ...     print(str(err)[-36:])
    bhyve has no VMX TSC scaling (EPERM)
    >>> check_guest_frequency(3_000_000_000, intel, enforce_limits=False)  # hypothetical
    3000000000
    """
    guest_hz = check_int("guest_hz", guest_hz, 1, MAX_HZ)
    check_instance("host", host, Host)
    enforce_limits = check_bool("enforce_limits", enforce_limits)
    if guest_hz == host.tsc_hz:
        return guest_hz
    if host.fmt is None:
        raise ScalingUnsupported(
            f"guest_hz = {guest_hz} differs from host {host.name}'s TSC frequency "
            f"{host.tsc_hz} Hz, and that host cannot scale its TSC (bhyve: EPERM)"
        )
    if enforce_limits:
        if not bhyve_scales(host.fmt):
            raise ScalingUnsupported(
                f"guest_hz = {guest_hz} differs from host {host.name}'s TSC frequency "
                f"{host.tsc_hz} Hz, and host {host.name}'s multiplier is {host.fmt.name}: "
                "bhyve has no VMX TSC scaling (EPERM)"
            )
        if guest_hz < BHYVE_MIN_GUEST_HZ:
            raise RatioOutOfRange(
                f"guest_hz = {guest_hz} is below bhyve's minimum scaled guest frequency "
                f"{BHYVE_MIN_GUEST_HZ} Hz (host {host.name} runs at {host.tsc_hz} Hz)"
            )
        if guest_hz >= BHYVE_MAX_RATIO * host.tsc_hz:
            raise RatioOutOfRange(
                f"guest_hz = {guest_hz} is not below {BHYVE_MAX_RATIO} x host {host.name}'s "
                f"{host.tsc_hz} Hz = {BHYVE_MAX_RATIO * host.tsc_hz} Hz (bhyve limit, EINVAL)"
            )
    multiplier(guest_hz, host.tsc_hz, host.fmt)  # raises RatioOutOfRange if M does not fit
    return guest_hz


@dataclass(frozen=True)
class Vm:
    """A guest as programmed on one host (built by :func:`anchor_vm`, which checks the values).

    ``guest_hz`` is the nominal frequency (what the guest was told, what migrates); ``mult`` the
    multiplier in ``host.fmt`` (``None``: no scaling); ``offset`` the u64 offset in guest ticks;
    ``boot_hrtime`` bhyve's host hrtime of the guest's boot (negative when the guest has been up
    longer than this host); ``boot_ns`` the true time of the boot (to measure the error).

    Examples
    --------
    >>> from tscmath.migration.hosts import Host
    >>> vm = Vm(1_000_000_000, Host("A", 1_000_000_000, fmt=None), None, 2**64 - 10, 0, 0)
    >>> vm.guest_tsc_at(25)
    15
    """

    guest_hz: int
    host: Host
    mult: int | None
    offset: int
    boot_hrtime: int
    boot_ns: int

    @property
    def fmt(self) -> FixedPointFormat | None:
        """The multiplier's format (the host's), or ``None`` when scaling is not used."""
        return None if self.mult is None else self.host.fmt

    def guest_tsc_from_host_tsc(self, host_tsc: int) -> int:
        """What the guest reads when the host TSC is ``host_tsc``."""
        tsc = check_u64("host_tsc", host_tsc)  # mult and offset were checked when built
        scaled = tsc if self.mult is None else wrapped_scale(tsc, self.mult, self.host.fmt)
        return (scaled + self.offset) & U64_MAX

    def guest_tsc_at(self, true_ns: int) -> int:
        """The guest TSC at true time ``true_ns`` (hardware semantics: wraps mod 2**64)."""
        return self.guest_tsc_from_host_tsc(self.host.tsc_at(true_ns))

    def guest_time_ns_at(self, true_ns: int) -> int:
        """The time since boot the guest believes: ``floor(guest_tsc * 1e9 / guest_hz)``."""
        return self.guest_tsc_at(true_ns) * NS_PER_S // self.guest_hz

    def error_ns_at(self, true_ns: int) -> int:
        """Guest-believed time minus true time since the guest's boot (ns, signed)."""
        return self.guest_time_ns_at(true_ns) - (check_i64("true_ns", true_ns) - self.boot_ns)

    def guest_tsc_array(self, true_ns: object) -> np.ndarray:
        """:meth:`guest_tsc_at` for an array of true times, exact, ``uint64``."""
        import numpy as np

        from ..vectorized import scale_array

        host_tsc = self.host.tsc_array(true_ns)
        if self.mult is None:
            out = host_tsc
        else:
            out = scale_array(host_tsc, self.mult, self.host.fmt, wrap=True)
        out += np.uint64(self.offset)
        return out


def anchor_vm(
    host: Host,
    true_ns: int,
    guest_hz: int,
    guest_tsc_value: int,
    *,
    boot_hrtime: int,
    boot_ns: int,
    use_scaling: bool = True,
    enforce_limits: bool = True,
) -> Vm:
    """Program a guest on ``host`` so that it reads ``guest_tsc_value`` at true time ``true_ns``.

    ``M = floor(guest_hz * 2**F / host_hz)`` and ``offset = guest_tsc - scale(host_tsc, M)``
    (mod 2**64). With ``use_scaling=False`` (or a host without scaling running a guest at
    its own frequency) no multiplier is programmed and ``offset = guest_tsc - host_tsc``.

    Examples
    --------
    >>> from tscmath.migration.hosts import Host
    >>> b = Host("B", 2_000_000_000, tsc_at_zero=123)
    >>> vm = anchor_vm(b, 10, 1_000_000_000, 77, boot_hrtime=0, boot_ns=0)
    >>> vm.guest_tsc_at(10), hex(vm.mult)
    (77, '0x80000000')
    """
    check_instance("host", host, Host)
    host_tsc = host.tsc_at(true_ns)
    g0 = check_u64("guest_tsc_value", guest_tsc_value)
    use_scaling = check_bool("use_scaling", use_scaling)
    boot_hrtime, boot_ns = check_i64("boot_hrtime", boot_hrtime), check_i64("boot_ns", boot_ns)
    if not use_scaling or (host.fmt is None and guest_hz == host.tsc_hz):
        hz = check_int("guest_hz", guest_hz, 1, MAX_HZ)
        offset = (g0 - host_tsc) & U64_MAX
        return Vm(hz, host, None, offset, boot_hrtime, boot_ns)
    hz = check_guest_frequency(guest_hz, host, enforce_limits=enforce_limits)
    mult = multiplier(hz, host.tsc_hz, host.fmt)
    offset = offset_for(host_tsc, g0, mult, host.fmt)
    return Vm(hz, host, mult, offset, boot_hrtime, boot_ns)


def boot_guest(
    host: Host, true_ns: int, guest_hz: int | None = None, *, enforce_limits: bool = True
) -> Vm:
    """Boot a guest on ``host`` at true time ``true_ns``: its TSC reads 0 then.

    ``offset = -scale(host TSC at boot, M)``; ``guest_hz`` defaults to the host's frequency.
    A host without scaling refuses any other frequency (:class:`ScalingUnsupported`).

    Examples
    --------
    >>> from tscmath.migration.hosts import Host
    >>> vm = boot_guest(Host("A", 1_000_000_000, tsc_at_zero=500, boot_ns=-7), 100)
    >>> vm.guest_tsc_at(100), vm.guest_tsc_at(1_100), vm.boot_hrtime
    (0, 1000, 107)
    """
    check_instance("host", host, Host)
    hz = host.tsc_hz if guest_hz is None else guest_hz
    return anchor_vm(
        host,
        true_ns,
        hz,
        0,
        boot_hrtime=host.hrtime_at(true_ns),
        boot_ns=true_ns,
        enforce_limits=enforce_limits,
    )
