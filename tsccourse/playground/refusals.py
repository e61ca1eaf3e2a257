"""Why the playground cannot do what the reader asked, said with the controls' words.

The model's messages name its parameters (``guest_hz``) in Hz; the reader set kHz in
controls labelled "Guest TSC (kHz)" and so on (:data:`~tsccourse.playground.settings.LABELS`).
These functions find the step the model refuses and say why with the values the reader
typed: a host that cannot scale, bhyve's limits (500 MHz, 15x), a ratio the format cannot
hold, a blackout too long for the migrations done, or a **Migrate** that cannot happen now.
:func:`wrap_note` says when a guest time shown exactly would not fit a 64-bit counter.

Standard library only (runs in the reader's browser too).

Examples
--------
>>> print(frequency_refusal(Settings(guest_khz=400_000), 0))
On host A (where the guest boots): Guest TSC (kHz) = 400000 is below bhyve's minimum for \
a scaled guest, 500000 kHz (500 MHz), and differs from A TSC (kHz) = 3000000 (EINVAL).
>>> migrate_refusal((), N_SAMPLES - 1, None)
'No time left to migrate: move the time slider back, or press Reset.'
"""

from __future__ import annotations

from fractions import Fraction

from tscmath.errors import InvalidInput, RatioOutOfRange, TscMathError, check_int
from tscmath.limits import BHYVE_MAX_RATIO, BHYVE_MIN_GUEST_HZ

from ._clockface import format_duration_ns
from .model import REL_NS, View, check_frame, run_steps
from .settings import (
    BHYVE_RULES,
    FORMAT_CHOICES,
    FORMAT_LABELS,
    HOST_NAMES,
    LABELS,
    MAX_HOPS,
    N_SAMPLES,
    Scenario,
    Settings,
)

__all__: list[str] = []  # nothing public: used by the apps of this package


def _failing_step(scenario: Scenario, hops: tuple[int, ...]) -> tuple[int, TscMathError] | None:
    """``(k, error)``: the model refuses step ``k`` (0: boot on A; k: the k-th migration).

    Replays the model's steps with one migration more each time (no sampling: cheap).
    ``None`` if every step is accepted.
    """
    for k in range(len(hops) + 1):
        try:
            run_steps(scenario, hops[:k])
        except TscMathError as err:
            return k, err
    return None


