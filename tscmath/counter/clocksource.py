"""Ticks to nanoseconds with ``mult`` and ``shift``, as a Linux clocksource (and kvmclock) does.

``ns = (delta * mult) >> shift``, with ``mult`` and ``shift`` from ``clocks_calc_mult_shift()``
(Linux ``kernel/time/clocksource.c``). Chapter 02; exact integer arithmetic.

Examples
--------
>>> mult, shift = calc_mult_shift(3_000_000_000, 600)
>>> mult, shift, cyc_to_ns(3_000_000_000, mult, shift)  # one second of a 3 GHz TSC, in ns
(5592405, 24, 999999940)
"""

from __future__ import annotations

from ..conversions import NS_PER_S
from ..errors import U32_MAX, U64_MAX, InvalidInput, check_int

__all__ = ["calc_mult_shift", "cyc_to_ns", "horizon_ns"]

"""Largest value of a u32 (``mult``, and Linux's ``from``/``maxsec`` arguments)."""


def calc_mult_shift(hz: int, max_seconds: int) -> tuple[int, int]:
    """``(mult, shift)`` for converting ``hz`` ticks to ns, as Linux ``clocks_calc_mult_shift``.

    ``sftacc = 32 - bit_length((max_seconds * hz) >> 32)``; then, for ``shift`` from 32 down
    to 1, ``mult = (NSEC_PER_SEC * 2**shift + hz // 2) // hz`` (rounded to nearest) and the
    first ``shift`` with ``mult < 2**sftacc`` is taken. That guarantees ``mult`` fits 32 bits
    and ``delta * mult < 2**64`` for every ``delta <= max_seconds * hz``.

    ``hz`` in ``1 .. 2**32 - 1`` (Linux passes a u32), ``max_seconds`` in ``0 .. 2**32 - 1``.
    Raises :class:`InvalidInput` when no ``shift >= 1`` gives a ``mult`` that is non-zero and
    small enough (Linux would then silently return a zero ``mult``: wrong).

    Examples
    --------
    >>> calc_mult_shift(1_000_000_000, 600)  # 1 GHz: 1 tick = 2**23 / 2**23 ns
    (8388608, 23)
    >>> calc_mult_shift(1_000_000_000, 0)  # no range asked: shift 32 would need mult = 2**32
    (2147483648, 31)
    >>> calc_mult_shift(2_994_374_000, 600)
    (5602913, 24)
    """
    hz = check_int("hz", hz, 1, U32_MAX)
    max_seconds = check_int("max_seconds", max_seconds, 0, U32_MAX)
    sftacc = 32 - ((max_seconds * hz) >> 32).bit_length()
    for shift in range(32, 0, -1):
        mult = ((NS_PER_S << shift) + hz // 2) // hz
        if mult >> sftacc == 0:
            break
    if mult == 0 or mult >> sftacc:
        raise InvalidInput(
            f"hz = {hz} with max_seconds = {max_seconds}: no shift in [1, 32] gives a mult in "
            f"[1, 2**{sftacc} - 1]; use a smaller max_seconds"
        )
    return mult, shift


def cyc_to_ns(delta: int, mult: int, shift: int) -> int:
    """``(delta * mult) >> shift``, exact, refusing a product that would overflow 64 bits.

    ``delta`` in ``[0, 2**64)``, ``mult`` in ``1 .. 2**64 - 1``, ``shift`` in ``0 .. 63``.

    Examples
    --------
    >>> cyc_to_ns(1_000, 5592405, 24)  # 1000 ticks at 3 GHz: 333.3 ns, floored
    333
    >>> cyc_to_ns(2**40 - 1, 2**24, 24)
    1099511627775
    >>> cyc_to_ns(2**40, 2**24, 24)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: delta must be an integer in [0, 1099511627775] ...
    """
    delta = check_int("delta", delta)
    mult = check_int("mult", mult, 1, U64_MAX)
    shift = check_int("shift", shift, 0, 63)
    limit = max_delta_cycles(mult)
    if delta > limit:
        raise InvalidInput(
            f"delta must be an integer in [0, {limit}] so that delta * mult fits 64 bits "
            f"(mult = {mult}); got {delta}"
        )
    return (delta * mult) >> shift


def max_delta_cycles(mult: int) -> int:
    """The largest ``delta`` with ``delta * mult <= 2**64 - 1`` (the overflow horizon, in ticks).

    Examples
    --------
    >>> max_delta_cycles(2**32)
    4294967295
    """
    mult = check_int("mult", mult, 1, U64_MAX)
    return U64_MAX // mult


def horizon_ns(mult: int, hz: int) -> int:
    """How long (ns, floored) a counter at ``hz`` runs before ``delta * mult`` overflows.

    Examples
    --------
    >>> mult, shift = calc_mult_shift(3_000_000_000, 600)
    >>> horizon_ns(mult, 3_000_000_000) // 10**9  # seconds: far more than the 600 asked
    1099
    """
    hz = check_int("hz", hz, 1, None)
    return max_delta_cycles(mult) * NS_PER_S // hz
