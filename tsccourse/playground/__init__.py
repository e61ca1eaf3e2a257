"""Chapter 07's playground: migrate a guest between hosts and watch the clocks.

The model and every drawing run on the standard library alone, so the same code serves
JupyterLab (ipywidgets) and the static site (Pyodide in the reader's browser, no numpy):

==================  =====================================================================
``settings``        the one list of controls (labels, ranges, units, order), validation
``model``           the model run: boot, migrations, 601 exact samples (scalar, exact)
``refusals``        why a setting or a Migrate is refused, in the controls' words
``render``          clocks, error plot, readout and messages as HTML/SVG strings
``session``         the state machine both apps drive (:class:`Session`)
``app``             the ipywidgets apps (:class:`Playground`, :class:`Calculator`)
``web``             the static site's HTML controls and the bridge Pyodide calls
``calculator``      the TSC calculator (what tsc-simulator's ``calc`` prints), live too
``recording``       a recorded migration, for readers whose browser cannot run Python
``_clockface``      analog clock faces as SVG strings (private)
``_errorplot``      the clock-error plot as an SVG string (private)
==================  =====================================================================

``from tsccourse.playground import Playground`` is all a chapter needs; the app, and with it
ipywidgets, is loaded on first use. ``import tsccourse.playground`` imports nothing else.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Playground",
    "Calculator",
    "Session",
    "Settings",
    "error_figure",
    "recording_html",
]

_LAZY = {
    "Playground": ("app", "Playground"),
    "Calculator": ("app", "Calculator"),
    "Session": ("session", "Session"),
    "Settings": ("settings", "Settings"),
    "error_figure": ("recording", "error_figure"),
    "recording_html": ("recording", "recording_html"),
}


def __getattr__(name: str) -> Any:
    """Load the app (ipywidgets), the recording (matplotlib) or the state machine on use."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tsccourse.playground' has no attribute {name!r}")
