"""Running a student's function on hidden cases, and 64-bit registers that watch for overflow.

:class:`Reg64` is an ``int`` that behaves like a value in a 64-bit register: every arithmetic
result computed from it must stay in ``[0, 2**64)``, or :class:`RegisterOverflow` names the
operation. A checker passes ``Reg64`` inputs to code that must not rely on Python big ints.

Examples
--------
>>> a = Reg64(2**40)
>>> (a >> 8) + 1
4294967297
>>> try:
...     a * a
... except RegisterOverflow as err:
...     print(err)
1099511627776 * 1099511627776 = 1208925819614629174706176 does not fit in 64 bits
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Iterable
from typing import Any

from .core import U64_RANGE, NotAnswered, Refused, describe, exact_number
from .deadline import ExitAttempt, TimeLimitExceeded, call_with_time_limit, format_seconds

__all__ = ["Reg64", "RegisterOverflow", "FloatUsed", "first_failure", "STUDENT_TIME_LIMIT_S"]

LIMIT = U64_RANGE

STUDENT_TIME_LIMIT_S = 3.0
"""Seconds a student's function may run in total over all the hidden cases of one check."""


class RegisterOverflow(ArithmeticError):
    """An intermediate result left the range of a 64-bit unsigned register."""


class FloatUsed(ArithmeticError):
    """True division (``/``) was used on a register value."""


_SYMBOLS = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "floordiv": "//",
    "mod": "%",
    "lshift": "<<",
    "rshift": ">>",
    "and": "&",
    "or": "|",
    "xor": "^",
    "pow": "**",
}


def _checked(name: str, reflected: bool) -> Callable[[Reg64, Any], Any]:
    func = getattr(operator, name if name not in {"and", "or"} else f"{name}_")

    def method(self: Reg64, other: Any) -> Any:
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        left, right = (int(other), int(self)) if reflected else (int(self), int(other))
        result = func(left, right)
        if not 0 <= result < LIMIT:
            raise RegisterOverflow(
                f"{left} {_SYMBOLS[name]} {right} = {result} does not fit in 64 bits"
            )
        return Reg64(result)

    return method


def _no_float(self: Reg64, other: Any) -> Any:
    raise FloatUsed(f"true division (/) on {int(self)} gives a float; use // or >>")


class Reg64(int):
    """A non-negative int below ``2**64`` whose arithmetic results must stay below ``2**64``."""

    def __new__(cls, value: int) -> Reg64:
        if not 0 <= int(value) < LIMIT:
            raise RegisterOverflow(f"{value} does not fit in 64 bits")
        return super().__new__(cls, value)

    def __neg__(self) -> Any:
        if int(self) == 0:
            return self
        raise RegisterOverflow(f"-{int(self)} is negative: a 64-bit register is unsigned")

    __truediv__ = _no_float
    __rtruediv__ = _no_float


for _name in _SYMBOLS:
    setattr(Reg64, f"__{_name}__", _checked(_name, reflected=False))
    setattr(Reg64, f"__r{_name}__", _checked(_name, reflected=True))


