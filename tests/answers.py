"""Every exercise's expected answer, and the ways it can be written down: for leak tests only.

Instructor-only: this module lives in ``tests/``, outside the packages, so that no artefact that
reaches students (the student edition and bundle, the sites' wheel, the installed package)
carries a list of answers.

Each checker knows its expected answer and the values that would give it away
(:attr:`~tsccourse.exercises.core.Exercise.answer_values`); this module collects them for every
exercise so that tests can search the site and the student edition for them, written in any
of the ways a number is written (``625_000_002``, ``625,000,002``, ``0x2540_be42``, signed or
as a u64). A test (``tests/exercises/test_answers.py``) proves that every expected answer
passes its own checker.

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
from fractions import Fraction
from typing import Any

from tsccourse.exercises import exercises
from tsccourse.exercises.core import REGISTRY, U64_RANGE

__all__ = [
    "CODING",
    "answer_values",
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


def _symbolic_bound() -> Any:
    """09.9's answer, the bound host_hz / 2**F (its checker compares expressions)."""
    import sympy as sp

    return sp.Symbol("host_hz", positive=True) / 2 ** sp.Symbol("F", positive=True, integer=True)


def answer_values(exercise_id: str) -> tuple[Any, ...]:
    """The expected answer of one exercise and the values that give it away (from its checker).

    Empty for coding exercises. Raises ``KeyError`` for an unknown exercise id.
    """
    entry = REGISTRY[exercise_id]
    if entry.id in CODING:
        return ()
    values = tuple(entry.answer_values())
    if not values and entry.id == "09.9":
        return (_symbolic_bound(),)
    return values


def expected_answer(exercise_id: str) -> Any:
    """The expected answer of one exercise (int, Fraction or SymPy expression), None for code.

    Raises
    ------
    KeyError
        For an unknown exercise id.
    """
    values = answer_values(exercise_id)
    return values[0] if values else None


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
        if value >= 1 << 63 and value < U64_RANGE:
            forms |= _int_forms(value - U64_RANGE)
        elif -(1 << 63) <= value < 0:
            forms |= _int_forms(value + U64_RANGE)
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
    >>> find_written("-8,043,333,334 ns", -8043), find_written("1,625,000,002", 625000002)
    ([], [])
    """
    found = []
    for form in sorted(written_forms(value)):
        # Not part of a longer number: no digit, letter or grouped digits on either side.
        pattern = r"(?<![\w.])(?<!\d[,_])" + re.escape(form) + r"(?![\w]|[.,_]\d)"
        if re.search(pattern, text, flags=re.I if "0x" in form else 0):
            found.append(form)
    return found


def find_answers(text: str) -> dict[str, list[str]]:
    """``{exercise id: [forms found]}`` for every exercise whose answer ``text`` shows.

    Examples
    --------
    >>> find_answers("tsc_delta = 625_000_002")
    {'10.1': ['625_000_002']}
    >>> find_answers("nothing here")
    {}
    """
    found = {}
    for entry in exercises():
        forms = [f for value in answer_values(entry.id) for f in find_written(text, value)]
        if forms:
            found[entry.id] = forms
    return found
