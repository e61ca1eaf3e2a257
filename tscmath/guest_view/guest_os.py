"""What a guest OS does with a jump or a drift in its time: Linux's, ntpd's and chronyd's defaults.

Chapter 08b tells the story. The thresholds are the defaults of the systems named, cited at
each constant: NTP slewing bounded by ``MAXFREQ`` (Linux ``include/linux/timex.h``), ntpd's
128 ms step threshold, chronyd's ``maxslewrate``, the soft-lockup and RCU-stall watchdogs, and
the clocksource watchdog of Linux ``kernel/time/clocksource.c`` (``clocksource_watchdog``).
All durations are integer nanoseconds.

Examples
--------
>>> slew_duration_ns(2 * NS_PER_S) // NS_PER_S  # a 2 s step at 500 ppm: 4000 s
4000
>>> ntpd_action(2 * NS_PER_S)
'step'
"""

from __future__ import annotations

from fractions import Fraction

from ..conversions import NS_PER_S
from ..errors import I64_MAX, I64_MIN, InvalidInput, check_bool, check_hz, check_int

__all__ = [
    "CLOCKSOURCE_WATCHDOG_INTERVAL_NS",
    "LEGACY_WATCHDOG_THRESHOLD_NS",
    "MAX_SLEW_PPM",
    "can_follow_frequency_error",
    "kvm_clock_rating",
    "clocksource_skew_ns",
    "ntpd_action",
    "slew_duration_ns",
    "tsc_marked_unstable",
    "tsc_watchdog_enabled",
    "uncertainty_margin_ns",
    "watchdog_reports",
    "watchdog_threshold_ns",
]

MAX_SLEW_PPM = 500
"""Largest frequency correction the Linux kernel applies: 500 ppm (``MAXFREQ``)."""

TICK_ADJUST_MAX_PPM = 100_000
"""``ADJ_TICK`` accepts a tick length within +-10 % of nominal: up to 100,000 ppm."""

CHRONYD_MAX_SLEW_RATE_PPM = Fraction(1_000_000, 12)
"""chronyd's default ``maxslewrate``: 83,333.333 ppm (1/12), chrony.conf(5)."""

NTPD_STEP_THRESHOLD_NS = 128_000_000
"""ntpd steps the clock instead of slewing when the offset exceeds 128 ms (default)."""

SOFTLOCKUP_THRESHOLD_NS = 20 * NS_PER_S
"""Soft-lockup report after ``2 * watchdog_thresh`` with the default ``watchdog_thresh = 10``."""

RCU_STALL_TIMEOUT_NS = 21 * NS_PER_S
"""Default ``CONFIG_RCU_CPU_STALL_TIMEOUT``: 21 s."""

CLOCKSOURCE_WATCHDOG_INTERVAL_NS = NS_PER_S // 2
"""The clocksource watchdog compares clocks every 0.5 s (``WATCHDOG_INTERVAL = HZ >> 1``)."""

LEGACY_WATCHDOG_THRESHOLD_NS = NS_PER_S >> 4
"""History: up to Linux v5.13 the watchdog tolerated a fixed 62.5 ms per 0.5 s interval."""

WATCHDOG_THRESHOLD_NS = NS_PER_S >> 5
"""``WATCHDOG_THRESHOLD`` (31.25 ms): the margin of a clocksource registered without a frequency."""

WATCHDOG_MAX_SKEW_US = 125
"""Default ``CONFIG_CLOCKSOURCE_WATCHDOG_MAX_SKEW_US`` since Linux v6.3 (range 50..1000)."""

TSC_RATING = 300
"""Rating of the ``tsc`` clocksource (``clocksource_tsc`` in ``arch/x86/kernel/tsc.c``)."""

KVM_CLOCK_RATING = 400
"""Rating of ``kvm-clock`` as registered (``kvm_clock`` in ``arch/x86/kernel/kvmclock.c``)."""


def uncertainty_margin_ns(freq_hz: int | None, max_skew_us: int = WATCHDOG_MAX_SKEW_US) -> int:
    """A clocksource's ``uncertainty_margin`` as ``__clocksource_update_freq_scale`` sets it.

    For a clocksource registered with a frequency: its period ``NSEC_PER_SEC // hz``, but at
    least ``2 * WATCHDOG_MAX_SKEW``; without one (``freq_hz=None``): ``WATCHDOG_THRESHOLD``.
    (Drivers may set their own margin: ``tsc-early`` uses 32 ms. This is the default.)

    ``freq_hz`` is the frequency the clocksource was registered with; ``max_skew_us`` is
    ``CONFIG_CLOCKSOURCE_WATCHDOG_MAX_SKEW_US``, 50..1000 (Kconfig range).

    Examples
    --------
    >>> uncertainty_margin_ns(3_000_000_000)  # the TSC: 0 ns period, floored at 2 * 125 us
    250000
    >>> uncertainty_margin_ns(3_579_545)  # the ACPI PM timer: 279 ns period, same floor
    250000
    >>> uncertainty_margin_ns(None)
    31250000
    """
    skew = check_int("max_skew_us", max_skew_us, 50, 1000) * 1000
    if freq_hz is None:
        return WATCHDOG_THRESHOLD_NS
    period = NS_PER_S // check_int("freq_hz", freq_hz, 1, I64_MAX)
    return max(period, 2 * skew)


