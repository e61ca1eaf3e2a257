"""The Hyper-V reference TSC page as propolis fills it, read exactly."""

from __future__ import annotations

from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tscmath.errors import U64_MAX, InvalidInput
from tscmath.guest_view.hyperv import (
    ReferenceTscPage,
    exact_100ns,
    guest_freq_to_scale,
    read_100ns,
    reference_page,
    rescaled_page,
)

GUEST_HZ = st.integers(min_value=10_000_001, max_value=U64_MAX)
REAL_HZ = st.integers(min_value=100_000_000, max_value=10_000_000_000)


# 10**7 / 10**9 = 0.01 = 0x0.028F5C28F5C28F5C... (the hex expansion of 1/100 repeats 28F5C);
# 10**7 / 2.5e9 = 0.004, and 0.004 * 2**64 = 73786976294838206.464.
@pytest.mark.parametrize(
    ("hz", "scale"),
    [
        (1_000_000_000, 0x028F_5C28_F5C2_8F5C),
        (2_500_000_000, 73_786_976_294_838_206),
        (20_000_000, 1 << 63),
        (40_000_000, 1 << 62),
    ],
)
def test_scale_vectors(hz, scale):
    assert guest_freq_to_scale(hz) == scale
    assert reference_page(hz) == ReferenceTscPage(sequence=1, scale=scale, offset=0)


@pytest.mark.parametrize("hz", [1, 5_000_000, 9_999_999, 10_000_000])
def test_page_disabled_at_or_below_10_mhz(hz):
    assert guest_freq_to_scale(hz) is None
    page = reference_page(hz)
    assert page.sequence == 0 and not page.valid
    assert read_100ns(page, 12345) is None


def test_just_above_10_mhz_is_enabled():
    assert reference_page(10_000_001).valid


def test_one_second_at_2_5_ghz_is_one_unit_short():
    # scale is a floor, so 2.5e9 ticks give 9999999.99... -> 9999999 units of 100 ns
    assert read_100ns(reference_page(2_500_000_000), 2_500_000_000) == 9_999_999


@given(GUEST_HZ, st.integers(0, U64_MAX))
def test_read_is_floor_of_exact_or_one_less(hz, tsc):
    got = read_100ns(reference_page(hz), tsc)
    exact = floor(Fraction(tsc * 10**7, hz))
    assert got in (exact, exact - 1)
    assert exact_100ns(tsc, hz) == Fraction(tsc * 10**7, hz)


@given(REAL_HZ, st.integers(0, U64_MAX), st.integers(0, U64_MAX))
def test_read_is_monotonic(hz, a, b):
    page = reference_page(hz)
    lo, hi = sorted((a, b))
    assert read_100ns(page, lo) <= read_100ns(page, hi)


@given(REAL_HZ, REAL_HZ, st.integers(0, 1 << 50), st.integers(0, 1 << 40))
def test_rescaled_page_is_continuous(hz_a, hz_b, tsc_now, later):
    old = reference_page(hz_a)
    new = rescaled_page(old, tsc_now, hz_b)
    assert new.valid and new.sequence == 2
    assert read_100ns(new, tsc_now) == read_100ns(old, tsc_now)
    advanced = read_100ns(new, tsc_now + later) - read_100ns(new, tsc_now)
    assert abs(advanced - Fraction(later * 10**7, hz_b)) < 2


def test_sequence_skips_zero_when_it_wraps():
    page = ReferenceTscPage(sequence=0xFFFF_FFFF, scale=1 << 62, offset=0)
    assert rescaled_page(page, 100, 40_000_000).sequence == 1


def test_offset_is_signed_and_the_sum_wraps():
    page = ReferenceTscPage(sequence=1, scale=1 << 63, offset=-10)
    assert read_100ns(page, 40) == 10
    assert read_100ns(page, 0) == U64_MAX - 9


def test_bad_input_names_the_parameter():
    with pytest.raises(InvalidInput, match="guest_hz"):
        guest_freq_to_scale(0)
    with pytest.raises(InvalidInput, match="offset"):
        ReferenceTscPage(sequence=1, scale=1, offset=1 << 63)
    with pytest.raises(InvalidInput, match="tsc"):
        read_100ns(reference_page(10**9), 1 << 64)
