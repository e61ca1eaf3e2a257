"""tools/setup_lab.py and tools/lab.py without a browser (see test_jupyterlab.py for that)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from ..conftest import NOTEBOOKS, ROOT, notebook_paths


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


setup_lab = load("setup_lab")
lab = load("lab")


def test_override_names_a_real_setting_of_this_jupyterlab():
    """The plugin id and key exist in the installed schema and "false" is its 'Never' choice."""
    app_dir = setup_lab.app_settings_dir().parent
    plugin, _, name = setup_lab.NOTIFICATION_PLUGIN.partition(":")
    schema_file = app_dir / "schemas" / plugin / f"{name}.json"
    assert schema_file.exists(), f"{schema_file} missing: is {app_dir} JupyterLab's app dir?"
    schema = json.loads(schema_file.read_text())
    for key, value in setup_lab.OVERRIDES[setup_lab.NOTIFICATION_PLUGIN].items():
        prop = schema["properties"][key]
        if "oneOf" in prop:
            choices = {choice["const"]: choice.get("title") for choice in prop["oneOf"]}
            assert choices.get(value) == "Never", f"{key}={value!r} is not 'Never': {choices}"
        else:
            assert prop["type"] == "boolean" and isinstance(value, bool)


def test_write_overrides_merges_and_keeps_other_settings(tmp_path):
    target = tmp_path / "overrides.json"
    mine = {
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        setup_lab.NOTIFICATION_PLUGIN: {"doNotDisturbMode": True, "fetchNews": "true"},
    }
    target.write_text(json.dumps(mine))
    assert not setup_lab.overrides_ok(tmp_path)
    setup_lab.write_overrides(tmp_path)
    written = json.loads(target.read_text())
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    notification = written[setup_lab.NOTIFICATION_PLUGIN]
    expected = {"doNotDisturbMode": True, "fetchNews": "false", "checkForUpdates": False}
    assert notification == expected
    assert setup_lab.overrides_ok(tmp_path)
    assert not setup_lab.overrides_ok(tmp_path / "elsewhere")


def test_widget_extension_is_installed_in_this_environment():
    found = setup_lab.widgets_extension_dir()
    assert found is not None, "jupyterlab_widgets is not installed: widgets cannot display"
    assert json.loads((found / "package.json").read_text())["name"] == setup_lab.WIDGETS_EXTENSION


def test_lab_command_defaults_and_overrides():
    command = lab.lab_command()
    assert command[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={NOTEBOOKS}" in command
    assert "--ServerApp.ip=127.0.0.1" in command
    if notebook_paths():
        assert f"--LabApp.default_url=/lab/tree/{notebook_paths()[0].name}" in command
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    assert ("--ServerApp.allow_root=True" in command) == is_root

    other = Path("/somewhere/else")
    command = lab.lab_command([f"--ServerApp.root_dir={other}", "--ServerApp.ip=0.0.0.0"])
    keys = [arg.split("=", 1)[0] for arg in command if arg.startswith("--")]
    assert len(keys) == len(set(keys)), f"an option given twice stops JupyterLab: {command}"
    assert f"--ServerApp.root_dir={other}" in command and "--ServerApp.ip=0.0.0.0" in command
    assert not any(arg.startswith("--LabApp.default_url") for arg in command)  # no chapters there


@pytest.mark.parametrize(
    "line, url",
    [
        (
            "[I 2026-11-27 04:50:53.553 ServerApp] http://127.0.0.1:8899/lab?token=ad11fd39",
            "http://127.0.0.1:8899/lab?token=ad11fd39",
        ),
        ("[I ServerApp] see https://jupyter-server.readthedocs.io/en/latest/", None),
        ("        file:///root/.local/share/jupyter/runtime/jpserver-7041-open.html", None),
    ],
)
def test_url_pattern_finds_the_server_url_only(line, url):
    match = lab.URL_PATTERN.search(line)
    assert (match.group(0) if match else None) == url
