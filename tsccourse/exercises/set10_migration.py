"""Checkers of notebook 10, "Exercises: migration" (topics of chapters 06-08).

The live-migration recipe is propolis's and bhyve's (chapter 06a): the blackout is
measured across hosts on the wall clocks, converted to guest ticks with a 128-bit product,
added to the exported guest TSC, and the destination computes a new multiplier and offset.
Each exercise's numbers live in one :class:`~tsccourse.exercises.core.Givens` object here; the
notebook's setup cells read them with ``check.givens(id)``. Exercise 10.7 looks at the local leg
of bhyve's ``vmm_data_write_vmm_time`` (``usr/src/uts/intel/io/vmm/vmm.c``), which counts it in
destination-host ticks.

Examples
--------
>>> from tsccourse.exercises import check
>>> check.tsc_delta(...).status
'not answered'
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import tscmath as tm

from .coding import first_failure
from .core import U64_RANGE, Givens, half_up, numeric_exercise, register

NOTEBOOK = "10-exercises-migration.ipynb"
FORMAT = tm.AMD_SVM

ADJUST = "chapter 06a, section 3 'On the destination: adjust_time_data, step by step'"
IMPORT = "chapter 06a, section 4 'The kernel import and the second blackout leg'"
CLAMP = "chapter 06a, section 5 'Wall-clock sync and the negative-delta clamp'"
HOPS = "chapter 06b, section 7 'Several hops: A -> B -> C, and a ping-pong'"
REANCHOR = "chapter 03, section 'Re-anchoring after a pause'"
MODULO = "chapter 03, section 'Arithmetic modulo 2^64'"
TICKS_TO_NS = "chapter 02, section 'Ticks to nanoseconds: multiply first'"
HYPERV = "chapter 08b, section 4 'The Hyper-V reference TSC page'"
DRIFT = "chapter 05, section 'Truncation drift'"
ACCUMULATED = "chapter 05, section 'Error accumulated over repeated migrations'"

GUEST_HZ = 2_500_000_000
"""The frequency the guest of 10.1, 10.2 and 10.5 was promised at boot."""
SRC_HOST_HZ = 3_000_000_000
DST_HOST_HZ = 2_900_000_000

# ---------------------------------------------------------------------------------------------
# 10.1  ticks to add for the blackout
BLACKOUT_TICKS = Givens(
    "10.1",
    guest_hz=GUEST_HZ,
    src_host_hz=SRC_HOST_HZ,
    dst_host_hz=DST_HOST_HZ,
    src_wall=(1_700_000_000, 900_000_000),  # (seconds, nanoseconds) at export
    dst_wall=(1_700_000_001, 150_000_001),  # at import on the destination
)


def wall_ns(wall: tuple[int, int]) -> int:
    """A (seconds, nanoseconds) wall-clock pair as nanoseconds."""
    return wall[0] * tm.NS_PER_S + wall[1]


def migrate_delta_ns(g: Givens = BLACKOUT_TICKS) -> int:
    """Blackout measured across the hosts' wall clocks, clamped at 0 (propolis)."""
    return max(0, wall_ns(g.dst_wall) - wall_ns(g.src_wall))


def expected_tsc_delta(g: Givens = BLACKOUT_TICKS) -> int:
    """Guest ticks for the blackout, by the migration model (propolis ``calc_tsc_delta``)."""
    from tscmath.migration.protocol import calc_tsc_delta

    return calc_tsc_delta(migrate_delta_ns(g), g.guest_hz)


def _exact_ticks(g: Givens) -> Fraction:
    return Fraction(migrate_delta_ns(g) * g.guest_hz, tm.NS_PER_S)


