"""A whole-second replay of Oxide's tsc-simulator ``simulate`` command (chapter 06).

As the tool does it (github.com/oxidecomputer/tsc-simulator: ``cmd_simulate`` in ``src/main.rs``
at commit 1c0cd55; ``src/math.rs`` (``guest_tsc``, ``calc_tsc_offset``, ``tsc_incr``) at commit
88aeca4): one row ``(t_s, host_tsc, guest_tsc)`` per second and host, a migration instant
twice; where the tool stops with an error this raises a named one.

One difference, on purpose: the tool's ``freq_multiplier`` (``src/math.rs``) checks only that
``M`` fits the format, so it accepts ``M = 0`` (``guest_hz * 2**F < host_hz``) and would print a
guest TSC frozen at its offset; this replay refuses it with :class:`tscmath.RatioOutOfRange`, as
:func:`tscmath.multiplier` does everywhere: no hypervisor runs such a guest (bhyve refuses scaled
guests below 500 MHz, KVM's ``set_tsc_khz`` a ratio of 0).

Examples
--------
>>> for row in replay_simulator(2, 10**9, 10**9, 10**9, [(1, 5 * 10**9, 2 * 10**9)]):
...     print(row)
(0, 1000000000, 0)
(1, 2000000000, 1000000000)
(1, 5000000000, 1000000000)
(2, 7000000000, 2000000000)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import (
    U64_MAX,
    InvalidInput,
    ScaleOverflow,
    TscMathError,
    check_count,
    check_hz,
    check_int,
    check_u64,
)
from ..formats import AMD_SVM, FixedPointFormat
from ..scaling import check_format, multiplier, scale

__all__ = ["replay_simulator"]

MAX_DURATION_S = 100_000
"""Longest replay, in seconds (one row per second: about a second of work, 100,000 rows)."""


def _sim_offset(initial_host_tsc: int, initial_guest_tsc: int, mult: int, fmt) -> int:
    """tsc-simulator ``calc_tsc_offset``: ``initial_guest - scale(initial_host)`` as an i64."""
    scaled = scale(initial_host_tsc, mult, fmt)  # ScaleOverflow, as the tool's check
    diff = initial_guest_tsc - scaled
    if abs(diff) >> 63:
        raise InvalidInput(
            f"offset initial_guest_tsc - scale(initial_host_tsc) = {diff} needs bit 63: the "
            "tsc-simulator refuses it"
        )
    return diff


def sim_guest_tsc(
    initial_host_tsc: int,
    initial_guest_tsc: int,
    host_hz: int,
    guest_hz: int,
    cur_host_tsc: int,
    fmt: FixedPointFormat = AMD_SVM,
) -> int:
    """tsc-simulator ``guest_tsc``: the guest TSC at ``cur_host_tsc``, anchored as given.

    Examples
    --------
    >>> sim_guest_tsc(9_000_000_000, 0, 3_000_000_000, 2_000_000_000, 12_000_000_000)
    2000000000
    """
    fmt = check_format(fmt)
    mult = multiplier(guest_hz, host_hz, fmt)
    offset = _sim_offset(
        check_u64("initial_host_tsc", initial_host_tsc),
        check_u64("initial_guest_tsc", initial_guest_tsc),
        mult,
        fmt,
    )
    value = scale(check_u64("cur_host_tsc", cur_host_tsc), mult, fmt) + offset
    if not 0 <= value <= U64_MAX:
        raise ScaleOverflow(
            f"guest TSC scale(cur_host_tsc) + offset = {value} is outside [0, 2**64 - 1] "
            f"(initial_host_tsc = {initial_host_tsc}, initial_guest_tsc = {initial_guest_tsc}, "
            f"cur_host_tsc = {cur_host_tsc}): the tsc-simulator refuses it"
        )
    return value


def replay_simulator(
    duration_s: int,
    host_tsc0: int,
    host_hz: int,
    guest_hz: int,
    migrations: Sequence[tuple[int, int, int]] = (),
    fmt: FixedPointFormat = AMD_SVM,
) -> list[tuple[int, int, int]]:
    """Replay ``tsc-simulator simulate``: one row per second and host, as the tool prints.

    Rows for ``t = 0 .. duration_s`` (at most :data:`MAX_DURATION_S`); the first host's TSC is
    ``host_tsc0`` at ``t = 0``; each migration ``(t_s, host_tsc, host_hz)`` moves the guest at
    second ``t_s`` (sorted like the tool, a stable sort; equal times refused, the tool leaves
    them as a TODO); ``fmt`` is ``AMD_SVM`` (``--arch amd``) or ``INTEL_VMX``.

    """
    duration_s = check_count("duration_s", duration_s, 0, MAX_DURATION_S, "MAX_DURATION_S")
    fmt = check_format(fmt)
    guest_hz = check_hz("guest_hz", guest_hz)
    hosts = [
        (0, check_u64("host_tsc0", host_tsc0), check_hz("host_hz", host_hz), "host_tsc0/host_hz")
    ]
    if not isinstance(migrations, (list, tuple)):
        raise InvalidInput(
            f"migrations must be a list or tuple of (t_s, host_tsc, host_hz); got {migrations!r}"
        )
    if len(migrations) > duration_s:
        raise InvalidInput(
            f"migrations must hold at most duration_s = {duration_s} entries (distinct seconds "
            f"after 0); got {len(migrations)}"
        )
    for i, mig in enumerate(migrations):
        try:
            t_s, tsc, hz = mig
        except (TypeError, ValueError):
            raise InvalidInput(
                f"migrations[{i}] must be a (t_s, host_tsc, host_hz) triple; got {mig!r}"
            ) from None
        hosts.append(
            (
                check_int(f"migrations[{i}] t_s", t_s, 0, duration_s),
                check_u64(f"migrations[{i}] host_tsc", tsc),
                check_hz(f"migrations[{i}] host_hz", hz),
                f"migrations[{i}]",
            )
        )
    hosts.sort(key=lambda h: h[0])
    starts = [h[0] for h in hosts]
    if len(set(starts)) != len(starts):
        raise InvalidInput(f"migrations must have distinct times, not 0; got starts {starts}")

    rows: list[tuple[int, int, int]] = []
    start_guest = 0
    cur_guest = 0
    for k, (start, start_host_tsc, hz, source) in enumerate(hosts):
        end = hosts[k + 1][0] if k + 1 < len(hosts) else duration_s
        cur_host = start_host_tsc
        for t in range(start, end + 1):
            try:
                cur_guest = sim_guest_tsc(start_host_tsc, start_guest, hz, guest_hz, cur_host, fmt)
            except TscMathError as exc:
                raise type(exc)(f"at t = {t} s on the host of {source}: {exc}") from None
            rows.append((t, cur_host, cur_guest))
            cur_host += hz  # tsc_incr; the tool's u64 add would overflow past 2**64 - 1
            if cur_host > U64_MAX and t < end:
                raise ScaleOverflow(
                    f"the TSC of the host of {source} passes 2**64 - 1 at t = {t + 1} s"
                )
        start_guest = cur_guest
    return rows
