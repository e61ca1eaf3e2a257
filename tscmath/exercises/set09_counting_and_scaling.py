"""Checkers of notebook 09, "Exercises: counting and scaling" (topics of chapters 01-05).

Every expected value is computed here from :mod:`tscmath`; every typical wrong answer is
computed from the mistaken formula it comes from, so the feedback can say why.

Examples
--------
>>> from tscmath.exercises import check
>>> check.ns_from_ticks(2_999_999_999).passed
True
>>> print(check.ns_from_ticks(2_000_000_000).message)  # doctest: +ELLIPSIS
You divided before multiplying...
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import tscmath as tm

from .coding import Reg64, first_failure
from .core import Refused, close, half_up, read_int, read_number, register, same_int

NOTEBOOK = "09-exercises-counting-and-scaling.ipynb"
SECONDS_PER_DAY = 86_400

# ---------------------------------------------------------------------------------------------
# 09.1  ticks -> nanoseconds by hand
NS_TICKS = 7_499_999_999
NS_HZ = 2_500_000_000


@register("09.1", "ns_from_ticks", "Ticks to nanoseconds by hand", NOTEBOOK)
def ns_from_ticks(answer: Any) -> tuple[bool, str]:
    """Whole nanoseconds elapsed for ``NS_TICKS`` ticks of a ``NS_HZ`` TSC."""
    value = read_int(answer, "the number of nanoseconds")
    right = tm.ticks_to_ns(NS_TICKS, NS_HZ)
    if value == right:
        return True, (
            f"{right} ns: multiply first (ticks * 10**9), then floor-divide by the frequency."
        )
    exact = Fraction(NS_TICKS * tm.NS_PER_S, NS_HZ)
    wrong = same_int(
        value,
        [
            (
                NS_TICKS // NS_HZ * tm.NS_PER_S,
                "You divided before multiplying (ticks // hz * 10**9): that drops every "
                "sub-second tick and can lose up to one second. Multiply first.",
            ),
            *[
                (
                    rounded,
                    "You rounded; clocks truncate (floor), so a reading never runs ahead of time.",
                )
                for rounded in (round(exact), half_up(exact))
            ],
            (
                NS_TICKS // NS_HZ,
                "That is whole seconds; the question asks for nanoseconds.",
            ),
        ],
    )
    return False, wrong or "Not right: ns = floor(ticks * 10**9 / hz)."


# ---------------------------------------------------------------------------------------------
# 09.2  a multiplier by hand;  09.3  how slow the guest runs
MB_GUEST_HZ = 2_000_000_000
MB_HOST_HZ = 2_500_000_000
MB_FMT = tm.AMD_SVM


@register("09.2", "multiplier_by_hand", "An AMD 8.32 multiplier by hand", NOTEBOOK)
def multiplier_by_hand(answer: Any) -> tuple[bool, str]:
    """The 8.32 multiplier for a 2.0 GHz guest on a 2.5 GHz host (int or hex string)."""
    right = tm.multiplier(MB_GUEST_HZ, MB_HOST_HZ, MB_FMT)
    if isinstance(answer, float) and int(answer) == right and answer != right:
        return False, (
            f"{answer!r} is not an integer: the register holds floor(2**32 * guest/host) "
            "= truncate it."
        )
    value = read_int(answer, "the multiplier", allow_hex=True)
    if value == right:
        return True, (
            f"{right:#x} = floor(2**32 * 2.0/2.5). 0.8 has no finite binary expansion, so the "
            "multiplier is truncated and the guest runs a little slow."
        )
    exact = Fraction(MB_GUEST_HZ << MB_FMT.frac_bits, MB_HOST_HZ)
    wrong = same_int(
        value,
        [
            *[
                (
                    rounded,
                    "You rounded up; the hardware recipe (bhyve, KVM, tsc-simulator) truncates.",
                )
                for rounded in (round(exact), half_up(exact))
            ],
            (
                (MB_HOST_HZ << MB_FMT.frac_bits) // MB_GUEST_HZ,
                "You divided host by guest; M means guest_hz / host_hz.",
            ),
            (
                tm.multiplier(MB_GUEST_HZ, MB_HOST_HZ, tm.INTEL_VMX),
                "That is the Intel 16.48 multiplier (2**48); AMD SVM uses 32 fraction bits.",
            ),
            (MB_FMT.one, "That is ratio 1.0 (no scaling); the guest must run at 0.8x."),
        ],
    )
    return False, wrong or "Not right: M = floor(2**32 * guest_hz / host_hz)."


@register("09.3", "guest_slowdown", "How slow the scaled guest runs", NOTEBOOK)
def guest_slowdown(answer: Any) -> tuple[bool, str]:
    """Ticks per second the guest of 09.2 loses (a number, 3 significant digits)."""
    value = read_number(answer, "the ticks lost per second")
    right = tm.drift_ticks_per_second(MB_GUEST_HZ, MB_HOST_HZ, MB_FMT)
    if close(value, right):
        return True, (
            f"About {float(right):.4g} ticks/s: host_hz * M / 2**32 falls short of guest_hz "
            "because M was truncated."
        )
    bound = Fraction(MB_HOST_HZ, MB_FMT.one)
    if value == 0:
        return False, (
            "Not zero: 0.8 has no finite binary expansion, so M is truncated and the guest "
            "runs slow. Compute guest_hz - host_hz * M / 2**32."
        )
    if close(value, -right):
        return False, "Wrong sign: truncation makes the guest slow, never fast."
    if close(value, bound):
        return False, (
            "That is the upper bound host_hz / 2**32; the actual loss is smaller. Compute "
            "guest_hz - host_hz * M / 2**32 for this M."
        )
    if close(value, right / MB_GUEST_HZ) or close(value, right / MB_GUEST_HZ * 10**6):
        return False, "That is a relative rate; the question asks for ticks per second."
    return False, "Not right: ticks lost per second = guest_hz - host_hz * M / 2**32."


# ---------------------------------------------------------------------------------------------
# 09.4  the offset at guest boot
BO_GUEST_HZ = 2_000_000_000
BO_HOST_HZ = 3_000_000_000
BO_HOST_TSC = 6_000_000_000
BO_FMT = tm.AMD_SVM


@register("09.4", "boot_offset", "The offset that starts a guest at 0", NOTEBOOK)
def boot_offset(answer: Any) -> tuple[bool, str]:
    """The u64 offset so that a 2 GHz guest on a 3 GHz host reads 0 at host TSC 6e9."""
    value = read_int(answer, "the offset", allow_hex=True)
    mult = tm.multiplier(BO_GUEST_HZ, BO_HOST_HZ, BO_FMT)
    right = tm.offset_for(BO_HOST_TSC, 0, mult, BO_FMT)
    if value == right:
        return True, (
            f"{right:#x}, i.e. -{tm.scale(BO_HOST_TSC, mult, BO_FMT)} guest ticks stored as u64: "
            "the offset is minus the scaled host TSC at boot."
        )
    scaled = tm.scale(BO_HOST_TSC, mult, BO_FMT)
    exact_scaled = BO_HOST_TSC * BO_GUEST_HZ // BO_HOST_HZ
    wrong = same_int(
        value,
        [
            (
                -scaled,
                "That is the signed value; the register holds a u64, so store it mod 2**64 "
                "(tm.to_u64, or add 2**64).",
            ),
            (
                tm.to_u64(-BO_HOST_TSC),
                "That offset is in host ticks; the offset is added after scaling, so it is in "
                "guest ticks: -scale(host_tsc, M).",
            ),
            (
                -BO_HOST_TSC,
                "That offset is in host ticks (and signed); the offset is added after scaling, "
                "so it is in guest ticks, and the register holds a u64.",
            ),
            (
                tm.to_u64(-exact_scaled),
                "You scaled with the exact ratio 2/3; the hardware scales with the truncated "
                "multiplier, so scale(6e9, M) is one tick less than 4e9.",
            ),
            (scaled, "Wrong sign: the guest must read 0 = scale(h0, M) + offset."),
        ],
    )
    return False, wrong or "Not right: offset = (0 - scale(host_tsc_at_boot, M)) mod 2**64."


# ---------------------------------------------------------------------------------------------
# 09.5  days until 1 ms of drift
DD_GUEST_HZ = 2_994_374_000
DD_HOST_HZ = 3_000_000_000
DD_FMT = tm.AMD_SVM
DD_TOLERANCE_DAYS = Fraction(1, 100)


def drift_days_exact(guest_hz: int, host_hz: int, fmt: tm.FixedPointFormat) -> Fraction:
    """Days until a guest scaled with ``fmt`` has fallen 1 ms behind (exact)."""
    lost_per_s = tm.drift_ticks_per_second(guest_hz, host_hz, fmt)
    ticks_per_ms = Fraction(guest_hz, 1000)
    return ticks_per_ms / lost_per_s / SECONDS_PER_DAY


@register("09.5", "drift_days", "Days until the guest is 1 ms behind", NOTEBOOK)
def drift_days(answer: Any) -> tuple[bool, str]:
    """Days (to 2 decimals) until the 8.32-scaled guest has lost 1 ms."""
    value = read_number(answer, "the number of days")
    right = drift_days_exact(DD_GUEST_HZ, DD_HOST_HZ, DD_FMT)
    if abs(value - right) <= DD_TOLERANCE_DAYS:
        return True, (
            f"About {float(right):.2f} days: 1 ms is guest_hz/1000 guest ticks, lost at "
            f"{float(tm.drift_ticks_per_second(DD_GUEST_HZ, DD_HOST_HZ, DD_FMT)):.3f} ticks/s."
        )
    lost = tm.drift_ticks_per_second(DD_GUEST_HZ, DD_HOST_HZ, DD_FMT)
    candidates = [
        (
            Fraction(DD_GUEST_HZ, 1000) / Fraction(DD_HOST_HZ, DD_FMT.one) / SECONDS_PER_DAY,
            "You used the worst-case bound host_hz / 2**32; compute the actual loss for this "
            "multiplier (tm.drift_ticks_per_second).",
        ),
        (
            Fraction(10**6) / lost / SECONDS_PER_DAY,
            "You treated lost ticks as nanoseconds; a guest tick lasts 1/guest_hz seconds, so "
            "1 ms is guest_hz / 1000 ticks.",
        ),
        (
            Fraction(DD_HOST_HZ, 1000) / lost / SECONDS_PER_DAY,
            "A lost guest tick lasts 1/guest_hz seconds, not 1/host_hz: 1 ms is guest_hz/1000 "
            "guest ticks.",
        ),
        (
            drift_days_exact(DD_GUEST_HZ, DD_HOST_HZ, tm.INTEL_VMX),
            "That is the Intel 16.48 answer; the question is about AMD 8.32.",
        ),
        (right * SECONDS_PER_DAY, "That is in seconds; the question asks for days."),
        (right * 24, "That is in hours; the question asks for days."),
    ]
    for wrong, message in candidates:
        if close(value, wrong, rel=2e-3):
            return False, message
    return False, "Not right: days = (guest_hz / 1000) / (ticks lost per second) / 86400."


# ---------------------------------------------------------------------------------------------
# 09.6  code: ticks_to_ns
def _u64_cases(seed: int, count: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(1 << rng.randrange(1, 65)) for _ in range(count)]


def ticks_to_ns_cases() -> list[tuple[int, int]]:
    """Hidden cases of 09.6: edge values first, then seeded random ones."""
    hzs = [1, 1_000_000_000, 2_994_374_000, 3_000_000_000, 33_333_333]
    cases = [
        (0, 3_000_000_000),
        (1, 3_000_000_000),
        (5_999_999_999, 3_000_000_000),
        (2**64 - 1, 3_000_000_000),
        (2**64 - 1, 1),
        (2**53 + 1, 1_000_000_000),
    ]
    rng = random.Random(9_6)
    cases += [(t, rng.choice(hzs)) for t in _u64_cases(96, 40)]
    return cases


@register("09.6", "code_ticks_to_ns", "Code: exact ticks to nanoseconds", NOTEBOOK)
def code_ticks_to_ns(func: Any) -> tuple[bool, str]:
    """Run the student's ``ticks_to_ns(ticks, hz)`` on hidden cases."""

    def diagnose(case: tuple[int, int], got: Any) -> str | None:
        ticks, hz = case
        if got == ticks // hz * tm.NS_PER_S:
            return "You divided before multiplying: that drops up to one second."
        exact = Fraction(ticks * tm.NS_PER_S, hz)
        if got in (round(exact), half_up(exact)):
            return "You rounded; floor instead (//)."
        if got == int(ticks * 1e9 / hz):
            return "Floats hold only 53 bits: compute ticks * 10**9 // hz in integers."
        return None

    return first_failure(
        func, ticks_to_ns_cases(), tm.ticks_to_ns, name="ticks_to_ns", diagnose=diagnose
    )