numeric_exercise(
    "10.1",
    "tsc_delta",
    "Guest ticks to add for the blackout",
    NOTEBOOK,
    givens=BLACKOUT_TICKS,
    what="the number of guest ticks",
    expected=expected_tsc_delta,
    explain=lambda g, right: (
        f"{right} ticks: the blackout is {migrate_delta_ns(g)} ns by the wall clocks, times "
        f"{g.guest_hz} guest ticks per second, floored."
    ),
    where=ADJUST,
    mistakes=lambda g: [
        (
            tm.ns_to_ticks(migrate_delta_ns(g), g.dst_host_hz),
            "tsc_delta counts guest ticks: use the guest frequency, not the destination "
            f"host's. The guest's frequency never changes across a migration. See {ADJUST}.",
        ),
        (
            tm.ns_to_ticks(migrate_delta_ns(g), g.src_host_hz),
            "tsc_delta counts guest ticks: use the guest frequency, not the source host's. "
            f"See {ADJUST}.",
        ),
        (
            migrate_delta_ns(g) // tm.NS_PER_S * g.guest_hz,
            "You divided before multiplying (ns // 10**9 * hz): that loses up to one second "
            f"of ticks. Multiply first: see {TICKS_TO_NS}.",
        ),
        *[
            (
                rounded,
                "You rounded; the recipe floors: the guest never gets ticks from the future.",
            )
            for rounded in (round(_exact_ticks(g)), half_up(_exact_ticks(g)))
        ],
        (
            (g.dst_wall[0] - g.src_wall[0]) * g.guest_hz,
            "You subtracted only the seconds fields; the nanoseconds fields matter too.",
        ),
        (migrate_delta_ns(g), "That is the blackout in nanoseconds; convert it to guest ticks."),
    ],
    hints=(
        "First the blackout in nanoseconds: both wall clocks as seconds * 10**9 + nanoseconds, "
        "destination minus source.",
        "Then guest ticks: the guest's frequency, not a host's; multiply before the // and "
        "keep the floor.",
    ),
)

# ---------------------------------------------------------------------------------------------
# 10.2  the offset on the destination
OFFSET_AFTER_MIGRATION = Givens(
    "10.2",
    guest_hz=GUEST_HZ,
    src_host_hz=SRC_HOST_HZ,
    dst_host_hz=DST_HOST_HZ,
    src_guest_tsc=123_456_789_012_345,
    blackout_ticks=750_000_000,  # tsc_delta of a 0.3 s blackout (not 10.1's)
    dst_host_tsc=987_654_321_098_765,
)


def expected_offset(g: Givens = OFFSET_AFTER_MIGRATION) -> int:
    """The destination's u64 offset for exercise 10.2, by the migration model.

    The destination host's TSC reads ``dst_host_tsc`` at the write (true time 0), and the
    data's hrtime is the write's, so the kernel adds no latency ticks.
    """
    from tscmath.migration.hosts import Host
    from tscmath.migration.protocol import VmTimeData, import_time_data

    dst = Host("destination", g.dst_host_hz, tsc_at_zero=g.dst_host_tsc, boot_ns=0, fmt=FORMAT)
    resumed_at = (g.src_guest_tsc + g.blackout_ticks) % U64_RANGE
    data = VmTimeData(g.guest_hz, resumed_at, 0, 0, 0, 0)
    return import_time_data(data, dst, 0).offset


def _scaled_dst(g: Givens, host_hz: int | None = None) -> int:
    mult = tm.multiplier(g.guest_hz, host_hz or g.dst_host_hz, FORMAT)
    return tm.scale(g.dst_host_tsc, mult, FORMAT)