def watchdog_threshold_ns(
    cs_hz: int | None,
    watchdog_hz: int | None,
    max_skew_us: int = WATCHDOG_MAX_SKEW_US,
) -> int:
    """``md``: the skew per interval above which ``clocksource_watchdog`` marks ``cs`` unstable.

    ``md = cs->uncertainty_margin + watchdog->uncertainty_margin`` (Linux v5.14+).

    Examples
    --------
    >>> watchdog_threshold_ns(3_000_000_000, 1_000_000_000)  # TSC watched by kvm-clock
    500000
    >>> watchdog_threshold_ns(3_000_000_000, 14_318_180, max_skew_us=50)  # v5.14's 50 us
    200000
    """
    for name, hz in (("cs_hz", cs_hz), ("watchdog_hz", watchdog_hz)):
        if hz is not None:
            check_int(name, hz, 1, I64_MAX)
    return uncertainty_margin_ns(cs_hz, max_skew_us) + uncertainty_margin_ns(
        watchdog_hz, max_skew_us
    )


CLOCKSOURCE_WATCHDOG_THRESHOLD_NS = watchdog_threshold_ns(3_000_000_000, NS_PER_S)
"""Default ``md`` for a TSC watched by kvm-clock (registered at 1 GHz) or HPET: 500 us."""


def tsc_watchdog_enabled(
    *,
    constant_tsc: bool,
    nonstop_tsc: bool,
    tsc_adjust: bool,
    packages: int,
    tsc_reliable: bool = False,
    tsc_nowatchdog: bool = False,
) -> bool:
    """Whether Linux leaves the TSC on the clocksource watchdog's list (``MUST_VERIFY``).

    ``tsc_init`` calls ``tsc_disable_clocksource_watchdog`` when the TSC is reliable
    (``X86_FEATURE_TSC_RELIABLE``, set by the VMware and Hyper-V guest code, or the
    ``tsc=reliable`` parameter) or ``tsc=nowatchdog`` was given; and
    ``check_system_tsc_reliable`` does it on machines with a constant, non-stop TSC, the
    TSC_ADJUST MSR and at most four packages (since v5.17, commit b50db7095fe0, first for at
    most two NUMA nodes, later four).

    Examples
    --------
    >>> tsc_watchdog_enabled(constant_tsc=True, nonstop_tsc=True, tsc_adjust=True, packages=2)
    False
    >>> tsc_watchdog_enabled(constant_tsc=True, nonstop_tsc=False, tsc_adjust=True, packages=1)
    True
    """
    count = check_int("packages", packages, 1, None)
    constant_tsc, nonstop_tsc, tsc_adjust = (
        check_bool("constant_tsc", constant_tsc),
        check_bool("nonstop_tsc", nonstop_tsc),
        check_bool("tsc_adjust", tsc_adjust),
    )
    if check_bool("tsc_reliable", tsc_reliable) or check_bool("tsc_nowatchdog", tsc_nowatchdog):
        return False
    return not (constant_tsc and nonstop_tsc and tsc_adjust and count <= 4)


def kvm_clock_rating(*, constant_tsc: bool, nonstop_tsc: bool, tsc_unstable: bool = False) -> int:
    """The rating ``kvmclock_init`` gives kvm-clock: 299 when an invariant TSC can be used.

    Below the TSC's 300, so a guest with invariant TSC (QEMU ``invtsc``) reads the raw TSC.

    Examples
    --------
    >>> kvm_clock_rating(constant_tsc=True, nonstop_tsc=True), TSC_RATING
    (299, 300)
    >>> kvm_clock_rating(constant_tsc=True, nonstop_tsc=False)
    400
    """
    for name, flag in (
        ("constant_tsc", constant_tsc),
        ("nonstop_tsc", nonstop_tsc),
        ("tsc_unstable", tsc_unstable),
    ):
        check_bool(name, flag)
    if constant_tsc and nonstop_tsc and not tsc_unstable:
        return 299
    return KVM_CLOCK_RATING


