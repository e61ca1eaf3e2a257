"""What a run of a real KVM guest recorded, and the checks that hold it against :mod:`tscmath`.

:mod:`tsccourse.kvm_live` runs a tiny guest on the machine's own ``/dev/kvm`` and
returns a :class:`KvmSession`; :func:`load_recorded_session` returns the one recorded on this
project's machines (``tsccourse/data/kvm_run.json``, written by
``tools/record_kvm_run.py``), for readers
without ``/dev/kvm``. Both go through the same pure checks here, so a reader on macOS checks
the recorded run with the very code that checks a live one.

What the checks claim, each from Linux ``arch/x86/kvm/x86.c`` (``kvm_guest_time_update``,
``__get_kvmclock``, ``set_tsc_khz``; read in a v6.x tree from before v6.17, the mirror
AOSC-Tracking/linux at c78f4f159ea4):

* the page's ``tsc_to_system_mul``/``tsc_shift`` are ``kvm_get_time_scale(NSEC_PER_SEC, tsc_khz
  * 1000)`` for the host's ``tsc_khz`` (:func:`tscmath.guest_view.pvclock.kvm_get_time_scale`);
* the page's ``PVCLOCK_TSC_STABLE_BIT`` is set exactly when KVM uses its *master clock*, which
  is also when ``KVM_GET_CLOCK`` reports ``KVM_CLOCK_TSC_STABLE``;
* with the master clock, ``KVM_GET_CLOCK`` computes its ``clock`` from the same anchor as the
  page, at its own ``host_tsc``: reading the page at that TSC (plus the vCPU's offset) gives
  ``clock`` to the nanosecond;
* the guest's ``RDTSC`` equals host TSC + offset, so it lies between two host readings taken
  around ``KVM_RUN`` (shifted by the offset that applies);
* without hardware TSC scaling (``KVM_CAP_TSC_CONTROL`` 0) KVM refuses a guest TSC rate below
  the host's (``EINVAL``) and accepts a higher one in *catch-up* mode.

Examples
--------
>>> session = load_recorded_session()
>>> session.api_version
12
>>> all(check.holds for check in session_checks(session))
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from tscmath.errors import (
    I64_MAX,
    U32_MAX,
    U64_MAX,
    InvalidInput,
    check_instance,
    check_int,
    check_sequence,
    check_str,
    check_u64,
)
from tscmath.formats import AMD_SVM, INTEL_VMX
from tscmath.guest_view.pvclock import (
    PVCLOCK_TSC_STABLE_BIT,
    PvclockTimeInfo,
    kvm_get_time_scale,
    pvclock_read_ns,
    pvclock_tsc_khz,
)
from tscmath.offsets import guest_tsc
from tscmath.scaling import multiplier, scale

__all__ = [
    "Report",
    "describe_page",
    "guest_tsc_of",
    "offset_outcome",
    "page_khz_expected",
    "check_page_scale",
    "check_rdtsc_between_host_readings",
    "session_checks",
    "load_recorded_session",
    "session_to_json",
    "session_from_json",
]

KVM_CLOCK_TSC_STABLE = 2
"""``kvm_clock_data.flags``: KVM's master clock is in use (``include/uapi/linux/kvm.h``)."""

KVM_CLOCK_REALTIME = 1 << 2
"""``kvm_clock_data.flags``: ``realtime`` holds the host's CLOCK_REALTIME (Linux 5.16+)."""

KVM_CLOCK_HOST_TSC = 1 << 3
"""``kvm_clock_data.flags``: ``host_tsc`` holds the host TSC ``clock`` was computed at (5.16+)."""

RECORDED_SESSION = "kvm_run.json"
"""File name, in ``tsccourse/data/``, of the run recorded on this project's machines."""

ONE_X = 1 << 32
"""Ratio 1.0 in the 8.32 format: a guest whose TSC is not scaled (``guest = host + offset``)."""


