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
from collections.abc import Callable, Iterable
from typing import Any

from .core import NotAnswered, Refused

__all__ = ["Reg64", "RegisterOverflow", "FloatUsed", "first_failure"]

LIMIT = 1 << 64


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


def first_failure(
    func: Any,
    cases: Iterable[tuple[Any, ...]],
    expected: Callable[..., Any],
    *,
    name: str,
    diagnose: Callable[..., str | None] | None = None,
    wrap_inputs: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
) -> tuple[bool, str]:
    """Run ``func`` on every case; report the first input where it differs from ``expected``.

    ``expected(*case)`` returns the right value, or an exception class the function must raise.
    ``diagnose(case, got)`` may explain a typical mistake. Returns ``(passed, message)``.
    """
    if func is None or not callable(func):
        if func is Ellipsis:
            raise NotAnswered()
        raise Refused(f"Pass your function {name} itself (without calling it); got {func!r}.")
    count = 0
    for case in cases:
        count += 1
        args = ", ".join(repr(a) for a in case)
        call = f"{name}({args})"
        want = expected(*case)
        inputs = wrap_inputs(case) if wrap_inputs else case
        try:
            got = func(*inputs)
        except NotImplementedError:
            raise NotAnswered(
                f"Not answered yet: {name} still raises NotImplementedError. Write its body, "
                "run that cell, then run this one again."
            ) from None
        except RegisterOverflow as exc:
            return False, (
                f"{call}: an intermediate result overflowed a 64-bit register: {exc}. Split the "
                "operands into 32-bit limbs so every product and sum stays below 2**64."
            )
        except FloatUsed as exc:
            return False, f"{call}: {exc}. Floats cannot hold every 64-bit value."
        except Exception as exc:
            if isinstance(want, type) and issubclass(want, BaseException):
                if isinstance(exc, want):
                    continue
                return False, (
                    f"{call} should raise {want.__name__}, but raised {type(exc).__name__}: {exc}"
                )
            return False, f"{call} raised {type(exc).__name__}: {exc}"
        if isinstance(want, type) and issubclass(want, BaseException):
            return False, (
                f"{call} returned {got!r}, but should raise {want.__name__}"
                + (f": {diagnose(case, got)}" if diagnose and diagnose(case, got) else ".")
            )
        if isinstance(got, float):
            return False, (
                f"{call} returned the float {got!r} (expected {want}). Floats hold only 53 bits: "
                "keep TSC arithmetic in integers (//, >>)."
            )
        if got != want or isinstance(got, bool):
            hint = diagnose(case, got) if diagnose else None
            return False, (
                f"{call} returned {got!r}, expected {want!r}." + (f" {hint}" if hint else "")
            )
    return True, f"All {count} hidden cases pass, edge values included."
