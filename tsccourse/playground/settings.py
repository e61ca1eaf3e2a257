"""What the reader sets, in one list: the controls, their ranges and units, and validation.

:data:`CONTROLS` is the single description of the playground's controls (label, kind,
range, unit, choices, group). The JupyterLab app (:mod:`tsccourse.playground.app`, ipywidgets)
and the static site's page (:mod:`tsccourse.playground.web`, plain HTML run by Pyodide) both
lay out their controls from it, and every refusal message names a setting by its label.

The scenario: a guest boots on host A at true time :data:`GUEST_BOOT_NS` (2026-11-27
12:00:00 UTC as ns since the epoch) and is watched for :data:`WINDOW_NS` (60 s) in
:data:`N_SAMPLES` exact samples, 100 ms apart. Hosts booted ``boot_s`` seconds relative to
the guest's boot (zero or negative) with their TSC at 0 then.

Standard library only: this module runs in the reader's browser (Pyodide, no numpy).

Examples
--------
>>> [c.name for c in CONTROLS][:4]
['a_khz', 'a_boot_s', 'a_skew_ms', 'b_khz']
>>> scenario_from(Settings(b_khz=0))
Traceback (most recent call last):
...
tscmath.errors.InvalidInput: B TSC (kHz) must be an integer in [1, 20000000]; got 0
>>> settings_from_form({"b_khz": " 2_000_000 ", "fmt": "intel"}).b_khz
2000000
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from tscmath.conversions import NS_PER_S
from tscmath.errors import U64_MAX, InvalidInput, check_instance, check_int
from tscmath.formats import AMD_SVM, INTEL_VMX, FixedPointFormat
from tscmath.migration.hosts import Host
from tscmath.migration.strategies import Strategy

__all__ = ["Settings"]

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

START_FRAME = 100
"""The apps open 10 s after the guest's boot, so their first picture already shows clocks."""

HOST_NAMES = ("A", "B", "C")

FORMAT_CHOICES: dict[str, FixedPointFormat | None] = {
    "amd": AMD_SVM,
    "intel": INTEL_VMX,
    "none": None,
}
"""Fixed-point format of every host's TSC multiplier; ``"none"``: the hosts cannot scale."""

FORMAT_LABELS = {
    "amd": "AMD 8.32",
    "intel": "hypothetical VMX 16.48",
    "none": "none (no scaling)",
}
"""What the Format control shows for each :data:`FORMAT_CHOICES` key (messages use it too)."""

BHYVE_RULES = {"amd": True, "intel": False, "none": True}
"""Whether the model applies bhyve's rules for a :data:`FORMAT_CHOICES` key.

bhyve scales only with AMD SVM's 8.32 (its ``vmm.c``: "at this time only SVM is supported"), so
an Intel host would refuse every guest frequency but its own (EPERM). The Intel 16.48 choice
therefore stands for a hypothetical hypervisor that runs the same protocol with VMX scaling,
without bhyve's limits (``enforce_limits=False`` in :mod:`tscmath.migration`)."""

KHZ_RANGE = (1, 20_000_000)
"""Valid TSC frequencies in kHz (up to 20 GHz)."""

BOOT_S_RANGE = (-315_360_000, 0)
"""Host boot times in s relative to the guest's boot: up to ten years before, at latest then.

With at most 20 GHz that keeps every host TSC below ``2**63`` (no wrap in the window)."""

SKEW_MS_RANGE = (-31_536_000_000, 31_536_000_000)
"""Wall-clock skews in ms: at most one year either way."""

BLACKOUT_MS_RANGE = (0, 3_600_000)
"""Blackouts in ms: up to one hour."""

BLACKOUT_SLIDER_MAX = 10_000
"""The blackout slider's end (ms): the apps' sliders hold 0..10 s, the model up to an hour."""


@dataclass(frozen=True)
class Control:
    """One setting as a control: what the apps show and what validation names.

    ``kind`` is ``"int"`` (a number box), ``"slider"`` (a range slider, ``step``) or
    ``"choice"`` (a drop-down of ``choices``, each ``(label, value)``). ``valid`` is the
    range the model accepts; ``shown`` the range a slider offers.
    """

    name: str
    label: str
    kind: str
    unit: str = ""
    valid: tuple[int, int] | None = None
    shown: tuple[int, int] | None = None
    step: int = 1
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


def _host_controls(host: str) -> tuple[Control, ...]:
    key = host.lower()
    return (
        Control(
            f"{key}_khz",
            f"{host} TSC (kHz)",
            "int",
            "kHz",
            KHZ_RANGE,
            help=f"Host {host}'s TSC frequency",
        ),
        Control(
            f"{key}_boot_s",
            f"{host} boot (s)",
            "int",
            "s",
            BOOT_S_RANGE,
            help=f"When host {host} booted, relative to the guest's boot (0 or negative)",
        ),
        Control(
            f"{key}_skew_ms",
            f"{host} wall skew (ms)",
            "int",
            "ms",
            SKEW_MS_RANGE,
            help=f"Host {host}'s wall clock minus true time",
        ),
    )


