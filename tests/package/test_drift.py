"""drift: units, the host_hz / 2**F bound, and the grid."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tscmath.accuracy.drift import drift_bound, drift_grid, us_per_day

hz = st.integers(500_000_000, 6_000_000_000)


@pytest.mark.parametrize("fmt", [tm.AMD_SVM, tm.INTEL_VMX])
@given(guest=hz, host=hz)
def test_drift_is_nonnegative_and_below_the_bound(fmt, guest, host):
    d = tm.drift_ticks_per_second(guest, host, fmt)
    assert 0 <= d < drift_bound(host, fmt)


def test_formula_sheet_worked_example():
    d832 = tm.drift_ticks_per_second(2_994_374_000, 3_000_000_000, tm.AMD_SVM)
    d1648 = tm.drift_ticks_per_second(2_994_374_000, 3_000_000_000, tm.INTEL_VMX)
    assert round(float(d832), 3) == 0.464
    assert round(float(us_per_day(d832, 2_994_374_000)), 1) == 13.4
    assert 2e-6 < float(d1648) < 4e-6


def test_us_per_day_units():
    # one tick of a 1 MHz clock lasts 1 µs: 1 tick/s lost is 1 µs/s, 86,400 µs/day
    assert us_per_day(1, 1_000_000) == 86_400
    assert us_per_day(0, 3) == 0


def test_grid_shape_zero_diagonal_and_out_of_range():
    freqs = [2_000_000_000, 3_000_000_000]
    grid = drift_grid(freqs, freqs + [1], tm.AMD_SVM)
    assert [len(r) for r in grid] == [3, 3]
    assert grid[0][0] == grid[1][1] == 0
    assert grid[0][2] is None  # ratio 2e9 is far beyond 8.32's 255.99
    assert isinstance(grid[1][0], Fraction)
