"""Checkers of the "Exercises" sections at the end of chapters 01-08.

Ids are ``"<chapter>.<n>"`` (``"04.1"``); names say what is asked. Every expected value is
computed from :mod:`tscmath` (the core, or the chapter's model) and every typical wrong
answer from the mistaken formula its message names.

Examples
--------
>>> from tscmath.exercises import check
>>> check.rdtsc_halves(0x2_8000_0000).passed
True
>>> print(check.rdtsc_halves(0x8000_0000_0000_0002).message)
You swapped the halves: EDX holds the high 32 bits, EAX the low 32.
"""

from __future__ import annotations

from fractions import Fraction

import tscmath as tm

from .core import half_up, numeric_exercise

U64 = 1 << 64
NS_PER_MS = 1_000_000


def _nb(chapter: str) -> str:
    return {
        "01": "01-the-time-stamp-counter.ipynb",
        "02": "02-knowing-the-frequency.ipynb",
        "03": "03-offsetting.ipynb",
        "04": "04-scaling.ipynb",
        "05": "05-error-analysis.ipynb",
        "06": "06-live-migration.ipynb",
        "07": "07-playground.ipynb",
        "08": "08-the-guests-view.ipynb",
    }[chapter]


# --------------------------------------------------------------------------------------------
# 01 The time stamp counter
RDTSC_EDX, RDTSC_EAX = 0x0000_0002, 0x8000_0000

numeric_exercise(
    "01.1",
    "rdtsc_halves",
    "Glue RDTSC's halves together",
    _nb("01"),
    what="the TSC value",
    allow_hex=True,
    expected=lambda: (RDTSC_EDX << 32) | RDTSC_EAX,
    explain=lambda r: f"{r:#x} = {r:,}: EDX is the high half, (EDX << 32) | EAX.",
    mistakes=lambda: [
        (
            (RDTSC_EAX << 32) | RDTSC_EDX,
            "You swapped the halves: EDX holds the high 32 bits, EAX the low 32.",
        ),
        (
            RDTSC_EDX + RDTSC_EAX,
            "You added the halves; EDX's bits are worth 2**32 each: shift it left by 32.",
        ),
        ((RDTSC_EDX << 16) | RDTSC_EAX, "Each half is 32 bits wide: shift EDX by 32, not 16."),
    ],
    hint="The TSC is (EDX << 32) | EAX.",
)

ADJ_SINCE_RESET, ADJ_WRITTEN = 4_000_000_000, 1_000_000

numeric_exercise(
    "01.2",
    "tsc_adjust_after_write",
    "What IA32_TSC_ADJUST holds after a write",
    _nb("01"),
    what="TSC_ADJUST as a signed number",
    same_mod_2_64=True,
    expected=lambda: tm.to_signed(tm.to_u64(ADJ_WRITTEN - ADJ_SINCE_RESET)),
    explain=lambda r: (
        f"{r:,}: a write that moves the TSC by X adds X to TSC_ADJUST, and the write moved it "
        f"from {ADJ_SINCE_RESET:,} to {ADJ_WRITTEN:,}."
    ),
    mistakes=lambda: [
        (ADJ_SINCE_RESET - ADJ_WRITTEN, "Wrong sign: the write moved the TSC backwards."),
        (ADJ_WRITTEN, "TSC_ADJUST holds how far the TSC was moved, not the value written."),
        (-ADJ_SINCE_RESET, "The move is new value minus old value: 1,000,000 - 4,000,000,000."),
    ],
    hint="TSC_ADJUST changes by (value written) - (value before the write).",
)

# --------------------------------------------------------------------------------------------
# 02 Knowing the frequency
CPUID15 = {"eax": 3, "ebx": 250, "ecx": 38_400_000}

numeric_exercise(
    "02.1",
    "cpuid_15h",
    "The TSC rate from CPUID leaf 15h",
    _nb("02"),
    what="the TSC frequency in Hz",
    expected=lambda: CPUID15["ecx"] * CPUID15["ebx"] // CPUID15["eax"],
    explain=lambda r: f"{r:,} Hz = ECX * EBX / EAX (crystal times the ratio EBX/EAX).",
    mistakes=lambda: [
        (
            CPUID15["ecx"] * CPUID15["eax"] // CPUID15["ebx"],
            "Ratio upside down: the TSC runs at crystal * EBX / EAX.",
        ),
        (CPUID15["ecx"] * CPUID15["ebx"], "You forgot to divide by EAX."),
        (CPUID15["ecx"], "That is the crystal's frequency; multiply by EBX / EAX."),
    ],
    hint="tsc_hz = ECX * EBX / EAX.",
)