def _normalised(got: Any, want: Any) -> Any:
    """The student's result as a plain value comparable with ``want``, or None if it is not.

    Ints, numpy integers and integral values are read exactly (a numpy ``uint64`` equals the
    int it holds); tuples and lists element by element; anything else is left as it is and
    compared only if it is a plain int (so an object with a forged ``__eq__`` never passes).
    """
    if isinstance(want, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return None
        parts = [_normalised(g, w) for g, w in zip(got, want, strict=True)]
        return None if any(p is None for p in parts) else tuple(parts)
    if isinstance(got, bool) or isinstance(got, float) or got is None:
        return None
    if isinstance(got, int) or type(got).__module__.startswith("numpy"):
        try:
            value = exact_number(got, "the result")
        except Refused:
            return None
        return value if isinstance(value, int) else None
    return None


def _is_error(want: Any) -> bool:
    return isinstance(want, type) and issubclass(want, BaseException)


def first_failure(
    func: Any,
    cases: Iterable[tuple[Any, ...]],
    expected: Callable[..., Any],
    *,
    name: str,
    diagnose: Callable[..., str | None] | None = None,
    wrap_inputs: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
    time_limit_s: float | None = None,
) -> tuple[bool, str]:
    """Run ``func`` on every case; report the first input where it differs from ``expected``.

    ``expected(*case)`` returns the right value, or an exception class the function must raise.
    ``diagnose(case, got)`` may explain a typical mistake. The student's calls together may run
    for ``time_limit_s`` (default :data:`STUDENT_TIME_LIMIT_S`); a call still running then, a
    ``sys.exit``, an ``os._exit`` or a ``KeyboardInterrupt`` is reported as a failed case, never
    raised. Returns ``(passed, message)``.
    """
    if func is None or not callable(func):
        if func is Ellipsis:
            raise NotAnswered()
        raise Refused(
            f"Pass your function {name} itself (without calling it); got {describe(func)}."
        )
    budget = STUDENT_TIME_LIMIT_S if time_limit_s is None else time_limit_s
    deadline = time.monotonic() + budget
    count = 0
    for case in cases:
        count += 1
        args = ", ".join(repr(a) for a in case)
        call = f"{name}({args})"
        want = expected(*case)
        inputs = wrap_inputs(case) if wrap_inputs else case
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False, _too_slow(call, budget, count)
        try:
            got = call_with_time_limit(remaining, func, *inputs)
        except NotImplementedError:
            raise NotAnswered(
                f"Not answered yet: {name} still raises NotImplementedError. Write its body, "
                "run that cell, then run this one again."
            ) from None
        except TimeLimitExceeded:
            return False, _too_slow(call, budget, count)
        except ExitAttempt:
            return False, f"{call} called os._exit, which would end Python: return a value instead."
        except SystemExit as exc:
            return False, (
                f"{call} called sys.exit({exc.code!r}) (or exit()), which would stop the kernel: "
                "return a value instead."
            )
        except KeyboardInterrupt:
            return False, f"{call} was interrupted (KeyboardInterrupt) before it returned."
        except RegisterOverflow as exc:
            return False, (
                f"{call}: an intermediate result overflowed a 64-bit register: {exc}. Split the "
                "operands into 32-bit limbs so every product and sum stays below 2**64."
            )
        except FloatUsed as exc:
            return False, f"{call}: {exc}. Floats cannot hold every 64-bit value."
        except BaseException as exc:  # the student's own error: show it, go no further
            kind = type(exc).__name__
            if _is_error(want):
                if isinstance(exc, want):
                    continue
                return (
                    False,
                    f"{call} should raise {want.__name__}, but raised {kind}: {_text(exc)}",
                )
            return False, f"{call} raised {kind}: {_text(exc)}"
        if _is_error(want):
            note = diagnose(case, got) if diagnose else None
            return False, (
                f"{call} returned {describe(got)}, but should raise {want.__name__}"
                + (f": {note}" if note else ".")
            )
        if isinstance(got, float):
            return False, (
                f"{call} returned the float {got!r} (expected {want}). Floats hold only 53 bits: "
                "keep TSC arithmetic in integers (//, >>)."
            )
        value = _normalised(got, want)
        if value is None or value != want:
            note = diagnose(case, value if value is not None else got) if diagnose else None
            return False, (
                f"{call} returned {describe(got)}, expected {want!r}."
                + (f" {note}" if note else "")
            )
    return True, f"All {count} hidden cases pass, edge values included."


def _too_slow(call: str, budget: float, case_number: int) -> str:
    return (
        f"Your function did not return within {format_seconds(budget)}: {call} (hidden case "
        f"{case_number}) was still running. Look for a loop that never ends, or one that counts "
        "tick by tick where one multiplication or division would do."
    )


def _text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails
        text = "?"
    return text if len(text) <= 200 else text[:197] + "..."
