"""Hosts: a TSC, a monotonic clock and a wall clock, all driven by one true time.

The model has a single *true time* ``t``: an integer number of nanoseconds (think of it as
the ideal clock of the data centre). Every host derives its three clocks from it:

* TSC: ``tsc_at_zero + floor(t * tsc_hz / 10**9)``, kept modulo ``2**64`` like the register;
* hrtime (monotonic, ns since the host booted): ``t - boot_ns``;
* wall clock (ns since the epoch, as NTP/PTP keeps it): ``t + wall_skew_ns``.

Negative times are allowed everywhere: the floor is taken towards minus infinity (Python's
``//``), so ``tsc_at`` is one formula for every integer ``t`` and the vectorized
:meth:`Host.tsc_array` agrees with it element by element. A value below zero before the
modulo means the host was not yet powered on; the model still wraps it, as a u64 would.

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

from ..conversions import NS_PER_S
from ..errors import U64_MAX, InvalidInput, check_int, check_u64
from ..formats import AMD_SVM, FixedPointFormat

if TYPE_CHECKING:  # numpy only for the array methods, imported where they run
    import numpy as np

__all__ = [
    "Host",
    "MAX_HZ",
    "I64_MIN",
    "I64_MAX",
    "as_i64_array",
    "check_i64",
    "ns_to_ticks_u64_array",
]

MAX_HZ = 10**12
"""Largest TSC or guest frequency the model accepts (1 THz, far above any real part).

The bound keeps every vectorized intermediate below ``2**64`` (see
:func:`ns_to_ticks_u64_array`)."""

I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1


def check_i64(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it fits a signed 64-bit integer (an hrtime)."""
    return check_int(name, value, I64_MIN, I64_MAX)


def ns_to_ticks_u64_array(true_ns: np.ndarray, hz: int) -> np.ndarray:
    """``floor(true_ns * hz / 10**9) mod 2**64`` for an int64 array, exactly, in uint64.

    With ``t = s * 10**9 + r`` (``0 <= r < 10**9``, floor division so negative ``t`` work)
    and ``hz = a * 10**9 + b`` (``b < 10**9``)::

        floor(t * hz / 10**9) = s * hz + r * a + floor(r * b / 10**9)

    ``s * hz`` wraps modulo ``2**64`` (which is the answer's modulus), ``r * a < 10**12`` and
    ``r * b < 10**18`` never overflow. ``hz`` must be at most :data:`MAX_HZ`.

    Examples
    --------
    >>> import numpy as np
    >>> ns_to_ticks_u64_array(np.array([-1, 0, 1], dtype=np.int64), 3_000_000_000).tolist()
    [18446744073709551613, 0, 3]
    """
    import numpy as np

    s = true_ns // np.int64(NS_PER_S)  # floor, also for negative times
    a, b = divmod(hz, NS_PER_S)
    s_u = s.view(np.uint64)  # two's complement: s mod 2**64
    r_u = true_ns.view(np.uint64) - s_u * np.uint64(NS_PER_S)  # r = t - s * 1e9, in [0, 1e9)
    out = s_u * np.uint64(hz)
    if a:
        out += r_u * np.uint64(a)
    r_u *= np.uint64(b)
    r_u //= np.uint64(NS_PER_S)
    out += r_u
    return out


@dataclass(frozen=True)
class Host:
    """A physical machine: its TSC, its monotonic hrtime and its wall clock.

    Parameters
    ----------
    name : str
        Label used in plots and messages.
    tsc_hz : int
        TSC frequency in Hz, ``1 .. MAX_HZ``.
    tsc_at_zero : int, optional
        The host's TSC value at true time 0 (hosts boot at different times), a u64.
    boot_ns : int, optional
        True time at which the host's hrtime is 0 (its boot), a signed 64-bit ns value.
    wall_skew_ns : int, optional
        Wall clock minus true time (the NTP/PTP error, may be negative), ``|skew| < 2**62``.
    fmt : FixedPointFormat or None, optional
        The TSC-scaling format of the CPU (default AMD SVM 8.32); ``None`` when the host
        cannot scale (the guest then has to run at ``tsc_hz``).

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
        if not isinstance(self.name, str):
            raise InvalidInput(f"name must be a str; got {self.name!r}")
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
        >>> import numpy as np
        >>> Host("A", 3_000_000_000, tsc_at_zero=7).tsc_array(np.array([-1, 333]))
        array([   4, 1006], dtype=uint64)
        """
        import numpy as np

        t = as_i64_array("true_ns", true_ns)
        out = ns_to_ticks_u64_array(t, self.tsc_hz)
        out += np.uint64(self.tsc_at_zero)
        return out


def as_i64_array(name: str, values: object) -> np.ndarray:
    """Return ``values`` as an ``int64`` array, refusing floats and out-of-range values.

    Examples
    --------
    >>> as_i64_array("true_ns", [1, -2])
    array([ 1, -2])
    """
    import numpy as np

    if isinstance(values, np.ndarray) and values.dtype == np.int64:
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        if values.dtype.kind == "u" and values.size and values.max() > I64_MAX:
            raise InvalidInput(f"{name} must hold int64 values; got {int(values.max())}")
        return values.astype(np.int64)
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.dtype != object:
        raise InvalidInput(f"{name} must hold integers (ns); got an array of dtype {arr.dtype}")
    checked = [check_i64(f"{name}[{i}]", v) for i, v in enumerate(arr.flat)]
    return np.array(checked, dtype=np.int64).reshape(arr.shape)
