"""Your machine's KVM, live: a tiny real guest, and the kvmclock page the running kernel writes.

Chapter 08c runs it. A driver of exactly the part of the Linux KVM API the chapter needs, on
the standard library only; every ioctl and struct keeps its name from Linux
``include/uapi/linux/kvm.h``. :func:`run_tiny_guest` creates a VM with one vCPU, runs the
guest of :data:`GUEST_PROGRAM` (it registers its kvmclock page, reads ``RDTSC`` and halts)
and decodes the page KVM wrote as a :class:`~tscmath.guest_view.pvclock.PvclockTimeInfo`.
Every run is bounded (``HLT``, an unexpected exit or a ``SIGALRM`` timeout end it, so runs
start from the main thread). The machine's faults are :class:`KvmError` (an ``OSError``); bad
arguments raise :class:`tscmath.InvalidInput` as everywhere.

Examples
--------
The ioctl numbers are computed as ``_IOC`` does (``include/uapi/asm-generic/ioctl.h``):

>>> hex(KVM_GET_CLOCK), hex(KVM_RUN)
('0x8030ae7c', '0xae80')
>>> for line in describe_program()[3:]:
...     print(line)
0x100f: 0f 30                wrmsr               ; KVM will fill the page before the next entry
0x1011: 0f 31                rdtsc               ; edx:eax = the guest's TSC
0x1013: 66 e7 10             out 0x10, eax       ; low 32 bits: a KVM_EXIT_IO
0x1016: 66 89 d0             mov eax, edx
0x1019: 66 e7 10             out 0x10, eax       ; high 32 bits: a KVM_EXIT_IO
0x101c: f4                   hlt                 ; KVM_EXIT_HLT: the run is over
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mmap
import os
import platform
import signal
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tscmath.errors import (
    U32_MAX,
    U64_MAX,
    InvalidInput,
    check_int,
    check_sequence,
    check_str,
    check_u64,
)
from tscmath.guest_view.pvclock import PvclockTimeInfo

from .kvm_checks import (
    GuestRun,
    KvmClockData,
    KvmSession,
    TscKhzAttempt,
    load_recorded_session,
)

__all__ = [
    "KVM_DEVICE",
    "KvmError",
    "KvmUnavailable",
    "KvmUnexpectedExit",
    "describe_program",
    "record_session",
    "live_or_recorded",
]

KVM_DEVICE = "/dev/kvm"
KVM_API_VERSION = 12
"""The only API version there has ever been since Linux 2.6.22."""

# --- ioctl numbers (include/uapi/asm-generic/ioctl.h, include/uapi/linux/kvm.h) ------------------

_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2
KVMIO = 0xAE


def _IOC(direction: int, nr: int, size: int) -> int:  # noqa: N802 (the kernel's macro name)
    return (direction << 30) | (size << 16) | (KVMIO << 8) | nr


# struct layouts, little-endian, as in the uapi headers
KVM_USERSPACE_MEMORY_REGION = struct.Struct("<IIQQQ")  # slot, flags, guest_phys_addr, size, uaddr
KVM_REGS = struct.Struct("<18Q")  # rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags
KVM_SEGMENT = struct.Struct("<QIH10B")  # base, limit, selector, type, present, ..., padding
KVM_SREGS_SIZE = 8 * KVM_SEGMENT.size + 2 * 16 + 7 * 8 + 4 * 8  # 312 bytes
KVM_CLOCK_DATA = struct.Struct("<QIIQQ16x")  # clock, flags, pad0, realtime, host_tsc, pad[4]
KVM_DEVICE_ATTR = struct.Struct("<IIQQ")  # flags, group, attr, addr
PVCLOCK_VCPU_TIME_INFO = struct.Struct("<IIQQIbB2x")  # version, pad0, tsc_timestamp, ...
KVM_RUN_EXIT_REASON = struct.Struct("<I")  # kvm_run.exit_reason, at offset 8
KVM_RUN_IO = struct.Struct("<BBHIQ")  # kvm_run.io: direction, size, port, count, data_offset
KVM_RUN_INTERNAL = struct.Struct("<II")  # kvm_run.internal: suberror, ndata
KVM_RUN_UNION_OFFSET = 32

KVM_GET_API_VERSION = _IOC(_IOC_NONE, 0x00, 0)
KVM_CREATE_VM = _IOC(_IOC_NONE, 0x01, 0)
KVM_CHECK_EXTENSION = _IOC(_IOC_NONE, 0x03, 0)
KVM_GET_VCPU_MMAP_SIZE = _IOC(_IOC_NONE, 0x04, 0)
KVM_CREATE_VCPU = _IOC(_IOC_NONE, 0x41, 0)
KVM_SET_USER_MEMORY_REGION = _IOC(_IOC_WRITE, 0x46, KVM_USERSPACE_MEMORY_REGION.size)
KVM_GET_CLOCK = _IOC(_IOC_READ, 0x7C, KVM_CLOCK_DATA.size)
KVM_RUN = _IOC(_IOC_NONE, 0x80, 0)
KVM_SET_REGS = _IOC(_IOC_WRITE, 0x82, KVM_REGS.size)
KVM_GET_SREGS = _IOC(_IOC_READ, 0x83, KVM_SREGS_SIZE)
KVM_SET_SREGS = _IOC(_IOC_WRITE, 0x84, KVM_SREGS_SIZE)
KVM_SET_TSC_KHZ = _IOC(_IOC_NONE, 0xA2, 0)
KVM_GET_TSC_KHZ = _IOC(_IOC_NONE, 0xA3, 0)
KVM_SET_DEVICE_ATTR = _IOC(_IOC_WRITE, 0xE1, KVM_DEVICE_ATTR.size)
KVM_GET_DEVICE_ATTR = _IOC(_IOC_WRITE, 0xE2, KVM_DEVICE_ATTR.size)
KVM_HAS_DEVICE_ATTR = _IOC(_IOC_WRITE, 0xE3, KVM_DEVICE_ATTR.size)

CAPABILITIES = {
    "KVM_CAP_ADJUST_CLOCK": 39,  # KVM_GET/SET_CLOCK; the value is the flags KVM_GET_CLOCK sets
    "KVM_CAP_TSC_CONTROL": 60,  # KVM_SET_TSC_KHZ can scale (hardware TSC multiplier)
    "KVM_CAP_GET_TSC_KHZ": 61,
    "KVM_CAP_VCPU_ATTRIBUTES": 127,  # KVM_{GET,SET,HAS}_DEVICE_ATTR on a vCPU
    "KVM_CAP_VM_TSC_CONTROL": 214,
}
"""The capabilities this section asks about, with their numbers from ``kvm.h``."""
REQUIRED = ("KVM_CAP_ADJUST_CLOCK", "KVM_CAP_GET_TSC_KHZ")

KVM_VCPU_TSC_CTRL = 0  # vCPU attribute group (arch/x86/include/uapi/asm/kvm.h)
KVM_VCPU_TSC_OFFSET = 0  # its attribute: u64 offset, guest_tsc = host_tsc + offset

KVM_EXIT_IO_OUT = 1
EXIT_REASONS = {
    0: "KVM_EXIT_UNKNOWN",
    1: "KVM_EXIT_EXCEPTION",
    2: "KVM_EXIT_IO",
    3: "KVM_EXIT_HYPERCALL",
    4: "KVM_EXIT_DEBUG",
    5: "KVM_EXIT_HLT",
    6: "KVM_EXIT_MMIO",
    7: "KVM_EXIT_IRQ_WINDOW_OPEN",
    8: "KVM_EXIT_SHUTDOWN",
    9: "KVM_EXIT_FAIL_ENTRY",
    10: "KVM_EXIT_INTR",
    17: "KVM_EXIT_INTERNAL_ERROR",
    24: "KVM_EXIT_SYSTEM_EVENT",
    29: "KVM_EXIT_X86_RDMSR",
    30: "KVM_EXIT_X86_WRMSR",
}
KVM_EXIT_IO, KVM_EXIT_HLT = 2, 5

# --- the guest ----------------------------------------------------------------------------------

MSR_KVM_SYSTEM_TIME_NEW = 0x4B564D01
GUEST_MEMORY_SIZE = 0x10000  # one 64 KiB slot at guest-physical address 0
CODE_GPA = 0x1000  # where the program is loaded and the vCPU starts (CS base 0, IP 0x1000)
KVMCLOCK_PAGE_GPA = 0x2000  # where KVM writes the pvclock_vcpu_time_info
DATA_PORT = 0x10  # the I/O port the guest writes its RDTSC value to


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


GUEST_PROGRAM: tuple[tuple[bytes, str], ...] = (
    (b"\x66\xb9" + _u32(MSR_KVM_SYSTEM_TIME_NEW), "mov ecx, 0x4b564d01 ; MSR_KVM_SYSTEM_TIME_NEW"),
    (
        b"\x66\xb8" + _u32(KVMCLOCK_PAGE_GPA | 1),
        "mov eax, 0x2001     ; kvmclock page GPA 0x2000 | enable bit",
    ),
    (b"\x66\x31\xd2", "xor edx, edx        ; high half of the GPA"),
    (b"\x0f\x30", "wrmsr               ; KVM will fill the page before the next entry"),
    (b"\x0f\x31", "rdtsc               ; edx:eax = the guest's TSC"),
    (b"\x66\xe7" + bytes([DATA_PORT]), "out 0x10, eax       ; low 32 bits: a KVM_EXIT_IO"),
    (b"\x66\x89\xd0", "mov eax, edx"),
    (b"\x66\xe7" + bytes([DATA_PORT]), "out 0x10, eax       ; high 32 bits: a KVM_EXIT_IO"),
    (b"\xf4", "hlt                 ; KVM_EXIT_HLT: the run is over"),
)
"""The guest, one 16-bit real-mode instruction a line (``0x66``: 32-bit operand prefix)."""

GUEST_CODE = b"".join(code for code, _ in GUEST_PROGRAM)


def describe_program(program: tuple[tuple[bytes, str], ...] = GUEST_PROGRAM) -> list[str]:
    """The program as a listing: address, bytes, instruction and comment, one line each."""
    steps = check_sequence("program", program, 4096)
    for i, step in enumerate(steps):
        if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], bytes)):
            raise InvalidInput(f"program[{i}] must be a (bytes, str) pair; got {step!r}")
        check_str(f"program[{i}][1]", step[1])
    lines, address = [], CODE_GPA
    for code, text in steps:
        lines.append(f"{address:#06x}: {code.hex(' '):<20} {text}")
        address += len(code)
    return lines


# --- errors -------------------------------------------------------------------------------------


class KvmError(OSError):
    """Base class of the errors of this module: the machine's KVM, not the caller, is at fault."""


