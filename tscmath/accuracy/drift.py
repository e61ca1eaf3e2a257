"""How fast a scaled guest clock drifts: ticks per second, microseconds per day, over a grid.

A truncated multiplier can only make the guest slow, by less than ``host_hz / 2**F`` ticks
per second (:func:`drift_bound`); chapter 05 shows it in µs per day, exactly (Fractions).

Examples
--------
>>> import tscmath as tm
>>> d = tm.drift_ticks_per_second(2_994_374_000, 3_000_000_000, tm.AMD_SVM)
>>> round(float(us_per_day(d, 2_994_374_000)), 1), d < drift_bound(3_000_000_000, tm.AMD_SVM)
(13.4, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ..conversions import SECONDS_PER_DAY
from ..errors import InvalidInput, RatioOutOfRange, check_fraction, check_hz, check_sequence
from ..formats import FixedPointFormat
from ..scaling import check_format, drift_ticks_per_second

__all__ = ["us_per_day", "drift_bound", "drift_grid"]

MAX_GRID_CELLS = 100_000
"""Most (guest, host) pairs :func:`drift_grid` computes in one call (about a second)."""


def us_per_day(ticks_per_second: Fraction | int, guest_hz: int) -> Fraction:
    """Convert a drift in guest ticks per second to microseconds per day, exactly.

    Examples
    --------
    >>> us_per_day(3, 3_000_000_000)   # 1 ns/s
    Fraction(432, 5)
    """
    guest_hz = check_hz("guest_hz", guest_hz)
    tps = check_fraction("ticks_per_second", ticks_per_second, lo=None)
    return tps * SECONDS_PER_DAY * 10**6 / guest_hz


def drift_bound(host_hz: int, fmt: FixedPointFormat) -> Fraction:
    """The bound ``host_hz / 2**F`` ticks per second: truncation drift is always below it.

    Examples
    --------
    >>> import tscmath as tm
    >>> drift_bound(4_294_967_296, tm.AMD_SVM)
    Fraction(1, 1)
    """
    host_hz = check_hz("host_hz", host_hz)
    fmt = check_format(fmt)
    return Fraction(host_hz, fmt.one)


def drift_grid(
    guest_hzs: Sequence[int], host_hzs: Sequence[int], fmt: FixedPointFormat
) -> list[list[Fraction | None]]:
    """Drift in µs/day for every (guest, host) pair: rows are guests, columns hosts.

    A pair whose ratio ``fmt`` cannot hold gives ``None``.

    Examples
    --------
    >>> import tscmath as tm
    >>> grid = drift_grid([3_000_000_000], [3_000_000_000, 2_000_000_000], tm.AMD_SVM)
    >>> grid[0][0], grid[0][1]
    (Fraction(0, 1), Fraction(0, 1))
    """
    fmt = check_format(fmt)
    guests = _hz_list("guest_hzs", guest_hzs)
    hosts = _hz_list("host_hzs", host_hzs)
    if len(guests) * len(hosts) > MAX_GRID_CELLS:
        raise InvalidInput(
            f"len(guest_hzs) * len(host_hzs) must be at most MAX_GRID_CELLS = {MAX_GRID_CELLS}; "
            f"got {len(guests)} * {len(hosts)} = {len(guests) * len(hosts)}"
        )
    rows: list[list[Fraction | None]] = []
    for guest in guests:
        row: list[Fraction | None] = []
        for host in hosts:
            try:
                row.append(us_per_day(drift_ticks_per_second(guest, host, fmt), guest))
            except RatioOutOfRange:
                row.append(None)
        rows.append(row)
    return rows


def _hz_list(name: str, values: object) -> list[int]:
    return [check_hz(f"{name}[{i}]", v) for i, v in enumerate(check_sequence(name, values))]
