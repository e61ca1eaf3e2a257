"""The limits real hypervisors put on TSC frequencies and scaling (bhyve, KVM).

* **bhyve** (``svm_freq_ratio`` in illumos ``usr/src/uts/intel/io/vmm/amd/svm.c``, read at
  illumos-gate commit 09ea9c53; the time-data write calls it): a guest frequency equal
  to the host's needs no scaling and is accepted before any other check; otherwise a host
  without the TSC-ratio MSR refuses it with ``EPERM``, and a guest frequency below 500 MHz
  (``AMD_TSC_MIN_FREQ``), or at least 15 times the host's (``AMD_TSC_MAX_FREQ_RATIO``), with
  ``EINVAL``. bhyve has no Intel (VMX) scaling: ``vmm_data_write_vmm_time`` (``vmm.c``) asks the
  backend's ``ops->vmfreqratio`` and answers ``FR_SCALING_NOT_SUPPORTED`` with ``EPERM``; the
  "SUPPORTED PLATFORMS AND CAVEATS" comment says "at this time only SVM is supported by bhyve",
  and bhyve's own ``test_invalid_freq_intel`` (``usr/src/test/bhyve-tests/tests/vmm/time_data.c``)
  expects ``EPERM`` for any frequency other than the host's. So an Intel host, even one whose CPU
  has the 16.48 VMX multiplier, takes only guests at its own frequency (no scaling needed).
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

from .errors import U32_MAX, InvalidInput, check_hz, check_instance, check_int
from .formats import AMD_SVM, FixedPointFormat

__all__ = [
    "BHYVE_MIN_GUEST_HZ",
    "BHYVE_MAX_RATIO",
    "KVM_MAX_GUEST_TSC_KHZ_CAP",
    "KVM_TSC_TOLERANCE_PPM",
    "bhyve_rejection",
    "bhyve_scales",
    "kvm_adjust_khz",
    "kvm_max_guest_tsc_khz",
    "kvm_set_tsc_khz_outcome",
    "kvm_uses_scaling",
    "kvm_khz",
]

BHYVE_MIN_GUEST_HZ = 500_000_000
"""bhyve refuses guest frequencies below this (Hz)."""

BHYVE_MAX_RATIO = 15
"""bhyve refuses guest_hz >= BHYVE_MAX_RATIO * host_hz."""

KVM_TSC_TOLERANCE_PPM = 250
"""KVM's default ``tsc_tolerance_ppm`` module parameter."""

KVM_MAX_GUEST_TSC_KHZ_CAP = 0x7FFFFFFF
"""KVM caps ``max_guest_tsc_khz`` so that a rate "fits into a signed integer"."""


def bhyve_rejection(
    guest_hz: int, host_hz: int, fmt: FixedPointFormat | None = AMD_SVM
) -> str | None:
    """Why bhyve would refuse this guest frequency on this host, or ``None``.

    In ``vmm_data_write_vmm_time``'s order (its ``ops->vmfreqratio`` call, ``svm_freq_ratio``
    on AMD): equal frequencies need no scaling and are accepted, whatever they are and whatever
    the CPU; otherwise a host that bhyve cannot scale refuses with ``EPERM`` -- ``fmt=None`` (no
    TSC-ratio MSR) and any format other than SVM's 8.32, since bhyve has no VMX (Intel 16.48)
    scaling; then the 500 MHz floor and the 15x ceiling (``EINVAL``).

    Parameters
    ----------
    guest_hz, host_hz : int
        Guest and host TSC frequencies, Hz.
    fmt : FixedPointFormat or None, optional
        The host CPU's TSC-scaling format (default ``AMD_SVM``); ``None``: it cannot scale.

    Examples
    --------
    >>> bhyve_rejection(3_000_000_000, 2_500_000_000) is None
    True
    >>> bhyve_rejection(400_000_000, 400_000_000) is None      # no scaling needed
    True
    >>> bhyve_rejection(45_000_000_000, 3_000_000_000)
    'EINVAL: guest_hz 45000000000 is at least 15 x host_hz 3000000000'
    >>> from tscmath import INTEL_VMX
    >>> bhyve_rejection(3_000_000_000, 2_500_000_000, INTEL_VMX)[:45]
    'EPERM: bhyve has no TSC scaling for Intel VMX'
    """
    guest_hz = check_hz("guest_hz", guest_hz)
    host_hz = check_hz("host_hz", host_hz)
    scales = bhyve_scales(fmt)  # checks fmt
    if guest_hz == host_hz:
        return None
    if fmt is None:
        return f"EPERM: guest_hz {guest_hz} differs from host_hz {host_hz}; the host cannot scale"
    if not scales:
        return (
            f"EPERM: bhyve has no TSC scaling for {fmt.name} ({fmt.label}), only AMD SVM 8.32; "
            f"guest_hz {guest_hz} differs from host_hz {host_hz}"
        )
    if guest_hz < BHYVE_MIN_GUEST_HZ:
        return f"EINVAL: guest_hz {guest_hz} is below the {BHYVE_MIN_GUEST_HZ} Hz minimum"
    if guest_hz >= BHYVE_MAX_RATIO * host_hz:
        return f"EINVAL: guest_hz {guest_hz} is at least {BHYVE_MAX_RATIO} x host_hz {host_hz}"
    return None


