"""The machinery behind every exercise checker: results, answer reading, the registry.

A checker takes the student's answer and returns a :class:`Result` with ``.passed`` and
``.message``. It never raises: garbage, ``None`` and the stub ``...`` become a clear message.
A notebook shows the result as a coloured box (HTML) and as one line of text elsewhere.

Examples
--------
>>> from tscmath.exercises.core import read_int
>>> read_int("0xCCCC_CCCC", "the multiplier", allow_hex=True)
3435973836
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real
from typing import Any

__all__ = [
    "Result",
    "Refused",
    "Exercise",
    "REGISTRY",
    "register",
    "run_checker",
    "read_int",
    "read_number",
    "close",
    "same_int",
    "half_up",
    "numeric_exercise",
    "SOLUTION_TAG",
]

SOLUTION_TAG = "solution"
"""The cell tag of an exercise's answer cell in the instructor notebooks: the student edition
replaces these cells with stubs, the grader restores the check cells around them, and the site
folds them (the same cells also carry ``hide-cell``)."""

NOT_ANSWERED = (
    "Not answered yet: replace `...` in the answer cell with your answer, run that cell, "
    "then run this one again."
)


@dataclass(frozen=True)
class Result:
    """What a checker says about one answer.

    Attributes
    ----------
    exercise : str
        The exercise id, e.g. ``"09.2"``.
    passed : bool
        True when the answer is right.
    message : str
        What is right, or why the answer is wrong.
    answered : bool
        False when the answer cell still holds the stub (``...``).
    """

    exercise: str
    passed: bool
    message: str
    answered: bool = True

    @property
    def status(self) -> str:
        """``"correct"``, ``"wrong"`` or ``"not answered"``."""
        if not self.answered:
            return "not answered"
        return "correct" if self.passed else "wrong"

    def __str__(self) -> str:
        label = {"correct": "Correct", "wrong": "Not yet", "not answered": "Not answered"}
        return f"[{label[self.status]}] Exercise {self.exercise}: {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        # Explicit dark ink on a light background: readable in light and dark themes.
        colours = {
            "correct": ("#e6f4ea", "#1e7b34", "&#10004; Correct"),
            "wrong": ("#fdecea", "#b3261e", "&#10008; Not yet"),
            "not answered": ("#f1f3f4", "#5f6368", "&#9998; Not answered"),
        }
        background, border, label = colours[self.status]
        body = html.escape(self.message).replace("\n", "<br>")
        return (
            f'<div style="background:{background};color:#202124;border-left:6px solid {border};'
            f'padding:6px 10px;margin:4px 0;font-family:sans-serif">'
            f"<b>{label}</b> &mdash; exercise {html.escape(self.exercise)}<br>{body}</div>"
        )


class Refused(Exception):
    """Raised inside a checker when the answer cannot be read (becomes a wrong Result)."""


class NotAnswered(Exception):
    """Raised inside a checker when the answer is still the stub."""


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: an id, a Python name, a title and the function that checks."""

    id: str
    name: str
    title: str
    notebook: str
    func: Callable[[Any], tuple[bool, str]] = field(repr=False)

    def check(self, answer: Any) -> Result:
        """Check ``answer``; never raises."""
        return run_checker(self.id, self.func, answer)


REGISTRY: dict[str, Exercise] = {}
"""Every exercise by id (``"09.2"``) and by name (``"multiplier_by_hand"``)."""


def register(exercise_id: str, name: str, title: str, notebook: str) -> Callable:
    """Decorator: register ``func(answer) -> (passed, message)`` as exercise ``exercise_id``."""

    def decorate(func: Callable[[Any], tuple[bool, str]]) -> Callable:
        if exercise_id in REGISTRY or name in REGISTRY:
            raise ValueError(f"exercise {exercise_id} / {name} is registered twice")
        entry = Exercise(exercise_id, name, title, notebook, func)
        REGISTRY[exercise_id] = entry
        REGISTRY[name] = entry
        return func

    return decorate


def is_stub(answer: Any) -> bool:
    """True for the student edition's placeholder ``...``."""
    return answer is Ellipsis


def run_checker(exercise_id: str, func: Callable[[Any], tuple[bool, str]], answer: Any) -> Result:
    """Run ``func`` on ``answer`` and turn whatever happens into a :class:`Result`."""
    if is_stub(answer):
        return Result(exercise_id, False, NOT_ANSWERED, answered=False)
    try:
        passed, message = func(answer)
    except NotAnswered as exc:
        return Result(exercise_id, False, str(exc) or NOT_ANSWERED, answered=False)
    except Refused as exc:
        return Result(exercise_id, False, str(exc))
    except Exception as exc:  # a checker must never show a traceback to a student
        return Result(
            exercise_id,
            False,
            f"The checker could not read your answer ({type(exc).__name__}: {exc}). "
            "Check its type against the question.",
        )
    return Result(exercise_id, bool(passed), message)


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} (of type {type(value).__name__})"


