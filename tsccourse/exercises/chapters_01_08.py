"""Checkers of the "Exercises" sections at the end of chapters 01-08.

Ids are ``"<chapter>.<n>"`` (``"04.1"``); names say what is asked. Each exercise's numbers
live in one :class:`~tsccourse.exercises.core.Givens` object (``check.givens("04.1")``). Every
expected value is computed from :mod:`tscmath` (the core, or the chapter's model) and every
typical wrong answer from the mistaken formula its message names.

Examples
--------
>>> from tsccourse.exercises import check
>>> check.rdtsc_halves("EDX:EAX").status
'wrong'
>>> print(check.rdtsc_halves(0x8000_0002).message)
You added the halves; EDX's bits are worth 2**32 each.
"""

from __future__ import annotations

from fractions import Fraction

import tscmath as tm
from tscmath.conversions import SECONDS_PER_DAY

from .core import U64_RANGE, Givens, half_up, numeric_exercise

NS_PER_MS = 1_000_000

NOTEBOOKS = {
    "01": "01-the-time-stamp-counter.ipynb",
    "02": "02-knowing-the-frequency.ipynb",
    "03": "03-offsetting.ipynb",
    "04": "04-scaling.ipynb",
    "05": "05-error-analysis.ipynb",
    "06a": "06a-live-migration-protocol.ipynb",
    "06b": "06b-live-migration-in-practice.ipynb",
    "07": "07-playground.ipynb",
    "08": "08a-paravirtual-clocks.ipynb",
}


def see(chapter: str, section: str) -> str:
    """Where to look, as every message says it: ``chapter 04, section '...'``."""
    return f"chapter {chapter}, section '{section}'"


# --------------------------------------------------------------------------------------------
# 01 The time stamp counter
RDTSC_READ = see("01", "A 64-bit counter and two instructions to read it")
TSC_ADJUST = see("01", "Many CPUs, many counters: synchronisation and IA32_TSC_ADJUST")

RDTSC_HALVES = Givens("01.1", edx=0x0000_0002, eax=0x8000_0000)

numeric_exercise(
    "01.1",
    "rdtsc_halves",
    "Glue RDTSC's halves together",
    NOTEBOOKS["01"],
    givens=RDTSC_HALVES,
    what="the TSC value",
    allow_hex=True,
    expected=lambda g: (g.edx << 32) | g.eax,
    explain=lambda g, r: f"{r:#x} = {r:,}: EDX is the high half, (EDX << 32) | EAX.",
    where=RDTSC_READ,
    mistakes=lambda g: [
        (
            (g.eax << 32) | g.edx,
            "You swapped the halves: EDX holds the high 32 bits, EAX the low 32. See "
            f"{RDTSC_READ}.",
        ),
        (g.edx + g.eax, "You added the halves; EDX's bits are worth 2**32 each."),
        ((g.edx << 16) | g.eax, "Each half is 32 bits wide: shift EDX by 32, not 16."),
    ],
    hints=(
        "RDTSC puts the low 32 bits of the counter in EAX and the high 32 bits in EDX.",
        "Move the high half up by 32 bits (each of its bits is worth 2**32), then combine it "
        "with the low half.",
    ),
)

TSC_ADJUST_WRITE = Givens("01.2", tsc_before_write=4_000_000_000, value_written=1_000_000)

numeric_exercise(
    "01.2",
    "tsc_adjust_after_write",
    "What IA32_TSC_ADJUST holds after a write",
    NOTEBOOKS["01"],
    givens=TSC_ADJUST_WRITE,
    what="TSC_ADJUST as a signed number",
    same_mod_2_64=True,
    expected=lambda g: tm.to_signed(tm.to_u64(g.value_written - g.tsc_before_write)),
    explain=lambda g, r: (
        f"{r:,}: a write that moves the TSC by X adds X to TSC_ADJUST, and the write moved it "
        f"from {g.tsc_before_write:,} to {g.value_written:,}."
    ),
    where=TSC_ADJUST,
    mistakes=lambda g: [
        (g.tsc_before_write - g.value_written, "Wrong sign: the write moved the TSC backwards."),
        (g.value_written, "TSC_ADJUST holds how far the TSC was moved, not the value written."),
        (
            -g.tsc_before_write,
            "The move is the new value minus the old one; you left out the value written.",
        ),
    ],
    hints=(
        "TSC_ADJUST starts at 0 and records every move of the TSC made by a write.",
        "A write changes TSC_ADJUST by (value written) - (TSC just before the write).",
    ),
)

