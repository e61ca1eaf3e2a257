"""Checkers of notebook 09, "Exercises: counting and scaling" (topics of chapters 01-05).

Each exercise's numbers live in one :class:`~tsccourse.exercises.core.Givens` object here; the
notebook's setup cells read them with ``check.givens(id)``. Every expected value is computed
from :mod:`tscmath`, every typical wrong answer from the mistaken formula it comes from, so
the feedback can say what went wrong and where to look, without giving the answer.

Examples
--------
>>> from tsccourse.exercises import check
>>> print(check.ns_from_ticks(2_000_000_000).message)  # doctest: +ELLIPSIS
You divided before multiplying...
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from fractions import Fraction
from numbers import Number
from typing import Any

import tscmath as tm
from tscmath.conversions import SECONDS_PER_DAY

from .coding import Reg64, first_failure
from .core import (
    U64_RANGE,
    Givens,
    Refused,
    close,
    half_up,
    hint_pointer,
    numeric_exercise,
    register,
)
from .deadline import TimeLimitExceeded, call_with_time_limit, format_seconds

NOTEBOOK = "09-exercises-counting-and-scaling.ipynb"

TICKS_TO_NS = "chapter 02, section 'Ticks to nanoseconds: multiply first'"
COMPUTING_M = "chapter 04, section 'Computing M, and where it stops'"
FORMATS = "chapter 04, section 'The formats, bit by bit'"
PRODUCT_128 = "chapter 04, section 'The 128-bit product'"
ANCHORING = "chapter 03, section 'Anchoring at boot'"
MODULO = "chapter 03, section 'Arithmetic modulo 2^64'"
DRIFT = "chapter 05, section 'Truncation drift'"
BOUND = "chapter 05, section 'The bound, derived and checked'"

# ---------------------------------------------------------------------------------------------
# 09.1  ticks -> nanoseconds by hand
TICKS_BY_HAND = Givens("09.1", ticks=7_499_999_999, tsc_hz=2_500_000_000)


def _exact_ns(g: Givens) -> Fraction:
    return Fraction(g.ticks * tm.NS_PER_S, g.tsc_hz)


numeric_exercise(
    "09.1",
    "ns_from_ticks",
    "Ticks to nanoseconds by hand",
    NOTEBOOK,
    givens=TICKS_BY_HAND,
    what="the number of nanoseconds",
    expected=lambda g: tm.ticks_to_ns(g.ticks, g.tsc_hz),
    explain=lambda g, right: (
        f"{right} ns: multiply first (ticks * 10**9), then floor-divide by the frequency."
    ),
    where=TICKS_TO_NS,
    mistakes=lambda g: [
        (
            g.ticks // g.tsc_hz * tm.NS_PER_S,
            "You divided before multiplying (ticks // hz * 10**9): that drops every sub-second "
            f"tick and can lose up to one second. Multiply first: see {TICKS_TO_NS}.",
        ),
        *[
            (
                rounded,
                "You rounded; clocks truncate (floor), so a reading never runs ahead of time. "
                f"See {TICKS_TO_NS}.",
            )
            for rounded in (round(_exact_ns(g)), half_up(_exact_ns(g)))
        ],
        (g.ticks // g.tsc_hz, "That is whole seconds; the question asks for nanoseconds."),
        (g.ticks, "That is the number of ticks; convert it to nanoseconds."),
    ],
    hints=(
        "A 2.5 GHz counter advances 2.5 ticks every nanosecond: divide by the frequency, "
        "but mind the order of the integer operations.",
        "Integer division throws away the remainder: multiply ticks by 10**9 before the //.",
    ),
)

# ---------------------------------------------------------------------------------------------
# 09.2  a multiplier by hand;  09.3  how slow the guest runs
MULTIPLIER_BY_HAND = Givens("09.2", guest_hz=2_000_000_000, host_hz=2_500_000_000)
MULTIPLIER_FORMAT = tm.AMD_SVM


def _exact_multiplier(g: Givens) -> Fraction:
    return Fraction(g.guest_hz << MULTIPLIER_FORMAT.frac_bits, g.host_hz)


def _rounded_up(g: Givens, value: Any) -> bool:
    exact = _exact_multiplier(g)
    return exact.denominator != 1 and value == int(exact) + 1


numeric_exercise(
    "09.2",
    "multiplier_by_hand",
    "An AMD 8.32 multiplier by hand",
    NOTEBOOK,
    givens=MULTIPLIER_BY_HAND,
    what="the multiplier",
    allow_hex=True,
    expected=lambda g: tm.multiplier(g.guest_hz, g.host_hz, MULTIPLIER_FORMAT),
    explain=lambda g, right: (
        f"{right:#x} = floor(2**32 * 2.0/2.5). 0.8 has no finite binary expansion, so the "
        "multiplier is truncated and the guest runs a little slow."
    ),
    where=COMPUTING_M,
    mistakes=lambda g: [
        (
            lambda value: _rounded_up(g, value),
            "You rounded up; the hardware recipe (bhyve, KVM, tsc-simulator) truncates. See "
            f"{COMPUTING_M}.",
        ),
        (
            (g.host_hz << MULTIPLIER_FORMAT.frac_bits) // g.guest_hz,
            f"You divided host by guest; M means guest_hz / host_hz. See {COMPUTING_M}.",
        ),
        (
            tm.multiplier(g.guest_hz, g.host_hz, tm.INTEL_VMX),
            f"That is an Intel 16.48 multiplier; AMD SVM uses 32 fraction bits. See {FORMATS}.",
        ),
        (
            MULTIPLIER_FORMAT.one,
            "That is ratio 1.0 (no scaling); this guest must run slower than its host.",
        ),
        (
            g.guest_hz // g.host_hz,
            "You divided the frequencies in integers first, which leaves 0: shift the guest "
            f"frequency left by 32 before dividing. See {COMPUTING_M}.",
        ),
    ],
    hints=(
        "M is a fixed-point number with 32 fraction bits: the ratio guest_hz / host_hz "
        "times 2**32.",
        "Integer division first would give 0: shift guest_hz left by 32 bits, then divide by "
        "host_hz, and keep the floor (truncate). Then compare with tm.multiplier.",
    ),
)


def _relative_rate(g: Givens, value: Any) -> bool:
    lost = tm.drift_ticks_per_second(g.guest_hz, g.host_hz, MULTIPLIER_FORMAT)
    return close(value, lost / g.guest_hz) or close(value, lost / g.guest_hz * 10**6)


numeric_exercise(
    "09.3",
    "guest_slowdown",
    "How slow the scaled guest runs",
    NOTEBOOK,
    givens=MULTIPLIER_BY_HAND,
    what="the ticks lost per second",
    tolerance=Fraction(1, 1000),
    relative=True,
    expected=lambda g: tm.drift_ticks_per_second(g.guest_hz, g.host_hz, MULTIPLIER_FORMAT),
    explain=lambda g, right: (
        f"About {float(right):.4g} ticks/s: host_hz * M / 2**32 falls short of guest_hz "
        "because M was truncated."
    ),
    where=DRIFT,
    mistakes=lambda g: [
        (
            0,
            "Not zero: 0.8 has no finite binary expansion, so M is truncated and the guest "
            f"runs slow. See {DRIFT}.",
        ),
        (
            -tm.drift_ticks_per_second(g.guest_hz, g.host_hz, MULTIPLIER_FORMAT),
            "Wrong sign: truncation makes the guest slow, never fast.",
        ),
        (
            Fraction(g.host_hz, MULTIPLIER_FORMAT.one),
            "That is the upper bound host_hz / 2**32; the actual loss for this M is smaller. "
            f"See {DRIFT}.",
        ),
        (
            lambda value: _relative_rate(g, value),
            "That is a relative rate; the question asks for ticks per second.",
        ),
    ],
    hints=(
        "The guest sees host_hz * M / 2**32 ticks per second; it was promised guest_hz.",
        "Use the truncated M of 09.2 and exact arithmetic (Fraction), not floats.",
    ),
)

# ---------------------------------------------------------------------------------------------
# 09.4  the offset at guest boot
BOOT_OFFSET = Givens(
    "09.4", boot_guest_hz=2_000_000_000, boot_host_hz=3_000_000_000, host_tsc_at_boot=6_000_000_000
)
BOOT_FORMAT = tm.AMD_SVM


def _boot_scaled(g: Givens) -> int:
    mult = tm.multiplier(g.boot_guest_hz, g.boot_host_hz, BOOT_FORMAT)
    return tm.scale(g.host_tsc_at_boot, mult, BOOT_FORMAT)


numeric_exercise(
    "09.4",
    "boot_offset",
    "The offset that starts a guest at 0",
    NOTEBOOK,
    givens=BOOT_OFFSET,
    what="the offset",
    allow_hex=True,
    expected=lambda g: tm.to_u64(-_boot_scaled(g)),
    explain=lambda g, right: (
        f"{right:#x}, i.e. -{_boot_scaled(g)} guest ticks stored as u64: the offset is minus "
        "the scaled host TSC at boot."
    ),
    where=ANCHORING,
    mistakes=lambda g: [
        (
            -_boot_scaled(g),
            "That is the signed value; the register holds a u64, so store it mod 2**64. See "
            f"{MODULO}.",
        ),
        (
            tm.to_u64(-g.host_tsc_at_boot),
            "That offset is in host ticks; the offset is added after scaling, so it is in "
            f"guest ticks. See {ANCHORING}.",
        ),
        (
            -g.host_tsc_at_boot,
            "That offset is in host ticks (and signed); the offset is added after scaling, "
            f"so it is in guest ticks, and the register holds a u64. See {ANCHORING}.",
        ),
        (
            tm.to_u64(-(g.host_tsc_at_boot * g.boot_guest_hz // g.boot_host_hz)),
            "You scaled with the exact ratio 2/3; the hardware scales with the truncated "
            f"multiplier, which gives a slightly different scaled TSC. See {COMPUTING_M}.",
        ),
        (_boot_scaled(g), "Wrong sign: the guest must read 0 = scale(h0, M) + offset."),
    ],
    hints=(
        "At boot the guest must read 0: write the equation guest_tsc = scale(host_tsc, M) + "
        "offset (mod 2**64) for that moment.",
        "The offset is added after scaling, so it is in guest ticks; scale the host TSC with "
        "the truncated M (tm.multiplier, tm.scale).",
        "First compute the scaled host TSC at boot, scale(host_tsc_at_boot, M); then ask "
        "what u64 added to it gives 0 modulo 2**64.",
    ),
)

# ---------------------------------------------------------------------------------------------
# 09.5  days until 1 ms of drift
DRIFT_DAYS = Givens("09.5", drift_guest_hz=2_994_374_000, drift_host_hz=3_000_000_000)
DRIFT_FORMAT = tm.AMD_SVM


def drift_days_exact(guest_hz: int, host_hz: int, fmt: tm.FixedPointFormat) -> Fraction:
    """Days until a guest scaled with ``fmt`` has fallen 1 ms behind (exact)."""
    lost_per_s = tm.drift_ticks_per_second(guest_hz, host_hz, fmt)
    ticks_per_ms = Fraction(guest_hz, 1000)
    return ticks_per_ms / lost_per_s / SECONDS_PER_DAY


def _days(g: Givens, fmt: tm.FixedPointFormat = DRIFT_FORMAT) -> Fraction:
    return drift_days_exact(g.drift_guest_hz, g.drift_host_hz, fmt)


def _near(target: Fraction) -> Any:
    return lambda value: close(value, target, Fraction(2, 1000))


def _lost(g: Givens) -> Fraction:
    return tm.drift_ticks_per_second(g.drift_guest_hz, g.drift_host_hz, DRIFT_FORMAT)


numeric_exercise(
    "09.5",
    "drift_days",
    "Days until the guest is 1 ms behind",
    NOTEBOOK,
    givens=DRIFT_DAYS,
    what="the number of days",
    tolerance=Fraction(1, 100),
    expected=_days,
    explain=lambda g, right: (
        f"About {float(right):.2f} days: 1 ms is guest_hz/1000 guest ticks, lost at "
        f"{float(_lost(g)):.3f} ticks/s."
    ),
    where=DRIFT,
    mistakes=lambda g: [
        (
            _near(
                Fraction(g.drift_guest_hz, 1000)
                / Fraction(g.drift_host_hz, DRIFT_FORMAT.one)
                / SECONDS_PER_DAY
            ),
            "You used the worst-case bound host_hz / 2**32; compute the actual loss for this "
            f"multiplier (tm.drift_ticks_per_second). See {DRIFT}.",
        ),
        (
            _near(Fraction(10**6) / _lost(g) / SECONDS_PER_DAY),
            "You treated lost ticks as nanoseconds; a guest tick lasts 1/guest_hz seconds: how "
            "many guest ticks make 1 ms?",
        ),
        (
            _near(Fraction(g.drift_host_hz, 1000) / _lost(g) / SECONDS_PER_DAY),
            "A lost guest tick lasts 1/guest_hz seconds, not 1/host_hz: count 1 ms in guest ticks.",
        ),
        (
            _near(_days(g, tm.INTEL_VMX)),
            "That is the Intel 16.48 answer; the question is about AMD 8.32.",
        ),
        (_near(_days(g) * SECONDS_PER_DAY), "That is in seconds; the question asks for days."),
        (_near(_days(g) * 24), "That is in hours; the question asks for days."),
    ],
    hints=(
        "Two numbers: how many guest ticks 1 ms is, and how many ticks the guest loses each "
        "second (09.3 computed such a loss).",
        "1 ms is guest_hz / 1000 guest ticks; tm.drift_ticks_per_second gives the exact loss "
        "per second for the truncated multiplier.",
        "Divide the ticks of 1 ms by the ticks lost per second: that is seconds; then convert "
        "to days.",
    ),
)


# ---------------------------------------------------------------------------------------------
# 09.6  code: ticks_to_ns
def _u64_cases(seed: int, count: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(1 << rng.randrange(1, 65)) for _ in range(count)]


def ticks_to_ns_cases() -> list[tuple[int, int]]:
    """Hidden cases of 09.6: edge values first, then seeded random ones."""
    hzs = [1, 1_000_000_000, 2_994_374_000, 3_000_000_000, 33_333_333]
    cases = [
        (0, 3_000_000_000),
        (1, 3_000_000_000),
        (5_999_999_999, 3_000_000_000),
        (U64_RANGE - 1, 3_000_000_000),
        (U64_RANGE - 1, 1),
        (2**53 + 1, 1_000_000_000),
    ]
    rng = random.Random(9_6)
    cases += [(t, rng.choice(hzs)) for t in _u64_cases(96, 40)]
    return cases


@register(
    "09.6",
    "code_ticks_to_ns",
    "Code: exact ticks to nanoseconds",
    NOTEBOOK,
    where=TICKS_TO_NS,
    hints=(
        "Python ints have no size limit: an exact answer needs only integer operations.",
        "Multiply by 10**9 first, then floor-divide by hz; never use / (it gives a float).",
    ),
    guard_time=False,
)
def code_ticks_to_ns(func: Any) -> tuple[bool, str]:
    """Run the student's ``ticks_to_ns(ticks, hz)`` on hidden cases."""

    def diagnose(case: tuple[int, int], got: Any) -> str | None:
        ticks, hz = case
        if got == ticks // hz * tm.NS_PER_S:
            return (
                f"You divided before multiplying: that drops up to one second. See {TICKS_TO_NS}."
            )
        exact = Fraction(ticks * tm.NS_PER_S, hz)
        if got in (round(exact), half_up(exact)):
            return "You rounded; floor instead (//)."
        if got == int(ticks * 1e9 / hz):
            return "Floats hold only 53 bits: compute ticks * 10**9 // hz in integers."
        return None

    return first_failure(
        func,
        ticks_to_ns_cases(),
        tm.ticks_to_ns,
        name="ticks_to_ns",
        returns="an int, the floor of ticks * 10**9 / hz",
        diagnose=diagnose,
        own_code="tscmath",
    )


