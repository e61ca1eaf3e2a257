"""The Hyper-V reference TSC page: guest TSC ticks to 100 ns units with one 0.64 multiply.

A Windows (or Linux ``hyperv_clocksource_tsc_page``) guest reads a page the hypervisor
fills in (Hyper-V TLFS "reference TSC page") and computes::

    time_100ns = ((tsc * scale) >> 64) + offset          (mod 2**64)

``scale`` is a pure 0.64 fraction (:data:`tscmath.HYPERV_REFERENCE`) meaning 10**7 / guest_hz.
propolis (``lib/propolis/src/enlightenment/hyperv/tsc.rs``, ``guest_freq_to_scale``) sets
``scale = floor((10_000_000 << 64) / guest_freq)`` and ``offset = 0`` (bhyve already offsets the
guest TSC so it starts at 0 at boot), and writes ``sequence = 0`` ("do not use this page")
when the scale does not fit 64 bits, which happens exactly when ``guest_freq <= 10 MHz``.
A reader reads ``sequence``, the fields, then ``sequence`` again, and retries if it changed.

Examples
--------
>>> page = reference_page(2_500_000_000)
>>> page.sequence, page.scale
(1, 73786976294838206)
>>> read_100ns(page, 2_500_000_000)  # one second of guest ticks, in 100 ns units
9999999
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..errors import I64_MAX, I64_MIN, U32_MAX, U64_MAX, check_instance, check_int, check_u64
from ..formats import HYPERV_REFERENCE
from ..scaling import scale as fixed_scale
from .pvclock import PVCLOCK_TSC_STABLE_BIT, PvclockTimeInfo

__all__ = [
    "REFERENCE_HZ",
    "reference_page",
    "read_100ns",
    "exact_100ns",
    "rescaled_page",
    "kvm_reference_page",
]

REFERENCE_HZ = 10_000_000
"""The reference clock ticks in 100 ns units: 10**7 per second."""


@dataclass(frozen=True)
class ReferenceTscPage:
    """The fields of the reference TSC page a guest uses (TLFS; propolis ``ReferenceTscPage``).

    Parameters
    ----------
    sequence : int
        u32; 0 means "invalid, fall back to another clock"; changes on every rewrite.
    scale : int
        u64 0.64 fixed-point multiplier, 100 ns units per guest TSC tick.
    offset : int
        s64 offset in 100 ns units added after scaling.

    Examples
    --------
    >>> ReferenceTscPage(sequence=1, scale=1 << 63, offset=-5).offset
    -5
    """

    sequence: int
    scale: int
    offset: int = 0

    def __post_init__(self) -> None:
        # Store plain Python ints (numpy scalars are accepted on input, never kept).
        object.__setattr__(self, "sequence", check_int("sequence", self.sequence, 0, U32_MAX))
        object.__setattr__(self, "scale", check_u64("scale", self.scale))
        object.__setattr__(self, "offset", check_int("offset", self.offset, I64_MIN, I64_MAX))

    @property
    def valid(self) -> bool:
        """True unless ``sequence`` is 0 (the page must not be used)."""
        return self.sequence != 0


def guest_freq_to_scale(guest_hz: int) -> int | None:
    """``floor((10**7 << 64) / guest_hz)``, or ``None`` when that does not fit 64 bits.

    ``guest_hz`` is a u64 (``1 .. 2**64 - 1``) as in propolis, so the scale is never 0.

    Examples
    --------
    >>> hex(guest_freq_to_scale(1_000_000_000))
    '0x28f5c28f5c28f5c'
    >>> guest_freq_to_scale(10_000_000) is None  # exactly 1.0: needs bit 64
    True
    """
    guest_hz = check_int("guest_hz", guest_hz, 1, U64_MAX)
    scale = (REFERENCE_HZ << 64) // guest_hz
    return None if scale >> 64 else scale


def reference_page(guest_hz: int) -> ReferenceTscPage:
    """The page propolis writes for a guest TSC of ``guest_hz``: sequence 1, or 0 if disabled.

    Examples
    --------
    >>> reference_page(5_000_000)
    ReferenceTscPage(sequence=0, scale=0, offset=0)
    """
    scale = guest_freq_to_scale(guest_hz)
    if scale is None:
        return ReferenceTscPage(sequence=0, scale=0, offset=0)
    return ReferenceTscPage(sequence=1, scale=scale, offset=0)


def read_100ns(page: ReferenceTscPage, tsc: int) -> int | None:
    """Guest time in 100 ns units at guest TSC ``tsc``, or ``None`` if the page is invalid.

    ``((tsc * scale) >> 64) + offset`` with a 128-bit product, the sum wrapping mod 2**64, as
    Linux's ``hv_read_tsc_page_tsc`` (``include/clocksource/hyperv_timer.h``) computes it. Only
    ``sequence == 0`` makes the page invalid: Linux then returns ``false`` and the caller falls
    back to the reference counter MSR (here ``None``). A valid page with ``scale == 0`` is
    read like any other and gives ``offset``: Linux does not test the scale. (Older kernels'
    reader returned ``U64_MAX`` for an invalid page instead of ``false``; the kernels read
    here return ``false``.)

    Examples
    --------
    >>> read_100ns(reference_page(3_000_000_000), 3_000_000_000 * 60)  # one minute
    599999999
    >>> read_100ns(ReferenceTscPage(sequence=7, scale=0, offset=42), 10**12)  # scale 0: offset
    42
    >>> read_100ns(ReferenceTscPage(sequence=0, scale=1 << 60), 10**12) is None
    True
    """
    check_instance("page", page, ReferenceTscPage)
    tsc = check_u64("tsc", tsc)
    if not page.valid:
        return None
    scaled = fixed_scale(tsc, page.scale, HYPERV_REFERENCE) if page.scale else 0
    return (scaled + page.offset) & U64_MAX


def exact_100ns(tsc: int, guest_hz: int) -> Fraction:
    """The exact time ``tsc * 10**7 / guest_hz`` in 100 ns units, for comparison.

    Examples
    --------
    >>> exact_100ns(3_000_000_000 * 60, 3_000_000_000)
    Fraction(600000000, 1)
    """
    return Fraction(
        check_u64("tsc", tsc) * REFERENCE_HZ, check_int("guest_hz", guest_hz, 1, U64_MAX)
    )


def rescaled_page(page: ReferenceTscPage, tsc_now: int, new_guest_hz: int) -> ReferenceTscPage:
    """Rewrite ``page`` for a new guest TSC frequency so reference time stays continuous.

    Needed only by a hypervisor that lets the guest-visible TSC frequency change (no TSC
    scaling on the destination): at guest TSC ``tsc_now`` the old page and the new page
    must read the same time, so ``offset = t_now - ((tsc_now * new_scale) >> 64)``, and
    ``sequence`` moves on (skipping 0). propolis never needs this: it keeps the guest
    frequency and TSC continuous, so its page stays valid unchanged across a migration.

    Examples
    --------
    >>> old = reference_page(3_000_000_000)
    >>> new = rescaled_page(old, 3_000_000_000 * 10, 2_000_000_000)
    >>> read_100ns(old, 30_000_000_000) == read_100ns(new, 30_000_000_000)
    True
    >>> new.sequence
    2
    """
    check_instance("page", page, ReferenceTscPage)
    tsc_now = check_u64("tsc_now", tsc_now)
    new_guest_hz = check_int("new_guest_hz", new_guest_hz, 1, U64_MAX)
    now = read_100ns(page, tsc_now)
    new_scale = guest_freq_to_scale(new_guest_hz)
    if now is None or new_scale is None:
        return ReferenceTscPage(sequence=0, scale=0, offset=0)
    offset = now - fixed_scale(tsc_now, new_scale, HYPERV_REFERENCE)
    if not I64_MIN <= offset <= I64_MAX:
        return ReferenceTscPage(sequence=0, scale=0, offset=0)
    sequence = (page.sequence + 1) & U32_MAX or 1
    return ReferenceTscPage(sequence=sequence, scale=new_scale, offset=offset)


def kvm_reference_page(info: PvclockTimeInfo, sequence: int = 1) -> ReferenceTscPage:
    """The reference TSC page KVM derives from a kvmclock page (``kvm_hv_setup_tsc_page``).

    KVM has no reference page of its own: on every kvmclock update it recomputes scale and
    offset from that vCPU's ``pvclock_vcpu_time_info`` (``compute_tsc_page_parameters`` in
    Linux ``arch/x86/kvm/hyperv.c``)::

        scale  = (2**(32 + tsc_shift) * tsc_to_system_mul) // 100
        offset = system_time // 100 - ((tsc_timestamp * scale) >> 64)      (mod 2**64)

    so the offset changes with each kvmclock anchor (propolis writes offset 0 once). It
    publishes ``sequence = 0`` ("use another clock") when the kvmclock page lacks
    ``PVCLOCK_TSC_STABLE_BIT`` or when ``tsc_to_system_mul >= max_mul``, KVM's test that the
    scale fits 64 bits, with ``max_mul = 100ull << (32 - tsc_shift)`` computed in 64 bits as KVM
    does: for ``tsc_shift`` -30 and -31 that shift wraps to 0 (100 is a multiple of 4), so KVM
    disables the page although the scale would fit, and so does this model. (For -26..-29 the
    wrapped bound still exceeds every 32-bit ``mul``; ``tsc_shift`` -32, a shift by 64, is
    undefined in C and is refused here the same way. ``kvm_get_time_scale`` reaches -30 only
    for TSCs above about 2**30 GHz, so no real page is affected.)

    Examples
    --------
    >>> from tscmath.guest_view.pvclock import make_time_info
    >>> kvm = kvm_reference_page(make_time_info(3_000_000_000, 6_000_000_000, 2 * 10**9))
    >>> read_100ns(kvm, 9_000_000_000)  # 1 s after an anchor at 2 s: 3 s in 100 ns units
    30000000
    """
    seq = check_int("sequence", sequence, 1, U32_MAX)
    check_instance("info", info, PvclockTimeInfo)
    if not info.flags & PVCLOCK_TSC_STABLE_BIT:
        return ReferenceTscPage(sequence=0, scale=0, offset=0)
    shift = check_int("tsc_shift", info.tsc_shift, -32, 31)
    max_mul = (100 << (32 - shift)) & U64_MAX if shift > -32 else 0  # KVM's u64 shift
    if info.tsc_to_system_mul >= max_mul:
        return ReferenceTscPage(sequence=0, scale=0, offset=0)
    tsc_scale = ((1 << (32 + shift)) * info.tsc_to_system_mul) // 100
    offset = (info.system_time // 100 - ((info.tsc_timestamp * tsc_scale) >> 64)) & U64_MAX
    if offset > I64_MAX:
        offset -= 1 << 64
    return ReferenceTscPage(sequence=seq, scale=tsc_scale, offset=offset)
