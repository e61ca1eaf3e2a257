"""The errors :mod:`tscmath` raises on bad input, the checks that raise them, the u64/i64 bounds.

Every error is a :class:`ValueError` whose message names the parameter, the value it got and
the valid range. A value is checked once, where it enters a public function or a record; the
code behind trusts it.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

# The one home of the register bounds: u32, u64 (a TSC, an offset), s64 (an hrtime, Linux's s64).
U32_MAX, U64_MAX = (1 << 32) - 1, (1 << 64) - 1
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1

__all__ = ["TscMathError", "InvalidInput", "RatioOutOfRange", "ScaleOverflow"]


class TscMathError(ValueError):
    """Base class of every error :mod:`tscmath` raises on bad input (a ``ValueError``)."""


class InvalidInput(TscMathError):
    """A parameter has the wrong type or lies outside its valid range."""


class RatioOutOfRange(TscMathError):
    """A guest/host frequency ratio gives a multiplier the fixed-point format cannot hold."""


class ScaleOverflow(TscMathError):
    """``floor(tsc * M / 2**F)`` does not fit in 64 bits (and ``wrap=False`` was asked)."""


def _got(value: object) -> str:
    return f"got {value!r} of type {type(value).__name__}"


def _is(value: object, *type_names: str) -> bool:
    return type(value).__name__ in type_names  # numpy's scalar types, without importing numpy


def check_int(name: str, value: object, lo: int | None = 0, hi: int | None = None) -> int:
    """``value`` as a Python ``int`` if it is an integer (numpy ones too, not bool) in range."""
    if None in (lo, hi):
        what = "" if lo is hi else f" >= {lo}" if hi is None else f" <= {hi}"
    else:  # the u64 range also as powers of two
        what = f" in [{'0, 2**64 - 1] = [' * ((lo, hi) == (0, U64_MAX))}{lo}, {hi}]"
    what = f"{name} must be an integer{what}"
    # a bool is not a number here; numpy's timedelta64 is an Integral with a unit: ambiguous
    if isinstance(value, bool) or not isinstance(value, Integral) or _is(value, "timedelta64"):
        raise InvalidInput(f"{what}; {_got(value)}")
    number = int(value)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise InvalidInput(f"{what}; got {number}")
    return number


def check_u64(name: str, value: object) -> int:
    """``value`` as an ``int`` if it fits an unsigned 64-bit register (a TSC, an offset)."""
    return check_int(name, value, 0, U64_MAX)


def check_i64(name: str, value: object) -> int:
    """``value`` as an ``int`` if it fits a signed 64-bit integer (an hrtime)."""
    return check_int(name, value, I64_MIN, I64_MAX)


def check_hz(name: str, value: object) -> int:
    """``value`` as an ``int`` if it is a positive whole number of hertz."""
    return check_int(name, value, 1, None)


def check_count(name: str, value: object, lo: int, hi: int, limit: str) -> int:
    """A count in ``[lo, hi]`` (trials, samples, seconds); the message names the ``limit``."""
    try:
        return check_int(name, value, lo, hi)
    except InvalidInput as exc:
        raise InvalidInput(
            f"{name} must be an integer in [{lo}, {hi}] (the limit is {limit}, so that one call "
            f"finishes in seconds); got {str(exc).rpartition('; got ')[2]}"
        ) from None


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is ``True``/``False`` (or a numpy bool); the string ``"False"`` is not."""
    if isinstance(value, bool) or _is(value, "bool", "bool_"):
        return bool(value)
    raise InvalidInput(f"{name} must be True or False; {_got(value)}")


def check_str(name: str, value: object, max_len: int | None = None) -> str:
    """``value`` as a plain ``str`` (of at most ``max_len`` characters)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a str; {_got(value)}")
    if max_len is not None and len(value) > max_len:
        raise InvalidInput(f"{name} must be a str of at most {max_len} characters; got more")
    return str(value)


def check_member(name: str, value: object, enum_cls: type[Enum]) -> Any:
    """``value`` as a member of ``enum_cls``: a member, or a member's value (the one way in).

    >>> from tscmath.migration.strategies import Strategy
    >>> check_member("strategy", "naive", Strategy), check_int("ticks", 5)
    (<Strategy.NAIVE: 'naive'>, 5)
    >>> check_int("ticks", -1)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: ticks must be an integer >= 0; got -1
    """
    if isinstance(value, enum_cls):
        return value
    for member in enum_cls:
        if isinstance(value, str) and member.value == value:
            return member
    choices = ", ".join(repr(m.value) for m in enum_cls)
    raise InvalidInput(f"{name} must be a {enum_cls.__name__} or one of {choices}; got {value!r}")


def check_instance(name: str, value: object, cls: type | tuple, what: str | None = None) -> object:
    """``value`` if it is an instance of ``cls``; else an error saying ``name`` must be ``what``."""
    if not isinstance(value, cls):
        raise InvalidInput(f"{name} must be {what or 'a ' + cls.__name__}; {_got(value)}")  # type: ignore[union-attr]
    return value


def check_fraction(name: str, value: object, lo: int | None = 0) -> Fraction:
    """An int or Fraction (never a float: not exact) above ``lo`` (``None``: any), as a Fraction."""
    what = f"{name} must be an integer or Fraction in {'(-inf' if lo is None else f'({lo}'}, inf)"
    if isinstance(value, bool) or not isinstance(value, Rational):
        raise InvalidInput(f"{what}; {_got(value)}")
    exact = Fraction(int(value)) if isinstance(value, Integral) else Fraction(value)
    if lo is not None and exact <= lo:
        raise InvalidInput(f"{what}; got {exact}")
    return exact


def check_sequence(name: str, values: object, max_len: int | None = None) -> list:
    """``values`` as a list if ordered (list, tuple, range, 1-d array; not str, set or dict)."""
    is_array = _is(values, "ndarray") and getattr(values, "ndim", 0) == 1
    if not (isinstance(values, (list, tuple, range)) or is_array):
        raise InvalidInput(f"{name} must be a list, tuple or 1-d array; {_got(values)}")
    if max_len is not None and len(values) > max_len:  # type: ignore[arg-type]
        raise InvalidInput(f"{name} must hold at most {max_len} items; got {len(values)}")  # type: ignore[arg-type]
    return values.tolist() if is_array else list(values)  # type: ignore[union-attr,call-overload]