# ---------------------------------------------------------------------------------------------
# 09.7  code: a multiplier with range checks
def multiplier_cases() -> list[tuple[int, int, int, int]]:
    """Hidden cases of 09.7 as (guest_hz, host_hz, int_bits, frac_bits)."""
    cases = [
        (2000, 3000, 8, 32),
        (2000, 3000, 16, 48),
        (3000, 2000, 8, 32),
        (1, 1, 8, 32),
        (255 * 1000 + 999, 1000, 8, 32),  # just below 256x: largest ratio that fits
        (256 * 1000, 1000, 8, 32),  # exactly 256x: M = 2**40 does not fit
        (1, 2**33, 8, 32),  # M = 0 does not fit
        (1, 2**32, 8, 32),  # M = 1, the smallest
        (65_535, 1, 16, 48),
        (65_536, 1, 16, 48),
        (2_994_374_000, 3_000_000_000, 16, 48),
        (3_000_000_001, 2_999_999_998, 16, 48),
    ]
    rng = random.Random(97)
    for _ in range(30):
        int_bits, frac_bits = rng.choice([(8, 32), (16, 48)])
        cases.append(
            (rng.randrange(10**6, 5 * 10**9), rng.randrange(10**6, 5 * 10**9), int_bits, frac_bits)
        )
    return cases


