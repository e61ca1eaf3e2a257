"""The playground's model run: boot on A, migrate at the chosen frames, sample 601 times.

:func:`simulate` uses the migration model itself, scalar and exact: the guest boots with
:func:`tscmath.migration.vm.boot_guest`, each **Migrate** is
:func:`tscmath.migration.strategies.migrate`, and every sample is
:meth:`Vm.guest_tsc_at <tscmath.migration.vm.Vm.guest_tsc_at>` (the core equation on the
host's exact TSC, :meth:`Host.tsc_at <tscmath.migration.hosts.Host.tsc_at>`). These are the
functions :func:`tscmath.migration.timeline.simulate_timeline` is tested against; its numpy
arrays hold the same values (modulo ``2**64``, where numpy must wrap: a test checks both
agree for random settings). Python ints keep this module on the standard library, so it
runs in the reader's browser (Pyodide has no numpy offline), and 601 samples take a few
milliseconds.

Examples
--------
>>> from .settings import Settings, scenario_from
>>> view = simulate(scenario_from(Settings()), (100,))
>>> [p.label for p in view.programs], view.segment[100], view.segment[115]
(['boot on A', 'A → B'], -1, 1)
>>> view.error_ns[-1]  # B's wall clock is 40 ms ahead (the 8.32 multiplier loses 2 ns)
39999998
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tscmath.conversions import NS_PER_S
from tscmath.errors import U64_MAX, InvalidInput, check_int
from tscmath.formats import FixedPointFormat
from tscmath.migration.strategies import MigrationOutcome, migrate
from tscmath.migration.vm import Vm, boot_guest
from tscmath.plotting import COLORS

from ._errorplot import Marker
from .settings import (
    BHYVE_RULES,
    GUEST_BOOT_NS,
    HOST_NAMES,
    MAX_HOPS,
    N_SAMPLES,
    SAMPLE_NS,
    Scenario,
)

__all__: list[str] = []  # nothing public: used by the apps of this package

TIMES_NS = tuple(GUEST_BOOT_NS + k * SAMPLE_NS for k in range(N_SAMPLES))
"""True time of each sample (ns since the epoch)."""

REL_NS = tuple(k * SAMPLE_NS for k in range(N_SAMPLES))
"""True time of each sample since the guest's boot."""

COLOR_TRUE = COLORS["black"]
HOST_COLORS = (COLORS["blue"], COLORS["vermillion"], COLORS["bluish_green"])
COLOR_GUEST = COLORS["reddish_purple"]

GUEST_NS_LIMIT = U64_MAX
"""Largest guest time (ns since boot) a 64-bit nanosecond counter holds (about 584 years)."""


def check_frame(name: str, frame: object) -> int:
    """``frame`` as an int in ``[0, N_SAMPLES - 1]``, else :class:`InvalidInput`.

    Examples
    --------
    >>> check_frame("frame", 601)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: frame must be an integer in [0, 600]; got 601
    """
    return check_int(name, frame, 0, N_SAMPLES - 1)


def check_hops(hops: object) -> tuple[int, ...]:
    """The migration frames as a tuple of valid frames (at most :data:`MAX_HOPS`)."""
    if not isinstance(hops, (tuple, list)):
        raise InvalidInput(f"hops must be a tuple of frames; got {hops!r}")
    if len(hops) > MAX_HOPS:
        raise InvalidInput(
            f"hops must hold at most {MAX_HOPS} migrations (A -> B -> C); got {len(hops)}"
        )
    return tuple(check_frame(f"hops[{k}]", h) for k, h in enumerate(hops))


@dataclass(frozen=True)
class Programming:
    """What the hypervisor programmed at one step: boot on A, or a migration to a host."""

    label: str
    host: str
    fmt: FixedPointFormat | None
    mult: int | None
    offset: int
    guest_hz: int
    host_hz: int


@dataclass
class View:
    """Everything the apps draw, for one scenario and list of migrations (exact ints).

    ``guest_ns`` is the exact time since boot the guest believes, ``floor(tsc * 1e9 /
    hz)``; ``error_ns`` the exact difference to true time. ``segment`` is the host index the
    guest runs on at each sample (-1 while paused). ``guest_ns_wraps`` says whether a
    guest time exceeds what a 64-bit count of nanoseconds holds (the naive strategy on a
    host booted long ago): the apps then say so next to the exact value.
    """

    scenario: Scenario
    hops: tuple[int, ...]
    guest_tsc: list[int]
    guest_ns: list[int]
    error_ns: list[int]
    segment: list[int]
    vms: tuple[Vm, ...]
    programs: list[Programming]
    markers: list[Marker] = field(default_factory=list)
    error_range: tuple[int, int] = (0, 0)
    guest_ns_wraps: bool = False

    @property
    def rel_ns(self) -> tuple[int, ...]:
        """True time of each sample since the guest's boot."""
        return REL_NS

    def host_tsc_at(self, host_index: int, frame: int) -> int:
        """Host A, B or C's exact TSC at ``frame``."""
        return self.scenario.hosts[host_index].tsc_at(TIMES_NS[frame])