def bhyve_scales(fmt: FixedPointFormat | None) -> bool:
    """Whether bhyve programs a TSC multiplier in ``fmt``: only AMD SVM's 8.32 TSC ratio.

    Examples
    --------
    >>> from tscmath import AMD_SVM, INTEL_VMX
    >>> bhyve_scales(AMD_SVM), bhyve_scales(INTEL_VMX), bhyve_scales(None)
    (True, False, False)
    """
    if fmt is not None:
        check_instance(
            "fmt", fmt, FixedPointFormat, "a FixedPointFormat (AMD_SVM, INTEL_VMX) or None"
        )
    svm = (AMD_SVM.int_bits, AMD_SVM.frac_bits)
    return fmt is not None and (fmt.int_bits, fmt.frac_bits) == svm


def kvm_khz(hz: int) -> int:
    """The whole kHz KVM would be given for a frequency of ``hz`` (floor).

    Examples
    --------
    >>> kvm_khz(2_994_374_123)
    2994374
    """
    return check_hz("hz", hz) // 1000


def kvm_adjust_khz(khz: int, ppm: int) -> int:
    """``khz * (10**6 + ppm) // 10**6`` truncated to 32 bits, as KVM's ``adjust_tsc_khz``.

    KVM computes the product in 64 bits and returns a ``u32`` (``adjust_tsc_khz`` in Linux
    ``arch/x86/kvm/x86.c``), so an edge above ``2**32 - 1`` kHz wraps. ``khz`` is KVM's ``u32``
    ``tsc_khz``. With the default 250 ppm that happens only for ``khz`` above 4,293,893,822
    (4.29 THz); a large ``tsc_tolerance_ppm`` brings it down (``ppm = 999_999``: above
    2,147,484,721 kHz). :func:`kvm_uses_scaling` uses the wrapped edges, as KVM does.

    Examples
    --------
    >>> kvm_adjust_khz(3_000_000, 250), kvm_adjust_khz(3_000_000, -250)
    (3000750, 2999250)
    >>> kvm_adjust_khz(2**32 - 1, 250)   # 4,296,041,036 does not fit a u32
    1073740
    """
    khz = check_int("khz", khz, 1, U32_MAX)
    ppm = check_int("ppm", ppm, -999_999, 10**6)
    return (khz * (10**6 + ppm) // 10**6) & U32_MAX


def kvm_max_guest_tsc_khz(host_khz: int, fmt: FixedPointFormat = AMD_SVM) -> int:
    """The bound of KVM's ``KVM_SET_TSC_KHZ`` on a host that scales: a rate must be below it.

    ``__kvm_x86_vendor_init`` (Linux ``arch/x86/kvm/x86.c``) sets ``kvm_caps.max_guest_tsc_khz
    = min(0x7fffffff, __scale_tsc(max_tsc_scaling_ratio, tsc_khz))``: the host's rate scaled by
    the largest multiplier (``fmt.max_multiplier``: SVM 8.32 ``2**40 - 1``, VMX 16.48
    ``2**64 - 1``), capped to what fits a signed 32-bit integer. The vCPU ioctl refuses
    ``user_khz >= max_guest_tsc_khz`` with ``EINVAL``; a host without scaling has no such
    bound (see :func:`kvm_set_tsc_khz_outcome`).

    Examples
    --------
    >>> from tscmath import INTEL_VMX
    >>> kvm_max_guest_tsc_khz(3_000_000), kvm_max_guest_tsc_khz(3_000_000, INTEL_VMX)
    (767999999, 2147483647)
    """
    host_khz = check_int("host_khz", host_khz, 1, U32_MAX)
    if not isinstance(fmt, FixedPointFormat):
        raise InvalidInput(f"fmt must be a FixedPointFormat (AMD_SVM, INTEL_VMX); got {fmt!r}")
    return min(KVM_MAX_GUEST_TSC_KHZ_CAP, (fmt.max_multiplier * host_khz) >> fmt.frac_bits)


def kvm_set_tsc_khz_outcome(
    user_khz: int,
    host_khz: int,
    fmt: FixedPointFormat | None = AMD_SVM,
    ppm: int = KVM_TSC_TOLERANCE_PPM,
) -> str:
    """What KVM does with a vCPU's ``KVM_SET_TSC_KHZ`` of ``user_khz`` on a host of ``host_khz``.

    In the order of the vCPU ioctl and ``kvm_set_tsc_khz``/``set_tsc_khz`` (Linux
    ``arch/x86/kvm/x86.c``): the ioctl takes the argument as a ``u32`` (``(u32)arg``: KVM silently
    truncates a larger one; here it is refused with a named error) and, when the host scales
    (``fmt`` not ``None``), refuses ``user_khz >= kvm_max_guest_tsc_khz`` (``"EINVAL"``); 0
    means the host's rate; a rate within ``ppm`` of the host's is ``"not scaled"``; otherwise a
    host that scales programs ``floor(2**F * user_khz / host_khz)`` (``"scaled"``, or
    ``"EINVAL"`` when that ratio is 0 or not below the largest multiplier), and one that cannot
    runs a faster rate in catch-up mode (``"catch-up"``) and refuses a slower one
    (``"EINVAL"``).

    Examples
    --------
    >>> kvm_set_tsc_khz_outcome(2_500_000, 3_000_000)
    'scaled'
    >>> kvm_set_tsc_khz_outcome(3_600_000, 3_000_000, None), kvm_set_tsc_khz_outcome(
    ...     2_500_000, 3_000_000, None)
    ('catch-up', 'EINVAL')
    >>> kvm_set_tsc_khz_outcome(800_000_000, 3_000_000)   # above 8.32's bound
    'EINVAL'
    """
    user_khz = check_int("user_khz", user_khz, 0, U32_MAX)
    host_khz = check_int("host_khz", host_khz, 1, U32_MAX)
    ppm = check_int("ppm", ppm, 0, 999_999)
    if fmt is not None and user_khz >= kvm_max_guest_tsc_khz(host_khz, fmt):
        return "EINVAL"
    if user_khz == 0:
        user_khz = host_khz
    if not kvm_uses_scaling(user_khz, host_khz, ppm):
        return "not scaled"
    if fmt is None:
        return "catch-up" if user_khz > host_khz else "EINVAL"
    ratio = (user_khz << fmt.frac_bits) // host_khz
    return "scaled" if 0 < ratio < fmt.max_multiplier else "EINVAL"


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
    host_khz = check_int("host_khz", host_khz, 1, U32_MAX)  # KVM's u32 tsc_khz
    ppm = check_int("ppm", ppm, 0, 999_999)  # tsc_tolerance_ppm is an unsigned tolerance
    lo, hi = kvm_adjust_khz(host_khz, -ppm), kvm_adjust_khz(host_khz, ppm)
    return user_khz < lo or user_khz > hi