def _expected_multiplier(guest_hz: int, host_hz: int, int_bits: int, frac_bits: int) -> Any:
    fmt = tm.FixedPointFormat(int_bits, frac_bits, f"{int_bits}.{frac_bits}")
    try:
        return tm.multiplier(guest_hz, host_hz, fmt)
    except tm.RatioOutOfRange:
        return ValueError


@register(
    "09.7",
    "code_multiplier",
    "Code: a multiplier with range checks",
    NOTEBOOK,
    where=COMPUTING_M,
    hints=(
        "Two parts: the truncated quotient, then a range check before returning it.",
        "Compute M with integer operations only (<< and //), then compare it with the valid "
        "range before returning; raise ValueError outside it.",
    ),
    guard_time=False,
)
def code_multiplier(func: Any) -> tuple[bool, str]:
    """Run the student's ``multiplier(guest_hz, host_hz, int_bits, frac_bits)``."""

    def diagnose(case: tuple[int, int, int, int], got: Any) -> str | None:
        guest_hz, host_hz, int_bits, frac_bits = case
        exact = Fraction(guest_hz << frac_bits, host_hz)
        if _expected_multiplier(*case) is ValueError:
            return (
                f"This M does not fit in {int_bits}.{frac_bits} (valid: 1 .. "
                f"2**{int_bits + frac_bits} - 1): check the range before returning. See "
                f"{COMPUTING_M}."
            )
        if got is None:
            return None
        if got in (round(exact), half_up(exact)):
            return "You rounded; truncate (floor) as the hardware recipe does."
        if isinstance(got, int) and got == int(float(exact)):
            return "Floats lost bits: compute (guest_hz << frac_bits) // host_hz in integers."
        return None

    return first_failure(
        func,
        multiplier_cases(),
        _expected_multiplier,
        name="multiplier",
        returns="an int, floor(2**frac_bits * guest_hz / host_hz), when it fits",
        diagnose=diagnose,
        own_code="tscmath",
    )