class KvmUnavailable(KvmError):
    """``/dev/kvm`` is missing, not permitted, not x86-64 KVM, or lacks a capability."""


class KvmUnexpectedExit(KvmError):
    """``KVM_RUN`` returned an exit the guest program cannot cause (it names the exit)."""


class KvmRunTimeout(KvmError):
    """``KVM_RUN`` did not return within the timeout; the guest was interrupted."""


# --- host side helpers --------------------------------------------------------------------------


def vendor_modules(sys_module: str | Path = "/sys/module") -> list[str]:
    """The KVM vendor modules loaded: ``kvm_intel`` (VMX), ``kvm_amd`` (SVM), ``kvm_pvm`` (none).

    Examples
    --------
    >>> vendor_modules("/nonexistent")
    []
    """
    root = Path(sys_module)
    return [name for name in ("kvm_intel", "kvm_amd", "kvm_pvm") if (root / name).is_dir()]


# A host RDTSC as a C function returning u64 in rax (x86-64 System V calling convention)
_HOST_RDTSC_CODE = b"".join(
    (
        b"\x0f\xae\xe8",  # lfence           ; earlier instructions finish first
        b"\x0f\x31",  # rdtsc            ; edx:eax = TSC
        b"\x48\xc1\xe2\x20",  # shl rdx, 32
        b"\x48\x09\xd0",  # or rax, rdx
        b"\xc3",  # ret
    )
)


