"""Exercise checkers with automatic feedback for the Virtualizing Time notebooks.

One call per exercise, by name or by id::

    from tscmath.exercises import check
    check.multiplier_by_hand(answer)      # by name (tab completion lists them)
    check("09.2", answer)                 # by id, as printed above each exercise

A call returns a :class:`~tscmath.exercises.core.Result` (``.passed``, ``.message``,
``.answered``), shown in a notebook as a coloured box. It says what is right or, for the
typical mistakes, why an answer is wrong. Checkers never raise: the stub ``...`` of the student
edition gives "not answered yet", garbage gives a clear message. A coding exercise takes the
student's function and runs it on hidden cases computed from :mod:`tscmath`.

Examples
--------
>>> from tscmath.exercises import check
>>> check("09.2", "0xCCCC_CCCC").passed
True
>>> check.multiplier_by_hand(...).status
'not answered'
>>> print(check.multiplier_by_hand(0xCCCCCCCD).message)
You rounded up; the hardware recipe (bhyve, KVM, tsc-simulator) truncates.
"""

from __future__ import annotations

from typing import Any

from . import chapters_01_08, set09_counting_and_scaling, set10_migration  # noqa: F401  (they register)
from .core import REGISTRY, Exercise, Result

__all__ = ["check", "Result", "exercises", "grade"]


def exercises(notebook: str | None = None) -> list[Exercise]:
    """Every registered exercise (optionally of one notebook file), in id order."""
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
        return sorted(e.name for e in exercises())

    def __repr__(self) -> str:
        return f"<exercise checker: {len(exercises())} exercises; check(id, answer)>"


check = _Check()
"""The one entry point: ``check.name(answer)`` or ``check(id, answer)``."""


def grade(answers: dict[str, Any]) -> dict[str, Result]:
    """Check several answers at once, ``{exercise id or name: answer}`` -> results.

    Examples
    --------
    >>> results = grade({"09.1": 2_999_999_999, "09.2": ...})
    >>> [r.status for r in results.values()]
    ['correct', 'not answered']
    """
    return {key: check(key, answer) for key, answer in answers.items()}
