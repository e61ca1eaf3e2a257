"""Fuzz the public API of ``tscmath`` and ``tsccourse`` with bad and extreme input (issues 17, 21).

The public API is what ``__all__`` names, in every module of both packages: found by
introspection, so a name made public is covered without touching this file. Every public
function, class and public method is called, except ``tsccourse.exercises`` (the checkers'
"never raises" contract is tested with them), the two functions of ``tsccourse.kvm_live`` that
open ``/dev/kvm``, functions that take a matplotlib ``ax``, and Enum classes (``Strategy("x")``
is Python's own lookup; the package's functions take a member or its value through
``errors.check_member``).

Each call starts from valid arguments (:data:`VALID`, by parameter name; a record's from a real
instance) and replaces one or several of them with bad or extreme values: wrong types, numpy
scalars of every dtype, negative, zero, 2**63, 2**64, 2**128, nan, inf, huge counts, None,
strings, containers. The contract, for every call, within :data:`CALL_LIMIT_S` seconds:

* **named error**: a :class:`tscmath.TscMathError` (a ``ValueError``) whose message names the
  parameter that was replaced; or
* **correct result**: the return value has the annotated type (an ``int`` is a Python ``int``,
  never a numpy scalar; no numpy scalar anywhere inside a returned record), the public properties
  of a returned object evaluate, and for the core arithmetic it equals a reference formula
  written here with Python ints;
* **anything else** is a failure: another exception (a traceback from deep inside), a numpy
  ``RuntimeWarning`` (silent overflow), a wrong type or value, a named error for input the
  reference formula accepts, or a call that runs past the deadline (a hang).

Deterministic: the sweep is a fixed loop and Hypothesis runs derandomized. The counts are
printed at the end of the run (``-s`` not needed). The sweep is marked ``slow`` (about 20 s of
CPU): ``make test`` runs it, ``make check`` runs the Hypothesis part with fewer examples.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import math
import numbers
import pkgutil
import re
import signal
import sys
import time
import typing
import warnings
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import matplotlib.pyplot  # noqa: F401 (imported here, not inside the first timed call)
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tsccourse
import tscmath as tm
from tsccourse import kvm_checks
from tsccourse.playground.render import INTERNAL_ERROR_PREFIX
from tsccourse.playground.settings import Settings
from tsccourse.this_machine import HostTscInfo
from tscmath.accuracy.reanchoring import simulate_migrations
from tscmath.counter.calibration import CalibrationRun
from tscmath.counter.vcpu_tsc import TscSync, VcpuTsc
from tscmath.guest_view.hyperv import reference_page
from tscmath.guest_view.pvclock import (
    MasterClock,
    SeqlockRead,
    host_update,
    make_time_info,
    writer_states,
)
from tscmath.migration.hosts import Host
from tscmath.migration.protocol import LocalLeg, VmTimeData, adjust_time_data
from tscmath.migration.strategies import Strategy, migrate
from tscmath.migration.timeline import Hop, simulate_timeline
from tscmath.migration.vm import boot_guest
from tscmath.tables import Table, table

from ..conftest import examples
from .conftest import FUZZ_SUMMARY

CALL_LIMIT_S = 5.0
"""Deadline of one call; a call still running then counts as a hang."""

SKIPPED_PACKAGES = ("tsccourse.exercises",)
"""Not fuzzed here: the checkers (their "never raises" contract is tested with them)."""
SKIPPED_NAMES = ("tsccourse.kvm_live.record_session", "tsccourse.kvm_live.live_or_recorded")
"""The two entry points that open ``/dev/kvm`` and issue ioctls (fuzzing them would create VMs
on the host); ``tests/course/test_kvm_live.py`` tests them."""
DISPLAY_PARAMS = {"ax"}

U64 = 2**64
G = 10**9
A = Host("A", 3 * G)
B = Host("B", 2 * G, tsc_at_zero=10**12)
OLD = make_time_info(3 * G, 0, 0)
NEW = host_update(OLD, tsc_timestamp=30, system_time=10, tsc_hz=3 * G)
VM = boot_guest(A, 0, 2 * G)
SRC = VmTimeData(G, 5_000, 10_000, 100, 0, 4_000)
SESSION = kvm_checks.load_recorded_session()

VALID: dict[str, object] = {
    # the core
    "tsc": 5_890_513_020,
    "host_tsc": 5_890_513_020,
    "guest_tsc": 0,
    "mult": 0xAAAA_AAAA,
    "fmt": tm.AMD_SVM,
    "offset": 5,
    "wrap": False,
    "value": 5,
    "values": [1, 2],
    "guest_hz": 2 * G,
    "host_hz": 3 * G,
    "hz": 3 * G,
    "ticks": 5_999_999_999,
    "ns": G,
    "true_ns": 2 * G,
    "int_bits": 8,
    "frac_bits": 32,
    "name": "x",
    "k": 31,
    "bits": [0] * 7 + [1] + [0] * 32,
    "a": np.array([5, 2**64 - 1], dtype=np.uint64),
    "b": np.array([7, 0], dtype=np.uint64),
    # counter
    "tsc_ticks": 150_000_000,
    "pit_ticks": 59_659,
    "pit_hz": 1_193_182,
    "hpet_ticks": 715_909,
    "period_fs": 69_841_279,
    "eax": 2,
    "ebx": 250,
    "ecx": 24_000_000,
    "window_ns": 50_000_000,
    "ref_hz": 1_193_182,
    "ref_ticks": 59_659,
    "jitter_ticks": 3_000,
    "trials": 3,
    "seed": 1,
    "true_tsc_hz": 3 * G,
    "reference": "pit",
    "max_seconds": 600,
    "delta": 1_000,
    "shift": 1,
    "cpu": VcpuTsc(0),
    "cpuinfo_text": "flags : fpu tsc constant_tsc nonstop_tsc\ncpu MHz : 2445.404\n",
    "dmesg_text": "tsc: Detected 2445.404 MHz processor",
    "text": "2994374\n",
    "flags": {"tsc", "constant_tsc"},
    "root": "/nonexistent-root",
    "platform": "linux",
    "show_cpu_mhz": True,
    # accuracy
    "ticks_per_second": 3,
    "guest_hzs": [3 * G],
    "host_hzs": [3 * G, 2 * G],
    "stays": 4,
    "stay_s": 60,
    "blackout_ns": 10**8,
    "blackout_jitter_ns": 0,
    # guest view
    "step_ns": 10**7,
    "max_ppm": 500,
    "offset_ns": 10**8,
    "step_threshold_ns": 128_000_000,
    "jump_ns": 30 * G,
    "guest_stopped": False,
    "believed_hz": 3 * G,
    "actual_hz": 2_500_000_000,
    "interval_ns": G // 2,
    "skew_ns": 83_333_334,
    "threshold_ns": G >> 4,
    "page": reference_page(3 * G),
    "tsc_now": 30 * G,
    "new_guest_hz": 2 * G,
    "info": OLD,
    "old": OLD,
    "new": NEW,
    "states": writer_states(OLD, NEW),
    "scaled_hz": G,
    "base_hz": 2_500_000_000,
    "mul_frac": 0xAAAA_AAAA,
    "tsc_hz": 3 * G,
    "tsc_timestamp": 6 * G,
    "system_time": 2 * G,
    "version": 2,
    "version_before": 4,
    "version_after": 4,
    "start": 0,
    "step": 1,
    # limits
    "khz": 3_000_000,
    "ppm": 250,
    "user_khz": 3_000_000,
    "host_khz": 2_999_000,
    # migration
    "host": A,
    "dst": B,
    "first_host": A,
    "vm": VM,
    "src": SRC,
    "data": SRC,
    "dst_hrtime": 2_000_000,
    "dst_wallclock_ns": 101 * G,
    "migrate_delta_ns": G,
    "true_ns_of_write": 10**12,
    "boot_ns": 0,
    "boot_hrtime": 0,
    "enforce_limits": True,
    "use_scaling": True,
    "guest_tsc_value": 77,
    "strategy": "full protocol",
    "pause_ns": G,
    "write_delay_ns": 0,
    "hops": [Hop(B, 2 * G, 10**8)],
    "t_start_ns": 0,
    "t_end_ns": 4 * G,
    "n_samples": 5,
    "duration_s": 2,
    "host_tsc0": G,
    "migrations": [(1, 5 * G, 2 * G)],
    "initial_host_tsc": 9 * G,
    "initial_guest_tsc": 0,
    "cur_host_tsc": 12 * G,
    # symbolic
    "which": None,
    "modules": "math",
    "record": SeqlockRead(7_100, 3),
    # the KVM checks (on the recorded session)
    "run": SESSION.plain,
    "session": SESSION,
    "path": None,
    "lines": ["a", "b"],
    # facts of Linux and KVM (guest_os, pvclock's master clock, vcpu_tsc's matching)
    "sync": TscSync(),
    "host_ns": 1_000_000,
    "tsc_khz": 3_000_000,
    "tsc_shift": -1,
    "true_hz": 3 * G,
    "kernel_ns": 5 * G,
    "kvmclock_offset": -4 * G,
    "master_clock": True,
    "last_value": 120,
    "stable_bit_trusted": True,
    "daemon": "chronyd",
    "error_ppm": 400,
    "cs_hz": 3 * G,
    "watchdog_hz": G,
    "packages": 2,
    "delta_ns": 1_000,
    "prior_mult": 0x1_3333_3333,
    "local_leg": "bhyve as written",
    "leg": "bhyve as written",
    # the playground (tsccourse.playground)
    "settings": Settings(),
    "frame": 100,
    "values_json": '{"b_khz": "2000000"}',
    "seconds_per_frame": 0.2,
    "migrate_frame": 140,
    "strategies": (Strategy.FULL_PROTOCOL,),
    "index": 0,
}
"""A valid argument for every parameter name (the fuzz replaces one or more of them)."""

OVERRIDES: dict[str, dict[str, object]] = {
    "tscmath.guest_view.pvclock.make_time_info": {"flags": 1},
    "tscmath.migration.tsc_simulator.replay_simulator": {"host_hz": G, "guest_hz": G},
    "tscmath.counter.vcpu_tsc.write_tsc": {"value": 1_000},
    "tsccourse.this_machine.HostTscInfo": {"flags": None},
    "tsccourse.kvm_checks.describe_page": {"page": OLD},
    "tscmath.guest_view.pvclock.monotonic_read": {"flags": 0, "ns": 130},
    "tscmath.counter.vcpu_tsc.host_write_tsc": {"value": None, "host_tsc": 3_000_000},
    "tscmath.guest_view.pvclock.guest_time_update": {"guest_tsc": 3 * G},
    "tsccourse.kvm_checks.session_from_json": {"text": kvm_checks.session_to_json(SESSION)},
    "tscmath.tables.table": {"rows": [("A", 3 * G)], "headers": ("host", "TSC Hz")},
    "tscmath.tables.cell_text": {"value": 3 * G},
}


def _records() -> dict[type, object]:
    """A valid instance of every public record class, to take its fields as valid arguments."""
    outcome = migrate(VM, B, G, 10**8)
    timeline = simulate_timeline(A, G, 0, [Hop(B, 2 * G, 10**8)], "full protocol", 0, 4 * G, 5)
    from tscmath import symbolic
    from tscmath.accuracy.float_pitfalls import compare_with_exact

    derivation = symbolic.offset_anchor()
    trace = simulate_migrations(
        3 * G, [3 * G], stays=2, stay_s=1, blackout_ns=0, fmt=tm.AMD_SVM, seed=1
    )
    comparison = compare_with_exact([1, 2**60], 0xAAAA_AAAA, tm.AMD_SVM)
    adjusted = adjust_time_data(SRC, 2_000_000, 101 * G)
    return {
        type(outcome): outcome,
        type(timeline): timeline,
        type(adjusted): adjusted,
        CalibrationRun: CalibrationRun(59_659, (3 * G, 3 * G + 5), 3 * G),
        HostTscInfo: HostTscInfo("linux", clocksource="tsc", tsc_hz=3 * G),
        SeqlockRead: SeqlockRead(7_100, 3),
        type(trace): trace,
        type(comparison): comparison,
        type(derivation): derivation,
        type(derivation.steps[0]): derivation.steps[0],
        Strategy: Strategy.FULL_PROTOCOL,
        LocalLeg: LocalLeg.BHYVE,
        TscSync: TscSync(),
        MasterClock: MasterClock(6 * G, 2 * G),
        tm.FixedPointFormat: tm.AMD_SVM,
        Host: B,
        type(VM): VM,
        VmTimeData: SRC,
        Hop: Hop(B, 2 * G, 10**8, 10**7),
        VcpuTsc: VcpuTsc(5, 3, 0xAAAA_AAAA),
        type(OLD): OLD,
        type(reference_page(3 * G)): reference_page(3 * G),
        kvm_checks.KvmSession: SESSION,
        kvm_checks.GuestRun: SESSION.plain,
        kvm_checks.KvmClockData: SESSION.plain.clock_after,
        kvm_checks.TscKhzAttempt: kvm_checks.TscKhzAttempt(3_000_000, True, None, 3_000_000),
        kvm_checks.Check: kvm_checks.session_checks(SESSION)[0],
        Table: table([("A", 3 * G)], headers=("host", "TSC Hz"), title="hosts"),
        Settings: Settings(),
    }


RECORDS = _records()

# --- bad and extreme values ---------------------------------------------------------------

_NUMPY_TYPES = [
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
    np.longdouble,
    np.complex64,
    np.complex128,
    np.bool_,
]
NUMPY_SCALARS = [t(v) for t in _NUMPY_TYPES for v in (0, 1)] + [
    np.int64(-1),
    np.int8(-128),
    np.uint64(2**64 - 1),
    np.int64(2**63 - 1),
    np.int64(-(2**63)),
    np.float64("nan"),
    np.float64("inf"),
    np.str_("5"),
    np.datetime64(5, "ns"),
    np.timedelta64(5, "ns"),
]
BAD_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2,
    2**31,
    2**32,
    2**32 - 1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64 - 1,
    2**64,
    -(2**64),
    2**128,
    -(2**128),
    10**30,
    1.0,
    0.5,
    -0.0,
    3e9,
    math.nan,
    math.inf,
    -math.inf,
    1 + 2j,
    Fraction(1, 3),
    Fraction(-7, 2),
    Decimal("1.5"),
    Decimal("NaN"),
    "",
    "5",
    "abc",
    "Infinity",
    "False",
    "full protocol ",
    b"5",
    [],
    [1, 2],
    [2**64],
    [1.5],
    [None],
    [[1, 2], [3]],
    (),
    (1, 2, 3),
    {},
    {"a": 1},
    set(),
    frozenset({"tsc"}),
    object(),
    int,
    Path("/"),
    np.array(5),
    np.array([1, 2], dtype=np.uint64),
    np.array([-1], dtype=np.int64),
    np.array([1.5]),
    np.array([], dtype=np.uint64),
    np.array([[1, 2]], dtype=np.uint64),
    np.array(["a"]),
    *NUMPY_SCALARS,
]
"""Values a careless caller passes (each is tried for every parameter of every callable)."""

# --- discovering the public API ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    qualname: str
    func: typing.Any
    params: tuple[inspect.Parameter, ...]
    owner: type | None = None  # the class of a method (called on RECORDS' or a built instance)

    def fuzzable(self) -> list[inspect.Parameter]:
        return [p for p in self.params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _public_modules():
    for package in (tm, tsccourse):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name.startswith(SKIPPED_PACKAGES):
                continue
            yield importlib.import_module(info.name)


def _targets() -> list[Target]:
    found: dict[str, Target] = {}
    for module in [tm, *_public_modules()]:
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            home = getattr(obj, "__module__", None)
            if not callable(obj) or home is None or not home.startswith(("tscmath", "tsccourse")):
                continue
            if home.startswith(SKIPPED_PACKAGES):
                continue
            if isinstance(obj, type) and issubclass(obj, (BaseException, type, enum.Enum)):
                continue  # exceptions, metaclasses and Enums (see the module docstring)
            qualname = f"{home}.{obj.__qualname__}"
            if qualname in found or qualname in SKIPPED_NAMES:
                continue
            params = tuple(inspect.signature(obj).parameters.values())
            if DISPLAY_PARAMS & {p.name for p in params}:
                continue
            found[qualname] = Target(qualname, obj, params)
            if isinstance(obj, type):
                for name, member in vars(obj).items():
                    if name.startswith("_") or not inspect.isfunction(member):
                        continue
                    sig = inspect.signature(member)
                    method_params = tuple(list(sig.parameters.values())[1:])
                    if DISPLAY_PARAMS & {p.name for p in method_params}:
                        continue
                    key = f"{qualname}.{name}"
                    found[key] = Target(key, member, method_params, owner=obj)
    return sorted(found.values(), key=lambda t: t.qualname)


TARGETS = _targets()


def _instance(cls: type) -> object:
    if cls in RECORDS:
        return RECORDS[cls]
    target = next(t for t in TARGETS if t.func is cls)
    args, kwargs = _baseline(target)
    return cls(*args, **kwargs)


def _valid_for(target: Target, param: inspect.Parameter) -> object:
    overrides = OVERRIDES.get(target.qualname, {})
    if param.name in overrides:
        return overrides[param.name]
    if isinstance(target.func, type) and target.func in RECORDS:
        record = RECORDS[target.func]
        if dataclasses.is_dataclass(record):
            return getattr(record, param.name)
        return record.value  # an Enum member
    if param.name in VALID:
        return VALID[param.name]
    if param.default is not inspect.Parameter.empty:
        return param.default
    # An unknown parameter of a new function: True for a flag, else a plausible integer.
    return True if _hints(target.func).get(param.name) is bool else 1_000_000_000


def _baseline(target: Target, replace: dict[str, object] | None = None):
    """Positional and keyword arguments: valid ones, with ``replace`` swapped in."""
    replace = replace or {}
    args, kwargs = [], {}
    for p in target.params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        value = replace[p.name] if p.name in replace else _valid_for(target, p)
        if p.kind is p.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[p.name] = value
    return args, kwargs


# --- what a correct result is --------------------------------------------------------------


class Invalid(Exception):
    """The reference formula says: this input must be refused."""


def _int(v, lo=None, hi=None):
    if isinstance(v, (bool, np.timedelta64)) or not isinstance(v, numbers.Integral):
        raise Invalid
    v = int(v)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise Invalid
    return v


def _fmt(f):
    if not isinstance(f, tm.FixedPointFormat):
        raise Invalid
    return f


def _bool(v):
    if not isinstance(v, (bool, np.bool_)):
        raise Invalid
    return bool(v)


def _ref_scale(tsc, mult, fmt, wrap=False):
    fmt = _fmt(fmt)
    tsc, mult = _int(tsc, 0, U64 - 1), _int(mult, 1, fmt.max_multiplier)
    result = (tsc * mult) >> fmt.frac_bits
    if result >= U64 and not _bool(wrap):
        raise Invalid
    _bool(wrap)
    return result % U64


def _ref_multiplier(guest_hz, host_hz, fmt):
    fmt = _fmt(fmt)
    m = (_int(guest_hz, 1) << fmt.frac_bits) // _int(host_hz, 1)
    if not 1 <= m <= fmt.max_multiplier:
        raise Invalid
    return m


def _ref_array(values, lo, hi):
    if isinstance(values, np.ndarray) and values.dtype.kind not in "iuO":
        raise Invalid
    if isinstance(values, np.generic) and not isinstance(values, np.integer):
        raise Invalid
    flat = np.asarray(values, dtype=object).reshape(-1).tolist()
    return [_int(v, lo, hi) for v in flat]


def _ref_scale_array(tsc, mult, fmt, wrap=False):
    return [_ref_scale(t, mult, fmt, wrap) for t in _ref_array(tsc, 0, U64 - 1)]


def _ref_ticks_to_ns_array(ticks, hz):
    hz = _int(hz, 1, tm.conversions.MAX_HZ)
    return [t * G // hz % U64 for t in _ref_array(ticks, 0, U64 - 1)]


def _ref_ns_to_ticks_array(true_ns, hz):
    hz = _int(hz, 1, tm.conversions.MAX_HZ)
    return [t * hz // G % U64 for t in _ref_array(true_ns, -(2**63), 2**63 - 1)]


REFERENCES = {
    "tscmath.scaling.scale": _ref_scale,
    "tscmath.scaling.multiplier": _ref_multiplier,
    "tscmath.scaling.max_unscaled_tsc": lambda mult, fmt: min(
        U64 - 1,
        ((U64 << _fmt(fmt).frac_bits) - 1) // _int(mult, 1, fmt.max_multiplier),
    ),
    "tscmath.scaling.effective_hz": lambda mult, host_hz, fmt: Fraction(
        _int(host_hz, 1) * _int(mult, 1, _fmt(fmt).max_multiplier), fmt.one
    ),
    "tscmath.scaling.drift_ticks_per_second": lambda guest_hz, host_hz, fmt: (
        _int(guest_hz) - Fraction(_int(host_hz) * _ref_multiplier(guest_hz, host_hz, fmt), fmt.one)
    ),
    "tscmath.offsets.offset_for": lambda host_tsc, guest_tsc, mult, fmt: (
        (_int(guest_tsc, 0, U64 - 1) - _ref_scale(host_tsc, mult, fmt, True)) % U64
    ),
    "tscmath.offsets.guest_tsc": lambda host_tsc, mult, offset, fmt: (
        (_ref_scale(host_tsc, mult, fmt, True) + _int(offset, 0, U64 - 1)) % U64
    ),
    "tscmath.offsets.to_signed": lambda value: (
        _int(value, 0, U64 - 1) - (U64 if _int(value) >= 2**63 else 0)
    ),
    "tscmath.offsets.to_u64": lambda value: _int(value, -(2**63), U64 - 1) % U64,
    "tscmath.conversions.ticks_to_ns": lambda ticks, hz: _int(ticks, 0) * G // _int(hz, 1),
    "tscmath.conversions.ns_to_ticks": lambda ns, hz: _int(ns, 0) * _int(hz, 1) // G,
    "tscmath.vectorized.scale_array": _ref_scale_array,
    "tscmath.vectorized.ticks_to_ns_u64_array": _ref_ticks_to_ns_array,
    "tscmath.vectorized.ns_to_ticks_u64_array": _ref_ns_to_ticks_array,
}
"""The core arithmetic, written again with Python ints: the expected value, or Invalid."""


def _hints(func) -> dict[str, typing.Any]:
    try:
        return typing.get_type_hints(func, localns={"np": np, "Fraction": Fraction})
    except Exception:  # noqa: BLE001 (an annotation that does not resolve: skip the check)
        return {}


def _type_ok(value, hint) -> bool:
    """Whether ``value`` has the annotated type (ints must be Python ints, not numpy)."""
    origin = typing.get_origin(hint)
    if hint is typing.Any or isinstance(hint, typing.TypeVar):
        return True
    if hint is type(None) or hint is None:
        return value is None
    if hint is int:
        return type(value) is int
    if hint is bool:
        return type(value) is bool
    if hint is float:
        return type(value) in (float, int)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_type_ok(v, args[0]) for v in value)
        return len(args) == len(value) and all(
            _type_ok(v, h) for v, h in zip(value, args, strict=True)
        )
    if origin is list:
        (arg,) = typing.get_args(hint) or (typing.Any,)
        return isinstance(value, list) and all(_type_ok(v, arg) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if origin is not None:
        return isinstance(value, origin) if isinstance(origin, type) else True
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _numpy_scalar_inside(value, depth=0) -> bool:
    if depth > 4:
        return False
    if isinstance(value, np.generic):
        return True
    if isinstance(value, (list, tuple)):
        return any(_numpy_scalar_inside(v, depth + 1) for v in value[:50])
    if isinstance(value, dict):
        return any(_numpy_scalar_inside(v, depth + 1) for v in list(value.values())[:50])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(
            _numpy_scalar_inside(getattr(value, f.name), depth + 1)
            for f in dataclasses.fields(value)
        )
    return False


def _properties(value) -> list[str]:
    cls = type(value)
    if not cls.__module__.startswith("tscmath"):
        return []
    return [
        name
        for klass in cls.__mro__
        for name, member in vars(klass).items()
        if isinstance(member, property) and not name.startswith("_")
    ]


def _check_result(target: Target, kwargs: dict, result) -> str | None:
    """None if ``result`` is correct, else what is wrong with it."""
    hints = _hints(target.func.__init__ if isinstance(target.func, type) else target.func)
    if not isinstance(target.func, type) and "return" in hints:
        if not _type_ok(result, hints["return"]):
            return f"returned {result!r} of type {type(result).__name__}, not {hints['return']}"
    if isinstance(target.func, type) and not isinstance(result, target.func):
        return f"constructor returned {type(result).__name__}"
    if isinstance(result, str) and INTERNAL_ERROR_PREFIX in result:
        return f"shows an internal error: {result[:200]}"
    if _numpy_scalar_inside(result):
        return f"a numpy scalar leaks into the result {result!r}"[:300]
    for name in _properties(result):
        getattr(result, name)  # raises into the caller's classification
    return None


# --- running one call ----------------------------------------------------------------------


class Hang(BaseException):
    """The call ran past CALL_LIMIT_S."""


def _on_alarm(signum, frame):
    raise Hang


PARAM_ALIASES: dict[tuple[str, str], str] = {}
"""Where a message rightly uses another name than the parameter's."""