# ---------------------------------------------------------------------------------------------
# 09.8  code: scale with 32-bit limbs, every intermediate below 2**64
def scale_cases() -> list[tuple[int, int, int]]:
    """Hidden cases of 09.8 as (tsc, mult, frac_bits), 8.32 and 16.48 multipliers."""
    cases = [
        (5_890_513_020, 1 << 31, 32),
        (5_890_513_020, (1 << 48) | (1 << 47), 48),
        (U64_RANGE - 1, 1 << 48, 48),
        (U64_RANGE - 1, (1 << 32) | (1 << 31), 32),  # overflows: low 64 bits
        (0, 2**40 - 1, 32),
        (U64_RANGE - 1, 2**40 - 1, 32),
        (U64_RANGE - 1, U64_RANGE - 1, 48),
        (2**32 - 1, 2**32 - 1, 32),
        (2**32, 2**32, 32),
        (1, 1, 48),
    ]
    rng = random.Random(98)
    for _ in range(60):
        frac_bits = rng.choice([32, 48])
        top = 2**40 if frac_bits == 32 else U64_RANGE
        cases.append((rng.randrange(U64_RANGE), rng.randrange(1, top), frac_bits))
    return cases


def _expected_scale(tsc: int, mult: int, frac_bits: int) -> int:
    fmt = tm.FixedPointFormat(64 - frac_bits, frac_bits, f"{64 - frac_bits}.{frac_bits}")
    return tm.scale(tsc, mult, fmt, wrap=True)


