"""Checkers fed every kind of answer: exact reading, time limits, feedback that keeps the answer.

* every answer is normalised first: a numpy scalar of any dtype is read exactly (a wrong answer
  as ``np.int64`` is wrong, as it is as an ``int``);
* every checker returns a :class:`Result` for every answer type (numpy scalars of each dtype,
  floats, strings, None, huge ints, functions that loop, raise or exit), never raises, never
  hangs;
* no wrong-answer message and no hint shows an exercise's expected value, in decimal, hex or
  with separators, nor as an arithmetic expression that evaluates to it;
* hints come in levels, per exercise, and can be reset.
"""

from __future__ import annotations

import ast
import operator
import os
import re
import sys
import time
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy  # noqa: F401 - its first import is slow (seconds on a busy machine), not a check's time
from hypothesis import given, settings
from hypothesis import strategies as st

import tscmath as tm
from tsccourse.exercises import Result, check, exercises
from tsccourse.exercises import coding as coding_module
from tsccourse.exercises.core import REGISTRY

U64 = 2**64
NUMERIC = [e for e in exercises() if e.answer_values()]
CODING = ["09.6", "09.7", "09.8", "10.3"]
INTEGER_DTYPES = [
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
]
FLOAT_DTYPES = [np.float16, np.float32, np.float64, np.longdouble]


def _exact_ids() -> list[str]:
    """Numeric exercises whose answer is an exact integer (no tolerance)."""
    return [e.id for e in NUMERIC if isinstance(e.answer_values()[0], int)]


# --------------------------------------------------------------------------------------------
# 1. Normalisation: numpy scalars are read exactly.
def test_the_numpy_answers_the_fuzzer_found_are_wrong_again():
    assert not check("09.5", np.int64(2147483648)).passed
    assert not check("09.5", 2147483648).passed
    assert not check("05.1", np.int64(2**62)).passed
    assert not check("05.1", np.uint64(2**64 - 1)).passed


@pytest.mark.parametrize("exercise", _exact_ids())
def test_right_answer_passes_in_every_integer_dtype_that_holds_it(exercise):
    right = REGISTRY[exercise].answer_values()[0]
    held = [d for d in INTEGER_DTYPES if np.iinfo(d).min <= right <= np.iinfo(d).max]
    for dtype in held:
        result = check(exercise, dtype(right))
        assert result.passed, (dtype, result.message)
        assert check(exercise, np.array([dtype(right)])).passed  # a one-element array


@settings(max_examples=60, deadline=None)
@given(
    exercise=st.sampled_from([e.id for e in NUMERIC]),
    value=st.integers(-(2**63), 2**64 - 1),
)
def test_a_numpy_integer_gets_the_verdict_and_message_of_the_int_it_holds(exercise, value):
    plain = check(exercise, value)
    for dtype in (np.int64, np.uint64):
        info = np.iinfo(dtype)
        if info.min <= value <= info.max:
            numpy_result = check(exercise, dtype(value))
            assert (numpy_result.passed, numpy_result.message) == (plain.passed, plain.message)


@settings(max_examples=60, deadline=None)
@given(
    exercise=st.sampled_from([e.id for e in NUMERIC]),
    value=st.floats(allow_nan=False, allow_infinity=False, width=32),
    dtype=st.sampled_from([np.float32, np.float64, np.longdouble]),
)
def test_a_numpy_float_gets_the_verdict_of_its_exact_value(exercise, value, dtype):
    scalar = dtype(value)
    exact = Fraction(*scalar.as_integer_ratio())
    if exact.denominator == 1 and abs(exact) >= 2 ** (np.finfo(dtype).nmant + 1):
        return  # refused as a float that cannot hold every integer: tested below
    assert check(exercise, scalar).passed == check(exercise, exact).passed


def test_floats_that_cannot_hold_the_integer_are_refused_clearly():
    right = REGISTRY["09.1"].answer_values()[0]  # about 3e9: above float32's 2**24
    result = check("09.1", np.float32(right))
    assert not result.passed and "2**24" in result.message
    result = check("10.2", float(REGISTRY["10.2"].answer_values()[0]))  # a u64 offset
    assert not result.passed and "2**53" in result.message


