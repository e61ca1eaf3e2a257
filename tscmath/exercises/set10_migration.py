"""Checkers of notebook 10, "Exercises: migration" (topics of chapters 06-08).

The live-migration recipe is propolis's and bhyve's (see the formula sheet): the blackout is
measured across hosts on the wall clocks, converted to guest ticks with a 128-bit product,
added to the exported guest TSC, and the destination computes a new multiplier and offset.
Exercise 10.7 looks at the local leg of bhyve's ``vmm_data_write_vmm_time``
(``usr/src/uts/intel/io/vmm/vmm.c``), which counts it in destination-host ticks.

Examples
--------
>>> from tscmath.exercises import check
>>> check.tsc_delta(625_000_002).passed
True
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import tscmath as tm

from .coding import first_failure
from .core import Refused, half_up, read_int, register, same_int

NOTEBOOK = "10-exercises-migration.ipynb"
U64 = 1 << 64

# ---------------------------------------------------------------------------------------------
# 10.1  ticks to add for the blackout
GUEST_HZ = 2_500_000_000
SRC_HOST_HZ = 3_000_000_000
DST_HOST_HZ = 2_900_000_000
SRC_WALL = (1_700_000_000, 900_000_000)  # (seconds, nanoseconds) at export
DST_WALL = (1_700_000_001, 150_000_001)  # at import on the destination


def wall_ns(wall: tuple[int, int]) -> int:
    """A (seconds, nanoseconds) wall-clock pair as nanoseconds."""
    return wall[0] * tm.NS_PER_S + wall[1]


def migrate_delta_ns() -> int:
    """Blackout measured across the hosts' wall clocks, clamped at 0 (propolis)."""
    return max(0, wall_ns(DST_WALL) - wall_ns(SRC_WALL))


def expected_tsc_delta() -> int:
    """Guest ticks for the blackout, by the migration model (propolis ``calc_tsc_delta``)."""
    from tscmath.migration.protocol import calc_tsc_delta

    return calc_tsc_delta(migrate_delta_ns(), GUEST_HZ)


@register("10.1", "tsc_delta", "Guest ticks to add for the blackout", NOTEBOOK)
def tsc_delta(answer: Any) -> tuple[bool, str]:
    """Guest ticks the destination adds for the blackout between the two wall-clock reads."""
    value = read_int(answer, "the number of guest ticks")
    right = expected_tsc_delta()
    delta = migrate_delta_ns()
    if value == right:
        return True, (
            f"{right} ticks: the blackout is {delta} ns by the wall clocks, times "
            f"{GUEST_HZ} guest ticks per second, floored."
        )
    wrong = same_int(
        value,
        [
            (
                tm.ns_to_ticks(delta, DST_HOST_HZ),
                "tsc_delta counts guest ticks: use the guest frequency, not the destination "
                "host's. The guest's frequency never changes across a migration.",
            ),
            (
                tm.ns_to_ticks(delta, SRC_HOST_HZ),
                "tsc_delta counts guest ticks: use the guest frequency, not the source host's.",
            ),
            (
                delta // tm.NS_PER_S * GUEST_HZ,
                "You divided before multiplying (ns // 10**9 * hz): that loses up to one second "
                "of ticks. Multiply first.",
            ),
            *[
                (
                    rounded,
                    "You rounded; the recipe floors: the guest never gets ticks from the future.",
                )
                for rounded in (
                    round(Fraction(delta * GUEST_HZ, tm.NS_PER_S)),
                    half_up(Fraction(delta * GUEST_HZ, tm.NS_PER_S)),
                )
            ],
            (
                (DST_WALL[0] - SRC_WALL[0]) * GUEST_HZ,
                "You subtracted only the seconds fields; the nanoseconds fields matter too.",
            ),
            (delta, "That is the blackout in nanoseconds; convert it to guest ticks."),
        ],
    )
    return False, wrong or "Not right: tsc_delta = floor(delta_ns * guest_hz / 10**9)."


