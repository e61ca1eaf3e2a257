"""The playground's pure layer: settings -> validated scenario -> timeline, clocks, readouts.

No widgets here. :class:`Session` is the playground's state machine (settings, the
migrations done so far, the animation frame and the message to show); the widget layer in
:mod:`tscmath.playground.app` only copies widget values into :class:`Settings`, calls
:class:`Session` and puts the strings it returns into HTML widgets. So everything the app
does can be tested without a browser.

The scenario: a guest boots on host A at true time ``GUEST_BOOT_NS`` (2026-11-27 12:00:00
UTC as ns since the epoch) and is watched for ``WINDOW_NS`` (60 s) in ``N_SAMPLES`` exact
samples, 100 ms apart. Each **Migrate** pauses it at the current frame and moves it to the
next host (A -> B -> C) after the blackout, with the chosen strategy. Hosts booted
``boot_s`` seconds relative to the guest's boot (zero or negative) with their TSC at 0 then.
The model is :mod:`tscmath.migration.timeline` and :mod:`tscmath.migration.strategies`;
every clock value is an exact integer.

Examples
--------
>>> session = Session()
>>> session.message
''
>>> session.set_frame(200)
>>> session.migrate()
>>> session.message, [p.label for p in session.view.programs]
('', ['boot on A', 'A → B'])
>>> session.apply(Settings(fmt="none", b_khz=2_500_000))  # B cannot scale to 3 GHz
>>> print(session.message)
Migration to host B: Guest TSC (kHz) = 3000000 differs from B TSC (kHz) = 2500000, and with \
Format "none (no scaling)" host B cannot scale its TSC: bhyve refuses (EPERM). Make them \
equal, or pick a format that scales.
>>> session.model_message[:30]  # the model's own words, kept for debugging
'guest_hz = 3000000000 differs '
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from xml.sax.saxutils import escape

import numpy as np

from ..conversions import NS_PER_S
from ..errors import U64_MAX, InvalidInput, RatioOutOfRange, TscMathError, check_int
from ..formats import AMD_SVM, INTEL_VMX, FixedPointFormat
from ..migration.hosts import Host
from ..migration.strategies import Strategy
from ..migration.timeline import Hop, simulate_timeline
from ..migration.vm import BHYVE_MAX_RATIO, BHYVE_MIN_GUEST_HZ
from ..plotting import COLORS
from ._clockface import clock_row_html, clock_svg, format_duration_ns, format_signed_ns
from ._errorplot import Marker, error_plot_svg

__all__ = [
    "GUEST_BOOT_NS",
    "WINDOW_NS",
    "N_SAMPLES",
    "SAMPLE_NS",
    "MAX_HOPS",
    "HOST_NAMES",
    "FORMAT_CHOICES",
    "FORMAT_LABELS",
    "KHZ_RANGE",
    "BOOT_S_RANGE",
    "SKEW_MS_RANGE",
    "BLACKOUT_MS_RANGE",
    "Settings",
    "Scenario",
    "Programming",
    "View",
    "Session",
    "scenario_from",
    "simulate",
    "evaluate",
    "migrate_refusal",
    "explain_refusal",
    "frequency_refusal",
    "clocks_html",
    "error_plot_html",
    "readout_html",
    "ratio_text",
]

GUEST_BOOT_NS = 1_795_780_800 * NS_PER_S
"""True time of the guest's boot: 2026-11-27 12:00:00 UTC, in ns since the epoch."""

WINDOW_NS = 60 * NS_PER_S
"""How long the playground watches the guest (true time)."""

N_SAMPLES = 601
"""Samples in the window (one every ``SAMPLE_NS``); one animation frame per sample."""

SAMPLE_NS = WINDOW_NS // (N_SAMPLES - 1)
"""100 ms between samples."""

MAX_HOPS = 2
"""A -> B, then B -> C."""

HOST_NAMES = ("A", "B", "C")

FORMAT_CHOICES: dict[str, FixedPointFormat | None] = {
    "amd": AMD_SVM,
    "intel": INTEL_VMX,
    "none": None,
}
"""Fixed-point format of every host's TSC multiplier; ``"none"``: the hosts cannot scale."""

FORMAT_LABELS = {"amd": "AMD 8.32", "intel": "Intel 16.48", "none": "none (no scaling)"}
"""What the Format dropdown shows for each :data:`FORMAT_CHOICES` key (messages use it too)."""

