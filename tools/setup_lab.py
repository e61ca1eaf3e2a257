"""Configure the project's JupyterLab once, after install (run by the Makefile).

Writes ``<venv>/share/jupyter/lab/settings/overrides.json`` so the collection opens
without the news pop-up asking to fetch news from the internet (this machine has none).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def main() -> None:
    target = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(target.read_text()) if target.exists() else {}
    current.update(OVERRIDES)
    target.write_text(json.dumps(current, indent=2) + "\n")
    print(f"JupyterLab settings overrides written to {target}")


if __name__ == "__main__":
    main()
