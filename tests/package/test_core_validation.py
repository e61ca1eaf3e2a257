"""Every bad-input class raises the documented ValueError subclass, naming the parameter."""

from __future__ import annotations

import numpy as np
import pytest

import tscmath as tm

BAD_U64 = [
    (True, "bool"),
    (1.0, "float"),
    ("5", "str"),
    (-1, "-1"),
    (2**64, str(2**64)),
    (None, "NoneType"),
]
BAD_HZ = [(True, "bool"), (3e9, "float"), ("3GHz", "str"), (0, "got 0"), (-5, "got -5")]
BAD_NONNEG = [(False, "bool"), (1.5, "float"), ("1", "str"), (-1, "got -1")]


def _assert_names(exc_info, name, shown):
    message = str(exc_info.value)
    assert isinstance(exc_info.value, ValueError)
    assert name in message, message
    assert shown in message, message
    assert "[" in message or ">=" in message, f"no valid range in: {message}"


@pytest.mark.parametrize(("value", "shown"), BAD_U64)
@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("tsc", lambda v: tm.scale(v, tm.AMD_SVM.one, tm.AMD_SVM)),
        ("host_tsc", lambda v: tm.offset_for(v, 0, tm.AMD_SVM.one, tm.AMD_SVM)),
        ("guest_tsc", lambda v: tm.offset_for(0, v, tm.AMD_SVM.one, tm.AMD_SVM)),
        ("offset", lambda v: tm.guest_tsc(0, tm.AMD_SVM.one, v, tm.AMD_SVM)),
        ("value", tm.to_signed),
    ],
)
def test_bad_u64_values(name, call, value, shown):
    with pytest.raises(tm.InvalidInput) as exc_info:
        call(value)
    _assert_names(exc_info, name, shown)


@pytest.mark.parametrize(("value", "shown"), BAD_HZ)
@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("guest_hz", lambda v: tm.multiplier(v, 3_000_000_000, tm.AMD_SVM)),
        ("host_hz", lambda v: tm.multiplier(3_000_000_000, v, tm.AMD_SVM)),
        ("host_hz", lambda v: tm.effective_hz(1 << 32, v, tm.AMD_SVM)),
        ("hz", lambda v: tm.ticks_to_ns(1, v)),
        ("hz", lambda v: tm.ns_to_ticks(1, v)),
    ],
)
def test_bad_frequencies(name, call, value, shown):
    with pytest.raises(tm.InvalidInput) as exc_info:
        call(value)
    _assert_names(exc_info, name, shown)


@pytest.mark.parametrize(("value", "shown"), BAD_NONNEG)
@pytest.mark.parametrize(
    ("name", "call"),
    [("ticks", lambda v: tm.ticks_to_ns(v, 10**9)), ("ns", lambda v: tm.ns_to_ticks(v, 10**9))],
)
def test_bad_ticks_and_nanoseconds(name, call, value, shown):
    with pytest.raises(tm.InvalidInput) as exc_info:
        call(value)
    _assert_names(exc_info, name, shown)


@pytest.mark.parametrize("fmt", [tm.AMD_SVM, tm.INTEL_VMX])
@pytest.mark.parametrize("mult", [0, -1, 1.5, True, "0x1"])
def test_bad_multipliers(fmt, mult):
    with pytest.raises(tm.InvalidInput, match="mult") as exc_info:
        tm.scale(1, mult, fmt)
    assert hex(fmt.max_multiplier) in str(exc_info.value) or str(fmt.max_multiplier) in str(
        exc_info.value
    )


def test_multiplier_too_large_for_the_format():
    too_big = tm.AMD_SVM.max_multiplier + 1
    with pytest.raises(tm.InvalidInput, match=str(tm.AMD_SVM.max_multiplier)):
        tm.scale(1, too_big, tm.AMD_SVM)


def test_bad_format():
    with pytest.raises(tm.InvalidInput, match="fmt must be a FixedPointFormat"):
        tm.multiplier(1, 1, "amd")
    with pytest.raises(tm.InvalidInput, match="int_bits"):
        tm.FixedPointFormat(40, 40, "too wide")


@pytest.mark.parametrize(
    ("guest_hz", "host_hz", "fmt"),
    [
        (256 * 10**9, 10**9, tm.AMD_SVM),  # ratio 256 does not fit 8 integer bits
        (1, 2**33, tm.AMD_SVM),  # ratio below 2**-32 gives multiplier 0
        (65_536 * 10**6, 10**6, tm.INTEL_VMX),  # ratio 65536 does not fit 16 integer bits
    ],
)
def test_ratio_out_of_range_says_which_ratio_and_what_fits(guest_hz, host_hz, fmt):
    with pytest.raises(tm.RatioOutOfRange) as exc_info:
        tm.multiplier(guest_hz, host_hz, fmt)
    message = str(exc_info.value)
    assert isinstance(exc_info.value, ValueError)
    assert f"{guest_hz}/{host_hz}" in message
    assert fmt.name in message
    assert hex(fmt.max_multiplier) in message


def test_largest_ratio_that_fits_is_accepted():
    assert tm.multiplier(255, 1, tm.AMD_SVM) == 255 << 32
    assert tm.multiplier(2**40 - 1, 2**32, tm.AMD_SVM) == tm.AMD_SVM.max_multiplier


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        (np.array([1.0, 2.0]), "float64"),
        (np.array([True, False]), "bool"),
        (np.array([1, -3], dtype=np.int64), "got -3"),
        ([1, -3], "got -3"),
        ([1, 2**64], str(2**64)),
        ([1, 2.5], "float"),
        (["1"], "str"),
        ([[1, 2], [3]], "of type list"),  # ragged: numpy sees a list of lists
    ],
)
def test_scale_array_bad_inputs_never_surface_numpy_errors(values, shown):
    with pytest.raises(tm.InvalidInput) as exc_info:
        tm.scale_array(values, tm.AMD_SVM.one, tm.AMD_SVM)
    assert "tsc" in str(exc_info.value)
    assert shown in str(exc_info.value)


def test_numpy_integer_scalars_are_accepted():
    assert tm.scale(np.uint64(10), np.int64(1 << 32), tm.AMD_SVM) == 10
    assert tm.ticks_to_ns(np.int32(3), np.uint64(3_000_000_000)) == 1