COUNTS: Counter[str] = Counter()
SLOWEST: list = [0.0, ""]
PROBLEMS: list[str] = []


def _mentions(message: str, names: set[str]) -> bool:
    return any(name in message for name in names)


def _expected_names(target: Target, replaced: dict[str, object], kwargs: dict) -> set[str]:
    names = {PARAM_ALIASES.get((target.qualname, name), name) for name in replaced}
    if isinstance(target.func, type) and issubclass(target.func, enum.Enum):
        names.add(re.sub(r"(?<!^)(?=[A-Z])", "_", target.func.__name__).lower())
    if "name" in kwargs and isinstance(kwargs["name"], str):
        names.add(kwargs["name"])  # the check_* helpers report under the caller's name
    return names


def run_one(target: Target, replaced: dict[str, object]) -> str:
    """Call ``target`` with ``replaced`` swapped into valid arguments; classify the outcome."""
    args, kwargs = _baseline(target, replaced)
    func = target.func
    if target.owner is not None:
        instance = _instance(target.owner)
        func = getattr(instance, target.func.__name__)
    reference = REFERENCES.get(target.qualname)
    expected: object = None
    if reference is not None:
        try:
            expected = reference(*args, **kwargs)
        except Invalid:
            expected = Invalid
        except (TypeError, AttributeError, ValueError, ArithmeticError):
            expected = Invalid
    COUNTS["calls"] += 1
    started = time.perf_counter()
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_LIMIT_S)
    outcome, detail = "", ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                result = func(*args, **kwargs)
                problem = _check_result(target, kwargs, result)
            except tm.TscMathError as err:
                message = str(err)
                names = _expected_names(target, replaced, kwargs)
                if expected is not None and expected is not Invalid:
                    outcome, detail = "other", f"refused valid input: {message}"
                elif replaced and not _mentions(message, names):
                    outcome, detail = "other", f"error does not name {sorted(names)}: {message}"
                else:
                    outcome = "named error"
            else:
                if problem is not None:
                    outcome, detail = "other", problem
                elif expected is Invalid:
                    outcome, detail = "other", f"accepted invalid input, returned {result!r}"
                elif expected is not None and _as_plain(result) != _as_plain(expected):
                    outcome, detail = "other", f"returned {result!r}, expected {expected!r}"
                else:
                    outcome = "correct result"
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except Hang:
        outcome, detail = "other", f"still running after {CALL_LIMIT_S} s (a hang)"
    except Exception as err:  # noqa: BLE001 (anything else is what this test counts)
        outcome, detail = "other", f"{type(err).__name__}: {err}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if "matplotlib.pyplot" in sys.modules:  # figures the call made
            sys.modules["matplotlib.pyplot"].close("all")
    seconds = time.perf_counter() - started
    if seconds > SLOWEST[0]:
        SLOWEST[:] = [seconds, target.qualname]
    COUNTS[outcome] += 1
    if outcome == "other":
        shown = {k: _short(v) for k, v in replaced.items()}
        PROBLEMS.append(f"{target.qualname}({shown}): {detail}"[:400])
    return outcome


