"""Fixed-point formats of the hardware TSC multiplier.

A multiplier ``M`` in a format with ``F`` fraction bits means the ratio ``M / 2**F``.

Examples
--------
>>> from tscmath.formats import AMD_SVM, INTEL_VMX
>>> hex(AMD_SVM.one), hex(AMD_SVM.max_multiplier)
('0x100000000', '0xffffffffff')
>>> INTEL_VMX.frac_bits
48
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInput, check_int, check_str

__all__ = ["FixedPointFormat", "AMD_SVM", "INTEL_VMX", "HYPERV_REFERENCE", "FORMATS"]


@dataclass(frozen=True)
class FixedPointFormat:
    """An unsigned fixed-point format ``int_bits.frac_bits`` of at most 64 bits.

    Parameters
    ----------
    int_bits : int
        Bits left of the binary point (8 for AMD SVM, 16 for Intel VMX).
    frac_bits : int
        Bits right of the binary point, ``F`` (32 for AMD SVM, 48 for Intel VMX).
    name : str
        Human-readable name used in messages and plots.

    Examples
    --------
    >>> fmt = FixedPointFormat(8, 32, "AMD SVM 8.32")
    >>> fmt.one == 1 << 32, fmt.max_multiplier == 0xFF_FFFF_FFFF
    (True, True)
    """

    int_bits: int
    frac_bits: int
    name: str

    def __post_init__(self) -> None:
        # Store plain Python ints: a numpy int64 here would make ``one`` and the multiplier
        # arithmetic wrap silently (``np.int64(1) << 64`` is 0).
        object.__setattr__(self, "int_bits", check_int("int_bits", self.int_bits, 0, 64))
        object.__setattr__(self, "frac_bits", check_int("frac_bits", self.frac_bits, 0, 64))
        object.__setattr__(self, "name", check_str("name", self.name, 200))
        if self.int_bits + self.frac_bits > 64 or self.int_bits + self.frac_bits == 0:
            raise InvalidInput(
                f"int_bits + frac_bits must be in [1, 64]; got "
                f"{self.int_bits} + {self.frac_bits} = {self.int_bits + self.frac_bits}"
            )

    @property
    def one(self) -> int:
        """The multiplier that means ratio 1.0, ``2**frac_bits``."""
        return 1 << self.frac_bits

    @property
    def max_multiplier(self) -> int:
        """The largest multiplier the format holds, ``2**(int_bits + frac_bits) - 1``."""
        return (1 << (self.int_bits + self.frac_bits)) - 1

    @property
    def label(self) -> str:
        """``"8.32"``-style short label."""
        return f"{self.int_bits}.{self.frac_bits}"

    def __str__(self) -> str:
        return self.name


AMD_SVM = FixedPointFormat(8, 32, "AMD SVM 8.32")
"""AMD SVM ``TSC_RATIO`` MSR (0xC000_0104): 8 integer bits, 32 fraction bits."""

INTEL_VMX = FixedPointFormat(16, 48, "Intel VMX 16.48")
"""Intel VMX TSC multiplier (VMCS field): 16 integer bits, 48 fraction bits."""

HYPERV_REFERENCE = FixedPointFormat(0, 64, "Hyper-V reference TSC page 0.64")
"""Hyper-V reference TSC page scale: a pure 0.64 fraction (ticks -> 100 ns units)."""

FORMATS = {"amd": AMD_SVM, "intel": INTEL_VMX}
"""The two hardware scaling formats by short name."""