def _ms_seconds_text(ns: int) -> str:
    """Exact seconds for a whole number of ms: ``12.5``, ``3.05``, ``7``."""
    whole, rest = divmod(ns // 1_000_000, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".")


def explain_refusal(scenario: Scenario, hops: tuple[int, ...], err: TscMathError) -> str:
    """Why the model refused ``scenario`` with ``hops``, said with the controls' words.

    Anything not recognised falls back to the model's own text.

    Examples
    --------
    >>> from .settings import scenario_from
    >>> s = scenario_from(Settings(guest_khz=20_000_000, a_khz=1_000_000))
    >>> print(explain_refusal(s, (), RatioOutOfRange("guest_hz ...")))
    On host A (where the guest boots): Guest TSC (kHz) = 20000000 is not below 15 × A TSC \
(kHz) = 15 × 1000000 = 15000000 kHz: bhyve refuses a scaled guest at 15 times its host's \
frequency or more (EINVAL).
    """
    found = _failing_step(scenario, hops)
    if found is not None:
        k, step_err = found
        if isinstance(step_err, RatioOutOfRange):
            return frequency_refusal(scenario.settings, k)
        if k >= 2:
            pause_ns = REL_NS[hops[k - 1]]
            resume_ns = REL_NS[hops[k - 2]] + scenario.blackout_ns
            if pause_ns < resume_ns:
                return (
                    f"{LABELS['blackout_ms']} = {scenario.settings.blackout_ms} is too long for "
                    f"the migrations done: the guest would leave for host {HOST_NAMES[k]} at "
                    f"t = {_ms_seconds_text(pause_ns)} s, before it resumes on host "
                    f"{HOST_NAMES[k - 1]} at t = {_ms_seconds_text(resume_ns)} s. "
                    "Shorten the blackout, or press Reset."
                )
    return f"The model refuses these settings: {err}"


def frequency_refusal(settings: Settings, host_index: int) -> str:
    """Why host A, B or C (``host_index`` 0, 1, 2) cannot run the guest's TSC frequency.

    Checked in the model's order (:func:`tscmath.migration.vm.check_guest_frequency`): the host
    cannot scale; bhyve's 500 MHz minimum; bhyve's 15x maximum (neither for the hypothetical
    Intel 16.48 hypervisor, :data:`BHYVE_RULES`); the ratio does not fit the multiplier format.
    Values are the controls' (kHz).

    Examples
    --------
    >>> frequency_refusal(Settings(), 3)
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: host_index must be an integer in [0, 2]; got 3
    """
    host_index = check_int("host_index", host_index, 0, len(HOST_NAMES) - 1)
    name = HOST_NAMES[host_index]
    guest_khz = settings.guest_khz
    host_khz = settings.host_fields(host_index)[0]
    guest, host = LABELS["guest_khz"], LABELS[f"{name.lower()}_khz"]
    where = (
        "On host A (where the guest boots): " if host_index == 0 else f"Migration to host {name}: "
    )
    fmt = FORMAT_CHOICES.get(settings.fmt)
    if fmt is None:
        return (
            f"{where}{guest} = {guest_khz} differs from {host} = {host_khz}, and with "
            f'{LABELS["fmt"]} "{FORMAT_LABELS["none"]}" host {name} cannot scale its TSC: '
            "bhyve refuses (EPERM). Make them equal, or pick a format that scales."
        )
    min_khz = BHYVE_MIN_GUEST_HZ // 1000
    bhyve = BHYVE_RULES[settings.fmt]  # Intel 16.48: a hypothetical hypervisor, no bhyve limits
    if bhyve and guest_khz < min_khz:
        return (
            f"{where}{guest} = {guest_khz} is below bhyve's minimum for a scaled guest, "
            f"{min_khz} kHz ({BHYVE_MIN_GUEST_HZ // 1_000_000} MHz), and differs from "
            f"{host} = {host_khz} (EINVAL)."
        )
    if bhyve and guest_khz >= BHYVE_MAX_RATIO * host_khz:
        return (
            f"{where}{guest} = {guest_khz} is not below {BHYVE_MAX_RATIO} × {host} = "
            f"{BHYVE_MAX_RATIO} × {host_khz} = {BHYVE_MAX_RATIO * host_khz} kHz: bhyve refuses "
            f"a scaled guest at {BHYVE_MAX_RATIO} times its host's frequency or more (EINVAL)."
        )
    mult = (guest_khz << fmt.frac_bits) // host_khz  # kHz or Hz: the same ratio
    largest = Fraction(fmt.max_multiplier, fmt.one)
    return (
        f"{where}{guest} / {host} = {guest_khz} / {host_khz} (about "
        f"{guest_khz / host_khz:.6g}) needs the multiplier {mult:#x}, which "
        f"{FORMAT_LABELS[settings.fmt]} cannot hold: it holds ratios from "
        f"2^-{fmt.frac_bits} to {float(largest):.10g}."
    )


def migrate_refusal(hops: tuple[int, ...], frame: int, view: View | None) -> str:
    """Why **Migrate** at ``frame`` cannot happen now (``""`` when it can).

    Examples
    --------
    >>> migrate_refusal((100, 200), 300, None).startswith("The guest already moved")
    True
    """
    frame = check_frame("frame", frame)
    if len(hops) >= MAX_HOPS:
        return "The guest already moved A → B → C: press Reset to start again."
    if frame >= N_SAMPLES - 1:
        return "No time left to migrate: move the time slider back, or press Reset."
    if hops:
        if view is not None and view.markers:
            resume_rel = view.markers[-1].resume_ns
        else:
            resume_rel = None
        last = hops[-1]
        if frame <= last or (resume_rel is not None and REL_NS[frame] < resume_rel):
            when = (
                ""
                if resume_rel is None
                else f" (it resumes at t = {_ms_seconds_text(resume_rel)} s)"
            )
            return (
                f"The guest is still in (or before) its migration to {HOST_NAMES[len(hops)]}"
                f"{when}: move the time slider later to migrate again."
            )
    return ""


def wrap_note(view: View | None) -> str:
    """A warning when the guest's time since boot exceeds a 64-bit count of ns (``""`` if not).

    The apps show the exact value; a guest kernel keeping nanoseconds in a u64 would have
    wrapped (after about 584 years), so the note says so instead of a silently wrapped number.

    Examples
    --------
    >>> from .settings import scenario_from
    >>> from .model import simulate
    >>> s = Settings(guest_khz=1, a_khz=1, b_khz=20_000_000, b_boot_s=-315_360_000,
    ...              strategy="NAIVE")
    >>> print(wrap_note(simulate(scenario_from(s), (100,))))  # doctest: +ELLIPSIS
    The guest's clock reads up to 73000...d ... since boot: more than a 64-bit count of \
nanoseconds holds (2**64 ns, about 584 years). It is shown exactly here; a guest kernel that \
keeps its time in 64-bit nanoseconds would have wrapped around.
    """
    if view is None or not view.guest_ns_wraps:
        return ""
    if not isinstance(view, View):
        raise InvalidInput(f"view must be a View; got {view!r}")
    return (
        f"The guest's clock reads up to {format_duration_ns(max(view.guest_ns))} since boot: "
        f"more than a 64-bit count of nanoseconds holds (2**64 ns, about 584 years). It is "
        "shown exactly here; a guest kernel that keeps its time in 64-bit nanoseconds would "
        "have wrapped around."
    )