# ---------------------------------------------------------------------------------------------
# 09.7  code: a multiplier with range checks
def multiplier_cases() -> list[tuple[int, int, int, int]]:
    """Hidden cases of 09.7 as (guest_hz, host_hz, int_bits, frac_bits)."""
    cases = [
        (2000, 3000, 8, 32),
        (2000, 3000, 16, 48),
        (3000, 2000, 8, 32),
        (1, 1, 8, 32),
        (255 * 1000 + 999, 1000, 8, 32),  # just below 256x: largest ratio that fits
        (256 * 1000, 1000, 8, 32),  # exactly 256x: M = 2**40 does not fit
        (1, 2**33, 8, 32),  # M = 0 does not fit
        (1, 2**32, 8, 32),  # M = 1, the smallest
        (65_535, 1, 16, 48),
        (65_536, 1, 16, 48),
        (2_994_374_000, 3_000_000_000, 16, 48),
        (3_000_000_001, 2_999_999_999, 16, 48),
    ]
    rng = random.Random(97)
    for _ in range(30):
        int_bits, frac_bits = rng.choice([(8, 32), (16, 48)])
        cases.append(
            (rng.randrange(10**6, 5 * 10**9), rng.randrange(10**6, 5 * 10**9), int_bits, frac_bits)
        )
    return cases