# --------------------------------------------------------------------------------------------
# 2. Every answer type gets a Result; nothing raises, nothing hangs.
def _loops(*args):
    while True:
        pass


def _loops_and_swallows(*args):
    while True:
        try:
            while True:
                pass
        except Exception:  # noqa: BLE001 - a student who catches every error and goes on
            pass


def _swallows_once(*args):
    try:
        while True:
            pass
    except BaseException:  # noqa: BLE001 - swallows the first time-out, then loops again
        pass
    while True:
        pass


def _raises(*args):
    raise RuntimeError("boom")


def _exits(*args):
    sys.exit(3)


def _hard_exits(*args):
    os._exit(3)


def _interrupts(*args):
    raise KeyboardInterrupt


def _sleeps(*args):
    time.sleep(3600)


class _Liar:
    """Claims to equal everything."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def _returns_liar(*args):
    return _Liar()


def _returns_liars(*args):
    return (_Liar(), _Liar())


ANSWERS = [
    *[dtype(1) for dtype in INTEGER_DTYPES],
    np.int64(-(2**63)),
    np.uint64(2**64 - 1),
    *[dtype(0.5) for dtype in FLOAT_DTYPES],
    np.float64("nan"),
    np.float32("inf"),
    np.complex64(1 + 2j),
    np.complex128(3),
    np.bool_(True),
    np.str_("12"),
    np.bytes_(b"12"),
    np.datetime64("2026-01-01"),
    np.timedelta64(5, "s"),
    np.array(7),
    np.array([1, 2]),
    0.5,
    -0.0,
    1e300,
    float("inf"),
    float("nan"),
    Decimal("1e999999"),
    Fraction(1, 3),
    "",
    "abc",
    "1e999999999",
    "9**9**9**9",
    "0x" + "f" * 5000,
    "1" * 5000,
    "x" * 1_000_000,
    None,
    True,
    ...,
    2**10_000,
    -(2**64),
    _Liar(),
    [1, 2],
    {"a": 1},
    object(),
    _loops,
    _loops_and_swallows,
    _swallows_once,
    _raises,
    _exits,
    _hard_exits,
    _interrupts,
    _sleeps,
    _returns_liar,
    _returns_liars,
]


@pytest.fixture
def short_time_limits(monkeypatch):
    monkeypatch.setattr(coding_module, "STUDENT_TIME_LIMIT_S", 0.2)


@pytest.mark.parametrize("exercise", [e.id for e in exercises()])
def test_every_answer_type_gets_a_result_and_nothing_escapes(exercise, short_time_limits):
    for answer in ANSWERS:
        started = time.monotonic()
        result = check(exercise, answer)
        elapsed = time.monotonic() - started
        label = f"{exercise} <- {type(answer).__name__}"
        assert isinstance(result, Result), label
        assert isinstance(result.passed, bool) and isinstance(result.message, str), label
        assert not result.passed, f"{label} passed: {result.message}"
        assert result.message and "Traceback" not in result.message, label
        assert elapsed < 6, f"{label} took {elapsed:.1f} s"
    assert os._exit.__module__ in ("posix", "nt"), "os._exit was not restored"


@pytest.mark.parametrize("exercise", CODING)
def test_a_function_that_never_returns_fails_with_a_time_limit_message(exercise):
    started = time.monotonic()
    result = check(exercise, _loops)
    elapsed = time.monotonic() - started
    limit = coding_module.STUDENT_TIME_LIMIT_S
    assert not result.passed and result.answered
    assert f"did not return within {limit:g} s" in result.message, result.message
    assert elapsed < limit + 2


@pytest.mark.parametrize(
    "func, fragment",
    [
        (_exits, "sys.exit(3)"),
        (_hard_exits, "os._exit"),
        (_interrupts, "KeyboardInterrupt"),
        (_raises, "RuntimeError: boom"),
        (_returns_liar, "returned"),
    ],
)
def test_exits_interrupts_and_forged_results_are_reported(func, fragment, short_time_limits):
    for exercise in CODING:
        result = check(exercise, func)
        assert not result.passed and fragment in result.message, (exercise, result.message)


@pytest.mark.parametrize(
    "bomb",
    [
        "9**9**9**9",
        "2**(2**(2**(2**10)))",
        "10**10**10",
        "2**99999999",
        "x" * 400,
        "factorial(10**7)",
    ],
)
def test_sympy_exercise_refuses_or_times_out_on_absurd_input(bomb):
    started = time.monotonic()
    result = check.error_bound(bomb)
    assert not result.passed and result.message
    assert time.monotonic() - started < 8


def test_the_time_limit_stops_a_loop_and_leaves_nothing_armed():
    from tsccourse.exercises.deadline import TimeLimitExceeded, call_with_time_limit

    for func in (_loops_and_swallows, _swallows_once, _sleeps):
        with pytest.raises(TimeLimitExceeded):
            call_with_time_limit(0.1, func)
    time.sleep(0.2)  # a stray alarm would raise here
    assert call_with_time_limit(1.0, sum, [1, 2]) == 3


def test_the_time_limit_works_off_the_main_thread_too():
    import threading

    results = []
    worker = threading.Thread(target=lambda: results.append(check("09.6", _swallows_once)))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert "did not return within" in results[0].message


# --------------------------------------------------------------------------------------------
# 3. No wrong-answer message and no hint gives the answer away.
def _renderings(value) -> list[str]:
    """Ways a message could show ``value``: decimal, separators, hex, rounded decimals."""
    texts = set()
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        number = int(value)
        for v in {number, tm.to_signed(number % U64) if 0 <= number < U64 else number}:
            texts |= {str(v), f"{v:,}", f"{v:_}"}
            if abs(v) >= 16:
                texts |= {hex(v), f"{v:#_x}", f"{v:#x}".upper().replace("0X", "0x")}
        if abs(number) >= 1000:
            texts |= {f"{number:x}", f"{number:X}"}
    else:
        as_float = float(value)
        for digits in range(3, 8):
            texts.add(f"{as_float:.{digits}g}")
        for places in range(1, 5):
            texts.add(f"{as_float:.{places}f}")
        if abs(as_float) >= 100:
            texts |= {f"{int(as_float):,}", str(int(as_float)), f"{round(as_float):,}"}
    return sorted(t for t in texts if len(t.lstrip("-")) >= 2)


def _shows(message: str, text: str) -> bool:
    return re.search(rf"(?<![\w.,]){re.escape(text)}(?![\w]|[.,]\d)", message) is not None


_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
}


def _evaluate(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return Fraction(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, (ast.Pow, ast.LShift, ast.RShift)):
            if right.denominator != 1 or abs(right) > 256:
                raise ValueError("too large")
            if isinstance(node.op, ast.Pow):
                return left ** int(right)
            left, right = int(left), int(right)
        if isinstance(node.op, (ast.BitOr, ast.BitAnd, ast.FloorDiv)):
            return Fraction(_OPS[type(node.op)](int(left), int(right)))
        return Fraction(_OPS[type(node.op)](left, right))
    raise ValueError("not arithmetic")


def _expressions(message: str):
    """Values of the arithmetic expressions written in a message (``1.25 * 2**32``)."""
    cleaned = re.sub(r"(?<=\d),(?=\d{3})", "", message)
    for match in re.finditer(r"[\d(][\d_.xXa-fA-F\s*/+\-<>|&()]*[\d)]", cleaned):
        text = match.group().strip()
        if not re.search(r"\d\s*(\*\*|[*/+\-|&]|<<|>>)\s*[\d(]", text):
            continue
        try:
            yield _evaluate(ast.parse(text, mode="eval").body)
        except (SyntaxError, ValueError, ZeroDivisionError, TypeError, OverflowError):
            continue


def _wrong_answers(exercise):
    right = exercise.answer_values()[0]
    candidates = [0, 1, -1, 7, 10**6, 2**32, 2**40 - 1, 2**64 - 1]
    if isinstance(right, int):
        candidates += [right + d for d in (-3, -2, -1, 1, 2, 3)]
        candidates += [-right, right * 2, right // 2, right * 10, right // 10, right * 1000]
        candidates += [right * 10**9, right + 2**32, hex(right + 1), str(right - 1)]
        candidates += [float(right + 1) if abs(right) < 2**53 else 1.5]
    else:
        candidates += [right * Fraction(k, 100) for k in (50, 90, 97, 103, 110, 200)]
        candidates += [-right, right * 24, right * 86_400, float(right) * 1.5, 0.0]
    return candidates


def _mistake_values(exercise):
    """The wrong values the tests of test_exercises.py use, when they name this exercise."""
    from .test_exercises import CASES, CHAPTER_CASES

    table = {**CASES, **CHAPTER_CASES}
    return [wrong for wrong, _ in table.get(exercise.name, ([], []))[1]]


@pytest.mark.parametrize("exercise", NUMERIC, ids=lambda e: e.id)
def test_no_wrong_answer_message_nor_hint_shows_the_answer(exercise):
    secrets = exercise.answer_values()
    right = secrets[0]
    messages = []
    for answer in [*_wrong_answers(exercise), *_mistake_values(exercise)]:
        result = check(exercise.id, answer)
        if not result.passed:
            messages.append(result.message)
    check.reset_hints(exercise.id)
    messages += [check.hint(exercise.id).text for _ in exercise.hints]
    check.reset_hints(exercise.id)
    assert len(messages) >= 10
    for message in messages:
        for secret in secrets:
            for text in _renderings(secret):
                assert not _shows(message, text), f"{exercise.id} shows {text!r}: {message}"
            for value in _expressions(message):
                near = value == Fraction(secret) or (
                    not isinstance(right, int) and abs(value - Fraction(secret)) < Fraction(1, 10)
                )
                assert not near, f"{exercise.id}: an expression in {message!r} gives the answer"


def test_the_reveal_test_would_catch_the_old_messages():
    old = {
        "04.1": "M = 1.25 * 2**32.",
        "10.6": "Close, but not exact: 40087 looks like the continuous-drift estimate (40086.3).",
        "01.1": "Correct: 0x280000000 = 10,737,418,240",
    }
    for exercise_id, message in old.items():
        secrets = REGISTRY[exercise_id].answer_values()
        shown = any(_shows(message, t) for s in secrets for t in _renderings(s))
        evaluated = any(v == Fraction(s) for s in secrets for v in _expressions(message))
        assert shown or evaluated, exercise_id


def test_a_usual_mistake_says_what_is_wrong_and_where_to_look():
    message = check.ns_from_ticks(7_499_999_999 // 2_500_000_000 * 10**9).message
    assert "divided before multiplying" in message and "chapter 02" in message
    other = check.ns_from_ticks(12_345).message
    assert "chapter 02" in other and 'check.hint("09.1")' in other


# --------------------------------------------------------------------------------------------
# 4. Hints in levels.
def test_hints_come_one_level_at_a_time_per_exercise_and_reset():
    check.reset_hints()
    levels = len(REGISTRY["04.2"].hints)
    assert levels >= 2
    seen = [check.hint("04.2") for _ in range(levels + 2)]
    assert [h.level for h in seen] == [*range(1, levels + 1), levels, levels]
    assert len({h.text for h in seen}) == levels
    assert check.hint("largest_guest_hz").level == levels  # by name: the same exercise
    assert check.hint("09.2").level == 1  # another exercise has its own count
    check.reset_hints("04.2")
    assert check.hint("04.2").level == 1
    assert check.hint("09.2").level == 2
    check.reset_hints()
    assert check.hint("09.2").level == 1
    assert "Hint 1" in check.hint("09.1")._repr_html_()
    check.reset_hints()
    with pytest.raises(KeyError):
        check.hint("99.9")


def test_every_exercise_has_hints_and_a_place_to_look():
    for exercise in exercises():
        assert exercise.hints and exercise.where.startswith("chapter "), exercise.id


# --------------------------------------------------------------------------------------------
# 5. One home for each exercise's numbers.
def test_givens_are_read_only_and_shown_with_their_names():
    givens = check.givens("09.2")
    assert dict(givens) == {"guest_hz": 2_000_000_000, "host_hz": 2_500_000_000}
    assert "host_hz = 2_500_000_000" in repr(givens)
    with pytest.raises(AttributeError):
        givens.host_hz = 1
    with pytest.raises(AttributeError):
        givens.no_such_number  # noqa: B018


def test_the_u64_range_has_one_name_in_the_exercises():
    from pathlib import Path

    import tsccourse.exercises as package

    for path in Path(package.__file__).parent.glob("*.py"):
        text = path.read_text()
        for spelling in ("1 << 64", "2**64 -", "= 2**64", "U64 = "):
            code = "\n".join(
                line for line in text.splitlines() if not line.lstrip().startswith(("#", '"', ">"))
            )
            assert spelling not in code or path.name == "core.py", (path.name, spelling)


# --------------------------------------------------------------------------------------------
# 6. Coding feedback: the failing input and what is wrong, never the value it should return.
def _coding_table():
    from tsccourse.exercises import set09_counting_and_scaling as s09
    from tsccourse.exercises import set10_migration as s10

    return {
        "09.6": (s09.ticks_to_ns_cases(), tm.ticks_to_ns),
        "09.7": (s09.multiplier_cases(), s09._expected_multiplier),
        "09.8": (s09.scale_cases(), s09._expected_scale),
        "10.3": (s10.migrate_cases(), s10.reference_migrate),
    }


def _off_by_one(*case):
    return case[0] + 1


def _wrong_functions(exercise_id):
    """Wrong answers of every shape: off by one, doubled, zero, a pair, an array, a float."""
    plain = [
        lambda *a: 0,
        lambda *a: 12_345_678_901,
        lambda *a: np.uint64(7),
        lambda *a: np.array([1, 2]),
        lambda *a: 2.5,
        lambda *a: (1, 2),
        lambda *a: "0x10",
    ]
    specific = {
        "09.6": [
            lambda t, h: t * 10**9 // h + 1,
            lambda t, h: t * 10**9 // h * 2 + 1,
            lambda t, h: t // h * 10**9,
        ],
        "09.7": [lambda g, h, i, f: (g << f) // h + 1, lambda g, h, i, f: (g << f) // h],
        "09.8": [lambda t, m, f: t >> 1, lambda t, m, f: (t & 0xFFFF_FFFF) * (m & 0xFFFF)],
        "10.3": [
            lambda s, g, b, d, h: ((g << 32) // h, s),
            lambda s, g, b, d, h: ((g << 32) // h + 1, 0),
        ],
    }
    return plain + specific[exercise_id]


def _ints_in(value):
    if isinstance(value, tuple):
        return [v for part in value for v in _ints_in(part)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def _failing_case(message, cases):
    """The case whose call the message shows first (``name(1, 2)``), or None."""
    match = re.match(r"\w+\(([^)]*)\)", message)
    if match is None:
        return None
    shown = tuple(int(x) for x in match.group(1).split(", ") if x)
    return next((c for c in cases if tuple(c) == shown), None)


@pytest.mark.parametrize("exercise_id", CODING)
def test_coding_feedback_shows_the_input_but_never_the_value_it_should_return(exercise_id):
    cases, expected = _coding_table()[exercise_id]
    checked = 0
    for func in _wrong_functions(exercise_id):
        result = check(exercise_id, func)
        assert not result.passed and result.answered, result.message
        assert "could not read your answer" not in result.message, result.message
        assert "expected" not in result.message, result.message
        case = _failing_case(result.message, cases)
        assert case is not None, f"the message must show the failing call: {result.message}"
        want = expected(*case)
        returned = func(*case)
        own = _ints_in(tuple(returned) if isinstance(returned, (tuple, list)) else returned)
        for secret in _ints_in(want):
            if secret in case or secret in own or abs(secret) < 10:
                continue  # an input, the student's own (right) part, or too common a number
            for text in _renderings(secret):
                assert not _shows(result.message, text), (exercise_id, secret, result.message)
        checked += 1
    assert checked >= 8


def test_the_coding_reveal_test_would_catch_the_old_message():
    old = "ticks_to_ns(5999999999, 3000000000) returned 2000000001, expected 1999999999."
    assert any(_shows(old, text) for text in _renderings(1_999_999_999))


def test_the_naive_migration_in_the_notebook_gets_one_symptom_no_fix_no_value():
    """Notebook 10 runs the checker on its naive function in plain sight (cell ex10-13)."""
    from tsccourse.exercises import set10_migration as s10

    def naive_migrate(src_guest_tsc, guest_hz, blackout_ns, dst_host_tsc, dst_host_hz):
        mult = (guest_hz << 32) // dst_host_hz
        tsc_delta = blackout_ns // 1_000_000_000 * guest_hz
        offset = src_guest_tsc + tsc_delta - dst_host_tsc
        return mult, offset

    message = check("10.3", naive_migrate).message
    case = _failing_case(message, s10.migrate_cases())
    mult, offset = s10.reference_migrate(*case)
    assert not any(_shows(message, t) for t in _renderings(offset)), message
    for fix in ("blackout_ns * guest_hz", "scale(dst_host_tsc", "mod 2**64", "% 2**64"):
        assert fix not in message, message
    symptoms = ("multiplier is not", "offset is negative", "in which ticks", "ns blackout")
    assert sum(s in message for s in symptoms) == 1, message


# --------------------------------------------------------------------------------------------
# 7. What the coding exercises hold the code to: 64-bit registers and no library shortcut.
def _escapes_with_int(tsc, mult, frac_bits):
    tsc, mult = int(tsc), int(mult)
    return ((tsc * mult) >> frac_bits) & (2**64 - 1)


def _escapes_with_numpy(tsc, mult, frac_bits):
    return int(np.uint64(tsc) * np.uint64(mult)) >> frac_bits


def _escapes_with_float(tsc, mult, frac_bits):
    return int(float(tsc) * float(mult)) >> frac_bits


def _keeps_registers(tsc, mult, frac_bits):
    """abs, round, math.floor and .real keep a register: the overflow is still caught."""
    import math

    return (abs(tsc) * round(mult) * math.floor(tsc.real)) >> frac_bits


@pytest.mark.parametrize(
    "func, fragment",
    [
        (_escapes_with_int, "int() turns the 64-bit register"),
        (_escapes_with_numpy, "int() turns the 64-bit register"),
        (_escapes_with_float, "float()"),
        (_keeps_registers, "overflowed a 64-bit register"),
    ],
)
def test_the_64_bit_rule_of_09_8_holds_against_conversions(func, fragment):
    result = check("09.8", func)
    assert not result.passed, result.message
    assert fragment in result.message, result.message


def test_registers_compute_like_64_bit_registers():
    a = coding_module.Reg64(2**64 - 5)
    assert ~a == 4 and isinstance(~a, coding_module.Reg64)
    q, r = divmod(a, 2**32)
    assert (q, r) == divmod(2**64 - 5, 2**32) and isinstance(q, coding_module.Reg64)
    with pytest.raises(coding_module.RegisterOverflow):
        a + 5
    with pytest.raises(coding_module.RegisterOverflow):
        coding_module.Reg64(2) ** -1
    with pytest.raises(coding_module.RegisterEscape):
        a.to_bytes(8, "little")


def _library_ticks_to_ns(ticks, hz):
    return tm.ticks_to_ns(ticks, hz)


def _library_scale(tsc, mult, frac_bits):
    return tm.scale(tsc, mult, tm.FixedPointFormat(64 - frac_bits, frac_bits, "f"), wrap=True)


@pytest.mark.parametrize(
    "exercise_id, func",
    [
        ("09.6", _library_ticks_to_ns),
        ("09.6", tm.ticks_to_ns),
        ("09.7", lambda g, h, i, f: tm.multiplier(g, h, tm.FixedPointFormat(i, f, "f"))),
        ("09.8", _library_scale),
    ],
)
def test_the_coding_exercises_refuse_a_call_into_tscmath(exercise_id, func):
    result = check(exercise_id, func)
    assert not result.passed
    assert "write the arithmetic yourself" in result.message and "tscmath" in result.message


def test_the_library_guard_holds_in_the_grader_replay_too():
    """The grader grades a replay of recorded calls: the refusals must survive it."""
    from tsccourse.exercises.sandbox import check_data
    from tsccourse.exercises.transport import function_data

    replayed = check_data("09.8", function_data(_escapes_with_int), timeout=30)
    assert not replayed.passed and "int() turns the 64-bit register" in replayed.message
    replayed = check_data("09.6", function_data(_library_ticks_to_ns), timeout=30)
    assert not replayed.passed and "tscmath" in replayed.message, replayed.message


# --------------------------------------------------------------------------------------------
# 8. Issue 21's fuzz findings: feedback instead of "could not read", named errors at the door.
GENERIC = "could not read your answer"
ODD_TEXTS = ["1/0", "0/0", "-3/0", "", " ", "\u0663/\u0660", "1e999", "nan", "0x", "--1", "1 2"]


@pytest.mark.parametrize("exercise", [*NUMERIC, REGISTRY["09.9"]], ids=lambda e: e.id)
def test_odd_strings_get_feedback_not_the_generic_message(exercise):
    for text in ODD_TEXTS:
        result = check(exercise.id, text)
        assert not result.passed and GENERIC not in result.message, (text, result.message)


@settings(max_examples=80, deadline=None)
@given(exercise=st.sampled_from([e.id for e in NUMERIC]), text=st.text(max_size=12))
def test_no_string_gets_the_generic_message(exercise, text):
    assert GENERIC not in check(exercise, text).message


class _EqualityRaises:
    def __eq__(self, other):
        raise RuntimeError("== raises")

    __hash__ = None


@pytest.mark.parametrize("exercise_id", CODING)
@pytest.mark.parametrize(
    "result", [np.array([1, 2]), np.array([]), _EqualityRaises(), [1, 2, 3]], ids=repr
)
def test_a_coding_answer_of_the_wrong_kind_is_named(exercise_id, result):
    message = check(exercise_id, lambda *args: result).message
    assert GENERIC not in message and "must return" in message, message


def test_the_package_entry_points_name_bad_input():
    from tsccourse.exercises import grade

    with pytest.raises(tm.InvalidInput, match="answers must be a dict"):
        grade(0)
    with pytest.raises(tm.InvalidInput, match="notebook must be None or a notebook file name"):
        exercises(np.array([1, 2]))
    assert [e.id for e in exercises("10-exercises-migration.ipynb")][:2] == ["10.1", "10.2"]


HINT_DEFINITIONS = {
    "09.4": "guest_tsc = scale(host_tsc, M) + offset",  # the question's own equation
    "09.9": "M = 2**F * g / h - r",  # the question's own definition of r
}
"""The only ``name = expression`` a hint may write: what the question itself states."""


@pytest.mark.parametrize("exercise", exercises(), ids=lambda e: e.id)
def test_no_hint_is_the_solutions_formula(exercise):
    """A hint is a step: none writes the answer (or anything new) as ``name = formula``."""
    for hint in exercise.hints:
        text = hint.replace(HINT_DEFINITIONS.get(exercise.id, "\0"), "")
        assert re.search(r"\b\w+\s=\s\S", text) is None, (exercise.id, hint)


def test_the_formula_test_would_catch_the_old_last_hint_of_09_4():
    old = "offset = (0 - scale(host_tsc_at_boot, M)) mod 2**64."
    assert re.search(r"\b\w+\s=\s\S", old)
