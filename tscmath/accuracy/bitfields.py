"""A fixed-point multiplier bit by bit: the bits, what each is worth, and a drawing of them.

An ``I.F`` multiplier (AMD SVM 8.32, Intel VMX 16.48) is ``I + F`` bits; bit ``k`` is worth
``2**(k - F)``, so the bits left of the binary point hold the integer part of the ratio and the
bits right of it the fraction. :func:`bits_msb_first` lists them, :func:`value_of_bits` adds
them back up exactly, :func:`draw_bits` draws one box per bit (floats only for drawing).

Examples
--------
>>> from tscmath import AMD_SVM
>>> bits = bits_msb_first((1 << 32) | (1 << 31), AMD_SVM)   # ratio 1.5
>>> len(bits), bits[:10]
(40, [0, 0, 0, 0, 0, 0, 0, 1, 1, 0])
>>> value_of_bits(bits, AMD_SVM)
Fraction(3, 2)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..errors import InvalidInput, check_int, check_sequence
from ..formats import FixedPointFormat
from ..scaling import check_format, check_multiplier

__all__ = ["bits_msb_first", "value_of_bits", "draw_bits"]


def bits_msb_first(mult: int, fmt: FixedPointFormat) -> list[int]:
    """The ``int_bits + frac_bits`` bits of ``mult``, most significant first.

    Examples
    --------
    >>> from tscmath import INTEL_VMX
    >>> bits = bits_msb_first(INTEL_VMX.one, INTEL_VMX)
    >>> len(bits), bits.index(1), sum(bits)
    (64, 15, 1)
    """
    fmt = check_format(fmt)
    mult = check_multiplier(mult, fmt)
    width = fmt.int_bits + fmt.frac_bits
    return [(mult >> k) & 1 for k in range(width - 1, -1, -1)]


def bit_weight(k: int, fmt: FixedPointFormat) -> Fraction:
    """What bit ``k`` (0 = least significant) of a multiplier in ``fmt`` is worth: ``2**(k-F)``.

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> bit_weight(32, AMD_SVM), bit_weight(31, AMD_SVM)
    (Fraction(1, 1), Fraction(1, 2))
    """
    fmt = check_format(fmt)
    width = fmt.int_bits + fmt.frac_bits
    k = check_int("k", k, 0, width - 1)
    return Fraction(2) ** (k - fmt.frac_bits)


def value_of_bits(bits: list[int], fmt: FixedPointFormat) -> Fraction:
    """The exact ratio a list of bits (most significant first) means in ``fmt``.

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> value_of_bits([0] * 39 + [1], AMD_SVM) == Fraction(1, 2**32)
    True
    """
    fmt = check_format(fmt)
    width = fmt.int_bits + fmt.frac_bits
    bits = [check_int(f"bits[{i}]", b, 0, 1) for i, b in enumerate(check_sequence("bits", bits))]
    if len(bits) != width:
        raise InvalidInput(f"bits must be {width} zeros and ones for {fmt.name}; got {len(bits)}")
    value = 0
    for b in bits:
        value = (value << 1) | b
    return Fraction(value, fmt.one)


def draw_bits(ax: Any, mult: int, fmt: FixedPointFormat, title: str | None = None) -> None:
    """Draw ``mult`` as one box per bit on a matplotlib axes: integer bits, binary point, fraction.

    Set bits are filled; integer and fraction bits have different colours and hatching so they
    stay distinct without colour. The x axis counts bit positions (0 = least significant).

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> from tscmath.plotting import new_figure
    >>> fig, ax = new_figure(figsize=(9, 1.6))
    >>> draw_bits(ax, (1 << 32) | (1 << 31), AMD_SVM)
    >>> len(ax.patches)
    40
    """
    from matplotlib.patches import Patch, Rectangle

    from ..plotting import COLORS

    bits = bits_msb_first(mult, fmt)
    width = len(bits)
    colour = {True: COLORS["orange"], False: COLORS["sky_blue"]}
    hatch = {True: "//", False: ""}
    for i, bit in enumerate(bits):
        k = width - 1 - i  # bit number
        is_int = k >= fmt.frac_bits
        ax.add_patch(
            Rectangle(
                (i, 0),
                1,
                1,
                facecolor=colour[is_int] if bit else "white",
                edgecolor=COLORS["ink"],
                hatch=hatch[is_int] if bit else "",
                linewidth=0.6,
            )
        )
        ax.text(i + 0.5, 0.5, str(bit), ha="center", va="center", fontsize=10.5, in_layout=False)
    point = fmt.int_bits
    ax.axvline(point, color=COLORS["vermillion"], linewidth=2.5)
    ax.text(point, 1.08, "binary point", ha="center", va="bottom", color=COLORS["vermillion"])
    ticks = [i for i in range(width) if (width - 1 - i) % 8 == 0 or i == 0]
    ax.set_xticks([i + 0.5 for i in ticks], [str(width - 1 - i) for i in ticks])
    ax.set_xlim(0, width)
    ax.set_ylim(0, 1.4)
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlabel("bit number (0 = least significant; bit k is worth 2^(k - F))")
    ax.legend(
        handles=[
            Patch(
                facecolor=colour[True], hatch="//", edgecolor=COLORS["ink"], label="integer bit = 1"
            ),
            Patch(facecolor=colour[False], edgecolor=COLORS["ink"], label="fraction bit = 1"),
            Patch(facecolor="white", edgecolor=COLORS["ink"], label="bit = 0"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.set_title(
        title or f"{fmt.name}: multiplier {mult:#x} = {float(Fraction(mult, fmt.one)):.10g}"
    )
