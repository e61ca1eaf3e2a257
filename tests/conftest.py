"""Shared test fixtures: project paths and the browser requirement."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from .browser_support import BROWSER_ARGS, CHROMIUM, ROOT  # noqa: F401 (imported from here too)

NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"


settings.register_profile("check", max_examples=20)
"""``make check`` runs ``pytest --hypothesis-profile=check``: a fifth of the examples."""


def examples(full: int) -> int:
    """How many examples a property test runs: ``full`` under the default profile (``make test``),
    scaled down with the profile's ``max_examples`` (a fifth under ``make check``), at least 10.
    """
    return max(10, full * settings.default.max_examples // 100)


def notebook_paths() -> list[Path]:
    """Every notebook of the collection, in chapter order."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's chromium; skips (or fails in CI) when it is missing."""
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"{CHROMIUM} not found: install it with `apt-get install -y chromium`"
    if os.environ.get("TSCMATH_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder for screenshots and other test artefacts (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