def _as_plain(value):
    if isinstance(value, np.ndarray):
        return value.reshape(-1).tolist() if value.dtype == np.uint64 else ["not uint64"]
    return value


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


# --- the tests -----------------------------------------------------------------------------


def test_the_public_api_was_found():
    names = {t.qualname for t in TARGETS}
    for expected in (
        "tscmath.scaling.multiplier",
        "tscmath.vectorized.ticks_to_ns_u64_array",
        "tscmath.guest_view.pvclock.read_with_retry",
        "tscmath.migration.hosts.Host.tsc_at",
        "tscmath.formats.FixedPointFormat",
        "tsccourse.playground.web.WebApp.set_frame",  # the site's bridge
        "tsccourse.playground.calculator.calculate_json",
        "tsccourse.playground.recording.recording_html",
        "tsccourse.kvm_checks.session_checks",
        "tsccourse.kvm_live.describe_program",
        "tsccourse.this_machine.read_host_info",
    ):
        assert expected in names
    # exactly the public API: nothing a module keeps out of its __all__
    assert "tsccourse.playground.render.readout_html" not in names
    assert "tscmath.errors.check_int" not in names
    assert not any(n.startswith(SKIPPED_PACKAGES) for n in names)
    assert len(TARGETS) > 100


def _spin(x):
    while True:
        x += 1