# ---------------------------------------------------------------------------------------------
# 10.2  the offset on the destination
SRC_GUEST_TSC = 123_456_789_012_345
DST_HOST_TSC = 987_654_321_098_765
FMT = tm.AMD_SVM


def expected_offset() -> int:
    """The destination's u64 offset for exercise 10.2, by the migration model.

    The destination host's TSC reads ``DST_HOST_TSC`` at the write (true time 0), and the
    data's hrtime is the write's, so the kernel adds no latency ticks.
    """
    from tscmath.migration.hosts import Host
    from tscmath.migration.protocol import VmTimeData, import_time_data

    dst = Host("destination", DST_HOST_HZ, tsc_at_zero=DST_HOST_TSC, boot_ns=0, fmt=FMT)
    sec, ns = DST_WALL
    data = VmTimeData(GUEST_HZ, (SRC_GUEST_TSC + expected_tsc_delta()) % U64, 0, sec, ns, 0)
    return import_time_data(data, dst, 0).offset


@register("10.2", "offset_after_migration", "The offset on the destination host", NOTEBOOK)
def offset_after_migration(answer: Any) -> tuple[bool, str]:
    """The u64 offset the destination programs (int or hex string)."""
    value = read_int(answer, "the offset", allow_hex=True)
    right = expected_offset()
    if value == right:
        return True, (
            f"{right:#x} (= {tm.to_signed(right)} guest ticks): exported guest TSC plus the "
            "blackout ticks, minus the scaled destination host TSC, mod 2**64."
        )
    mult = tm.multiplier(GUEST_HZ, DST_HOST_HZ, FMT)
    mult_src = tm.multiplier(GUEST_HZ, SRC_HOST_HZ, FMT)
    target = SRC_GUEST_TSC + expected_tsc_delta()
    scaled = tm.scale(DST_HOST_TSC, mult, FMT)
    exact_scaled = DST_HOST_TSC * GUEST_HZ // DST_HOST_HZ
    wrong = same_int(
        value,
        [
            (
                target - scaled,
                "That is the signed value; the register holds a u64: store it mod 2**64.",
            ),
            (
                (target - DST_HOST_TSC) % U64,
                "That offset is in host ticks; the offset is added after scaling, so it is in "
                "guest ticks: subtract scale(dst_host_tsc, M), not dst_host_tsc.",
            ),
            (
                target - DST_HOST_TSC,
                "That offset is in host ticks (and signed); the offset is added after scaling, "
                "so it is in guest ticks, and the register holds a u64.",
            ),
            (
                (SRC_GUEST_TSC - scaled) % U64,
                "You forgot the blackout: add tsc_delta (exercise 10.1) to the exported guest "
                "TSC, or the guest loses the time it was paused.",
            ),
            (
                (target - tm.scale(DST_HOST_TSC, mult_src, FMT)) % U64,
                "You kept the source host's multiplier; the destination computes M from its "
                "own host frequency (the guest frequency stays the same).",
            ),
            (
                (target - exact_scaled) % U64,
                "You scaled with the exact ratio; the hardware scales with the truncated "
                "multiplier M = floor(2**32 * guest_hz / dst_host_hz).",
            ),
        ],
    )
    return False, wrong or (
        "Not right: offset = (src_guest_tsc + tsc_delta - scale(dst_host_tsc, M)) mod 2**64."
    )


# ---------------------------------------------------------------------------------------------
# 10.3  code: fix the naive migration
def reference_migrate(
    src_guest_tsc: int, guest_hz: int, blackout_ns: int, dst_host_tsc: int, dst_host_hz: int
) -> tuple[int, int]:
    """What the destination programs: ``(M, offset)`` for AMD 8.32 (propolis + bhyve)."""
    mult = tm.multiplier(guest_hz, dst_host_hz, FMT)
    new_guest = (src_guest_tsc + tm.ns_to_ticks(blackout_ns, guest_hz)) % U64
    return mult, tm.offset_for(dst_host_tsc, new_guest, mult, FMT)