def _expected_multiplier(guest_hz: int, host_hz: int, int_bits: int, frac_bits: int) -> Any:
    fmt = tm.FixedPointFormat(int_bits, frac_bits, f"{int_bits}.{frac_bits}")
    try:
        return tm.multiplier(guest_hz, host_hz, fmt)
    except tm.RatioOutOfRange:
        return ValueError


@register("09.7", "code_multiplier", "Code: a multiplier with range checks", NOTEBOOK)
def code_multiplier(func: Any) -> tuple[bool, str]:
    """Run the student's ``multiplier(guest_hz, host_hz, int_bits, frac_bits)``."""

    def diagnose(case: tuple[int, int, int, int], got: Any) -> str | None:
        guest_hz, host_hz, int_bits, frac_bits = case
        exact = Fraction(guest_hz << frac_bits, host_hz)
        if _expected_multiplier(*case) is ValueError:
            return (
                f"M = {int(exact)} does not fit in {int_bits}.{frac_bits} (valid: 1 .. "
                f"2**{int_bits + frac_bits} - 1): check the range before returning."
            )
        if got in (round(exact), half_up(exact)):
            return "You rounded; truncate (floor) as the hardware recipe does."
        if isinstance(got, int) and got == int(float(exact)):
            return "Floats lost bits: compute (guest_hz << frac_bits) // host_hz in integers."
        return None

    return first_failure(
        func, multiplier_cases(), _expected_multiplier, name="multiplier", diagnose=diagnose
    )


