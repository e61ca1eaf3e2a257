"""What a guest operating system does with a jump or a drift in time (Linux and ntpd defaults).

The thresholds below are the defaults of the systems named; they are configurable, so a
given guest may differ. All durations are integer nanoseconds.

* NTP slewing: the kernel disciplines its clock by at most 500 ppm (``MAXFREQ`` in Linux
  ``include/linux/timex.h``, 500 us per second); absorbing a step of ``x`` therefore takes at
  least ``x / 500e-6 = 2000 x``. ntpd steps instead of slewing when the offset exceeds its
  step threshold, 128 ms by default.
* Watchdogs: the soft-lockup detector (``kernel/watchdog.c``) reports a CPU that has not
  scheduled for ``2 * watchdog_thresh`` = 20 s; RCU reports a stall after
  ``CONFIG_RCU_CPU_STALL_TIMEOUT`` = 21 s. A guest that sees a jump in its clock larger than
  these, and was not told it had been stopped (kvmclock ``PVCLOCK_GUEST_STOPPED``), can blame
  itself for the lost time.
* The clocksource watchdog (``kernel/time/clocksource.c``) compares the TSC against another
  clock every 0.5 s and marks it unstable when they disagree by more than 62.5 ms over that
  interval (``NSEC_PER_SEC >> 4``; newer kernels add two 31.25 ms margins, the same total).

Examples
--------
>>> slew_duration_ns(2 * NS_PER_S) // NS_PER_S  # a 2 s step at 500 ppm: 4000 s
4000
>>> ntpd_action(2 * NS_PER_S)
'step'
"""

from __future__ import annotations

from ..conversions import NS_PER_S
from ..errors import check_bool, check_hz, check_int

__all__ = [
    "MAX_SLEW_PPM",
    "NTPD_STEP_THRESHOLD_NS",
    "SOFTLOCKUP_THRESHOLD_NS",
    "RCU_STALL_TIMEOUT_NS",
    "CLOCKSOURCE_WATCHDOG_INTERVAL_NS",
    "CLOCKSOURCE_WATCHDOG_THRESHOLD_NS",
    "slew_duration_ns",
    "ntpd_action",
    "watchdog_reports",
    "clocksource_skew_ns",
    "tsc_marked_unstable",
]

MAX_SLEW_PPM = 500
"""Largest frequency correction the Linux kernel applies: 500 ppm (``MAXFREQ``)."""

NTPD_STEP_THRESHOLD_NS = 128_000_000
"""ntpd steps the clock instead of slewing when the offset exceeds 128 ms (default)."""

SOFTLOCKUP_THRESHOLD_NS = 20 * NS_PER_S
"""Soft-lockup report after ``2 * watchdog_thresh`` with the default ``watchdog_thresh = 10``."""

RCU_STALL_TIMEOUT_NS = 21 * NS_PER_S
"""Default ``CONFIG_RCU_CPU_STALL_TIMEOUT``: 21 s."""

CLOCKSOURCE_WATCHDOG_INTERVAL_NS = NS_PER_S // 2
"""The clocksource watchdog compares clocks every 0.5 s (``WATCHDOG_INTERVAL = HZ >> 1``)."""

CLOCKSOURCE_WATCHDOG_THRESHOLD_NS = NS_PER_S >> 4
"""Disagreement that marks a clocksource unstable: 62.5 ms per interval."""


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
    step = abs(check_int("step_ns", step_ns, -(1 << 63), (1 << 63) - 1))
    ppm = check_int("max_ppm", max_ppm, 1, 1_000_000)
    return -(-step * 1_000_000 // ppm)


def ntpd_action(offset_ns: int, step_threshold_ns: int = NTPD_STEP_THRESHOLD_NS) -> str:
    """``"step"`` if ntpd would step an offset this large, ``"slew"`` otherwise.

    Examples
    --------
    >>> ntpd_action(100_000_000), ntpd_action(-200_000_000)
    ('slew', 'step')
    """
    offset = abs(check_int("offset_ns", offset_ns, -(1 << 63), (1 << 63) - 1))
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

    Examples
    --------
    >>> tsc_marked_unstable(83_333_334), tsc_marked_unstable(1_000)
    (True, False)
    """
    skew = check_int("skew_ns", skew_ns, 0, None)
    return skew > check_int("threshold_ns", threshold_ns, 0, None)
