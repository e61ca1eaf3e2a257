"""float_pitfalls: float64 scaling is exact on small values and wrong on large ones."""

from __future__ import annotations

import numpy as np
import pytest

import tscmath as tm
from tscmath.accuracy.float_pitfalls import abs_difference, compare_with_exact, scale_float64


def test_small_values_with_a_power_of_two_ratio_are_exact():
    t = np.arange(0, 1_000_000, 997, dtype=np.uint64)
    assert compare_with_exact(t, 1 << 31, tm.AMD_SVM).wrong == 0


def test_values_above_2_to_53_are_not_even_stored_exactly():
    t = np.array([2**53 + 1, 2**60 + 1], dtype=np.uint64)
    assert scale_float64(t, tm.INTEL_VMX.one, tm.INTEL_VMX).tolist() == [2**53, 2**60]
    summary = compare_with_exact(t, tm.INTEL_VMX.one, tm.INTEL_VMX)
    assert summary.wrong == 2 and summary.too_low == 2 and summary.max_error_ticks == 1


def test_counts_agree_with_a_python_int_reference():
    rng = np.random.default_rng(11)
    t = rng.integers(0, 2**62, size=2000, dtype=np.uint64)
    m = tm.multiplier(2_994_374_000, 3_000_000_000, tm.INTEL_VMX)
    summary = compare_with_exact(t, m, tm.INTEL_VMX)
    exact = [tm.scale(int(x), m, tm.INTEL_VMX) for x in t.tolist()]
    approx = scale_float64(t, m, tm.INTEL_VMX).tolist()
    diffs = [abs(a - e) for a, e in zip(approx, exact, strict=True)]
    assert summary.wrong == sum(d != 0 for d in diffs) > 0
    assert summary.max_error_ticks == max(diffs)
    assert summary.too_high + summary.too_low == summary.wrong
    assert summary.total == 2000


def test_abs_difference_is_exact_at_the_extremes():
    a = np.array([0, 2**64 - 1, 7], dtype=np.uint64)
    b = np.array([2**64 - 1, 0, 7], dtype=np.uint64)
    assert abs_difference(a, b).tolist() == [2**64 - 1, 2**64 - 1, 0]


def test_results_beyond_64_bits_are_refused():
    with pytest.raises(tm.InvalidInput, match="2\\*\\*64"):
        scale_float64([2**64 - 1], 2 * tm.AMD_SVM.one, tm.AMD_SVM)
    with pytest.raises(tm.InvalidInput, match="tsc"):
        scale_float64([-1], tm.AMD_SVM.one, tm.AMD_SVM)
