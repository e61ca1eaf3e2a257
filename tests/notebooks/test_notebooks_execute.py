"""Every notebook runs top to bottom in a fresh kernel, deterministically."""

from __future__ import annotations

import json
from datetime import datetime

import nbformat
import pytest
from nbclient import NotebookClient

from tscmath.plotting import AUDIT_ENV, MIN_TEXT_PX, SITE_COLUMN_PX

from ..conftest import NOTEBOOKS, notebook_paths

TIME_LIMIT_S = 120.0
"""A hang guard, not a performance target: a chapter's cells run in a few seconds on an idle
machine (measured by ``benchmarks/notebook_times.py``), but the test machine may be busy."""

LIVE_TAG = "live-output"
"""Cells tagged so show live measurements (the machine's own KVM): not compared between runs."""


def execute(path):
    """Execute a notebook in a fresh python3 kernel from the notebooks folder; return it."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=True,
    )
    client.execute()
    return nb


def text_outputs(nb) -> list[str]:
    """The printed text of the whole notebook plus each text/plain result, to compare two runs.

    Stream text is joined into one string: under load ipykernel may flush a cell's prints late,
    so the same text can land split across, or merged into, neighbouring cells' outputs. Cells
    tagged :data:`LIVE_TAG` are left out (they show their live values as results, not prints).
    """
    streams, results = [], []
    for cell in nb.cells:
        if LIVE_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                streams.append(out.get("text", ""))
            elif "data" in out and "text/plain" in out["data"]:
                results.append(out["data"]["text/plain"])
    return ["".join(streams), *results]


def cells_seconds(nb) -> float:
    """Seconds from the first cell starting to the last cell finishing (kernel start excluded)."""
    stamps = [
        cell.metadata["execution"]
        for cell in nb.cells
        if cell.cell_type == "code" and "execution" in cell.get("metadata", {})
    ]
    if not stamps:
        return 0.0
    start = datetime.fromisoformat(stamps[0]["iopub.execute_input"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(stamps[-1]["shell.execute_reply"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def figures_with_small_text(audit) -> list[str]:
    """Figures (from the kernel's audit file) with text below ``MIN_TEXT_PX`` on the site."""
    if not audit.exists():
        return []
    found = []
    for line in audit.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["too_small"]:
            found.append(f"{record['figure']}: {record['too_small'][:5]}")
    return sorted(set(found))


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_notebook_executes_deterministically_and_fast(path, tmp_path, monkeypatch):
    audit = tmp_path / "figures.jsonl"
    monkeypatch.setenv(AUDIT_ENV, str(audit))  # the kernel inherits it (tscmath.plotting)
    first = execute(path)
    monkeypatch.delenv(AUDIT_ENV)
    elapsed = cells_seconds(first)
    errors = [
        out
        for cell in first.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, errors
    second = execute(path)
    assert text_outputs(first) == text_outputs(second), f"{path.name} is not deterministic"
    assert elapsed <= TIME_LIMIT_S, f"{path.name} took {elapsed:.1f} s (limit {TIME_LIMIT_S} s)"
    small = figures_with_small_text(audit)
    assert not small, (
        f"{path.name}: text below {MIN_TEXT_PX} px in a {SITE_COLUMN_PX} px column: {small}"
    )
