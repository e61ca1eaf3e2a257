"""Errors raised by :mod:`tscmath`, and the checks that raise them.

Every error is a :class:`ValueError` (so ``except ValueError`` catches all bad input) and
its message names the parameter, shows the value it got and the range that is valid.

Examples
--------
>>> from tscmath.errors import check_u64
>>> try:
...     check_u64("tsc", -5)
... except InvalidInput as err:
...     print(err)
tsc must be an integer in [0, 2**64 - 1] = [0, 18446744073709551615]; got -5
"""

from __future__ import annotations

from numbers import Integral

U64_MAX = (1 << 64) - 1
"""Largest value a 64-bit TSC, offset or multiplier register can hold."""

__all__ = [
    "TscMathError",
    "InvalidInput",
    "RatioOutOfRange",
    "ScaleOverflow",
    "U64_MAX",
    "check_int",
    "check_u64",
    "check_hz",
    "check_nonnegative",
]


class TscMathError(ValueError):
    """Base class of every error :mod:`tscmath` raises on bad input (a ``ValueError``)."""


class InvalidInput(TscMathError):
    """A parameter has the wrong type or lies outside its valid range."""


class RatioOutOfRange(TscMathError):
    """A guest/host frequency ratio gives a multiplier the fixed-point format cannot hold."""


class ScaleOverflow(TscMathError):
    """``floor(tsc * M / 2**F)`` does not fit in 64 bits (and ``wrap=False`` was asked)."""


def _describe_range(lo: int, hi: int | None) -> str:
    if hi is None:
        return f">= {lo}"
    if hi == U64_MAX and lo == 0:
        return f"[0, 2**64 - 1] = [0, {U64_MAX}]"
    return f"[{lo}, {hi}]"


def check_int(name: str, value: object, lo: int = 0, hi: int | None = None) -> int:
    """Return ``value`` as a Python ``int`` if it is an integer in ``[lo, hi]``.

    Accepts Python ints and numpy integer scalars; refuses ``bool``, floats (even
    ``3.0``), strings and everything else with an :class:`InvalidInput` naming ``name``.

    Examples
    --------
    >>> check_int("ticks", 5)
    5
    >>> check_int("ticks", -1)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: ticks must be an integer >= 0; got -1
    """
    what = f"{name} must be an integer {'in ' if hi is not None else ''}{_describe_range(lo, hi)}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidInput(f"{what}; got {value!r} of type {type(value).__name__}")
    as_int = int(value)
    if as_int < lo or (hi is not None and as_int > hi):
        raise InvalidInput(f"{what}; got {as_int}")
    return as_int


def check_u64(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is a valid 64-bit unsigned value (TSC, offset)."""
    return check_int(name, value, 0, U64_MAX)


def check_hz(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is a positive whole number of hertz."""
    return check_int(name, value, 1, None)


def check_nonnegative(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is a non-negative integer (ticks, ns)."""
    return check_int(name, value, 0, None)
