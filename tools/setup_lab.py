"""Configure the project's JupyterLab once, after install (run by the Makefile).

Writes ``<app dir>/settings/overrides.json`` (``<venv>/share/jupyter/lab/settings`` unless
``JUPYTERLAB_DIR`` says otherwise) so the collection opens without the pop-up asking to fetch
Jupyter news from the internet, and checks that the ipywidgets extension for JupyterLab
(``@jupyter-widgets/jupyterlab-manager``, from the ``jupyterlab_widgets`` package) is installed,
without which every widget shows as "Loading widget...".
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

NOTIFICATION_PLUGIN = "@jupyterlab/apputils-extension:notification"
"""Setting id of JupyterLab's notification plugin (schema apputils-extension/notification.json)."""

OVERRIDES = {
    NOTIFICATION_PLUGIN: {
        # "false" (a string: the schema's choices are "true", "false" and "none") means Never;
        # the default "none" shows the toast "Would you like to get notified about official
        # Jupyter news?" at every start.
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"


def app_settings_dir() -> Path:
    """The settings folder JupyterLab reads ``overrides.json`` from (its ``app_settings_dir``).

    Same rule as ``jupyterlab.commands.get_app_dir`` for an environment's own JupyterLab
    (importing jupyterlab itself takes seconds, so it is not used here).
    """
    if os.environ.get("JUPYTERLAB_DIR"):
        return Path(os.environ["JUPYTERLAB_DIR"]).resolve() / "settings"
    return Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings"


def write_overrides(settings_dir: Path) -> Path:
    """Merge :data:`OVERRIDES` into ``settings_dir/overrides.json``; return the file's path.

    Settings of other plugins, and other keys of the notification plugin, are kept.
    """
    target = Path(settings_dir) / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    for plugin, values in OVERRIDES.items():
        current.setdefault(plugin, {}).update(values)
    target.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return target


def overrides_ok(settings_dir: Path) -> bool:
    """Whether ``settings_dir/overrides.json`` already holds every value of :data:`OVERRIDES`."""
    target = Path(settings_dir) / "overrides.json"
    try:
        current = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(
        current.get(plugin, {}).get(key) == value
        for plugin, values in OVERRIDES.items()
        for key, value in values.items()
    )


def widgets_extension_dir() -> Path | None:
    """Folder of the installed ipywidgets lab extension, or None when it is missing."""
    from jupyter_core.paths import jupyter_path

    for base in jupyter_path("labextensions"):
        candidate = Path(base) / WIDGETS_EXTENSION
        if (candidate / "package.json").exists():
            return candidate
    return None


def main() -> int:
    target = write_overrides(app_settings_dir())
    print(f"JupyterLab settings overrides (no news pop-up) written to {target}")
    extension = widgets_extension_dir()
    if extension is None:
        print(
            f"ERROR: the JupyterLab widget extension {WIDGETS_EXTENSION} is missing, so widgets "
            "would show as 'Loading widget...'. Install it with: "
            f"{sys.executable} -m pip install jupyterlab_widgets",
            file=sys.stderr,
        )
        return 1
    print(f"JupyterLab widget extension found: {extension}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
