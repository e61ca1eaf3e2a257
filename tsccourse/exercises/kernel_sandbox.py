"""A sandbox per submission: bubblewrap around every process a student's notebook starts.

The grader runs each submission's kernel (and each coding answer's recording run) inside
`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``, Debian's ``bubblewrap``),
which builds the sandbox from Linux namespaces. What the code inside gets:

* **files**: a file system of its own in which only what a kernel needs exists, read-only:
  ``/usr`` (and ``/bin``, ``/lib``...), a few files of ``/etc``, the Python installation, the
  virtual environment and the folders of :data:`PACKAGES`. Nothing else of the machine is
  there: not the checkout (so not the instructor's ``notebooks/`` with the solutions, not
  ``.git``), not ``$HOME`` (so not ``~/.local/share/jupyter/runtime`` and its tokens), not
  the host's ``/tmp``, not the other submissions. :data:`INSTRUCTOR_ONLY` files inside a
  package folder are replaced by empty ones. Writable: a scratch folder of its own (the
  kernel's working folder and ``$HOME``) and a private ``/tmp`` (a size-limited tmpfs);
* **network**: a network namespace of its own with only a loopback of its own: no outside
  network and not the host's ``127.0.0.1`` (a JupyterLab or anything else listening there).
  The grader talks to the kernel over unix sockets in the scratch folder (ZMQ ``ipc``);
* **environment**: scrubbed; only :func:`Sandbox.environment` is set;
* **user**: another uid. Run as root, the grader gives each sandbox a uid of its own
  (:func:`sandbox_uid`), which owns nothing on the machine; run as a normal user, a user
  namespace makes the code uid 65534 inside (outside it is still the instructor, so the
  files it could see are what protects: see above);
* **processes**: a pid namespace of its own (it sees only its own processes, not the
  grader's ``/proc/<pid>/environ``); every process in it is killed when the sandbox ends
  (``--die-with-parent``; when its first process exits, or the grader kills it, the
  namespace's pid 1 ends and the kernel kills all the rest, detached or not);
  ``--new-session`` (no terminal to inject keys into);
* **limits** (:class:`Limits`, set with ``prlimit`` inside): CPU seconds, address space,
  processes (threads count), file size, open files, no core dumps.

Where ``bwrap`` is missing or cannot create namespaces (macOS, a container that forbids
user namespaces), :func:`unavailable` says why and the grader refuses to run student code
unless told ``--no-sandbox-i-understand``.

Examples
--------
>>> limits = Limits(cpu_s=60, memory_mb=1024, processes=64, file_mb=10)
>>> limits.prlimit_args()[:3]
['prlimit', '--cpu=60', '--as=1073741824']
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Limits",
    "Sandbox",
    "PACKAGES",
    "INSTRUCTOR_ONLY",
    "UNSANDBOXED_WARNING",
    "unavailable",
    "sandbox_uid",
    "kernel_manager",
    "let_through",
]

PACKAGES = ("tscmath", "tsccourse")
"""The packages a notebook imports from outside the virtual environment (editable installs)."""

INSTRUCTOR_ONLY = ("tsccourse/exercises/answers.py",)
"""Files (relative to a package's parent folder) a sandbox sees as empty: lists of answers."""

ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "nsswitch.conf",
    "fonts",
    "mime.types",
)
"""What of ``/etc`` a sandbox sees (the dynamic loader, the time zone, fonts)."""

UID_BASE = 3_000_000_000
"""Run as root, a sandbox runs as ``UID_BASE + the grader worker's pid`` (owns no file)."""

INSIDE_UID = 65534
"""Run as a normal user, the uid inside the user namespace (``nobody``)."""

