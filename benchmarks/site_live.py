"""The live playground in the browser: load time, and click-to-repaint on the site vs JupyterLab.

Measured in headless Chromium (Debian's, the tests' flags; every request outside 127.0.0.1
aborted), on ``make site``'s build of chapter 07 and on the same notebook in a real JupyterLab
started by ``tools/lab.py``:

* **load**: from navigation start to the controls enabled (Python started, the wheel
  unpacked, the first picture redrawn live), cold (new browser profile, empty cache) and warm
  (the same profile, reloaded); goal on this 2-core machine: <= 8 s cold, <= 3 s warm;
* **click-to-repaint**: from the reader's input (a setting typed and confirmed, **Migrate**
  pressed, the time slider moved one frame) to the next painted frame after the page changed:
  in the site's page (Python in WebAssembly, in the page) and in JupyterLab (a round trip to
  the kernel and back through the widget protocol); goal: median <= 50 ms;
* **Python time of one animation frame** in Pyodide (``WebApp.set_frame`` alone, as Play
  calls it 10 times a second); goal <= 16 ms.

Prints medians and p95 and the ratios site / JupyterLab (lower is faster).

Run: ``.venv/bin/python benchmarks/site_live.py`` (builds the site first if needed).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser_support import (  # noqa: E402
    BANNER_URL,
    free_port,
    launch,
    loopback_only,
    start_lab,
    stop_lab,
)

PAGE = "07-playground.html"
NOTEBOOK = "07-playground.ipynb"
ROUNDS = {"cold": 3, "warm": 3, "settings": 12, "migrate": 6, "frame": 30}
LOAD_TIMEOUT_MS = 240_000

# Resolves with the time of the next painted frame after ``selector``'s HTML changes.
WATCH_JS = """(selector) => {
  const el = document.querySelector(selector);
  window.__tscChanged = new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      obs.disconnect();
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    });
    obs.observe(el, {childList: true, subtree: true, characterData: true, attributes: true});
  });
  window.__tscInput = null;
  const mark = () => { if (window.__tscInput === null) window.__tscInput = performance.now(); };
  for (const type of ['keydown', 'pointerdown', 'mousedown', 'click']) {
    document.addEventListener(type, mark, {capture: true, once: true});
  }
  return true;
}"""
ELAPSED_JS = """async () => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve(NaN), 30000));
  return (await Promise.race([window.__tscChanged, timeout])) - window.__tscInput;
}"""


MARKS_JS = """() => Object.fromEntries(['tsc-start', 'tsc-pyodide', 'tsc-wheel', 'tsc-ready']
  .map(m => [m, Math.round(performance.getEntriesByName(m)[0].startTime)]))"""
"""When (ms after navigation start) the page script started, Pyodide was up, the wheel was
unpacked and the controls were enabled."""


def _log(message: str) -> None:
    print(f"[site_live] {message}", file=sys.stderr, flush=True)


def _summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(v for v in values if v == v) or [math.nan]  # NaN: no repaint in 30 s
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered), p95


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def _site() -> Path:
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    build_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_site)
    build_site.build(ROOT / "build" / "site", quiet=True)
    return ROOT / "build" / "site"


def _timed(page, selector: str, action) -> float:
    page.evaluate(WATCH_JS, selector)
    action()
    return page.evaluate(ELAPSED_JS)


def measure_site(browser, base: str, outside: list[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"cold": [], "warm": [], "python_frame": []}
    warm_context = None
    for _ in range(ROUNDS["cold"]):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", loopback_only(outside.append))
        page = context.new_page()
        page.goto(base + PAGE)
        page.wait_for_selector(".tsc-live[data-ready=true]", timeout=LOAD_TIMEOUT_MS)
        out["cold"].append(page.evaluate("window.__tscLiveReadyAt") / 1000)
        out.setdefault("cold_steps", []).append(page.evaluate(MARKS_JS))
        if warm_context is None:
            warm_context = context
        else:
            context.close()
    page = warm_context.pages[0]
    for _ in range(ROUNDS["warm"]):
        page.reload()
        page.wait_for_selector(".tsc-live[data-ready=true]", timeout=LOAD_TIMEOUT_MS)
        out["warm"].append(page.evaluate("window.__tscLiveReadyAt") / 1000)
        out.setdefault("warm_steps", []).append(page.evaluate(MARKS_JS))
    root = ".tsc-live"
    out["settings"] = []
    field = page.locator(f'{root} [data-setting="a_khz"]')  # changes the boot multiplier
    for k in range(ROUNDS["settings"]):
        field.fill(str(2_000_000 + 1000 * k))
        out["settings"].append(_timed(page, f"{root} .tsc-readout", lambda: field.press("Enter")))
    field.fill("3000000")
    field.press("Enter")
    out["migrate"] = []
    slider = page.locator(f'{root} [data-action="frame"]')
    for k in range(ROUNDS["migrate"]):
        page.locator(f'{root} [data-action="reset"]').click()
        slider.fill(str(50 + 10 * k))
        slider.dispatch_event("input")
        button = page.locator(f'{root} [data-action="migrate"]')
        out["migrate"].append(_timed(page, f"{root} .tsc-error-plot", button.click))
    out["frame"] = []
    slider.focus()
    for _ in range(ROUNDS["frame"]):
        out["frame"].append(_timed(page, f"{root} .tsc-clocks", lambda: slider.press("ArrowRight")))
    out["python_frame"] = page.evaluate(
        """(n) => { const app = document.querySelector('.tsc-live').tscApp; const t = [];
            for (let i = 0; i < n; i++) { const t0 = performance.now();
              app.set_frame(200 + i); t.push(performance.now() - t0); }
            return t; }""",
        ROUNDS["frame"],
    )
    warm_context.close()
    return out


def _start_lab(tmp: Path) -> tuple[subprocess.Popen, str, str]:
    root = tmp / "notebooks"
    root.mkdir()
    shutil.copy2(ROOT / "notebooks" / NOTEBOOK, root / NOTEBOOK)
    server = start_lab(tmp, root, free_port(), stderr=subprocess.DEVNULL)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in server.stdout], daemon=True).start()
    deadline = time.monotonic() + 180
    seen = ""
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen += line
        match = BANNER_URL.search(line)
        if match and "Open this URL" in seen:
            url = urllib.parse.urlsplit(match.group(1))
            token = urllib.parse.parse_qs(url.query).get("token", [""])[0]
            return server, f"{url.scheme}://{url.netloc}/", token
    stop_lab(server)
    raise SystemExit(f"JupyterLab printed no URL:\n{seen}")


KERNEL_READY_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""


def measure_lab(browser, outside: list[str]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"settings": [], "migrate": [], "frame": []}
    with tempfile.TemporaryDirectory() as tmp:
        server, base, token = _start_lab(Path(tmp))
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", loopback_only(outside.append))
            page = context.new_page()
            page.goto(f"{base}lab/tree/{NOTEBOOK}?reset&token={token}")
            page.wait_for_function(KERNEL_READY_JS, timeout=LOAD_TIMEOUT_MS)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            app = ".tsc-playground"
            page.wait_for_selector(f"{app} .tsc-clocks svg", timeout=LOAD_TIMEOUT_MS)
            page.wait_for_function(KERNEL_READY_JS, timeout=LOAD_TIMEOUT_MS)
            page.locator(app).scroll_into_view_if_needed()
            box = page.locator(f"{app} .widget-inline-hbox", has_text="A TSC (kHz)")
            field = box.locator("input")
            for k in range(ROUNDS["settings"]):
                field.fill(str(2_000_000 + 1000 * k))
                out["settings"].append(
                    _timed(page, f"{app} .tsc-readout", lambda: field.press("Enter"))
                )
            field.fill("3000000")
            field.press("Enter")
            page.wait_for_function(KERNEL_READY_JS)
            migrate = page.locator(f"{app} button", has_text="Migrate")
            reset = page.locator(f"{app} button", has_text="Reset")
            handle = page.locator(f"{app} .widget-slider", has_text="t (0.1 s)").locator(
                ".noUi-handle"
            )
            for _ in range(ROUNDS["migrate"]):
                reset.click()
                page.wait_for_function(KERNEL_READY_JS)
                handle.focus()
                for _ in range(3):
                    handle.press("PageUp")
                page.wait_for_timeout(300)
                page.wait_for_function(KERNEL_READY_JS)
                out["migrate"].append(_timed(page, f"{app} .tsc-error-plot", migrate.click))
                page.wait_for_function(KERNEL_READY_JS)
            handle.focus()
            for _ in range(ROUNDS["frame"]):
                out["frame"].append(
                    _timed(page, f"{app} .tsc-clocks", lambda: handle.press("ArrowRight"))
                )
                page.wait_for_function(KERNEL_READY_JS)
            context.close()
        finally:
            stop_lab(server)
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    site = _site()
    outside: list[str] = []
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                _log("site: load and click-to-repaint ...")
                site_t = measure_site(browser, base, outside)
                _log(f"site: {site_t}")
                _log("JupyterLab: start, run chapter 07, click-to-repaint ...")
                lab_t = measure_lab(browser, outside)
                _log(f"JupyterLab: {lab_t}")
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()

    print(f"requests outside 127.0.0.1: {len(outside)}")
    cold, warm = _summary(site_t["cold"]), _summary(site_t["warm"])
    print(f"site load to controls enabled: cold median {cold[0]:5.1f} s (runs {site_t['cold']})")
    print(f"                               warm median {warm[0]:5.1f} s (runs {site_t['warm']})")
    for kind in ("cold", "warm"):
        steps = site_t[f"{kind}_steps"]
        parts = {
            "page to script": [m["tsc-start"] for m in steps],
            "Pyodide up": [m["tsc-pyodide"] - m["tsc-start"] for m in steps],
            "wheel unpacked": [m["tsc-wheel"] - m["tsc-pyodide"] for m in steps],
            "import + first picture": [m["tsc-ready"] - m["tsc-wheel"] for m in steps],
        }
        text = ", ".join(f"{k} {statistics.median(v) / 1000:.2f} s" for k, v in parts.items())
        print(f"  {kind} load, medians: {text}")
    print(f"  goal cold <= 8 s: {'met' if cold[0] <= 8 else 'MISSED'}; "
          f"warm <= 3 s: {'met' if warm[0] <= 3 else 'MISSED'}")  # fmt: skip
    print("click-to-repaint (ms)      site median/p95    JupyterLab median/p95   site/lab")
    for key, label in (
        ("settings", "settings change"),
        ("migrate", "Migrate"),
        ("frame", "one animation frame"),
    ):
        s_med, s_p95 = _summary(site_t[key])
        l_med, l_p95 = _summary(lab_t[key])
        print(
            f"{label:24} {s_med:8.1f} / {s_p95:7.1f}   {l_med:10.1f} / {l_p95:7.1f}"
            f"   {s_med / l_med:6.2f}x"
        )
    py_med, py_p95 = _summary(site_t["python_frame"])
    print(f"Python time of one animation frame in Pyodide: median {py_med:.1f} ms, p95 "
          f"{py_p95:.1f} ms (goal <= 16 ms: {'met' if py_med <= 16 else 'MISSED'})")  # fmt: skip


if __name__ == "__main__":
    main()