@register(
    "09.8",
    "code_scale_limbs",
    "Code: scale with 32-bit limbs",
    NOTEBOOK,
    where=PRODUCT_128,
    hints=(
        "Split each operand into a high and a low 32-bit half; each of the four partial "
        "products fits in 64 bits.",
        "Add the middle terms with their carries: (low product >> 32) + the low halves of the "
        "two cross products stays below 3 * 2**32.",
        "Assemble the 128-bit product as high:low, then return bits frac_bits .. frac_bits + "
        "63 of it.",
    ),
    guard_time=False,
)
def code_scale_limbs(func: Any) -> tuple[bool, str]:
    """Run the student's ``scale_limbs(tsc, mult, frac_bits)`` with 64-bit-register inputs."""

    def diagnose(case: tuple[int, int, int], got: Any) -> str | None:
        tsc, mult, frac_bits = case
        full = (tsc * mult) >> frac_bits
        if full >> 64 and got == full:
            return "The result does not fit in 64 bits: return its low 64 bits, as hardware does."
        if isinstance(got, int) and got == (full & (U64_RANGE - 1)) >> 1:
            return "Off by a factor of two: check the shift amounts."
        return (
            "Compare your high and low 64-bit halves with (tsc * mult) >> 64 and & (2**64-1). "
            f"See {PRODUCT_128}."
        )

    return first_failure(
        func,
        scale_cases(),
        _expected_scale,
        name="scale_limbs",
        returns="an int, the low 64 bits of floor(tsc * mult / 2**frac_bits)",
        diagnose=diagnose,
        wrap_inputs=lambda case: (Reg64(case[0]), Reg64(case[1]), case[2]),
        own_code="tscmath",
    )


