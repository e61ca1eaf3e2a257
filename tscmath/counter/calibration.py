"""Measuring the TSC frequency against a reference timer (PIT or HPET), and its error.

Chapter 02 tells the story: multiply first, then divide, as illumos
``usr/src/uts/i86pc/os/tscc_pit.c`` does; the error is about ``jitter / window``, which
:func:`simulate_calibration` shows with seeded randomness, in exact integers.

Examples
--------
>>> tsc_hz_from_pit(tsc_ticks=150_000_000, pit_ticks=59_659)
3000005028
>>> tsc_hz_from_hpet(tsc_ticks=150_000_000, hpet_ticks=715_909)
2999999987
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import (
    U32_MAX,
    InvalidInput,
    check_count,
    check_fraction,
    check_hz,
    check_int,
)

__all__ = [
    "PIT_HZ",
    "HPET_PERIOD_FS",
    "tsc_hz_from_cpuid_15h",
    "tsc_hz_from_pit",
    "hpet_hz",
    "window_ticks",
    "error_bound_hz",
    "simulate_calibration",
]

PIT_HZ = 1_193_182
"""The 8254 PIT's input clock in Hz as operating systems use it (14.31818 MHz / 12, rounded)."""

HPET_PERIOD_FS = 69_841_279
"""A common HPET counter period in femtoseconds (about 14.318 MHz), read from its ID register."""

FS_PER_S = 10**15
"""Femtoseconds in one second."""

MAX_TRIALS = 100_000
"""Most trials :func:`simulate_calibration` runs in one call (about a second of work)."""

MAX_JITTER_TICKS = 1 << 40
"""Largest read lateness :func:`simulate_calibration` accepts, in TSC ticks (minutes at GHz)."""


def tsc_hz_from_cpuid_15h(eax: int, ebx: int, ecx: int) -> int:
    """The TSC rate CPUID leaf 15h announces: crystal Hz (ECX) times EBX / EAX.

    Leaf 15h gives the ratio of the TSC to the core crystal clock as ``EBX / EAX`` and the
    crystal's frequency in Hz in ECX. ``EAX`` or ``EBX`` of 0 means the ratio is not
    enumerated; ``ECX`` of 0 means the crystal frequency is not, and the OS must find it
    elsewhere (a model table, or calibration).

    Raises :class:`InvalidInput` if a register is 0 or is not a 32-bit value.

    Examples
    --------
    >>> tsc_hz_from_cpuid_15h(eax=2, ebx=250, ecx=24_000_000)   # 24 MHz crystal, ratio 125
    3000000000
    """
    eax = check_int("eax (ratio denominator)", eax, 1, U32_MAX)
    ebx = check_int("ebx (ratio numerator)", ebx, 1, U32_MAX)
    ecx = check_int("ecx (crystal Hz)", ecx, 1, U32_MAX)
    return ecx * ebx // eax


def tsc_hz_from_pit(tsc_ticks: int, pit_ticks: int, pit_hz: int = PIT_HZ) -> int:
    """The TSC frequency from ticks counted over a PIT window: ``pit_hz * tsc_ticks // pit_ticks``.

    Multiplies first, so no precision is lost before the one floor division.

    Raises :class:`InvalidInput` if ``pit_ticks`` is 0 (the PIT never moved: no estimate).

    Examples
    --------
    >>> tsc_hz_from_pit(3_000_000_000, PIT_HZ)   # one second of PIT ticks
    3000000000
    >>> tsc_hz_from_pit(3_000_000_000, 0)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: pit_ticks must be an integer >= 1; got 0
    """
    tsc_ticks = check_int("tsc_ticks", tsc_ticks)
    pit_ticks = check_int("pit_ticks", pit_ticks, 1)
    pit_hz = check_hz("pit_hz", pit_hz)
    return pit_hz * tsc_ticks // pit_ticks


def tsc_hz_from_hpet(tsc_ticks: int, hpet_ticks: int, period_fs: int = HPET_PERIOD_FS) -> int:
    """The TSC frequency from an HPET window: ``tsc_ticks * 10**15 // (hpet_ticks * period_fs)``.

    Examples
    --------
    >>> tsc_hz_from_hpet(3_000_000_000, 14_318_180)
    2999999987
    """
    tsc_ticks = check_int("tsc_ticks", tsc_ticks)
    hpet_ticks = check_int("hpet_ticks", hpet_ticks, 1)
    period_fs = check_int("period_fs", period_fs, 1)
    return tsc_ticks * FS_PER_S // (hpet_ticks * period_fs)


def hpet_hz(period_fs: int = HPET_PERIOD_FS) -> Fraction:
    """The HPET's rate in Hz as an exact fraction, ``10**15 / period_fs``.

    Examples
    --------
    >>> int(hpet_hz())
    14318179
    """
    period_fs = check_int("period_fs", period_fs, 1)
    return Fraction(FS_PER_S, period_fs)


