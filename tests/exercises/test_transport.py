"""Answers travel from the student's kernel to the grader as data, and are checked in isolation."""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from tsccourse.exercises.sandbox import check_data
from tsccourse.exercises.transport import (
    Opaque,
    UnsafeData,
    from_data,
    function_data,
    safe_sympy,
    to_data,
)

from ..answers import expected_answer


@pytest.mark.parametrize(
    "value",
    [
        0,
        -1,
        2**64 - 1,
        2**200,
        1.5,
        float("inf"),
        "0xCCCC_CCCC",
        Fraction(7, 3),
        Decimal("1.25"),
        None,
        ...,
        True,
        (1, (2, "x")),
        [1, 2],
    ],
    ids=repr,
)
def test_plain_values_round_trip_exactly(value):
    back = from_data(to_data(value))
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
)
def test_numpy_integers_arrive_as_exact_python_ints(dtype):
    value = dtype(np.iinfo(dtype).max)
    back = from_data(to_data(value))
    assert type(back) is int and back == int(np.iinfo(dtype).max)


def test_numpy_floats_and_bools():
    assert from_data(to_data(np.float32(0.5))) == 0.5
    assert from_data(to_data(np.bool_(True))) is True


def test_subclasses_cannot_change_what_is_sent():
    class Liar(int):
        def __eq__(self, other):
            return True

        def __int__(self):
            return 3435973836

        def __index__(self):
            return 3435973836

    back = from_data(to_data(Liar(5)))
    assert back == 5 and type(back) is int
    assert isinstance(from_data(to_data(object())), Opaque)
    assert from_data(to_data(object())) != from_data(to_data(object()))


def test_sympy_expressions_round_trip_and_nothing_else_is_evaluated():
    host_hz, f = sp.Symbol("host_hz", positive=True), sp.Symbol("F", positive=True, integer=True)
    assert sp.simplify(from_data(to_data(host_hz / 2**f)) - host_hz / 2**f) == 0
    for evil in [
        "__import__('os').system('true')",
        "Symbol('x').__class__",
        "(lambda: 1)()",
        "Integer(2)[0]",
        "open('/etc/passwd')",
    ]:
        with pytest.raises(UnsafeData):
            safe_sympy(evil)


def test_malformed_data_is_refused():
    for data in [None, {}, {"kind": "int"}, {"kind": "int", "hex": "zz"}, {"kind": "nope"}, []]:
        with pytest.raises(UnsafeData):
            from_data(data)


def good_ticks_to_ns(ticks, hz):
    return ticks * 1_000_000_000 // hz


def tampering_ticks_to_ns(ticks, hz):
    import tscmath

    tscmath.ticks_to_ns = lambda t, h: 0
    return 0


def endless_ticks_to_ns(ticks, hz):
    while True:
        pass


def exiting_ticks_to_ns(ticks, hz):
    import os

    os._exit(3)


@pytest.mark.parametrize(
    "func, status",
    [
        (good_ticks_to_ns, "correct"),
        (tampering_ticks_to_ns, "wrong"),
        (endless_ticks_to_ns, "wrong"),
        (exiting_ticks_to_ns, "wrong"),
    ],
    ids=["good", "tampering", "endless", "os._exit"],
)
def test_coding_answers_are_replayed_in_a_clean_process(func, status):
    started = time.monotonic()
    result = check_data("09.6", function_data(func), timeout=20)
    assert result.status == status, result.message
    assert time.monotonic() - started < 40


@pytest.mark.parametrize(
    "exercise, answer, status",
    [
        ("09.2", np.uint64(expected_answer("09.2")), "correct"),
        ("09.5", np.int64(2147483648), "wrong"),
        ("05.1", np.int64(2**62), "wrong"),
        ("09.9", "9**9**9**9", "wrong"),
        ("09.9", "__import__('os')._exit(1)", "wrong"),
        ("10.1", None, "wrong"),
        ("10.1", ..., "not answered"),
    ],
)
def test_value_answers_are_checked_in_isolation(exercise, answer, status):
    assert check_data(exercise, to_data(answer), timeout=20).status == status