# ---------------------------------------------------------------------------------------------
# 09.9  an error bound with SymPy
SYMPY_TIME_LIMIT_S = 5.0
"""Seconds the SymPy exercise may spend reading and comparing one answer."""

_LONGEST_EXPRESSION = 300
_LARGEST_LITERAL = 10**30
_LARGEST_EXPONENT = 1000
_POWER_TOWER = re.compile(r"\*\*\s*\(?\s*[\w.]+\s*\)?\s*\*\*|\^\s*\(?\s*[\w.]+\s*\)?\s*\^")


def _symbols() -> tuple[Any, Any]:
    import sympy as sp

    return sp.Symbol("host_hz", positive=True), sp.Symbol("F", positive=True, integer=True)


def _refuse_absurd_text(text: str) -> None:
    """Refuse strings whose parse could run for ever (power towers, huge literals)."""
    if len(text) > _LONGEST_EXPRESSION:
        raise Refused(f"Your expression has {len(text)} characters; the bound is much shorter.")
    if _POWER_TOWER.search(text):
        raise Refused("Your expression has a tower of powers (a**b**c); the bound has none.")
    if re.search(r"\d[eE][+-]?\d{4,}", text) or any(
        int(n) > _LARGEST_LITERAL for n in re.findall(r"\d+", text)
    ):
        raise Refused("Your expression has a huge number in it; the bound has only small ones.")


def _refuse_absurd_expression(expr: Any) -> None:
    """Refuse what could make SymPy compute for ever: functions, huge numbers or exponents.

    The bound needs only symbols, small numbers, ``+ - * /`` and ``**``.
    """
    import sympy as sp

    allowed = (sp.Symbol, sp.Number, sp.Add, sp.Mul, sp.Pow, sp.core.numbers.NumberSymbol)
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, allowed):
            raise Refused(
                f"Your expression uses {type(node).__name__}; the bound needs only host_hz, F, "
                "small numbers and + - * / **."
            )
        if isinstance(node, sp.Number) and node.is_finite is not True:
            raise Refused(f"Your expression has {node} in it; the bound is a finite expression.")
        if isinstance(node, sp.Number) and abs(node) > _LARGEST_LITERAL:
            raise Refused("Your expression has a huge number in it; the bound has only small ones.")
        if isinstance(node, sp.Pow) and node.exp.is_Number and abs(node.exp) > _LARGEST_EXPONENT:
            raise Refused("Your expression has a huge power in it; the bound has only small ones.")
    if sp.count_ops(expr) > 100:
        raise Refused("Your expression is very long; the bound is a short one.")


