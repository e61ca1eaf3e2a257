"""What dividing before multiplying costs: the classic integer-conversion mistake, measured.

``ticks // hz * 10**9`` floors to whole seconds first, as Oxide's tsc-simulator
(github.com/oxidecomputer/tsc-simulator, commit 30ef521) computes ``calc hrtime``; these
functions compute the wrong forms on purpose, for chapter 05 to show the loss. Do not use
them for anything else.

Examples
--------
>>> ticks_to_ns_dividing_first(5_999_999_999, 3_000_000_000)
1000000000
>>> loss_ns(5_999_999_999, 3_000_000_000)
999999999
"""

from __future__ import annotations

from ..conversions import NS_PER_S, ticks_to_ns
from ..errors import check_hz, check_int

__all__ = [
    "ticks_to_ns_dividing_first",
    "loss_ns",
    "worst_loss_ns",
    "tsc_hz_dividing_first",
]


def ticks_to_ns_dividing_first(ticks: int, hz: int) -> int:
    """The wrong conversion ``ticks // hz * 10**9`` (whole seconds only).

    Examples
    --------
    >>> ticks_to_ns_dividing_first(2_999_999_999, 3_000_000_000)
    0
    """
    ticks = check_int("ticks", ticks)
    hz = check_hz("hz", hz)
    return ticks // hz * NS_PER_S


def loss_ns(ticks: int, hz: int) -> int:
    """Nanoseconds the wrong order loses against :func:`tscmath.ticks_to_ns` (always ``>= 0``).

    Examples
    --------
    >>> loss_ns(4_500_000_000, 3_000_000_000)
    500000000
    """
    return ticks_to_ns(ticks, hz) - ticks_to_ns_dividing_first(ticks, hz)


def worst_loss_ns(hz: int) -> int:
    """The largest loss over all tick counts: one tick short of a whole second, converted.

    Reached at ``ticks = k * hz + hz - 1`` for any ``k``: ``floor((hz - 1) * 10**9 / hz)``.

    Examples
    --------
    >>> worst_loss_ns(3_000_000_000)
    999999999
    """
    hz = check_hz("hz", hz)
    return (hz - 1) * NS_PER_S // hz


def tsc_hz_dividing_first(tsc_ticks: int, pit_ticks: int, pit_hz: int = 1_193_182) -> int:
    """A PIT calibration in the wrong order, ``tsc_ticks // pit_ticks * pit_hz``.

    The quotient is floored before it is scaled up, so the answer moves in steps of ``pit_hz``
    Hz (compare :func:`tscmath.counter.calibration.tsc_hz_from_pit`).

    Examples
    --------
    >>> tsc_hz_dividing_first(150_000_000, 59_659)   # multiply-first gives 3,000,005,028
    2999659548
    """
    tsc_ticks = check_int("tsc_ticks", tsc_ticks)
    pit_ticks = check_int("pit_ticks", pit_ticks, 1)
    pit_hz = check_hz("pit_hz", pit_hz)
    return tsc_ticks // pit_ticks * pit_hz
