"""Published vectors from real systems (shared reference §2–§3), as golden tests.

Sources: Oxide's tsc-simulator unit tests (commit 30ef521) for multipliers and scaling;
the reference's worked example of 8.32 drift.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

import tscmath as tm

U64_MAX = 2**64 - 1


@pytest.mark.parametrize(
    ("guest_hz", "host_hz", "fmt", "expected"),
    [
        (2000, 3000, tm.AMD_SVM, 0xAAAA_AAAA),
        (2000, 3000, tm.INTEL_VMX, 0xAAAA_AAAA_AAAA),
        (3000, 2000, tm.AMD_SVM, (1 << 32) | (1 << 31)),
    ],
)
def test_simulator_multiplier_vectors(guest_hz, host_hz, fmt, expected):
    assert tm.multiplier(guest_hz, host_hz, fmt) == expected


@pytest.mark.parametrize(
    ("tsc", "mult", "fmt", "expected"),
    [
        (5_890_513_020, 1 << 31, tm.AMD_SVM, 2_945_256_510),
        (5_890_513_020, (1 << 48) | (1 << 47), tm.INTEL_VMX, 8_835_769_530),
        (U64_MAX, 1 << 48, tm.INTEL_VMX, U64_MAX),
    ],
)
def test_simulator_scale_vectors(tsc, mult, fmt, expected):
    assert tm.scale(tsc, mult, fmt) == expected
    assert int(tm.scale_array([tsc], mult, fmt)[0]) == expected


def test_simulator_scale_overflow_vector():
    mult = (1 << 32) | (1 << 31)
    with pytest.raises(tm.ScaleOverflow, match="does not fit in 64 bits"):
        tm.scale(U64_MAX, mult, tm.AMD_SVM)
    with pytest.raises(tm.ScaleOverflow):
        tm.scale_array([0, U64_MAX], mult, tm.AMD_SVM)


def test_bit_meanings_of_the_formats():
    for fmt in (tm.AMD_SVM, tm.INTEL_VMX):
        f = fmt.frac_bits
        assert tm.multiplier(1, 1, fmt) == 1 << f
        assert tm.multiplier(2, 1, fmt) == 1 << (f + 1)
        assert tm.multiplier(1, 2, fmt) == 1 << (f - 1)
    assert tm.AMD_SVM.max_multiplier == 0xFF_FFFF_FFFF
    assert tm.INTEL_VMX.max_multiplier == 0xFFFF_FFFF_FFFF_FFFF


def test_reference_drift_example():
    """Guest 2,994,374,000 Hz on a 3 GHz host: 0.464 ticks/s with 8.32, ~3e-6 with 16.48."""
    guest, host = 2_994_374_000, 3_000_000_000
    amd = tm.drift_ticks_per_second(guest, host, tm.AMD_SVM)
    intel = tm.drift_ticks_per_second(guest, host, tm.INTEL_VMX)
    assert round(float(amd), 3) == 0.464
    us_per_day = amd * 86_400 * 1_000_000 / guest
    assert round(float(us_per_day), 1) == 13.4
    assert Fraction(2, 1_000_000) < intel < Fraction(4, 1_000_000)


def test_divide_first_loses_the_fraction_but_tscmath_does_not():
    # tsc-simulator's `calc hrtime` divides first: 5,999,999,999 ticks at 3 GHz -> 1 s.
    ticks, hz = 5_999_999_999, 3_000_000_000
    assert ticks // hz * tm.NS_PER_S == 1_000_000_000
    assert tm.ticks_to_ns(ticks, hz) == 1_999_999_999
