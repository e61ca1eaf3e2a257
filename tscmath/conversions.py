"""Ticks and nanoseconds, exactly: multiply first, then floor-divide.

Dividing first (``ticks // hz * 10**9``) throws away every sub-second tick; these do not.

Examples
--------
>>> ticks_to_ns(5_999_999_999, 3_000_000_000)
1999999999
>>> ns_to_ticks(1_000_000_000, 2_500_000_000)
2500000000
"""

from __future__ import annotations

from .errors import check_hz, check_int

NS_PER_S = 1_000_000_000
"""Nanoseconds in one second (Linux calls it ``NSEC_PER_SEC``)."""

MAX_HZ = 10**12
"""Largest frequency the exact array conversions and the migration model accept (1 THz).

Far above any real TSC; it keeps every intermediate of the ``uint64`` array conversions
(:mod:`tscmath.vectorized`) below ``2**64``."""

SECONDS_PER_DAY = 86_400
"""Seconds in a day (no leap seconds): drift is quoted per day."""

__all__ = ["NS_PER_S", "ticks_to_ns", "ns_to_ticks"]


def ticks_to_ns(ticks: int, hz: int) -> int:
    """Nanoseconds that ``ticks`` of a ``hz`` counter last: ``floor(ticks * 10**9 / hz)``.

    Examples
    --------
    >>> ticks_to_ns(3, 3_000_000_000)
    1
    """
    ticks = check_int("ticks", ticks)
    hz = check_hz("hz", hz)
    return ticks * NS_PER_S // hz


def ns_to_ticks(ns: int, hz: int) -> int:
    """Whole ticks a ``hz`` counter advances in ``ns`` nanoseconds: ``floor(ns * hz / 10**9)``.

    Examples
    --------
    >>> ns_to_ticks(1, 3_000_000_000)
    3
    """
    ns = check_int("ns", ns)
    hz = check_hz("hz", hz)
    return ns * hz // NS_PER_S