# --------------------------------------------------------------------------------------------
# 02 Knowing the frequency
CPUID = see("02", "Being told: CPUID leaves 15h and 16h")
CALIBRATION = see("02", "Measuring: calibration against the PIT and the HPET")

CPUID_15H = Givens("02.1", eax=3, ebx=250, ecx=38_400_000)

numeric_exercise(
    "02.1",
    "cpuid_15h",
    "The TSC rate from CPUID leaf 15h",
    NOTEBOOKS["02"],
    givens=CPUID_15H,
    what="the TSC frequency in Hz",
    expected=lambda g: g.ecx * g.ebx // g.eax,
    explain=lambda g, r: f"{r:,} Hz = ECX * EBX / EAX (crystal times the ratio EBX/EAX).",
    where=CPUID,
    mistakes=lambda g: [
        (g.ecx * g.eax // g.ebx, f"Ratio upside down: EBX is the numerator. See {CPUID}."),
        (g.ecx * g.ebx, "You forgot to divide by EAX."),
        (g.ecx, "That is the crystal's frequency; the TSC runs at a ratio of it."),
    ],
    hints=(
        "ECX is the crystal clock in Hz; EBX/EAX is the ratio of the TSC to the crystal.",
        "Multiply the crystal's frequency by the ratio EBX/EAX, multiplying before the integer "
        "division.",
    ),
)

PIT_CALIBRATION = Givens("02.2", pit_hz=1_193_182, tsc_ticks=35_795_461, pit_ticks=11_932)

numeric_exercise(
    "02.2",
    "pit_calibration",
    "A PIT calibration, as illumos computes it",
    NOTEBOOKS["02"],
    givens=PIT_CALIBRATION,
    what="the estimated TSC frequency in Hz",
    expected=lambda g: g.pit_hz * g.tsc_ticks // g.pit_ticks,
    explain=lambda g, r: f"{r:,} Hz = 1,193,182 * tsc_ticks // pit_ticks: multiply first.",
    where=CALIBRATION,
    mistakes=lambda g: [
        (
            g.tsc_ticks // g.pit_ticks * g.pit_hz,
            "You divided before multiplying: tsc_ticks // pit_ticks throws away the fraction, "
            f"about a million Hz here. Multiply first. See {CALIBRATION}.",
        ),
        (
            g.pit_ticks * g.pit_hz // g.tsc_ticks,
            "Upside down: TSC ticks per PIT tick, times PIT ticks per second.",
        ),
        (
            14_318_180 * g.tsc_ticks // (12 * g.pit_ticks),
            "The PIT is taken as exactly 1,193,182 Hz (14,318,180 / 12 rounded to a whole Hz).",
        ),
    ],
    hints=(
        "The PIT ticks at a known rate; count how many TSC ticks pass per PIT tick.",
        "Scale the PIT's known rate by the TSC ticks counted per PIT tick, multiplying before "
        "the //.",
    ),
)

# --------------------------------------------------------------------------------------------
# 03 Offsetting
MODULO = see("03", "Arithmetic modulo $2^{64}$")
REANCHOR = see("03", "Re-anchoring after a pause")
PER_VCPU = see("03", "When the guest writes its TSC: per-vCPU offsets")

RESTORE_OFFSET = Givens("03.1", saved_guest_tsc=50_000_000_000, host_tsc_now=120_000_000_000)

numeric_exercise(
    "03.1",
    "restore_offset",
    "The offset that restores a snapshot",
    NOTEBOOKS["03"],
    givens=RESTORE_OFFSET,
    what="the offset (u64)",
    allow_hex=True,
    expected=lambda g: tm.to_u64(g.saved_guest_tsc - g.host_tsc_now),
    explain=lambda g, r: f"{r:#x}, i.e. {tm.to_signed(r):,}: g_saved - h_now, stored mod 2**64.",
    where=REANCHOR,
    mistakes=lambda g: [
        (
            g.saved_guest_tsc - g.host_tsc_now,
            f"That is the signed value; the register holds a u64. See {MODULO}.",
        ),
        (g.host_tsc_now - g.saved_guest_tsc, "Wrong sign: the guest must read less than the host."),
        (g.saved_guest_tsc, "The offset is a difference between the two counters."),
    ],
    hints=(
        "After the restore the guest must read its saved value while the host reads h_now.",
        "Write what the guest must read right after the restore as the host's TSC plus the "
        "offset, solve for the offset, and store it as a u64.",
    ),
)

VCPU_WRITE_GAP = Givens("03.2", gap_ns=40_000, host_hz=2_500_000_000)

numeric_exercise(
    "03.2",
    "vcpu_write_gap",
    "Two vCPUs written 40 us apart",
    NOTEBOOKS["03"],
    givens=VCPU_WRITE_GAP,
    what="the number of ticks",
    expected=lambda g: tm.ns_to_ticks(g.gap_ns, g.host_hz),
    explain=lambda g, r: (
        f"{r:,} ticks: each write anchors its vCPU's offset to 0 at its own host TSC, so the "
        "later vCPU stays behind by the 40 us between the writes, for good."
    ),
    where=PER_VCPU,
    mistakes=lambda g: [
        (g.gap_ns, "That is the gap in nanoseconds; convert it to host ticks."),
        (-tm.ns_to_ticks(g.gap_ns, g.host_hz), "The question asks how far behind: positive."),
        (
            0,
            "Not zero: the two writes anchor the two offsets at different moments. See "
            f"{PER_VCPU}.",
        ),
        (tm.ns_to_ticks(g.gap_ns, 3_000_000_000), "This host runs at 2.5 GHz, not 3 GHz."),
    ],
    hints=(
        "Each write sets its vCPU's offset so that the vCPU reads 0 at the moment of the write.",
        "The gap between the two writes, counted in host ticks, stays between the vCPUs.",
    ),
)

# --------------------------------------------------------------------------------------------
# 04 Scaling
FORMATS = see("04", "The formats, bit by bit")
COMPUTING_M = see("04", "Computing $M$, and where it stops")

MULTIPLIER_1_25 = Givens("04.1", ratio=Fraction(5, 4))

numeric_exercise(
    "04.1",
    "multiplier_for_1_25",
    "The 8.32 multiplier for 1.25x",
    NOTEBOOKS["04"],
    givens=MULTIPLIER_1_25,
    what="the multiplier",
    allow_hex=True,
    expected=lambda g: tm.multiplier(g.ratio.numerator, g.ratio.denominator, tm.AMD_SVM),
    explain=lambda g, r: f"{r:#x}: 1 is bit 32, 0.25 = 2**-2 is bit 30.",
    where=FORMATS,
    mistakes=lambda g: [
        (
            0x1_2500_0000,
            "1.25 is not 0x1.25: hex digits after the point are sixteenths, and the fraction "
            f".25 is a quarter. See {FORMATS}.",
        ),
        (
            tm.multiplier(g.ratio.numerator, g.ratio.denominator, tm.INTEL_VMX),
            "That is the Intel 16.48 multiplier; 8.32 has F = 32.",
        ),
        (
            tm.multiplier(g.ratio.denominator, g.ratio.numerator, tm.AMD_SVM),
            "That is 0.8x: M means guest / host.",
        ),
    ],
    hints=(
        "In 8.32 the value 1 is bit 32; each fraction bit below it is worth half the one above.",
        "Split 1.25 into a sum of powers of two and set those bits.",
    ),
)

LARGEST_GUEST = Givens("04.2", host_hz=100_000_000)


def largest_guest_hz(host_hz: int, fmt: tm.FixedPointFormat) -> int:
    """The largest whole guest frequency whose multiplier ``fmt`` can hold on ``host_hz``."""
    # floor(2**F g / h) <= max  <=>  2**F g / h < max + 1  <=>  g < (max + 1) h / 2**F
    bound = Fraction((fmt.max_multiplier + 1) * host_hz, fmt.one)
    largest = -(-bound.numerator // bound.denominator) - 1
    tm.multiplier(largest, host_hz, fmt)  # fits (raises otherwise)
    return largest


numeric_exercise(
    "04.2",
    "largest_guest_hz",
    "The fastest guest 8.32 can describe",
    NOTEBOOKS["04"],
    givens=LARGEST_GUEST,
    what="the guest frequency in Hz",
    expected=lambda g: largest_guest_hz(g.host_hz, tm.AMD_SVM),
    explain=lambda g, r: (
        f"{r:,} Hz: M must stay below 2**40, so the ratio below 256; 256x itself needs "
        "M = 2**40, one bit too many."
    ),
    where=COMPUTING_M,
    mistakes=lambda g: [
        (
            256 * g.host_hz,
            "Exactly 256x gives M = 2**40, which needs 41 bits: that guest does not fit. See "
            f"{COMPUTING_M}.",
        ),
        (
            255 * g.host_hz,
            "8 integer bits reach 255, but the fraction bits go on: larger ratios still fit.",
        ),
        (15 * g.host_hz - 1, "That is bhyve's limit; the question asks for the 8.32 format's."),
        (largest_guest_hz(g.host_hz, tm.INTEL_VMX), "That is the Intel 16.48 limit."),
    ],
    hints=(
        "The largest 8.32 multiplier is 2**40 - 1: which ratios guest/host does that allow?",
        "Find the largest whole g with floor(2**32 * g / host_hz) <= 2**40 - 1, and check it "
        "with tm.multiplier (one Hz more must raise).",
    ),
)

# --------------------------------------------------------------------------------------------
# 05 Error analysis
LIMITS = see("05", "The limits real systems enforce")

KVM_TOLERANCE = Givens("05.1", host_khz=3_000_000, asked_khz=2_999_300, kvm_tolerance_ppm=250)


def kvm_seconds_per_day_fast(g: Givens = KVM_TOLERANCE) -> Fraction:
    """Seconds per day the guest of 05.1 runs fast (0 if KVM would scale)."""
    if abs(g.asked_khz - g.host_khz) * 10**6 > g.kvm_tolerance_ppm * g.host_khz:
        return Fraction(0)  # KVM scales
    return Fraction(g.host_khz - g.asked_khz, g.asked_khz) * SECONDS_PER_DAY


numeric_exercise(
    "05.1",
    "kvm_tolerance",
    "Inside KVM's 250 ppm window",
    NOTEBOOKS["05"],
    givens=KVM_TOLERANCE,
    what="seconds per day",
    tolerance=Fraction(1, 100),
    expected=kvm_seconds_per_day_fast,
    explain=lambda g, r: (
        f"About {float(r):.2f} s/day fast: 700 kHz is about 233 ppm, inside KVM's 250 ppm, so "
        "KVM does not scale and the guest's TSC ticks at the host's rate."
    ),
    where=LIMITS,
    mistakes=lambda g: [
        (
            0,
            "KVM does not scale inside +-250 ppm: the guest's TSC runs at the host's rate. See "
            f"{LIMITS}.",
        ),
        (
            Fraction(g.kvm_tolerance_ppm, 10**6) * SECONDS_PER_DAY,
            "That is the worst case of the window, 250 ppm; use this guest's own distance.",
        ),
        (-kvm_seconds_per_day_fast(g), "Wrong sign: the host is faster than asked, so fast."),
    ],
    hints=(
        "First decide whether KVM scales at all: how many ppm apart are the two frequencies?",
        "Inside the window the guest ticks at the host's rate while believing it is the asked "
        "rate: (host_khz - asked_khz) / asked_khz of each second, over 86,400 s.",
    ),
)

BHYVE_LARGEST = Givens("05.2", host_hz=2_500_000_000)


def bhyve_largest_guest_hz(host_hz: int) -> int:
    """The largest guest frequency bhyve accepts on ``host_hz`` (below 15x)."""
    from tscmath.limits import BHYVE_MAX_RATIO
    from tscmath.migration.hosts import Host
    from tscmath.migration.vm import check_guest_frequency

    largest = BHYVE_MAX_RATIO * host_hz - 1
    check_guest_frequency(largest, Host("host", host_hz))  # accepted (raises otherwise)
    return largest


numeric_exercise(
    "05.2",
    "bhyve_largest",
    "The fastest guest bhyve accepts",
    NOTEBOOKS["05"],
    givens=BHYVE_LARGEST,
    what="the guest frequency in Hz",
    expected=lambda g: bhyve_largest_guest_hz(g.host_hz),
    explain=lambda g, r: f"{r:,} Hz: bhyve refuses a guest at 15 times the host's rate or more.",
    where=LIMITS,
    mistakes=lambda g: [
        (15 * g.host_hz, f"15x itself is refused: bhyve's bound is strict. See {LIMITS}."),
        (
            largest_guest_hz(g.host_hz, tm.AMD_SVM),
            "That is the 8.32 format's own limit; bhyve's is much stricter.",
        ),
        (500_000_000, "That is bhyve's smallest guest frequency; the question asks the largest."),
    ],
    hints=(
        "bhyve checks the guest frequency against a multiple of the host's before it scales.",
        "bhyve accepts 500 MHz <= guest_hz < 15 * host_hz: the largest whole Hz below the bound.",
    ),
)

# --------------------------------------------------------------------------------------------
# 06 Live migration
ADJUST = see("06a", "3. On the destination: `adjust_time_data`, step by step")
STRATEGIES = see("06b", "6. Four strategies side by side")

NEW_BOOT_HRTIME = Givens(
    "06.1",
    exported={
        "guest_freq": 1_500_000_000,
        "guest_tsc": 450_000_000_000,
        "hrtime": 500_000_000_000,
        "hres_sec": 1_700_000_000,
        "hres_ns": 0,
        "boot_hrtime": 200_000_000_000,
    },
    dst_hrtime=30_000_000_000,
    dst_wallclock_ns=1_700_000_002 * tm.NS_PER_S + 500_000_000,
)


def new_boot_hrtime(g: Givens = NEW_BOOT_HRTIME) -> int:
    """``boot_hrtime`` after propolis's adjustment (exercise 06.1), by the migration model."""
    from tscmath.migration.protocol import VmTimeData, adjust_time_data

    adjusted = adjust_time_data(VmTimeData(**g.exported), g.dst_hrtime, g.dst_wallclock_ns)
    return adjusted.data.boot_hrtime


def _boot_parts(g: Givens) -> tuple[int, int]:
    src = g.exported
    uptime = src["hrtime"] - src["boot_hrtime"]
    delta = g.dst_wallclock_ns - (src["hres_sec"] * tm.NS_PER_S + src["hres_ns"])
    return uptime, delta


numeric_exercise(
    "06.1",
    "new_boot_hrtime",
    "boot_hrtime on the destination",
    NOTEBOOKS["06a"],
    givens=NEW_BOOT_HRTIME,
    what="boot_hrtime in ns (signed)",
    expected=new_boot_hrtime,
    explain=lambda g, r: (
        f"{r:,} ns: dst_hrtime - (guest uptime + migrate delta). Negative, because the guest "
        "has been up longer than the destination host."
    ),
    where=ADJUST,
    mistakes=lambda g: [
        (
            g.dst_hrtime - _boot_parts(g)[0],
            f"You forgot the migrate delta (the blackout). See {ADJUST}.",
        ),
        (g.exported["boot_hrtime"], "boot_hrtime counts the destination's hrtime: re-base it."),
        (-new_boot_hrtime(g), "Wrong sign: the guest has been up longer than the destination."),
        (
            g.dst_hrtime - _boot_parts(g)[0] + _boot_parts(g)[1],
            "You added the migrate delta; subtract it too: the guest was up during the blackout.",
        ),
    ],
    hints=(
        "boot_hrtime is the destination's hrtime at the moment the guest booted: go back from "
        "dst_hrtime by how long the guest has existed.",
        "The guest has existed for its uptime on the source plus the blackout (the migrate "
        "delta of the wall clocks).",
    ),
)

NAIVE_JUMP = Givens(
    "06.2",
    host_a_hz=3_000_000_000,
    host_a_tsc_at_zero=100_000_000_000,
    host_b_hz=2_500_000_000,
    host_b_tsc_at_zero=20_000_000_000,
    pause_ns=100 * tm.NS_PER_S,
    blackout_ns=tm.NS_PER_S,
)


def naive_jump(g: Givens = NAIVE_JUMP) -> int:
    """Guest TSC at resume minus at pause under the naive strategy (exercise 06.2)."""
    from tscmath.migration.hosts import Host
    from tscmath.migration.strategies import Strategy, migrate
    from tscmath.migration.vm import boot_guest

    a = Host("A", g.host_a_hz, tsc_at_zero=g.host_a_tsc_at_zero)
    b = Host("B", g.host_b_hz, tsc_at_zero=g.host_b_tsc_at_zero)
    out = migrate(boot_guest(a, 0, g.host_a_hz), b, g.pause_ns, g.blackout_ns, Strategy.NAIVE)
    return tm.to_signed((out.guest_tsc_at_resume - out.guest_tsc_at_pause) % U64_RANGE)


numeric_exercise(
    "06.2",
    "naive_jump",
    "How far the naive strategy jumps",
    NOTEBOOKS["06b"],
    givens=NAIVE_JUMP,
    what="the jump in guest ticks (signed)",
    expected=naive_jump,
    explain=lambda g, r: (
        f"{r:,} ticks: backwards. The copied offset was computed against A's TSC; B's TSC "
        "reads far less, so the guest's TSC goes back."
    ),
    where=STRATEGIES,
    mistakes=lambda g: [
        (
            tm.ns_to_ticks(g.blackout_ns, g.host_a_hz),
            "That is what the full protocol gives (the blackout in guest ticks); the naive "
            f"strategy copies the old offset and multiplier instead. See {STRATEGIES}.",
        ),
        (0, "That is 'ignore the blackout'; the naive copy does not re-anchor at all."),
        (-naive_jump(g), "Wrong sign: B's TSC reads less than A's did, so the guest goes back."),
    ],
    hints=(
        "The naive strategy keeps A's offset and multiplier; only the host TSC under them changes.",
        "At the pause the guest reads A's TSC plus offset_A; at the resume B's TSC plus the "
        "same offset_A.",
    ),
)

# --------------------------------------------------------------------------------------------
# 07 Playground
PLAYGROUND = see("07", "Things to try")
CLAMP = see("06a", "5. Wall-clock sync and the negative-delta clamp")

PLAYGROUND_RUN = Givens(
    "07.1",
    guest_hz=3_000_000_000,
    a_hz=3_000_000_000,
    b_hz=2_500_000_000,
    b_skew_ns=40 * NS_PER_MS,
    pause_ns=10 * tm.NS_PER_S,
    blackout_ns=1_500 * NS_PER_MS,
    at_ns=60 * tm.NS_PER_S,
)


def playground_error_ns(strategy: str, g: Givens = PLAYGROUND_RUN) -> int:
    """The guest's error (ns) at 60 s after one A -> B migration, by the model."""
    from tscmath.migration.hosts import Host
    from tscmath.migration.strategies import migrate
    from tscmath.migration.vm import boot_guest

    a = Host("A", g.a_hz)
    b = Host("B", g.b_hz, tsc_at_zero=10**12, wall_skew_ns=g.b_skew_ns)
    vm = boot_guest(a, 0, g.guest_hz)
    out = migrate(vm, b, g.pause_ns, g.blackout_ns, strategy)
    return out.vm.error_ns_at(g.at_ns)


def _ms(ns: int) -> int:
    return half_up(Fraction(ns, NS_PER_MS))


numeric_exercise(
    "07.1",
    "playground_skew",
    "Full protocol with a skewed wall clock",
    NOTEBOOKS["07"],
    givens=PLAYGROUND_RUN,
    what="the error in whole milliseconds",
    tolerance=1,
    expected=lambda g: _ms(playground_error_ns("full protocol", g)),
    explain=lambda g, r: (
        f"About {r} ms ahead: the blackout is measured with B's wall clock minus A's, so B's "
        "+40 ms skew is added to the guest's clock (a tick of truncation aside)."
    ),
    where=CLAMP,
    mistakes=lambda g: [
        (
            0,
            "The protocol cannot see the skew: it measures the blackout with both wall clocks. "
            f"See {CLAMP}.",
        ),
        (
            -_ms(g.b_skew_ns),
            "Wrong sign: B's wall clock is ahead, so the measured blackout is too long.",
        ),
        (
            -_ms(g.blackout_ns),
            "That is 'ignore the blackout'; the full protocol adds the measured blackout.",
        ),
        (
            _ms(g.blackout_ns + g.b_skew_ns),
            "The blackout itself is added back: only the skew remains as an error.",
        ),
    ],
    hints=(
        "The full protocol measures the blackout as B's wall clock at the resume minus A's at "
        "the pause.",
        "The measured blackout is the true blackout plus (B's skew - A's skew); whatever is "
        "too much stays in the guest's clock.",
    ),
)


def _offset_only_loss_ms(g: Givens, running_ns: int) -> int:
    """The error (ms) of a guest running ``running_ns`` on B unscaled, skew left out."""
    return -_ms(running_ns * (g.guest_hz - g.b_hz) // g.guest_hz)


numeric_exercise(
    "07.2",
    "playground_offset_only",
    "Offset only: a 3 GHz guest on a 2.5 GHz host",
    NOTEBOOKS["07"],
    givens=PLAYGROUND_RUN,
    what="the error in whole milliseconds",
    tolerance=2,
    expected=lambda g: _ms(playground_error_ns("offset only", g)),
    explain=lambda g, r: (
        f"About {r:,} ms: the guest runs 48.5 s on B at 2.5/3 of its speed, losing a sixth "
        "of that, and the +40 ms of skew come on top."
    ),
    where=PLAYGROUND,
    mistakes=lambda g: [
        (
            _offset_only_loss_ms(g, g.at_ns),
            "The guest ran on B only after the resume, not the whole minute.",
        ),
        (
            _offset_only_loss_ms(g, g.at_ns - g.pause_ns),
            "During the blackout the guest was paused, not running on B.",
        ),
        (
            _offset_only_loss_ms(g, g.at_ns - g.pause_ns - g.blackout_ns),
            "You forgot B's wall-clock skew, which the protocol adds.",
        ),
        (
            lambda value: value > 0,
            "Wrong sign: at 2.5 GHz the guest's TSC runs slow, so the guest falls behind.",
        ),
    ],
    hints=(
        "Without scaling the guest's TSC ticks at B's 2.5 GHz while the guest counts 3 GHz: "
        "what fraction of each second does it lose?",
        "Count only the time the guest runs on B (from the resume to 60 s), then add what the "
        "skewed wall clocks put on top.",
    ),
)

# --------------------------------------------------------------------------------------------
# 08a Paravirtual clocks: kvmclock
KVMCLOCK_SECTION = see("08a", "1. kvmclock: one page per vCPU, one multiply per read")

KVMCLOCK = Givens(
    "08.1",
    guest_hz=2_500_000_000,
    tsc_timestamp=10_000_000_000,
    system_time=4_000_000_000,
    tsc=17_500_000_000,
)


def kvmclock_ns(g: Givens = KVMCLOCK) -> int:
    """What the kvmclock page gives for exercise 08.1, by :mod:`tscmath.guest_view.pvclock`."""
    from tscmath.guest_view import pvclock

    shift, mul = pvclock.tsc_time_scale(g.guest_hz)
    info = pvclock.PvclockTimeInfo(
        version=2,
        tsc_timestamp=g.tsc_timestamp,
        system_time=g.system_time,
        tsc_to_system_mul=mul,
        tsc_shift=shift,
        flags=pvclock.PVCLOCK_TSC_STABLE_BIT,
    )
    return pvclock.pvclock_read_ns(info, g.tsc)


def _kvmclock_wrong_shift(g: Givens) -> int:
    from tscmath.guest_view import pvclock

    shift, mul = pvclock.tsc_time_scale(g.guest_hz)
    delta = g.tsc - g.tsc_timestamp
    flipped = delta >> shift if shift > 0 else delta << -shift
    return g.system_time + ((flipped * mul) >> 32)


numeric_exercise(
    "08.1",
    "kvmclock_read",
    "Read the kvmclock page by hand",
    NOTEBOOKS["08"],
    givens=KVMCLOCK,
    what="the time in ns",
    expected=kvmclock_ns,
    explain=lambda g, r: (
        f"{r:,} ns: system_time + ((delta shifted by tsc_shift) * mul >> 32). One ns short of "
        "the exact 7 s, because mul is truncated."
    ),
    where=KVMCLOCK_SECTION,
    mistakes=lambda g: [
        (
            g.system_time + (g.tsc - g.tsc_timestamp) * tm.NS_PER_S // g.guest_hz,
            "That is the exact time; the page's 0.32 multiplier is truncated, and so is the "
            f"product >> 32: compute it the way the guest does. See {KVMCLOCK_SECTION}.",
        ),
        (kvmclock_ns(g) - g.system_time, "You forgot to add system_time."),
        (_kvmclock_wrong_shift(g), "Shift the other way: a negative tsc_shift shifts right."),
    ],
    hints=(
        "The guest reads the page: the TSC delta since tsc_timestamp, shifted by tsc_shift, "
        "times tsc_to_system_mul, >> 32, plus system_time.",
        "A negative tsc_shift shifts right; every step is an integer operation that truncates.",
    ),
)
