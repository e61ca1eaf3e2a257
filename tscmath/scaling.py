"""TSC scaling: the multiplier, the scaled value, and the frequency the guest really sees.

The hardware computes ``scale(tsc, M) = floor(tsc * M / 2**F)`` from the full 128-bit
product and keeps bits ``F .. F+63``. Everything here is exact integer arithmetic.

Examples
--------
>>> from tscmath import AMD_SVM, multiplier, scale
>>> m = multiplier(2_000_000_000, 3_000_000_000, AMD_SVM)
>>> hex(m)
'0xaaaaaaaa'
>>> scale(3_000_000_000, m, AMD_SVM)
1999999999
"""

from __future__ import annotations

from fractions import Fraction

from .errors import (
    U64_MAX,
    InvalidInput,
    RatioOutOfRange,
    ScaleOverflow,
    check_bool,
    check_hz,
    check_int,
    check_u64,
)
from .formats import FixedPointFormat

__all__ = [
    "multiplier",
    "scale",
    "max_unscaled_tsc",
    "effective_hz",
    "drift_ticks_per_second",
]


def check_format(fmt: object) -> FixedPointFormat:
    """``fmt`` if it is a :class:`FixedPointFormat`, else an ``InvalidInput`` (not public)."""
    if not isinstance(fmt, FixedPointFormat):
        raise InvalidInput(
            f"fmt must be a FixedPointFormat such as AMD_SVM or INTEL_VMX; got {fmt!r}"
        )
    return fmt


def check_multiplier(mult: object, fmt: FixedPointFormat) -> int:
    """``mult`` as an ``int`` if the (checked) ``fmt`` can hold it, 1 .. max (not public)."""
    return check_int(f"mult ({fmt.name})", mult, 1, fmt.max_multiplier)


def multiplier(guest_hz: int, host_hz: int, fmt: FixedPointFormat) -> int:
    """The fixed-point multiplier ``M = floor(2**F * guest_hz / host_hz)``.

    ``guest_hz`` and ``host_hz`` are positive (Hz). The multiplier is truncated, as bhyve, KVM
    and Oxide's tsc-simulator compute it; :class:`RatioOutOfRange` if it is 0 (a ratio below
    ``2**-F``) or above ``fmt.max_multiplier``.

    Examples
    --------
    >>> from tscmath import AMD_SVM, INTEL_VMX
    >>> hex(multiplier(3000, 2000, AMD_SVM))
    '0x180000000'
    >>> hex(multiplier(2000, 3000, INTEL_VMX))
    '0xaaaaaaaaaaaa'
    """
    guest_hz, host_hz = check_hz("guest_hz", guest_hz), check_hz("host_hz", host_hz)
    fmt = check_format(fmt)
    mult = (guest_hz << fmt.frac_bits) // host_hz
    if mult < 1 or mult > fmt.max_multiplier:
        largest = Fraction(fmt.max_multiplier, fmt.one)
        raise RatioOutOfRange(
            f"guest_hz/host_hz = {guest_hz}/{host_hz} (about {guest_hz / host_hz:.6g}) gives "
            f"multiplier {mult:#x}, which {fmt.name} cannot hold: valid multipliers are "
            f"1 .. {fmt.max_multiplier:#x}, i.e. ratios in [2**-{fmt.frac_bits}, "
            f"{float(largest):.10g}]"
        )
    return mult


def scale(tsc: int, mult: int, fmt: FixedPointFormat, *, wrap: bool = False) -> int:
    """Scale a TSC value: ``floor(tsc * mult / 2**F)``, exact.

    ``tsc`` in ``[0, 2**64)``, ``mult`` in ``1 .. fmt.max_multiplier``. With ``wrap=True`` only
    the low 64 bits of a result that does not fit are kept, as the hardware does; by default
    such a result raises :class:`ScaleOverflow`.

    Examples
    --------
    >>> from tscmath import AMD_SVM, INTEL_VMX
    >>> scale(5_890_513_020, 1 << 31, AMD_SVM)
    2945256510
    >>> scale(2**64 - 1, (1 << 32) | (1 << 31), AMD_SVM, wrap=True) == (2**64 - 1) * 3 // 2 % 2**64
    True
    """
    tsc, fmt = check_u64("tsc", tsc), check_format(fmt)
    mult, wrap = check_multiplier(mult, fmt), check_bool("wrap", wrap)
    result = (tsc * mult) >> fmt.frac_bits
    if result > U64_MAX:
        if wrap:
            return result & U64_MAX
        raise ScaleOverflow(
            f"scale(tsc={tsc}, mult={mult:#x}) in {fmt.name} = {result} does not fit in 64 bits "
            f"(largest tsc that does: {max_unscaled_tsc(mult, fmt)}); pass wrap=True to drop the "
            "high bits as the hardware does"
        )
    return result


def wrapped_scale(tsc: int, mult: int, fmt: FixedPointFormat) -> int:
    """``scale(..., wrap=True)`` for values already checked: the low 64 bits (not public)."""
    return ((tsc * mult) >> fmt.frac_bits) & U64_MAX


def max_unscaled_tsc(mult: int, fmt: FixedPointFormat) -> int:
    """The largest TSC whose scaled value still fits in 64 bits, capped at ``2**64 - 1``.

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> max_unscaled_tsc(1 << 33, AMD_SVM) == 2**63 - 1
    True
    """
    fmt = check_format(fmt)
    mult = check_multiplier(mult, fmt)
    # floor(tsc * mult / 2**F) <= 2**64 - 1  <=>  tsc * mult < 2**(64 + F)
    return min(U64_MAX, (((U64_MAX + 1) << fmt.frac_bits) - 1) // mult)


def effective_hz(mult: int, host_hz: int, fmt: FixedPointFormat) -> Fraction:
    """The frequency the guest really sees, ``host_hz * mult / 2**F``, as an exact Fraction.

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> effective_hz(1 << 31, 3_000_000_000, AMD_SVM)
    Fraction(1500000000, 1)
    """
    fmt = check_format(fmt)
    mult, host_hz = check_multiplier(mult, fmt), check_hz("host_hz", host_hz)
    return Fraction(host_hz * mult, fmt.one)


def drift_ticks_per_second(guest_hz: int, host_hz: int, fmt: FixedPointFormat) -> Fraction:
    """How many ticks per second a scaled guest runs slower than asked (exact, ``>= 0``).

    Truncating the multiplier can only make the guest slow, by less than ``host_hz / 2**F``.

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> d = drift_ticks_per_second(2_994_374_000, 3_000_000_000, AMD_SVM)
    >>> round(float(d), 3)
    0.464
    """
    mult = multiplier(guest_hz, host_hz, fmt)  # checks all three
    return int(guest_hz) - Fraction(int(host_hz) * mult, fmt.one)
