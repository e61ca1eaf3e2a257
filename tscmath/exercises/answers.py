"""Every exercise's expected answer, and the ways it can be written down: for leak tests.

The checkers compute their expected values inside their functions; this module collects them
in one place so that tests can search the site and the student edition for them. Each value is
taken from the same :mod:`tscmath` computation as its checker, and a test
(``tests/exercises/test_answers.py``) proves that every value listed here passes its checker,
so the table cannot drift from the checkers.

Coding exercises (09.6-09.8, 10.3) have no single value: their answer is a function.

Examples
--------
>>> expected_answer("10.1")
625000002
>>> "625_000_002" in written_forms(625000002)
True
>>> is_coding("09.6")
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from . import exercises
from .core import REGISTRY

__all__ = [
    "CODING",
    "expected_answer",
    "expected_answers",
    "is_coding",
    "written_forms",
    "find_written",
    "SEARCHABLE_DIGITS",
]

CODING = frozenset({"09.6", "09.7", "09.8", "10.3"})
"""Exercises whose answer is a function, checked on hidden cases."""

SEARCHABLE_DIGITS = 4
"""Integers with fewer digits (e.g. 84 ms) are too common to search for in text."""


def is_coding(exercise_id: str) -> bool:
    """True when the exercise's answer is a function."""
    return exercise_id in CODING


def _closure_value(func: Callable, name: str) -> Any:
    """The value a closure captured under ``name`` (numeric_exercise's ``expected``)."""
    names = func.__code__.co_freevars
    if name not in names or func.__closure__ is None:
        raise LookupError(f"{func.__qualname__} has no closure variable {name!r}")
    return func.__closure__[names.index(name)].cell_contents


def _set09() -> dict[str, Callable[[], Any]]:
    import tscmath as tm

    from . import set09_counting_and_scaling as s

    def bound() -> Any:
        host_hz, frac = s._symbols()
        return host_hz / 2**frac

    return {
        "09.1": lambda: tm.ticks_to_ns(s.NS_TICKS, s.NS_HZ),
        "09.2": lambda: tm.multiplier(s.MB_GUEST_HZ, s.MB_HOST_HZ, s.MB_FMT),
        "09.3": lambda: tm.drift_ticks_per_second(s.MB_GUEST_HZ, s.MB_HOST_HZ, s.MB_FMT),
        "09.4": lambda: tm.offset_for(
            s.BO_HOST_TSC, 0, tm.multiplier(s.BO_GUEST_HZ, s.BO_HOST_HZ, s.BO_FMT), s.BO_FMT
        ),
        "09.5": lambda: s.drift_days_exact(s.DD_GUEST_HZ, s.DD_HOST_HZ, s.DD_FMT),
        "09.9": bound,
    }


def _set10() -> dict[str, Callable[[], Any]]:
    import tscmath as tm

    from . import set10_migration as s

    return {
        "10.1": s.expected_tsc_delta,
        "10.2": s.expected_offset,
        "10.4": lambda: s.first_backwards_skew(clamp=False),
        "10.5": lambda: tm.scale(s.HV_GUEST_HZ, s.hyperv_scale(s.HV_GUEST_HZ), tm.HYPERV_REFERENCE),
        "10.6": s.pingpong_ticks_behind,
    }


def expected_answer(exercise_id: str) -> Any:
    """The expected answer of one exercise (int, Fraction or SymPy expression), or None for code.

    Raises
    ------
    KeyError
        For an unknown exercise id.
    """
    entry = REGISTRY[exercise_id]
    if entry.id in CODING:
        return None
    table = {**_set09(), **_set10()}
    if entry.id in table:
        return table[entry.id]()
    expected = getattr(entry.func, "expected", None) or _closure_value(entry.func, "expected")
    return expected()


def expected_answers() -> dict[str, Any]:
    """``{exercise id: expected answer}`` for every registered exercise (None for code)."""
    return {e.id: expected_answer(e.id) for e in exercises()}


def _grouped(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head], *re.findall(r"\d{3}", digits[head:])])


def written_forms(value: Any) -> set[str]:
    """How ``value`` may be written in a notebook or on a page (decimal, grouped, hex, rounded).

    Integers with fewer than :data:`SEARCHABLE_DIGITS` digits give no form (too common). A
    value that is a u64 register (an offset) is also searched as the signed number it stands
    for, and the other way round. Non-integers give their decimal expansion to 4 and 6
    significant digits.

    Examples
    --------
    >>> sorted(written_forms(-70000000000))[:5]
    ['-0x104c533c00', '-0x10_4c53_3c00', '-70,000,000,000', '-70000000000', '-70_000_000_000']
    >>> written_forms(84)
    set()
    """
    if value is None:
        return set()
    if isinstance(value, int) and not isinstance(value, bool):
        forms = _int_forms(value)
        if value >= 1 << 63 and value < 1 << 64:
            forms |= _int_forms(value - (1 << 64))
        elif -(1 << 63) <= value < 0:
            forms |= _int_forms(value + (1 << 64))
        return forms
    if isinstance(value, (Fraction, float)):
        if Fraction(value).denominator == 1:
            return written_forms(int(value))
        number = float(value)
        return {f"{number:.4g}", f"{number:.6g}"}
    text = str(value)
    return {text} if len(text) >= SEARCHABLE_DIGITS else set()


def _int_forms(value: int) -> set[str]:
    digits = str(abs(value))
    if len(digits) < SEARCHABLE_DIGITS:
        return set()
    sign = "-" if value < 0 else ""
    forms = {sign + digits, sign + _grouped(digits, ","), sign + _grouped(digits, "_")}
    hex_digits = f"{abs(value):x}"
    head = len(hex_digits) % 4 or 4
    quads = [hex_digits[:head], *re.findall(r"[0-9a-f]{4}", hex_digits[head:])]
    forms |= {f"{sign}0x{hex_digits}", f"{sign}0x{'_'.join(quads)}"}
    return forms


def find_written(text: str, value: Any) -> list[str]:
    """The forms of ``value`` that occur in ``text`` as whole numbers (not inside longer ones).

    Examples
    --------
    >>> find_written("blackout_ticks = 625_000_002  # from 10.1", 625000002)
    ['625_000_002']
    >>> find_written("x = 16250000020", 625000002)
    []
    """
    found = []
    for form in sorted(written_forms(value)):
        pattern = r"(?<![\w.])" + re.escape(form) + r"(?![\w]|\.\d)"
        if re.search(pattern, text, flags=re.I if "0x" in form else 0):
            found.append(form)
    return found