CONTROLS: tuple[Control, ...] = (
    *_host_controls("A"),
    *_host_controls("B"),
    *_host_controls("C"),
    Control("guest_khz", "Guest TSC (kHz)", "int", "kHz", KHZ_RANGE, help="The guest's TSC rate"),
    Control(
        "fmt",
        "Format",
        "choice",
        choices=tuple((label, key) for key, label in FORMAT_LABELS.items()),
        help=(
            "The multiplier's fixed-point format on every host. bhyve scales only with AMD "
            "8.32: Intel 16.48 stands for a hypothetical hypervisor with VMX scaling"
        ),
    ),
    Control(
        "strategy",
        "Strategy",
        "choice",
        choices=tuple((member.label, member.name) for member in Strategy),
        help="How the hypervisor carries the guest's clock to the new host",
    ),
    Control(
        "blackout_ms",
        "Blackout (ms)",
        "slider",
        "ms",
        BLACKOUT_MS_RANGE,
        shown=(BLACKOUT_MS_RANGE[0], BLACKOUT_SLIDER_MAX),
        step=50,
        help="How long the guest stays paused during a migration",
    ),
)
"""Every setting, in the order the apps lay them out (group by group)."""

CONTROL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Host A", ("a_khz", "a_boot_s", "a_skew_ms")),
    ("Host B", ("b_khz", "b_boot_s", "b_skew_ms")),
    ("Host C", ("c_khz", "c_boot_s", "c_skew_ms")),
    ("Guest", ("guest_khz", "fmt", "strategy")),
)
"""The boxes of the controls grid (the blackout slider sits with the actions)."""

CONTROL_BY_NAME = {c.name: c for c in CONTROLS}
LABELS = {c.name: c.label for c in CONTROLS}
"""The label of each setting; validation messages name the setting by it."""


@dataclass(frozen=True)
class Settings:
    """What the reader sets: frequencies in kHz, boot times in s, skews and blackout in ms.

    All are plain integers as the controls hold them; :func:`scenario_from` validates them.
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

    def __post_init__(self) -> None:
        # A numpy value is stored as a plain int or str (or refused); anything else is kept for
        # scenario_from, whose message names the control (a form's text, for instance).
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if type(value).__module__ == "numpy":  # a scalar or an array
                if isinstance(value, str):
                    object.__setattr__(self, name, str(value))
                    continue
                label = f"{LABELS[name]} ({name})"
                if CONTROL_BY_NAME[name].kind == "choice":
                    _check_choice(CONTROL_BY_NAME[name], value, label)
                object.__setattr__(self, name, check_int(label, value, None))

    def host_fields(self, index: int) -> tuple[int, int, int]:
        """``(khz, boot_s, skew_ms)`` of host A, B or C (index 0, 1, 2)."""
        key = "abc"[check_int("index", index, 0, 2)]
        return (
            getattr(self, f"{key}_khz"),
            getattr(self, f"{key}_boot_s"),
            getattr(self, f"{key}_skew_ms"),
        )


@dataclass(frozen=True)
class Scenario:
    """Validated settings as model objects: three hosts, the guest's Hz, strategy, blackout."""

    settings: Settings
    hosts: tuple[Host, Host, Host]
    guest_hz: int
    fmt: FixedPointFormat | None
    strategy: Strategy
    blackout_ns: int


def _check_choice(control: Control, value: object, label: str | None = None) -> str:
    allowed = [v for _, v in control.choices]
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(f"{label or control.label} must be one of {allowed}; got {value!r}")
    return value


def scenario_from(settings: Settings) -> Scenario:
    """Check every setting against its range and build the hosts.

    Raises
    ------
    InvalidInput
        Naming the setting (by its label), the value and the valid range.

    Examples
    --------
    >>> scenario_from(Settings(fmt="arm"))
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: Format must be one of ['amd', 'intel', 'none']; got 'arm'
    """
    if not isinstance(settings, Settings):
        raise InvalidInput(f"settings must be a Settings; got {settings!r}")
    for control in CONTROLS:
        value = getattr(settings, control.name)
        if control.kind == "choice":
            _check_choice(control, value)
        else:
            check_int(control.label, value, *control.valid)
    fmt = FORMAT_CHOICES[settings.fmt]
    hosts = []
    for index, name in enumerate(HOST_NAMES):
        khz, boot_s, skew_ms = (int(v) for v in settings.host_fields(index))
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
        guest_hz=int(settings.guest_khz) * 1000,
        fmt=fmt,
        strategy=Strategy[settings.strategy],
        blackout_ns=int(settings.blackout_ms) * 1_000_000,
    )


def _parse_int(text: object) -> object:
    """``text`` as an int if it reads as one (``"3_000_000"``, ``" -5 "``), else unchanged."""
    if isinstance(text, str) and len(text) <= 40:
        try:
            return int(text.strip().replace(" ", ""))
        except ValueError:
            return text
    return text


def settings_from_form(values: Mapping[str, object], base: Settings | None = None) -> Settings:
    """:class:`Settings` from a web form's values (strings), over ``base`` (the defaults).

    Numbers are parsed exactly (no float on the way: a JavaScript number would round
    beyond 2**53); text that is not an integer is kept as it is, so :func:`scenario_from`
    refuses it naming the control. Unknown names are refused.

    Examples
    --------
    >>> settings_from_form({"a_khz": "3e6"}).a_khz
    '3e6'
    """
    if not isinstance(values, Mapping):
        raise InvalidInput(f"values must be a mapping of setting names; got {values!r}")
    known = {f.name for f in fields(Settings)}
    changes = {}
    for name, value in values.items():
        if name not in known:
            raise InvalidInput(f"values holds an unknown setting {name!r}; known: {sorted(known)}")
        kind = CONTROL_BY_NAME[name].kind
        changes[name] = value if kind == "choice" else _parse_int(value)
    base = Settings() if base is None else check_instance("base", base, Settings)
    return Settings(**{**{f.name: getattr(base, f.name) for f in fields(Settings)}, **changes})
