"""Cells tagged ``live-output`` are left out of the determinism comparison, and only they are."""

from __future__ import annotations

import nbformat

from .test_notebooks_execute import LIVE_TAG, text_outputs


def _notebook(live_text: str, fixed_text: str):
    live = nbformat.v4.new_code_cell("kvm_report", metadata={"tags": [LIVE_TAG]})
    live.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": live_text})]
    fixed = nbformat.v4.new_code_cell("print(checks)")
    fixed.outputs = [nbformat.v4.new_output("stream", name="stdout", text=fixed_text)]
    return nbformat.v4.new_notebook(cells=[live, fixed])


def test_live_cells_are_not_compared():
    assert text_outputs(_notebook("tsc 123", "holds")) == text_outputs(
        _notebook("tsc 456", "holds")
    )


def test_other_cells_still_are():
    assert text_outputs(_notebook("tsc 123", "holds")) != text_outputs(
        _notebook("tsc 123", "FAILS")
    )