PIT_HZ = 1_193_182
PIT_TSC_TICKS, PIT_TICKS = 35_795_461, 11_932

numeric_exercise(
    "02.2",
    "pit_calibration",
    "A PIT calibration, as illumos computes it",
    _nb("02"),
    what="the estimated TSC frequency in Hz",
    expected=lambda: PIT_HZ * PIT_TSC_TICKS // PIT_TICKS,
    explain=lambda r: f"{r:,} Hz = 1,193,182 * tsc_ticks // pit_ticks: multiply first.",
    mistakes=lambda: [
        (
            PIT_TSC_TICKS // PIT_TICKS * PIT_HZ,
            "You divided before multiplying: tsc_ticks // pit_ticks throws away the fraction, "
            "about a million Hz here. Multiply by 1,193,182 first.",
        ),
        (
            PIT_TICKS * PIT_HZ // PIT_TSC_TICKS,
            "Upside down: TSC ticks per PIT tick, times PIT ticks per second.",
        ),
        (
            14_318_180 * PIT_TSC_TICKS // (12 * PIT_TICKS),
            "The PIT is taken as exactly 1,193,182 Hz (14,318,180 / 12 rounded to a whole Hz).",
        ),
    ],
    hint="tsc_hz = 1_193_182 * tsc_ticks // pit_ticks.",
)

# --------------------------------------------------------------------------------------------
# 03 Offsetting
SNAP_GUEST, RESTORE_HOST = 50_000_000_000, 120_000_000_000

numeric_exercise(
    "03.1",
    "restore_offset",
    "The offset that restores a snapshot",
    _nb("03"),
    what="the offset (u64)",
    allow_hex=True,
    expected=lambda: tm.to_u64(SNAP_GUEST - RESTORE_HOST),
    explain=lambda r: f"{r:#x}, i.e. {tm.to_signed(r):,}: g_saved - h_now, stored mod 2**64.",
    mistakes=lambda: [
        (SNAP_GUEST - RESTORE_HOST, "That is the signed value; the register holds a u64."),
        (RESTORE_HOST - SNAP_GUEST, "Wrong sign: offset = g_saved - h_now."),
        (SNAP_GUEST, "The offset is a difference: g_saved - h_now, mod 2**64."),
    ],
    hint="offset = (g_saved - h_now) mod 2**64.",
)

GAP_NS, GAP_HOST_HZ = 40_000, 2_500_000_000

numeric_exercise(
    "03.2",
    "vcpu_write_gap",
    "Two vCPUs written 40 us apart",
    _nb("03"),
    what="the number of ticks",
    expected=lambda: tm.ns_to_ticks(GAP_NS, GAP_HOST_HZ),
    explain=lambda r: (
        f"{r:,} ticks: each write anchors its vCPU's offset to 0 at its own host TSC, so the "
        "later vCPU stays behind by the 40 us between the writes, for good."
    ),
    mistakes=lambda: [
        (GAP_NS, "That is the gap in nanoseconds; convert it to 2.5 GHz ticks."),
        (-tm.ns_to_ticks(GAP_NS, GAP_HOST_HZ), "The question asks how far behind: positive."),
        (0, "Not zero: the two writes anchor the two offsets 40 us apart."),
        (tm.ns_to_ticks(GAP_NS, 3_000_000_000), "This host runs at 2.5 GHz, not 3 GHz."),
    ],
    hint="The gap is the delay between the writes, in host ticks.",
)

# --------------------------------------------------------------------------------------------
# 04 Scaling
numeric_exercise(
    "04.1",
    "multiplier_for_1_25",
    "The 8.32 multiplier for 1.25x",
    _nb("04"),
    what="the multiplier",
    allow_hex=True,
    expected=lambda: tm.multiplier(5, 4, tm.AMD_SVM),
    explain=lambda r: f"{r:#x}: 1 is bit 32, 0.25 = 2**-2 is bit 30.",
    mistakes=lambda: [
        (
            0x1_2500_0000,
            "1.25 is not 0x1.25: the fraction .25 is 1/4 = 2**-2, bit 30 (0x4000_0000).",
        ),
        (tm.multiplier(5, 4, tm.INTEL_VMX), "That is the Intel 16.48 multiplier; 8.32 has F = 32."),
        (tm.multiplier(4, 5, tm.AMD_SVM), "That is 0.8x: M is guest/host = 1.25."),
    ],
    hint="M = 1.25 * 2**32.",
)

