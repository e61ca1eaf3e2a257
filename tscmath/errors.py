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

import dataclasses
import enum
import re
import types
import typing
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

U64_MAX = (1 << 64) - 1
"""Largest value a 64-bit TSC, offset or multiplier register can hold."""

I64_MIN = -(1 << 63)
"""Smallest signed 64-bit value (an hrtime, a signed offset)."""

I64_MAX = (1 << 63) - 1
"""Largest signed 64-bit value."""

__all__ = [
    "TscMathError",
    "InvalidInput",
    "RatioOutOfRange",
    "ScaleOverflow",
    "U64_MAX",
    "I64_MIN",
    "I64_MAX",
    "check_int",
    "check_u64",
    "check_i64",
    "check_hz",
    "check_nonnegative",
    "check_member",
    "check_count",
    "check_bool",
    "check_str",
    "check_instance",
    "check_fraction",
    "check_sequence",
    "check_fields",
    "CheckedEnumType",
]


class TscMathError(ValueError):
    """Base class of every error :mod:`tscmath` raises on bad input (a ``ValueError``)."""


class InvalidInput(TscMathError):
    """A parameter has the wrong type or lies outside its valid range."""


class RatioOutOfRange(TscMathError):
    """A guest/host frequency ratio gives a multiplier the fixed-point format cannot hold."""


class ScaleOverflow(TscMathError):
    """``floor(tsc * M / 2**F)`` does not fit in 64 bits (and ``wrap=False`` was asked)."""


def _describe_range(lo: int | None, hi: int | None) -> str:
    if lo is None:
        return "" if hi is None else f"<= {hi}"
    if hi is None:
        return f">= {lo}"
    if hi == U64_MAX and lo == 0:
        return f"[0, 2**64 - 1] = [0, {U64_MAX}]"
    return f"[{lo}, {hi}]"


def check_int(name: str, value: object, lo: int | None = 0, hi: int | None = None) -> int:
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
    bounds = _describe_range(lo, hi)
    what = f"{name} must be an integer {'in ' if lo is not None and hi is not None else ''}{bounds}"
    what = what.rstrip()
    if (
        isinstance(value, bool)
        or not isinstance(value, Integral)
        or type(value).__name__ == "timedelta64"  # a numpy Integral with a unit: ambiguous
    ):
        raise InvalidInput(f"{what}; got {value!r} of type {type(value).__name__}")
    as_int = int(value)
    if (lo is not None and as_int < lo) or (hi is not None and as_int > hi):
        raise InvalidInput(f"{what}; got {as_int}")
    return as_int


