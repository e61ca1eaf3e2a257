"""What the static site's Web Worker calls: the playground, the calculator and the exercises.

The site runs Python (Pyodide) in one Web Worker per page (``site/live/worker.js``); the
page's scripts send it a function name and JSON arguments and get a string back. This module
is that one entry point, :func:`call`, and the functions it dispatches to:

* ``playground_new`` / ``playground``: a :class:`~tsccourse.playground.web.WebApp` kept by
  handle, its methods called by name (the worker outlives no page, so handles are small ints);
* ``calculate``: :func:`~tsccourse.playground.calculator.calculate_json`;
* ``check``: an exercise's answer cell run as a notebook would run it (the exercise's setup
  cells first, then the reader's code, then the notebook's own check cell), with the result
  box JupyterLab shows (``Result._repr_html_``), the cell's printed output and last value;
* ``hint``: one level of an exercise's hints, as ``check.hint`` shows it.

The checker is the notebooks' own, :mod:`tsccourse.exercises`; nothing here knows an answer.
In Pyodide there are neither signals nor threads, so a checker's time limit
(:mod:`tsccourse.exercises.deadline`) is kept by a trace function that raises the same
``TimeLimitExceeded`` (same message as in JupyterLab); what that cannot stop (a loop that
catches every exception, one long C call) the page stops by ending the worker.

Standard library only (plus ``tsccourse``): runs in Pyodide.

Examples
--------
>>> import json
>>> spec = {"exercise": "09.2", "context": ["from tsccourse.exercises import check"],
...         "check": "check.multiplier_by_hand(mult_by_hand)"}
>>> reply = json.loads(call("check", json.dumps([spec, "mult_by_hand = 1"])))
>>> reply["status"]
'wrong'
>>> json.loads(call("check", json.dumps([spec, "mult_by_hand = ..."])))["status"]
'not answered'
>>> json.loads(call("hint", json.dumps(["09.2", 1])))["level"]
1
"""

from __future__ import annotations

import ast
import contextlib
import html
import io
import json
import sys
import time
import traceback
from typing import Any

# Private to the site: the worker calls :func:`call` with what the page's own scripts build; no
# reader calls it, so it is not public API (not in the public-API fuzz; its browser tests cover it).
__all__: list[str] = []

_APPS: dict[int, Any] = {}
TRACE_EVERY = 200
"""The trace-based time limit looks at the clock once every this many trace events."""


def _use_trace_time_limit() -> None:
    """In Pyodide: keep ``deadline``'s time limits with a trace function (no signal, no thread)."""
    from tsccourse.exercises import deadline

    if getattr(deadline, "_site_trace", False):
        return

    def arm(limit: Any, seconds: float) -> None:
        end = time.monotonic() + seconds
        count = 0

        def tracer(frame: Any, event: str, arg: Any) -> Any:
            nonlocal count
            count += 1
            if count % TRACE_EVERY == 0 and not limit.done and time.monotonic() > end:
                raise deadline.TimeLimitExceeded(limit.message)
            return tracer

        limit.previous_trace = sys.gettrace()
        sys.settrace(tracer)

    def disarm(limit: Any) -> None:
        limit.done = True
        sys.settrace(getattr(limit, "previous_trace", None))

    deadline._signal_usable = lambda: False
    deadline._arm_watchdog = arm
    deadline._disarm_watchdog = disarm
    deadline._site_trace = True


if sys.platform == "emscripten":  # pragma: no cover (Pyodide only; the browser tests run it)
    _use_trace_time_limit()


# -- the playground and the calculator ---------------------------------------------------------
def playground_new(frame: int = 0) -> int:
    """A new :class:`~tsccourse.playground.web.WebApp` at ``frame``; its handle."""
    from tsccourse.playground.web import WebApp

    handle = len(_APPS) + 1
    _APPS[handle] = WebApp(int(frame))
    return handle


_PLAYGROUND_METHODS = frozenset({"apply", "set_frame", "migrate", "reset"})


def playground(handle: int, method: str, *args: Any) -> str:
    """``WebApp.<method>(*args)`` of the app ``handle`` (its JSON reply)."""
    if method not in _PLAYGROUND_METHODS:
        raise ValueError(f"method must be one of {sorted(_PLAYGROUND_METHODS)}; got {method!r}")
    return getattr(_APPS[int(handle)], method)(*args)


def calculate(values_json: str) -> str:
    """The TSC calculator: :func:`~tsccourse.playground.calculator.calculate_json`."""
    from tsccourse.playground.calculator import calculate_json

    return calculate_json(values_json)


# -- exercises ---------------------------------------------------------------------------------
def _run_cell(source: str, namespace: dict, name: str) -> Any:
    """Run a cell's code as IPython would: its last expression's value is returned."""
    tree = ast.parse(source, filename=name)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, name, "exec"), namespace)
    if last is not None:
        return eval(compile(last, name, "eval"), namespace)
    return None