LG_HOST_HZ = 100_000_000


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
    _nb("04"),
    what="the guest frequency in Hz",
    expected=lambda: largest_guest_hz(LG_HOST_HZ, tm.AMD_SVM),
    explain=lambda r: (
        f"{r:,} Hz: M must stay below 2**40, so the ratio below 256; 256x itself needs "
        "M = 2**40, one bit too many."
    ),
    mistakes=lambda: [
        (256 * LG_HOST_HZ, "Exactly 256x gives M = 2**40, which needs 41 bits: one Hz less."),
        (
            255 * LG_HOST_HZ,
            "8 integer bits reach 255, but the fraction bits go on: ratios up to 255.999... fit.",
        ),
        (15 * LG_HOST_HZ - 1, "That is bhyve's limit; the question asks for the 8.32 format's."),
        (largest_guest_hz(LG_HOST_HZ, tm.INTEL_VMX), "That is the Intel 16.48 limit."),
    ],
    hint="Find the largest g with floor(2**32 * g / host_hz) <= 2**40 - 1.",
)

# --------------------------------------------------------------------------------------------
# 05 Error analysis
KVM_HOST_KHZ, KVM_USER_KHZ, KVM_PPM = 3_000_000, 2_999_300, 250


def kvm_seconds_per_day_fast() -> Fraction:
    """Seconds per day the guest of 05.1 runs fast (0 if KVM would scale)."""
    if abs(KVM_USER_KHZ - KVM_HOST_KHZ) * 10**6 > KVM_PPM * KVM_HOST_KHZ:
        return Fraction(0)  # KVM scales
    return Fraction(KVM_HOST_KHZ - KVM_USER_KHZ, KVM_USER_KHZ) * 86_400


numeric_exercise(
    "05.1",
    "kvm_tolerance",
    "Inside KVM's 250 ppm window",
    _nb("05"),
    what="seconds per day",
    tolerance=Fraction(1, 100),
    expected=kvm_seconds_per_day_fast,
    explain=lambda r: (
        f"About {float(r):.2f} s/day fast: 700 kHz is about 233 ppm, inside KVM's 250 ppm, so "
        "KVM does not scale and the guest's TSC ticks at the host's rate."
    ),
    mistakes=lambda: [
        (0, "KVM does not scale inside +-250 ppm: the guest's TSC runs at the host's rate."),
        (Fraction(KVM_PPM, 10**6) * 86_400, "That is the worst case of the window, 250 ppm."),
        (-kvm_seconds_per_day_fast(), "Wrong sign: the host is faster than asked, so fast."),
    ],
    hint="Ratio (host_khz - asked_khz) / asked_khz, times 86,400 s.",
)

BH_HOST_HZ = 2_500_000_000


def bhyve_largest_guest_hz(host_hz: int) -> int:
    """The largest guest frequency bhyve accepts on ``host_hz`` (below 15x)."""
    from tscmath.migration.hosts import Host
    from tscmath.migration.vm import BHYVE_MAX_RATIO, check_guest_frequency

    largest = BHYVE_MAX_RATIO * host_hz - 1
    check_guest_frequency(largest, Host("host", host_hz))  # accepted (raises otherwise)
    return largest


numeric_exercise(
    "05.2",
    "bhyve_largest",
    "The fastest guest bhyve accepts",
    _nb("05"),
    what="the guest frequency in Hz",
    expected=lambda: bhyve_largest_guest_hz(BH_HOST_HZ),
    explain=lambda r: f"{r:,} Hz: bhyve refuses a guest at 15 times the host's rate or more.",
    mistakes=lambda: [
        (15 * BH_HOST_HZ, "15x itself is refused: bhyve wants guest_hz < 15 * host_hz."),
        (
            largest_guest_hz(BH_HOST_HZ, tm.AMD_SVM),
            "That is the 8.32 format's own limit; bhyve's is much stricter.",
        ),
        (500_000_000, "That is bhyve's smallest guest frequency; the question asks the largest."),
    ],
    hint="bhyve accepts 500 MHz <= guest_hz < 15 * host_hz.",
)

# --------------------------------------------------------------------------------------------
# 06 Live migration
BOOT_SRC = {
    "guest_freq": 1_500_000_000,
    "guest_tsc": 450_000_000_000,
    "hrtime": 500_000_000_000,
    "hres_sec": 1_700_000_000,
    "hres_ns": 0,
    "boot_hrtime": 200_000_000_000,
}
BOOT_DST_HRTIME = 30_000_000_000
BOOT_DST_WALL_NS = 1_700_000_002 * tm.NS_PER_S + 500_000_000


def new_boot_hrtime() -> int:
    """``boot_hrtime`` after propolis's adjustment (exercise 06.1), by the migration model."""
    from tscmath.migration.protocol import VmTimeData, adjust_time_data

    adjusted = adjust_time_data(VmTimeData(**BOOT_SRC), BOOT_DST_HRTIME, BOOT_DST_WALL_NS)
    return adjusted.data.boot_hrtime