# ---------------------------------------------------------------------------------------------
# 09.8  code: scale with 32-bit limbs, every intermediate below 2**64
def scale_cases() -> list[tuple[int, int, int]]:
    """Hidden cases of 09.8 as (tsc, mult, frac_bits), 8.32 and 16.48 multipliers."""
    cases = [
        (5_890_513_020, 1 << 31, 32),
        (5_890_513_020, (1 << 48) | (1 << 47), 48),
        (2**64 - 1, 1 << 48, 48),
        (2**64 - 1, (1 << 32) | (1 << 31), 32),  # overflows: low 64 bits
        (0, 2**40 - 1, 32),
        (2**64 - 1, 2**40 - 1, 32),
        (2**64 - 1, 2**64 - 1, 48),
        (2**32 - 1, 2**32 - 1, 32),
        (2**32, 2**32, 32),
        (1, 1, 48),
    ]
    rng = random.Random(98)
    for _ in range(60):
        frac_bits = rng.choice([32, 48])
        top = 2**40 if frac_bits == 32 else 2**64
        cases.append((rng.randrange(2**64), rng.randrange(1, top), frac_bits))
    return cases


def _expected_scale(tsc: int, mult: int, frac_bits: int) -> int:
    fmt = tm.FixedPointFormat(64 - frac_bits, frac_bits, f"{64 - frac_bits}.{frac_bits}")
    return tm.scale(tsc, mult, fmt, wrap=True)


