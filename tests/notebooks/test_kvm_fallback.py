"""The "Your machine's KVM" cells run where /dev/kvm is not usable, on the recorded run.

CI runs as root on a machine with /dev/kvm, so the full notebooks take the live path; this test
runs the same cells (after each chapter's first code cell) with ``TSCMATH_KVM_DEVICE`` pointing
at a path that does not exist, as on macOS, Windows or a cloud VM without nested virtualization.
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from ..conftest import NOTEBOOKS

CHAPTERS = ["03-offsetting.ipynb", "08c-your-machines-kvm.ipynb"]


@pytest.mark.parametrize("name", CHAPTERS, ids=lambda n: n.split("-")[0])
def test_kvm_cells_fall_back_to_the_recorded_run(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    section = [c for c in nb.cells if c.get("id", "").startswith("kvm-live-")]
    assert len([c for c in section if c.cell_type == "code"]) >= 1
    no_kvm = nbformat.v4.new_code_cell(
        'import os\nos.environ["TSCMATH_KVM_DEVICE"] = "/nonexistent/kvm"'
    )
    nb.cells = [no_kvm, setup, *section]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    outputs = [
        out.get("text", "") + out.get("data", {}).get("text/plain", "")
        for cell in nb.cells
        for out in cell.get("outputs", [])
    ]
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    text = "\n".join(outputs)
    assert "recorded (no live KVM here: [Errno 2] /nonexistent/kvm does not exist" in text
    assert "the offset was ignored" in text  # what the recorded kvm_pvm run shows