def migrate_cases() -> list[tuple[int, int, int, int, int]]:
    """Hidden cases of 10.3: (src_guest_tsc, guest_hz, blackout_ns, dst_host_tsc, dst_host_hz)."""
    cases = [
        (10**12, 2_000_000_000, 300_000_000, 5 * 10**12, 3_000_000_000),
        (0, 1_000_000_000, 0, 0, 1_000_000_000),
        (U64 - 1, 1_000_000_000, 3_000_000_003, 10**9, 1_000_000_000),  # wraps (propolis)
        (5_000_000_000, 3_000_000_000, 1_999_999_999, 7 * 10**15, 2_500_000_000),
        (2**63, 2_994_374_000, 12_345_678_901, 2**64 - 1, 3_000_000_000),  # scale wraps
        (123, 2_500_000_000, 1, 2**40, 2_900_000_000),
    ]
    rng = random.Random(103)
    for _ in range(30):
        host_hz = rng.randrange(10**9, 4 * 10**9)
        guest_hz = rng.randrange(host_hz // 4, host_hz * 4)
        cases.append(
            (
                rng.randrange(U64),
                guest_hz,
                rng.randrange(5 * tm.NS_PER_S),
                rng.randrange(U64),
                host_hz,
            )
        )
    return cases


@register("10.3", "fix_naive_migration", "Code: fix the naive migration", NOTEBOOK)
def fix_naive_migration(func: Any) -> tuple[bool, str]:
    """Run the student's ``migrate(...) -> (mult, offset)`` on hidden cases."""

    def diagnose(case: tuple[int, int, int, int, int], got: Any) -> str | None:
        src, guest_hz, blackout_ns, dst_tsc, dst_hz = case
        if not (isinstance(got, tuple) and len(got) == 2):
            return "Return a pair (mult, offset)."
        mult, offset = got
        right_mult, right_offset = reference_migrate(*case)
        notes = []
        if mult != right_mult:
            notes.append("The multiplier is floor(2**32 * guest_hz / dst_host_hz).")
        good_delta = tm.ns_to_ticks(blackout_ns, guest_hz)
        lazy_delta = blackout_ns // tm.NS_PER_S * guest_hz
        scaled = tm.scale(dst_tsc, right_mult, FMT, wrap=True)
        for delta in (good_delta, lazy_delta):
            for minus in (scaled, dst_tsc):
                if offset not in (src + delta - minus, (src + delta - minus) % U64):
                    continue
                if minus == dst_tsc and dst_tsc != scaled:
                    notes.append(
                        "The offset is in host ticks: it is added after scaling, so subtract "
                        "scale(dst_host_tsc, M), not dst_host_tsc."
                    )
                if delta == lazy_delta and lazy_delta != good_delta:
                    notes.append(
                        "The blackout in ticks divides before multiplying: use "
                        "blackout_ns * guest_hz // 10**9."
                    )
        if isinstance(offset, int) and not 0 <= offset < U64 and offset % U64 == right_offset:
            notes.append("Reduce the offset mod 2**64: the register holds a u64.")
        return " ".join(dict.fromkeys(notes)) or None

    return first_failure(
        func, migrate_cases(), reference_migrate, name="migrate", diagnose=diagnose
    )


# ---------------------------------------------------------------------------------------------
# 10.4  when does the guest's clock go backwards?
BW_GUEST_HZ = 2_000_000_000
BW_SRC_GUEST_TSC = 4_000_000_000_000
BW_BLACKOUT_MS = 80
BW_WRITE_MS = 3


def guest_tsc_after(skew_ms: int, *, clamp: bool) -> int:
    """First guest TSC read after resume when the destination's wall clock is ``skew_ms`` behind.

    The wall clocks measure ``blackout - skew``; the kernel then adds the ticks of the few
    milliseconds between the snapshot and the write, measured on the destination's own clock.
    """
    delta_ns = (BW_BLACKOUT_MS - skew_ms) * 1_000_000
    if clamp:
        delta_ns = max(0, delta_ns)
    ticks = delta_ns * BW_GUEST_HZ // tm.NS_PER_S  # floor, also for a negative delta
    write_ticks = tm.ns_to_ticks(BW_WRITE_MS * 1_000_000, BW_GUEST_HZ)
    return BW_SRC_GUEST_TSC + ticks + write_ticks


def first_backwards_skew(*, clamp: bool, limit_ms: int = 10_000) -> int | None:
    """Smallest whole skew in ms that makes the guest read less than before the pause."""
    for skew in range(limit_ms):
        if guest_tsc_after(skew, clamp=clamp) < BW_SRC_GUEST_TSC:
            return skew
    return None


@register("10.4", "backwards_skew", "When does the guest's clock go backwards?", NOTEBOOK)
def backwards_skew(answer: Any) -> tuple[bool, str]:
    """The smallest whole number of ms of wall-clock skew that sends the guest TSC backwards."""
    if isinstance(answer, str) and answer.strip().lower() in {"never", "none", "inf"}:
        return False, (
            "This implementation does not clamp a negative delta, so a large enough skew does "
            "send the guest back. (With propolis's clamp it never goes back.)"
        )
    value = read_int(answer, "the skew in milliseconds")
    right = first_backwards_skew(clamp=False)
    if right is None:  # pragma: no cover - guards the exercise's own numbers
        raise Refused("This exercise's numbers are broken; tell your instructor.")
    if value == right:
        return True, (
            f"{right} ms: the wall clocks measure {BW_BLACKOUT_MS} - {right} ms = "
            f"{BW_BLACKOUT_MS - right} ms, and the {BW_WRITE_MS} ms before the write do not make "
            "up for it. Clamping the delta at 0 prevents this."
        )
    if value == right - 1:
        return False, (
            f"At {value} ms the negative delta exactly cancels the {BW_WRITE_MS} ms added at the "
            "write: the clock stands still, it does not go back."
        )
    if value == BW_BLACKOUT_MS + 1:
        return False, (
            f"You forgot the {BW_WRITE_MS} ms between the snapshot and the write: the kernel "
            "adds those ticks, measured on the destination's own clock."
        )
    if value == BW_BLACKOUT_MS:
        return False, (
            f"At {value} ms the wall clocks measure a zero blackout, and the write still adds "
            f"{BW_WRITE_MS} ms: the clock goes forward."
        )
    if value == BW_BLACKOUT_MS - BW_WRITE_MS + 1 or value == BW_BLACKOUT_MS - BW_WRITE_MS:
        return False, f"The {BW_WRITE_MS} ms of the write are added to the guest, not taken off."
    if value < BW_BLACKOUT_MS:
        return False, (
            "A skew smaller than the blackout only shortens the jump forward; the measured "
            "delta is still positive."
        )
    return False, "Not right: find the smallest skew e with (blackout - e + write) < 0."


# ---------------------------------------------------------------------------------------------
# 10.5  the Hyper-V reference page
HV_GUEST_HZ = 2_500_000_000


def hyperv_scale(guest_hz: int) -> int:
    """propolis's reference-page scale: floor((10_000_000 << 64) / guest_hz)."""
    return (10_000_000 << 64) // guest_hz


@register("10.5", "hyperv_reading", "The Hyper-V reference clock after one second", NOTEBOOK)
def hyperv_reading(answer: Any) -> tuple[bool, str]:
    """The reference time (100 ns units) when the guest TSC reads exactly one second of ticks."""
    value = read_int(answer, "the reference time in 100 ns units")
    scale = hyperv_scale(HV_GUEST_HZ)
    right = tm.scale(HV_GUEST_HZ, scale, tm.HYPERV_REFERENCE)
    if value == right:
        return True, (
            f"{right}: the scale {scale:#x} is truncated, so after exactly one second of ticks "
            "the page reads one 100 ns unit short of 10,000,000."
        )
    wrong = same_int(
        value,
        [
            (
                10_000_000,
                "That is the exact value; the scale floor((10**7 << 64) / guest_hz) is "
                "truncated, and so is the product >> 64.",
            ),
            (1_000_000_000, "The reference page counts 100 ns units, not nanoseconds."),
            (right * 100, "The reference page counts 100 ns units, not nanoseconds."),
            (scale, "That is the scale itself; apply it: (tsc * scale) >> 64."),
        ],
    )
    return False, wrong or "Not right: time_100ns = (tsc * scale) >> 64 with the truncated scale."


# ---------------------------------------------------------------------------------------------
# 10.6  a day of ping-pong migrations
PP_GUEST_HZ = 2_994_374_000
PP_A_HZ = 3_000_000_000
PP_B_HZ = 2_500_000_000
PP_A_TSC_AT_ZERO = 123_456_789
PP_B_TSC_AT_ZERO = 987_654_321_000
PP_LEG_S = 600
PP_BLACKOUT_NS = 1_000_000
PP_DAY_S = 86_400


def pingpong_ticks_behind(fmt: tm.FixedPointFormat = FMT) -> int:
    """Guest ticks behind an ideal counter after a day of A/B migrations every 10 minutes.

    The guest boots on A at true time 0; at every multiple of 10 minutes before the end of
    the day it pauses for 1 ms and resumes on the other host (full protocol, clocks in sync).
    """
    from tscmath.migration.hosts import Host
    from tscmath.migration.strategies import Strategy, migrate
    from tscmath.migration.vm import boot_guest

    a = Host("A", PP_A_HZ, tsc_at_zero=PP_A_TSC_AT_ZERO, fmt=fmt)
    b = Host("B", PP_B_HZ, tsc_at_zero=PP_B_TSC_AT_ZERO, fmt=fmt)
    vm = boot_guest(a, 0, PP_GUEST_HZ)
    for k in range(1, PP_DAY_S // PP_LEG_S):
        dst = b if k % 2 else a
        out = migrate(vm, dst, k * PP_LEG_S * tm.NS_PER_S, PP_BLACKOUT_NS, Strategy.FULL_PROTOCOL)
        vm = out.vm
    end_ns = PP_DAY_S * tm.NS_PER_S
    return tm.ns_to_ticks(end_ns, PP_GUEST_HZ) - vm.guest_tsc_at(end_ns)


def pingpong_continuous_estimate(fmt: tm.FixedPointFormat = FMT) -> Fraction:
    """The drift-only estimate: ticks lost per second on each host times the time there."""
    legs = PP_DAY_S // PP_LEG_S
    running_s = Fraction(PP_DAY_S) - Fraction((legs - 1) * PP_BLACKOUT_NS, tm.NS_PER_S)
    on_a = sum(1 for k in range(legs) if k % 2 == 0)
    share_a = Fraction(on_a, legs)
    lost_a = tm.drift_ticks_per_second(PP_GUEST_HZ, PP_A_HZ, fmt)
    lost_b = tm.drift_ticks_per_second(PP_GUEST_HZ, PP_B_HZ, fmt)
    return running_s * (share_a * lost_a + (1 - share_a) * lost_b)


@register("10.6", "pingpong_drift", "A day of ping-pong migrations", NOTEBOOK)
def pingpong_drift(answer: Any) -> tuple[bool, str]:
    """Ticks the guest is behind after a day of migrations every 10 minutes (exact int)."""
    value = read_int(answer, "the number of ticks behind")
    right = pingpong_ticks_behind()
    estimate = pingpong_continuous_estimate()
    migrations = PP_DAY_S // PP_LEG_S - 1
    if value == right:
        return True, (
            f"{right} ticks (about {right * 10**6 // PP_GUEST_HZ} us). The drift of the "
            f"truncated multipliers explains about {float(estimate):.1f}; the {migrations} "
            "re-anchorings each floor once more, by less than a tick either way, so they "
            "barely add up here."
        )
    if value == -right:
        return False, "Wrong sign: the truncated multiplier makes the guest slow, so it is behind."
    if value == 0:
        return False, (
            "Not zero: both multipliers are truncated, so the guest loses ticks on both hosts."
        )
    if value == pingpong_ticks_behind(tm.INTEL_VMX):
        return False, "That is the Intel 16.48 answer; the hosts here are AMD 8.32."
    if value == right * tm.NS_PER_S // PP_GUEST_HZ:
        return False, "That is in nanoseconds; the question asks for guest ticks."
    if abs(value - estimate) <= 1 or abs(value - right) <= migrations:
        return False, (
            f"Close, but not exact: {value} looks like the continuous-drift estimate "
            f"({float(estimate):.1f}). Every migration floors the exported TSC and the new "
            "scaled reading once more; run the migrations with "
            "tscmath.migration.strategies.migrate "
            "to count them exactly."
        )
    return False, (
        "Not right: migrate the guest with tscmath.migration.strategies.migrate, then compare "
        "vm.guest_tsc_at(end) with an ideal floor(end_ns * guest_hz / 10**9)."
    )


# ---------------------------------------------------------------------------------------------
# 10.7  bhyve's local leg: as written and as intended (vmm_data_write_vmm_time)
LEG_GUEST_HZ = 3_000_000_000
LEG_HOST_HZ = 2_500_000_000
LEG_NS = 50_000_000


def bhyve_leg_ticks_short() -> int:
    """Ticks bhyve adds for the local leg minus the guest ticks that passed (signed)."""
    from tscmath.migration.protocol import LocalLeg, local_leg_ticks

    as_written = local_leg_ticks(LEG_NS, LEG_GUEST_HZ, LEG_HOST_HZ, LocalLeg.BHYVE)
    intended = local_leg_ticks(LEG_NS, LEG_GUEST_HZ, LEG_HOST_HZ, LocalLeg.INTENDED)
    return as_written - intended


@register("10.7", "bhyve_local_leg", "Is this a bhyve bug? The local leg", NOTEBOOK)
def bhyve_local_leg(answer: Any) -> tuple[bool, str]:
    """Signed guest ticks the local leg is short by when bhyve counts it in host ticks."""
    value = read_int(answer, "the signed number of guest ticks")
    right = bhyve_leg_ticks_short()
    if value == right:
        behind_ns = -right * tm.NS_PER_S // LEG_GUEST_HZ
        return True, (
            f"{right} ticks: the write adds {LEG_NS * LEG_HOST_HZ // tm.NS_PER_S} host ticks "
            f"where {LEG_NS * LEG_GUEST_HZ // tm.NS_PER_S} guest ticks passed, so the guest "
            f"resumes about {behind_ns} ns behind: the leg times (1 - host_hz / guest_hz)."
        )
    wrong = same_int(
        value,
        [
            (-right, "Wrong sign: bhyve adds fewer ticks than passed, so the guest is short."),
            (
                -right * tm.NS_PER_S // LEG_GUEST_HZ,
                "That is the time in nanoseconds (and its sign); the question asks for ticks.",
            ),
            (
                -(-right * tm.NS_PER_S // LEG_GUEST_HZ),
                "That is the time in nanoseconds; the question asks for guest ticks.",
            ),
            (
                right * tm.NS_PER_S // LEG_GUEST_HZ,
                "That is the time in nanoseconds; the question asks for guest ticks.",
            ),
            (
                LEG_NS * LEG_HOST_HZ // tm.NS_PER_S,
                "That is how many ticks bhyve adds; subtract the guest ticks that passed.",
            ),
            (
                LEG_NS * LEG_GUEST_HZ // tm.NS_PER_S,
                "That is how many guest ticks passed; subtract it from what bhyve adds.",
            ),
            (0, "Not zero: the frequencies differ, and a new VM has no multiplier yet."),
        ],
    )
    if wrong:
        return False, wrong
    return False, (
        "Not right: the write converts the 50 ms to destination-host ticks (unscalehrtime) and "
        "scales them with the multiplier the VM had before the write, none on a new VM."
    )