class _HostTscReader:
    """A host ``RDTSC`` callable from Python: five instructions in an executable mapping."""

    def __init__(self) -> None:
        self._map = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        self._map.write(_HOST_RDTSC_CODE)
        anchor = ctypes.c_char.from_buffer(self._map)
        address = ctypes.addressof(anchor)
        del anchor  # release the buffer export so the mapping can be closed
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        if libc.mprotect(address, mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
            code = ctypes.get_errno()
            self._map.close()
            raise KvmUnavailable(code, f"cannot map the host RDTSC routine: {os.strerror(code)}")
        self.read = ctypes.CFUNCTYPE(ctypes.c_uint64)(address)

    def close(self) -> None:
        self.read = None
        self._map.close()


def host_rdtsc() -> int:
    """One host ``RDTSC`` (ordered by ``LFENCE``), from a routine mapped for this one call.

    Examples
    --------
    >>> import platform
    >>> platform.machine() != "x86_64" or host_rdtsc() < host_rdtsc()
    True
    """
    reader = _HostTscReader()
    try:
        return int(reader.read())
    finally:
        reader.close()


def _ioctl(fd: int, request: int, arg: int | bytes = 0, what: str = "") -> int | bytes:
    """``fcntl.ioctl`` with the ioctl's name in the error."""
    try:
        return fcntl.ioctl(fd, request, arg)
    except InterruptedError:
        raise
    except OSError as err:
        raise KvmError(err.errno, f"{what} failed: {os.strerror(err.errno or 0)}") from err


def kvm_unavailable_reason(device: str = KVM_DEVICE) -> str | None:
    """Why this section cannot use KVM live here, or ``None`` when it can.

    Examples
    --------
    >>> print(kvm_unavailable_reason("/nonexistent/kvm"))  # doctest: +ELLIPSIS
    [Errno 2] /nonexistent/kvm does not exist: ...
    """
    try:
        with Kvm.open(device) as kvm:
            kvm.require(*REQUIRED)
    except KvmError as err:
        return str(err)
    return None


# --- the driver ---------------------------------------------------------------------------------


class Kvm:
    """``/dev/kvm``: the system fd (``KVM_GET_API_VERSION``, ``KVM_CHECK_EXTENSION``, VMs).

    Use it as a context manager: ``with Kvm.open() as kvm: ...``.
    """

    def __init__(self, fd: int, device: str) -> None:
        self.fd, self.device = fd, device
        self._host_tsc: _HostTscReader | None = None

    @classmethod
    def open(cls, device: str = KVM_DEVICE) -> Kvm:
        """Open ``device`` and check it is x86-64 KVM with API version 12."""
        if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
            raise KvmUnavailable(
                errno.ENODEV,
                f"KVM on x86-64 Linux is needed; this is {platform.system()} {platform.machine()}",
            )
        try:
            fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError as err:
            raise KvmUnavailable(
                err.errno,
                f"{device} does not exist: no KVM here (no kvm module loaded, or a VM without "
                "nested virtualization, or macOS/Windows)",
            ) from err
        except PermissionError as err:
            raise KvmUnavailable(
                err.errno,
                f"{device} is not permitted: run as root or join the 'kvm' group "
                "(sudo usermod -aG kvm $USER, then log in again)",
            ) from err
        except OSError as err:
            raise KvmUnavailable(err.errno, f"{device} cannot be opened: {err.strerror}") from err
        kvm = cls(fd, device)
        try:
            try:
                version = kvm.api_version()
            except KvmError as err:
                raise KvmUnavailable(err.errno, f"{device} is not a KVM device: {err}") from err
            if version != KVM_API_VERSION:
                raise KvmUnavailable(
                    errno.EINVAL, f"{device} speaks KVM API {version}, not {KVM_API_VERSION}"
                )
        except BaseException:
            kvm.close()
            raise
        return kvm

    def __enter__(self) -> Kvm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the fd and the host RDTSC mapping."""
        if self._host_tsc is not None:
            self._host_tsc.close()
            self._host_tsc = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def api_version(self) -> int:
        """``KVM_GET_API_VERSION``."""
        return int(_ioctl(self.fd, KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION"))

    def check_extension(self, name: str) -> int:
        """``KVM_CHECK_EXTENSION`` for a capability of :data:`CAPABILITIES` (0: absent)."""
        return int(_ioctl(self.fd, KVM_CHECK_EXTENSION, CAPABILITIES[name], name))

    def capabilities(self) -> dict[str, int]:
        """Every capability of :data:`CAPABILITIES` with its ``KVM_CHECK_EXTENSION`` value."""
        return {name: self.check_extension(name) for name in CAPABILITIES}

    def require(self, *names: str) -> None:
        """Raise :class:`KvmUnavailable` unless every capability named is present."""
        missing = [name for name in names if not self.check_extension(name)]
        if missing:
            raise KvmUnavailable(errno.ENOTSUP, f"{self.device} lacks {', '.join(missing)}")

    def host_tsc(self) -> int:
        """One host ``RDTSC`` (the routine stays mapped until :meth:`close`)."""
        if self._host_tsc is None:
            self._host_tsc = _HostTscReader()
        return int(self._host_tsc.read())

    @contextmanager
    def create_vm(self) -> Iterator[Vm]:
        """``KVM_CREATE_VM`` with one memory slot of :data:`GUEST_MEMORY_SIZE` bytes at GPA 0."""
        fd = int(_ioctl(self.fd, KVM_CREATE_VM, 0, "KVM_CREATE_VM"))
        vm = Vm(self, fd)
        try:
            vm.add_memory()
            yield vm
        finally:
            vm.close()


class Vm:
    """A VM fd and its guest memory (an anonymous mapping)."""

    def __init__(self, kvm: Kvm, fd: int) -> None:
        self.kvm, self.fd = kvm, fd
        self.memory: mmap.mmap | None = None

    def add_memory(self) -> None:
        """``KVM_SET_USER_MEMORY_REGION``: slot 0, :data:`GUEST_MEMORY_SIZE` bytes at GPA 0."""
        self.memory = mmap.mmap(-1, GUEST_MEMORY_SIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        anchor = ctypes.c_char.from_buffer(self.memory)
        address = ctypes.addressof(anchor)
        del anchor
        region = KVM_USERSPACE_MEMORY_REGION.pack(0, 0, 0, GUEST_MEMORY_SIZE, address)
        _ioctl(self.fd, KVM_SET_USER_MEMORY_REGION, region, "KVM_SET_USER_MEMORY_REGION")

    def close(self) -> None:
        """Close the VM fd, then unmap its memory (the kernel drops the slot with the VM)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.memory is not None:
            self.memory.close()
            self.memory = None

    def get_clock(self) -> KvmClockData:
        """``KVM_GET_CLOCK``: the VM's kvmclock ns, with the host TSC and time it was read at."""
        raw = _ioctl(self.fd, KVM_GET_CLOCK, bytes(KVM_CLOCK_DATA.size), "KVM_GET_CLOCK")
        clock, flags, _pad, realtime, host_tsc = KVM_CLOCK_DATA.unpack(raw)
        return KvmClockData(clock, flags, realtime, host_tsc)

    def read_kvmclock_page(self, gpa: int = KVMCLOCK_PAGE_GPA) -> PvclockTimeInfo:
        """Decode the ``pvclock_vcpu_time_info`` at ``gpa`` in guest memory."""
        assert self.memory is not None
        version, _pad, tsc_ts, system_time, mul, shift, flags = PVCLOCK_VCPU_TIME_INFO.unpack_from(
            self.memory, gpa
        )
        return PvclockTimeInfo(version, tsc_ts, system_time, mul, shift, flags)

    def load(self, code: bytes, gpa: int = CODE_GPA) -> None:
        """Copy ``code`` into guest memory at ``gpa``."""
        assert self.memory is not None
        self.memory[gpa : gpa + len(code)] = code

    @contextmanager
    def create_vcpu(self) -> Iterator[Vcpu]:
        """``KVM_CREATE_VCPU`` 0, its ``struct kvm_run`` mapped (``KVM_GET_VCPU_MMAP_SIZE``)."""
        fd = int(_ioctl(self.fd, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU"))
        vcpu = Vcpu(self, fd)
        try:
            size = int(_ioctl(self.kvm.fd, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE"))
            vcpu.run_area = mmap.mmap(fd, size, prot=mmap.PROT_READ | mmap.PROT_WRITE)
            yield vcpu
        finally:
            vcpu.close()


class Vcpu:
    """A vCPU fd and its mapped ``struct kvm_run``."""

    def __init__(self, vm: Vm, fd: int) -> None:
        self.vm, self.fd = vm, fd
        self.run_area: mmap.mmap | None = None

    def close(self) -> None:
        """Unmap ``kvm_run`` and close the vCPU fd."""
        if self.run_area is not None:
            self.run_area.close()
            self.run_area = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def enter_real_mode_at(self, ip: int = CODE_GPA) -> None:
        """Real mode at ``ip``: CS base and selector 0 (``KVM_SET_SREGS``), RFLAGS 2."""
        sregs = bytearray(_ioctl(self.fd, KVM_GET_SREGS, bytes(KVM_SREGS_SIZE), "KVM_GET_SREGS"))
        cs = list(KVM_SEGMENT.unpack_from(sregs, 0))  # cs is the first kvm_segment
        cs[0], cs[2] = 0, 0  # base, selector
        KVM_SEGMENT.pack_into(sregs, 0, *cs)
        _ioctl(self.fd, KVM_SET_SREGS, bytes(sregs), "KVM_SET_SREGS")
        regs = [0] * 18
        regs[16], regs[17] = ip, 0x2  # rip, rflags (bit 1 is always set)
        _ioctl(self.fd, KVM_SET_REGS, KVM_REGS.pack(*regs), "KVM_SET_REGS")

    def get_tsc_khz(self) -> int:
        """``KVM_GET_TSC_KHZ``: the guest TSC rate KVM believes in."""
        return int(_ioctl(self.fd, KVM_GET_TSC_KHZ, 0, "KVM_GET_TSC_KHZ"))

    def set_tsc_khz(self, khz: int) -> None:
        """``KVM_SET_TSC_KHZ``; a refusal raises :class:`KvmError` with its errno."""
        _ioctl(self.fd, KVM_SET_TSC_KHZ, check_int("khz", khz, 1, U32_MAX), "KVM_SET_TSC_KHZ")

    def _tsc_offset_attr(self, request: int, what: str, value: int = 0) -> int:
        cell = ctypes.c_uint64(value)
        attr = KVM_DEVICE_ATTR.pack(
            0, KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET, ctypes.addressof(cell)
        )
        _ioctl(self.fd, request, attr, what)
        return int(cell.value)

    def has_tsc_offset(self) -> bool:
        """``KVM_HAS_DEVICE_ATTR`` for ``KVM_VCPU_TSC_CTRL``/``KVM_VCPU_TSC_OFFSET``."""
        try:
            self._tsc_offset_attr(KVM_HAS_DEVICE_ATTR, "KVM_HAS_DEVICE_ATTR")
        except KvmError:
            return False
        return True

    def get_tsc_offset(self) -> int:
        """``KVM_GET_DEVICE_ATTR`` ``KVM_VCPU_TSC_OFFSET``: the offset KVM holds for the vCPU."""
        return self._tsc_offset_attr(KVM_GET_DEVICE_ATTR, "KVM_GET_DEVICE_ATTR")

    def set_tsc_offset(self, offset: int) -> None:
        """``KVM_SET_DEVICE_ATTR`` ``KVM_VCPU_TSC_OFFSET``: ``guest_tsc = host_tsc + offset``."""
        self._tsc_offset_attr(
            KVM_SET_DEVICE_ATTR, "KVM_SET_DEVICE_ATTR", check_u64("offset", offset)
        )

    def run_until_halt(
        self, *, max_exits: int = 8, timeout_s: float = 5.0
    ) -> tuple[list[int], list[str]]:
        """``KVM_RUN`` until ``KVM_EXIT_HLT``; the words sent to :data:`DATA_PORT`, the exits.

        Any other exit raises :class:`KvmUnexpectedExit`, more than ``max_exits`` exits too; a
        ``KVM_RUN`` longer than ``timeout_s`` raises :class:`KvmRunTimeout`.
        """
        check_int("max_exits", max_exits, 1, 1000)
        words: list[int] = []
        exits: list[str] = []
        with _deadline(timeout_s):
            while len(exits) < max_exits:
                try:
                    fcntl.ioctl(self.fd, KVM_RUN, 0)
                except InterruptedError:
                    continue  # another signal (our own timer raises KvmRunTimeout instead)
                except KvmError:
                    raise
                except OSError as err:
                    raise KvmError(err.errno, f"KVM_RUN failed: {err.strerror}") from err
                assert self.run_area is not None
                reason, word = decode_exit(self.run_area)
                exits.append(EXIT_REASONS.get(reason, str(reason)))
                if reason == KVM_EXIT_HLT:
                    return words, exits
                words.append(word)  # decode_exit let only our port write through
        raise KvmUnexpectedExit(
            errno.EIO, f"the guest did not halt within {max_exits} exits: {', '.join(exits)}"
        )


def decode_exit(run_area: bytes | bytearray | mmap.mmap) -> tuple[int, int]:
    """The exit reason of a ``struct kvm_run`` and, for our port write, the 32-bit word written.

    Raises :class:`KvmUnexpectedExit` for anything but ``KVM_EXIT_HLT`` or a 4-byte ``OUT`` to
    :data:`DATA_PORT`.

    Examples
    --------
    >>> area = bytearray(64)
    >>> area[8:12] = (8).to_bytes(4, "little")  # KVM_EXIT_SHUTDOWN: a triple fault
    >>> decode_exit(area)
    Traceback (most recent call last):
    ...
    tsccourse.kvm_live.KvmUnexpectedExit: [Errno 5] unexpected KVM_EXIT_SHUTDOWN (8)
    """
    (reason,) = KVM_RUN_EXIT_REASON.unpack_from(run_area, 8)
    name = EXIT_REASONS.get(reason, "unknown exit")
    if reason == KVM_EXIT_HLT:
        return reason, 0
    if reason == KVM_EXIT_IO:
        direction, size, port, count, data_offset = KVM_RUN_IO.unpack_from(
            run_area, KVM_RUN_UNION_OFFSET
        )
        if direction == KVM_EXIT_IO_OUT and size == 4 and port == DATA_PORT and count == 1:
            (word,) = struct.unpack_from("<I", run_area, data_offset)
            return reason, word
        kind = "OUT" if direction == KVM_EXIT_IO_OUT else "IN"
        raise KvmUnexpectedExit(
            errno.EIO,
            f"unexpected {name}: {kind} of {size} byte(s) x {count} at port {port:#x} "
            f"(the guest only writes 4 bytes to port {DATA_PORT:#x})",
        )
    detail = ""
    if reason == 17:  # KVM_EXIT_INTERNAL_ERROR
        suberror, _ndata = KVM_RUN_INTERNAL.unpack_from(run_area, KVM_RUN_UNION_OFFSET)
        detail = f", suberror {suberror}"
    raise KvmUnexpectedExit(errno.EIO, f"unexpected {name} ({reason}){detail}")


@contextmanager
def _deadline(timeout_s: float) -> Iterator[None]:
    """Interrupt a blocking ``KVM_RUN`` after ``timeout_s`` with ``SIGALRM`` (main thread only).

    The handler raises :class:`KvmRunTimeout` from inside the interrupted ioctl. Any timer and
    handler already set are put back afterwards, the timer re-armed with its remaining time.
    """
    if not 0 < timeout_s <= 3600:
        raise InvalidInput(f"timeout_s must be in (0, 3600] seconds; got {timeout_s!r}")
    if threading.current_thread() is not threading.main_thread():
        raise KvmError(
            errno.EPERM,
            "a KVM run must start from the main thread, where its SIGALRM timeout can be armed",
        )

    def on_alarm(signum: int, frame: object) -> None:
        raise KvmRunTimeout(errno.ETIMEDOUT, f"KVM_RUN did not return within {timeout_s} s")

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, timeout_s)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:
            remaining = max(previous_delay - (time.monotonic() - started), 1e-6)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_interval)


# --- experiments --------------------------------------------------------------------------------

DEMO_TSC_OFFSET = 1 << 40
"""The offset the offset experiment writes: about 7.5 minutes of a 2.4 GHz TSC."""


def run_tiny_guest(
    kvm: Kvm,
    *,
    tsc_offset: int | None = None,
    tsc_khz: int | None = None,
    program: bytes = GUEST_CODE,
    timeout_s: float = 5.0,
) -> GuestRun:
    """Run the guest once on a fresh VM and vCPU; return what the host and the guest saw.

    Parameters
    ----------
    kvm : Kvm
        An open ``/dev/kvm``.
    tsc_offset : int, optional
        Written with ``KVM_VCPU_TSC_OFFSET`` before the run.
    tsc_khz : int, optional
        Set with ``KVM_SET_TSC_KHZ`` before the run (a refusal raises :class:`KvmError`).
    program : bytes
        The guest code (tests pass others to provoke the named errors).
    timeout_s : float
        Bound of the run (:class:`KvmRunTimeout` past it).
    """
    with kvm.create_vm() as vm, vm.create_vcpu() as vcpu:
        vm.load(program)
        vcpu.enter_real_mode_at(CODE_GPA)
        if tsc_khz is not None:
            vcpu.set_tsc_khz(tsc_khz)
        has_offset = vcpu.has_tsc_offset()
        if tsc_offset is not None:
            if not has_offset:
                raise KvmUnavailable(errno.ENOTSUP, "this KVM has no KVM_VCPU_TSC_OFFSET")
            vcpu.set_tsc_offset(tsc_offset)
        host_before = kvm.host_tsc()
        clock_before = vm.get_clock()
        words, exits = vcpu.run_until_halt(timeout_s=timeout_s)
        clock_after = vm.get_clock()
        host_after = kvm.host_tsc()
        if len(words) != 2:
            raise KvmUnexpectedExit(errno.EIO, f"the guest sent {len(words)} words, not 2")
        return GuestRun(
            tsc_khz=vcpu.get_tsc_khz(),
            offset_requested=tsc_offset,
            offset_read_back=vcpu.get_tsc_offset() if has_offset else None,
            host_tsc_before=host_before,
            host_tsc_after=host_after,
            clock_before=clock_before,
            clock_after=clock_after,
            guest_rdtsc=(words[0] | words[1] << 32) & U64_MAX,
            page=vm.read_kvmclock_page(),
            exits=tuple(exits),
        )


def try_tsc_khz(kvm: Kvm, khz: int) -> TscKhzAttempt:
    """``KVM_SET_TSC_KHZ`` to ``khz`` on a fresh vCPU: KVM's answer, ``KVM_GET_TSC_KHZ`` after."""
    with kvm.create_vm() as vm, vm.create_vcpu() as vcpu:
        try:
            vcpu.set_tsc_khz(khz)
        except KvmError as err:
            return TscKhzAttempt(
                khz, False, errno.errorcode.get(err.errno or 0), vcpu.get_tsc_khz()
            )
        return TscKhzAttempt(khz, True, None, vcpu.get_tsc_khz())


@dataclass(frozen=True)
class _Rates:
    host: int
    higher: int
    lower: int


def _rates(host_khz: int, step_ppm: int) -> _Rates:
    step = host_khz * step_ppm // 1_000_000
    return _Rates(host_khz, host_khz + step, host_khz - step)


def record_session(
    device: str = KVM_DEVICE, *, tsc_offset: int = DEMO_TSC_OFFSET, rate_step_ppm: int = 10_000
) -> KvmSession:
    """The whole experiment of the chapter, on this machine's KVM, as one :class:`KvmSession`.

    A plain run; a run with ``tsc_offset`` written (when the attribute exists); ``KVM_SET_TSC_KHZ``
    at the host rate and ``rate_step_ppm`` above and below it (1 %, well past KVM's 250 ppm
    tolerance); and a run at the higher rate when KVM accepted it (catch-up mode, or scaling).
    """
    check_int("rate_step_ppm", rate_step_ppm, 251, 500_000)
    started = time.perf_counter()
    with Kvm.open(device) as kvm:
        kvm.require(*REQUIRED)
        capabilities = kvm.capabilities()
        plain = run_tiny_guest(kvm)
        with_offset = (
            run_tiny_guest(kvm, tsc_offset=tsc_offset)
            if capabilities["KVM_CAP_VCPU_ATTRIBUTES"]
            else None
        )
        rates = _rates(plain.tsc_khz, rate_step_ppm)
        attempts = tuple(try_tsc_khz(kvm, khz) for khz in (rates.host, rates.higher, rates.lower))
        higher_rate, higher_rate_error = None, None
        if attempts[1].accepted:
            try:
                higher_rate = run_tiny_guest(kvm, tsc_khz=rates.higher)
            except KvmError as err:  # e.g. a KVM that accepts the rate but will not run it
                higher_rate_error = str(err)
    modules = vendor_modules()
    return KvmSession(
        kernel=platform.release(),
        vendor_module=",".join(modules) or "unknown",
        machine=platform.machine(),
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        api_version=KVM_API_VERSION,
        capabilities=capabilities,
        plain=plain,
        with_offset=with_offset,
        rate_attempts=attempts,
        higher_rate=higher_rate,
        higher_rate_error=higher_rate_error,
        seconds=time.perf_counter() - started,
    )


def live_or_recorded(device: str | None = None) -> tuple[KvmSession, str]:
    """A live session on ``device`` when it is usable, else the recorded one; and which it is.

    ``device`` defaults to ``$TSCMATH_KVM_DEVICE`` or :data:`KVM_DEVICE` (set the variable to a
    path that does not exist to see the recorded run on a machine with KVM). The second value
    says ``"live"`` or ``"recorded"`` with the reason KVM is not usable here, or why the live
    run failed (a chapter must run top to bottom; the tests run the live path and fail there).

    Examples
    --------
    >>> session, source = live_or_recorded("/nonexistent/kvm")
    >>> source.split(":")[0], session.vendor_module
    ('recorded (no live KVM here', 'kvm_pvm')
    """
    device = device or os.environ.get("TSCMATH_KVM_DEVICE") or KVM_DEVICE
    reason = kvm_unavailable_reason(device)
    if reason is not None:
        return load_recorded_session(), f"recorded (no live KVM here: {reason})"
    try:
        return record_session(device), "live, on this machine's /dev/kvm"
    except KvmError as err:
        return load_recorded_session(), f"recorded (the live run failed: {err})"
