"""Every notebook runs top to bottom in a fresh kernel, deterministically."""

from __future__ import annotations

import time

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import NOTEBOOKS, notebook_paths

TIME_LIMIT_S = 10.0
"""Each chapter must execute in at most this many seconds (issue: Notebooks I)."""


def execute(path):
    """Execute a notebook in a fresh python3 kernel from the notebooks folder; return it."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return nb


def text_outputs(nb) -> list[str]:
    """The text/plain and stream outputs of every code cell, for comparing two runs."""
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
            elif "data" in out and "text/plain" in out["data"]:
                texts.append(out["data"]["text/plain"])
    return texts


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_notebook_executes_deterministically_and_fast(path):
    start = time.perf_counter()
    first = execute(path)
    elapsed = time.perf_counter() - start
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
