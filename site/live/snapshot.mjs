// Build-time memory snapshot of the site's Python (run by tools/site_pyodide.py with node):
// Pyodide started, the course wheel unpacked and its modules imported, then the interpreter's
// memory saved. A page's worker starts from it (worker.js) instead of starting Python and
// importing the course code itself. Usage: node snapshot.mjs PYODIDE_DIR WHEEL OUT
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pyodideDir, wheelPath, out] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${pyodideDir}/pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: `${pyodideDir}/`, _makeSnapshot: true });
pyodide.unpackArchive(new Uint8Array(readFileSync(wheelPath)), "wheel");
// Every module of both packages that imports here (not those needing numpy or a real OS), so a
// page restored from the snapshot needs none of the wheel's files to start.
pyodide.runPython(`
import importlib, pkgutil
import tscmath, tsccourse
import tsccourse.site_bridge, tsccourse.playground.web, tsccourse.playground.calculator
for package in (tscmath, tsccourse):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        try:
            importlib.import_module(info.name)
        except Exception:
            pass
`);
writeFileSync(out, pyodide.makeMemorySnapshot());