UNSANDBOXED_WARNING = """\
WARNING: --no-sandbox-i-understand: student code runs WITHOUT a sandbox, as you ({user}).
Every submission's kernel can read and change whatever you can: your files and $HOME, this
checkout (notebooks/ with every solution, the .venv: a planted .pth runs in every later Python,
the grader's included), ~/.local/share/jupyter/runtime (the tokens of your running Jupyter
servers), your environment variables ({n_env} set now); it can use the network and the
servers on 127.0.0.1, and leave processes running after the grader has finished. Grade
untrusted submissions only in a sandbox (Linux with bubblewrap: sudo apt-get install
bubblewrap) or on a machine and account you can throw away."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of each process in a sandbox (``prlimit``; the soft and hard value).

    Parameters
    ----------
    cpu_s : int
        CPU seconds per process (``RLIMIT_CPU``); past it the kernel gets ``SIGXCPU``.
    memory_mb : int
        Address space per process, MiB (``RLIMIT_AS``).
    processes : int
        Processes and threads of the sandbox's uid (``RLIMIT_NPROC``).
    file_mb : int
        Largest file a process may write, MiB (``RLIMIT_FSIZE``); ``/tmp`` and ``/dev/shm``
        (memory) hold at most ``4 * file_mb`` each.
    open_files : int
        Open file descriptors per process (``RLIMIT_NOFILE``).
    """

    cpu_s: int = 600
    memory_mb: int = 4096
    processes: int = 256
    file_mb: int = 100
    open_files: int = 1024

    def __post_init__(self) -> None:
        for name in ("cpu_s", "memory_mb", "processes", "file_mb", "open_files"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 2**40:
                raise ValueError(f"Limits.{name} must be an int in [1, 2**40]; got {value!r}")

    def prlimit_args(self) -> list[str]:
        """The ``prlimit`` command that sets these limits and runs what follows ``--``."""
        mib = 1024 * 1024
        return [
            "prlimit",
            f"--cpu={self.cpu_s}",
            f"--as={self.memory_mb * mib}",
            f"--nproc={self.processes}",
            f"--fsize={self.file_mb * mib}",
            f"--nofile={self.open_files}",
            "--core=0",
            "--",
        ]


def sandbox_uid() -> int:
    """The uid a sandbox started by this process runs as, when the grader is root."""
    return UID_BASE + os.getpid()


def let_through(folder: Path) -> None:
    """Let a sandbox's uid pass through ``folder`` (of the grader's) to its scratch folder.

    Only needed as root (mode 0711: others may enter, not list); as a user the sandbox is
    the user, and the folder stays private.
    """
    if _as_root():
        os.chmod(folder, 0o711)


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _package_dirs() -> list[Path]:
    found = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        found += [Path(p).resolve() for p in spec.submodule_search_locations]
    return found


def _inside(path: Path, folder: Path) -> bool:
    return path != folder and folder in path.parents


class Sandbox:
    """One sandbox: a scratch folder, and the ``bwrap`` command that confines a command to it.

    Parameters
    ----------
    scratch : Path
        An empty folder of the grader's making: the sandbox's working folder and ``$HOME``,
        the only place of the machine it can write. Run as root, it is given to the
        sandbox's uid.
    limits : Limits
        Per-process resource limits.
    hide : list of Path
        Folders to hide should they lie inside a folder the sandbox sees (the instructor
        notebooks, ``$HOME``): an empty tmpfs is mounted over each.
    user_namespace : bool, optional
        Make the other uid with a user namespace (the default for a normal user) rather than
        by switching to a uid of its own (the default as root, where ``RLIMIT_NPROC`` would
        not count the namespace's processes).

    Examples
    --------
    >>> import tempfile
    >>> box = Sandbox(Path(tempfile.mkdtemp()), Limits(cpu_s=5))
    >>> command = box.command(["python3", "-c", "print(1)"])
    >>> command[0], "--unshare-net" in command or "--unshare-all" in command, command[-3:]
    ('bwrap', True, ['python3', '-c', 'print(1)'])
    """

    def __init__(
        self,
        scratch: Path,
        limits: Limits | None = None,
        hide: list[Path] = (),
        *,
        user_namespace: bool | None = None,
    ):
        self.scratch = Path(scratch).resolve()
        self.limits = limits or Limits()
        self.as_root = not user_namespace if user_namespace is not None else _as_root()
        if self.as_root and not _as_root():
            raise ValueError("user_namespace=False needs root (it switches to another uid)")
        self.uid = sandbox_uid() if self.as_root else INSIDE_UID
        self.home = self.scratch / "home"
        self.home.mkdir(exist_ok=True)
        self.hide = [Path(p).resolve() for p in hide]
        if self.as_root:
            self.give(self.scratch)
            self.give(self.home)
            let_through(self.scratch)  # bwrap, its capabilities dropped, enters it

    def give(self, path: Path) -> None:
        """Make ``path`` (in the scratch folder) the sandbox's own; nothing to do as a user."""
        if self.as_root:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)

    def readable(self) -> list[Path]:
        """The folders bound read-only: Python, the virtual environment, the packages."""
        roots = {
            Path(sys.base_prefix).resolve(),
            Path(sys.base_exec_prefix).resolve(),
            Path(sys.prefix).resolve(),
            Path(sys.exec_prefix).resolve(),
            *_package_dirs(),
        }
        # The interpreter behind the venv's python symlink (pyenv, a distribution's /usr).
        roots.add(Path(os.path.realpath(sys.executable)).parent.parent)
        roots = {r for r in roots if r.exists()}
        # A folder inside another one is bound with it.
        return sorted(r for r in roots if not any(_inside(r, o) for o in roots))

    def environment(self) -> dict[str, str]:
        """The whole environment inside: nothing of the grader's."""
        venv_bin = str(Path(sys.prefix) / "bin")
        return {
            "HOME": str(self.home),
            "USER": "student",
            "LOGNAME": "student",
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "MPLCONFIGDIR": str(self.home / ".matplotlib"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` as run in this sandbox (its first process; the sandbox ends with it)."""
        cmd = ["bwrap", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
        if self.as_root:
            cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
            cmd += ["--unshare-cgroup-try", "--cap-drop", "ALL"]
            cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
            cmd += ["--cap-add", "CAP_SETPCAP"]
        else:
            cmd += ["--unshare-all", "--unshare-user"]
            cmd += ["--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID)]
            if _bwrap_has("--disable-userns"):  # bubblewrap 0.8: no nested user namespaces
                cmd += ["--disable-userns"]
        cmd += ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            top = Path("/") / name
            if top.is_symlink():
                cmd += ["--symlink", os.readlink(top), str(top)]
            elif top.is_dir():
                cmd += ["--ro-bind", str(top), str(top)]
        cmd += ["--perms", "0755", "--dir", "/etc"]  # bwrap would make it 0700
        for name in ETC_FILES:
            cmd += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        tmp_bytes = 4 * self.limits.file_mb * 1024 * 1024  # RAM: each tmpfs is bounded
        size = ["--size", str(tmp_bytes)] if _bwrap_has("--size") else []  # bubblewrap 0.8
        cmd += ["--proc", "/proc", "--dev", "/dev"]
        cmd += ["--perms", "1777", *size, "--tmpfs", "/dev/shm"]
        cmd += ["--perms", "1777", *size, "--tmpfs", "/tmp"]
        readable = self.readable()
        venv = Path(sys.prefix).absolute()
        linked = venv.resolve() != venv
        targets = [*readable, self.scratch, *([venv] if linked else [])]
        for folder in sorted({str(a) for t in targets for a in t.parents if str(a) != "/"}):
            cmd += ["--perms", "0755", "--dir", folder]  # bwrap would make them 0700
        for folder in readable:
            cmd += ["--ro-bind", str(folder), str(folder)]
        if linked:
            cmd += ["--symlink", str(venv.resolve()), str(venv)]
        for folder in readable:
            for secret in INSTRUCTOR_ONLY:
                path = folder.parent / secret
                if _inside(path, folder) and path.is_file():
                    cmd += ["--ro-bind", "/dev/null", str(path)]
            for hidden in self.hide:
                if _inside(hidden, folder) and hidden.is_dir():
                    cmd += ["--tmpfs", str(hidden)]
        cmd += ["--bind", str(self.scratch), str(self.scratch), "--chdir", str(self.scratch)]
        cmd += ["--clearenv"]
        for key, value in self.environment().items():
            cmd += ["--setenv", key, value]
        cmd += ["--"]
        if self.as_root:
            cmd += [
                "setpriv",
                f"--reuid={self.uid}",
                f"--regid={self.uid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
            ]
        return [*cmd, *self.limits.prlimit_args(), *argv]


def kernel_manager(sandbox: Sandbox | None, folder: Path) -> object:
    """A jupyter_client kernel manager whose kernel runs in ``sandbox``.

    The kernel talks over unix sockets in ``folder`` (the scratch folder: the one place both
    sides see; TCP on loopback cannot cross the network namespace) and is interrupted by a
    message on its control channel (a signal to ``bwrap`` would not reach it). With
    ``sandbox=None`` it is a plain local kernel (``--no-sandbox-i-understand``).
    """
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]

    class SandboxedKernelManager(AsyncKernelManager):
        def write_connection_file(self, **kwargs: object) -> None:
            super().write_connection_file(**kwargs)
            if sandbox is not None:
                sandbox.give(Path(self.connection_file))

    manager = SandboxedKernelManager(
        kernel_name="python3",
        transport="ipc",
        ip=str(Path(folder) / "kernel"),
        connection_file=str(Path(folder) / "kernel.json"),
        shutdown_wait_time=2.0,
    )
    manager._kernel_spec = KernelSpec(
        argv=sandbox.command(argv) if sandbox is not None else argv,
        display_name="Python 3 (sandboxed)",
        language="python",
        interrupt_mode="message",
    )
    return manager


_HELP: list[str] = []


def _bwrap_has(option: str) -> bool:
    """Whether this ``bwrap`` knows ``option`` (older ones lack the newest)."""
    if not _HELP:
        try:
            run = subprocess.run(["bwrap", "--help"], capture_output=True, text=True, timeout=30)
            _HELP.append(run.stdout + run.stderr)
        except (OSError, subprocess.SubprocessError):
            _HELP.append("")
    return option in _HELP[0]


_PROBE: dict[bool, str | None] = {}


def unavailable() -> str | None:
    """Why no sandbox can be made here (a sentence naming what is missing), or None.

    The answer is worked out once per process: ``bwrap`` starts ``true`` in a sandbox.
    """
    key = _as_root()
    if key in _PROBE:
        return _PROBE[key]
    problem = None
    if not sys.platform.startswith("linux"):
        problem = f"the sandbox needs Linux (bubblewrap); this is {sys.platform}"
    else:
        missing = [tool for tool in ("bwrap", "prlimit", "setpriv") if not shutil.which(tool)]
        if missing:
            problem = (
                f"{', '.join(missing)} not found: install bubblewrap and util-linux "
                "(Debian/Ubuntu: sudo apt-get install bubblewrap)"
            )
    if problem is None:
        with tempfile.TemporaryDirectory(prefix="vt-probe-") as folder:
            run = subprocess.run(
                Sandbox(Path(folder)).command(["true"]),
                capture_output=True,
                text=True,
                timeout=60,
            )
            if run.returncode != 0:
                why = (run.stderr or "").strip().splitlines()[-1:] or [f"status {run.returncode}"]
                problem = f"bwrap cannot make a sandbox here (user namespaces off?): {why[0]}"
    _PROBE[key] = problem
    return problem
