"""Package tests: print what the fuzz of the public API counted, at the end of the run."""

from __future__ import annotations

import pytest

FUZZ_SUMMARY = pytest.StashKey[list]()
"""Lines a test leaves in ``config.stash`` to print in the terminal summary."""


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(FUZZ_SUMMARY, [])
    if lines:
        terminalreporter.section("fuzz of the public API")
        for line in lines:
            terminalreporter.write_line(line)
