"""The exercise checkers: solutions pass, typical mistakes get their specific message.

Wrong answers here are computed from the mistaken formula each message names, never copied
from the checker; right answers come from :mod:`tscmath` or from the notebooks' own solutions.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import os
from fractions import Fraction

import nbformat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tsccourse.exercises import Result, check, exercises, grade
from tsccourse.exercises.coding import Reg64, RegisterOverflow

from ..conftest import NOTEBOOKS, notebook_paths

U64 = 2**64


# --------------------------------------------------------------------------------------------
# Every solution in every notebook passes the check cell that follows it.
def _is_solution(cell) -> bool:
    return "solution" in cell.get("metadata", {}).get("tags", [])


def _exercise_notebooks():
    return [p for p in notebook_paths() if any(_is_solution(c) for c in nbformat.read(p, 4).cells)]


def _check_call(source: str) -> str | None:
    """The exercise name or id a check cell checks (``check.name(...)`` / ``check("id", ...)``)."""
    tree = ast.parse(source)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    call = tree.body[-1].value
    if not isinstance(call, ast.Call):
        return None
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id == "check":
            return func.attr
    if isinstance(func, ast.Name) and func.id == "check" and call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant):
            return str(first.value)
    return None


def exercise_section_start(nb) -> int:
    """Index of a chapter's appended "Exercises" section (cell ids ``ex-ch..``), else 0.

    A chapter's exercise section is self-contained (it imports what it uses), so it runs on
    its own; the rest of the chapter is executed by tests/notebooks/test_notebooks_execute.py.
    """
    for index, cell in enumerate(nb.cells):
        if str(cell.get("id", "")).startswith("ex-ch"):
            return index
    return 0


def run_solutions(path):
    """Run a notebook's code cells in an in-process IPython shell; return ``[(exercise,
    result)]`` for the check cells that directly follow a solution cell."""
    from IPython.core.interactiveshell import InteractiveShell

    nb = nbformat.read(path, as_version=4)
    nb.cells = nb.cells[exercise_section_start(nb) :]
    shell = InteractiveShell()
    results = []
    previous_was_solution = False
    old = os.getcwd()
    os.chdir(NOTEBOOKS)
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            with contextlib.redirect_stdout(io.StringIO()):
                outcome = shell.run_cell(cell.source, silent=False, store_history=False)
            assert outcome.success, f"{path.name} cell {index} failed: {outcome.error_in_exec}"
            exercise = _check_call(cell.source)
            if exercise and previous_was_solution:
                results.append((exercise, outcome.result))
            previous_was_solution = _is_solution(cell)
    finally:
        os.chdir(old)
        shell.cleanup()
        import matplotlib.pyplot as plt

        plt.close("all")
    return results


@pytest.mark.parametrize("path", _exercise_notebooks(), ids=lambda p: p.name)
def test_every_solution_passes_its_checker(path):
    results = run_solutions(path)
    assert results, f"{path.name} has solution cells but no check cell after them"
    for exercise, result in results:
        assert isinstance(result, Result), f"{exercise}: the check cell returned {result!r}"
        assert result.passed, f"{path.name} {exercise}: {result.message}"


def test_every_exercise_is_checked_after_a_solution_in_some_notebook():
    checked = set()
    for path in _exercise_notebooks():
        nb = nbformat.read(path, as_version=4)
        for before, cell in zip(nb.cells, nb.cells[1:], strict=False):
            if cell.cell_type == "code" and _is_solution(before):
                name = _check_call(cell.source)
                if name:
                    checked.add(check(name, ...).exercise)
    present = {p.name for p in notebook_paths()}
    registered = {e.id for e in exercises() if e.notebook in present}
    assert registered <= checked, f"exercises without a notebook: {sorted(registered - checked)}"


# --------------------------------------------------------------------------------------------
# Every checker: the stub is "not answered", garbage is refused with a message, no traceback.
ALL = [e.name for e in exercises()]
GARBAGE = [None, "banana", [1, 2], object(), True, float("nan"), {"a": 1}]


@pytest.mark.parametrize("name", ALL)
def test_stub_is_not_answered(name):
    result = check(name, ...)
    assert result.answered is False and result.passed is False
    assert "Not answered yet" in result.message
    assert result.status == "not answered"


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda g: type(g).__name__)
def test_garbage_is_refused_with_a_message(name, garbage):
    result = check(name, garbage)
    assert result.passed is False and result.answered is True
    assert result.message and "Traceback" not in result.message


def test_unknown_exercise_lists_the_known_ids():
    result = check("99.9", 1)
    assert not result.passed and "09.1" in result.message


def test_check_by_id_and_by_name_agree_and_results_display():
    by_id = check("09.1", tm.ticks_to_ns(7_499_999_999, 2_500_000_000))
    by_name = check.ns_from_ticks(tm.ticks_to_ns(7_499_999_999, 2_500_000_000))
    assert by_id == by_name and by_id.passed
    assert str(by_id).startswith("[Correct] Exercise 09.1")
    assert "Correct" in by_id._repr_html_()
    assert "ns_from_ticks" in dir(check)
    with pytest.raises(AttributeError):
        check.no_such_exercise  # noqa: B018


def test_grade_checks_many_answers():
    results = grade({"09.1": 2, "ns_from_ticks": ..., "10.1": "x"})
    assert [r.status for r in results.values()] == ["wrong", "not answered", "wrong"]


# --------------------------------------------------------------------------------------------
# Numeric exercises: equivalent correct forms pass, typical mistakes get their message.
def _pingpong_by_hand():
    """Exercise 10.6 with the core functions only: re-anchor the guest at every migration."""
    g, fmt = 2_994_374_000, tm.AMD_SVM
    hosts = [(3_000_000_000, 123_456_789), (2_500_000_000, 987_654_321_000)]

    def host_tsc(host, t_ns):
        hz, at_zero = hosts[host]
        return (at_zero + t_ns * hz // 10**9) % U64

    mults = [tm.multiplier(g, hz, fmt) for hz, _ in hosts]
    host, offset = 0, tm.offset_for(host_tsc(0, 0), 0, mults[0], fmt)
    for k in range(1, 144):
        pause = k * 600 * 10**9
        paused_at = tm.guest_tsc(host_tsc(host, pause), mults[host], offset, fmt)
        resumed = (paused_at + tm.ns_to_ticks(1_000_000, g)) % U64
        host = 1 - host
        offset = tm.offset_for(host_tsc(host, pause + 1_000_000), resumed, mults[host], fmt)
    end = 86_400 * 10**9
    behind = tm.ns_to_ticks(end, g) - tm.guest_tsc(host_tsc(host, end), mults[host], offset, fmt)
    lost = tm.drift_ticks_per_second(g, hosts[0][0], fmt)
    assert lost == tm.drift_ticks_per_second(g, hosts[1][0], fmt)
    return behind, lost * (Fraction(86_400) - Fraction(143, 1000))


def _cases():
    ticks, hz = 7_499_999_999, 2_500_000_000
    ns = tm.ticks_to_ns(ticks, hz)
    g, h = 2_000_000_000, 2_500_000_000
    m = tm.multiplier(g, h, tm.AMD_SVM)
    slow = tm.drift_ticks_per_second(g, h, tm.AMD_SVM)
    bm = tm.multiplier(2 * 10**9, 3 * 10**9, tm.AMD_SVM)
    boot = tm.offset_for(6 * 10**9, 0, bm, tm.AMD_SVM)
    dg, dh = 2_994_374_000, 3_000_000_000
    lost = tm.drift_ticks_per_second(dg, dh, tm.AMD_SVM)
    days = Fraction(dg, 1000) / lost / 86_400
    delta_ns = 250_000_001
    tsc_delta = tm.ns_to_ticks(delta_ns, 2_500_000_000)
    dst_m = tm.multiplier(2_500_000_000, 2_900_000_000, tm.AMD_SVM)
    target = 123_456_789_012_345 + 300_000_000 * 2_500_000_000 // 10**9  # a 0.3 s blackout
    dst_h = 987_654_321_098_765
    off = tm.offset_for(dst_h, target, dst_m, tm.AMD_SVM)
    hv_scale = (10_000_000 << 64) // 2_500_000_000
    hv = (2_500_000_000 * hv_scale) >> 64
    behind, estimate = _pingpong_by_hand()
    return {
        "pingpong_drift": (
            [behind, np.int64(behind), str(behind)],
            [
                (-behind, "Wrong sign"),
                (math.floor(estimate), "from the drift alone"),
                (behind * 10**9 // 2_994_374_000, "nanoseconds"),
                (0, "Not zero"),
            ],
        ),
        "ns_from_ticks": (
            [ns, np.int64(ns), np.uint64(ns), str(ns), float(ns)],
            [
                (ticks // hz * 10**9, "divided before multiplying"),
                (math.floor(Fraction(ticks * 10**9, hz) + Fraction(1, 2)), "rounded"),
                (ticks // hz, "whole seconds"),
            ],
        ),
        "multiplier_by_hand": (
            [
                m,
                hex(m),
                hex(m).upper().replace("0X", "0x"),
                np.uint64(m),
                f"{m:_x}".join(["0x", ""]),
            ],
            [
                (math.ceil(Fraction(g << 32, h)), "truncates"),
                ((h << 32) // g, "host by guest"),
                ((g << 48) // h, "16.48"),
                (float(Fraction(g << 32, h)), "truncate"),
            ],
        ),
        "guest_slowdown": (
            [slow, float(slow), round(float(slow), 3), np.float64(slow), str(float(slow))],
            [
                (0, "Not zero"),
                (-slow, "Wrong sign"),
                (Fraction(h, 2**32), "upper bound"),
            ],
        ),
        "boot_offset": (
            [boot, hex(boot), np.uint64(boot)],
            [
                (-tm.scale(6 * 10**9, bm, tm.AMD_SVM), "signed value"),
                ((-(6 * 10**9)) % U64, "host ticks"),
                ((-(6 * 10**9 * 2 // 3)) % U64, "exact ratio"),
                (tm.scale(6 * 10**9, bm, tm.AMD_SVM), "Wrong sign"),
            ],
        ),
        "drift_days": (
            [days, float(days), round(float(days), 2)],
            [
                (Fraction(dg, 1000) / Fraction(dh, 2**32) / 86_400, "worst-case bound"),
                (Fraction(10**6) / lost / 86_400, "as nanoseconds"),
                (Fraction(dh, 1000) / lost / 86_400, "not 1/host_hz"),
                (days * 86_400, "in seconds"),
            ],
        ),
        "tsc_delta": (
            [tsc_delta, np.int64(tsc_delta), str(tsc_delta)],
            [
                (tm.ns_to_ticks(delta_ns, 2_900_000_000), "guest frequency"),
                (delta_ns // 10**9 * 2_500_000_000, "divided before multiplying"),
                (math.floor(Fraction(delta_ns * 2_500_000_000, 10**9) + Fraction(1, 2)), "rounded"),
                (delta_ns, "in nanoseconds"),
            ],
        ),
        "offset_after_migration": (
            [off, hex(off), np.uint64(off)],
            [
                (target - tm.scale(dst_h, dst_m, tm.AMD_SVM), "signed value"),
                ((target - dst_h) % U64, "host ticks"),
                ((123_456_789_012_345 - tm.scale(dst_h, dst_m, tm.AMD_SVM)) % U64, "blackout"),
                (
                    (
                        target
                        - tm.scale(
                            dst_h, tm.multiplier(2_500_000_000, 3 * 10**9, tm.AMD_SVM), tm.AMD_SVM
                        )
                    )
                    % U64,
                    "source host's multiplier",
                ),
            ],
        ),
        "backwards_skew": (
            [84, np.int32(84), "84"],
            [
                (83, "stands still"),
                (81, "forgot the 3 ms"),
                (80, "goes forward"),
                ("never", "clamp"),
            ],
        ),
        "hyperv_reading": (
            [hv, np.uint64(hv), str(hv)],
            [
                (10_000_000, "truncated"),
                (1_000_000_000, "100 ns units"),
                (hv_scale, "scale itself"),
            ],
        ),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_numeric_checker_accepts_equivalent_forms(name):
    rights, _ = CASES[name]
    for right in rights:
        result = check(name, right)
        assert result.passed, f"{name} refused {right!r}: {result.message}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_numeric_checker_explains_typical_mistakes(name):
    _, wrongs = CASES[name]
    assert len(wrongs) >= 2
    for wrong, fragment in wrongs:
        result = check(name, wrong)
        assert not result.passed, f"{name} accepted the wrong answer {wrong!r}"
        assert fragment in result.message, f"{name}({wrong!r}): {result.message}"


def test_backwards_skew_matches_a_simulation_of_the_unclamped_recipe():
    # Brute force the first skew whose resumed guest TSC is below the paused one.
    hz, paused = 2_000_000_000, 4 * 10**12

    def resumed(skew_ms):
        return paused + (80 - skew_ms) * 10**6 * hz // 10**9 + tm.ns_to_ticks(3 * 10**6, hz)

    first = next(e for e in range(1000) if resumed(e) < paused)
    assert check.backwards_skew(first).passed
    assert not check.backwards_skew(first - 1).passed


# --------------------------------------------------------------------------------------------
# SymPy exercise
def test_error_bound_accepts_equivalent_expressions_and_explains_mistakes():
    import sympy as sp

    host_hz = sp.Symbol("host_hz", positive=True)
    frac = sp.Symbol("F", positive=True, integer=True)
    plain_h, plain_f = sp.symbols("host_hz F")  # symbols without assumptions work too
    for right in [host_hz / 2**frac, host_hz * 2**-frac, plain_h / 2**plain_f, "host_hz/2**F"]:
        assert check.error_bound(right).passed, right
    for wrong, fragment in [
        (1 / 2**frac, "ratio error"),
        (host_hz * 2**frac, "divide"),
        (host_hz / 2 ** (frac + 1), "half the bound"),
        (sp.Symbol("guest_hz") / 2**frac, "does not need guest_hz"),
        (0.7, "not a number"),
    ]:
        result = check.error_bound(wrong)
        assert not result.passed and fragment in result.message, (wrong, result.message)


# --------------------------------------------------------------------------------------------
# Coding exercises: hidden cases come from tscmath; mistakes are reported with the input.
def _limbs(tsc, mult, frac_bits):
    low32 = 0xFFFF_FFFF
    t0, t1, m0, m1 = tsc & low32, tsc >> 32, mult & low32, mult >> 32
    p00, p01, p10, p11 = t0 * m0, t0 * m1, t1 * m0, t1 * m1
    mid = (p00 >> 32) + (p01 & low32) + (p10 & low32)
    low = ((mid & low32) << 32) | (p00 & low32)
    high = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)
    return ((high & ((1 << frac_bits) - 1)) << (64 - frac_bits)) | (low >> frac_bits)


def _good_multiplier(g, h, int_bits, frac_bits):
    m = (g << frac_bits) // h
    if not 1 <= m < 1 << (int_bits + frac_bits):
        raise ValueError("out of range")
    return np.uint64(m)  # a numpy integer is an equivalent correct form


def _not_implemented(*args):
    raise NotImplementedError("your code here")


def _naive_migrate(src, g, blackout_ns, dst_tsc, dst_hz):
    mult = (g << 32) // dst_hz
    return mult, src + blackout_ns // 10**9 * g - dst_tsc


def _host_ticks_migrate(src, g, blackout_ns, dst_tsc, dst_hz):
    mult = (g << 32) // dst_hz
    return mult, (src + blackout_ns * g // 10**9 - dst_tsc) % U64


def _lazy_delta_migrate(src, g, blackout_ns, dst_tsc, dst_hz):
    mult = tm.multiplier(g, dst_hz, tm.AMD_SVM)
    scaled = tm.scale(dst_tsc, mult, tm.AMD_SVM, wrap=True)
    return mult, (src + blackout_ns // 10**9 * g - scaled) % U64


def _unreduced_migrate(src, g, blackout_ns, dst_tsc, dst_hz):
    mult = tm.multiplier(g, dst_hz, tm.AMD_SVM)
    scaled = tm.scale(dst_tsc, mult, tm.AMD_SVM, wrap=True)
    return mult, src + blackout_ns * g // 10**9 - scaled


def _good_migrate(src, g, blackout_ns, dst_tsc, dst_hz):
    mult = tm.multiplier(g, dst_hz, tm.AMD_SVM)
    target = (src + tm.ns_to_ticks(blackout_ns, g)) % U64
    return mult, tm.offset_for(dst_tsc, target, mult, tm.AMD_SVM)


CODING = {
    "code_ticks_to_ns": (
        [lambda t, h: t * 10**9 // h, lambda t, h: math.floor(Fraction(t * 10**9, h))],
        [
            (lambda t, h: t // h * 10**9, "divided before multiplying"),
            (lambda t, h: int(t * 1e9 / h), "Floats hold only 53 bits"),
            (lambda t, h: t * 1e9 / h, "returned the float"),
            (lambda t, h: round(Fraction(t * 10**9, h)), "rounded"),
        ],
    ),
    "code_multiplier": (
        [_good_multiplier],
        [
            (lambda g, h, i, f: (g << f) // h, "should raise ValueError"),
            (lambda g, h, i, f: 1 / 0, "ZeroDivisionError"),
        ],
    ),
    "code_scale_limbs": (
        [_limbs],
        [
            (lambda t, m, f: (t * m) >> f, "overflowed a 64-bit register"),
            (lambda t, m, f: t * (m / 2**f), "true division"),
            (lambda t, m, f: (int(t) * int(m)) >> f, "int() turns the 64-bit register"),
        ],
    ),
    "fix_naive_migration": (
        [_good_migrate],
        [
            (_naive_migrate, "The offset is negative: can a 64-bit register hold it?"),
            (_host_ticks_migrate, "in which ticks does the offset count?"),
            (_lazy_delta_migrate, "plus the ticks of a 300000000 ns blackout"),
            (_unreduced_migrate, "can a 64-bit register hold it?"),
            (lambda *a: (0, 0), "its mult is not right, its offset is not right"),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CODING))
def test_coding_checker_passes_correct_functions(name):
    for func in CODING[name][0]:
        result = check(name, func)
        assert result.passed, result.message
        assert "hidden cases pass" in result.message


@pytest.mark.parametrize("name", sorted(CODING))
def test_coding_checker_reports_first_failing_input_and_why(name):
    for func, fragment in CODING[name][1]:
        result = check(name, func)
        assert not result.passed and result.answered
        assert fragment in result.message, result.message
        assert "(" in result.message.split(":")[0], "the message must show the failing call"


@pytest.mark.parametrize("name", sorted(CODING))
def test_coding_checker_says_not_answered_for_the_stub(name):
    result = check(name, _not_implemented)
    assert result.status == "not answered" and "NotImplementedError" in result.message


def test_coding_checker_wants_the_function_not_its_result():
    assert "without calling it" in check.code_ticks_to_ns(42).message


def test_hidden_cases_include_edge_values():
    from tsccourse.exercises import set09_counting_and_scaling as counting
    from tsccourse.exercises import set10_migration as migration

    assert (2**64 - 1, 3_000_000_000) in counting.ticks_to_ns_cases()
    scale_cases = counting.scale_cases()
    assert any(
        tm.scale(t, m, tm.AMD_SVM, wrap=True) != (t * m) >> 32 for t, m, f in scale_cases if f == 32
    )
    assert (2**64 - 1, 2**64 - 1, 48) in scale_cases
    raises = [
        c for c in counting.multiplier_cases() if counting._expected_multiplier(*c) is ValueError
    ]
    assert len(raises) >= 2
    assert any(c[0] + tm.ns_to_ticks(c[2], c[1]) >= U64 for c in migration.migrate_cases())


# --------------------------------------------------------------------------------------------
# 64-bit registers
@given(
    st.integers(0, U64 - 1),
    st.integers(0, U64 - 1),
    st.sampled_from(["+", "-", "*", "&", "|", "^", "//"]),
)
def test_reg64_agrees_with_int_or_names_the_overflow(a, b, op):
    if op == "//" and b == 0:
        return
    exact = eval(f"a {op} b")
    try:
        got = eval(f"Reg64(a) {op} b")
    except RegisterOverflow as err:
        assert not 0 <= exact < U64
        assert str(exact) in str(err)
    else:
        assert got == exact and isinstance(got, Reg64)


@given(st.integers(0, U64 - 1), st.integers(0, 70))
def test_reg64_shifts(a, n):
    assert Reg64(a) >> n == a >> n
    if a << n < U64:
        assert Reg64(a) << n == a << n
    else:
        with pytest.raises(RegisterOverflow):
            Reg64(a) << n  # noqa: B018


@given(st.integers(0, U64 - 1), st.integers(1, 2**40 - 1))
def test_limb_solution_matches_tscmath(tsc, mult):
    assert _limbs(Reg64(tsc), Reg64(mult), 32) == tm.scale(tsc, mult, tm.AMD_SVM, wrap=True)


def test_the_migration_model_clamps_where_exercise_10_4_does_not():
    from tscmath.migration.hosts import Host
    from tscmath.migration.strategies import migrate
    from tscmath.migration.vm import boot_guest

    first = check.backwards_skew  # the checker's answer is the smallest skew that goes back
    skew_ms = next(e for e in range(200) if first(e).passed)
    source = Host("source", 3_000_000_000)
    for skew in (skew_ms - 1, skew_ms, skew_ms + 50):
        dst = Host("dst", 2_900_000_000, tsc_at_zero=10**15, wall_skew_ns=-skew * 10**6)
        vm = boot_guest(source, 0, 2_000_000_000)
        out = migrate(vm, dst, 60 * 10**9, 83_000_000, write_delay_ns=3_000_000)
        assert out.adjusted.raw_migrate_delta_ns == (80 - skew) * 10**6
        # Unclamped, the guest would read below its paused value exactly from skew_ms on.
        unclamped = (
            out.guest_tsc_at_pause
            + out.adjusted.raw_migrate_delta_ns * 2_000_000_000 // 10**9
            + tm.ns_to_ticks(3_000_000, 2_000_000_000)
        )
        assert (unclamped < out.guest_tsc_at_pause) == (skew >= skew_ms)
        assert out.guest_tsc_at_resume >= out.guest_tsc_at_pause  # propolis clamps


# --------------------------------------------------------------------------------------------
# Chapter exercises: right and wrong answers worked out by hand from the questions' numbers.
def _chapter_cases():
    b_tsc_at_resume = 20_000_000_000 + 101 * 2_500_000_000
    return {
        "rdtsc_halves": (
            [2 * 2**32 + 2**31, hex(2 * 2**32 + 2**31), np.uint64(2 * 2**32 + 2**31)],
            [(2**31 * 2**32 + 2, "swapped"), (2 + 2**31, "added"), ((2 << 16) | 2**31, "not 16")],
        ),
        "tsc_adjust_after_write": (
            [1_000_000 - 4_000_000_000, (1_000_000 - 4_000_000_000) % U64],
            [(3_999_000_000, "Wrong sign"), (1_000_000, "not the value written")],
        ),
        "cpuid_15h": (
            [38_400_000 * 250 // 3, str(38_400_000 * 250 // 3)],
            [(38_400_000 * 3 // 250, "upside down"), (38_400_000 * 250, "divide by EAX")],
        ),
        "pit_calibration": (
            [math.floor(Fraction(1_193_182 * 35_795_461, 11_932))],
            [
                (35_795_461 // 11_932 * 1_193_182, "divided before multiplying"),
                (11_932 * 1_193_182 // 35_795_461, "Upside down"),
            ],
        ),
        "restore_offset": (
            [(50 - 120) * 10**9 % U64, hex((50 - 120) * 10**9 % U64)],
            [(-70 * 10**9, "signed value"), (70 * 10**9, "Wrong sign")],
        ),
        "vcpu_write_gap": (
            [40_000 * 2_500_000_000 // 10**9],
            [(40_000, "nanoseconds"), (0, "Not zero"), (-100_000, "positive")],
        ),
        "multiplier_for_1_25": (
            [5 * 2**32 // 4, "0x1_4000_0000"],
            [(0x1_2500_0000, "not 0x1.25"), (5 * 2**48 // 4, "16.48"), (4 * 2**32 // 5, "0.8x")],
        ),
        "largest_guest_hz": (
            [256 * 100_000_000 - 1],
            [(256 * 100_000_000, "Exactly 256x"), (255 * 100_000_000, "fraction bits go on")],
        ),
        "kvm_tolerance": (
            [Fraction(700, 2_999_300) * 86_400, 20.16, "20.165"],
            [(0, "does not scale"), (21.6, "worst case"), (-20.16, "Wrong sign")],
        ),
        "bhyve_largest": (
            [15 * 2_500_000_000 - 1],
            [(15 * 2_500_000_000, "15x itself"), (500_000_000, "smallest")],
        ),
        "new_boot_hrtime": (
            [30 * 10**9 - (300 * 10**9 + 2_500_000_000)],
            [(30 * 10**9 - 300 * 10**9, "forgot the migrate delta"), (200 * 10**9, "re-base")],
        ),
        "naive_jump": (
            [(b_tsc_at_resume - 100_000_000_000) - 300_000_000_000],
            [(3_000_000_000, "full protocol"), (127_500_000_000, "Wrong sign")],
        ),
        "playground_skew": (
            [40, 40.4, "40"],
            [(0, "cannot see the skew"), (-1500, "ignore the blackout")],
        ),
        "playground_offset_only": (
            [half_up(Fraction(-485, 60) * 1000 + 40), -8043.3],
            [(-10_000, "whole minute"), (-8_333, "paused"), (8_043, "Wrong sign")],
        ),
    }


def half_up(x):
    return math.floor(x + Fraction(1, 2))


CHAPTER_CASES = _chapter_cases()


@pytest.mark.parametrize("name", sorted(CHAPTER_CASES))
def test_chapter_checker_accepts_right_and_explains_wrong(name):
    rights, wrongs = CHAPTER_CASES[name]
    for right in rights:
        result = check(name, right)
        assert result.passed, f"{name} refused {right!r}: {result.message}"
    assert len(wrongs) >= 2
    for wrong, fragment in wrongs:
        result = check(name, wrong)
        assert not result.passed and fragment in result.message, (name, wrong, result.message)


def test_largest_guest_hz_is_the_edge_of_the_format():
    right = 256 * 100_000_000 - 1
    assert tm.multiplier(right, 100_000_000, tm.AMD_SVM) <= tm.AMD_SVM.max_multiplier
    with pytest.raises(tm.RatioOutOfRange):
        tm.multiplier(right + 1, 100_000_000, tm.AMD_SVM)


def test_tsc_adjust_checker_agrees_with_the_vcpu_model():
    vcpu_tsc = pytest.importorskip("tscmath.counter.vcpu_tsc")
    written = vcpu_tsc.write_tsc(vcpu_tsc.VcpuTsc(offset=0), 4_000_000_000, value=1_000_000)
    assert check.tsc_adjust_after_write(written.tsc_adjust).passed
    assert check.tsc_adjust_after_write(tm.to_signed(written.tsc_adjust)).passed


def test_kvmclock_checker():
    pvclock = pytest.importorskip("tscmath.guest_view.pvclock")
    shift, mul = pvclock.tsc_time_scale(2_500_000_000)
    delta = 7_500_000_000
    scaled = delta << shift if shift >= 0 else delta >> -shift
    right = 4_000_000_000 + ((scaled * mul) >> 32)
    assert check.kvmclock_read(right).passed
    for wrong, fragment in [(7_000_000_000, "exact time"), (right - 4_000_000_000, "system_time")]:
        result = check.kvmclock_read(wrong)
        assert not result.passed and fragment in result.message


def test_every_exercise_has_right_and_wrong_answer_tests():
    tested = set(CASES) | set(CODING) | set(CHAPTER_CASES) | {"error_bound", "kvmclock_read"}
    tested |= {"bhyve_local_leg"}  # tests in test_exercise_bhyve_leg.py
    assert {e.name for e in exercises()} == tested


def test_decimal_and_fraction_forms_are_accepted():
    from decimal import Decimal

    assert check.ns_from_ticks(Decimal(2_999_999_999)).passed
    assert check.ns_from_ticks(Fraction(5_999_999_998, 2)).passed
    assert check.drift_days(Decimal("74.70")).passed
    assert not check.drift_days(Decimal("NaN")).passed
    assert "Exercise 09.2" in check.multiplier_by_hand.__doc__


def test_calling_a_checker_without_an_answer_explains_how():
    assert "check.ns_from_ticks(your_answer)" in check.ns_from_ticks().message
    assert check("09.1").status == "not answered"
