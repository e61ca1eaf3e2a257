"""The machinery behind every exercise checker: results, givens, answer reading, the registry.

A checker takes the student's answer and returns a :class:`Result` with ``.passed`` and
``.message``. It never raises and never hangs: garbage, ``None``, the stub ``...``, a numpy
scalar of any dtype, a huge int, a function that loops or exits all become a Result.

Every answer is first *normalised*: :func:`exact_number` turns ints, numpy scalars of every
dtype, floats, ``Fraction``, ``Decimal``, SymPy numbers and numeric strings into an exact
``int`` or ``Fraction`` (a float is converted exactly, bit for bit), so no checker ever does
arithmetic on a fixed-width numpy integer.

An exercise whose answer is a number is *declared* with :func:`numeric_exercise`: its givens
(:class:`Givens`, the one place its numbers live, read by the notebook's setup cell through
``check.givens(id)``), the expected value computed from them, the usual mistakes and why each
is wrong, where to look in the chapters, and hints in levels. Wrong-answer messages say what
is wrong and where to look, never the expected value (a test searches them for it).

Examples
--------
>>> from tsccourse.exercises.core import read_int
>>> read_int("0xABCD_1234", "the multiplier", allow_hex=True)
2882343476
>>> import numpy as np
>>> read_int(np.int64(2**62), "the offset") == 2**62
True
"""

from __future__ import annotations

import html
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Real
from typing import Any

from tscmath.errors import U64_MAX

from .deadline import ExitAttempt, TimeLimitExceeded, call_with_time_limit, format_seconds

__all__ = [
    "Result",
    "Hint",
    "Givens",
    "Refused",
    "NotAnswered",
    "Exercise",
    "REGISTRY",
    "register",
    "run_checker",
    "exact_number",
    "read_int",
    "read_number",
    "describe",
    "close",
    "half_up",
    "numeric_exercise",
    "next_hint",
    "reset_hints",
    "CHECK_TIME_LIMIT_S",
    "U64_RANGE",
    "SOLUTION_TAG",
]

SOLUTION_TAG = "solution"
"""The cell tag of an exercise's answer cell in the instructor notebooks: the student edition
replaces these cells with stubs, the grader restores the check cells around them, and the site
folds them (the same cells also carry ``hide-cell``)."""

U64_RANGE = U64_MAX + 1
"""How many values a 64-bit register holds (``2**64``); the one name for it in the exercises."""

CHECK_TIME_LIMIT_S = 5.0
"""Seconds a check may spend on the student's code or on parsing the student's answer."""

LARGEST_ANSWER_BITS = 1024
"""Answers with more bits than this are refused before any arithmetic (no answer comes close)."""

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
        What is right, or what is wrong and where to look.
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
        return _box(
            background, border, f"{label}</b> &mdash; exercise {self.exercise}", self.message
        )


def _box(background: str, border: str, title: str, body: str) -> str:
    text = html.escape(body).replace("\n", "<br>")
    return (
        f'<div style="background:{background};color:#202124;border-left:6px solid {border};'
        f'padding:6px 10px;margin:4px 0;font-family:sans-serif">'
        f"<b>{title}<br>{text}</div>"
    )


@dataclass(frozen=True)
class Hint:
    """One level of the hints of an exercise (``check.hint(id)`` gives the next one)."""

    exercise: str
    level: int
    levels: int
    text: str

    def __str__(self) -> str:
        return f"[Hint {self.level}/{self.levels}] Exercise {self.exercise}: {self.text}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        title = f"&#128161; Hint {self.level} of {self.levels}</b> &mdash; exercise {self.exercise}"
        return _box("#e8f0fe", "#1a56b4", title, self.text)


