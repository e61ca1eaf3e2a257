"""Exercise checkers with automatic feedback for the Virtualizing Time notebooks.

One call per exercise, by name or by id::

    from tsccourse.exercises import check
    check.multiplier_by_hand(answer)      # by name (tab completion lists them)
    check("09.2", answer)                 # by id, as printed above each exercise

A call returns a :class:`~tsccourse.exercises.core.Result` (``.passed``, ``.message``,
``.answered``), shown in a notebook as a coloured box. It says what is right or, for the
typical mistakes, what is wrong and where in the chapters to look, never the expected value.
Checkers never raise and never hang: the stub ``...`` of the student edition gives "not
answered yet", garbage gives a clear message, a numpy scalar of any dtype is read exactly, a
function that loops is stopped after a time limit. A coding exercise takes the student's
function and runs it on hidden cases computed from :mod:`tscmath`.

Two more entry points::

    check.givens("09.2")    # the exercise's numbers (the notebook's setup cell reads them)
    check.hint("09.2")      # the next hint, one level more each call
    check.reset_hints()     # start the hints again (of one exercise: reset_hints("09.2"))

The modules:

==============================  =======================================================
``core``                        results, givens, answer reading, the registry
``coding``                      a student's function run on hidden cases, 64-bit registers
``deadline``                    untrusted code (a function, a parse) under a time limit
``chapters_01_08``              the checkers of the chapters' "Exercises" sections
``set09_counting_and_scaling``  the checkers of notebook 09 (topics of chapters 01-05)
``set10_migration``             the checkers of notebook 10 (topics of chapters 06-08)
``grading``                     grading submitted notebooks (``python -m ...grading``)
``kernel_sandbox``              a sandbox per submission (bubblewrap) for the grader's kernels
``gradebook``                   grades an LMS takes: one row per student, points, percent
``transport``                   answers as plain data, from the student's kernel to the grader
``sandbox``                     a check run in a child process that can be killed (the grader)
==============================  =======================================================

Examples
--------
>>> from tsccourse.exercises import check
>>> check("09.2", "0x1234").status
'wrong'
>>> check.multiplier_by_hand(...).status
'not answered'
>>> print(check.ns_from_ticks(2_000_000_000).message)  # doctest: +ELLIPSIS
You divided before multiplying (ticks // hz * 10**9)...
>>> check.givens("09.2").host_hz
2500000000
>>> check.hint("09.2").level, check.hint("09.2").level
(1, 2)
>>> check.reset_hints("09.2")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tscmath import InvalidInput

from . import chapters_01_08, set09_counting_and_scaling, set10_migration  # noqa: F401  (they register)
from .core import REGISTRY, Exercise, Givens, Hint, Result, next_hint, reset_hints

__all__ = ["check", "Result", "Hint", "Givens", "exercises", "grade"]


def exercises(notebook: str | None = None) -> list[Exercise]:
    """Every registered exercise (optionally of one notebook file), in id order.

    Raises
    ------
    tscmath.InvalidInput
        When ``notebook`` is neither None nor a notebook file name (a ``str``).

    Examples
    --------
    >>> [e.id for e in exercises("03-offsetting.ipynb")]
    ['03.1', '03.2']
    """
    if notebook is not None and not isinstance(notebook, str):
        raise InvalidInput(
            "notebook must be None or a notebook file name (str) such as "
            f"'09-exercises-counting-and-scaling.ipynb'; got {_brief(notebook)}"
        )
    unique = {id(e): e for e in REGISTRY.values()}.values()
    chosen = [e for e in unique if notebook is None or e.notebook == notebook]
    return sorted(chosen, key=lambda e: [int(p) if p.isdigit() else p for p in e.id.split(".")])


_MISSING = object()


def _missing(entry: Exercise) -> Result:
    return Result(
        entry.id,
        False,
        f"Pass your answer to the checker: check.{entry.name}(your_answer).",
        answered=False,
    )


def _lookup(exercise: str) -> Exercise:
    entry = REGISTRY.get(str(exercise))
    if entry is None:
        known = ", ".join(e.id for e in exercises())
        raise KeyError(f"there is no exercise {exercise!r}; known ids: {known}")
    return entry


class _Check:
    """Call ``check(exercise_id_or_name, answer)`` or ``check.<name>(answer)``."""

    def __call__(self, exercise: str, answer: Any = _MISSING) -> Result:
        entry = REGISTRY.get(str(exercise))
        if entry is None:
            return Result(
                str(exercise),
                False,
                f"There is no exercise {exercise!r}; known ids: "
                + ", ".join(e.id for e in exercises()),
            )
        if answer is _MISSING:
            return _missing(entry)
        return entry.check(answer)

    def hint(self, exercise: str) -> Hint:
        """The next hint of an exercise (by id or name); each call goes one level further."""
        entry = _lookup(exercise)
        return next_hint(entry)

    def reset_hints(self, exercise: str | None = None) -> None:
        """Start the hints of one exercise (or of all) again from the first level."""
        reset_hints(None if exercise is None else _lookup(exercise))

    def givens(self, exercise: str) -> Givens:
        """The numbers an exercise gives, by the names its notebook uses."""
        entry = _lookup(exercise)
        if entry.givens is None:
            raise KeyError(f"exercise {entry.id} has no givens: its question states them")
        return entry.givens

    def __getattr__(self, name: str) -> Any:
        entry = REGISTRY.get(name)
        if entry is None or name.startswith("_"):
            raise AttributeError(f"check has no exercise named {name!r}")

        def checker(answer: Any = _MISSING) -> Result:
            if answer is _MISSING:
                return _missing(entry)
            return entry.check(answer)

        checker.__name__ = entry.name
        checker.__doc__ = (
            f"Exercise {entry.id} ({entry.notebook}): {entry.title}.\n\n"
            f"{(entry.func.__doc__ or '').strip()}\n\nReturns a Result (.passed, .message)."
        )
        return checker

    def __dir__(self) -> list[str]:
        return sorted(e.name for e in exercises()) + ["givens", "hint", "reset_hints"]

    def __repr__(self) -> str:
        return f"<exercise checker: {len(exercises())} exercises; check(id, answer)>"


check = _Check()
"""The one entry point: ``check.name(answer)`` or ``check(id, answer)``."""


def grade(answers: dict[str, Any]) -> dict[str, Result]:
    """Check several answers at once, ``{exercise id or name: answer}`` -> results.

    Raises
    ------
    tscmath.InvalidInput
        When ``answers`` is not a mapping.

    Examples
    --------
    >>> results = grade({"09.1": 2_000_000_000, "09.2": ...})
    >>> [r.status for r in results.values()]
    ['wrong', 'not answered']
    """
    if not isinstance(answers, Mapping):
        raise InvalidInput(
            f"answers must be a dict {{exercise id or name: answer}}; got {_brief(answers)}"
        )
    return {key: check(key, answer) for key, answer in answers.items()}


def _brief(value: Any) -> str:
    """``value`` for an error message: its type and a repr cut at 60 characters."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails must not hide the real error
        text = "?"
    return f"{text[:57] + '...' if len(text) > 60 else text} (of type {type(value).__name__})"
