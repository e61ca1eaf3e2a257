"""Issue 17: each bad input found by fuzzing, reproduced; it now gets a named error or the
exact answer (never a wrong number, a hang, or a traceback from deep inside)."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tscmath as tm
from tsccourse import this_machine
from tscmath import limits
from tscmath.accuracy import drift, reanchoring
from tscmath.counter import calibration
from tscmath.counter.vcpu_tsc import VcpuTsc, read_tsc, write_tsc
from tscmath.guest_view import hyperv, pvclock
from tscmath.guest_view.pvclock import PvclockTimeInfo, WriterNeverFinishes
from tscmath.migration.tsc_simulator import replay_simulator
from tscmath.vectorized import (
    as_int_array,
    ns_to_ticks_u64_array,
    ticks_to_ns_u64_array,
)

from ..conftest import examples

U64 = 2**64
NUMPY_INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


def _named(exc_info, *words):
    message = str(exc_info.value)
    assert isinstance(exc_info.value, tm.TscMathError)
    for word in words:
        assert word in message, message


# --- 2. numpy integers are converted at construction -------------------------------------


def test_fixed_point_format_keeps_python_ints():
    fmt = tm.FixedPointFormat(np.int64(8), np.int64(32), "x")
    assert type(fmt.int_bits) is int and type(fmt.frac_bits) is int
    assert tm.multiplier(3_000_000_000, 2_000_000_000, fmt) == (3 << 32) // 2  # was negative
    assert tm.FixedPointFormat(np.int64(0), np.int64(64), "x").one == 2**64  # was 0


@pytest.mark.parametrize("kind", NUMPY_INTS)
def test_records_store_python_ints_and_return_python_ints(kind):
    info = PvclockTimeInfo(kind(2), kind(100), kind(7), kind(1 << 6), kind(1), kind(1))
    assert all(type(getattr(info, f)) is int for f in info.__dataclass_fields__)
    ns = pvclock.pvclock_read_ns(info, 200)
    assert type(ns) is int and ns == 7 + ((100 << 1) * (1 << 6) >> 32)
    page = hyperv.ReferenceTscPage(kind(1), kind(1 << 6), kind(3))
    assert all(type(getattr(page, f)) is int for f in page.__dataclass_fields__)
    assert type(hyperv.read_100ns(page, 5)) is int
    cpu = VcpuTsc(offset=kind(5), tsc_adjust=kind(1), mult=tm.AMD_SVM.one)
    assert type(cpu.offset) is int and type(cpu.tsc_adjust) is int
    assert type(read_tsc(cpu, 10)) is int and read_tsc(cpu, 10) == 15
    assert type(write_tsc(cpu, 10, 3).offset) is int


def test_numpy_uint64_offset_near_the_wrap_stays_exact():
    cpu = VcpuTsc(offset=np.uint64(U64 - 10))
    assert read_tsc(cpu, 25) == 15  # a kept np.uint64 would have been np.uint64 arithmetic


# --- 3. the array helpers validate, and live in tscmath.vectorized ------------------------


def test_ticks_to_ns_array_refuses_a_frequency_it_cannot_compute_exactly():
    with pytest.raises(tm.InvalidInput) as exc_info:
        ticks_to_ns_u64_array(np.array([2**63], dtype=np.uint64), 10**15)  # was off by 369e6
    _named(exc_info, "hz", str(10**15), "1000000000000")


@pytest.mark.parametrize("hz", [0, -1, 1.5, "3e9", None, True])
def test_ticks_to_ns_array_refuses_bad_hz(hz):
    with pytest.raises(tm.InvalidInput) as exc_info:
        ticks_to_ns_u64_array([1, 2], hz)  # hz=0 returned zeros
    _named(exc_info, "hz")


def test_ticks_to_ns_array_of_a_list_is_exact_uint64():
    got = ticks_to_ns_u64_array([5_999_999_999, U64 - 1], 3_000_000_000)  # gave floats
    assert got.dtype == np.uint64
    assert got.tolist() == [5_999_999_999 * 10**9 // 3_000_000_000, (U64 - 1) * 10**9 // 3 // 10**9]


@pytest.mark.parametrize("bad", [[1.5], [-1], [U64], ["1"], np.array([1.0]), np.array([-1])])
def test_ticks_to_ns_array_refuses_bad_ticks(bad):
    with pytest.raises(tm.InvalidInput) as exc_info:
        ticks_to_ns_u64_array(bad, 10**9)
    _named(exc_info, "ticks")


@settings(max_examples=examples(60), derandomize=True, deadline=None)
@given(
    hz=st.integers(1, tm.conversions.MAX_HZ),
    ticks=st.lists(st.integers(0, U64 - 1), min_size=0, max_size=8),
    t_ns=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=0, max_size=8),
)
def test_array_conversions_match_python_ints(hz, ticks, t_ns):
    got = ticks_to_ns_u64_array(ticks, hz)
    assert got.tolist() == [(t * 10**9 // hz) % U64 for t in ticks]
    back = ns_to_ticks_u64_array(t_ns, hz)
    assert back.dtype == np.uint64
    assert back.tolist() == [(t * hz // 10**9) % U64 for t in t_ns]


def test_array_helpers_keep_the_shape_of_a_scalar():
    assert tm.scale_array(5, tm.AMD_SVM.one, tm.AMD_SVM).shape == ()  # was (1,)
    assert tm.scale_array(np.uint64(5), tm.AMD_SVM.one, tm.AMD_SVM).shape == ()
    assert ticks_to_ns_u64_array(3_000_000_000, 3_000_000_000).shape == ()
    assert ns_to_ticks_u64_array(-1, 3_000_000_000).tolist() == U64 - 3
    assert as_int_array("t", np.uint8(3), signed=True).shape == ()


def test_i64_array_names_the_parameter_and_the_range():
    with pytest.raises(tm.InvalidInput) as exc_info:
        ns_to_ticks_u64_array([2**63], 10**9)
    _named(exc_info, "true_ns[0]", str(2**63), str(2**63 - 1))


def test_the_helpers_moved_out_of_the_migration_modules():
    from tscmath.migration import hosts, vm

    for name in ("ns_to_ticks_u64_array", "as_int_array"):
        assert not hasattr(hosts, name)
    assert not hasattr(vm, "ticks_to_ns_u64_array")


# --- 5. a writer stuck mid-update ends the read with a named error ------------------------


def test_read_with_retry_against_a_stuck_writer_ends():
    start = time.perf_counter()
    with pytest.raises(WriterNeverFinishes) as exc_info:
        pvclock.read_with_retry([PvclockTimeInfo(1, 0, 0, 1 << 31, 0)], 0, 600)  # hung
    assert time.perf_counter() - start < 1
    _named(exc_info, "states[-1].version = 1", "odd")


@settings(max_examples=examples(100), derandomize=True, deadline=None)
@given(
    versions=st.lists(st.integers(0, 9), min_size=1, max_size=12),
    start=st.integers(0, 20),
)
def test_read_with_retry_always_ends(versions, start):
    states = [PvclockTimeInfo(v, 0, v, 1 << 31, 0) for v in versions]
    if versions[-1] % 2:
        with pytest.raises(WriterNeverFinishes):
            pvclock.read_with_retry(states, start, 10)
        return
    got = pvclock.read_with_retry(states, start, 10)
    assert 1 <= got.attempts <= (len(states) + 1) // 3 + 1
    assert got.ns in {pvclock.pvclock_read_ns(s, 10) for s in states}


# --- 6. counts have upper bounds, named ---------------------------------------------------


@pytest.mark.parametrize(
    ("call", "limit"),
    [
        (lambda: replay_simulator(2**32, 10**9, 10**9, 10**9), "MAX_DURATION_S"),
        (
            lambda: calibration.simulate_calibration(
                3 * 10**9, 10**8, jitter_ticks=1, trials=3_000_000, seed=1
            ),
            "MAX_TRIALS",
        ),
        (
            lambda: reanchoring.simulate_migrations(
                3 * 10**9,
                [3 * 10**9],
                stays=3_000_000,
                stay_s=1,
                blackout_ns=0,
                fmt=tm.AMD_SVM,
                seed=1,
            ),
            "MAX_STAYS",
        ),
        (
            lambda: drift.drift_grid(list(range(1, 1001)), list(range(1, 1001)), tm.AMD_SVM),
            "MAX_GRID_CELLS",
        ),
    ],
)
def test_huge_counts_are_refused_naming_the_limit(call, limit):
    start = time.perf_counter()
    with pytest.raises(tm.InvalidInput) as exc_info:
        call()
    assert time.perf_counter() - start < 1
    _named(exc_info, limit)


def test_counts_at_the_limit_are_accepted():
    assert len(replay_simulator(1000, 10**9, 10**9, 10**9)) == 1001


# --- 7. messages: types checked, the right parameter named --------------------------------


def test_fraction_parameters_are_validated():
    with pytest.raises(tm.InvalidInput) as exc_info:
        calibration.window_ticks(10**9, "abc")
    _named(exc_info, "ref_hz", "'abc'", "(0, inf)")
    with pytest.raises(tm.InvalidInput, match="ref_hz"):
        calibration.window_ticks(10**9, 1.5)  # a float is not exact
    with pytest.raises(tm.InvalidInput, match="ref_true_hz"):
        calibration.simulate_calibration(
            3 * 10**9, 10**8, jitter_ticks=1, trials=1, seed=1, ref_true_hz=Fraction(-1)
        )
    assert calibration.window_ticks(10**9, Fraction(3, 2)) == 1
    assert calibration.window_ticks(10**9, np.int32(7)) == 7


def test_object_parameters_are_type_checked():
    with pytest.raises(tm.InvalidInput) as exc_info:
        hyperv.read_100ns(None, 5)  # was AttributeError
    _named(exc_info, "page", "ReferenceTscPage", "None")
    with pytest.raises(tm.InvalidInput, match="info"):
        pvclock.pvclock_read_ns(None, 5)
    with pytest.raises(tm.InvalidInput, match="cpu"):
        read_tsc("cpu", 5)


@pytest.mark.parametrize("text", ["Infinity", "-Infinity", "NaN", "sNaN", "1e999999999", "0"])
def test_khz_file_refuses_non_finite_and_absurd_values(text):
    with pytest.raises(tm.InvalidInput) as exc_info:
        this_machine.parse_khz_file(text)  # 'Infinity' raised OverflowError
    _named(exc_info, "tsc_freq_khz", "[1, 1000000000]")


def test_tsc_flags_match_whole_names_only():
    with pytest.raises(tm.InvalidInput) as exc_info:
        this_machine.tsc_flags("constant_tsc nonstop_tsc")  # ['tsc'] was True
    _named(exc_info, "flags", "split")
    assert this_machine.tsc_flags("constant_tsc nonstop_tsc".split())["tsc"] is False


def test_errors_name_the_parameter_the_caller_passed():
    with pytest.raises(tm.InvalidInput) as exc_info:
        tm.guest_tsc(-1, 1 << 31, 0, tm.AMD_SVM)
    _named(exc_info, "host_tsc")
    with pytest.raises(tm.InvalidInput, match="host_tsc"):
        write_tsc(VcpuTsc(0), -1, 0)
    with pytest.raises(tm.InvalidInput, match="^tsc_hz"):
        pvclock.tsc_time_scale(2**63)
    with pytest.raises(tm.InvalidInput, match="host_khz"):
        limits.kvm_uses_scaling(3_000_000, 0)


@pytest.mark.parametrize("wrap", ["False", "", 0, 1, None, np.int64(0)])
def test_wrap_must_be_a_bool(wrap):
    big = 2**64 - 1
    with pytest.raises(tm.InvalidInput) as exc_info:
        tm.scale(big, 3 << 31, tm.AMD_SVM, wrap=wrap)  # 'False' wrapped
    _named(exc_info, "wrap", "True or False")
    with pytest.raises(tm.InvalidInput, match="wrap"):
        tm.scale_array([big], 3 << 31, tm.AMD_SVM, wrap=wrap)
    assert tm.scale(big, 3 << 31, tm.AMD_SVM, wrap=np.bool_(True)) == big * 3 // 2 % U64


@pytest.mark.parametrize("ppm", [-500, -1, 10**6, 2.5])
def test_kvm_tolerance_must_be_a_non_negative_ppm(ppm):
    with pytest.raises(tm.InvalidInput) as exc_info:
        limits.kvm_uses_scaling(3_000_000, 2_999_000, ppm=ppm)
    _named(exc_info, "ppm", "[0, 999999]")