@dataclass(frozen=True)
class KvmClockData:
    """``struct kvm_clock_data`` as ``KVM_GET_CLOCK`` fills it.

    Attributes
    ----------
    clock : int
        kvmclock nanoseconds of the VM (what a guest's kvmclock reads now).
    flags : int
        ``KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC`` as they apply.
    realtime : int
        Host CLOCK_REALTIME in ns, valid with ``KVM_CLOCK_REALTIME``.
    host_tsc : int
        The host TSC ``clock`` was computed at, valid with ``KVM_CLOCK_HOST_TSC``.
    """

    clock: int
    flags: int
    realtime: int = 0
    host_tsc: int = 0

    def __post_init__(self) -> None:
        for name in ("clock", "realtime", "host_tsc"):  # numpy ints stored as Python ints
            object.__setattr__(self, name, check_u64(name, getattr(self, name)))
        object.__setattr__(self, "flags", check_int("flags", self.flags, 0, U32_MAX))

    @property
    def master_clock(self) -> bool:
        """``KVM_CLOCK_TSC_STABLE``: KVM computed ``clock`` from its master clock."""
        return bool(self.flags & KVM_CLOCK_TSC_STABLE)

    @property
    def has_host_tsc(self) -> bool:
        """``KVM_CLOCK_HOST_TSC``: ``host_tsc`` is valid."""
        return bool(self.flags & KVM_CLOCK_HOST_TSC)


@dataclass(frozen=True)
class GuestRun:
    """One run of the tiny guest on a fresh VM with one vCPU, and what the host saw around it.

    Attributes
    ----------
    tsc_khz : int
        ``KVM_GET_TSC_KHZ`` of the vCPU when it ran.
    offset_requested : int or None
        ``KVM_VCPU_TSC_OFFSET`` written before the run, ``None`` if none was written.
    offset_read_back : int or None
        ``KVM_VCPU_TSC_OFFSET`` read after the run, ``None`` if the attribute is not supported.
    host_tsc_before, host_tsc_after : int
        Host ``RDTSC`` just before ``KVM_RUN`` and just after the guest halted.
    clock_before, clock_after : KvmClockData
        ``KVM_GET_CLOCK`` just before and just after.
    guest_rdtsc : int
        The 64-bit value the guest's ``RDTSC`` returned (sent out through two port writes).
    page : PvclockTimeInfo
        The ``pvclock_vcpu_time_info`` KVM wrote into guest memory.
    exits : tuple of str
        The exit reasons of the run, in order.
    """

    tsc_khz: int
    offset_requested: int | None
    offset_read_back: int | None
    host_tsc_before: int
    host_tsc_after: int
    clock_before: KvmClockData
    clock_after: KvmClockData
    guest_rdtsc: int
    page: PvclockTimeInfo
    exits: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tsc_khz", check_int("tsc_khz", self.tsc_khz, 1))
        for name in ("offset_requested", "offset_read_back"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, check_u64(name, getattr(self, name)))
        for name in ("host_tsc_before", "host_tsc_after", "guest_rdtsc"):
            object.__setattr__(self, name, check_u64(name, getattr(self, name)))
        check_instance("page", self.page, PvclockTimeInfo)
        for name in ("clock_before", "clock_after"):
            check_instance(name, getattr(self, name), KvmClockData)


@dataclass(frozen=True)
class TscKhzAttempt:
    """``KVM_SET_TSC_KHZ`` on a fresh vCPU: the rate asked for and what KVM said.

    Attributes
    ----------
    requested_khz : int
        The guest TSC rate asked for.
    accepted : bool
        The ioctl returned 0.
    error : str or None
        The errno name when refused (``"EINVAL"``).
    khz_after : int
        ``KVM_GET_TSC_KHZ`` right after.
    """

    requested_khz: int
    accepted: bool
    error: str | None
    khz_after: int


@dataclass(frozen=True)
class KvmSession:
    """Everything one session with ``/dev/kvm`` recorded (see ``kvm_live.record_session``).

    Attributes
    ----------
    kernel, vendor_module, machine, date : str
        ``uname -r``, the loaded vendor module (``kvm_intel``, ``kvm_amd``, ``kvm_pvm``), the
        CPU architecture, and the UTC time of the session (ISO 8601).
    api_version : int
        ``KVM_GET_API_VERSION`` (always 12).
    capabilities : dict of str to int
        ``KVM_CHECK_EXTENSION`` for the capabilities the section uses.
    plain : GuestRun
        The guest on a vCPU left as KVM created it.
    with_offset : GuestRun or None
        The guest after writing ``KVM_VCPU_TSC_OFFSET`` (``None`` without the attribute).
    rate_attempts : tuple of TscKhzAttempt
        ``KVM_SET_TSC_KHZ`` at the host's rate, a higher and a lower one.
    higher_rate : GuestRun or None
        The guest on a vCPU set to the higher rate, when KVM accepted it.
    higher_rate_error : str or None
        Why the guest did not run at the higher rate although KVM accepted it.
    seconds : float
        Wall time of the whole session (a float: a measurement, not TSC arithmetic).
    """

    kernel: str
    vendor_module: str
    machine: str
    date: str
    api_version: int
    capabilities: dict[str, int]
    plain: GuestRun
    with_offset: GuestRun | None = None
    rate_attempts: tuple[TscKhzAttempt, ...] = ()
    higher_rate: GuestRun | None = None
    higher_rate_error: str | None = None
    seconds: float = 0.0

    def __post_init__(self) -> None:
        check_instance("capabilities", self.capabilities, dict)
        for key, value in self.capabilities.items():
            check_str("capabilities key", key)
            check_int(f"capabilities[{key!r}]", value, None)