class Givens(Mapping):
    """The numbers an exercise gives, by the names its notebook uses (read-only).

    One object holds them: the checker computes the expected answer from it, and the
    notebook's setup cell reads it with ``check.givens(id)``, so the two cannot disagree.

    Examples
    --------
    >>> g = Givens("09.2", guest_hz=2_000_000_000, host_hz=2_500_000_000)
    >>> g.guest_hz
    2000000000
    >>> g
    Exercise 09.2 gives:
      guest_hz = 2_000_000_000
      host_hz = 2_500_000_000
    """

    def __init__(self, exercise: str, **values: Any) -> None:
        object.__setattr__(self, "_exercise", exercise)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(
                f"exercise {self._exercise} gives no {name!r}; it gives {', '.join(self._values)}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("givens are read-only")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __dir__(self) -> list[str]:
        return list(self._values)

    def __repr__(self) -> str:
        lines = [f"Exercise {self._exercise} gives:"]
        lines += [f"  {name} = {_literal(value)}" for name, value in self._values.items()]
        return "\n".join(lines)


def _literal(value: Any) -> str:
    """A value as the reader would type it: ints with ``_`` separators."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, tuple):
            inner = ", ".join(_literal(v) for v in value)
            return f"({inner})"
        return repr(value)
    return f"{value:_}"


class Refused(Exception):
    """Raised inside a checker when the answer cannot be read (becomes a wrong Result)."""


class NotAnswered(Exception):
    """Raised inside a checker when the answer is still the stub."""


Answer = int | Fraction


@dataclass(frozen=True)
class Exercise:
    """One registered exercise.

    Attributes
    ----------
    id, name, title, notebook : str
        ``"09.2"``, ``"multiplier_by_hand"``, what is asked, the notebook's file name.
    func : callable
        ``func(answer) -> (passed, message)``; may raise :class:`Refused`.
    where : str
        Where in the chapters to look, e.g. ``"chapter 04, 'Computing M, and where it stops'"``.
    hints : tuple of str
        Hints from gentle to strong; none of them states the expected value.
    givens : Givens or None
        The exercise's numbers.
    answer_values : callable
        ``() -> tuple`` of the values no wrong-answer message may show: the expected answer
        and anything that gives it away (empty for coding exercises).
    guard_time : bool
        Run the whole check under :data:`CHECK_TIME_LIMIT_S` (numeric exercises); coding
        exercises limit only the student's calls.
    """

    id: str
    name: str
    title: str
    notebook: str
    func: Callable[[Any], tuple[bool, str]] = field(repr=False)
    where: str = ""
    hints: tuple[str, ...] = ()
    givens: Givens | None = field(default=None, repr=False)
    answer_values: Callable[[], tuple[Any, ...]] = field(default=tuple, repr=False)
    guard_time: bool = True

    def check(self, answer: Any) -> Result:
        """Check ``answer``; never raises."""
        return run_checker(self.id, self.func, answer, guard_time=self.guard_time)


REGISTRY: dict[str, Exercise] = {}
"""Every exercise by id (``"09.2"``) and by name (``"multiplier_by_hand"``)."""


def register(
    exercise_id: str,
    name: str,
    title: str,
    notebook: str,
    *,
    where: str,
    hints: tuple[str, ...] | list[str],
    givens: Givens | None = None,
    answer_values: Callable[[], tuple[Any, ...]] = tuple,
    guard_time: bool = True,
) -> Callable:
    """Decorator: register ``func(answer) -> (passed, message)`` as exercise ``exercise_id``."""
    if not hints:
        raise ValueError(f"exercise {exercise_id} needs at least one hint")

    def decorate(func: Callable[[Any], tuple[bool, str]]) -> Callable:
        if exercise_id in REGISTRY or name in REGISTRY:
            raise ValueError(f"exercise {exercise_id} / {name} is registered twice")
        entry = Exercise(
            exercise_id,
            name,
            title,
            notebook,
            func,
            where=where,
            hints=tuple(hints),
            givens=givens,
            answer_values=answer_values,
            guard_time=guard_time,
        )
        REGISTRY[exercise_id] = entry
        REGISTRY[name] = entry
        return func

    return decorate


def is_stub(answer: Any) -> bool:
    """True for the student edition's placeholder ``...``."""
    return answer is Ellipsis


def run_checker(
    exercise_id: str,
    func: Callable[[Any], tuple[bool, str]],
    answer: Any,
    *,
    guard_time: bool = True,
) -> Result:
    """Run ``func`` on ``answer`` and turn whatever happens into a :class:`Result`.

    With ``guard_time`` the whole check runs under :data:`CHECK_TIME_LIMIT_S`. Nothing
    escapes: not ``SystemExit``, not ``KeyboardInterrupt``, not a time-out.
    """
    if is_stub(answer):
        return Result(exercise_id, False, NOT_ANSWERED, answered=False)
    try:
        if guard_time:
            passed, message = call_with_time_limit(CHECK_TIME_LIMIT_S, func, answer)
        else:
            passed, message = func(answer)
    except NotAnswered as exc:
        return Result(exercise_id, False, str(exc) or NOT_ANSWERED, answered=False)
    except Refused as exc:
        return Result(exercise_id, False, str(exc))
    except TimeLimitExceeded:
        return Result(
            exercise_id,
            False,
            f"Reading your answer did not finish within {format_seconds(CHECK_TIME_LIMIT_S)}: "
            "give a plain number (or what the question asks for), not an object that computes.",
        )
    except ExitAttempt:
        return Result(exercise_id, False, "Your answer tried to end the Python process.")
    except BaseException as exc:  # a checker must never show a traceback nor stop the kernel
        return Result(
            exercise_id,
            False,
            f"The checker could not read your answer ({type(exc).__name__}: {_short(exc)}). "
            "Check its type against the question.",
        )
    return Result(exercise_id, bool(passed), str(message))


def _short(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails
        text = "?"
    return text if len(text) <= 120 else text[:117] + "..."


def describe(value: Any) -> str:
    """A short, safe description of any value for a message: repr cut at 80 characters.

    Examples
    --------
    >>> describe(2**5000)
    'an integer of 5001 bits (of type int)'
    >>> describe("banana")
    "'banana' (of type str)"
    """
    kind = type(value).__name__
    if isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > 200:
        return f"an integer of {abs(value).bit_length()} bits (of type {kind})"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails must not stop the check
        text = f"<{kind} object>"
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} (of type {kind})"


# ----------------------------------------------------------------------------------------------
# Normalising answers: every numeric form to an exact int or Fraction.
_NUMBER_TEXT = re.compile(
    r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?|[+-]?\d+/\d+", flags=re.ASCII
)
_MAX_TEXT = 80


@dataclass(frozen=True)
class _Exact:
    """An answer converted exactly; ``float_bits`` is the significand width of a binary float."""

    value: Answer
    float_bits: int | None = None


def _numpy_kind(answer: Any) -> str | None:
    module = type(answer).__module__
    if not module.startswith("numpy"):
        return None
    import numpy as np

    if isinstance(answer, np.ndarray):
        return "array"
    if isinstance(answer, np.bool_):
        return "bool"
    if isinstance(answer, np.integer):
        return "integer"
    if isinstance(answer, np.floating):
        return "floating"
    if isinstance(answer, np.complexfloating):
        return "complex"
    return "other"


def _exact(answer: Any, what: str) -> _Exact:
    """Convert ``answer`` exactly, or raise :class:`Refused` naming what was expected."""
    if answer is None:
        raise Refused(f"Your answer is None: assign {what} to the answer variable.")
    if isinstance(answer, bool):
        raise Refused(f"{what.capitalize()} is a number, not {answer!r}.")
    kind = _numpy_kind(answer)
    if kind == "array":
        if answer.size == 1:
            return _exact(answer.reshape(())[()], what)  # the numpy scalar inside
        raise Refused(f"Give {what} as one number, not an array of {answer.size} values.")
    if kind == "bool":
        raise Refused(f"{what.capitalize()} is a number, not the numpy bool {bool(answer)}.")
    if kind == "integer":
        return _Exact(int(answer))
    if kind == "floating":
        import numpy as np

        if not np.isfinite(answer):
            raise Refused(f"{what.capitalize()} must be a finite number; got {answer!r}.")
        numerator, denominator = answer.as_integer_ratio()
        return _Exact(Fraction(int(numerator), int(denominator)), np.finfo(answer.dtype).nmant + 1)
    if kind == "complex":
        raise Refused(f"{what.capitalize()} is a real number, not the complex {answer!r}.")
    if kind == "other":
        raise Refused(f"Expected {what} as a number; got {describe(answer)}.")
    if isinstance(answer, int):  # int and its subclasses: the plain value, whatever __int__ says
        return _Exact(int.__int__(answer))
    if isinstance(answer, float):
        if not math.isfinite(answer):
            raise Refused(f"{what.capitalize()} must be a finite number; got {answer!r}.")
        return _Exact(Fraction(answer), 53)
    if isinstance(answer, Fraction):
        return _Exact(Fraction(answer.numerator, answer.denominator))
    if isinstance(answer, Decimal):
        if not answer.is_finite():
            raise Refused(f"{what.capitalize()} must be a finite number; got {answer!r}.")
        if abs(answer.adjusted()) > 400:
            raise Refused(f"{answer!r} is far outside the range of any answer here.")
        return _Exact(Fraction(answer))
    if isinstance(answer, str):
        return _Exact(_parse_number_text(answer, what))
    if type(answer).__module__.startswith("sympy"):
        return _Exact(_sympy_number(answer, what))
    if isinstance(answer, Integral) or hasattr(type(answer), "__index__"):
        try:
            return _Exact(operator.index(answer))
        except TypeError:
            pass
    if isinstance(answer, Real):
        try:
            value = float(answer)
        except (TypeError, ValueError, OverflowError):
            raise Refused(f"Expected {what} as a number; got {describe(answer)}.") from None
        return _exact(value, what)
    raise Refused(f"Expected {what} as a number; got {describe(answer)}.")


def _parse_number_text(text: str, what: str) -> Answer:
    cleaned = text.strip().replace("_", "").replace(",", "")
    if len(cleaned) > _MAX_TEXT:
        raise Refused(
            f"Your answer is a string of {len(text)} characters; give {what} as a number."
        )
    if not _NUMBER_TEXT.fullmatch(cleaned):
        raise Refused(f"Could not read {describe(text)} as a number for {what}.")
    if re.fullmatch(r"[+-]?\d+/[0]+", cleaned):
        raise Refused(f"{describe(text)} divides by zero; give {what} as a number.")
    value = Fraction(cleaned)
    return value.numerator if value.denominator == 1 else value


def _sympy_number(answer: Any, what: str) -> Answer:
    import sympy as sp

    if getattr(answer, "is_Integer", False):
        return int(answer)
    if getattr(answer, "is_Rational", False):
        return Fraction(int(answer.p), int(answer.q))
    if getattr(answer, "is_Float", False):
        exact = sp.Rational(answer)
        return Fraction(int(exact.p), int(exact.q))
    raise Refused(
        f"Expected {what} as a number; got the SymPy expression {describe(answer)}. "
        "Evaluate it first (int(...), or sympy's .evalf())."
    )


def exact_number(answer: Any, what: str) -> Answer:
    """Normalise a numeric answer to an exact ``int`` or ``Fraction``.

    Accepts Python ints, numpy scalars of every dtype (and one-element arrays), floats (taken
    exactly, bit for bit), ``Fraction``, ``Decimal``, SymPy numbers and numeric strings
    (``"2_500"``, ``"2.5e9"``, ``"7/3"``).

    Raises
    ------
    Refused
        For ``None``, bools, NaN and infinities, complex numbers, arrays, unreadable strings,
        and numbers of more than :data:`LARGEST_ANSWER_BITS` bits.

    Examples
    --------
    >>> import numpy as np
    >>> exact_number(np.float32(0.1), "x")
    Fraction(13421773, 134217728)
    >>> exact_number("2_500", "x"), exact_number(np.uint64(2**64 - 1), "x") == 2**64 - 1
    (2500, True)
    """
    value = _exact(answer, what).value
    _check_size(value, what)
    return value


def _check_size(value: Answer, what: str) -> None:
    size = max(
        abs(Fraction(value).numerator).bit_length(), Fraction(value).denominator.bit_length()
    )
    if size > LARGEST_ANSWER_BITS:
        raise Refused(
            f"Your answer has {size} bits; {what} fits in far fewer. Check the formula (a ** "
            "where a * was meant?)."
        )


def read_int(answer: Any, what: str, *, allow_hex: bool = False) -> int:
    """Read an integer answer exactly: int, numpy integer, integral float, or a (hex) string.

    A float is accepted only where its format holds every integer (below ``2**53`` for a
    float64, ``2**24`` for a float32): above that the float may already have lost the answer.

    Raises
    ------
    Refused
        For ``None``, bools, non-integral or inexact floats, and unreadable strings.

    Examples
    --------
    >>> read_int(3.0, "x"), read_int("1,000", "x"), read_int("0x10", "x", allow_hex=True)
    (3, 1000, 16)
    """
    if isinstance(answer, str):
        text = answer.strip().replace("_", "").replace(",", "")
        if text.lower().startswith(("0x", "-0x", "+0x")):
            if not allow_hex:
                raise Refused(f"Give {what} as a decimal integer here, not in hex.")
            if len(text) > _MAX_TEXT or not re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]+", text):
                raise Refused(
                    f"Could not read {describe(answer)} as an integer; give {what} as a Python "
                    "int or a hex string like '0x1F'."
                )
            return int(text, 16)
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            try:
                exact_number(answer, what)
            except Refused:
                raise Refused(
                    f"Could not read {describe(answer)} as an integer; give {what} as a Python int"
                    + (" or a hex string like '0x1F'." if allow_hex else ".")
                ) from None
    converted = _exact(answer, what)
    value = converted.value
    _check_size(value, what)
    if isinstance(value, Fraction):
        if value.denominator != 1:
            raise Refused(
                f"{what.capitalize()} is a whole number; got {describe(answer)}. TSC arithmetic "
                "truncates: use integer operations (//, >>) instead of floats."
            )
        value = value.numerator
    if converted.float_bits is not None and abs(value) >= 1 << converted.float_bits:
        raise Refused(
            f"{describe(answer)} is a float above 2**{converted.float_bits}, where its format "
            f"cannot hold every integer: compute {what} with Python ints (// and >>, not / or "
            "float())."
        )
    return value