def run_steps(scenario: Scenario, hops: tuple[int, ...]) -> tuple[list[Vm], list[MigrationOutcome]]:
    """Boot the guest on A, then migrate to B (and C) at each frame in ``hops``.

    Returns the guest on each host in turn and what each migration did.

    Raises what the model raises (a :class:`~tscmath.errors.TscMathError`), and
    :class:`InvalidInput` when a migration would start before the last one ended.
    """
    bhyve = BHYVE_RULES[scenario.settings.fmt]  # Intel 16.48: a hypothetical VMX hypervisor
    vm = boot_guest(scenario.hosts[0], GUEST_BOOT_NS, scenario.guest_hz, enforce_limits=bhyve)
    vms = [vm]
    outcomes: list[MigrationOutcome] = []
    prev_resume = GUEST_BOOT_NS
    for k, frame in enumerate(hops):
        pause_ns = TIMES_NS[frame]
        if pause_ns < prev_resume:
            raise InvalidInput(
                f"hops[{k}] pauses at {pause_ns}, before the previous resume {prev_resume}"
            )
        out = migrate(
            vm,
            scenario.hosts[k + 1],
            pause_ns,
            scenario.blackout_ns,
            scenario.strategy,
            enforce_limits=bhyve,
        )
        outcomes.append(out)
        vm = out.vm
        vms.append(vm)
        prev_resume = out.resume_ns
    return vms, outcomes


def _sample(vms: list[Vm], outcomes: list[MigrationOutcome]) -> tuple[list[int], list[int]]:
    """Guest TSC and segment (-1: paused) at every sample, exact."""
    guest_tsc: list[int] = []
    segment: list[int] = []
    k = 0
    for t in TIMES_NS:
        while k < len(outcomes) and t >= outcomes[k].resume_ns:
            k += 1
        if k < len(outcomes) and t >= outcomes[k].pause_ns:
            guest_tsc.append(outcomes[k].exported.guest_tsc)  # frozen during the blackout
            segment.append(-1)
        else:
            guest_tsc.append(vms[k].guest_tsc_at(t))
            segment.append(k)
    return guest_tsc, segment


def simulate(scenario: Scenario, hops: tuple[int, ...] = ()) -> View:
    """Run the model: boot on A, migrate at each frame in ``hops`` to the next host.

    Raises
    ------
    TscMathError
        When the model refuses a step (a ratio the format cannot hold, a host that cannot
        scale, ...) or ``hops`` are not valid frames; the message says which.
    """
    hops = check_hops(hops)
    vms, outcomes = run_steps(scenario, hops)
    guest_tsc, segment = _sample(vms, outcomes)
    hz = scenario.guest_hz
    guest_ns = [tsc * NS_PER_S // hz for tsc in guest_tsc]
    error_ns = [g - rel for g, rel in zip(guest_ns, REL_NS, strict=True)]
    hosts = scenario.hosts
    boot = vms[0]
    programs = [
        Programming("boot on A", "A", boot.fmt, boot.mult, boot.offset, hz, hosts[0].tsc_hz)
    ]
    markers = []
    for k, outcome in enumerate(outcomes):
        new = outcome.vm
        src, dst = HOST_NAMES[k], HOST_NAMES[k + 1]
        programs.append(
            Programming(
                f"{src} → {dst}", dst, new.fmt, new.mult, new.offset, new.guest_hz, new.host.tsc_hz
            )
        )
        markers.append(
            Marker(
                outcome.pause_ns - GUEST_BOOT_NS,
                outcome.resume_ns - GUEST_BOOT_NS,
                f"→{dst}",
                HOST_COLORS[k + 1],
            )
        )
    return View(
        scenario=scenario,
        hops=hops,
        guest_tsc=guest_tsc,
        guest_ns=guest_ns,
        error_ns=error_ns,
        segment=segment,
        vms=tuple(vms),
        programs=programs,
        markers=markers,
        error_range=(min(error_ns), max(error_ns)),
        guest_ns_wraps=max(guest_ns) > GUEST_NS_LIMIT,
    )
