"""How long each chapter's cells take, against a baseline notebook run in the same process.

Each notebook is executed once in a fresh kernel (nbclient, as the tests do) and the time from
its first cell starting to its last cell finishing is printed, with kernel start-up left out.
The baseline is a one-cell notebook that imports tscmath and the plotting stack, so the ratio
says how much work a chapter does beyond its imports, whatever the machine's load.

Usage: ``.venv/bin/python benchmarks/notebook_times.py [NAME_SUBSTRING ...]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.notebooks.test_notebooks_execute import cells_seconds, execute  # noqa: E402


def baseline_seconds(tmp: Path) -> float:
    nb = nbformat.v4.new_notebook()
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["kernelspec"] = spec
    nb.cells = [
        nbformat.v4.new_code_cell("import tscmath as tm\nfrom tscmath.plotting import new_figure"),
        nbformat.v4.new_code_cell("fig, ax = new_figure()"),
    ]
    path = tmp / "baseline.ipynb"
    nbformat.write(nb, path)
    return cells_seconds(execute(path))


def main(argv: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = baseline_seconds(Path(tmp))
    print(f"baseline (imports + one empty figure): {base:.2f} s")
    total = 0.0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if argv and not any(a in path.name for a in argv):
            continue
        seconds = cells_seconds(execute(path))
        total += seconds
        print(f"{path.name:45} {seconds:6.2f} s  {seconds / base:6.1f}x baseline")
    print(f"{'all chapters':45} {total:6.2f} s  {total / base:6.1f}x baseline")


if __name__ == "__main__":
    main(sys.argv[1:])
