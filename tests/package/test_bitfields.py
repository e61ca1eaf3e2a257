"""bitfields: bits round-trip to the multiplier, and the drawing has one box per bit."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tscmath as tm
from tscmath.accuracy.bitfields import bit_weight, bits_msb_first, draw_bits, value_of_bits


@pytest.mark.parametrize("fmt", [tm.AMD_SVM, tm.INTEL_VMX])
@given(data=st.data())
def test_bits_round_trip(fmt, data):
    m = data.draw(st.integers(1, fmt.max_multiplier))
    bits = bits_msb_first(m, fmt)
    assert len(bits) == fmt.int_bits + fmt.frac_bits
    assert value_of_bits(bits, fmt) == Fraction(m, fmt.one)
    assert sum(b * bit_weight(k, fmt) for k, b in enumerate(reversed(bits))) == Fraction(m, fmt.one)


def test_two_thirds_in_8_32_is_alternating_fraction_bits():
    bits = bits_msb_first(0xAAAA_AAAA, tm.AMD_SVM)
    assert bits[:8] == [0] * 8 and bits[8:] == [1, 0] * 16


def test_bad_input():
    with pytest.raises(tm.InvalidInput, match="bits"):
        value_of_bits([1, 0], tm.AMD_SVM)
    with pytest.raises(tm.InvalidInput, match="k must"):
        bit_weight(40, tm.AMD_SVM)
    with pytest.raises(tm.InvalidInput, match="mult"):
        bits_msb_first(1 << 40, tm.AMD_SVM)


def test_drawing_has_one_box_per_bit_and_labels():
    from tscmath.plotting import new_figure

    fig, ax = new_figure()
    draw_bits(ax, tm.INTEL_VMX.one, tm.INTEL_VMX)
    assert len(ax.patches) == 64
    assert "bit number" in ax.get_xlabel()
    assert ax.get_legend() is not None
    import matplotlib.pyplot as plt

    plt.close(fig)
