"""The error a guest's TSC accumulates when it is re-anchored again and again (chapter 05).

:func:`simulate_migrations` runs the exact hardware arithmetic over repeated migrations and
splits the lag into the rate part (truncated multipliers) and the rounding part (re-anchoring
and the blackout's floor, at most about a tick per migration).

Examples
--------
>>> import tscmath as tm
>>> trace = simulate_migrations(
...     2_994_374_000, [3_000_000_000, 2_500_000_000], stays=4, stay_s=60,
...     blackout_ns=1_500_000_001, fmt=tm.INTEL_VMX, seed=1)
>>> all(-k - 1 < float(r) < 2 * (k + 1) for k, r in enumerate(trace.rounding_ticks))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..conversions import MAX_HZ, NS_PER_S, ns_to_ticks
from ..errors import (
    U64_MAX,
    InvalidInput,
    RatioOutOfRange,
    check_count,
    check_int,
    check_sequence,
)
from ..formats import FixedPointFormat
from ..offsets import guest_tsc, offset_for
from ..scaling import check_format, effective_hz, multiplier

__all__ = ["simulate_migrations"]

MAX_STAYS = 100_000
"""Most stays :func:`simulate_migrations` simulates in one call (a few seconds of work)."""

MAX_STAY_S = 10**6
"""Longest stay on one host, in seconds (about 11.6 days)."""


@dataclass(frozen=True)
class MigrationTrace:
    """Lag of a guest's TSC behind the ideal, after each stay (and the blackout that ends it).

    All values are exact; ``lag = rate + rounding`` element by element.

    Attributes
    ----------
    lag_ticks : tuple of Fraction
        ``ideal - actual`` guest ticks since the first anchoring (positive: the guest is slow).
    rate_ticks : tuple of Fraction
        The part due to the truncated multipliers' rates.
    rounding_ticks : tuple of Fraction
        The part due to re-anchoring integer values and flooring the blackouts.
    """

    lag_ticks: tuple[Fraction, ...]
    rate_ticks: tuple[Fraction, ...]
    rounding_ticks: tuple[Fraction, ...]


def simulate_migrations(
    guest_hz: int,
    host_hzs: Sequence[int],
    *,
    stays: int,
    stay_s: int,
    blackout_ns: int,
    fmt: FixedPointFormat,
    seed: int,
    blackout_jitter_ns: int = 0,
) -> MigrationTrace:
    """Move a guest ``stays`` times around ``host_hzs`` (in turn) and measure its lag.

    On each host the guest arrives when the host TSC reads a random value (seeded), is anchored
    to the value it carried, runs ``stay_s`` seconds of host time, is paused, and carries its TSC
    plus ``floor(blackout_ns * guest_hz / 10**9)`` ticks to the next host. Each stay lasts
    ``stay_s`` seconds plus a random fraction of a second (whole host ticks, seeded), and each
    blackout ``blackout_ns`` plus ``0..blackout_jitter_ns`` ns, so the fractional phases vary
    as they do in real life.

    ``guest_hz`` is the promised rate; ``host_hzs`` are visited in turn (``1 .. MAX_HZ`` each)
    for ``stays`` stays (``1 .. MAX_STAYS``) of ``stay_s`` whole seconds (``1 .. MAX_STAY_S``);
    ``seed`` seeds the arrivals; ``fmt`` is the hosts' multiplier format.

    """
    guest_hz = check_int("guest_hz", guest_hz, 1, MAX_HZ)
    host_list = check_sequence("host_hzs", host_hzs)
    hosts = [check_int(f"host_hzs[{i}]", h, 1, MAX_HZ) for i, h in enumerate(host_list)]
    if not hosts:
        raise InvalidInput("host_hzs must name at least one host frequency; got none")
    stays = check_count("stays", stays, 1, MAX_STAYS, "MAX_STAYS")
    stay_s = check_count("stay_s", stay_s, 1, MAX_STAY_S, "MAX_STAY_S")
    blackout_ns = check_int("blackout_ns", blackout_ns, 0, MAX_STAY_S * NS_PER_S)
    blackout_jitter_ns = check_int("blackout_jitter_ns", blackout_jitter_ns, 0, 1 << 62)
    fmt = check_format(fmt)
    for i, host_hz in enumerate(hosts):
        try:
            multiplier(guest_hz, host_hz, fmt)
        except RatioOutOfRange as exc:
            raise RatioOutOfRange(f"host_hzs[{i}] = {host_hz}: {exc}") from None
    seed = check_int("seed", seed)
    rng = np.random.default_rng(seed)
    arrivals = rng.integers(0, 1 << 50, size=stays, dtype=np.uint64).tolist()
    fractions = rng.random(stays).tolist()  # share of a second added to each stay
    jitters = rng.integers(0, blackout_jitter_ns + 1, size=stays).tolist()
    g = 0
    ideal = Fraction(0)  # guest ticks the guest should have counted
    rate = Fraction(0)
    lags, rates, roundings = [], [], []
    for k in range(stays):
        host_hz = hosts[k % len(hosts)]
        mult = multiplier(guest_hz, host_hz, fmt)
        arrive = int(arrivals[k])
        stay_ticks = stay_s * host_hz + int(fractions[k] * host_hz)  # whole host ticks
        stay = Fraction(stay_ticks, host_hz)  # seconds, exact
        off = offset_for(arrive, g, mult, fmt)
        g = guest_tsc(arrive + stay_ticks, mult, off, fmt)
        rate += (guest_hz - effective_hz(mult, host_hz, fmt)) * stay
        blackout = blackout_ns + int(jitters[k])
        g += ns_to_ticks(blackout, guest_hz)
        if g > U64_MAX:
            raise InvalidInput(
                f"the guest TSC passes 2**64 - 1 after stay {k + 1} (guest_hz = {guest_hz}, "
                f"stay_s = {stay_s}, blackout_ns = {blackout_ns}): the model keeps it below the "
                "wrap; use fewer stays, shorter stays or a lower guest_hz"
            )
        ideal += guest_hz * stay + Fraction(guest_hz * blackout, NS_PER_S)
        lag = ideal - g
        lags.append(lag)
        rates.append(rate)
        roundings.append(lag - rate)
    return MigrationTrace(tuple(lags), tuple(rates), tuple(roundings))
