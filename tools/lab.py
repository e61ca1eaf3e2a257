"""Open the collection in JupyterLab, bound to 127.0.0.1 (run by ``make lab``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    args = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={ROOT / 'notebooks'}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.open_browser=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--ServerApp.allow_root=True")
    print("Starting JupyterLab on 127.0.0.1; open the URL printed below (with its token).")
    os.execv(sys.executable, args + sys.argv[1:])


if __name__ == "__main__":
    main()