KHZ_RANGE = (1, 20_000_000)
"""Valid TSC frequencies in kHz (up to 20 GHz)."""

BOOT_S_RANGE = (-315_360_000, 0)
"""Host boot times in s relative to the guest's boot: up to ten years before, at latest then.

With at most 20 GHz that keeps every host TSC below ``2**63`` (no wrap in the window)."""

SKEW_MS_RANGE = (-31_536_000_000, 31_536_000_000)
"""Wall-clock skews in ms: at most one year either way."""

BLACKOUT_MS_RANGE = (0, 3_600_000)
"""Blackouts in ms: up to one hour."""

PLOT_WIDTH = 516
PLOT_HEIGHT = 236
"""Width of the error plot in CSS pixels (leaves room for the readout beside it)."""

COLOR_TRUE = COLORS["black"]
HOST_COLORS = (COLORS["blue"], COLORS["vermillion"], COLORS["bluish_green"])
COLOR_GUEST = COLORS["reddish_purple"]


@dataclass(frozen=True)
class Settings:
    """What the reader sets: frequencies in kHz, boot times in s, skews and blackout in ms.

    All are plain integers as the widgets hold them; :func:`scenario_from` validates them.
    ``fmt`` is a key of :data:`FORMAT_CHOICES`; ``strategy`` a :class:`Strategy` name.
    """

    guest_khz: int = 3_000_000
    a_khz: int = 3_000_000
    b_khz: int = 2_500_000
    c_khz: int = 3_300_000
    a_boot_s: int = -3_600
    b_boot_s: int = -259_200
    c_boot_s: int = -600
    a_skew_ms: int = 0
    b_skew_ms: int = 40
    c_skew_ms: int = -25
    fmt: str = "amd"
    strategy: str = "FULL_PROTOCOL"
    blackout_ms: int = 1_500

    def host_fields(self, index: int) -> tuple[int, int, int]:
        """``(khz, boot_s, skew_ms)`` of host A, B or C (index 0, 1, 2)."""
        key = "abc"[index]
        return (
            getattr(self, f"{key}_khz"),
            getattr(self, f"{key}_boot_s"),
            getattr(self, f"{key}_skew_ms"),
        )


LABELS = {
    "guest_khz": "Guest TSC (kHz)",
    "a_khz": "A TSC (kHz)",
    "b_khz": "B TSC (kHz)",
    "c_khz": "C TSC (kHz)",
    "a_boot_s": "A boot (s)",
    "b_boot_s": "B boot (s)",
    "c_boot_s": "C boot (s)",
    "a_skew_ms": "A wall skew (ms)",
    "b_skew_ms": "B wall skew (ms)",
    "c_skew_ms": "C wall skew (ms)",
    "fmt": "Format",
    "strategy": "Strategy",
    "blackout_ms": "Blackout (ms)",
}
"""The widget description of each setting; validation messages name the setting by it."""

_RANGES = {
    "khz": KHZ_RANGE,
    "boot_s": BOOT_S_RANGE,
    "skew_ms": SKEW_MS_RANGE,
    "blackout_ms": BLACKOUT_MS_RANGE,
}


def _range_of(name: str) -> tuple[int, int] | None:
    for suffix, rng in _RANGES.items():
        if name.endswith(suffix):
            return rng
    return None


@dataclass(frozen=True)
class Scenario:
    """Validated settings as model objects: three hosts, the guest's Hz, strategy, blackout."""

    settings: Settings
    hosts: tuple[Host, Host, Host]
    guest_hz: int
    fmt: FixedPointFormat | None
    strategy: Strategy
    blackout_ns: int