def read_number(answer: Any, what: str) -> Answer:
    """Read a real-number answer exactly (see :func:`exact_number`).

    Examples
    --------
    >>> read_number("0.5", "x"), read_number(0.25, "x")
    (Fraction(1, 2), Fraction(1, 4))
    """
    return exact_number(answer, what)


def close(value: Answer, target: Answer | float, rel: float | Fraction = Fraction(1, 1000)) -> bool:
    """True when ``value`` is within relative tolerance ``rel`` of ``target``.

    Examples
    --------
    >>> close(Fraction(1001), 1000), close(1002, 1000)
    (True, False)
    """
    target = Fraction(target)
    if target == 0:
        return value == 0
    return abs(Fraction(value) - target) <= abs(target) * Fraction(rel)


def half_up(value: Fraction) -> int:
    """Round half up (school rounding); Python's ``round`` rounds half to even.

    Examples
    --------
    >>> half_up(Fraction(5, 2)), round(Fraction(5, 2))
    (3, 2)
    """
    return math.floor(value + Fraction(1, 2))


# ----------------------------------------------------------------------------------------------
# Hints in levels.
_HINTS_GIVEN: dict[str, int] = {}


def next_hint(exercise: Exercise) -> Hint:
    """The next hint of ``exercise`` (the last one again once all were given)."""
    level = min(_HINTS_GIVEN.get(exercise.id, 0) + 1, len(exercise.hints))
    _HINTS_GIVEN[exercise.id] = level
    return Hint(exercise.id, level, len(exercise.hints), exercise.hints[level - 1])