def _boot_parts() -> tuple[int, int]:
    uptime = BOOT_SRC["hrtime"] - BOOT_SRC["boot_hrtime"]
    delta = BOOT_DST_WALL_NS - (BOOT_SRC["hres_sec"] * tm.NS_PER_S + BOOT_SRC["hres_ns"])
    return uptime, delta


numeric_exercise(
    "06.1",
    "new_boot_hrtime",
    "boot_hrtime on the destination",
    _nb("06"),
    what="boot_hrtime in ns (signed)",
    expected=new_boot_hrtime,
    explain=lambda r: (
        f"{r:,} ns: dst_hrtime - (guest uptime + migrate delta). Negative, because the guest "
        "has been up longer than the destination host."
    ),
    mistakes=lambda: [
        (BOOT_DST_HRTIME - _boot_parts()[0], "You forgot the migrate delta (the blackout)."),
        (BOOT_SRC["boot_hrtime"], "boot_hrtime counts the destination's hrtime: re-base it."),
        (-new_boot_hrtime(), "Wrong sign: dst_hrtime - (uptime + delta) is negative here."),
        (
            BOOT_DST_HRTIME - sum(_boot_parts()) + 2 * _boot_parts()[1],
            "You added the migrate delta; subtract it too: the guest was up during the blackout.",
        ),
    ],
    hint="new boot_hrtime = dst_hrtime - (src.hrtime - src.boot_hrtime + migrate_delta).",
)

NAIVE_A = {"tsc_hz": 3_000_000_000, "tsc_at_zero": 100_000_000_000}
NAIVE_B = {"tsc_hz": 2_500_000_000, "tsc_at_zero": 20_000_000_000}
NAIVE_PAUSE_NS, NAIVE_BLACKOUT_NS = 100 * tm.NS_PER_S, tm.NS_PER_S


def naive_jump() -> int:
    """Guest TSC at resume minus at pause under the naive strategy (exercise 06.2)."""
    from tscmath.migration.hosts import Host
    from tscmath.migration.strategies import Strategy, migrate
    from tscmath.migration.vm import boot_guest

    a, b = Host("A", **NAIVE_A), Host("B", **NAIVE_B)
    out = migrate(
        boot_guest(a, 0, NAIVE_A["tsc_hz"]), b, NAIVE_PAUSE_NS, NAIVE_BLACKOUT_NS, Strategy.NAIVE
    )
    return tm.to_signed((out.guest_tsc_at_resume - out.guest_tsc_at_pause) % U64)


numeric_exercise(
    "06.2",
    "naive_jump",
    "How far the naive strategy jumps",
    _nb("06"),
    what="the jump in guest ticks (signed)",
    expected=naive_jump,
    explain=lambda r: (
        f"{r:,} ticks: backwards. The copied offset was computed against A's TSC; B's TSC "
        "reads far less, so the guest's TSC goes back."
    ),
    mistakes=lambda: [
        (
            tm.ns_to_ticks(NAIVE_BLACKOUT_NS, NAIVE_A["tsc_hz"]),
            "That is what the full protocol gives (the blackout in guest ticks); the naive "
            "strategy copies the old offset and multiplier instead.",
        ),
        (0, "That is 'ignore the blackout'; the naive copy does not re-anchor at all."),
        (-naive_jump(), "Wrong sign: B's TSC reads less than A's did, so the guest goes back."),
    ],
    hint="At the resume the guest reads scale(B's TSC, M_A) + offset_A.",
)

# --------------------------------------------------------------------------------------------
# 07 Playground
PG = {
    "guest_hz": 3_000_000_000,
    "a_hz": 3_000_000_000,
    "b_hz": 2_500_000_000,
    "b_skew_ns": 40 * NS_PER_MS,
    "pause_ns": 10 * tm.NS_PER_S,
    "blackout_ns": 1_500 * NS_PER_MS,
    "at_ns": 60 * tm.NS_PER_S,
}


def playground_error_ns(strategy: str, b_skew_ns: int = PG["b_skew_ns"]) -> int:
    """The guest's error (ns) at 60 s after one A -> B migration, by the model."""
    from tscmath.migration.hosts import Host
    from tscmath.migration.strategies import migrate
    from tscmath.migration.vm import boot_guest

    a = Host("A", PG["a_hz"])
    b = Host("B", PG["b_hz"], tsc_at_zero=10**12, wall_skew_ns=b_skew_ns)
    vm = boot_guest(a, 0, PG["guest_hz"])
    out = migrate(vm, b, PG["pause_ns"], PG["blackout_ns"], strategy)
    return out.vm.error_ns_at(PG["at_ns"])


