"""Exact TSC arithmetic on numpy arrays: the scale, and ticks <-> nanoseconds, all in ``uint64``.

:func:`scale_array` is bit-identical to :func:`tscmath.scale`; numpy has no 128-bit integers,
so the 64x64 -> 128-bit product is built from 32-bit limbs, in cache-sized chunks. No floats,
no object arrays, no Python loop per element; a Python list is checked element by element.
Chapters 05 and 06 use it for sweeps and timelines.

Examples
--------
>>> from tscmath import AMD_SVM
>>> scale_array(np.array([0, 5_890_513_020], dtype=np.uint64), 1 << 31, AMD_SVM)
array([         0, 2945256510], dtype=uint64)
"""

from __future__ import annotations

import numpy as np

from .conversions import MAX_HZ, NS_PER_S
from .errors import (
    I64_MAX,
    I64_MIN,
    U64_MAX,
    InvalidInput,
    ScaleOverflow,
    check_bool,
    check_int,
)
from .formats import FixedPointFormat
from .scaling import check_format, check_multiplier, max_unscaled_tsc

__all__ = ["scale_array", "ticks_to_ns_u64_array", "ns_to_ticks_u64_array"]

CHUNK = 1 << 16
"""Elements per chunk (measured best of 2**12..2**16 here): six 512 KiB buffers."""

_M32 = np.uint64(0xFFFF_FFFF)
_S32 = np.uint64(32)


def as_int_array(name: str, values: object, *, signed: bool = False) -> np.ndarray:
    """``values`` as a ``uint64`` (``int64`` if ``signed``) array, every element checked.

    Refuses floats, bools, strings and out-of-range values with an ``InvalidInput`` naming
    ``name`` and the first offending value. Lists are checked element by element as Python
    ints (numpy would silently turn ``[1, 2**64 - 1]`` into float64).

    Examples
    --------
    >>> as_int_array("tsc", [1, 2**64 - 1])
    array([                   1, 18446744073709551615], dtype=uint64)
    >>> as_int_array("true_ns", [1, -2], signed=True)
    array([ 1, -2])
    """
    dtype, lo, hi = (np.int64, I64_MIN, I64_MAX) if signed else (np.uint64, 0, U64_MAX)
    powers = "[-2**63, 2**63 - 1]" if signed else "[0, 2**64 - 1]"
    what = f"{name} must hold integers in {powers} = [{lo}, {hi}]"
    if isinstance(values, (np.ndarray, np.generic)):
        arr = np.asarray(values)
    else:
        try:
            arr = np.array(values, dtype=object)
        except (ValueError, TypeError) as exc:  # ragged input
            raise InvalidInput(f"{what}; could not read {values!r} as an array ({exc})") from None
    kind, own = arr.dtype.kind, np.dtype(dtype).kind
    if kind == "O":
        checked = [check_int(f"{name}[{i}]", v, lo, hi) for i, v in enumerate(arr.flat)]
        return np.array(checked, dtype=dtype).reshape(arr.shape)
    if kind not in "iu":
        sample = arr.flat[0] if arr.size else None
        raise InvalidInput(f"{what}; got an array of dtype {arr.dtype} (first element {sample!r})")
    if kind != own and arr.size:  # the other signedness: its extreme must fit
        extreme = int(arr.max()) if signed else int(arr.min())
        if not lo <= extreme <= hi:
            raise InvalidInput(f"{what}; got {extreme}")
    return arr.astype(dtype, copy=False)


def _check_array_hz(hz: object) -> int:
    return check_int("hz", hz, 1, MAX_HZ)


