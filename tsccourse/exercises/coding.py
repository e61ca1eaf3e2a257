"""Running a student's function on hidden cases, and 64-bit registers that watch for overflow.

:func:`first_failure` runs the function on every case and reports the first input where it
goes wrong: the input, what came back and what is wrong with it (too large, the wrong type, the
wrong part of a pair), never the value it should have returned.

:class:`Reg64` is an ``int`` that behaves like a value in a 64-bit register: every arithmetic
result computed from it must stay in ``[0, 2**64)``, or :class:`RegisterOverflow` names the
operation; turning it into a plain Python int (``int()``, ``float()``, numpy) raises
:class:`RegisterEscape`, as later arithmetic on that int could no longer be held to 64 bits.
A checker passes ``Reg64`` inputs to code that must not rely on Python big ints.

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
>>> ok, message = first_failure(lambda t: t + 1, [(1,), (2,)], lambda t: 2 * t, name="double",
...                             returns="an int, twice t")
>>> print(message)
double(2) returned 3 (of type int), which is too small: double must return an int, twice t.
"""

from __future__ import annotations

import sys
import time
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .core import U64_RANGE, NotAnswered, Refused, describe, exact_number
from .deadline import ExitAttempt, TimeLimitExceeded, call_with_time_limit, format_seconds

__all__ = [
    "Reg64",
    "RegisterOverflow",
    "RegisterEscape",
    "FloatUsed",
    "first_failure",
    "STUDENT_TIME_LIMIT_S",
]

LIMIT = U64_RANGE

STUDENT_TIME_LIMIT_S = 3.0
"""Seconds a student's function may run in total over all the hidden cases of one check."""


class RegisterOverflow(ArithmeticError):
    """An intermediate result left the range of a 64-bit unsigned register."""


class RegisterEscape(ArithmeticError):
    """A 64-bit register was turned into a plain Python int (``int()``, numpy, ``float()``)."""


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


def _plain(value: int) -> int:
    """The plain int inside an int (subclass), without calling its ``__int__``."""
    return int.__int__(value)


def _checked(name: str, reflected: bool) -> Callable[..., Any]:
    operation = getattr(int, f"__{name}__")

    def method(self: Reg64, other: Any) -> Any:
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        left, right = (_plain(other), _plain(self)) if reflected else (_plain(self), _plain(other))
        result = operation(left, right)  # a float for ** with a negative exponent
        if not isinstance(result, int) or not 0 <= result < LIMIT:
            raise RegisterOverflow(
                f"{left} {_SYMBOLS[name]} {right} = {result} does not fit in 64 bits"
            )
        return Reg64(result)

    return method


def _divmod(reflected: bool) -> Callable[[Reg64, Any], Any]:
    def method(self: Reg64, other: Any) -> Any:
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        left, right = (_plain(other), _plain(self)) if reflected else (_plain(self), _plain(other))
        quotient, remainder = divmod(left, right)
        if not (0 <= quotient < LIMIT and 0 <= remainder < LIMIT):
            raise RegisterOverflow(f"divmod({left}, {right}) does not fit in 64 bits")
        return Reg64(quotient), Reg64(remainder)

    return method


def _escape(how: str) -> Callable[..., Any]:
    def method(self: Reg64, *args: Any, **kwargs: Any) -> Any:
        raise RegisterEscape(
            f"{how} turns the 64-bit register {int.__repr__(self)} into a plain Python int, "
            "whose arithmetic no longer stays in 64 bits: compute on the register itself"
        )

    return method


def _no_float(self: Reg64, *args: Any) -> Any:
    raise FloatUsed(
        f"true division (/) or float() on {int.__repr__(self)} gives a float; use // or >>"
    )


def _same(self: Reg64, *args: Any) -> Reg64:
    return self


