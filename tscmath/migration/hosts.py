"""Hosts: a TSC, a monotonic hrtime and a wall clock, all driven by one true time (chapter 06).

True time ``t`` is integer nanoseconds; a host's TSC is ``tsc_at_zero + floor(t * tsc_hz /
10**9)`` mod 2**64, its hrtime ``t - boot_ns``, its wall clock ``t + wall_skew_ns``. Negative
times are allowed (the floor goes towards minus infinity), so :meth:`Host.tsc_array` agrees
with :meth:`Host.tsc_at` element by element.

Examples
--------
>>> a = Host("A", tsc_hz=3_000_000_000, tsc_at_zero=1_000, boot_ns=-5_000_000_000)
>>> a.tsc_at(1_000_000_000), a.hrtime_at(1_000_000_000)
(3000001000, 6000000000)
>>> a.tsc_array([0, 1, 1_000_000_000])
array([      1000,       1003, 3000001000], dtype=uint64)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..conversions import MAX_HZ, NS_PER_S
from ..errors import (
    U64_MAX,
    InvalidInput,
    check_i64,
    check_int,
    check_str,
    check_u64,
)
from ..formats import AMD_SVM, FixedPointFormat

if TYPE_CHECKING:  # numpy only for the array methods, imported where they run
    import numpy as np

__all__ = ["Host"]


@dataclass(frozen=True)
class Host:
    """A physical machine: its TSC, its monotonic hrtime and its wall clock.

    ``name`` labels plots and messages; ``tsc_hz`` in ``1 .. MAX_HZ``; ``tsc_at_zero`` is the u64
    TSC at true time 0; ``boot_ns`` the (signed) true time of the host's boot (hrtime 0);
    ``wall_skew_ns`` the wall clock minus true time (``|skew| < 2**62``); ``fmt`` the CPU's
    TSC-scaling format (default AMD SVM 8.32), ``None`` when it cannot scale.

    Examples
    --------
    >>> h = Host("B", 2_500_000_000, wall_skew_ns=-3_000)
    >>> h.wallclock_at(10_000), h.tsc_at(10_000)
    (7000, 25000)
    >>> Host("bad", 0)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: tsc_hz must be an integer in [1, 1000000000000]; got 0
    """

    name: str
    tsc_hz: int
    tsc_at_zero: int = 0
    boot_ns: int = 0
    wall_skew_ns: int = 0
    fmt: FixedPointFormat | None = AMD_SVM

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", check_str("name", self.name, 200))
        # Store plain Python ints (numpy scalars are accepted on input).
        object.__setattr__(self, "tsc_hz", check_int("tsc_hz", self.tsc_hz, 1, MAX_HZ))
        object.__setattr__(self, "tsc_at_zero", check_u64("tsc_at_zero", self.tsc_at_zero))
        object.__setattr__(self, "boot_ns", check_i64("boot_ns", self.boot_ns))
        skew = check_int("wall_skew_ns", self.wall_skew_ns, -(1 << 62), 1 << 62)
        object.__setattr__(self, "wall_skew_ns", skew)
        if self.fmt is not None and not isinstance(self.fmt, FixedPointFormat):
            raise InvalidInput(
                f"fmt must be a FixedPointFormat (AMD_SVM, INTEL_VMX) or None; got {self.fmt!r}"
            )

    @property
    def can_scale(self) -> bool:
        """Whether the CPU has TSC scaling (``fmt`` is not ``None``)."""
        return self.fmt is not None

    def tsc_at(self, true_ns: int) -> int:
        """The host TSC at true time ``true_ns``: ``tsc_at_zero + floor(t*hz/1e9)`` mod 2**64.

        Examples
        --------
        >>> Host("A", 1_000_000_000, tsc_at_zero=2**64 - 1).tsc_at(3)
        2
        """
        t = check_i64("true_ns", true_ns)
        return (self.tsc_at_zero + t * self.tsc_hz // NS_PER_S) & U64_MAX

    def hrtime_at(self, true_ns: int) -> int:
        """The host's monotonic hrtime (ns since its boot) at true time ``true_ns``."""
        return check_i64("true_ns", true_ns) - self.boot_ns

    def wallclock_at(self, true_ns: int) -> int:
        """The host's wall clock (ns since the epoch) at true time ``true_ns``."""
        return check_i64("true_ns", true_ns) + self.wall_skew_ns

    def tsc_array(self, true_ns: object) -> np.ndarray:
        """:meth:`tsc_at` for every element of an integer array, exact, as ``uint64``.

        Examples
        --------
        >>> Host("A", 3_000_000_000, tsc_at_zero=7).tsc_array([-1, 333])
        array([   4, 1006], dtype=uint64)
        """
        import numpy as np

        from ..vectorized import ns_to_ticks_u64_array

        out = ns_to_ticks_u64_array(true_ns, self.tsc_hz)
        out += np.uint64(self.tsc_at_zero)
        return out