numeric_exercise(
    "10.2",
    "offset_after_migration",
    "The offset on the destination host",
    NOTEBOOK,
    givens=OFFSET_AFTER_MIGRATION,
    what="the offset",
    allow_hex=True,
    expected=expected_offset,
    explain=lambda g, right: (
        f"{right:#x} (= {tm.to_signed(right)} guest ticks): exported guest TSC plus the "
        "blackout ticks, minus the scaled destination host TSC, mod 2**64."
    ),
    where=IMPORT,
    mistakes=lambda g: [
        (
            g.src_guest_tsc + g.blackout_ticks - _scaled_dst(g),
            f"That is the signed value; the register holds a u64. See {MODULO}.",
        ),
        (
            (g.src_guest_tsc + g.blackout_ticks - g.dst_host_tsc) % U64_RANGE,
            "That offset is in host ticks; the offset is added after scaling, so it is in "
            f"guest ticks: subtract the scaled destination TSC. See {REANCHOR}.",
        ),
        (
            g.src_guest_tsc + g.blackout_ticks - g.dst_host_tsc,
            "That offset is in host ticks (and signed); the offset is added after scaling, "
            f"so it is in guest ticks, and the register holds a u64. See {REANCHOR}.",
        ),
        (
            (g.src_guest_tsc - _scaled_dst(g)) % U64_RANGE,
            "You forgot the blackout: the guest must resume at the exported TSC plus the "
            f"blackout's ticks, or it loses the time it was paused. See {ADJUST}.",
        ),
        (
            (g.src_guest_tsc + g.blackout_ticks - _scaled_dst(g, g.src_host_hz)) % U64_RANGE,
            "You kept the source host's multiplier; the destination computes M from its own "
            f"host frequency (the guest frequency stays the same). See {IMPORT}.",
        ),
        (
            (g.src_guest_tsc + g.blackout_ticks - g.dst_host_tsc * g.guest_hz // g.dst_host_hz)
            % U64_RANGE,
            "You scaled with the exact ratio; the hardware scales with the truncated "
            "multiplier M = floor(2**32 * guest_hz / dst_host_hz).",
        ),
    ],
    hints=(
        "Where must the guest's TSC resume? At the value it had at export, plus the ticks of "
        "the blackout.",
        "The destination computes its own multiplier from its own frequency; the offset is "
        "added after scaling, so it is in guest ticks.",
        "Scale the destination's host TSC with the destination's M; the offset is what must be "
        "added to that to reach the resume value, stored as a u64.",
    ),
)


# ---------------------------------------------------------------------------------------------
# 10.3  code: fix the naive migration
def reference_migrate(
    src_guest_tsc: int, guest_hz: int, blackout_ns: int, dst_host_tsc: int, dst_host_hz: int
) -> tuple[int, int]:
    """What the destination programs: ``(M, offset)`` for AMD 8.32 (propolis + bhyve)."""
    mult = tm.multiplier(guest_hz, dst_host_hz, FORMAT)
    new_guest = (src_guest_tsc + tm.ns_to_ticks(blackout_ns, guest_hz)) % U64_RANGE
    return mult, tm.offset_for(dst_host_tsc, new_guest, mult, FORMAT)


def migrate_cases() -> list[tuple[int, int, int, int, int]]:
    """Hidden cases of 10.3: (src_guest_tsc, guest_hz, blackout_ns, dst_host_tsc, dst_host_hz)."""
    cases = [
        (10**12, 2_000_000_000, 300_000_000, 5 * 10**12, 3_000_000_000),
        (0, 1_000_000_000, 0, 0, 1_000_000_000),
        (U64_RANGE - 1, 1_000_000_000, 3_000_000_003, 10**9, 1_000_000_000),  # wraps (propolis)
        (5_000_000_000, 3_000_000_000, 1_999_999_999, 7 * 10**15, 2_500_000_000),
        (2**63, 2_994_374_000, 12_345_678_901, U64_RANGE - 1, 3_000_000_000),  # scale wraps
        (123, 2_500_000_000, 1, 2**40, 2_900_000_000),
    ]
    rng = random.Random(103)
    for _ in range(30):
        host_hz = rng.randrange(10**9, 4 * 10**9)
        guest_hz = rng.randrange(host_hz // 4, host_hz * 4)
        cases.append(
            (
                rng.randrange(U64_RANGE),
                guest_hz,
                rng.randrange(5 * tm.NS_PER_S),
                rng.randrange(U64_RANGE),
                host_hz,
            )
        )
    return cases


@register(
    "10.3",
    "fix_naive_migration",
    "Code: fix the naive migration",
    NOTEBOOK,
    where=ADJUST,
    hints=(
        "There are three bugs: in the blackout's tick count, in what the offset subtracts, and "
        "in the offset's range.",
        "Ask, for each: what does a 0.3 s blackout give in ticks? In which ticks does the offset "
        "count? Can the register hold a negative number?",
    ),
    guard_time=False,
)
def fix_naive_migration(func: Any) -> tuple[bool, str]:
    """Run the student's ``migrate(...) -> (mult, offset)`` on hidden cases."""

    def diagnose(case: tuple[int, int, int, int, int], got: Any) -> str | None:
        """One thing that is wrong, as a symptom and where to look (never the fix)."""
        src, guest_hz, blackout_ns, dst_tsc, dst_hz = case
        mult, offset = got
        right_mult, _ = reference_migrate(*case)
        if mult != right_mult:
            return f"The multiplier is not the one the destination programs. See {IMPORT}."
        if not 0 <= offset < U64_RANGE:
            side = "negative" if offset < 0 else "2**64 or more"
            return f"The offset is {side}: can a 64-bit register hold it? See {MODULO}."
        scaled = tm.scale(dst_tsc, right_mult, FORMAT, wrap=True)
        resumed = (offset + scaled) % U64_RANGE  # what the guest reads at the resume
        if (resumed - src) % U64_RANGE != tm.ns_to_ticks(blackout_ns, guest_hz):
            if (offset + dst_tsc - src) % U64_RANGE in (
                tm.ns_to_ticks(blackout_ns, guest_hz),
                blackout_ns // tm.NS_PER_S * guest_hz,
            ):
                return (
                    "At the resume the guest does not read the TSC it should: in which ticks "
                    f"does the offset count? See {REANCHOR}."
                )
            return (
                f"At the resume the guest does not read its exported TSC plus the ticks of a "
                f"{blackout_ns} ns blackout. See {ADJUST}."
            )
        return None

    return first_failure(
        func,
        migrate_cases(),
        reference_migrate,
        name="migrate",
        returns="a pair (mult, offset) of ints, the offset a u64",
        parts=("mult", "offset"),
        diagnose=diagnose,
    )


# ---------------------------------------------------------------------------------------------
# 10.4  when does the guest's clock go backwards?
BACKWARDS_SKEW = Givens(
    "10.4",
    skew_guest_hz=2_000_000_000,
    paused_guest_tsc=4_000_000_000_000,
    blackout_ms=80,
    write_ms=3,
)


def guest_tsc_after(skew_ms: int, *, clamp: bool, g: Givens = BACKWARDS_SKEW) -> int:
    """First guest TSC read after resume when the destination's wall clock is ``skew_ms`` behind.

    The wall clocks measure ``blackout - skew``; the kernel then adds the ticks of the few
    milliseconds between the snapshot and the write, measured on the destination's own clock.
    """
    delta_ns = (g.blackout_ms - skew_ms) * 1_000_000
    if clamp:
        delta_ns = max(0, delta_ns)
    ticks = delta_ns * g.skew_guest_hz // tm.NS_PER_S  # floor, also for a negative delta
    write_ticks = tm.ns_to_ticks(g.write_ms * 1_000_000, g.skew_guest_hz)
    return g.paused_guest_tsc + ticks + write_ticks


def first_backwards_skew(
    *, clamp: bool, limit_ms: int = 10_000, g: Givens = BACKWARDS_SKEW
) -> int | None:
    """Smallest whole skew in ms that makes the guest read less than before the pause."""
    for skew in range(limit_ms):
        if guest_tsc_after(skew, clamp=clamp, g=g) < g.paused_guest_tsc:
            return skew
    return None


def _first_backwards(g: Givens) -> int:
    right = first_backwards_skew(clamp=False, g=g)
    if right is None:  # pragma: no cover - guards the exercise's own numbers
        raise ValueError("exercise 10.4's numbers never send the guest backwards")
    return right


numeric_exercise(
    "10.4",
    "backwards_skew",
    "When does the guest's clock go backwards?",
    NOTEBOOK,
    givens=BACKWARDS_SKEW,
    what="the skew in milliseconds",
    expected=_first_backwards,
    explain=lambda g, right: (
        f"{right} ms: the wall clocks measure {g.blackout_ms} - {right} ms = "
        f"{g.blackout_ms - right} ms, and the {g.write_ms} ms before the write do not make up "
        "for it. Clamping the delta at 0 prevents this."
    ),
    where=CLAMP,
    words={
        word: (
            "This implementation does not clamp a negative delta, so a large enough skew does "
            "send the guest back. (With propolis's clamp it never goes back.)"
        )
        for word in ("never", "none", "inf", "infinity")
    },
    mistakes=lambda g: [
        (
            _first_backwards(g) - 1,
            "At that skew the negative delta exactly cancels the ticks added at the write: the "
            "clock stands still, it does not go back. 'Lower than G' is strict.",
        ),
        (
            g.blackout_ms + 1,
            f"You forgot the {g.write_ms} ms between the snapshot and the write: the kernel "
            "adds those ticks, measured on the destination's own clock.",
        ),
        (
            g.blackout_ms,
            "At that skew the wall clocks measure a zero blackout, and the write still adds "
            "its ticks: the clock goes forward.",
        ),
        (
            lambda value: value in (g.blackout_ms - g.write_ms, g.blackout_ms - g.write_ms + 1),
            f"The {g.write_ms} ms of the write are added to the guest, not taken off.",
        ),
        (
            lambda value: value < g.blackout_ms,
            "A skew smaller than the blackout only shortens the jump forward; the measured "
            "delta is still positive.",
        ),
    ],
    hints=(
        "Write the guest's first reading after resume as G plus two tick counts: the measured "
        "blackout (which can be negative here) and the write's few milliseconds.",
        "It goes back when the sum of the two durations is negative; the question wants the "
        "smallest whole skew where it is strictly below G.",
    ),
)

# ---------------------------------------------------------------------------------------------
# 10.5  the Hyper-V reference page
HYPERV_READING = Givens("10.5", guest_hz=GUEST_HZ)


def hyperv_scale(guest_hz: int) -> int:
    """propolis's reference-page scale: floor((10_000_000 << 64) / guest_hz)."""
    return (10_000_000 << 64) // guest_hz


def _hyperv_reading(g: Givens) -> int:
    return tm.scale(g.guest_hz, hyperv_scale(g.guest_hz), tm.HYPERV_REFERENCE)


numeric_exercise(
    "10.5",
    "hyperv_reading",
    "The Hyper-V reference clock after one second",
    NOTEBOOK,
    givens=HYPERV_READING,
    what="the reference time in 100 ns units",
    expected=_hyperv_reading,
    explain=lambda g, right: (
        f"{right}: the scale {hyperv_scale(g.guest_hz):#x} is truncated, so after exactly one "
        "second of ticks the page reads one 100 ns unit short of 10,000,000."
    ),
    where=HYPERV,
    mistakes=lambda g: [
        (
            10_000_000,
            "That is the exact value; the scale floor((10**7 << 64) / guest_hz) is truncated, "
            f"and so is the product >> 64: compute it in integers. See {HYPERV}.",
        ),
        (1_000_000_000, "The reference page counts 100 ns units, not nanoseconds."),
        (_hyperv_reading(g) * 100, "The reference page counts 100 ns units, not nanoseconds."),
        (
            hyperv_scale(g.guest_hz),
            "That is the scale itself; apply it to the TSC: (tsc * scale) >> 64.",
        ),
    ],
    hints=(
        "Two integer steps: the scale propolis computes, then the page's formula applied to "
        "one second of ticks.",
        "Both steps are integer operations that floor: the scale from 10**7 shifted left by 64 "
        "and the guest frequency, then the page's product with the ticks, shifted right by 64.",
    ),
)

# ---------------------------------------------------------------------------------------------
# 10.6  a day of ping-pong migrations
PINGPONG_DRIFT = Givens(
    "10.6",
    pp_guest_hz=2_994_374_000,
    host_a_hz=3_000_000_000,
    host_b_hz=2_500_000_000,
    host_a_tsc_at_zero=123_456_789,
    host_b_tsc_at_zero=987_654_321_000,
    leg_s=600,
    blackout_ns=1_000_000,
    day_s=86_400,
)


def pingpong_ticks_behind(fmt: tm.FixedPointFormat = FORMAT, g: Givens = PINGPONG_DRIFT) -> int:
    """Guest ticks behind an ideal counter after a day of A/B migrations every 10 minutes.

    The guest boots on A at true time 0; at every multiple of 10 minutes before the end of
    the day it pauses for 1 ms and resumes on the other host (full protocol, clocks in sync).
    """
    from tscmath.migration.hosts import Host
    from tscmath.migration.strategies import Strategy, migrate
    from tscmath.migration.vm import boot_guest

    a = Host("A", g.host_a_hz, tsc_at_zero=g.host_a_tsc_at_zero, fmt=fmt)
    b = Host("B", g.host_b_hz, tsc_at_zero=g.host_b_tsc_at_zero, fmt=fmt)
    bhyve = fmt.frac_bits == 32  # bhyve has no VMX scaling: 16.48 is a hypothetical hypervisor
    vm = boot_guest(a, 0, g.pp_guest_hz, enforce_limits=bhyve)
    for k in range(1, g.day_s // g.leg_s):
        dst = b if k % 2 else a
        out = migrate(
            vm,
            dst,
            k * g.leg_s * tm.NS_PER_S,
            g.blackout_ns,
            Strategy.FULL_PROTOCOL,
            enforce_limits=bhyve,
        )
        vm = out.vm
    end_ns = g.day_s * tm.NS_PER_S
    return tm.ns_to_ticks(end_ns, g.pp_guest_hz) - vm.guest_tsc_at(end_ns)


def pingpong_continuous_estimate(
    fmt: tm.FixedPointFormat = FORMAT, g: Givens = PINGPONG_DRIFT
) -> Fraction:
    """The drift-only estimate: ticks lost per second on each host times the time there."""
    legs = g.day_s // g.leg_s
    running_s = Fraction(g.day_s) - Fraction((legs - 1) * g.blackout_ns, tm.NS_PER_S)
    on_a = sum(1 for k in range(legs) if k % 2 == 0)
    share_a = Fraction(on_a, legs)
    lost_a = tm.drift_ticks_per_second(g.pp_guest_hz, g.host_a_hz, fmt)
    lost_b = tm.drift_ticks_per_second(g.pp_guest_hz, g.host_b_hz, fmt)
    return running_s * (share_a * lost_a + (1 - share_a) * lost_b)


_PINGPONG: dict[str, int] = {}


def _pingpong(g: Givens, fmt: tm.FixedPointFormat = FORMAT) -> int:
    """``pingpong_ticks_behind``, computed once per format (143 migrations)."""
    if fmt.name not in _PINGPONG:
        _PINGPONG[fmt.name] = pingpong_ticks_behind(fmt, g)
    return _PINGPONG[fmt.name]


def _migrations(g: Givens) -> int:
    return g.day_s // g.leg_s - 1


numeric_exercise(
    "10.6",
    "pingpong_drift",
    "A day of ping-pong migrations",
    NOTEBOOK,
    givens=PINGPONG_DRIFT,
    what="the number of ticks behind",
    expected=_pingpong,
    explain=lambda g, right: (
        f"{right} ticks (about {right * 10**6 // g.pp_guest_hz} us). The drift of the "
        f"truncated multipliers explains about {float(pingpong_continuous_estimate(g=g)):.1f}; "
        f"the {_migrations(g)} re-anchorings each floor once more, by less than a tick either "
        "way, so they barely add up here."
    ),
    where=HOPS,
    giveaways=lambda g: [pingpong_continuous_estimate(g=g)],
    mistakes=lambda g: [
        (
            -_pingpong(g),
            "Wrong sign: the truncated multiplier makes the guest slow, so it is behind.",
        ),
        (
            0,
            "Not zero: both multipliers are truncated, so the guest loses ticks on both hosts. "
            f"See {DRIFT}.",
        ),
        (
            _pingpong(g, tm.INTEL_VMX),
            "That is the Intel 16.48 answer; the hosts here are AMD 8.32.",
        ),
        (
            _pingpong(g) * tm.NS_PER_S // g.pp_guest_hz,
            "That is in nanoseconds; the question asks for guest ticks.",
        ),
        (
            lambda value: (
                abs(value - pingpong_continuous_estimate(g=g)) <= 1
                or abs(value - _pingpong(g)) <= _migrations(g)
            ),
            "Close, but not exact: that looks like an estimate from the drift alone. Every "
            "migration floors the exported TSC and the new scaled reading once more; run the "
            "migrations with the model (tscmath.migration.strategies.migrate) to count them "
            f"exactly. See {ACCUMULATED}.",
        ),
    ],
    hints=(
        "Run the day with the model: boot on A, then migrate at every 10-minute mark to the "
        "other host; the outcome's .vm is the guest on its new host.",
        "At the end compare the guest's reading, vm.guest_tsc_at(end_ns), with the ideal "
        "counter floor(end_ns * pp_guest_hz / 10**9), in integers.",
    ),
)

# ---------------------------------------------------------------------------------------------
# 10.7  is this a bhyve bug? the local leg of vmm_data_write_vmm_time
BHYVE_LEG = Givens(
    "10.7",
    leg_guest_hz=3_000_000_000,
    leg_host_hz=2_500_000_000,
    leg_ns=50_000_000,
)


def bhyve_leg_ticks_short(g: Givens = BHYVE_LEG) -> int:
    """Ticks bhyve adds for the local leg minus the guest ticks that passed (signed)."""
    from tscmath.migration.protocol import LocalLeg, local_leg_ticks

    as_written = local_leg_ticks(g.leg_ns, g.leg_guest_hz, g.leg_host_hz, LocalLeg.BHYVE)
    intended = local_leg_ticks(g.leg_ns, g.leg_guest_hz, g.leg_host_hz, LocalLeg.INTENDED)
    return as_written - intended


def _leg_ns_short(g: Givens) -> int:
    """The shortfall as time: the ticks at the guest's rate, rounded toward zero."""
    return -(-bhyve_leg_ticks_short(g) * tm.NS_PER_S // g.leg_guest_hz)


numeric_exercise(
    "10.7",
    "bhyve_local_leg",
    "Is this a bhyve bug? The local leg",
    NOTEBOOK,
    givens=BHYVE_LEG,
    what="the signed number of guest ticks",
    expected=bhyve_leg_ticks_short,
    explain=lambda g, right: (
        f"{right} ticks: the write adds {g.leg_ns * g.leg_host_hz // tm.NS_PER_S} host ticks "
        f"where {g.leg_ns * g.leg_guest_hz // tm.NS_PER_S} guest ticks passed, so the guest "
        f"resumes about {-_leg_ns_short(g)} ns behind: the leg times (1 - host_hz / guest_hz)."
    ),
    where=IMPORT,
    mistakes=lambda g: [
        (
            -bhyve_leg_ticks_short(g),
            "Wrong sign: bhyve adds fewer ticks than passed, so the guest is short.",
        ),
        (_leg_ns_short(g), "That is the time in nanoseconds; the question asks for guest ticks."),
        (-_leg_ns_short(g), "That is the time in nanoseconds; the question asks for guest ticks."),
        (
            bhyve_leg_ticks_short(g) * tm.NS_PER_S // g.leg_guest_hz,
            "That is the time in nanoseconds; the question asks for guest ticks.",
        ),
        (
            g.leg_ns * g.leg_host_hz // tm.NS_PER_S,
            "That is how many ticks bhyve adds; subtract the guest ticks that passed.",
        ),
        (
            g.leg_ns * g.leg_guest_hz // tm.NS_PER_S,
            "That is how many guest ticks passed; subtract it from what bhyve adds.",
        ),
        (0, "Not zero: the frequencies differ, and a new VM has no multiplier yet."),
    ],
    hints=(
        "bhyve converts the leg to destination-host ticks (unscalehrtime) and scales them with "
        "the multiplier the VM had before the write: none, on a VM just created.",
        "Count two things for the leg: the ticks bhyve adds (destination-host ticks, unscaled) "
        "and the guest ticks that really passed; the answer is the first minus the second.",
    ),
)