@register("09.8", "code_scale_limbs", "Code: scale with 32-bit limbs", NOTEBOOK)
def code_scale_limbs(func: Any) -> tuple[bool, str]:
    """Run the student's ``scale_limbs(tsc, mult, frac_bits)`` with 64-bit-register inputs."""

    def diagnose(case: tuple[int, int, int], got: Any) -> str | None:
        tsc, mult, frac_bits = case
        full = (tsc * mult) >> frac_bits
        if full >> 64 and got == full:
            return "The result does not fit in 64 bits: return its low 64 bits, as hardware does."
        if isinstance(got, int) and got == (full & (2**64 - 1)) >> 1:
            return "Off by a factor of two: check the shift amounts."
        return "Compare your high and low 64-bit halves with (tsc * mult) >> 64 and & (2**64-1)."

    return first_failure(
        func,
        scale_cases(),
        _expected_scale,
        name="scale_limbs",
        diagnose=diagnose,
        wrap_inputs=lambda case: (Reg64(case[0]), Reg64(case[1]), case[2]),
    )


# ---------------------------------------------------------------------------------------------
# 09.9  an error bound with SymPy
def _symbols() -> tuple[Any, Any]:
    import sympy as sp

    return sp.Symbol("host_hz", positive=True), sp.Symbol("F", positive=True, integer=True)


@register("09.9", "error_bound", "Derive the truncation error bound with SymPy", NOTEBOOK)
def error_bound(answer: Any) -> tuple[bool, str]:
    """A SymPy expression in ``host_hz`` and ``F``: the bound on ticks lost per second."""
    import sympy as sp

    host_hz, frac = _symbols()
    if isinstance(answer, (int, float, Fraction)) and not isinstance(answer, bool):
        raise Refused("Give a SymPy expression in host_hz and F, not a number.")
    try:
        expr = sp.sympify(answer)
    except (sp.SympifyError, TypeError, SyntaxError) as exc:
        raise Refused(f"Could not read {answer!r} as a SymPy expression ({exc}).") from None
    names = {s.name: s for s in expr.free_symbols}
    unknown = set(names) - {"host_hz", "F"}
    if unknown:
        if "guest_hz" in unknown:
            raise Refused(
                "The bound does not need guest_hz: M's truncation error is below 1 (in units of "
                "2**-F), and it multiplies host ticks. Use only host_hz and F."
            )
        raise Refused(f"Use only the symbols host_hz and F; found {sorted(unknown)}.")
    expr = expr.subs({names[n]: s for n, s in (("host_hz", host_hz), ("F", frac)) if n in names})
    right = host_hz / 2**frac

    def equal(a: Any, b: Any) -> bool:
        if sp.simplify(a - b) == 0:
            return True
        points = [(3 * 10**9, 32), (2_500_000_000, 48), (7, 5)]
        return all(
            sp.nsimplify(a.subs({host_hz: h, frac: f}) - b.subs({host_hz: h, frac: f})) == 0
            for h, f in points
        )

    if equal(expr, right):
        return True, (
            "host_hz / 2**F: with M = 2**F*g/h - r and 0 <= r < 1, the loss g - h*M/2**F "
            "equals h*r/2**F < h/2**F. For 8.32 at 3 GHz that is about 0.7 ticks/s."
        )
    for wrong, message in [
        (1 / 2**frac, "That bounds the ratio error M/2**F - g/h; multiply by host_hz for ticks/s."),
        (host_hz * 2**frac, "The truncation error is 2**-F, not 2**F: divide."),
        (host_hz / 2 ** (frac + 1), "That is half the bound: truncation is not rounding."),
        (2**frac / host_hz, "Upside down: the bound grows with host_hz and shrinks with F."),
    ]:
        if equal(expr, wrong):
            return False, message
    return False, "Not right: write M = 2**F*g/h - r with 0 <= r < 1, then simplify g - h*M/2**F."
