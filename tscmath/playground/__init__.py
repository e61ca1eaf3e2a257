"""Chapter 07's playground: migrate a guest between hosts and watch the clocks.

==================  =====================================================================
``state``           settings, validation, the model run, the readout and the state machine
``app``             the ipywidgets app (:class:`Playground`) for JupyterLab
``recording``       a recorded migration for pages without a kernel
``_clockface``      analog clock faces as SVG strings (private)
``_errorplot``      the clock-error plot as an SVG string (private)
==================  =====================================================================

``from tscmath.playground import Playground`` is all a chapter needs; the app, and with it
ipywidgets, is loaded on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Playground", "Session", "Settings"]

_LAZY = {
    "Playground": ("app", "Playground"),
    "Session": ("state", "Session"),
    "Settings": ("state", "Settings"),
}


def __getattr__(name: str) -> Any:
    """Load the app (ipywidgets) or the state machine on first use."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tscmath.playground' has no attribute {name!r}")