def _ms(ns: int) -> int:
    return half_up(Fraction(ns, NS_PER_MS))


numeric_exercise(
    "07.1",
    "playground_skew",
    "Full protocol with a skewed wall clock",
    _nb("07"),
    what="the error in whole milliseconds",
    tolerance=1,
    expected=lambda: _ms(playground_error_ns("full protocol")),
    explain=lambda r: (
        f"About {r} ms ahead: the blackout is measured with B's wall clock minus A's, so B's "
        "+40 ms skew is added to the guest's clock (a tick of truncation aside)."
    ),
    mistakes=lambda: [
        (0, "The protocol cannot see the skew: it measures the blackout with both wall clocks."),
        (-40, "Wrong sign: B's wall clock is ahead, so the measured blackout is too long."),
        (-1500, "That is 'ignore the blackout'; the full protocol adds the measured blackout."),
        (1540, "The blackout itself is added back: only the skew remains as an error."),
    ],
    hint="The measured blackout is true blackout + (B's skew - A's skew).",
)

numeric_exercise(
    "07.2",
    "playground_offset_only",
    "Offset only: a 3 GHz guest on a 2.5 GHz host",
    _nb("07"),
    what="the error in whole milliseconds",
    tolerance=2,
    expected=lambda: _ms(playground_error_ns("offset only")),
    explain=lambda r: (
        f"About {r:,} ms: the guest runs 48.5 s on B at 2.5/3 of its speed, losing a sixth "
        "of that, and the +40 ms of skew come on top."
    ),
    mistakes=lambda: [
        (-10_000, "The guest ran on B only after the resume, 48.5 s, not the whole minute."),
        (-8_333, "During the 1.5 s blackout the guest was paused, not running on B: 48.5 s."),
        (-8_083, "You forgot B's +40 ms wall-clock skew, which the protocol adds."),
        (8_043, "Wrong sign: at 2.5 GHz the guest's TSC runs slow, so the guest falls behind."),
    ],
    hint="Running time on B times (1 - 2.5/3), plus the skew the protocol adds.",
)

# --------------------------------------------------------------------------------------------
# 08 The guest's view
KVMCLOCK = {
    "guest_hz": 2_500_000_000,
    "tsc_timestamp": 10_000_000_000,
    "system_time": 4_000_000_000,
    "tsc": 17_500_000_000,
}


def kvmclock_ns() -> int:
    """What the kvmclock page gives for exercise 08.1, by :mod:`tscmath.guest_view.pvclock`."""
    from tscmath.guest_view import pvclock

    shift, mul = pvclock.tsc_time_scale(KVMCLOCK["guest_hz"])
    info = pvclock.PvclockTimeInfo(
        version=2,
        tsc_timestamp=KVMCLOCK["tsc_timestamp"],
        system_time=KVMCLOCK["system_time"],
        tsc_to_system_mul=mul,
        tsc_shift=shift,
        flags=pvclock.PVCLOCK_TSC_STABLE_BIT,
    )
    return pvclock.pvclock_read_ns(info, KVMCLOCK["tsc"])


def _kvmclock_wrong_shift() -> int:
    from tscmath.guest_view import pvclock

    shift, mul = pvclock.tsc_time_scale(KVMCLOCK["guest_hz"])
    delta = KVMCLOCK["tsc"] - KVMCLOCK["tsc_timestamp"]
    flipped = delta >> shift if shift > 0 else delta << -shift
    return KVMCLOCK["system_time"] + ((flipped * mul) >> 32)


numeric_exercise(
    "08.1",
    "kvmclock_read",
    "Read the kvmclock page by hand",
    _nb("08"),
    what="the time in ns",
    expected=kvmclock_ns,
    explain=lambda r: (
        f"{r:,} ns: system_time + ((delta shifted by tsc_shift) * mul >> 32). One ns short of "
        "the exact 7 s, because mul is truncated."
    ),
    mistakes=lambda: [
        (
            KVMCLOCK["system_time"] + 3 * tm.NS_PER_S,
            "That is the exact time; the page's 0.32 multiplier is truncated, and so is the "
            "product >> 32: compute it the way the guest does.",
        ),
        (kvmclock_ns() - KVMCLOCK["system_time"], "You forgot to add system_time."),
        (_kvmclock_wrong_shift(), "Shift the other way: a negative tsc_shift shifts right."),
    ],
    hint="ns = system_time + (((tsc - tsc_timestamp) shifted by tsc_shift) * mul) >> 32.",
)
