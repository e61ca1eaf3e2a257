"""Error accumulated when a guest's TSC is re-anchored again and again (repeated migrations).

Each time a guest moves, its TSC value is carried as an integer and re-anchored on the new host
with a new multiplier and offset (bhyve's time-data write; propolis adds the blackout as
``floor(blackout_ns * guest_hz / 10**9)`` ticks). Three things then separate the guest's TSC
from the ideal ``guest_hz * elapsed``:

* **rate**: each host's truncated multiplier runs the guest slow (:mod:`tscmath.accuracy.drift`);
* **re-anchoring**: the guest's value is an integer floor of a scaled count, and the new host
  starts counting from a different fractional phase, so each stay adds an error in ``(-1, 1)``
  tick (random sign: it adds up like a random walk, at worst one tick per migration);
* **blackout**: ``floor`` of the blackout in ticks loses ``[0, 1)`` tick per migration, always
  a loss.

:func:`simulate_migrations` runs the exact hardware arithmetic and splits the lag into the rate
part and the rounding part.

Examples
--------
>>> import tscmath as tm
>>> trace = simulate_migrations(
...     2_994_374_000, [3_000_000_000, 2_500_000_000], stays=4, stay_s=60,
...     blackout_ns=1_500_000_001, fmt=tm.INTEL_VMX, seed=1)
>>> len(trace.lag_ticks)
4
>>> all(-k - 1 < float(r) < 2 * (k + 1) for k, r in enumerate(trace.rounding_ticks))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..conversions import NS_PER_S, ns_to_ticks
from ..errors import InvalidInput, check_hz, check_int, check_nonnegative
from ..formats import FixedPointFormat
from ..offsets import guest_tsc, offset_for
from ..scaling import check_format, effective_hz, multiplier

__all__ = ["MigrationTrace", "simulate_migrations"]


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

    Parameters
    ----------
    guest_hz : int
        The frequency the guest was promised.
    host_hzs : sequence of int
        Host TSC frequencies, visited in turn.
    stays : int
        Number of stays (each ends with a migration).
    stay_s : int
        Whole seconds of host time spent on each host (plus a random fraction of a second).
    blackout_ns : int
        Shortest blackout of a migration, in ns.
    blackout_jitter_ns : int, optional
        Each blackout is ``blackout_ns`` plus a random ``0..blackout_jitter_ns`` ns.
    fmt : FixedPointFormat
        The hosts' multiplier format.
    seed : int
        Seed for the hosts' TSC values at arrival.

    Returns
    -------
    MigrationTrace
    """
    guest_hz = check_hz("guest_hz", guest_hz)
    hosts = [check_hz(f"host_hzs[{i}]", h) for i, h in enumerate(host_hzs)]
    if not hosts:
        raise InvalidInput("host_hzs must name at least one host frequency; got none")
    stays = check_int("stays", stays, 1)
    stay_s = check_int("stay_s", stay_s, 1)
    blackout_ns = check_nonnegative("blackout_ns", blackout_ns)
    blackout_jitter_ns = check_nonnegative("blackout_jitter_ns", blackout_jitter_ns)
    fmt = check_format(fmt)
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
        ideal += guest_hz * stay + Fraction(guest_hz * blackout, NS_PER_S)
        lag = ideal - g
        lags.append(lag)
        rates.append(rate)
        roundings.append(lag - rate)
    return MigrationTrace(tuple(lags), tuple(rates), tuple(roundings))
