"""calibration: exact multiply-first estimates, and the simulated error against its bound."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscmath import InvalidInput
from tscmath.counter.calibration import (
    HPET_PERIOD_FS,
    PIT_HZ,
    error_bound_hz,
    hpet_hz,
    simulate_calibration,
    tsc_hz_from_hpet,
    tsc_hz_from_pit,
    window_ticks,
)


@given(st.integers(1, 10**11), st.integers(1, 10**8))
def test_pit_estimate_is_the_floor_of_the_exact_ratio(tsc_ticks, pit_ticks):
    est = tsc_hz_from_pit(tsc_ticks, pit_ticks)
    exact = Fraction(PIT_HZ * tsc_ticks, pit_ticks)
    assert est <= exact < est + 1


@given(st.integers(1, 10**11), st.integers(1, 10**9))
def test_hpet_estimate_is_the_floor_of_the_exact_ratio(tsc_ticks, hpet_ticks):
    est = tsc_hz_from_hpet(tsc_ticks, hpet_ticks)
    exact = Fraction(tsc_ticks, hpet_ticks) * hpet_hz()
    assert est <= exact < est + 1


def test_one_second_of_pit_gives_the_tsc_rate_back():
    assert tsc_hz_from_pit(2_994_374_000, PIT_HZ) == 2_994_374_000


def test_hpet_rate_from_its_period():
    assert hpet_hz(HPET_PERIOD_FS) == Fraction(10**15, 69_841_279)
    assert int(hpet_hz()) == 14_318_179  # 14.318180 MHz nominal, period rounded to whole fs


def test_bad_inputs_name_the_parameter():
    with pytest.raises(InvalidInput, match="pit_ticks"):
        tsc_hz_from_pit(10, 0)
    with pytest.raises(InvalidInput, match="tsc_ticks"):
        tsc_hz_from_pit(-1, 5)
    with pytest.raises(InvalidInput, match="window_ns"):
        window_ticks(100, PIT_HZ)  # 100 ns is less than one PIT tick
    with pytest.raises(InvalidInput, match="reference"):
        simulate_calibration(10**9, 10**7, jitter_ticks=1, trials=1, seed=0, reference="rtc")


def test_window_ticks_floor():
    assert window_ticks(10**9, PIT_HZ) == PIT_HZ
    assert window_ticks(1_000_000, PIT_HZ) == 1193  # 1 ms is 1193.182 PIT ticks


@pytest.mark.parametrize("reference", ["pit", "hpet"])
@pytest.mark.parametrize("window_ms", [1, 10, 50])
def test_simulated_errors_stay_within_the_bound(reference, window_ms):
    ref = PIT_HZ if reference == "pit" else hpet_hz()
    run = simulate_calibration(
        3_000_000_000,
        window_ms * 10**6,
        jitter_ticks=3000,
        trials=200,
        seed=7,
        reference=reference,
    )
    assert run.worst_error_hz <= error_bound_hz(run.ref_ticks, 3000, ref)
    assert len(set(run.estimates_hz)) > 1  # jitter really varies the estimate


def test_no_jitter_pit_estimate_is_within_the_floors():
    run = simulate_calibration(3_000_000_000, 50 * 10**6, jitter_ticks=0, trials=20, seed=1)
    assert run.worst_error_hz <= error_bound_hz(run.ref_ticks, 0)


def test_same_seed_same_answers_and_longer_window_is_better():
    a = simulate_calibration(3 * 10**9, 10**7, jitter_ticks=3000, trials=50, seed=3)
    b = simulate_calibration(3 * 10**9, 10**7, jitter_ticks=3000, trials=50, seed=3)
    long = simulate_calibration(3 * 10**9, 10**8, jitter_ticks=3000, trials=50, seed=3)
    assert a == b
    assert long.worst_error_hz < a.worst_error_hz


def test_a_fast_reference_crystal_shows_up_as_a_systematic_error():
    # The PIT's crystal runs 50 ppm fast: the OS, assuming nominal, under-estimates the TSC.
    fast = Fraction(PIT_HZ) * (1 + Fraction(50, 10**6))
    run = simulate_calibration(3 * 10**9, 10**9, jitter_ticks=0, trials=5, seed=0, ref_true_hz=fast)
    expected = Fraction(3 * 10**9) / (1 + Fraction(50, 10**6))
    for est in run.estimates_hz:
        assert abs(est - expected) <= 2


def test_cpuid_15h():
    from tscmath.counter.calibration import tsc_hz_from_cpuid_15h

    assert tsc_hz_from_cpuid_15h(2, 250, 24_000_000) == 3_000_000_000
    assert tsc_hz_from_cpuid_15h(3, 200, 25_000_000) == 1_666_666_666  # floored
    for regs, name in [((0, 1, 1), "eax"), ((1, 0, 1), "ebx"), ((1, 1, 0), "ecx")]:
        with pytest.raises(InvalidInput, match=name):
            tsc_hz_from_cpuid_15h(*regs)