def window_ticks(window_ns: int, ref_hz: int | Fraction) -> int:
    """Whole reference-timer ticks in a window of ``window_ns`` nanoseconds (floor).

    Examples
    --------
    >>> window_ticks(50_000_000, PIT_HZ)   # 50 ms of PIT
    59659
    """
    window_ns = check_int("window_ns", window_ns, 1)
    ref_hz = check_fraction("ref_hz", ref_hz)
    ticks = int(ref_hz * window_ns // 1_000_000_000)
    if ticks < 1:
        raise InvalidInput(
            f"window_ns = {window_ns} ns at ref_hz = {ref_hz} Hz spans less than one reference "
            "tick; the window must hold at least one"
        )
    return ticks


def error_bound_hz(ref_ticks: int, jitter_ticks: int, ref_hz: int | Fraction = PIT_HZ) -> Fraction:
    """Worst-case ``|estimate - true|`` in Hz when each end's TSC read is late by 0..jitter ticks.

    The counted ticks are off by at most ``jitter_ticks`` (one end late, the other on time) plus
    one for the whole-tick floor, and the final division floors once more::

        bound = ref_hz * (jitter_ticks + 1) / ref_ticks + 1

    Examples
    --------
    >>> round(error_bound_hz(59_659, 3_000))   # 50 ms window, 1 us jitter at 3 GHz
    60021
    """
    ref_ticks = check_int("ref_ticks", ref_ticks, 1)
    jitter_ticks = check_int("jitter_ticks", jitter_ticks)
    ref_hz = check_fraction("ref_hz", ref_hz)
    return ref_hz * (jitter_ticks + 1) / ref_ticks + 1


@dataclass(frozen=True)
class CalibrationRun:
    """The outcome of :func:`simulate_calibration` for one window.

    Attributes
    ----------
    ref_ticks : int
        Reference-timer ticks the window spans.
    estimates_hz : tuple of int
        One integer estimate per trial.
    true_hz : int
        The TSC's true rate.
    """

    ref_ticks: int
    estimates_hz: tuple[int, ...]
    true_hz: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref_ticks", check_int("ref_ticks", self.ref_ticks, 1))
        if not isinstance(self.estimates_hz, (tuple, list)) or not self.estimates_hz:
            raise InvalidInput(
                "estimates_hz must be a non-empty tuple of integer estimates (Hz); got "
                f"{self.estimates_hz!r}"
            )
        estimates = tuple(
            check_int(f"estimates_hz[{i}]", e) for i, e in enumerate(self.estimates_hz)
        )
        object.__setattr__(self, "estimates_hz", estimates)
        object.__setattr__(self, "true_hz", check_hz("true_hz", self.true_hz))

    @property
    def errors_hz(self) -> tuple[int, ...]:
        """``estimate - true`` per trial, in Hz (exact integers)."""
        return tuple(e - self.true_hz for e in self.estimates_hz)

    @property
    def worst_error_hz(self) -> int:
        """The largest ``|estimate - true|`` over the trials, in Hz."""
        return max(abs(e) for e in self.errors_hz)


def simulate_calibration(
    true_tsc_hz: int,
    window_ns: int,
    *,
    jitter_ticks: int,
    trials: int,
    seed: int,
    reference: str = "pit",
    ref_true_hz: Fraction | None = None,
) -> CalibrationRun:
    """Simulate ``trials`` calibrations of a TSC against the PIT or the HPET, exactly.

    Each trial waits for a reference-timer edge, reads the TSC, waits ``ref_ticks`` more
    ticks, reads the TSC again. Each read lands ``0..jitter_ticks`` TSC ticks late (uniform,
    drawn from ``numpy.random.default_rng(seed)``), and the window starts at a random TSC phase.
    The estimate is then computed as the OS does (:func:`tsc_hz_from_pit` or
    :func:`tsc_hz_from_hpet`), assuming the reference runs at its nominal rate.

    ``window_ns`` is rounded down to whole reference ticks; ``jitter_ticks`` in
    ``0 .. MAX_JITTER_TICKS``; ``trials`` in ``1 .. MAX_TRIALS``; the same ``seed`` gives the
    same answers; ``reference`` is ``"pit"`` or ``"hpet"``; ``ref_true_hz`` is the reference's
    real rate if its crystal is off its nominal one (default: nominal).

    Examples
    --------
    >>> run = simulate_calibration(3_000_000_000, 50_000_000, jitter_ticks=3_000, trials=5, seed=1)
    >>> run.ref_ticks, len(run.estimates_hz)
    (59659, 5)
    >>> run.worst_error_hz <= error_bound_hz(run.ref_ticks, 3_000)
    True
    """
    true_tsc_hz = check_hz("true_tsc_hz", true_tsc_hz)
    jitter_ticks = check_int("jitter_ticks", jitter_ticks, 0, MAX_JITTER_TICKS)
    trials = check_count("trials", trials, 1, MAX_TRIALS, "MAX_TRIALS")
    seed = check_int("seed", seed)
    if isinstance(reference, str) and reference == "pit":
        nominal: Fraction = Fraction(PIT_HZ)
    elif isinstance(reference, str) and reference == "hpet":
        nominal = hpet_hz()
    else:
        raise InvalidInput(f"reference must be 'pit' or 'hpet'; got {reference!r}")
    real = nominal if ref_true_hz is None else check_fraction("ref_true_hz", ref_true_hz)
    ref_ticks = window_ticks(window_ns, nominal)
    # TSC ticks that truly elapse over ref_ticks of the real reference (exact fraction).
    elapsed = Fraction(ref_ticks) * true_tsc_hz / real
    rng = np.random.default_rng(seed)
    phases = rng.random(trials)  # float only to place the window's start within one tick
    late = rng.integers(0, jitter_ticks + 1, size=(trials, 2))
    estimates = []
    for phase, (late_start, late_end) in zip(phases.tolist(), late.tolist(), strict=True):
        start = Fraction(phase).limit_denominator(1 << 20)
        counted = int(start + elapsed) - int(start) + late_end - late_start
        counted = max(counted, 0)
        if reference == "pit":
            estimates.append(tsc_hz_from_pit(counted, ref_ticks))
        else:
            estimates.append(tsc_hz_from_hpet(counted, ref_ticks))
    return CalibrationRun(ref_ticks, tuple(estimates), true_tsc_hz)
