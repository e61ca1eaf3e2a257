"""Open the collection in JupyterLab, bound to 127.0.0.1 (run by ``make lab``).

Runs ``python -m jupyter lab`` from this environment on ``notebooks/``, opening the first
chapter, and prints the URL to open (with its token) in a box that does not drown in the
server's log. Extra arguments are passed to JupyterLab and replace the defaults below, e.g.
``python tools/lab.py --ServerApp.port=9999``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

URL_PATTERN = re.compile(r"https?://[^\s/:]+:\d+/\S*")
"""The server's own URL in its log (an address with a port; documentation links have none)."""

ANNOUNCE_DELAY_S = 1.5


def default_options(root_dir: Path = NOTEBOOKS) -> dict[str, str]:
    """JupyterLab options used unless the caller passes the same option."""
    options = {
        "--ServerApp.root_dir": str(root_dir),
        "--ServerApp.ip": "127.0.0.1",
        "--ServerApp.open_browser": "False",
    }
    chapters = sorted(Path(root_dir).glob("*.ipynb"))
    if chapters:
        options["--LabApp.default_url"] = f"/lab/tree/{chapters[0].name}"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options["--ServerApp.allow_root"] = "True"
    return options


def lab_command(extra: Sequence[str] = ()) -> list[str]:
    """The full ``jupyter lab`` command line: the defaults, minus those ``extra`` replaces."""
    given = {arg.split("=", 1)[0] for arg in extra if arg.startswith("--")}
    root_dir = Path(option_value(extra, "--ServerApp.root_dir") or NOTEBOOKS)
    options = [
        f"{key}={value}" for key, value in default_options(root_dir).items() if key not in given
    ]
    return [sys.executable, "-m", "jupyter", "lab", *options, *extra]


def option_value(extra: Sequence[str], key: str) -> str | None:
    """The value of ``--key=value`` in ``extra`` (the last one), or None."""
    values = [arg.split("=", 1)[1] for arg in extra if arg.startswith(key + "=")]
    return values[-1] if values else None


def ensure_settings(extra: Sequence[str] = ()) -> None:
    """Write the no-news settings overrides if ``make`` setup has not (see setup_lab.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import setup_lab
    finally:
        sys.path.pop(0)
    given = option_value(extra, "--LabApp.app_settings_dir")
    settings_dir = Path(given) if given else setup_lab.app_settings_dir()
    if not setup_lab.overrides_ok(settings_dir):
        try:
            setup_lab.write_overrides(settings_dir)
        except OSError as error:
            print(f"note: could not write JupyterLab overrides: {error}", file=sys.stderr)
    if setup_lab.widgets_extension_dir() is None:
        print(
            "WARNING: the JupyterLab widget extension is missing; widgets will not display. "
            f"Install it with: {sys.executable} -m pip install jupyterlab_widgets",
            file=sys.stderr,
        )


def banner(url: str) -> str:
    """The box announcing where to open the collection."""
    rule = "=" * 78
    return (
        f"\n{rule}\n"
        "  Virtualizing Time is running in JupyterLab. Open this URL in your browser:\n\n"
        f"      {url}\n\n"
        "  Stop the server with Control-C (twice to skip the confirmation).\n"
        f"{rule}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    ensure_settings(extra)
    command = lab_command(extra)
    print("Starting JupyterLab on 127.0.0.1 ...", flush=True)
    # Control-C reaches the server too (same process group): it asks for confirmation and
    # stops; this wrapper only waits for it. (The server starts with default handlers.)
    signal.signal(signal.SIGINT, lambda *_: None)
    server = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace"
    )
    if hasattr(signal, "SIGTERM"):  # a SIGTERM sent to the wrapper is passed on
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    # The URL is logged before the server's startup chatter ends: announce it once that has
    # settled, so the box is the last thing on screen.
    lock = threading.Lock()

    def announce(url: str) -> None:
        with lock:
            print(banner(url), flush=True)

    timer: threading.Timer | None = None
    assert server.stderr is not None
    for line in server.stderr:
        with lock:
            sys.stderr.write(line)
            sys.stderr.flush()
        match = URL_PATTERN.search(line)
        if timer is None and match:
            timer = threading.Timer(ANNOUNCE_DELAY_S, announce, args=(match.group(0),))
            timer.daemon = True
            timer.start()
    if timer is not None:
        timer.cancel()
    return server.wait()


if __name__ == "__main__":
    sys.exit(main())