def _read_bound(answer: Any) -> Any:
    import sympy as sp

    if isinstance(answer, str):
        if not answer.strip():
            raise Refused("Your answer is an empty string: give the bound as a SymPy expression.")
        _refuse_absurd_text(answer)
        try:  # first unevaluated, so that nothing is computed before the checks
            parsed = sp.parse_expr(answer, evaluate=False)
        except Exception as exc:  # noqa: BLE001 - SymPy's parser raises many kinds
            raise Refused(f"Could not read {answer!r:.60} as a SymPy expression ({exc}).") from None
        _refuse_absurd_expression(parsed)
    try:
        expr = sp.sympify(answer, rational=True) if isinstance(answer, str) else sp.sympify(answer)
    except Exception as exc:  # noqa: BLE001 - SymPy's parser raises many kinds
        raise Refused(f"Could not read {answer!r:.60} as a SymPy expression ({exc}).") from None
    if not isinstance(expr, sp.Expr):
        raise Refused(f"Give a SymPy expression in host_hz and F; got {type(expr).__name__}.")
    if not expr.free_symbols:
        raise Refused("Give a SymPy expression in host_hz and F, not a number.")
    _refuse_absurd_expression(expr)
    return expr


def _judge_bound(answer: Any) -> tuple[bool, str]:
    import sympy as sp

    host_hz, frac = _symbols()
    expr = _read_bound(answer)
    names = {s.name: s for s in expr.free_symbols}
    unknown = set(names) - {"host_hz", "F"}
    if unknown:
        if "guest_hz" in unknown:
            raise Refused(
                "The bound does not need guest_hz: M's truncation error is below 1 (in units of "
                "2**-F), and it multiplies host ticks. Use only host_hz and F."
            )
        raise Refused(f"Use only the symbols host_hz and F; found {sorted(unknown)}.")
    expr = expr.subs({names[n]: s for n, s in (("host_hz", host_hz), ("F", frac)) if n in names})
    right = host_hz / 2**frac

    def equal(a: Any, b: Any) -> bool:
        if sp.simplify(a - b) == 0:
            return True
        points = [(3 * 10**9, 32), (2_500_000_000, 48), (7, 5)]
        return all(
            sp.nsimplify(a.subs({host_hz: h, frac: f}) - b.subs({host_hz: h, frac: f})) == 0
            for h, f in points
        )

    if equal(expr, right):
        return True, (
            "host_hz / 2**F: with M = 2**F*g/h - r and 0 <= r < 1, the loss g - h*M/2**F "
            "equals h*r/2**F < h/2**F. For 8.32 at 3 GHz that is about 0.7 ticks/s."
        )
    for wrong, message in [
        (1 / 2**frac, "That bounds the ratio error M/2**F - g/h; the question asks for ticks/s."),
        (host_hz * 2**frac, "The truncation error is a fraction of one unit of 2**-F: divide."),
        (host_hz / 2 ** (frac + 1), "That is half the bound: truncation is not rounding."),
        (2**frac / host_hz, "Upside down: the bound grows with host_hz and shrinks with F."),
    ]:
        if equal(expr, wrong):
            return False, f"{message} See {BOUND}."
    return False, f"Not right. Look again at {BOUND}. {hint_pointer('09.9')}"


@register(
    "09.9",
    "error_bound",
    "Derive the truncation error bound with SymPy",
    NOTEBOOK,
    where=BOUND,
    hints=(
        "Write the truncated multiplier as M = 2**F * g / h - r with 0 <= r < 1.",
        "Substitute it into the ticks lost per second, g - h * M / 2**F, and let SymPy expand: "
        "guest_hz cancels.",
        "What is left grows with r; take its value where r is 1, which r never reaches.",
    ),
    guard_time=False,
)
def error_bound(answer: Any) -> tuple[bool, str]:
    """A SymPy expression in ``host_hz`` and ``F``: the bound on ticks lost per second."""
    import sympy  # noqa: F401  (imported before the time limit starts: the first import is slow)

    if isinstance(answer, (Number, Decimal)) or type(answer).__module__.startswith("numpy"):
        raise Refused("Give a SymPy expression in host_hz and F, not a number.")
    if answer is None:
        raise Refused("Your answer is None: assign the SymPy expression to `bound`.")
    try:
        return call_with_time_limit(SYMPY_TIME_LIMIT_S, _judge_bound, answer)
    except TimeLimitExceeded:
        return False, (
            f"SymPy could not compare your expression within {format_seconds(SYMPY_TIME_LIMIT_S)}"
            "; the bound is a short expression in host_hz and F."
        )
