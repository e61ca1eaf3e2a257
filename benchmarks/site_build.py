"""Time of ``make site``: a cold build, then an unchanged rebuild, and one edited notebook.

The site of ``notebooks/`` is built into build/bench-site (not build/site, whose cache stays
as it is) with ``tools/build_site.py``:

* cold: every cache dropped first (staging, doctrees, jupyter-cache, vendored assets), so
  every notebook is executed; ``site/node_modules`` is kept (``npm ci`` is a one-off ~20 s);
* warm: the same build again, nothing changed (goal: at most 20 s; cold at most 3 min);
* one edit: a Markdown cell of the first notebook changed (in a copy of notebooks/ kept in
  build/bench-notebooks), so Sphinx reads that page again; its code did not change, so its
  outputs come from the execution cache.

Prints each wall time and the ratios warm/cold and edit/cold. The machine is shared and
noisy: the warm and edit builds are the best of ``REPEATS``.

Run: ``.venv/bin/python benchmarks/site_build.py``
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3
COLD_GOAL_S, WARM_GOAL_S = 180.0, 20.0


def _load_build_site():
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    build_site = _load_build_site()
    out = ROOT / "build" / "bench-site"
    notebooks = ROOT / "build" / "bench-notebooks"
    shutil.rmtree(notebooks, ignore_errors=True)
    shutil.copytree(ROOT / "notebooks", notebooks, ignore=shutil.ignore_patterns(".*"))
    paths = build_site.notebook_paths(notebooks)
    print(f"site of {len(paths)} notebooks: {', '.join(p.stem for p in paths)}")

    def build(fresh: bool = False) -> None:
        build_site.build(out, notebooks=notebooks, fresh=fresh, quiet=True)

    cold = timed(lambda: build(fresh=True))
    warm = min(timed(build) for _ in range(REPEATS))

    first = paths[0]
    nb = json.loads(first.read_text())
    markdown = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    edits = []
    for i in range(REPEATS):
        source = "".join(markdown["source"])
        markdown["source"] = source + f"\n\n(benchmark edit {i})"
        first.write_text(json.dumps(nb, indent=1) + "\n")
        edits.append(timed(build))
    edit = min(edits)

    print(f"cold build      {cold:7.1f} s   (goal <= {COLD_GOAL_S:.0f} s)")
    ratio = warm / cold
    print(f"unchanged build {warm:7.1f} s   (goal <= {WARM_GOAL_S:.0f} s)  warm/cold = {ratio:.3f}")
    print(f"one page edited {edit:7.1f} s   edit/cold = {edit / cold:.3f}")
    print(f"per notebook (cold, all included): {cold / max(1, len(paths)):.1f} s")


if __name__ == "__main__":
    main()