def scenario_from(settings: Settings) -> Scenario:
    """Check every setting against its range and build the hosts.

    Raises
    ------
    InvalidInput
        Naming the setting (by its widget description), the value and the valid range.

    Examples
    --------
    >>> scenario_from(Settings(b_khz=0))
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: B TSC (kHz) must be an integer in [1, 20000000]; got 0
    """
    for f in fields(Settings):
        rng = _range_of(f.name)
        if rng is not None:
            check_int(LABELS[f.name], getattr(settings, f.name), *rng)
    if settings.fmt not in FORMAT_CHOICES:
        raise InvalidInput(f"Format must be one of {sorted(FORMAT_CHOICES)}; got {settings.fmt!r}")
    if settings.strategy not in Strategy.__members__:
        raise InvalidInput(
            f"Strategy must be one of {list(Strategy.__members__)}; got {settings.strategy!r}"
        )
    fmt = FORMAT_CHOICES[settings.fmt]
    hosts = []
    for index, name in enumerate(HOST_NAMES):
        khz, boot_s, skew_ms = settings.host_fields(index)
        hz = khz * 1000
        boot_ns = GUEST_BOOT_NS + boot_s * NS_PER_S
        # The host TSC reads 0 at its boot: tsc(t) = floor(t*hz/1e9) - floor(boot*hz/1e9).
        tsc_at_zero = (-(boot_ns * hz // NS_PER_S)) & U64_MAX
        hosts.append(
            Host(
                name=name,
                tsc_hz=hz,
                tsc_at_zero=tsc_at_zero,
                boot_ns=boot_ns,
                wall_skew_ns=skew_ms * 1_000_000,
                fmt=fmt,
            )
        )
    return Scenario(
        settings=settings,
        hosts=(hosts[0], hosts[1], hosts[2]),
        guest_hz=settings.guest_khz * 1000,
        fmt=fmt,
        strategy=Strategy[settings.strategy],
        blackout_ns=settings.blackout_ms * 1_000_000,
    )


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
    """Everything the app draws, for one scenario and list of migrations (exact arrays)."""

    scenario: Scenario
    hops: tuple[int, ...]
    rel_ns: np.ndarray  # true time since the guest's boot, int64
    guest_tsc: np.ndarray  # uint64
    guest_ns: np.ndarray  # guest-believed ns since boot, uint64
    error_ns: np.ndarray  # int64
    host_tsc: tuple[np.ndarray, np.ndarray, np.ndarray]  # uint64, per host
    segment: np.ndarray  # host index the guest runs on, -1 while paused
    programs: list[Programming]
    markers: list[Marker] = field(default_factory=list)
    error_range: tuple[int, int] = (0, 0)


def _sample_times() -> np.ndarray:
    return GUEST_BOOT_NS + np.arange(N_SAMPLES, dtype=np.int64) * SAMPLE_NS


_TIMES = _sample_times()
_REL = _TIMES - GUEST_BOOT_NS


def _run_model(scenario: Scenario, hops: tuple[int, ...], n_samples: int):
    """The model's timeline for ``hops`` (frames), sampled ``n_samples`` times from t = 0."""
    model_hops = [
        Hop(
            dst=scenario.hosts[k + 1],
            pause_ns=int(_TIMES[frame]),
            blackout_ns=scenario.blackout_ns,
        )
        for k, frame in enumerate(hops)
    ]
    end = int(_TIMES[-1]) if n_samples > 1 else int(_TIMES[0])
    return simulate_timeline(
        scenario.hosts[0],
        scenario.guest_hz,
        GUEST_BOOT_NS,
        model_hops,
        scenario.strategy,
        int(_TIMES[0]),
        end,
        n_samples,
    )


def simulate(scenario: Scenario, hops: tuple[int, ...] = ()) -> View:
    """Run the model: boot on A, migrate at each frame in ``hops`` to the next host.

    Raises
    ------
    TscMathError
        When the model refuses a step (a ratio the format cannot hold, a host that cannot
        scale, ...); the message says which.
    """
    if len(hops) > MAX_HOPS:
        raise InvalidInput(f"at most {MAX_HOPS} migrations (A -> B -> C); got {len(hops)}")
    hosts = scenario.hosts
    tl = _run_model(scenario, hops, N_SAMPLES)
    vm = tl.vms[0]
    programs = [
        Programming("boot on A", "A", vm.fmt, vm.mult, vm.offset, vm.guest_hz, hosts[0].tsc_hz)
    ]
    markers = []
    for k, outcome in enumerate(tl.outcomes):
        new = outcome.vm
        src, dst = HOST_NAMES[k], HOST_NAMES[k + 1]
        programs.append(
            Programming(
                f"{src} → {dst}", dst, new.fmt, new.mult, new.offset, new.guest_hz, new.host.tsc_hz
            )
        )
        markers.append(
            Marker(outcome.pause_ns - GUEST_BOOT_NS, outcome.resume_ns - GUEST_BOOT_NS, f"→{dst}")
        )
    markers = [replace(m, color=HOST_COLORS[k + 1]) for k, m in enumerate(markers)]
    # Segment k runs on host k (A, B, C in order); -1 marks the blackout samples.
    segment = np.where(tl.paused, -1, tl.segment).astype(np.int64)
    error = np.asarray(tl.error_ns, dtype=np.int64)
    return View(
        scenario=scenario,
        hops=tuple(hops),
        rel_ns=_REL,
        guest_tsc=tl.guest_tsc,
        guest_ns=tl.guest_ns,
        error_ns=error,
        host_tsc=tuple(h.tsc_array(_TIMES) for h in hosts),
        segment=segment,
        programs=programs,
        markers=markers,
        error_range=(int(error.min()), int(error.max())),
    )


def evaluate(settings: Settings, hops: tuple[int, ...] = ()) -> tuple[View | None, str]:
    """``(view, "")`` when the model accepts the settings and migrations, else ``(None, why)``.

    ``why`` speaks the controls' language (:func:`explain_refusal`). Only the library's own
    errors (:class:`TscMathError`, bad input) become messages; anything else is a bug and
    propagates.

    Examples
    --------
    >>> view, message = evaluate(Settings(guest_khz=100_000))
    >>> view is None and "500000 kHz (500 MHz)" in message
    True
    """
    view, message, _ = _evaluate(settings, hops)
    return view, message


def _evaluate(settings: Settings, hops: tuple[int, ...]) -> tuple[View | None, str, str]:
    """:func:`evaluate`, plus the model's own message (``""`` when accepted)."""
    try:
        scenario = scenario_from(settings)
    except TscMathError as err:  # names the control by its description already
        return None, str(err), str(err)
    try:
        return simulate(scenario, hops), "", ""
    except TscMathError as err:
        return None, explain_refusal(scenario, hops, err), str(err)


def _failing_step(scenario: Scenario, hops: tuple[int, ...]) -> tuple[int, TscMathError] | None:
    """``(k, error)``: the model refuses step ``k`` (0: boot on A; k: the k-th migration).

    Replays the model with one migration more each time, sampling only t = 0 (cheap).
    ``None`` if every step is accepted (the refusal came from sampling).
    """
    for k in range(len(hops) + 1):
        try:
            _run_model(scenario, hops[:k], 1)
        except TscMathError as err:
            return k, err
    return None


def explain_refusal(scenario: Scenario, hops: tuple[int, ...], err: TscMathError) -> str:
    """Why the model refused ``scenario`` with ``hops``, said with the controls' words.

    The model's messages name its parameters (``guest_hz``) in Hz; the reader set kHz in
    controls described "Guest TSC (kHz)" etc. This finds the step the model refuses and
    says why with the values the reader typed: a host that cannot scale, bhyve's limits
    (500 MHz, 15x), a ratio the format cannot hold, or a blackout too long for the
    migrations done. Anything else falls back to the model's text.

    Examples
    --------
    >>> s = Settings(guest_khz=20_000_000, a_khz=1_000_000)
    >>> view, message = evaluate(s)
    >>> print(message)
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
            pause_ns = int(_REL[hops[k - 1]])
            resume_ns = int(_REL[hops[k - 2]]) + scenario.blackout_ns
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
    cannot scale; bhyve's 500 MHz minimum; bhyve's 15x maximum; the ratio does not fit the
    multiplier format. Values are the controls' (kHz).

    Examples
    --------
    >>> print(frequency_refusal(Settings(guest_khz=400_000), 0))
    On host A (where the guest boots): Guest TSC (kHz) = 400000 is below bhyve's minimum for \
a scaled guest, 500000 kHz (500 MHz), and differs from A TSC (kHz) = 3000000 (EINVAL).
    """
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
    if guest_khz < min_khz:
        return (
            f"{where}{guest} = {guest_khz} is below bhyve's minimum for a scaled guest, "
            f"{min_khz} kHz ({BHYVE_MIN_GUEST_HZ // 1_000_000} MHz), and differs from "
            f"{host} = {host_khz} (EINVAL)."
        )
    if guest_khz >= BHYVE_MAX_RATIO * host_khz:
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
    >>> migrate_refusal((), N_SAMPLES - 1, None)
    'No time left to migrate: move the time slider back, or press Reset.'
    """
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
        if frame <= last or (resume_rel is not None and int(_REL[frame]) < resume_rel):
            when = "" if resume_rel is None else f" (it resumes at t = {resume_rel / 1e9:g} s)"
            return (
                f"The guest is still in (or before) its migration to {HOST_NAMES[len(hops)]}"
                f"{when}: move the time slider later to migrate again."
            )
    return ""


# --- text and drawing -------------------------------------------------------------------


def ratio_text(mult: int, fmt: FixedPointFormat, digits: int = 12) -> str:
    """``M / 2**F`` as a decimal, exact or truncated to ``digits`` places with an ellipsis.

    Integer arithmetic only: ``M / 2**F`` has a finite decimal expansion.

    Examples
    --------
    >>> ratio_text(0xAAAA_AAAA, AMD_SVM)
    '0.666666666511…'
    >>> ratio_text(3 << 31, AMD_SVM)
    '1.5'
    """
    whole, rest = divmod(mult, fmt.one)
    if not rest:
        return str(whole)
    scaled = rest * 10**digits
    frac, remainder = divmod(scaled, fmt.one)
    text = f"{whole}.{frac:0{digits}d}"
    if remainder:
        return text + "…"
    return text.rstrip("0")


def clocks_html(view: View, frame: int) -> str:
    """The five clocks at ``frame`` as HTML of SVGs: true time, the guest, hosts A, B, C.

    The guest stands next to true time so their hands can be compared at a glance.
    """
    i = max(0, min(int(frame), N_SAMPLES - 1))
    rel = int(view.rel_ns[i])
    true_ns = GUEST_BOOT_NS + rel
    seg = int(view.segment[i])
    guest_ns = int(view.guest_ns[i])
    where = f"on host {HOST_NAMES[seg]}" if seg >= 0 else "paused (blackout)"
    svgs = [
        clock_svg(
            "True time",
            rel,
            [
                "since guest boot",
                format_duration_ns(rel),
                "UTC " + format_duration_ns(true_ns % (86_400 * NS_PER_S)),
            ],
            color=COLOR_TRUE,
        ),
        clock_svg(
            f"Guest · {view.scenario.guest_hz // 1000} kHz",
            guest_ns,
            [
                f"TSC {int(view.guest_tsc[i])}",
                format_duration_ns(guest_ns),
                f"err {format_signed_ns(int(view.error_ns[i]))}",
                where,
            ],
            color=COLOR_GUEST,
            highlight=True,
            badge=None if seg >= 0 else "paused",
        ),
    ]
    running = seg if seg >= 0 else None
    moving_to = len([h for h in view.hops if h <= i]) if seg < 0 else None
    for k, host in enumerate(view.scenario.hosts):
        skew_ms = view.scenario.settings.host_fields(k)[2]
        here = running == k
        status = "guest runs here" if here else ""
        if moving_to is not None and k in (moving_to - 1, moving_to):
            status = "blackout: sending" if k == moving_to - 1 else "blackout: receiving"
        svgs.append(
            clock_svg(
                f"Host {host.name}",
                host.hrtime_at(true_ns),
                [
                    f"TSC {int(view.host_tsc[k][i])}",
                    "up " + format_duration_ns(host.hrtime_at(true_ns)),
                    f"{host.tsc_hz // 1000} kHz, skew {skew_ms:+d} ms",
                    status,
                ],
                color=HOST_COLORS[k],
                highlight=here,
            )
        )
    return clock_row_html(svgs)


def error_plot_html(view: View, frame: int) -> str:
    """The error plot up to ``frame`` with the whole run's axis ranges (an SVG string)."""
    i = max(0, min(int(frame), N_SAMPLES - 1))
    err = int(view.error_ns[i])
    title = f"Guest error at t = {_seconds_text(int(view.rel_ns[i]))} s: {_grouped(err)} ns"
    return error_plot_svg(
        view.rel_ns,
        view.error_ns,
        upto=i,
        x_range_ns=(0, WINDOW_NS),
        y_range_ns=view.error_range,
        markers=view.markers,
        title=title,
        line_color=COLOR_GUEST,
        width=PLOT_WIDTH,
        height=PLOT_HEIGHT,
    )


def readout_html(view: View | None) -> str:
    """What was programmed at each step: multiplier M (hex and ratio) and the signed offset."""
    if view is None:
        return (
            '<div style="color:#444444;background:#ffffff;padding:4px">'
            "No valid scenario: see the message above.</div>"
        )
    blocks = []
    for p in view.programs:
        asked = Fraction(p.guest_hz, p.host_hz)
        if p.mult is None or p.fmt is None:
            mult_line = "M: none (no scaling)"
            ratio_line = f"M/2^F: 1 (asked {asked})"
        else:
            mult_line = f"M: 0x{p.mult:X} ({p.fmt.label})"
            ratio_line = f"M/2^F: {ratio_text(p.mult, p.fmt)} (asked {asked})"
        blocks.append(
            f'<div style="margin-bottom:6px"><b>{escape(p.label)}</b> '
            f"(host {escape(p.host)})<br><code>{escape(mult_line)}</code><br>"
            f"<code>{escape(ratio_line)}</code><br>"
            f"<code>offset: {_signed(p.offset)}</code></div>"
        )
    return (
        '<div style="font-size:11.5px;line-height:1.3;background:#ffffff;color:#222222;'
        'padding:4px 8px;border:1px solid #cccccc;border-radius:4px">'
        '<div style="font-weight:bold;margin-bottom:4px">Programmed multiplier M and offset'
        ' <span style="font-weight:normal">(signed, in guest ticks)</span>'
        f"</div>{''.join(blocks)}</div>"
    )


def _signed(offset: int) -> str:
    return _grouped(offset - (1 << 64) if offset >> 63 else offset)


def _grouped(value: int) -> str:
    """``+1 234 567``: a signed integer with thin-space-free, plain-space digit groups."""
    return f"{value:+,d}".replace(",", " ").replace("-", "−")


def _ms_seconds_text(ns: int) -> str:
    """Exact seconds for a whole number of ms: ``12.5``, ``3.05``, ``7``."""
    whole, rest = divmod(ns // 1_000_000, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".")


def _seconds_text(ns: int) -> str:
    """Exact seconds with one decimal for a multiple of 100 ms (frame times)."""
    whole, rest = divmod(ns, NS_PER_S)
    return f"{whole}.{rest // 100_000_000}"


# --- the state machine ------------------------------------------------------------------


class Session:
    """The playground's state: settings, migrations done, frame, current view and message.

    ``message`` is ``""`` when all is well; it holds the reason whenever the settings are
    refused (then ``view`` is ``None``) or the last **Migrate** could not happen, in the
    controls' words. ``model_message`` keeps the model's own text of the refusal (parameter
    names, Hz), ``""`` when there is none.
    """

    def __init__(self, settings: Settings | None = None, frame: int = 0) -> None:
        self.settings = settings or Settings()
        self.hops: tuple[int, ...] = ()
        self.frame = int(frame)
        self.view, self.message, self.model_message = _evaluate(self.settings, self.hops)

    def apply(self, settings: Settings) -> None:
        """New settings: recompute with the same migrations."""
        self.settings = settings
        self.view, self.message, self.model_message = _evaluate(settings, self.hops)

    def set_frame(self, frame: int) -> None:
        """Move the animation to ``frame`` (nothing is recomputed)."""
        self.frame = max(0, min(int(frame), N_SAMPLES - 1))

    def migrate(self) -> None:
        """Migrate to the next host at the current frame, or say why not."""
        refusal = migrate_refusal(self.hops, self.frame, self.view)
        if refusal:
            self.message, self.model_message = refusal, ""
            return
        view, message, model_message = _evaluate(self.settings, (*self.hops, self.frame))
        if view is None:
            self.message, self.model_message = message, model_message
            return
        self.hops, self.view, self.message, self.model_message = view.hops, view, "", ""

    def reset(self) -> None:
        """Forget the migrations and go back to frame 0."""
        self.hops = ()
        self.frame = 0
        self.view, self.message, self.model_message = _evaluate(self.settings, self.hops)

    @property
    def next_host(self) -> str | None:
        """Name of the host the next **Migrate** goes to (``None`` after C)."""
        return HOST_NAMES[len(self.hops) + 1] if len(self.hops) < MAX_HOPS else None
