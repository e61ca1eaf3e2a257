"""tscmath: exact integer arithmetic for virtualizing the x86 Time Stamp Counter.

The one equation behind everything::

    guest_tsc = ((host_tsc * M) >> F) + offset        (mod 2**64)

``M`` is a fixed-point multiplier with ``F`` fraction bits (AMD SVM 8.32, Intel VMX 16.48).
All TSC arithmetic here is integer arithmetic on Python ints or exact ``uint64`` numpy arrays;
bad input raises a :class:`ValueError` subclass that names the parameter.

A map of the package
--------------------
The core, what ``import tscmath as tm`` gives (no numpy, sympy or matplotlib on import):

==========================  ===========================================================
``errors``                  the exceptions (all ``ValueError``) and the checks that raise them
``formats``                 fixed-point formats of the multiplier: AMD 8.32, Intel 16.48
``scaling``                 the multiplier, the 128-bit scale, effective rate, drift
``offsets``                 the u64 offset, ``guest_tsc``, signed/unsigned views
``conversions``             ticks <-> nanoseconds, multiply first; ``NS_PER_S``, a day
``limits``                  the limits real hypervisors put on rates (bhyve, KVM)
``vectorized``              ``scale_array``: the scale on numpy ``uint64`` arrays, exact
==========================  ===========================================================

Shared by every chapter: ``plotting`` (palette, figure style, text-size check), ``tables``
(one call, one table of exact values), ``symbolic`` (SymPy derivations).

Subpackages, by role:

==========================  ===========================================================
``counter``                 the counter and its calibration (chapters 01-03)
``accuracy``                bit fields, float and divide-first pitfalls, drift (04-05)
``migration``               hosts, a guest on them, the migration protocol, strategies (06)
``guest_view``              kvmclock, the Hyper-V page, what a guest OS does (08)
==========================  ===========================================================

What runs the course (exercises and grading, the playground apps, the live-KVM driver, this
machine's TSC) lives beside it in the package ``tsccourse``, which imports ``tscmath``; nothing
here imports it.

Examples
--------
>>> import tscmath as tm
>>> m = tm.multiplier(guest_hz=2_000_000_000, host_hz=3_000_000_000, fmt=tm.AMD_SVM)
>>> off = tm.offset_for(host_tsc=9_000_000_000, guest_tsc=0, mult=m, fmt=tm.AMD_SVM)
>>> tm.guest_tsc(12_000_000_000, m, off, tm.AMD_SVM)  # one host second later
2000000000
"""

from __future__ import annotations

from typing import Any

from .conversions import NS_PER_S, ns_to_ticks, ticks_to_ns
from .errors import (
    U64_MAX,
    InvalidInput,
    RatioOutOfRange,
    ScaleOverflow,
    TscMathError,
)
from .formats import AMD_SVM, FORMATS, HYPERV_REFERENCE, INTEL_VMX, FixedPointFormat
from .offsets import guest_tsc, offset_for, to_signed, to_u64
from .scaling import (
    drift_ticks_per_second,
    effective_hz,
    max_unscaled_tsc,
    multiplier,
    scale,
)

__version__ = "0.1.0"

__all__ = [
    "AMD_SVM",
    "FORMATS",
    "HYPERV_REFERENCE",
    "INTEL_VMX",
    "NS_PER_S",
    "U64_MAX",
    "FixedPointFormat",
    "InvalidInput",
    "RatioOutOfRange",
    "ScaleOverflow",
    "TscMathError",
    "drift_ticks_per_second",
    "effective_hz",
    "guest_tsc",
    "max_unscaled_tsc",
    "multiplier",
    "ns_to_ticks",
    "offset_for",
    "scale",
    "scale_array",
    "ticks_to_ns",
    "to_signed",
    "to_u64",
]

_LAZY = {"scale_array": ("vectorized", "scale_array")}


def __getattr__(name: str) -> Any:
    """Load numpy-backed names on first use, so ``import tscmath`` stays fast."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tscmath' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
