"""What the running operating system reports about its TSC, and what it could not read.

Linux publishes its view of the TSC in three places a normal user can read:

* ``/sys/devices/system/clocksource/clocksource0/current_clocksource`` (and
  ``available_clocksource``): which clock the kernel's timekeeping reads (``tsc``,
  ``kvm-clock``, ``hpet``, ``acpi_pm``, ...);
* the ``flags`` line of ``/proc/cpuinfo``: CPU features such as ``constant_tsc`` and
  ``nonstop_tsc`` (both set when CPUID 8000_0007h EDX[8], the invariant TSC bit, is set),
  ``tsc_known_freq``, ``tsc_adjust``, ``rdtscp``, ``tsc_deadline_timer`` and, on AMD hosts
  that can scale a guest's TSC, ``tsc_scale``;
* ``/sys/devices/system/cpu/cpu0/tsc_freq_khz``, on kernels that carry that patch only.

The TSC frequency the kernel settled on is otherwise printed once at boot
(``tsc: Detected 2445.404 MHz processor``, ``tsc: Refined TSC clocksource calibration: ...``)
and only ``dmesg`` shows it, which unprivileged users and containers often may not read:
:func:`parse_dmesg_tsc_hz` parses such lines if you paste them. The ``cpu MHz`` line of
``/proc/cpuinfo`` is the *core* clock of that moment (it moves with P-states and turbo), not the
TSC rate.

Parsing is done by small pure functions (tested on sample texts); :func:`read_host_info` only
reads files and records, for everything it could not read, why.

Examples
--------
>>> flags = parse_cpu_flags("processor : 0\\nflags : fpu tsc rdtscp constant_tsc nonstop_tsc\\n")
>>> sorted(tsc_flags(flags).items())[:3]
[('constant_tsc', True), ('hypervisor', False), ('invariant_tsc', True)]
>>> parse_dmesg_tsc_hz("[0.0] tsc: Detected 2445.404 MHz processor")
2445404000
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tscmath.conversions import MAX_HZ
from tscmath.errors import InvalidInput, check_bool, check_hz, check_instance, check_str

__all__ = ["read_host_info", "whose_machine"]

CURRENT_CLOCKSOURCE = "sys/devices/system/clocksource/clocksource0/current_clocksource"
AVAILABLE_CLOCKSOURCE = "sys/devices/system/clocksource/clocksource0/available_clocksource"
CPUINFO = "proc/cpuinfo"
TSC_FREQ_KHZ = "sys/devices/system/cpu/cpu0/tsc_freq_khz"

TSC_FLAG_MEANINGS = {
    "tsc": "the CPU has a TSC and the RDTSC instruction",
    "rdtscp": "RDTSCP: reads the TSC and IA32_TSC_AUX (the CPU number) in one instruction",
    "constant_tsc": "the TSC ticks at a constant rate whatever the P-state (core frequency)",
    "nonstop_tsc": "the TSC keeps ticking in deep C-states (idle)",
    "invariant_tsc": "constant_tsc and nonstop_tsc together: CPUID 8000_0007h EDX[8]",
    "tsc_known_freq": "the kernel took the TSC rate from CPUID/firmware instead of calibrating",
    "tsc_reliable": "the kernel trusts the TSC without the clocksource watchdog",
    "tsc_adjust": "IA32_TSC_ADJUST MSR: per-CPU offset the OS uses to keep TSCs in step",
    "tsc_deadline_timer": "the local APIC timer can fire at a TSC value (TSC-deadline mode)",
    "tsc_scale": "AMD SVM TSC ratio MSR: this host can scale a guest's TSC (8.32 format)",
    "hypervisor": "this OS itself runs in a virtual machine",
}
"""What each ``/proc/cpuinfo`` flag about the TSC means (``invariant_tsc`` is derived)."""


@dataclass(frozen=True)
class HostTscInfo:
    """What the running system reports about its TSC.

    Attributes
    ----------
    platform : str
        ``sys.platform`` of the machine that was read (``"linux"``, ``"darwin"``, ``"win32"``).
    clocksource : str or None
        The kernel's current clocksource, ``None`` if it could not be read.
    available_clocksources : tuple of str
        Clocksources the kernel could switch to (empty if unreadable).
    flags : dict of str to bool, or None
        The TSC-related flags of :data:`TSC_FLAG_MEANINGS`, ``None`` if ``/proc/cpuinfo``
        could not be read.
    tsc_hz : int or None
        The TSC frequency the kernel reports, in Hz, ``None`` where the system does not expose it.
    cpu_mhz : str or None
        The ``cpu MHz`` line (the core clock at that instant, *not* the TSC rate), as text.
    unreadable : dict of str to str
        For every item that could not be read: why.
    """

    platform: str
    clocksource: str | None = None
    available_clocksources: tuple[str, ...] = ()
    flags: dict[str, bool] | None = None
    tsc_hz: int | None = None
    cpu_mhz: str | None = None
    unreadable: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "platform", check_str("platform", self.platform))
        for name in ("clocksource", "cpu_mhz"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, check_str(name, getattr(self, name)))
        check_instance("available_clocksources", self.available_clocksources, tuple, "a tuple")
        for i, item in enumerate(self.available_clocksources):
            check_str(f"available_clocksources[{i}]", item)
        if self.flags is not None:
            check_instance("flags", self.flags, dict, "a dict of flag name to bool, or None")
            for name, present in self.flags.items():
                if name not in TSC_FLAG_MEANINGS:
                    raise InvalidInput(
                        f"flags keys must be among {sorted(TSC_FLAG_MEANINGS)}; got {name!r}"
                    )
                check_bool(f"flags[{name!r}]", present)
        if self.tsc_hz is not None:
            object.__setattr__(self, "tsc_hz", check_hz("tsc_hz", self.tsc_hz))
        check_instance("unreadable", self.unreadable, dict, "a dict of str to str")
        for what, why in self.unreadable.items():
            check_str("unreadable key", what)
            check_str(f"unreadable[{what!r}]", why)

    def summary(self, show_cpu_mhz: bool = True) -> list[str]:
        """One line per fact, then one line per thing that could not be read and why.

        ``show_cpu_mhz=False`` leaves out the ``cpu MHz`` value, which changes from one read
        to the next on machines with frequency scaling (so output stays reproducible).

        Examples
        --------
        >>> HostTscInfo("darwin", unreadable={"clocksource": "not Linux"}).summary()
        ['platform: darwin', 'could not read clocksource: not Linux']
        """
        show_cpu_mhz = check_bool("show_cpu_mhz", show_cpu_mhz)
        lines = [f"platform: {self.platform}"]
        if self.clocksource is not None:
            lines.append(f"current clocksource: {self.clocksource}")
        if self.available_clocksources:
            lines.append(f"available clocksources: {', '.join(self.available_clocksources)}")
        if self.flags is not None:
            for name, present in self.flags.items():
                lines.append(
                    f"  {name:<20} {'yes' if present else 'no ':<4} {TSC_FLAG_MEANINGS[name]}"
                )
        if self.tsc_hz is not None:
            lines.append(f"TSC frequency reported by the kernel: {self.tsc_hz:,} Hz")
        if self.cpu_mhz is not None and show_cpu_mhz:
            lines.append(f"cpu MHz (core clock now, NOT the TSC rate): {self.cpu_mhz}")
        lines.extend(f"could not read {what}: {why}" for what, why in self.unreadable.items())
        return lines


def parse_cpu_flags(cpuinfo_text: str) -> frozenset[str]:
    """The flags of the first ``flags`` line of a ``/proc/cpuinfo`` text.

    Raises
    ------
    InvalidInput
        If the text has no ``flags`` line (not a Linux x86 cpuinfo).

    Examples
    --------
    >>> sorted(parse_cpu_flags("flags\\t\\t: tsc rdtscp\\nflags : other"))
    ['rdtscp', 'tsc']
    """
    for line in check_str("cpuinfo_text", cpuinfo_text).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags":
            return frozenset(value.split())
    raise InvalidInput(
        "cpuinfo_text must contain a 'flags : ...' line as Linux x86 /proc/cpuinfo does; "
        f"got {len(cpuinfo_text)} characters without one"
    )


def parse_cpu_mhz(cpuinfo_text: str) -> str | None:
    """The value of the first ``cpu MHz`` line, as text, or ``None`` if there is none.

    Kept as text on purpose: it is the core clock at one instant, not a TSC rate to compute with.

    Examples
    --------
    >>> parse_cpu_mhz("cpu MHz\\t\\t: 2445.404\\n")
    '2445.404'
    """
    for line in check_str("cpuinfo_text", cpuinfo_text).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "cpu MHz":
            return value.strip()
    return None


def tsc_flags(flags: frozenset[str] | set[str]) -> dict[str, bool]:
    """For each flag of :data:`TSC_FLAG_MEANINGS`, whether it is present.

    ``invariant_tsc`` is not a cpuinfo flag: Linux sets both ``constant_tsc`` and
    ``nonstop_tsc`` when CPUID 8000_0007h EDX[8] is set, so it is their conjunction here.

    ``flags`` is a collection of whole flag names (as :func:`parse_cpu_flags` returns); a
    single string is refused, since ``"tsc" in "constant_tsc"`` would be a substring match.

    Examples
    --------
    >>> tsc_flags({"tsc", "constant_tsc"})["invariant_tsc"]
    False
    >>> tsc_flags("constant_tsc nonstop_tsc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: flags must be a set of flag names ...; got 'constant_tsc ...'
    """
    if isinstance(flags, (str, bytes)) or not isinstance(flags, (set, frozenset, list, tuple)):
        raise InvalidInput(
            "flags must be a set of flag names such as parse_cpu_flags returns (split a flags "
            f"line with str.split()); got {flags!r}"
        )
    for name in flags:
        check_str("flags element", name)
    flags = frozenset(flags)
    result = {name: name in flags for name in TSC_FLAG_MEANINGS if name != "invariant_tsc"}
    result["invariant_tsc"] = result["constant_tsc"] and result["nonstop_tsc"]
    return dict(sorted(result.items()))


_DMESG_TSC = re.compile(
    r"tsc: (?:Refined TSC clocksource calibration|Detected|Detected TSC frequency)"
    r"[^0-9]*([0-9]+(?:\.[0-9]+)?) MHz"
)


def parse_dmesg_tsc_hz(dmesg_text: str) -> int | None:
    """The TSC rate in Hz from kernel log lines, preferring the last refined calibration.

    Decimal text is converted exactly (``"2445.404"`` MHz is 2,445,404,000 Hz, no float).
    Returns ``None`` if no ``tsc:`` line with a frequency is found.

    Examples
    --------
    >>> log = "tsc: Detected 2994.374 MHz\\ntsc: Refined TSC clocksource calibration: 2994.375 MHz"
    >>> parse_dmesg_tsc_hz(log)
    2994375000
    >>> parse_dmesg_tsc_hz("no tsc here") is None
    True
    """
    found = _DMESG_TSC.findall(check_str("dmesg_text", dmesg_text))
    refined = [
        m for line in dmesg_text.splitlines() if "Refined" in line for m in _DMESG_TSC.findall(line)
    ]
    chosen = refined[-1] if refined else (found[-1] if found else None)
    if chosen is None:
        return None
    hz = int(Decimal(chosen) * 1_000_000)
    if hz < 1:
        raise InvalidInput(f"dmesg_text reports a TSC rate of {chosen} MHz, below 1 Hz")
    return hz


def parse_khz_file(text: str) -> int:
    """A frequency file holding a whole number of kHz (``tsc_freq_khz``), in Hz.

    Examples
    --------
    >>> parse_khz_file("2994374\\n")
    2994374000
    >>> parse_khz_file("fast")
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: text (a tsc_freq_khz file) must hold a whole number of kHz in \
[1, 1000000000]; got 'fast'
    """
    stripped = check_str("text", text).strip()
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        value = Decimal(-1)
    if (
        not value.is_finite()  # 'Infinity', 'NaN'
        or value != value.to_integral_value()
        or not 1 <= value <= MAX_HZ // 1000
    ):
        raise InvalidInput(
            f"text (a tsc_freq_khz file) must hold a whole number of kHz in "
            f"[1, {MAX_HZ // 1000}]; got {stripped[:80]!r}"
        )
    return int(value) * 1000


def _read(root: Path, relative: str, unreadable: dict[str, str], what: str) -> str | None:
    path = root / relative
    try:
        return path.read_text()
    except FileNotFoundError:
        unreadable[what] = f"/{relative} does not exist here"
    except PermissionError:
        unreadable[what] = f"/{relative} is not readable by this user"
    except OSError as exc:
        unreadable[what] = f"/{relative}: {exc.strerror or exc}"
    return None


def read_host_info(root: str | Path = "/", platform: str | None = None) -> HostTscInfo:
    """Read what the running system reports about its TSC; never raises for missing files.

    Parameters
    ----------
    root : str or Path, optional
        Root of the file system to read (a test passes a folder with sample files).
    platform : str, optional
        Override ``sys.platform`` (for tests).

    Returns
    -------
    HostTscInfo
        With ``unreadable`` saying what could not be read and why.

    Examples
    --------
    >>> info = read_host_info(platform="darwin")
    >>> info.clocksource is None and "clocksource" in info.unreadable
    True
    """
    platform = sys.platform if platform is None else check_str("platform", platform)
    check_instance("root", root, (str, Path), "a str or Path")
    if not platform.startswith("linux"):
        why = (
            f"this is {platform}, not Linux: the notebook reads Linux's /sys and /proc "
            "(macOS: `sysctl machdep.tsc.frequency`; Windows: QueryPerformanceFrequency)"
        )
        return HostTscInfo(
            platform,
            unreadable={"clocksource": why, "cpu flags": why, "TSC frequency": why},
        )
    root = Path(root)
    unreadable: dict[str, str] = {}
    current = _read(root, CURRENT_CLOCKSOURCE, unreadable, "clocksource")
    available = _read(root, AVAILABLE_CLOCKSOURCE, unreadable, "available clocksources")
    cpuinfo = _read(root, CPUINFO, unreadable, "cpu flags")
    flags = cpu_mhz = None
    if cpuinfo is not None:
        cpu_mhz = parse_cpu_mhz(cpuinfo)
        try:
            flags = tsc_flags(parse_cpu_flags(cpuinfo))
        except InvalidInput:
            unreadable["cpu flags"] = "/proc/cpuinfo has no 'flags' line (not an x86 CPU?)"
    tsc_hz = None
    khz_text = _read(root, TSC_FREQ_KHZ, {}, "TSC frequency")
    if khz_text is not None:
        try:
            tsc_hz = parse_khz_file(khz_text)
        except InvalidInput as exc:
            unreadable["TSC frequency"] = str(exc)
    else:
        unreadable["TSC frequency"] = (
            f"this kernel does not expose /{TSC_FREQ_KHZ}; the rate it uses is printed at boot "
            "(`dmesg | grep tsc:`, often root only) and cpu MHz is not the TSC rate"
        )
    return HostTscInfo(
        platform,
        clocksource=current.strip() if current is not None else None,
        available_clocksources=tuple(available.split()) if available is not None else (),
        flags=flags,
        tsc_hz=tsc_hz,
        cpu_mhz=cpu_mhz,
        unreadable=unreadable,
    )


SITE_BUILD_ENV = "VIRTUALIZING_TIME_SITE_BUILD"
"""Set (to ``1``) by ``tools/build_site.py`` in the kernels that execute the static site's pages."""


def whose_machine(environ: Mapping[str, str] | None = None) -> str:
    """Say whose machine a cell that reads the running system ran on.

    In JupyterLab that is the reader's machine. On the static site it is the machine that built
    the page, which the page must say, or its live results read as the reader's.

    Parameters
    ----------
    environ : mapping, optional
        The environment to look in (default ``os.environ``); ``SITE_BUILD_ENV`` set means a
        site build.

    Returns
    -------
    str
        One line, to print before the cell's results.

    Examples
    --------
    >>> whose_machine({SITE_BUILD_ENV: "1"}).startswith("the machine that built this page")
    True
    >>> whose_machine({})
    'this machine: the one this notebook runs on (yours, in JupyterLab)'
    """
    env = os.environ if environ is None else environ
    check_instance("environ", env, Mapping, "a mapping such as os.environ")
    if env.get(SITE_BUILD_ENV):
        return (
            "the machine that built this page (the static site ran this cell when it was "
            "built; run the notebook in JupyterLab to see yours)"
        )
    return "this machine: the one this notebook runs on (yours, in JupyterLab)"