def read_int(answer: Any, what: str, *, allow_hex: bool = False) -> int:
    """Read an integer answer: int, numpy integer, integral float, or a (hex) string.

    Raises
    ------
    Refused
        For ``None``, bools, non-integral or inexact floats, and unreadable strings.
    """
    if answer is None:
        raise Refused(f"Your answer is None: assign {what} to the answer variable.")
    if isinstance(answer, bool):
        raise Refused(f"{what.capitalize()} is a number, not {answer!r}.")
    if isinstance(answer, Integral):
        return int(answer)
    if isinstance(answer, str):
        text = answer.strip().replace("_", "").replace(",", "")
        try:
            if text.lower().startswith(("0x", "-0x")):
                if not allow_hex:
                    raise Refused(f"Give {what} as a decimal integer here, not in hex.")
                return int(text, 16)
            return int(text, 10)
        except ValueError:
            raise Refused(
                f"Could not read {answer!r} as an integer; give {what} as a Python int"
                + (" or a hex string like '0x1F'." if allow_hex else ".")
            ) from None
    if isinstance(answer, (Fraction, Decimal)) and Fraction(answer).denominator == 1:
        return int(answer)
    if isinstance(answer, Real):
        value = float(answer)
        if not math.isfinite(value):
            raise Refused(f"{what.capitalize()} must be a finite integer; got {answer!r}.")
        if value != int(value):
            raise Refused(
                f"{what.capitalize()} is a whole number; got {answer!r}. TSC arithmetic "
                "truncates: use integer operations (//, >>) instead of floats."
            )
        if abs(value) >= 2**53:
            raise Refused(
                f"{answer!r} is a float above 2**53, where floats cannot hold every integer: "
                f"compute {what} with Python ints (// and >>, not / or float())."
            )
        return int(value)
    if type(answer).__module__.startswith("sympy") and getattr(answer, "is_Integer", False):
        return int(answer)
    raise Refused(f"Expected {what} as an integer; got {_describe(answer)}.")


def read_number(answer: Any, what: str) -> Fraction:
    """Read a real-number answer (int, float, Fraction, numpy or sympy number, numeric string)."""
    if answer is None:
        raise Refused(f"Your answer is None: assign {what} to the answer variable.")
    if isinstance(answer, bool):
        raise Refused(f"{what.capitalize()} is a number, not {answer!r}.")
    if isinstance(answer, str):
        try:
            return Fraction(answer.strip().replace("_", ""))
        except (ValueError, ZeroDivisionError):
            raise Refused(f"Could not read {answer!r} as a number for {what}.") from None
    if isinstance(answer, (Integral, Fraction)):
        return Fraction(answer)
    if isinstance(answer, Decimal):
        if not answer.is_finite():
            raise Refused(f"{what.capitalize()} must be a finite number; got {answer!r}.")
        return Fraction(answer)
    if isinstance(answer, Real) or type(answer).__module__.startswith(("sympy", "numpy")):
        try:
            value = float(answer)
        except (TypeError, ValueError):
            raise Refused(f"Expected {what} as a number; got {_describe(answer)}.") from None
        if not math.isfinite(value):
            raise Refused(f"{what.capitalize()} must be a finite number; got {answer!r}.")
        return Fraction(value)
    raise Refused(f"Expected {what} as a number; got {_describe(answer)}.")


def close(value: Fraction, target: Fraction | int | float, rel: float = 1e-3) -> bool:
    """True when ``value`` is within relative tolerance ``rel`` of ``target``."""
    target = Fraction(target)
    if target == 0:
        return value == 0
    return abs(value - target) <= abs(target) * Fraction(rel)


def half_up(value: Fraction) -> int:
    """Round half up (school rounding); Python's ``round`` rounds half to even."""
    return math.floor(value + Fraction(1, 2))


def same_int(value: int, candidates: list[tuple[Any, str]]) -> str | None:
    """Return the message of the first ``(wrong_value, message)`` that equals ``value``."""
    for wrong, message in candidates:
        if wrong is not None and value == wrong:
            return message
    return None


def numeric_exercise(
    exercise_id: str,
    name: str,
    title: str,
    notebook: str,
    *,
    what: str,
    expected: Callable[[], Any],
    explain: Callable[[Any], str],
    mistakes: Callable[[], list[tuple[Any, str]]] = list,
    hint: str,
    tolerance: Fraction | int | None = None,
    allow_hex: bool = False,
    same_mod_2_64: bool = False,
) -> Callable[[Any], tuple[bool, str]]:
    """Register a checker for a single-number answer.

    With ``tolerance`` None the answer must equal ``expected()`` exactly (an integer); else it
    is a real number within ``tolerance`` of it, and each mistake matches within the same
    tolerance. ``same_mod_2_64`` also accepts an integer equal modulo ``2**64`` (a u64 written
    as a signed number or the other way round). ``mistakes()`` gives ``(wrong value, why)``.
    """

    def func(answer: Any) -> tuple[bool, str]:
        right = expected()
        if tolerance is None:
            value: Any = read_int(answer, what, allow_hex=allow_hex)
            ok = value == right or (same_mod_2_64 and (value - right) % (1 << 64) == 0)
        else:
            value = read_number(answer, what)
            ok = abs(value - Fraction(right)) <= Fraction(tolerance)
        if ok:
            return True, explain(right)
        for wrong, message in mistakes():
            if wrong is None:
                continue
            if tolerance is None and value == wrong:
                return False, message
            if tolerance is not None and abs(value - Fraction(wrong)) <= Fraction(tolerance):
                return False, message
        return False, f"Not right. {hint}"

    register(exercise_id, name, title, notebook)(func)
    return func