def reset_hints(exercise: Exercise | None = None) -> None:
    """Start the hints of ``exercise`` (or of every exercise) again from the first."""
    if exercise is None:
        _HINTS_GIVEN.clear()
    else:
        _HINTS_GIVEN.pop(exercise.id, None)


def hint_pointer(exercise_id: str) -> str:
    """The sentence every default wrong-answer message ends with."""
    return f'For a hint, run check.hint("{exercise_id}") (again for the next one).'


# ----------------------------------------------------------------------------------------------
# The declarative form of an exercise whose answer is a number.
Mistake = tuple[Any, str]
"""``(wrong value, why)``, or ``(predicate(value) -> bool, why)``; ``why`` says where to look."""


def numeric_exercise(
    exercise_id: str,
    name: str,
    title: str,
    notebook: str,
    *,
    givens: Givens,
    what: str,
    expected: Callable[[Givens], Answer],
    explain: Callable[[Givens, Answer], str],
    where: str,
    hints: tuple[str, ...] | list[str],
    mistakes: Callable[[Givens], list[Mistake]] = lambda g: [],
    tolerance: Answer | None = None,
    relative: bool = False,
    mistake_tolerance: Answer | None = None,
    allow_hex: bool = False,
    same_mod_2_64: bool = False,
    words: Mapping[str, str] | None = None,
    giveaways: Callable[[Givens], list[Answer]] = lambda g: [],
) -> Callable[[Any], tuple[bool, str]]:
    """Declare and register an exercise whose answer is one number.

    Parameters
    ----------
    givens : Givens
        The exercise's numbers; ``expected``, ``explain``, ``mistakes`` take it.
    what : str
        The answer in words, for messages ("the multiplier").
    expected : callable
        ``expected(givens)``: the right answer, computed from :mod:`tscmath`.
    explain : callable
        ``explain(givens, right)``: the message for a right answer (it may show the value).
    where : str
        Where in the chapters to look; the default wrong-answer message points there.
    hints : sequence of str
        Hints from gentle to strong, for ``check.hint(id)``.
    mistakes : callable
        ``mistakes(givens)``: ``(wrong value or predicate, why)`` pairs, tried in order.
    tolerance : number, optional
        None: the answer must be exactly ``expected`` (an integer). Else a real number within
        ``tolerance`` of it (relative to it with ``relative``).
    mistake_tolerance : number, optional
        How close an answer must be to a wrong value to get its message (default ``tolerance``).
    allow_hex, same_mod_2_64 : bool
        Accept a hex string; accept an integer equal modulo ``2**64`` (a u64 written signed).
    words : mapping, optional
        Lower-case words a student may answer with (``"never"``) and why they are wrong.
    giveaways : callable
        ``giveaways(givens)``: values other than the answer that would give it away; no
        wrong-answer message may show them either.
    """
    if mistake_tolerance is None:
        mistake_tolerance = tolerance
    right_cache: list[Answer] = []

    def right_value() -> Answer:
        if not right_cache:
            right_cache.append(expected(givens))
        return right_cache[0]

    def near(value: Answer, target: Answer, tol: Answer | None) -> bool:
        if tol is None:
            return value == target
        if relative:
            return close(value, target, tol)
        return abs(Fraction(value) - Fraction(target)) <= Fraction(tol)

    def func(answer: Any) -> tuple[bool, str]:
        if words and isinstance(answer, str) and answer.strip().lower() in words:
            return False, words[answer.strip().lower()]
        right = right_value()
        if tolerance is None:
            value: Answer = read_int(answer, what, allow_hex=allow_hex)
            ok = value == right or (same_mod_2_64 and (value - right) % U64_RANGE == 0)
        else:
            value = read_number(answer, what)
            ok = near(value, right, tolerance)
        if ok:
            return True, explain(givens, right)
        for wrong, message in mistakes(givens):
            if callable(wrong):
                if wrong(value):
                    return False, message
            elif wrong is not None and near(value, wrong, mistake_tolerance):
                return False, message
        return False, f"Not right. Look again at {where}. {hint_pointer(exercise_id)}"

    def answer_values() -> tuple[Any, ...]:
        return (right_value(), *giveaways(givens))

    register(
        exercise_id,
        name,
        title,
        notebook,
        where=where,
        hints=hints,
        givens=givens,
        answer_values=answer_values,
    )(func)
    return func