def _error_text(exc: BaseException, cell: str) -> str:
    """The traceback of ``exc`` from the reader's cell on (not this module's frames)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    start = next((k for k, f in enumerate(frames) if f.filename == cell), 0)
    lines = traceback.format_list(frames[start:])
    lines += traceback.format_exception_only(type(exc), exc)
    return "Traceback (most recent call last):\n" + "".join(lines)


def _context(spec: dict) -> dict:
    """A fresh namespace with the exercise's setup cells run (as the notebook runs them)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for k, source in enumerate(spec.get("imports", [])):  # the chapter's earlier imports
        try:
            exec(compile(source, f"<import {k}>", "exec"), namespace)
        except ImportError:
            pass  # numpy, matplotlib, ipywidgets: not in this browser
    for k, source in enumerate(spec.get("context", [])):
        with contextlib.redirect_stdout(io.StringIO()):
            _run_cell(source, namespace, f"<setup cell {k + 1}>")
    return namespace


def check(spec: dict, code: str) -> dict:
    """Run the reader's answer ``code`` and the exercise's check cell; what the page shows.

    Parameters
    ----------
    spec : dict
        ``exercise`` (its id), ``context`` (the setup cells' code), ``imports`` (the
        chapter's import statements), ``check`` (the check cell's code).
    code : str
        The answer cell as the reader wrote it.

    Returns
    -------
    dict
        ``status`` (``correct``, ``wrong``, ``not answered`` or ``error``), ``html`` (the
        result box, or the error), ``output`` (what the cell printed) and ``value`` (the
        repr of its last expression, as a notebook shows it).
    """
    cell = "<your answer>"
    try:
        namespace = _context(spec)
    except Exception as exc:  # a setup cell that cannot run here (a bug of the site)
        text = f"The exercise's setup could not run in this browser:\n{_error_text(exc, '')}"
        return {"status": "error", "html": _pre(text), "output": "", "value": ""}
    out = io.StringIO()
    value = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            value = _run_cell(code, namespace, cell)
    except BaseException as exc:  # the reader's code raised (or was stopped): show it
        if isinstance(exc, (SystemExit, KeyboardInterrupt)) or type(exc).__name__ in (
            "TimeLimitExceeded",
            "ExitAttempt",
        ):
            text = f"Your code stopped: {type(exc).__name__}: {exc}"
        else:
            text = _error_text(exc, cell)
        return {"status": "error", "html": _pre(text), "output": out.getvalue(), "value": ""}
    shown = "" if value is None else _safe_repr(value)
    result = _run_cell(spec["check"], namespace, "<check cell>")
    return {
        "status": result.status,
        "html": result._repr_html_(),
        "output": out.getvalue()[-20_000:],
        "value": shown,
    }


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a repr that fails: say so
        text = f"<repr failed: {type(exc).__name__}: {exc}>"
    return text[:5_000]


def _pre(text: str) -> str:
    return f'<pre class="tsc-ex-error">{html.escape(text)}</pre>'


def hint(exercise: str, level: int) -> dict:
    """Hint ``level`` (1 = first) of ``exercise``, as ``check.hint`` shows it.

    The page keeps the level (in the browser's storage), so a reload or a restarted worker
    goes on where the reader was; past the last level the last hint is shown again.
    """
    import tsccourse.exercises  # noqa: F401  (registers every exercise)
    from tsccourse.exercises.core import REGISTRY, Hint

    entry = REGISTRY.get(str(exercise))
    if entry is None:
        raise ValueError(f"exercise must be a known exercise id; got {exercise!r}")
    levels = len(entry.hints)
    chosen = max(1, min(int(level), levels))
    shown = Hint(entry.id, chosen, levels, entry.hints[chosen - 1])
    return {"level": chosen, "levels": levels, "html": shown._repr_html_()}


def warm_up(packages: list[str] | tuple[str, ...] = ()) -> str:
    """Import what a check needs (the checkers, and ``packages``), so the first Check is quick.

    ``packages`` are import names the page unpacked first (``["sympy"]``), imported here in
    advance: SymPy's first import takes seconds in the browser.
    """
    import importlib

    import tsccourse.exercises  # noqa: F401

    for name in packages:
        importlib.import_module(str(name))
    if "sympy" in packages:  # SymPy loads its simplification on first use: do it now
        import sympy

        x = sympy.Symbol("x", positive=True)
        sympy.simplify((x + 1) ** 2 / 2**x - x**2 / 2**x)
    return "ok"


_FUNCTIONS = {
    "playground_new": playground_new,
    "playground": playground,
    "calculate": calculate,
    "check": check,
    "hint": hint,
    "warm_up": warm_up,
}


def call(name: str, args_json: str) -> str:
    """``name(*args)`` for the worker: JSON arguments in, a string (JSON if not one) out."""
    function = _FUNCTIONS.get(name)
    if function is None:
        raise ValueError(f"name must be one of {sorted(_FUNCTIONS)}; got {name!r}")
    result = function(*json.loads(args_json))
    return result if isinstance(result, str) else json.dumps(result)
