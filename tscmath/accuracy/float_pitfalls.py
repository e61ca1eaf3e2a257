"""Why float64 is the wrong tool for TSC scaling: its wrong answers, counted (chapter 05).

:func:`compare_with_exact` counts how many results of the tempting float64 scale differ from
:func:`tscmath.scale_array` and by how many ticks. Floats appear here only to show what goes
wrong with them.

Examples
--------
>>> from tscmath import AMD_SVM
>>> tsc = np.array([3_000_000_000, 2**60 + 12_345], dtype=np.uint64)
>>> summary = compare_with_exact(tsc, 0xAAAA_AAAA, AMD_SVM)
>>> summary.wrong, summary.total
(1, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInput
from ..formats import FixedPointFormat
from ..scaling import check_format, check_multiplier
from ..vectorized import as_int_array, scale_array

__all__ = ["compare_with_exact"]

_TWO_64 = float(2**64)


def scale_float64(tsc: object, mult: int, fmt: FixedPointFormat) -> np.ndarray:
    """The scale computed in float64, ``floor(float(tsc) * (mult / 2**F))``, as ``uint64``.

    This is the *wrong* way, kept to measure how wrong it is.

    Raises :class:`InvalidInput` if a float result does not fit in 64 bits (no silent wrap).

    Examples
    --------
    >>> from tscmath import INTEL_VMX
    >>> int(scale_float64([2**53 + 1], INTEL_VMX.one, INTEL_VMX)[0]) == 2**53  # lost a tick
    True
    """
    fmt = check_format(fmt)
    mult = check_multiplier(mult, fmt)
    t = as_int_array("tsc", tsc)
    result = np.asarray(np.floor(t.astype(np.float64) * (mult / fmt.one)))
    if result.size and float(result.max()) >= _TWO_64:
        raise InvalidInput(
            f"scale_float64: a float64 result is >= 2**64 for mult={mult:#x} in {fmt.name}; "
            "use smaller tsc values"
        )
    return result.astype(np.uint64)  # same shape as tsc (a scalar gives shape ())


def abs_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a - b|`` element by element for two ``uint64`` arrays, exact (no wrap, no float).

    Examples
    --------
    >>> abs_difference(np.array([5, 2**64 - 1], dtype=np.uint64), np.array([7, 0], dtype=np.uint64))
    array([                   2, 18446744073709551615], dtype=uint64)
    """
    a, b = as_int_array("a", a), as_int_array("b", b)
    if a.shape != b.shape:
        raise InvalidInput(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return np.where(a >= b, a - b, b - a)


@dataclass(frozen=True)
class FloatComparison:
    """How float64 scaling compares with the exact integer scale.

    Attributes
    ----------
    total : int
        Values compared.
    wrong : int
        Values where float64 differs from the exact result.
    too_high, too_low : int
        Of those, how many float64 put above / below the exact result.
    max_error_ticks : int
        Largest ``|float64 - exact|`` in ticks.
    """

    total: int
    wrong: int
    too_high: int
    too_low: int
    max_error_ticks: int

    @property
    def wrong_fraction(self) -> float:
        """``wrong / total`` (a float, for display)."""
        return self.wrong / self.total if self.total else 0.0


def compare_with_exact(tsc: object, mult: int, fmt: FixedPointFormat) -> FloatComparison:
    """Compare :func:`scale_float64` with the exact :func:`tscmath.scale_array` on ``tsc``.

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> compare_with_exact([0, 1, 2], AMD_SVM.one, AMD_SVM).wrong
    0
    """
    fmt = check_format(fmt)
    t = as_int_array("tsc", tsc)
    exact = scale_array(t, mult, fmt)
    approx = scale_float64(t, mult, fmt)
    diff = abs_difference(approx, exact)
    return FloatComparison(
        total=int(t.size),
        wrong=int(np.count_nonzero(diff)),
        too_high=int(np.count_nonzero(approx > exact)),
        too_low=int(np.count_nonzero(approx < exact)),
        max_error_ticks=int(diff.max()) if diff.size else 0,
    )
