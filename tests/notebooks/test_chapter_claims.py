"""Numbers stated in the chapters' prose and folded answers that no notebook cell prints."""

from __future__ import annotations

from fractions import Fraction

import tscmath as tm


def test_ch03_answer_offset_is_minus_4096():
    assert tm.to_signed(0xFFFF_FFFF_FFFF_F000) == -4096


def test_ch02_answer_30_khz_at_3_ghz_is_10_ppm_and_0_864_s_per_day():
    ppm = Fraction(30_000, 3_000_000_000) * 10**6
    assert ppm == 10
    assert ppm * 86_400 / 10**6 == Fraction(864, 1000)


def test_ch02_a_10x_longer_window_is_10x_better_bound():
    from tscmath.counter.calibration import PIT_HZ, error_bound_hz, window_ticks

    short = error_bound_hz(window_ticks(10 * 10**6, PIT_HZ), 3000) - 1
    long = error_bound_hz(window_ticks(100 * 10**6, PIT_HZ), 3000) - 1
    assert abs(short / long - 10) < Fraction(1, 1000)