def check_u64(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is a valid 64-bit unsigned value (TSC, offset)."""
    return check_int(name, value, 0, U64_MAX)


def check_i64(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it fits a signed 64-bit integer (an hrtime)."""
    return check_int(name, value, I64_MIN, I64_MAX)


def check_hz(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is a positive whole number of hertz."""
    return check_int(name, value, 1, None)


def check_nonnegative(name: str, value: object) -> int:
    """Return ``value`` as an ``int`` if it is a non-negative integer (ticks, ns)."""
    return check_int(name, value, 0, None)


def check_count(name: str, value: object, lo: int, hi: int, limit: str) -> int:
    """Return ``value`` as an ``int`` if it is a count in ``[lo, hi]``; the message names ``limit``.

    Counts (trials, samples, seconds simulated, digits) have an upper bound so that a careless
    call ends in seconds, not hours: the error says which constant sets it.

    Examples
    --------
    >>> check_count("trials", 3_000_000, 1, 100_000, "MAX_TRIALS")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: trials must be an integer in [1, 100000] (the ...; got 3000000
    """
    try:
        return check_int(name, value, lo, hi)
    except InvalidInput as exc:
        got = str(exc).rpartition("; got ")[2]
        raise InvalidInput(
            f"{name} must be an integer in [{lo}, {hi}] (the limit is {limit}, so that one call "
            f"finishes in seconds); got {got}"
        ) from None


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` as a ``bool`` if it is one (``True``/``False`` or a numpy bool).

    A string such as ``"False"`` is truthy in Python; it is refused here rather than read as
    true.

    Examples
    --------
    >>> check_bool("wrap", "False")
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: wrap must be True or False; got 'False' of type str
    """
    kind = type(value)
    if isinstance(value, bool) or (
        kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")
    ):
        return bool(value)
    raise InvalidInput(f"{name} must be True or False; got {value!r} of type {kind.__name__}")


def check_str(name: str, value: object, max_len: int | None = None) -> str:
    """Return ``value`` if it is a ``str`` (of at most ``max_len`` characters)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a str; got {value!r} of type {type(value).__name__}")
    if max_len is not None and len(value) > max_len:
        raise InvalidInput(
            f"{name} must be a str of at most {max_len} characters; got {len(value)} characters"
        )
    return str(value)  # a numpy str_ becomes a plain str


def check_member(name: str, value: object, enum_cls: type) -> Any:
    """Return ``value`` as a member of the Enum ``enum_cls`` (a member or its value), else raise.

    Examples
    --------
    >>> from enum import Enum
    >>> Leg = Enum("Leg", {"A": "a", "B": "b"})
    >>> check_member("leg", "b", Leg)
    <Leg.B: 'b'>
    >>> check_member("leg", "c", Leg)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: leg must be a Leg or one of 'a', 'b'; got 'c'
    """
    if not (isinstance(enum_cls, type) and issubclass(enum_cls, enum.Enum)):
        raise InvalidInput(f"enum_cls must be an Enum class; got {enum_cls!r}")
    try:
        return enum_cls(value)
    except (ValueError, TypeError):
        choices = ", ".join(repr(m.value) for m in enum_cls)
        raise InvalidInput(
            f"{name} must be a {enum_cls.__name__} or one of {choices}; got {value!r}"
        ) from None


def check_instance(name: str, value: object, cls: type, what: str | None = None) -> object:
    """Return ``value`` if it is an instance of ``cls``, else raise naming ``name``.

    Examples
    --------
    >>> check_instance("fmt", None, int, "an int such as 5")
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: fmt must be an int such as 5; got None of type NoneType
    """
    if not isinstance(value, cls):
        wanted = what or f"a {cls.__name__}"
        raise InvalidInput(f"{name} must be {wanted}; got {value!r} of type {type(value).__name__}")
    return value


def check_fraction(
    name: str, value: object, lo: int | None = 0, hi: int | None = None, *, lo_open: bool = True
) -> Fraction:
    """Return ``value`` as an exact :class:`~fractions.Fraction` if it is a rational in range.

    Accepts ints, numpy integers and Fractions; refuses floats (pass ``Fraction(3, 2)``, not
    ``1.5``: a float is not exact), bools, strings and everything else. By default the valid
    range is ``(lo, hi]`` with ``lo = 0`` excluded (a positive rate); ``lo=None`` means no
    lower bound.

    Examples
    --------
    >>> check_fraction("ref_hz", Fraction(3, 2))
    Fraction(3, 2)
    >>> check_fraction("ref_hz", "abc")
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: ref_hz must be an integer or Fraction in (0, inf); got 'abc' of \
type str
    """
    left = "(-inf" if lo is None else f"{'(' if lo_open else '['}{lo}"
    right = "inf)" if hi is None else f"{hi}]"
    what = f"{name} must be an integer or Fraction in {left}, {right}"
    if isinstance(value, bool) or not isinstance(value, (Integral, Rational)):
        raise InvalidInput(f"{what}; got {value!r} of type {type(value).__name__}")
    as_fraction = Fraction(int(value)) if isinstance(value, Integral) else Fraction(value)
    too_low = lo is not None and (as_fraction < lo or (lo_open and as_fraction == lo))
    if too_low or (hi is not None and as_fraction > hi):
        raise InvalidInput(f"{what}; got {as_fraction}")
    return as_fraction


def check_sequence(name: str, values: object, max_len: int | None = None) -> list:
    """Return ``values`` as a list if it is an ordered collection (list, tuple, range, 1-d array).

    Strings, bytes, mappings, sets and scalars are refused (iterating a string gives its
    characters, a set has no order).

    Examples
    --------
    >>> check_sequence("host_hzs", (1, 2))
    [1, 2]
    >>> check_sequence("host_hzs", "3e9")
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: host_hzs must be a list, tuple or 1-d array; got '3e9' of type str
    """
    is_array = type(values).__name__ == "ndarray" and getattr(values, "ndim", 0) == 1
    if not (isinstance(values, (list, tuple, range)) or is_array):
        raise InvalidInput(
            f"{name} must be a list, tuple or 1-d array; got {values!r} of type "
            f"{type(values).__name__}"
        )
    if max_len is not None and len(values) > max_len:
        raise InvalidInput(f"{name} must hold at most {max_len} items; got {len(values)}")
    return values.tolist() if is_array else list(values)  # array items as Python scalars


_HINTS: dict[type, dict[str, Any]] = {}


def _hints_of(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        try:
            _HINTS[cls] = typing.get_type_hints(cls)
        except NameError:  # an annotation names numpy only under TYPE_CHECKING
            import numpy

            _HINTS[cls] = typing.get_type_hints(cls, localns={"np": numpy})
    return _HINTS[cls]


def _checked(name: str, value: object, hint: Any) -> object:
    """``value`` checked against a simple annotation (and converted: numpy ints to ints)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _checked(name, value, option)
            except InvalidInput as exc:
                errors.append(str(exc))
        raise InvalidInput(" or ".join(errors) if errors else f"{name} must be None; got {value!r}")
    if hint is bool:
        return check_bool(name, value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (Integral, float)):
            kind = type(value).__name__
            raise InvalidInput(f"{name} must be a number; got {value!r} of type {kind}")
        return float(value)
    if hint is int:
        return check_int(name, value, lo=None, hi=None)
    if hint is str:
        return check_str(name, value)
    if hint is Fraction:
        return check_fraction(name, value, lo=None)
    if origin is tuple:
        check_instance(name, value, (tuple, list), "a tuple")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_checked(f"{name}[{i}]", v, args[0]) for i, v in enumerate(value))
        if len(value) != len(args):
            raise InvalidInput(f"{name} must be a tuple of {len(args)} items; got {value!r}")
        pairs = enumerate(zip(value, args, strict=True))
        return tuple(_checked(f"{name}[{i}]", v, h) for i, (v, h) in pairs)
    if origin is not None and isinstance(origin, type):
        return check_instance(name, value, origin, f"a {origin.__name__}")
    if isinstance(hint, type):
        return check_instance(name, value, hint, f"a {hint.__name__}")
    return value


def check_fields(record: object) -> None:
    """Check every field of a frozen dataclass against its annotation, storing plain values.

    For result records (what a simulation returns): ints must be integers (numpy ints are
    stored as Python ints), bools bools, strings strings, Fractions rationals, tuples tuples
    of such, and objects of the annotated class. Ranges are each record's own business.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Run:
    ...     total: int
    ...     def __post_init__(self):
    ...         check_fields(self)
    >>> Run("5")
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: total must be an integer; got '5' of type str
    """
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise InvalidInput(f"record must be a dataclass instance; got {record!r}")
    hints = _hints_of(type(record))
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        value = _checked(field.name, getattr(record, field.name), hints[field.name])
        object.__setattr__(record, field.name, value)


class CheckedEnumType(enum.EnumMeta):
    """Metaclass of the package's str-valued Enums: a lookup by anything but a member or one of
    the values raises :class:`InvalidInput` naming the parameter (the Enum's name in
    snake_case) and the choices. The standard lookup would raise a bare ``ValueError``, or
    whatever comparing a member with, say, a numpy array raises.

    Examples
    --------
    >>> class Colour(enum.Enum, metaclass=CheckedEnumType):
    ...     RED = "red"
    >>> Colour("red") is Colour.RED
    True
    >>> Colour(None)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: colour must be a Colour or one of 'red'; got None
    """

    def __call__(cls, value, *args, **kwargs):  # type: ignore[override]
        if args or kwargs:  # the functional API, Enum("Name", "A B")
            return super().__call__(value, *args, **kwargs)
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            for member in cls:  # type: ignore[var-annotated]
                if member.value == value:
                    return member
        choices = ", ".join(repr(m.value) for m in cls)  # type: ignore[var-annotated]
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        raise InvalidInput(f"{name} must be a {cls.__name__} or one of {choices}; got {value!r}")