class Reg64(int):
    """A non-negative int below ``2**64`` whose arithmetic results must stay below ``2**64``.

    ``+ - * // % ** << >> & | ^`` and ``divmod`` give registers (or raise
    :class:`RegisterOverflow`), ``~`` is the 64-bit complement, ``abs``, ``round``,
    ``math.floor`` and ``.real`` keep the register, ``/`` raises :class:`FloatUsed`, and
    ``int()``, ``float()``, ``to_bytes``, ``as_integer_ratio`` (and so numpy) raise
    :class:`RegisterEscape`.
    """

    def __new__(cls, value: int) -> Reg64:
        plain = _plain(value) if isinstance(value, int) else int(value)
        if not 0 <= plain < LIMIT:
            raise RegisterOverflow(f"{plain} does not fit in 64 bits")
        return super().__new__(cls, plain)

    def __neg__(self) -> Any:
        if _plain(self) == 0:
            return self
        raise RegisterOverflow(f"-{_plain(self)} is negative: a 64-bit register is unsigned")

    def __invert__(self) -> Reg64:
        return Reg64(LIMIT - 1 - _plain(self))

    __truediv__ = _no_float
    __rtruediv__ = _no_float
    __float__ = _no_float
    __int__ = _escape("int()")
    to_bytes = _escape("to_bytes()")
    as_integer_ratio = _escape("as_integer_ratio()")
    __divmod__ = _divmod(reflected=False)
    __rdivmod__ = _divmod(reflected=True)
    __pos__ = __abs__ = __round__ = __trunc__ = __floor__ = __ceil__ = conjugate = _same
    real = numerator = property(_same)


for _name in _SYMBOLS:
    setattr(Reg64, f"__{_name}__", _checked(_name, reflected=False))
    setattr(Reg64, f"__r{_name}__", _checked(_name, reflected=True))


def _normalised(got: Any, want: Any) -> Any:
    """The student's result as a plain value comparable with ``want``, or None if it is not.

    Ints, numpy integers and integral values are read exactly (a numpy ``uint64`` equals the
    int it holds); tuples and lists element by element; anything else (a float, an array, an
    object whose ``==`` could lie or raise) gives None and is never compared.
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


_OFF_LIMITS = "is off limits in this exercise: "
"""Marks the error a library function raises while a student's function runs without it."""


