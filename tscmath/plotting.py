"""Plot styling shared by every notebook: Okabe-Ito colours, opaque white figures, dark ink.

Readable on light and dark themes and for the common forms of colour blindness; line styles
vary too. Plotting is the one place floats are allowed (to draw). Importing the palette does
not import matplotlib (the playground's SVG drawings use it in the reader's browser).

Examples
--------
>>> fig, ax = new_figure()
>>> fig.get_facecolor()[:3]
(1.0, 1.0, 1.0)
"""

from __future__ import annotations

import json
import os
from typing import Any

from .errors import check_int

__all__ = ["COLORS", "new_figure"]

SITE_COLUMN_PX = 688
"""Width in CSS pixels an image gets in the static site's content column in a 1280 px window
(measured with Chromium on the built site); a wider figure is shrunk to it, text and all."""

MIN_TEXT_PX = 9.0
"""No text in a figure may be displayed smaller than this, in CSS pixels, on the site."""

AUDIT_ENV = "TSCMATH_FIGURE_AUDIT"
"""If set to a file path, every figure made by :func:`new_figure` appends one JSON line there
each time it is drawn: its smallest displayed text and the texts below :data:`MIN_TEXT_PX`.
The notebook tests set it to check every figure of every chapter."""

COLORS = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    # Neutrals, for ink, reference lines and shaded spans (not for data series).
    "ink": "#333333",
    "grey": "#999999",
    "light_grey": "#dddddd",
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
"""Line styles in order of use, so series stay distinct in greyscale."""


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


MAX_PANELS = 8
"""Most rows or columns of panels :func:`new_figure` makes (a chapter uses at most 3)."""


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """``plt.subplots`` with the collection's style applied; returns ``(fig, ax)``.

    Examples
    --------
    >>> fig, (left, right) = new_figure(1, 2, figsize=(8, 3))
    >>> left.get_facecolor()[:3]
    (1.0, 1.0, 1.0)
    """
    import matplotlib.pyplot as plt

    nrows, ncols = (
        check_int("nrows", nrows, 1, MAX_PANELS),
        check_int("ncols", ncols, 1, MAX_PANELS),
    )
    apply_style()
    kwargs.setdefault("layout", "constrained")
    fig, ax = plt.subplots(nrows, ncols, **kwargs)
    if os.environ.get(AUDIT_ENV):
        fig.canvas.mpl_connect("draw_event", lambda event: _audit(event.canvas.figure))
    return fig, ax


def smallest_text_px(fig: Any, column_px: int = SITE_COLUMN_PX) -> tuple[float, list[str]]:
    """The smallest text of ``fig`` in CSS pixels when shown in a column ``column_px`` wide.

    A figure wider than the column is shrunk to fit it (CSS ``max-width: 100%``), its text
    with it. Returns the size and the texts displayed below :data:`MIN_TEXT_PX`.

    Examples
    --------
    >>> fig, ax = new_figure(figsize=(7.5, 4), dpi=100)
    >>> _ = ax.set_xlabel("true time (s)")
    >>> size, small = smallest_text_px(fig)
    >>> round(size, 1), small  # 11 pt text at 100 dpi, shrunk from 750 px to 688 px
    (14.0, [])
    >>> _ = ax.text(0, 0, "tiny", fontsize=5)
    >>> smallest_text_px(fig)[1]
    ['tiny']
    """
    from matplotlib.text import Text

    width_px = fig.get_size_inches()[0] * fig.dpi
    shrink = min(1.0, column_px / float(width_px))
    sizes = []
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            sizes.append((float(text.get_fontsize()) * fig.dpi / 72 * shrink, text.get_text()))
    if not sizes:
        return float("inf"), []
    return min(s for s, _ in sizes), [t for s, t in sizes if s < MIN_TEXT_PX]


def _audit(fig: Any) -> None:
    size, small = smallest_text_px(fig)
    titles = [ax.get_title() or ax.get_ylabel() for ax in fig.axes]
    with open(os.environ[AUDIT_ENV], "a", encoding="utf-8") as out:
        out.write(json.dumps({"figure": titles, "smallest_px": size, "too_small": small}) + "\n")