def ticks_to_ns_u64_array(ticks: object, hz: int) -> np.ndarray:
    """``floor(ticks * 10**9 / hz)`` for every element, exactly, as ``uint64``.

    With ``ticks = q * hz + x`` (``x < hz``) and ``10**9 = 1953125 * 512``::

        floor(ticks * 1e9 / hz) = q * 1e9 + 512 * a + floor(512 * b / hz)

    where ``x * 1953125 = a * hz + b``; ``x * 1953125 < 2**64`` because ``hz <= MAX_HZ``.
    For ``hz >= 10**9`` the answer is at most ``ticks`` and always fits; for a slower counter
    an answer of ``2**64`` ns or more (over 584 years) is kept modulo ``2**64``.

    ``ticks`` in ``[0, 2**64)``, ``hz`` in ``1 .. MAX_HZ`` (10**12); the result has the shape of
    ``ticks``.

    Examples
    --------
    >>> ticks_to_ns_u64_array(np.array([5_999_999_999], dtype=np.uint64), 3_000_000_000)
    array([1999999999], dtype=uint64)
    """
    t = as_int_array("ticks", ticks)
    hz = _check_array_hz(hz)
    shape = t.shape
    t = t.reshape(-1)
    h = np.uint64(hz)
    q = t // h  # division by a scalar: numpy uses libdivide; cheaper than np.divmod
    x = t - q * h
    x *= np.uint64(1_953_125)
    a = x // h
    x -= a * h  # b
    x *= np.uint64(512)
    x //= h
    q *= np.uint64(NS_PER_S)
    a *= np.uint64(512)
    q += a
    q += x
    return q.reshape(shape)


def ns_to_ticks_u64_array(true_ns: object, hz: int) -> np.ndarray:
    """``floor(true_ns * hz / 10**9) mod 2**64`` for signed nanoseconds, exactly, as ``uint64``.

    With ``t = s * 10**9 + r`` (``0 <= r < 10**9``, floor division so negative ``t`` work)
    and ``hz = a * 10**9 + b`` (``b < 10**9``)::

        floor(t * hz / 10**9) = s * hz + r * a + floor(r * b / 10**9)

    ``s * hz`` wraps modulo ``2**64`` (which is the answer's modulus: a TSC register),
    ``r * a < 10**12`` and ``r * b < 10**18`` never overflow.

    ``true_ns`` in ``[-2**63, 2**63)``; ``hz`` in ``1 .. MAX_HZ`` (10**12).

    Examples
    --------
    >>> ns_to_ticks_u64_array(np.array([-1, 0, 1], dtype=np.int64), 3_000_000_000).tolist()
    [18446744073709551613, 0, 3]
    """
    t = as_int_array("true_ns", true_ns, signed=True)
    hz = _check_array_hz(hz)
    shape = t.shape
    t = t.reshape(-1)
    s = t // np.int64(NS_PER_S)  # floor, also for negative times
    a, b = divmod(hz, NS_PER_S)
    s_u = s.view(np.uint64)  # two's complement: s mod 2**64
    r_u = t.view(np.uint64) - s_u * np.uint64(NS_PER_S)  # r = t - s * 1e9, in [0, 1e9)
    out = s_u * np.uint64(hz)
    if a:
        out += r_u * np.uint64(a)
    r_u *= np.uint64(b)
    r_u //= np.uint64(NS_PER_S)
    out += r_u
    return out.reshape(shape)