def _tripwire(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("\0")  # the message is replaced per function; only builtins are used


def _functions_of(package: str) -> list[types.FunctionType]:
    """Every plain Python function of ``package``'s loaded modules (methods of its classes too)."""
    found: dict[int, types.FunctionType] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for value in list(vars(module).values()):
            members = [value]
            if isinstance(value, type) and value.__module__ == name:
                members = list(vars(value).values())
            for member in members:
                member = getattr(member, "__func__", getattr(member, "fget", member))
                if (
                    isinstance(member, types.FunctionType)
                    and str(member.__module__).startswith(package)
                    and not member.__closure__
                ):
                    found[id(member)] = member
    return list(found.values())


@contextmanager
def _library_off(package: str | None) -> Iterator[None]:
    """While inside, every function of ``package`` raises a RuntimeError marked :data:`_OFF_LIMITS`.

    The function objects themselves are changed (their ``__code__``), so a name bound before
    (``from tscmath import ticks_to_ns``) is caught too; the error is raised inside the
    student's call, so the grader's record-and-replay sees it like any other outcome.
    """
    if package is None:
        yield
        return
    saved = []
    try:
        for func in _functions_of(package):
            label = f"{func.__module__}.{func.__qualname__}".replace(".<locals>", "")
            code = _tripwire.__code__
            consts = tuple(
                f"{package} {_OFF_LIMITS}{label}" if c == "\0" else c for c in code.co_consts
            )
            saved.append((func, func.__code__))
            func.__code__ = code.replace(co_consts=consts, co_name=func.__code__.co_name)
        yield
    finally:
        for func, code in saved:
            func.__code__ = code


def _library_used(exc: BaseException) -> str | None:
    """The library function a marked RuntimeError names, or None for any other error."""
    text = _text(exc)
    if isinstance(exc, RuntimeError) and _OFF_LIMITS in text:
        return text.split(_OFF_LIMITS, 1)[1]
    return None


def _is_error(want: Any) -> bool:
    return isinstance(want, type) and issubclass(want, BaseException)


def first_failure(
    func: Any,
    cases: Iterable[tuple[Any, ...]],
    expected: Callable[..., Any],
    *,
    name: str,
    returns: str,
    parts: tuple[str, ...] = (),
    diagnose: Callable[..., str | None] | None = None,
    wrap_inputs: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
    time_limit_s: float | None = None,
    own_code: str | None = None,
) -> tuple[bool, str]:
    """Run ``func`` on every case; report the first input where it differs from ``expected``.

    The report shows the input, what came back and what is wrong with it (the wrong type, too
    large or too small, which part of a pair), never the value it should have returned.

    Parameters
    ----------
    expected : callable
        ``expected(*case)``: the right value, or an exception class the function must raise.
    returns : str
        What the function must return, in words: ``"an int, the floor of ticks * 10**9 / hz"``.
    parts : tuple of str
        Names of the parts of a tuple result (``("mult", "offset")``): the report says which
        part is wrong.
    diagnose : callable, optional
        ``diagnose(case, value)`` may explain a typical mistake; ``value`` is the result read
        as a plain int (or tuple of ints), or None when it is not one.
    own_code : str, optional
        A package the function may not call (``"tscmath"``): the exercise asks for the
        arithmetic itself; while the function runs, the package's functions raise.
    time_limit_s : float, optional
        The student's calls together may run this long (default :data:`STUDENT_TIME_LIMIT_S`);
        a call still running then, a ``sys.exit``, an ``os._exit`` or a ``KeyboardInterrupt`` is
        reported as a failed case, never raised.

    Returns
    -------
    (passed, message)
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
            with _library_off(own_code):  # restored only after the time limit is disarmed
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
        except RegisterEscape as exc:
            return False, f"{call}: {exc}."
        except FloatUsed as exc:
            return False, f"{call}: {exc}. Floats cannot hold every 64-bit value."
        except BaseException as exc:  # the student's own error: show it, go no further
            used = _library_used(exc) if own_code else None
            if used:
                return False, (
                    f"{call} called {used}: this exercise asks you to write the arithmetic "
                    f"yourself ({own_code} is what checks yours)."
                )
            kind = type(exc).__name__
            if _is_error(want):
                if isinstance(exc, want):
                    continue
                return (
                    False,
                    f"{call} should raise {want.__name__}, but raised {kind}: {_text(exc)}",
                )
            return False, f"{call} raised {kind}: {_text(exc)}"
        value = None if _is_error(want) else _normalised(got, want)
        if _is_error(want):
            note = _diagnosis(diagnose, case, _normalised(got, 0))
            return False, (
                f"{call} returned {_described(got)}, but should raise {want.__name__}"
                + (f": {note}" if note else ".")
            )
        if isinstance(got, float):
            return False, (
                f"{call} returned the float {got!r}. Floats hold only 53 bits: keep TSC "
                "arithmetic in integers (//, >>)."
            )
        if value is None:
            return False, f"{call} returned {_described(got)}; {name} must return {returns}."
        if value != want:
            note = _diagnosis(diagnose, case, value)
            wrong = _what_is_wrong(value, want, name, returns, parts)
            return False, f"{call} returned {_described(got)}{wrong}" + (f" {note}" if note else "")
    return True, f"All {count} hidden cases pass, edge values included."


def _described(got: Any) -> str:
    """:func:`describe`, with a register the student computed shown as the int it holds."""
    return describe(_plain(got) if isinstance(got, Reg64) else got)


def _diagnosis(diagnose: Callable[..., str | None] | None, case: tuple, value: Any) -> str | None:
    if diagnose is None:
        return None
    try:
        return diagnose(case, value)
    except Exception:  # noqa: BLE001 - a diagnosis is a bonus: never let it hide the verdict
        return None


def _what_is_wrong(value: Any, want: Any, name: str, returns: str, parts: tuple[str, ...]) -> str:
    """How ``value`` is off, without showing ``want``: ", which is too large: ..."."""
    if isinstance(value, tuple):
        names = parts if len(parts) == len(value) else [f"item {i}" for i in range(len(value))]
        verdicts = [
            f"its {n} is {'right' if v == w else 'not right'}"
            for n, v, w in zip(names, value, want, strict=True)
        ]
        return ": " + ", ".join(verdicts) + "."
    side = "large" if value > want else "small"
    return f", which is too {side}: {name} must return {returns}."


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