def slew_duration_ns(step_ns: int, max_ppm: int = MAX_SLEW_PPM) -> int:
    """Shortest time to absorb an offset of ``step_ns`` by slewing at ``max_ppm``, rounded up.

    Slewing at ``p`` ppm removes ``p`` ns of offset per ms of elapsed time, so it takes
    ``ceil(|step| * 10**6 / p)`` ns. The sign of the step does not matter.

    Examples
    --------
    >>> slew_duration_ns(10_000_000)  # 10 ms -> 20 s
    20000000000
    >>> slew_duration_ns(-1, max_ppm=500)  # 1 ns behind: 2 us of slewing
    2000
    """
    step = abs(check_int("step_ns", step_ns, I64_MIN, I64_MAX))
    ppm = check_int("max_ppm", max_ppm, 1, 1_000_000)
    return -(-step * 1_000_000 // ppm)


def can_follow_frequency_error(error_ppm: Fraction | int, daemon: str) -> bool:
    """Whether an NTP daemon in a Linux guest can cancel a clock frequency error this large.

    ntpd disciplines only the kernel frequency (at most :data:`MAX_SLEW_PPM`); chronyd also
    changes the tick length (:data:`TICK_ADJUST_MAX_PPM`), so it can go up to 10 %.

    Examples
    --------
    >>> can_follow_frequency_error(Fraction(1879), "ntpd")
    False
    >>> can_follow_frequency_error(Fraction(1879), "chronyd")
    True
    """
    if not isinstance(daemon, str) or daemon not in ("ntpd", "chronyd"):
        raise InvalidInput(f"daemon must be 'ntpd' or 'chronyd'; got {daemon!r}")
    if not isinstance(error_ppm, (int, Fraction)) or isinstance(error_ppm, bool):
        raise InvalidInput(f"error_ppm must be an int or a Fraction; got {error_ppm!r}")
    limit = MAX_SLEW_PPM if daemon == "ntpd" else MAX_SLEW_PPM + TICK_ADJUST_MAX_PPM
    return abs(error_ppm) <= limit


def ntpd_action(offset_ns: int, step_threshold_ns: int = NTPD_STEP_THRESHOLD_NS) -> str:
    """``"step"`` if ntpd would step an offset this large, ``"slew"`` otherwise.

    Examples
    --------
    >>> ntpd_action(100_000_000), ntpd_action(-200_000_000)
    ('slew', 'step')
    """
    offset = abs(check_int("offset_ns", offset_ns, I64_MIN, I64_MAX))
    threshold = check_int("step_threshold_ns", step_threshold_ns, 0, None)
    return "step" if offset > threshold else "slew"


def watchdog_reports(jump_ns: int, *, guest_stopped: bool = False) -> list[str]:
    """Which default Linux watchdogs could fire when a guest's clock jumps by ``jump_ns``.

    A jump longer than a threshold looks, to the guest, like a CPU that did not run for that
    long. If the host set ``PVCLOCK_GUEST_STOPPED`` the guest's soft-lockup detector knows the
    time was stolen and stays quiet (``kvm_check_and_clear_guest_paused``); RCU's stall check
    also consults it. Returns an empty list when nothing fires.

    Examples
    --------
    >>> watchdog_reports(2 * NS_PER_S)
    []
    >>> watchdog_reports(30 * NS_PER_S)
    ['soft lockup', 'RCU stall']
    >>> watchdog_reports(30 * NS_PER_S, guest_stopped=True)
    []
    """
    jump = check_int("jump_ns", jump_ns, 0, None)
    if check_bool("guest_stopped", guest_stopped):
        return []
    reports = []
    if jump > SOFTLOCKUP_THRESHOLD_NS:
        reports.append("soft lockup")
    if jump > RCU_STALL_TIMEOUT_NS:
        reports.append("RCU stall")
    return reports


def clocksource_skew_ns(
    believed_hz: int, actual_hz: int, interval_ns: int = CLOCKSOURCE_WATCHDOG_INTERVAL_NS
) -> int:
    """How far a TSC clocksource drifts from the watchdog clock over one interval.

    The guest converts TSC ticks with ``believed_hz`` but they arrive at ``actual_hz``: over
    ``interval_ns`` of real time it measures ``interval * actual / believed``. Returns the
    absolute difference, floored to whole nanoseconds.

    Examples
    --------
    >>> clocksource_skew_ns(3_000_000_000, 2_500_000_000)  # 0.5 s reads as 0.41666 s
    83333333
    """
    believed = check_hz("believed_hz", believed_hz)
    actual = check_hz("actual_hz", actual_hz)
    interval = check_int("interval_ns", interval_ns, 0, None)
    return abs(interval * (actual - believed)) // believed


def tsc_marked_unstable(
    skew_ns: int, threshold_ns: int = CLOCKSOURCE_WATCHDOG_THRESHOLD_NS
) -> bool:
    """True when the clocksource watchdog would mark the TSC unstable for this skew.

    ``abs(cs_nsec - wd_nsec) > md``; the default ``threshold_ns`` is
    :data:`CLOCKSOURCE_WATCHDOG_THRESHOLD_NS` (500 us, Linux v6.3+ defaults).

    Examples
    --------
    >>> tsc_marked_unstable(83_333_334), tsc_marked_unstable(1_000)
    (True, False)
    >>> tsc_marked_unstable(939_428), tsc_marked_unstable(939_428, LEGACY_WATCHDOG_THRESHOLD_NS)
    (True, False)
    """
    skew = check_int("skew_ns", skew_ns, 0, None)
    return skew > check_int("threshold_ns", threshold_ns, 0, None)
