"""What the browser tests and the live benchmark share: Chromium, loopback only, a JupyterLab.

One home for the Chromium flags and launch, the rule that every request leaving 127.0.0.1 is
aborted (and noted), and how a JupyterLab is started through ``tools/lab.py`` on temporary
folders (``tests/browser``, ``tests/site`` and ``benchmarks/site_live.py`` use them).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
"""Chromium flags for headless runs as root on a machine with no network but the registries."""

LAB_PY = ROOT / "tools" / "lab.py"
BANNER_URL = re.compile(r"^\s+(http://\S+)\s*$")
"""The line of ``tools/lab.py``'s banner that holds the URL (after "Open this URL")."""


def launch(playwright, executable_path: str = CHROMIUM):
    """Headless Chromium (Debian's) with :data:`BROWSER_ARGS`."""
    return playwright.chromium.launch(executable_path=executable_path, args=BROWSER_ARGS)


def is_loopback(url: str) -> bool:
    """Whether ``url`` stays on this machine (127.0.0.1, localhost, data: or blob:)."""
    return url.startswith(("data:", "blob:")) or urllib.parse.urlsplit(url).hostname in (
        "127.0.0.1",
        "localhost",
    )


def loopback_only(note: Callable[[str], None]) -> Callable:
    """A Playwright route handler: loopback requests go on, the rest are noted and aborted."""

    def route(route_, request=None):
        url = route_.request.url
        if is_loopback(url):
            route_.continue_()
        else:
            note(url)
            route_.abort()

    return route


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_lab(tmp: Path, root: Path, port: int, stderr) -> subprocess.Popen:
    """``tools/lab.py`` serving ``root`` on ``port``, every Jupyter folder under ``tmp``.

    Its settings go to ``tmp / "app-settings"`` (lab.py writes the no-news overrides there);
    the kernel imports ``tscmath`` and ``tsccourse`` from this tree. The server runs in its own
    process group (:func:`stop_lab` stops it with all it started); read its banner from
    ``stdout`` with :data:`BANNER_URL`.
    """
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        str(LAB_PY),
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.app_settings_dir={tmp / 'app-settings'}",
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=stderr, env=env, text=True, start_new_session=True
    )


def stop_lab(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL if it is still there after 30 s."""
    import signal

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
