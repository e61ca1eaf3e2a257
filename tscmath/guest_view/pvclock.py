"""kvmclock (pvclock): the paravirtual clock a KVM or Xen guest reads instead of raw TSC ticks.

The host shares one small structure per vCPU with the guest, ``pvclock_vcpu_time_info``
(Linux ``arch/x86/include/asm/pvclock-abi.h``). The guest turns a TSC reading into nanoseconds
since boot with nothing but shifts, one 64x32-bit multiply and an add (Linux
``arch/x86/include/asm/pvclock.h``, ``pvclock_scale_delta`` and ``__pvclock_read_cycles``)::

    delta = tsc - tsc_timestamp                      (mod 2**64)
    delta = delta << tsc_shift   (or >> -tsc_shift when tsc_shift < 0)
    ns    = system_time + ((delta * tsc_to_system_mul) >> 32)

The host picks ``tsc_to_system_mul`` (a 0.32 fraction) and ``tsc_shift`` for the TSC frequency
the guest sees with ``kvm_get_time_scale`` (Linux ``arch/x86/kvm/x86.c``), reproduced here
step by step. ``version`` is a sequence lock: the host makes it odd while it rewrites the
fields and even again when done; a reader that saw an odd or a changed version retries.

Everything is exact integer arithmetic with the hardware's truncations (u64 wraparound on
the left shift and the add, floor on every right shift).

Examples
--------
A guest whose TSC runs at 3 GHz: one second of ticks is 10**9 ns, to the nanosecond.

>>> shift, mul = tsc_time_scale(3_000_000_000)
>>> shift, hex(mul)
(-1, '0xaaaaaaaa')
>>> info = PvclockTimeInfo(version=2, tsc_timestamp=6_000_000_000, system_time=2_000_000_000,
...                        tsc_to_system_mul=mul, tsc_shift=shift, flags=PVCLOCK_TSC_STABLE_BIT)
>>> pvclock_read_ns(info, 9_000_000_000)
2999999999
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ..conversions import NS_PER_S
from ..errors import (
    I64_MAX,
    U32_MAX,
    U64_MAX,
    InvalidInput,
    TscMathError,
    check_bool,
    check_hz,
    check_instance,
    check_int,
    check_u64,
)

__all__ = [
    "PVCLOCK_TSC_STABLE_BIT",
    "kvm_get_time_scale",
    "tsc_time_scale",
    "tsc_time_scale_khz",
    "pvclock_scale_delta",
    "pvclock_read_ns",
    "pvclock_tsc_khz",
    "pvclock_khz_lost",
    "rate_error",
    "page_rate_error",
    "make_time_info",
    "host_update",
    "writer_states",
    "read_with_retry",
    "read_without_seqlock",
    "WriterNeverFinishes",
    "MasterClock",
    "guest_time_update",
    "vdso_read_ns",
    "monotonic_read",
]

PVCLOCK_TSC_STABLE_BIT = 1 << 0
"""``flags`` bit: the host promises the TSC is stable across vCPUs (``pvclock-abi.h``)."""

PVCLOCK_GUEST_STOPPED = 1 << 1
"""``flags`` bit: the host paused the guest; its watchdogs should not count the pause."""

"""Largest ``version`` or ``tsc_to_system_mul``: both are 32-bit fields."""

_HI32 = U64_MAX ^ U32_MAX


@dataclass(frozen=True)
class PvclockTimeInfo:
    """One vCPU's ``pvclock_vcpu_time_info`` as the guest sees it in memory.

    Parameters
    ----------
    version : int
        u32 sequence counter; odd while the host is rewriting the fields.
    tsc_timestamp : int
        u64 guest TSC value at the moment ``system_time`` was taken.
    system_time : int
        u64 guest nanoseconds since boot at ``tsc_timestamp``.
    tsc_to_system_mul : int
        u32 multiplier, a 0.32 fraction of nanoseconds per (shifted) tick.
    tsc_shift : int
        s8 power-of-two pre-shift of the TSC delta (negative: shift right).
    flags : int
        u8 flags, e.g. :data:`PVCLOCK_TSC_STABLE_BIT`.

    Examples
    --------
    >>> PvclockTimeInfo(0, 0, 0, 1 << 31, 1, 0).tsc_shift
    1
    >>> PvclockTimeInfo(0, 0, 0, 1 << 32, 0, 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: tsc_to_system_mul must be an integer in [0, ...]; got 4294967296
    """

    version: int
    tsc_timestamp: int
    system_time: int
    tsc_to_system_mul: int
    tsc_shift: int
    flags: int = 0

    def __post_init__(self) -> None:
        # Store plain Python ints: numpy scalars are accepted on input, never kept (a kept
        # np.uint64 would make every read return np.uint64 and wrap in numpy's rules).
        fields = {
            "version": check_int("version", self.version, 0, U32_MAX),
            "tsc_timestamp": check_u64("tsc_timestamp", self.tsc_timestamp),
            "system_time": check_u64("system_time", self.system_time),
            "tsc_to_system_mul": check_int("tsc_to_system_mul", self.tsc_to_system_mul, 0, U32_MAX),
            "tsc_shift": check_int("tsc_shift", self.tsc_shift, -128, 127),
            "flags": check_int("flags", self.flags, 0, 255),
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)


def _check_info(name: str, info: object) -> PvclockTimeInfo:
    return check_instance(name, info, PvclockTimeInfo)  # type: ignore[return-value]


def kvm_get_time_scale(scaled_hz: int, base_hz: int) -> tuple[int, int]:
    """``(shift, mul)`` so that ``base_hz`` ticks scale to ``scaled_hz`` units, as KVM picks them.

    A line-by-line model of ``kvm_get_time_scale`` in Linux ``arch/x86/kvm/x86.c``: first
    halve the base rate until it is at most twice the target and fits 32 bits (``shift``
    goes down), then double the base or halve the target until the base exceeds the target
    (``shift`` goes up); finally ``mul = (scaled << 32) // base`` (``div_frac``, one ``divl``).
    The result satisfies ``units ~= ((ticks << shift) * mul) >> 32`` (right shift when
    ``shift < 0``). KVM calls it with ``(NSEC_PER_SEC, guest TSC Hz)`` for kvmclock and with
    ``(guest TSC Hz, NSEC_PER_SEC)`` for its nanoseconds-to-ticks catch-up.

    Parameters
    ----------
    scaled_hz : int
        Units per second of the result (10**9 for nanoseconds); 1 .. 2**63 - 1.
    base_hz : int
        Ticks per second of the input counter; 1 .. 2**63 - 1.

    Returns
    -------
    tuple of int
        ``(shift, mul)`` with ``0 < mul < 2**32``.

    Examples
    --------
    >>> kvm_get_time_scale(1_000_000_000, 1_000_000_000)  # 1 GHz: mul = 2**31, shift 1
    (1, 2147483648)
    >>> kvm_get_time_scale(1_000_000_000, 2_500_000_000)
    (-1, 3435973836)
    """
    scaled = check_int("scaled_hz", scaled_hz, 1, I64_MAX)
    tps = check_int("base_hz", base_hz, 1, I64_MAX)
    shift = 0
    while tps > scaled * 2 or tps & _HI32:
        tps >>= 1
        shift -= 1
    tps32 = tps
    while tps32 <= scaled or scaled & _HI32:
        if scaled & _HI32 or tps32 & 0x8000_0000:
            scaled >>= 1
        else:
            tps32 <<= 1
        shift += 1
    mul = (scaled << 32) // tps32  # div_frac: (dividend << 32) / divisor, fits 32 bits
    return shift, mul


def tsc_time_scale(tsc_hz: int) -> tuple[int, int]:
    """``(tsc_shift, tsc_to_system_mul)`` for a guest TSC of ``tsc_hz``, as kvmclock uses.

    ``kvm_guest_time_update`` calls ``kvm_get_time_scale(NSEC_PER_SEC, tgt_tsc_hz, ...)``.

    Examples
    --------
    >>> tsc_time_scale(2_000_000_000)  # 0.5 ns per tick: mul = 2**31, no shift
    (0, 2147483648)
    """
    return kvm_get_time_scale(NS_PER_S, check_int("tsc_hz", tsc_hz, 1, I64_MAX))


def pvclock_scale_delta(delta: int, mul_frac: int, shift: int) -> int:
    """``((delta << shift) * mul_frac) >> 32``, as ``pvclock_scale_delta`` does it on x86-64.

    The left shift is a u64 shift (high bits fall off), a negative ``shift`` shifts right
    (low bits fall off), then ``mulq`` gives a 128-bit product and ``shrd $32`` keeps bits
    32..95 of it.

    Examples
    --------
    >>> pvclock_scale_delta(3_000_000_000, 0xAAAA_AAAA, -1)  # 1 s at 3 GHz, a hair short
    999999999
    >>> pvclock_scale_delta(1 << 63, 1 << 31, 1)  # the shifted-out bit is gone
    0
    """
    delta = check_u64("delta", delta)
    mul_frac = check_int("mul_frac", mul_frac, 0, U32_MAX)
    shift = check_int("shift", shift, -128, 127)
    if shift < 0:
        delta >>= -shift
    else:
        delta = (delta << shift) & U64_MAX
    return ((delta * mul_frac) >> 32) & U64_MAX


def pvclock_read_ns(info: PvclockTimeInfo, tsc: int) -> int:
    """Guest nanoseconds at guest TSC ``tsc``: ``__pvclock_read_cycles`` without the retry loop.

    ``system_time + pvclock_scale_delta(tsc - tsc_timestamp, mul, shift)``, all mod 2**64.

    Examples
    --------
    >>> info = make_time_info(1_000_000_000, tsc_timestamp=0, system_time=0)
    >>> pvclock_read_ns(info, 1_500)  # 1.5 us at 1 GHz
    1500
    """
    info = _check_info("info", info)
    tsc = check_u64("tsc", tsc)
    delta = (tsc - info.tsc_timestamp) & U64_MAX
    scaled = pvclock_scale_delta(delta, info.tsc_to_system_mul, info.tsc_shift)
    return (info.system_time + scaled) & U64_MAX


def pvclock_tsc_khz(info: PvclockTimeInfo) -> int:
    """The TSC frequency in kHz a guest recovers from mul/shift (Linux ``pvclock_tsc_khz``).

    ``((10**6 << 32) // mul)`` then undo the shift; Linux guests use it to skip TSC
    calibration.

    Examples
    --------
    >>> pvclock_tsc_khz(make_time_info(2_994_374_000, 0, 0))
    2994374
    """
    info = _check_info("info", info)
    mul = check_int("info.tsc_to_system_mul", info.tsc_to_system_mul, 1, U32_MAX)
    khz = (1_000_000 << 32) // mul
    if info.tsc_shift < 0:
        khz = (khz << -info.tsc_shift) & U64_MAX
    else:
        khz >>= info.tsc_shift
    return khz


def rate_error(tsc_hz: int) -> Fraction:
    """Relative rate error of kvmclock for ``tsc_hz``: ``(mul * 2**shift / 2**32) * hz / 1e9 - 1``.

    Negative means the clock runs slow (the multiplier is a floor), positive fast (halving an
    odd frequency drops its low bit). ``|rate_error| < 2**-29`` for every frequency. Exact.

    Examples
    --------
    >>> rate_error(1_000_000_000)  # a power-of-two ratio: exact
    Fraction(0, 1)
    >>> float(rate_error(3_000_000_000)) < 0
    True
    """
    tsc_hz = check_int("tsc_hz", tsc_hz, 1, I64_MAX)
    shift, mul = tsc_time_scale(tsc_hz)
    ns_per_tick = Fraction(mul, 1 << 32) * (Fraction(2) ** shift)
    return ns_per_tick / Fraction(NS_PER_S, tsc_hz) - 1


def make_time_info(
    tsc_hz: int,
    tsc_timestamp: int,
    system_time: int,
    *,
    version: int = 2,
    flags: int = PVCLOCK_TSC_STABLE_BIT,
) -> PvclockTimeInfo:
    """A consistent (even-version) :class:`PvclockTimeInfo` for a guest TSC of ``tsc_hz``.

    Examples
    --------
    >>> make_time_info(2_500_000_000, tsc_timestamp=10, system_time=4).tsc_shift
    -1
    """
    if check_int("version", version, 0, U32_MAX) & 1:
        raise InvalidInput(f"version must be even for a consistent page; got {version}")
    shift, mul = tsc_time_scale(tsc_hz)
    return PvclockTimeInfo(version, tsc_timestamp, system_time, mul, shift, flags)


def host_update(
    info: PvclockTimeInfo, *, tsc_timestamp: int, system_time: int, tsc_hz: int
) -> PvclockTimeInfo:
    """The page after one host update: new anchor and mul/shift, ``version`` advanced by 2.

    This is what KVM's ``kvm_guest_time_update`` leaves behind (an odd version from a
    half-done earlier write is first rounded up, as KVM does). After a migration the
    destination calls it with the guest TSC and guest nanoseconds at resume and the TSC
    frequency the guest now sees.

    Examples
    --------
    >>> old = make_time_info(3_000_000_000, 0, 0, version=4)
    >>> new = host_update(old, tsc_timestamp=3_000_000_000, system_time=10**9, tsc_hz=2_000_000_000)
    >>> new.version, new.tsc_shift
    (6, 0)
    """
    info = _check_info("info", info)
    version = info.version + (info.version & 1)
    shift, mul = tsc_time_scale(tsc_hz)
    return PvclockTimeInfo(
        (version + 2) & U32_MAX,
        tsc_timestamp,
        system_time,
        mul,
        shift,
        info.flags,
    )


def writer_states(old: PvclockTimeInfo, new: PvclockTimeInfo) -> list[PvclockTimeInfo]:
    """Page contents a reader can observe while the host rewrites ``old`` into ``new``.

    KVM writes the version (odd), then the fields, then the version again (even); other
    vCPUs may read in between, and a copy of the fields can be torn. The states returned are:
    odd version with old fields, then the fields replaced one by one (``tsc_timestamp``,
    ``system_time``, ``tsc_to_system_mul``, ``tsc_shift``, ``flags``), then ``new``.

    Examples
    --------
    >>> old = make_time_info(3_000_000_000, 0, 0)
    >>> new = host_update(old, tsc_timestamp=30, system_time=10, tsc_hz=3_000_000_000)
    >>> [s.version for s in writer_states(old, new)]
    [3, 3, 3, 3, 3, 3, 4]
    """
    old = _check_info("old", old)
    new = _check_info("new", new)
    odd = (new.version - 1) & U32_MAX
    if not odd & 1:
        raise InvalidInput(f"new.version must be odd + 1 (even); got {new.version}")
    states = [replace(old, version=odd)]
    current = states[0]
    for field in ("tsc_timestamp", "system_time", "tsc_to_system_mul", "tsc_shift", "flags"):
        current = replace(current, **{field: getattr(new, field)})
        states.append(current)
    states.append(new)
    return states


def must_retry(version_before: int, version_after: int) -> bool:
    """The reader's test (``pvclock_read_retry``): retry if the version was odd or changed.

    Examples
    --------
    >>> must_retry(4, 4), must_retry(5, 5), must_retry(4, 6)
    (False, True, True)
    """
    before = check_int("version_before", version_before, 0, U32_MAX)
    after = check_int("version_after", version_after, 0, U32_MAX)
    return bool(before & 1) or before != after


@dataclass(frozen=True)
class SeqlockRead:
    """Result of a simulated read: the nanoseconds returned and how many attempts it took."""

    ns: int
    attempts: int


class WriterNeverFinishes(TscMathError):
    """The page's last state has an odd ``version``: a reader would retry forever.

    A real guest spins in ``pvclock_read_retry`` as long as the host leaves the version odd
    (a host that died mid-update); the simulation stops and says so instead of hanging.
    """


def _check_states(states: object) -> Sequence[PvclockTimeInfo]:
    if isinstance(states, (str, bytes)) or not isinstance(states, Sequence):
        raise InvalidInput(
            f"states must be a non-empty sequence of PvclockTimeInfo; got {states!r}"
        )
    if not states:
        raise InvalidInput("states must hold at least one page state; got an empty sequence")
    for i, page in enumerate(states):
        _check_info(f"states[{i}]", page)
    return states


def _state(states: Sequence[PvclockTimeInfo], step: int) -> PvclockTimeInfo:
    return states[min(step, len(states) - 1)]


def read_with_retry(states: Sequence[PvclockTimeInfo], start: int, tsc: int) -> SeqlockRead:
    """Simulate ``pvclock_clocksource_read`` against a changing page.

    ``states[i]`` is the page at step ``i`` (the last state holds forever after). Each
    attempt reads ``version`` at one step, the fields at the next, ``version`` again at the
    one after, and retries from there if :func:`must_retry` says so.

    The read always ends: an attempt that starts at or after the last state sees only that
    state, so at most ``(len(states) + 1) // 3 + 1`` attempts are made. If the last state's
    version is odd (a writer that never finishes its update), no such attempt can succeed
    and :class:`WriterNeverFinishes` is raised, naming the attempts made, where a real guest
    would spin forever.

    Raises
    ------
    WriterNeverFinishes
        The page stays mid-update (odd version) forever after the last state.

    Examples
    --------
    >>> old = make_time_info(1_000_000_000, 0, 0)
    >>> new = host_update(old, tsc_timestamp=500, system_time=7_000, tsc_hz=1_000_000_000)
    >>> read_with_retry(writer_states(old, new), start=0, tsc=600)
    SeqlockRead(ns=7100, attempts=3)
    >>> read_with_retry([PvclockTimeInfo(1, 0, 0, 1 << 31, 0)], 0, 600)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tscmath.guest_view.pvclock.WriterNeverFinishes: states[-1].version = 1 is odd: ...
    """
    states = _check_states(states)
    step = check_int("start", start, 0, None)
    tsc = check_u64("tsc", tsc)
    last = len(states) - 1
    attempts = 0
    while True:
        if step >= last and states[last].version & 1:
            raise WriterNeverFinishes(
                f"states[-1].version = {states[last].version} is odd: the writer never finishes "
                f"its update, so a reader starting at step {start} retries forever (gave up "
                f"after {attempts} attempts; a real guest would spin)"
            )
        attempts += 1
        before = _state(states, step).version
        ns = pvclock_read_ns(_state(states, step + 1), tsc)
        after = _state(states, step + 2).version
        if not must_retry(before, after):
            return SeqlockRead(ns, attempts)
        step += 3


def read_without_seqlock(states: Sequence[PvclockTimeInfo], step: int, tsc: int) -> int:
    """What a reader that ignores ``version`` returns if it copies the page at ``step``.

    Examples
    --------
    >>> old = make_time_info(1_000_000_000, 0, 0)
    >>> new = host_update(old, tsc_timestamp=500, system_time=7_000, tsc_hz=1_000_000_000)
    >>> read_without_seqlock(writer_states(old, new), 1, tsc=600)  # new timestamp, old time
    100
    """
    states = _check_states(states)
    return pvclock_read_ns(_state(states, check_int("step", step, 0, None)), tsc)


# --- What KVM feeds the page, the master clock, and what the guest does with the stable bit ---


def tsc_time_scale_khz(tsc_khz: int) -> tuple[int, int]:
    """``(tsc_shift, tsc_to_system_mul)`` from a whole-kHz TSC rate, as KVM computes them.

    ``kvm_guest_time_update`` calls ``kvm_get_time_scale(NSEC_PER_SEC, tgt_tsc_khz * 1000LL,
    ...)``: the page is built from the TSC frequency in whole kHz (Linux's ``tsc_khz``, scaled
    by the guest's TSC ratio when the host scales), never from the exact rate.

    Examples
    --------
    >>> tsc_time_scale_khz(2_994_374) == tsc_time_scale(2_994_374_000)
    True
    """
    khz = check_int("tsc_khz", tsc_khz, 1, (I64_MAX) // 1000)
    return kvm_get_time_scale(NS_PER_S, khz * 1000)


def pvclock_khz_lost(tsc_khz: int) -> int:
    """kHz a Linux guest loses recovering ``tsc_khz`` from the page KVM builds for it.

    KVM builds the page from whole kHz (:func:`tsc_time_scale_khz`); its halving of the rate
    (``tsc_shift`` < 0) is exact, since ``tsc_khz * 1000`` is a multiple of 8. The guest's
    ``pvclock_tsc_khz`` (``arch/x86/kernel/pvclock.c``) then floors ``(10**6 << 32) / mul``, the
    kHz of the *halved* rate, and shifts the result back up: the kHz lost in the floor are
    multiplied by ``2**-tsc_shift``. So the loss is ``0 .. 2**-tsc_shift - 1`` kHz: at most 1 kHz
    between 2 and 4 GHz (shift -1), at most 3 kHz above 4 GHz (shift -2), 7 kHz above 8 GHz.

    Examples
    --------
    >>> pvclock_khz_lost(3_000_001), pvclock_khz_lost(3_000_000)
    (1, 0)
    >>> max(pvclock_khz_lost(k) for k in range(4_100_000, 4_100_008))
    3
    """
    khz = check_int("tsc_khz", tsc_khz, 1, U32_MAX)
    shift, mul = tsc_time_scale_khz(khz)
    recovered = pvclock_tsc_khz(PvclockTimeInfo(2, 0, 0, mul, shift, PVCLOCK_TSC_STABLE_BIT))
    return khz - recovered


def page_rate_error(tsc_shift: int, tsc_to_system_mul: int, true_hz: int) -> Fraction:
    """Relative rate error of a page's conversion for a TSC that really ticks at ``true_hz``.

    ``(mul * 2**shift / 2**32) / (10**9 / true_hz) - 1``, exact. Negative: the guest's clock
    runs slow. Unlike :func:`rate_error`, the page need not have been built from ``true_hz``:
    pass the mul/shift of :func:`tsc_time_scale_khz` to include the kHz rounding.

    Examples
    --------
    >>> shift, mul = tsc_time_scale_khz(2_994_374)
    >>> round(float(page_rate_error(shift, mul, 2_994_374_999) * 10**6), 4)  # ppm, to print
    0.3336
    """
    shift = check_int("tsc_shift", tsc_shift, -32, 32)
    mul = check_int("tsc_to_system_mul", tsc_to_system_mul, 1, U32_MAX)
    hz = check_hz("true_hz", true_hz)
    ns_per_tick = Fraction(mul, 1 << 32) * (Fraction(2) ** shift)
    return ns_per_tick * hz / NS_PER_S - 1


@dataclass(frozen=True)
class MasterClock:
    """KVM's per-VM master clock (``kvm->arch``): one host (TSC, nanoseconds) pair.

    ``pvclock_update_vm_gtod_copy`` takes it with ``kvm_get_time_and_clockread``:
    ``host_tsc`` is ``master_cycle_now``, ``kernel_ns`` is ``master_kernel_ns`` (the host's
    ``CLOCK_MONOTONIC_RAW`` plus boot offset at that TSC). While the master clock is in use,
    every ``kvm_guest_time_update`` anchors every vCPU's page at this same pair.
    """

    host_tsc: int
    kernel_ns: int

    def __post_init__(self) -> None:
        for name in ("host_tsc", "kernel_ns"):  # numpy ints stored as Python ints
            object.__setattr__(self, name, check_u64(name, getattr(self, name)))


def use_master_clock(
    *,
    host_clocksource_tsc: bool,
    vcpus_matched: bool,
    backwards_tsc_observed: bool = False,
    boot_vcpu_runs_old_kvmclock: bool = False,
) -> bool:
    """Whether KVM runs a VM on a master clock (``pvclock_update_vm_gtod_copy``).

    Requires the host to keep time with a TSC-based clocksource (``kvm_get_time_and_clockread``
    fails otherwise), all vCPUs in one TSC-matching generation (``nr_vcpus_matched_tsc + 1 ==
    online_vcpus``), no backwards TSC seen, and a guest not using the old kvmclock MSR on its
    boot vCPU. It is also the condition for ``PVCLOCK_TSC_STABLE_BIT``.

    Examples
    --------
    >>> use_master_clock(host_clocksource_tsc=True, vcpus_matched=True)
    True
    >>> use_master_clock(host_clocksource_tsc=True, vcpus_matched=False)
    False
    """
    return (
        check_bool("host_clocksource_tsc", host_clocksource_tsc)
        and check_bool("vcpus_matched", vcpus_matched)
        and not check_bool("backwards_tsc_observed", backwards_tsc_observed)
        and not check_bool("boot_vcpu_runs_old_kvmclock", boot_vcpu_runs_old_kvmclock)
    )


def guest_time_update(
    info: PvclockTimeInfo,
    *,
    guest_tsc: int,
    kernel_ns: int,
    kvmclock_offset: int,
    tsc_khz: int,
    master_clock: bool,
) -> PvclockTimeInfo:
    """The page ``kvm_guest_time_update`` writes (Linux ``arch/x86/kvm/x86.c``).

    * anchor: ``tsc_timestamp = guest_tsc`` (``kvm_read_l1_tsc`` of the host TSC used) and
      ``system_time = kernel_ns + kvmclock_offset`` (u64). With a master clock the host TSC
      and ``kernel_ns`` are the master clock's (:class:`MasterClock`), not a fresh reading;
    * rate: mul/shift from whole kHz (:func:`tsc_time_scale_khz`);
    * flags: ``PVCLOCK_TSC_STABLE_BIT`` if and only if the master clock is in use;
      ``PVCLOCK_GUEST_STOPPED`` is kept;
    * ``version`` advanced by 2, with the odd step in between (``kvm_setup_guest_pvclock``).

    Examples
    --------
    >>> page = make_time_info(3_000_000_000, 0, 0)
    >>> new = guest_time_update(page, guest_tsc=3_000_000_000, kernel_ns=5 * 10**9,
    ...                         kvmclock_offset=-4 * 10**9, tsc_khz=3_000_000, master_clock=True)
    >>> new.system_time, new.flags == PVCLOCK_TSC_STABLE_BIT, new.version
    (1000000000, True, 4)
    """
    info = _check_info("info", info)
    master_clock = check_bool("master_clock", master_clock)
    shift, mul = tsc_time_scale_khz(tsc_khz)
    system_time = (
        check_int("kernel_ns", kernel_ns, 0, U64_MAX)
        + check_int("kvmclock_offset", kvmclock_offset, -U64_MAX, U64_MAX)
    ) & U64_MAX
    flags = (info.flags & PVCLOCK_GUEST_STOPPED) | (PVCLOCK_TSC_STABLE_BIT if master_clock else 0)
    version = info.version + (info.version & 1)
    return PvclockTimeInfo(
        (version + 2) & U32_MAX,
        check_u64("guest_tsc", guest_tsc),
        system_time,
        mul,
        shift,
        flags,
    )


def vdso_read_ns(info: PvclockTimeInfo, tsc: int) -> int | None:
    """What the guest's vDSO gets from vCPU 0's page (``vread_pvclock``); ``None`` = syscall.

    Linux's vDSO (``arch/x86/include/asm/vdso/gettimeofday.h``) uses the pvclock page only
    while ``PVCLOCK_TSC_STABLE_BIT`` is set; otherwise it returns ``U64_MAX`` and
    ``clock_gettime`` falls back to a system call, where ``pvclock_clocksource_read`` applies
    :func:`monotonic_read`. Since v6.5 the reading is masked with ``S64_MAX``.

    Examples
    --------
    >>> page = make_time_info(1_000_000_000, 0, 0)
    >>> vdso_read_ns(page, 1_500), vdso_read_ns(replace(page, flags=0), 1_500)
    (1500, None)
    """
    info = _check_info("info", info)
    if not info.flags & PVCLOCK_TSC_STABLE_BIT:
        return None
    return pvclock_read_ns(info, tsc) & I64_MAX  # the vDSO masks with S64_MAX (v6.5+)


def monotonic_read(
    ns: int, last_value: int, flags: int, *, stable_bit_trusted: bool = True
) -> tuple[int, int]:
    """``pvclock_clocksource_read``'s last step: ``(value returned, new last_value)``.

    If the page has ``PVCLOCK_TSC_STABLE_BIT`` and the guest trusts it (``kvmclock_init``
    calls ``pvclock_set_flags(PVCLOCK_TSC_STABLE_BIT)`` when KVM advertises
    ``KVM_FEATURE_CLOCKSOURCE_STABLE_BIT``), the reading is returned as is. Otherwise it is
    compared with the VM-wide ``last_value`` (an atomic ``cmpxchg`` loop in
    ``arch/x86/kernel/pvclock.c``): a reading behind it returns ``last_value``; one ahead
    becomes the new ``last_value``. That keeps kvmclock monotonic across vCPUs whose pages
    disagree, at the price of one shared cache line written by every read.

    Examples
    --------
    >>> monotonic_read(100, 120, 0)  # behind the last value returned anywhere: held at 120
    (120, 120)
    >>> monotonic_read(130, 120, 0)
    (130, 130)
    >>> monotonic_read(100, 120, PVCLOCK_TSC_STABLE_BIT)  # trusted stable bit: no check
    (100, 120)
    """
    ns = check_u64("ns", ns)
    last = check_u64("last_value", last_value)
    flags = check_int("flags", flags, 0, 255)
    if check_bool("stable_bit_trusted", stable_bit_trusted) and flags & PVCLOCK_TSC_STABLE_BIT:
        return ns, last
    if ns <= last:
        return last, last
    return ns, ns
