"""The limits real hypervisors put on TSC frequencies and scaling (bhyve, KVM).

* **bhyve** (``svm_freq_ratio`` in illumos ``usr/src/uts/intel/io/vmm/amd/svm.c``, read at
  illumos-gate commit 09ea9c53; the time-data write calls it): a guest frequency equal
  to the host's needs no scaling and is accepted before any other check; otherwise a host
  without the TSC-ratio MSR refuses it with ``EPERM``, and a guest frequency below 500 MHz
  (``AMD_TSC_MIN_FREQ``), or at least 15 times the host's (``AMD_TSC_MAX_FREQ_RATIO``), with
  ``EINVAL``. bhyve has no Intel (VMX) scaling, so Intel hosts take only guests at their own
  frequency.
* **KVM** (Linux ``arch/x86/kvm/x86.c``, ``kvm_set_tsc_khz``): frequencies are whole **kHz**;
  the multiplier is ``floor(2**F * user_khz / host_khz)``; and if the requested rate is within
  ``tsc_tolerance_ppm`` (default 250) of the host's, KVM does not scale at all and the guest runs
  at the host's rate. The tolerance window is computed like ``adjust_tsc_khz``:
  ``khz * (10**6 + ppm) // 10**6``.

Examples
--------
>>> bhyve_rejection(400_000_000, 3_000_000_000)
'EINVAL: guest_hz 400000000 is below the 500000000 Hz minimum'
>>> kvm_uses_scaling(3_000_000, 2_999_400)   # 200 ppm apart: inside the tolerance
False
"""

from __future__ import annotations

from .errors import check_hz, check_int

__all__ = [
    "BHYVE_MIN_GUEST_HZ",
    "BHYVE_MAX_RATIO",
    "KVM_TSC_TOLERANCE_PPM",
    "bhyve_rejection",
    "kvm_adjust_khz",
    "kvm_uses_scaling",
    "kvm_khz",
]

BHYVE_MIN_GUEST_HZ = 500_000_000
"""bhyve refuses guest frequencies below this (Hz)."""

BHYVE_MAX_RATIO = 15
"""bhyve refuses guest_hz >= BHYVE_MAX_RATIO * host_hz."""

KVM_TSC_TOLERANCE_PPM = 250
"""KVM's default ``tsc_tolerance_ppm`` module parameter."""


def bhyve_rejection(guest_hz: int, host_hz: int) -> str | None:
    """Why bhyve would refuse this guest frequency on this (AMD, scaling) host, or ``None``.

    In ``svm_freq_ratio``'s order: equal frequencies need no scaling and are accepted, whatever
    they are; then the 500 MHz floor and the 15x ceiling (``EINVAL``).

    Examples
    --------
    >>> bhyve_rejection(3_000_000_000, 2_500_000_000) is None
    True
    >>> bhyve_rejection(400_000_000, 400_000_000) is None      # no scaling needed
    True
    >>> bhyve_rejection(45_000_000_000, 3_000_000_000)
    'EINVAL: guest_hz 45000000000 is at least 15 x host_hz 3000000000'
    """
    guest_hz = check_hz("guest_hz", guest_hz)
    host_hz = check_hz("host_hz", host_hz)
    if guest_hz == host_hz:
        return None
    if guest_hz < BHYVE_MIN_GUEST_HZ:
        return f"EINVAL: guest_hz {guest_hz} is below the {BHYVE_MIN_GUEST_HZ} Hz minimum"
    if guest_hz >= BHYVE_MAX_RATIO * host_hz:
        return f"EINVAL: guest_hz {guest_hz} is at least {BHYVE_MAX_RATIO} x host_hz {host_hz}"
    return None


def kvm_khz(hz: int) -> int:
    """The whole kHz KVM would be given for a frequency of ``hz`` (floor).

    Examples
    --------
    >>> kvm_khz(2_994_374_123)
    2994374
    """
    return check_hz("hz", hz) // 1000


def kvm_adjust_khz(khz: int, ppm: int) -> int:
    """``khz * (10**6 + ppm) // 10**6``, as KVM's ``adjust_tsc_khz`` computes the window edges.

    Examples
    --------
    >>> kvm_adjust_khz(3_000_000, 250), kvm_adjust_khz(3_000_000, -250)
    (3000750, 2999250)
    """
    khz = check_hz("khz", khz)
    ppm = check_int("ppm", ppm, -999_999, 10**6)
    return khz * (10**6 + ppm) // 10**6


def kvm_uses_scaling(user_khz: int, host_khz: int, ppm: int = KVM_TSC_TOLERANCE_PPM) -> bool:
    """Whether KVM scales a guest asking for ``user_khz`` on a host of ``host_khz``.

    Outside ``[adjust(host, -ppm), adjust(host, +ppm)]`` it scales; inside, the guest runs at
    the host's rate. ``ppm`` is KVM's ``tsc_tolerance_ppm``, an unsigned module parameter
    (``static u32 tsc_tolerance_ppm = 250``, ``module_param(..., uint, 0644)`` in Linux
    ``arch/x86/kvm/x86.c``), so it is refused below 0; from ``10**6`` on the lower edge of the
    window would reach 0 kHz, so the valid range here is ``0 .. 999_999``.

    Examples
    --------
    >>> kvm_uses_scaling(3_000_000, 2_999_000)   # 333 ppm apart
    True
    """
    user_khz = check_hz("user_khz", user_khz)
    host_khz = check_hz("host_khz", host_khz)
    ppm = check_int("ppm", ppm, 0, 999_999)  # tsc_tolerance_ppm is an unsigned tolerance
    lo, hi = kvm_adjust_khz(host_khz, -ppm), kvm_adjust_khz(host_khz, ppm)
    return user_khz < lo or user_khz > hi