def _deep(x):
    return x.missing_attribute


def _silent(x) -> int:
    return np.int64(x)


@pytest.mark.parametrize(
    ("func", "expected"),
    [(_spin, "a hang"), (_deep, "AttributeError"), (_silent, "not <class 'int'>")],
)
def test_the_fuzz_catches_hangs_tracebacks_and_wrong_types(monkeypatch, func, expected):
    """The classification itself: what must count as "anything else" does."""
    monkeypatch.setattr(sys.modules[__name__], "CALL_LIMIT_S", 0.2)
    params = tuple(inspect.signature(func).parameters.values())
    target = Target(f"tests.{func.__name__}", func, params)
    problems, counts, slowest = len(PROBLEMS), COUNTS.copy(), list(SLOWEST)
    try:
        assert run_one(target, {"x": 1}) == "other"
        assert expected in PROBLEMS[-1]
    finally:
        del PROBLEMS[problems:]
        COUNTS.clear()
        COUNTS.update(counts)
        SLOWEST[:] = slowest


@pytest.mark.slow
def test_every_bad_value_in_every_parameter():
    """The sweep: every value of BAD_VALUES, in turn, in every parameter of every callable."""
    for target in TARGETS:
        if run_one(target, {}) != "correct result":  # the valid call itself must work
            PROBLEMS.append(f"{target.qualname}: the baseline call is not a correct result")
        for param in target.fuzzable():
            for bad in BAD_VALUES:
                run_one(target, {param.name: bad})
    summary = "\n".join(PROBLEMS[:40])
    assert not PROBLEMS, f"{len(PROBLEMS)} calls were neither correct nor a named error:\n{summary}"