def _frac_part(t, r: int, frac_bits: int, out, a0, a1, tmp, tmp2) -> None:
    """``out[:] = floor(t * r / 2**F)`` for a scalar ``0 <= r < 2**F``, exactly, in uint64."""
    np.bitwise_and(t, _M32, out=a0)
    np.right_shift(t, _S32, out=a1)
    if r < (1 << 32):
        rr = np.uint64(r)
        np.multiply(a1, rr, out=out)  # X = a1 * r  < 2**64
        np.multiply(a0, rr, out=tmp)  # Y = a0 * r  < 2**64
        if frac_bits >= 32:
            s = frac_bits - 32
            np.right_shift(tmp, _S32, out=tmp)  # Y >> 32 < 2**32
            if s == 0:
                np.add(out, tmp, out=out)  # X + (Y >> 32) < 2**64
            else:
                # floor((X + (Y >> 32)) / 2**s) without overflowing X + ...
                ss = np.uint64(s)
                np.bitwise_and(out, np.uint64((1 << s) - 1), out=tmp2)
                np.add(tmp2, tmp, out=tmp2)
                np.right_shift(tmp2, ss, out=tmp2)
                np.right_shift(out, ss, out=out)
                np.add(out, tmp2, out=out)
        else:
            # F < 32: X * 2**(32 - F) + (Y >> F); X < 2**(32 + F) so the shift is exact.
            np.left_shift(out, np.uint64(32 - frac_bits), out=out)
            np.right_shift(tmp, np.uint64(frac_bits), out=tmp)
            np.add(out, tmp, out=out)
        return
    # r >= 2**32, so F > 32: full 4-limb product, keep bits F .. F+63.
    r0, r1 = np.uint64(r & 0xFFFF_FFFF), np.uint64(r >> 32)
    p01 = tmp2
    np.multiply(a0, r1, out=p01)
    np.multiply(a0, r0, out=tmp)  # p00
    np.right_shift(tmp, _S32, out=tmp)  # p00 >> 32
    np.multiply(a1, r0, out=a0)  # p10 (a0 no longer needed)
    np.multiply(a1, r1, out=out)  # p11
    # mid = (p00 >> 32) + lo32(p01) + lo32(p10)  < 3 * 2**32
    np.bitwise_and(p01, _M32, out=a1)
    np.add(tmp, a1, out=tmp)
    np.bitwise_and(a0, _M32, out=a1)
    np.add(tmp, a1, out=tmp)
    # hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)
    np.right_shift(p01, _S32, out=p01)
    np.add(out, p01, out=out)
    np.right_shift(a0, _S32, out=a0)
    np.add(out, a0, out=out)
    np.right_shift(tmp, _S32, out=a1)
    np.add(out, a1, out=out)
    if frac_bits < 64:
        # result = (hi << (64 - F)) | (lo32(mid) >> (F - 32))
        np.left_shift(out, np.uint64(64 - frac_bits), out=out)
        np.bitwise_and(tmp, _M32, out=tmp)
        np.right_shift(tmp, np.uint64(frac_bits - 32), out=tmp)
        np.bitwise_or(out, tmp, out=out)


def scale_array(tsc: object, mult: int, fmt: FixedPointFormat, *, wrap: bool = False) -> np.ndarray:
    """Scale every TSC value in ``tsc``: ``floor(tsc * mult / 2**F)``, exact, as ``uint64``.

    ``tsc`` holds values in ``[0, 2**64)`` (a ``uint64`` array is used without a copy); the
    result has its shape (a scalar gives ``()``) and equals :func:`scale` element by element.
    ``wrap=True`` keeps the low 64 bits of an overflowing result, as the hardware does.

    Examples
    --------
    >>> import numpy as np
    >>> from tscmath import INTEL_VMX
    >>> scale_array([5_890_513_020], (1 << 48) | (1 << 47), INTEL_VMX)
    array([8835769530], dtype=uint64)
    """
    fmt = check_format(fmt)
    mult = check_multiplier(mult, fmt)
    wrap = check_bool("wrap", wrap)
    t_in = as_int_array("tsc", tsc)
    shape = t_in.shape  # before ascontiguousarray, which makes a 0-d input 1-d
    t_all = np.ascontiguousarray(t_in).reshape(-1)
    if not wrap and t_all.size:
        limit = max_unscaled_tsc(mult, fmt)
        if limit < U64_MAX:
            too_big = t_all > np.uint64(limit)
            if too_big.any():
                first = int(t_all[too_big][0])
                raise ScaleOverflow(
                    f"scale_array: tsc value {first} times mult={mult:#x} in {fmt.name} does not "
                    f"fit in 64 bits after scaling (largest tsc that does: {limit}); pass "
                    "wrap=True to drop the high bits as the hardware does"
                )
    q, r = mult >> fmt.frac_bits, mult & (fmt.one - 1)
    result = np.empty_like(t_all)
    n = t_all.size
    size = min(CHUNK, n)
    a0, a1, tmp, tmp2, whole = (np.empty(size, dtype=np.uint64) for _ in range(5))
    qq = np.uint64(q)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        k = stop - start
        t = t_all[start:stop]
        out = result[start:stop]
        if r:
            _frac_part(t, r, fmt.frac_bits, out, a0[:k], a1[:k], tmp[:k], tmp2[:k])
            if q:
                np.multiply(t, qq, out=whole[:k])  # wraps mod 2**64, like the hardware
                np.add(out, whole[:k], out=out)
        else:  # an integer multiplier (r == 0, so q >= 1 because mult >= 1)
            np.multiply(t, qq, out=out)
    return result.reshape(shape)
