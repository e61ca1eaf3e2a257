"""TSC offsets: anchoring a guest TSC value to a host TSC value, and reading the guest TSC.

``guest_tsc = (scale(host_tsc, M) + offset) mod 2**64``. The offset is added *after*
scaling, so it counts guest ticks, and it is stored as a u64 (two's complement).

Examples
--------
>>> from tscmath import AMD_SVM
>>> one = AMD_SVM.one
>>> off = offset_for(host_tsc=1_000, guest_tsc=0, mult=one, fmt=AMD_SVM)
>>> to_signed(off), guest_tsc(1_500, one, off, AMD_SVM)
(-1000, 500)
"""

from __future__ import annotations

from .errors import I64_MIN, U64_MAX, check_int, check_u64
from .formats import FixedPointFormat
from .scaling import check_format, check_multiplier, wrapped_scale

__all__ = ["offset_for", "guest_tsc", "to_signed", "to_u64"]


def offset_for(host_tsc: int, guest_tsc: int, mult: int, fmt: FixedPointFormat) -> int:
    """The u64 offset that makes the guest read ``guest_tsc`` when the host reads ``host_tsc``.

    ``offset = (guest_tsc - scale(host_tsc, mult)) mod 2**64``, with the scale wrapping as the
    hardware's does.

    Examples
    --------
    >>> from tscmath import INTEL_VMX
    >>> hex(offset_for(10, 0, INTEL_VMX.one, INTEL_VMX))
    '0xfffffffffffffff6'
    """
    host_tsc, guest_tsc = check_u64("host_tsc", host_tsc), check_u64("guest_tsc", guest_tsc)
    fmt = check_format(fmt)
    return (guest_tsc - wrapped_scale(host_tsc, check_multiplier(mult, fmt), fmt)) & U64_MAX


def guest_tsc(host_tsc: int, mult: int, offset: int, fmt: FixedPointFormat) -> int:
    """What the guest reads: ``(scale(host_tsc, mult) + offset) mod 2**64``, as hardware does.

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> guest_tsc(3_000, (1 << 32) | (1 << 31), 2**64 - 500, AMD_SVM)
    4000
    """
    host_tsc, offset = check_u64("host_tsc", host_tsc), check_u64("offset", offset)
    fmt = check_format(fmt)
    return (wrapped_scale(host_tsc, check_multiplier(mult, fmt), fmt) + offset) & U64_MAX


def to_signed(value: int) -> int:
    """Read a u64 as two's complement, for display: ``2**64 - 1`` becomes ``-1``.

    Examples
    --------
    >>> to_signed(2**64 - 1), to_signed(5)
    (-1, 5)
    """
    value = check_u64("value", value)
    return value - (1 << 64) if value >> 63 else value


def to_u64(value: int) -> int:
    """Store a signed offset as the u64 the hardware holds: ``value mod 2**64``.

    Examples
    --------
    >>> hex(to_u64(-1))
    '0xffffffffffffffff'
    """
    value = check_int("value", value, I64_MIN, U64_MAX)
    return value & U64_MAX