@dataclass(frozen=True)
class Check:
    """One claim about a run: its name, whether it held (``None``: does not apply), and why."""

    name: str
    holds: bool | None
    detail: str

    def __str__(self) -> str:
        mark = {True: "holds", False: "FAILS", None: "n/a"}[self.holds]
        return f"[{mark:>5}] {self.name}: {self.detail}"


class Report(tuple):
    """Lines of text that display as themselves (a notebook cell's result, not a print).

    A notebook shows it as the cell's result, so its text stays with its cell.

    Examples
    --------
    >>> Report(["a", "b"])
    a
    b
    """

    def __new__(cls, lines: object = ()) -> Report:
        return super().__new__(cls, check_sequence("lines", lines))

    def __repr__(self) -> str:
        return "\n".join(str(line) for line in self)


PAGE_FIELDS = (
    ("version", "u32", "sequence lock: even = consistent; +2 per update"),
    ("tsc_timestamp", "u64", "guest TSC at the anchor"),
    ("system_time", "u64", "guest kvmclock ns at the anchor"),
    ("tsc_to_system_mul", "u32", "0.32 fixed-point ns per (shifted) tick"),
    ("tsc_shift", "s8", "power-of-two pre-shift of the tick delta"),
    ("flags", "u8", "bit 0 TSC_STABLE, bit 1 GUEST_STOPPED"),
)
"""The fields of ``pvclock_vcpu_time_info`` in order, with their widths and meanings."""


def describe_page(page: PvclockTimeInfo) -> Report:
    """The page field by field: name, width, value and meaning.

    Examples
    --------
    >>> for line in describe_page(load_recorded_session().plain.page)[4:]:
    ...     print(line)
    tsc_to_system_mul   u32             0xd15ecc24  0.32 fixed-point ns per (shifted) tick
    tsc_shift            s8                     -1  power-of-two pre-shift of the tick delta
    flags                u8                      1  bit 0 TSC_STABLE, bit 1 GUEST_STOPPED
    """
    check_instance("page", page, PvclockTimeInfo)
    lines = [f"{'field':<17} {'width':>5} {'value':>22}  meaning"]
    for name, width, meaning in PAGE_FIELDS:
        value = getattr(page, name)
        shown = f"{value:#010x}" if name == "tsc_to_system_mul" else f"{value:,}"
        lines.append(f"{name:<17} {width:>5} {shown:>22}  {meaning}")
    return Report(lines)


def _check_run(run: object) -> GuestRun:
    return check_instance("run", run, GuestRun)  # type: ignore[return-value]


def _check_session(session: object) -> KvmSession:
    return check_instance("session", session, KvmSession)  # type: ignore[return-value]


NO_OFFSET_ATTRIBUTE = "the vCPU's offset is unknown: this KVM has no KVM_VCPU_TSC_OFFSET (< 5.16)"


def guest_tsc_of(run: GuestRun, host_tsc: int, offset: int | None = None) -> int:
    """Guest TSC at host TSC ``host_tsc``: ``host_tsc + offset`` mod 2**64 (no scaling).

    ``offset`` defaults to the offset KVM read back for the run (an :class:`InvalidInput` if
    it could not be read). This is :func:`tscmath.guest_tsc` with the ratio 1.0: the vCPUs
    here are never scaled.

    Examples
    --------
    >>> run = load_recorded_session().plain
    >>> guest_tsc_of(run, 1_000, offset=2**64 - 1)
    999
    """
    _check_run(run)
    if offset is None:
        if run.offset_read_back is None:
            raise InvalidInput(f"offset must be given: {NO_OFFSET_ATTRIBUTE}")
        offset = run.offset_read_back
    return guest_tsc(check_u64("host_tsc", host_tsc), ONE_X, check_u64("offset", offset), AMD_SVM)