def _pick_values():
    extremes = st.sampled_from(BAD_VALUES)
    integers = st.one_of(
        st.integers(-(2**130), 2**130),
        st.integers(-3, 3),
        st.sampled_from([2**k + d for k in (31, 32, 53, 63, 64) for d in (-1, 0, 1)]),
    )
    numpy_ints = st.builds(
        lambda t, v: t(v % (int(np.iinfo(t).max) + 1)),
        st.sampled_from([np.int8, np.int16, np.int32, np.int64, np.uint32, np.uint64]),
        st.integers(0, 2**64 - 1),
    )
    return st.one_of(extremes, integers, numpy_ints)


@settings(
    max_examples=examples(600),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_random_combinations_of_bad_values(data):
    """Hypothesis: several parameters replaced at once, integers from the whole range."""
    target = data.draw(st.sampled_from(TARGETS), label="target")
    params = target.fuzzable()
    if not params:
        return
    chosen = data.draw(
        st.lists(st.sampled_from([p.name for p in params]), min_size=1, max_size=3, unique=True),
        label="params",
    )
    replaced = {name: data.draw(_pick_values(), label=name) for name in chosen}
    before = len(PROBLEMS)
    run_one(target, replaced)
    assert len(PROBLEMS) == before, PROBLEMS[-1]


@pytest.fixture(scope="module", autouse=True)
def _print_counts(request):
    """Leave the counts for the terminal summary (tests/package/conftest.py prints them)."""
    yield
    line = (
        f"{len(TARGETS)} callables, {COUNTS['calls']} calls: "
        f"{COUNTS['correct result']} correct results, {COUNTS['named error']} named errors, "
        f"{COUNTS['other']} anything else; slowest call {SLOWEST[0]:.2f} s ({SLOWEST[1]}), "
        f"limit {CALL_LIMIT_S} s"
    )
    request.config.stash.setdefault(FUZZ_SUMMARY, []).append(line)
