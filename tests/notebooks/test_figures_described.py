"""Every figure has alt text that says what it shows (not a file name), as the site needs it."""

from __future__ import annotations

import json

import pytest

from ..conftest import notebook_paths

FIGURE_CALLS = ("new_figure(", "draw_bits(")


def figure_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and any(call in source for call in FIGURE_CALLS):
            if "import" in source and source.count("\n") < 2:
                continue  # an import line only
            yield cell


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name)
def test_every_figure_cell_has_alt_text(path):
    missing = []
    for cell in figure_cells(path):
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
        if len(alt.split()) < 12 or alt.endswith(".png"):
            missing.append(cell.get("id"))
    assert not missing, f"{path.name}: figure cells without a real alt text: {missing}"
