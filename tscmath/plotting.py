"""Plot styling shared by every notebook: colour-blind-safe, readable in light and dark themes.

Figures get an opaque white background and dark ink, so they read the same on JupyterLab's
light and dark themes (a transparent PNG with black text vanishes on a dark theme). Colours
are the Okabe-Ito palette, safe for the common forms of colour blindness; line styles and
markers vary too, so series stay distinct in greyscale.

Plotting is the one place floats are allowed: values are converted to float only to draw them.
The palette is plain data: importing it does not import matplotlib (the playground's SVG
drawings use it in the reader's browser, where there is no matplotlib).

Examples
--------
>>> from tscmath.plotting import PALETTE, new_figure
>>> len(PALETTE) >= 7
True
>>> fig, ax = new_figure()
>>> fig.get_facecolor()[:3]
(1.0, 1.0, 1.0)
"""

from __future__ import annotations

from typing import Any

__all__ = ["PALETTE", "COLORS", "LINESTYLES", "MARKERS", "apply_style", "new_figure"]

COLORS = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""The Okabe-Ito colour-blind-safe palette by name."""

PALETTE = [
    COLORS["blue"],
    COLORS["vermillion"],
    COLORS["bluish_green"],
    COLORS["orange"],
    COLORS["reddish_purple"],
    COLORS["sky_blue"],
    COLORS["black"],
]
"""Series colours in order of use (yellow left out: too faint on white)."""

LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


def _rc() -> dict[str, Any]:
    import matplotlib

    return {
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "savefig.transparent": False,
        "text.color": "#222222",
        "axes.labelcolor": "#222222",
        "axes.edgecolor": "#444444",
        "xtick.color": "#222222",
        "ytick.color": "#222222",
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE, linestyle=LINESTYLES),
        "figure.figsize": (7.5, 4.0),
        "figure.dpi": 100,
        "font.size": 11,
        "legend.framealpha": 0.95,
    }


def apply_style() -> None:
    """Set the collection's matplotlib style for the rest of the session.

    Examples
    --------
    >>> apply_style()
    >>> import matplotlib
    >>> matplotlib.rcParams["figure.facecolor"]
    'white'
    """
    import matplotlib

    matplotlib.rcParams.update(_rc())


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """``plt.subplots`` with the collection's style applied; returns ``(fig, ax)``.

    Examples
    --------
    >>> fig, (left, right) = new_figure(1, 2, figsize=(8, 3))
    >>> left.get_facecolor()[:3]
    (1.0, 1.0, 1.0)
    """
    import matplotlib.pyplot as plt

    apply_style()
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, **kwargs)
