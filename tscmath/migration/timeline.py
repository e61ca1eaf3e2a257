"""A guest's clock over time, across migrations: exact numpy arrays for chapter 06's plots.

:func:`simulate_timeline` boots a guest, migrates it along :class:`Hop` s with one
:class:`~tscmath.migration.strategies.Strategy` and samples what it reads and believes
(``guest_tsc``, ``guest_ns``, ``error_ns``, ``segment``, ``paused``); every element equals the
scalar model at the same time.

Examples
--------
>>> from tscmath.migration.hosts import Host
>>> a, b = Host("A", 3_000_000_000), Host("B", 2_000_000_000, tsc_at_zero=10**15)
>>> tl = simulate_timeline(a, 1_000_000_000, 0, [Hop(b, 2 * 10**9, 10**8)],
...                        "full protocol", 0, 4 * 10**9, 5)
>>> tl.guest_tsc.tolist()  # 8.32 truncation: a 1 GHz guest on a 3 GHz host loses a tick
[0, 999999999, 1999999999, 2999999999, 3999999999]
>>> tl.segment.tolist(), tl.paused.tolist()  # paused at the pause sample, t = 2 s
([0, 0, 0, 1, 1], [False, False, True, False, False])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import (
    U64_MAX,
    InvalidInput,
    TscMathError,
    check_bool,
    check_i64,
    check_instance,
    check_int,
    check_member,
    check_sequence,
)
from ..vectorized import ticks_to_ns_u64_array
from .hosts import Host
from .protocol import LocalLeg
from .strategies import MigrationOutcome, Strategy, migrate
from .vm import Vm, boot_guest

__all__ = ["Hop", "simulate_timeline"]

MAX_SAMPLES = 10**7
"""Largest ``n_samples`` accepted (memory: about 40 bytes per sample)."""


@dataclass(frozen=True)
class Hop:
    """One migration: pause at true time ``pause_ns``, resume on ``dst`` ``blackout_ns`` later.

    ``write_delay_ns`` (``<= blackout_ns``) is the part of the blackout between the
    destination's time snapshot and the kernel write (the protocol's hrtime leg).

    Examples
    --------
    >>> Hop(Host("B", 10**9), 5, -1)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: blackout_ns must be an integer >= 0; got -1
    """

    dst: Host
    pause_ns: int
    blackout_ns: int
    write_delay_ns: int = 0

    def __post_init__(self) -> None:
        check_instance("dst", self.dst, Host)
        object.__setattr__(self, "pause_ns", check_i64("pause_ns", self.pause_ns))
        object.__setattr__(self, "blackout_ns", check_int("blackout_ns", self.blackout_ns, 0))
        wd = check_int(
            "write_delay_ns (at most blackout_ns)", self.write_delay_ns, 0, self.blackout_ns
        )
        object.__setattr__(self, "write_delay_ns", wd)

    @property
    def resume_ns(self) -> int:
        """True time the guest resumes on ``dst``."""
        return self.pause_ns + self.blackout_ns


@dataclass(frozen=True)
class Timeline:
    """Sampled guest clock across migrations (see the module docstring for the arrays)."""

    strategy: Strategy
    guest_hz: int
    boot_ns: int
    true_ns: np.ndarray
    guest_tsc: np.ndarray
    guest_ns: np.ndarray
    error_ns: np.ndarray
    segment: np.ndarray
    paused: np.ndarray
    vms: tuple[Vm, ...]
    outcomes: tuple[MigrationOutcome, ...]

    @property
    def hosts(self) -> tuple[Host, ...]:
        """The host of each segment."""
        return tuple(vm.host for vm in self.vms)

    @property
    def host_names(self) -> np.ndarray:
        """Name of the host each sample is on (object array, for tables and tooltips)."""
        return np.array([h.name for h in self.hosts], dtype=object)[self.segment]


def sample_times(t_start_ns: int, t_end_ns: int, n_samples: int) -> np.ndarray:
    """``n_samples`` integer times from ``t_start_ns`` to ``t_end_ns`` (both included), int64.

    ``t_k = t_start + floor(k * (t_end - t_start) / (n - 1))``, computed without overflow.

    Examples
    --------
    >>> sample_times(0, 10, 4).tolist()
    [0, 3, 6, 10]
    """
    t0 = check_i64("t_start_ns", t_start_ns)
    t1 = check_i64("t_end_ns", t_end_ns)
    n = check_int("n_samples", n_samples, 1, MAX_SAMPLES)
    if t1 < t0:
        raise InvalidInput(f"t_end_ns must be >= t_start_ns = {t0}; got {t1}")
    if n == 1:
        return np.array([t0], dtype=np.int64)
    q, r = divmod(t1 - t0, n - 1)
    k = np.arange(n, dtype=np.int64)
    # q <= span < 2**64 fits int64 only if span does; t1 - t0 < 2**64 but may exceed 2**63.
    t = np.uint64(t0 & U64_MAX) + k.astype(np.uint64) * np.uint64(q)
    t += (k * np.int64(r) // np.int64(n - 1)).astype(np.uint64)
    return t.view(np.int64)


def simulate_timeline(
    first_host: Host,
    guest_hz: int | None,
    boot_ns: int,
    hops: Sequence[Hop],
    strategy: Strategy | str,
    t_start_ns: int,
    t_end_ns: int,
    n_samples: int,
    *,
    enforce_limits: bool = True,
    local_leg: LocalLeg | str = LocalLeg.BHYVE,
) -> Timeline:
    """Boot a guest, migrate it along ``hops`` with ``strategy``, sample its clock.

    ``guest_hz`` ``None`` means the first host's; ``hops`` are in time order, each pause at or
    after the previous resume; samples run from ``t_start_ns >= boot_ns`` to ``t_end_ns``;
    ``enforce_limits`` and ``local_leg`` (:class:`~tscmath.migration.protocol.LocalLeg`) are
    those of :func:`~tscmath.migration.strategies.migrate`.

    """
    strategy = check_member("strategy", strategy, Strategy)
    check_instance("first_host", first_host, Host)
    enforce_limits = check_bool("enforce_limits", enforce_limits)
    boot_ns = check_i64("boot_ns", boot_ns)
    hops = check_sequence("hops", hops)
    vm = boot_guest(first_host, boot_ns, guest_hz, enforce_limits=enforce_limits)
    vms = [vm]
    outcomes = []
    prev_resume = vm.boot_ns
    for i, hop in enumerate(hops):
        if not isinstance(hop, Hop):
            raise InvalidInput(f"hops[{i}] must be a Hop; got {hop!r}")
        if hop.pause_ns < prev_resume:
            raise InvalidInput(
                f"hops[{i}].pause_ns must be >= {prev_resume} (boot_ns, or the previous hop's "
                f"resume); got {hop.pause_ns}"
            )
        try:
            out = migrate(
                vm,
                hop.dst,
                hop.pause_ns,
                hop.blackout_ns,
                strategy,
                write_delay_ns=hop.write_delay_ns,
                enforce_limits=enforce_limits,
                local_leg=local_leg,
            )
        except TscMathError as exc:
            raise type(exc)(f"hops[{i}] (guest booted at boot_ns = {boot_ns}): {exc}") from None
        outcomes.append(out)
        vm = out.vm
        vms.append(vm)
        prev_resume = out.resume_ns
    t = sample_times(t_start_ns, t_end_ns, n_samples)
    if t[0] < boot_ns:
        raise InvalidInput(f"t_start_ns must be >= boot_ns = {boot_ns}; got {t_start_ns}")

    # Samples are sorted, so every segment and blackout is a contiguous slice.
    pauses = np.array([o.pause_ns for o in outcomes], dtype=np.int64)
    resumes = np.array([o.resume_ns for o in outcomes], dtype=np.int64)
    at_pause = np.searchsorted(t, pauses, side="left")  # first sample >= pause
    at_resume = np.searchsorted(t, resumes, side="left")  # first sample >= resume
    starts = [0, *at_resume.tolist()]
    stops = [*at_pause.tolist(), t.size]

    guest_tsc = np.empty(t.size, dtype=np.uint64)
    segment = np.empty(t.size, dtype=np.int32)
    paused = np.zeros(t.size, dtype=bool)
    for k, v in enumerate(vms):
        lo, hi = starts[k], stops[k]
        if hi > lo:
            guest_tsc[lo:hi] = v.guest_tsc_array(t[lo:hi])
            segment[lo:hi] = k
        if k < len(outcomes):
            blo, bhi = stops[k], starts[k + 1]
            if bhi > blo:
                guest_tsc[blo:bhi] = np.uint64(outcomes[k].exported.guest_tsc)
                segment[blo:bhi] = k
                paused[blo:bhi] = True

    guest_ns = ticks_to_ns_u64_array(guest_tsc, vms[0].guest_hz)
    elapsed = (t - np.int64(boot_ns)).astype(np.uint64)
    error_ns = (guest_ns - elapsed).view(np.int64)  # exact whenever the error fits int64
    return Timeline(
        strategy,
        vms[0].guest_hz,
        boot_ns,
        t,
        guest_tsc,
        guest_ns,
        error_ns,
        segment,
        paused,
        tuple(vms),
        tuple(outcomes),
    )