def guest_ns_at_rdtsc(run: GuestRun) -> int:
    """The guest's kvmclock nanoseconds at its ``RDTSC``, read from the page by tscmath.

    Examples
    --------
    >>> run = load_recorded_session().plain
    >>> run.clock_before.clock <= guest_ns_at_rdtsc(run) <= run.clock_after.clock
    True
    """
    return pvclock_read_ns(_check_run(run).page, run.guest_rdtsc)


def expected_scale(tsc_khz: int) -> tuple[int, int]:
    """``(tsc_shift, tsc_to_system_mul)`` KVM writes for ``tsc_khz``: ``kvm_get_time_scale``.

    Examples
    --------
    >>> shift, mul = expected_scale(2_445_412)  # a rate measured on this project's machines
    >>> shift, hex(mul)
    (-1, '0xd15f25eb')
    """
    khz = check_int("tsc_khz", tsc_khz, 1, I64_MAX // 1000)  # Hz must fit an s64
    return kvm_get_time_scale(1_000_000_000, khz * 1000)


def check_page_scale(run: GuestRun, khz: int | None = None) -> Check:
    """The page's ``tsc_shift``/``tsc_to_system_mul`` equal tscmath's for ``khz``.

    ``khz`` defaults to the run's ``KVM_GET_TSC_KHZ``; for a run at another rate pass
    :func:`page_khz_expected` (without hardware scaling the page keeps the host's rate).
    """
    _check_run(run)
    khz = run.tsc_khz if khz is None else check_int("khz", khz, 1, I64_MAX // 1000)
    want = expected_scale(khz)
    got = (run.page.tsc_shift, run.page.tsc_to_system_mul)
    return Check(
        "page mul/shift = tscmath.kvm_get_time_scale(10**9, tsc_khz * 1000)",
        got == want,
        f"page shift {got[0]}, mul {got[1]:#010x}; tscmath for {khz} kHz: "
        f"shift {want[0]}, mul {want[1]:#010x}",
    )


def check_stable_bit(run: GuestRun) -> Check:
    """``PVCLOCK_TSC_STABLE_BIT`` in the page matches ``KVM_CLOCK_TSC_STABLE`` of KVM_GET_CLOCK."""
    page_stable = bool(_check_run(run).page.flags & PVCLOCK_TSC_STABLE_BIT)
    return Check(
        "page stable bit = KVM_GET_CLOCK's KVM_CLOCK_TSC_STABLE",
        page_stable == run.clock_after.master_clock,
        f"page flags {run.page.flags:#x}, KVM_GET_CLOCK flags {run.clock_after.flags:#x}",
    )


def check_clock_matches_page(run: GuestRun) -> Check:
    """``KVM_GET_CLOCK.clock`` = the page read at ``KVM_GET_CLOCK.host_tsc`` (+ offset), exactly.

    Applies when both come from the master clock (stable bit, ``KVM_CLOCK_HOST_TSC``).
    """
    name = "KVM_GET_CLOCK.clock = pvclock_read_ns(page, guest TSC at its host_tsc)"
    clock = _check_run(run).clock_after
    if not (clock.master_clock and clock.has_host_tsc and run.page.flags & PVCLOCK_TSC_STABLE_BIT):
        return Check(name, None, "no master clock: KVM_GET_CLOCK reads the host clock instead")
    if run.offset_read_back is None:
        return Check(name, None, NO_OFFSET_ATTRIBUTE)
    from_page = pvclock_read_ns(run.page, guest_tsc_of(run, clock.host_tsc))
    return Check(
        name,
        from_page == clock.clock,
        f"KVM_GET_CLOCK {clock.clock} ns, page at that TSC {from_page} ns "
        f"(difference {from_page - clock.clock} ns)",
    )


def _between(value: int, low: int, high: int) -> bool:
    """``low <= value <= high`` on the u64 circle (the TSC wraps)."""
    return (value - low) & U64_MAX <= (high - low) & U64_MAX


def check_rdtsc_between_host_readings(run: GuestRun, offset: int | None = None) -> Check:
    """The guest's ``RDTSC`` lies between the two host readings, shifted by the offset.

    ``offset`` defaults to the offset KVM read back for the run; without the attribute the
    check does not apply (``holds`` is ``None``).
    """
    name = "host TSC before + offset <= guest RDTSC <= host TSC after + offset"
    _check_run(run)
    off = run.offset_read_back if offset is None else check_u64("offset", offset)
    if off is None:
        return Check(name, None, NO_OFFSET_ATTRIBUTE)
    low, high = (
        guest_tsc_of(run, run.host_tsc_before, off),
        guest_tsc_of(run, run.host_tsc_after, off),
    )
    holds = _between(run.guest_rdtsc, low, high)
    return Check(
        name,
        holds,
        f"offset {off}; guest RDTSC is {(run.guest_rdtsc - low) & U64_MAX} ticks after the lower "
        f"bound and {(high - run.guest_rdtsc) & U64_MAX} before the upper one"
        if holds
        else f"offset {off}; guest RDTSC {run.guest_rdtsc} outside [{low}, {high}]",
    )


def check_guest_ns_between_clocks(run: GuestRun) -> Check:
    """The guest's nanoseconds at its ``RDTSC`` lie between KVM_GET_CLOCK before and after."""
    ns = guest_ns_at_rdtsc(_check_run(run))
    before, after = run.clock_before.clock, run.clock_after.clock
    return Check(
        "KVM_GET_CLOCK before <= guest ns at its RDTSC (from the page) <= KVM_GET_CLOCK after",
        before <= ns <= after,
        f"{ns - before} ns after the first KVM_GET_CLOCK, {after - ns} ns before the second",
    )


def offset_outcome(run: GuestRun | None) -> str:
    """What became of a written ``KVM_VCPU_TSC_OFFSET``: ``applied``, ``ignored`` or ``neither``.

    ``applied``: the guest's ``RDTSC`` lies between the host readings plus the offset written
    (hardware virtualization adds it on every ``RDTSC``). ``ignored``: it lies between the
    plain host readings (the guest reads the host's TSC). ``not written``: no offset was.

    Examples
    --------
    >>> session = load_recorded_session()
    >>> offset_outcome(session.with_offset), session.vendor_module
    ('ignored', 'kvm_pvm')
    """
    if run is None:
        return "not tried: this KVM has no KVM_VCPU_TSC_OFFSET"
    _check_run(run)
    if run.offset_requested is None:
        return "not written"
    if check_rdtsc_between_host_readings(run, run.offset_requested).holds:
        return "applied"
    if check_rdtsc_between_host_readings(run, 0).holds:
        return "ignored"
    return "neither"


def check_lower_rate_refused(session: KvmSession) -> Check:
    """Without TSC scaling a rate below the host's is refused (``EINVAL``), else accepted."""
    name = "KVM_SET_TSC_KHZ below the host rate: refused without hardware TSC scaling"
    host = _check_session(session).plain.tsc_khz
    lower = [a for a in session.rate_attempts if a.requested_khz < host]
    if not lower:
        return Check(name, None, "no lower rate was tried")
    scaling = session.capabilities.get("KVM_CAP_TSC_CONTROL", 0) > 0
    attempt = lower[0]
    holds = attempt.accepted if scaling else (not attempt.accepted and attempt.error == "EINVAL")
    said = "accepted" if attempt.accepted else f"refused with {attempt.error}"
    return Check(
        name,
        holds,
        f"{attempt.requested_khz} kHz < {host} kHz: {said}; "
        f"KVM_CAP_TSC_CONTROL = {session.capabilities.get('KVM_CAP_TSC_CONTROL', 0)}",
    )


def session_checks(session: KvmSession) -> list[Check]:
    """Every check on a session: the plain run, the offset run and the rate attempts.

    Examples
    --------
    >>> for check in session_checks(load_recorded_session())[:2]:
    ...     print(check.holds, check.name)
    True plain run: page mul/shift = tscmath.kvm_get_time_scale(10**9, tsc_khz * 1000)
    True plain run: page stable bit = KVM_GET_CLOCK's KVM_CLOCK_TSC_STABLE
    """
    _check_session(session)
    checks = []
    for label, run in (("plain run", session.plain), ("offset run", session.with_offset)):
        if run is None:
            continue
        checks += [
            _labelled(label, check_page_scale(run, session.plain.tsc_khz)),
            _labelled(label, check_stable_bit(run)),
            _labelled(label, check_clock_matches_page(run)),
            _labelled(label, check_rdtsc_between_host_readings(run)),
            _labelled(label, check_guest_ns_between_clocks(run)),
        ]
    faster = session.higher_rate
    if faster is not None:
        checks += [
            _labelled("higher rate", check_page_scale(faster, page_khz_expected(session, faster))),
            _labelled("higher rate", check_stable_bit(faster)),
            _labelled("higher rate", check_clock_matches_page(faster)),
        ]
    checks.append(check_lower_rate_refused(session))
    return checks


def _labelled(label: str, check: Check) -> Check:
    return replace(check, name=f"{label}: {check.name}")


def page_khz_expected(session: KvmSession, run: GuestRun) -> int:
    """The TSC rate (kHz) KVM computes a page's mul/shift from: ``tgt_tsc_khz`` of
    ``kvm_guest_time_update``.

    Without hardware scaling it is the host's rate, whatever ``KVM_SET_TSC_KHZ`` asked (the
    guest keeps the host's TSC; catch-up mode only moves its offset forward). With scaling it
    is the host's rate scaled by the vCPU's ratio, ``floor(2**F * asked / host)`` with F = 48
    (``kvm_intel``) or 32 (``kvm_amd``), computed here with :func:`tscmath.multiplier` and
    :func:`tscmath.scale`.

    Examples
    --------
    >>> session = load_recorded_session()
    >>> page_khz_expected(session, session.higher_rate) == session.plain.tsc_khz
    True
    """
    host = _check_session(session).plain.tsc_khz
    _check_run(run)
    if not session.capabilities.get("KVM_CAP_TSC_CONTROL", 0) or run.tsc_khz == host:
        return host
    fmt = INTEL_VMX if "kvm_intel" in session.vendor_module else AMD_SVM
    return scale(host, multiplier(run.tsc_khz, host, fmt), fmt)


def higher_rate_page_khz(session: KvmSession) -> int | None:
    """The TSC rate the kvmclock page of the higher-rate run describes (``pvclock_tsc_khz``)."""
    _check_session(session)
    return None if session.higher_rate is None else pvclock_tsc_khz(session.higher_rate.page)


# --- JSON -------------------------------------------------------------------------------------


def session_to_json(session: KvmSession) -> str:
    """The session as JSON text (exact integers), as ``tsccourse/data/kvm_run.json``."""
    return json.dumps(asdict(_check_session(session)), indent=1, sort_keys=False) + "\n"


def _run_from_dict(data: dict[str, Any] | None) -> GuestRun | None:
    if data is None:
        return None
    return GuestRun(
        tsc_khz=data["tsc_khz"],
        offset_requested=data["offset_requested"],
        offset_read_back=data["offset_read_back"],
        host_tsc_before=data["host_tsc_before"],
        host_tsc_after=data["host_tsc_after"],
        clock_before=KvmClockData(**data["clock_before"]),
        clock_after=KvmClockData(**data["clock_after"]),
        guest_rdtsc=data["guest_rdtsc"],
        page=PvclockTimeInfo(**data["page"]),
        exits=tuple(data["exits"]),
    )


def session_from_json(text: str) -> KvmSession:
    """Parse what :func:`session_to_json` wrote; a missing key raises :class:`InvalidInput`."""
    check_instance("text", text, (str, bytes), "a str")
    try:
        data = json.loads(text)
        plain = _run_from_dict(data["plain"])
        assert plain is not None
        return KvmSession(
            kernel=data["kernel"],
            vendor_module=data["vendor_module"],
            machine=data["machine"],
            date=data["date"],
            api_version=data["api_version"],
            capabilities=dict(data["capabilities"]),
            plain=plain,
            with_offset=_run_from_dict(data.get("with_offset")),
            rate_attempts=tuple(TscKhzAttempt(**a) for a in data.get("rate_attempts", ())),
            higher_rate=_run_from_dict(data.get("higher_rate")),
            higher_rate_error=data.get("higher_rate_error"),
            seconds=float(data.get("seconds", 0.0)),
        )
    except (KeyError, TypeError, AttributeError, AssertionError, ValueError) as err:
        raise InvalidInput(f"text must be a recorded KVM session (kvm_run.json); {err!r}") from err


def load_recorded_session(path: str | Path | None = None) -> KvmSession:
    """The run recorded on this project's machines, or the session stored at ``path``."""
    if path is None:
        text = resources.files("tsccourse").joinpath("data", RECORDED_SESSION).read_text()
    else:
        check_instance("path", path, (str, Path), "a str or Path")
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as err:
            raise InvalidInput(f"path {str(path)!r} could not be read: {err}") from None
    return session_from_json(text)
