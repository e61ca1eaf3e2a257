"""A fast SVG line plot of a guest's clock error against true time.

The playground redraws this plot on every frame of its animation; building a small SVG
string (axes, ticks, labels, a downsampled polyline) takes well under a millisecond, where
re-rendering a matplotlib figure takes tens. The plot keeps the collection's style: white
opaque background, dark ink, Okabe-Ito colours, labelled axes with units.

Floats are used only here, for drawing coordinates; the error values come in as exact
integer nanoseconds and are printed exactly in the title.

Standard library only (runs in the reader's browser too): the samples are sequences of ints.

Examples
--------
>>> x = [k * 10**9 for k in range(5)]
>>> svg = error_plot_svg(x, [0, 0, 5, 5, 5], upto=4, title="error")
>>> svg.startswith("<svg") and "true time since guest boot (s)" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tscmath.errors import check_int
from tscmath.tables import xml_text as escape  # quotes too; XML-invalid characters as U+FFFD

__all__: list[str] = []  # nothing public: used by the apps of this package

ERROR_UNITS = (("ns", 1), ("µs", 10**3), ("ms", 10**6), ("s", 10**9), ("h", 3600 * 10**9))
"""Units for the error axis, smallest first, with their size in ns."""

WIDTH = 640
HEIGHT = 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 66, 14, 30, 42


@dataclass(frozen=True)
class Marker:
    """A migration on the plot: paused at ``pause_ns``, resumed at ``resume_ns``.

    Both are true times in ns on the plot's x scale; ``label`` names the destination.
    """

    pause_ns: int
    resume_ns: int
    label: str
    color: str = "#444444"


def error_unit(max_abs_ns: int) -> tuple[str, int]:
    """The largest unit in which ``max_abs_ns`` is at least 1 (ns for 0).

    Examples
    --------
    >>> error_unit(0), error_unit(999), error_unit(300_000_000), error_unit(10**13)
    (('ns', 1), ('ns', 1), ('ms', 1000000), ('h', 3600000000000))
    """
    name, size = ERROR_UNITS[0]
    for unit_name, unit_size in ERROR_UNITS:
        if abs(int(max_abs_ns)) >= unit_size:
            name, size = unit_name, unit_size
    return name, size


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``[lo, hi]``.

    Examples
    --------
    >>> nice_ticks(0, 60)
    [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    >>> nice_ticks(-1, 1)
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    target = check_int("target", target, 1, 100)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / target
    power = 10.0 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10)), key=lambda st: abs((hi - lo) / st - target))
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]


def minmax_decimate(
    x: Sequence[float], y: Sequence[float], buckets: int
) -> tuple[list[float], list[float]]:
    """Keep the first, min, max and last point of each of ``buckets`` index ranges.

    Steps and spikes (a migration's jump) survive; the point count drops to at most
    ``4 * buckets``. Sequences no longer than that are returned unchanged (as lists).

    Examples
    --------
    >>> xs, ys = minmax_decimate(range(1000), [0] * 500 + [1] * 500, 10)
    >>> len(xs) <= 40, min(ys), max(ys)
    (True, 0, 1)
    """
    buckets = check_int("buckets", buckets, 1, 10**6)
    n = len(x)
    if n != len(y):
        raise ValueError(f"x and y must have the same length; got {n} and {len(y)}")
    if n <= 4 * buckets:
        return list(x), list(y)
    edges = [k * n // buckets for k in range(buckets + 1)]
    keep: set[int] = set()
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b <= a:
            continue
        seg = y[a:b]
        low = min(range(len(seg)), key=seg.__getitem__)
        high = max(range(len(seg)), key=seg.__getitem__)
        keep.update((a, a + low, a + high, b - 1))
    idx = sorted(keep)
    return [x[i] for i in idx], [y[i] for i in idx]


def _fmt_tick(value: float) -> str:
    text = f"{value:.6g}"
    return "0" if text in ("-0", "0") else text.replace("-", "\u2212")


def error_plot_svg(
    x_ns: Sequence[int],
    error_ns: Sequence[int],
    *,
    upto: int | None = None,
    x_range_ns: tuple[int, int] | None = None,
    y_range_ns: tuple[int, int] | None = None,
    markers: Sequence[Marker] = (),
    title: str = "",
    line_color: str = "#CC79A7",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Draw ``error_ns`` against ``x_ns`` (both integer ns) as a standalone SVG string.

    Parameters
    ----------
    x_ns : sequence of int
        True time of each sample, integer ns (shown in seconds).
    error_ns : sequence of int
        The guest's clock error at each sample, integer ns (shown in an automatic unit).
    upto : int, optional
        Draw the curve only up to this sample index (the animation's "now"), with a
        cursor there. Default: the whole curve, no cursor.
    x_range_ns, y_range_ns : (int, int), optional
        Axis ranges in ns; by default the data's, so the axes stay still while the curve
        grows when the full curve's ranges are passed.
    markers : sequence of Marker
        Migrations: a dashed line at each pause and a shaded blackout span.
    title : str
        Text above the plot (escaped).
    line_color : str
        Colour of the error curve.

    Examples
    --------
    >>> import xml.etree.ElementTree as ET
    >>> x = [0, 10**9, 2 * 10**9]
    >>> root = ET.fromstring(error_plot_svg(x, [0, -2_000_000, 7], markers=[
    ...     Marker(10**9, 10**9 + 5 * 10**8, "to B")]))
    >>> "guest error (ms)" in ET.tostring(root, encoding="unicode")
    True
    """
    x_ns = [int(v) for v in x_ns]
    error_ns = [int(v) for v in error_ns]
    line_color = escape(line_color)  # an attribute value
    n = len(x_ns)
    if len(error_ns) != n:
        raise ValueError(f"x_ns and error_ns must have the same length; got {n}, {len(error_ns)}")
    if x_range_ns is None:
        x_range_ns = (x_ns[0], x_ns[-1]) if n else (0, 1)
    if y_range_ns is None:
        y_range_ns = (min(error_ns), max(error_ns)) if n else (0, 0)
    ylo_i, yhi_i = min(y_range_ns[0], 0), max(y_range_ns[1], 0)
    unit, size = error_unit(max(abs(ylo_i), abs(yhi_i)))
    # Floats from here on: drawing coordinates only.
    ylo, yhi = ylo_i / size, yhi_i / size
    if yhi - ylo < 1e-12:
        ylo, yhi = ylo - 1.0, yhi + 1.0
    pad = 0.08 * (yhi - ylo)
    ylo, yhi = ylo - pad, yhi + pad
    x0_ns = x_range_ns[0]
    xlo, xhi = 0.0, max((x_range_ns[1] - x0_ns) / 1e9, 1e-9)
    pw, ph = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def px(xs: float) -> float:
        return _LEFT + (xs - xlo) / (xhi - xlo) * pw

    def py(ys: float) -> float:
        return _TOP + (yhi - ys) / (yhi - ylo) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title or "error plot")}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{_LEFT}" y="16" font-size="12" font-weight="bold" '
        f'fill="#222222">{escape(title)}</text>',
    ]
    # Grid, ticks and tick labels.
    for xv in nice_ticks(xlo, xhi, 6):
        X = px(xv)
        out.append(
            f'<line x1="{X:.1f}" y1="{_TOP}" x2="{X:.1f}" y2="{_TOP + ph}" stroke="#dddddd"/>'
            f'<text x="{X:.1f}" y="{_TOP + ph + 14}" text-anchor="middle" '
            f'fill="#222222">{_fmt_tick(xv)}</text>'
        )
    for yv in nice_ticks(ylo, yhi, 5):
        Y = py(yv)
        out.append(
            f'<line x1="{_LEFT}" y1="{Y:.1f}" x2="{_LEFT + pw}" y2="{Y:.1f}" stroke="#dddddd"/>'
            f'<text x="{_LEFT - 5}" y="{Y + 4:.1f}" text-anchor="end" '
            f'fill="#222222">{_fmt_tick(yv)}</text>'
        )
    # Migrations: blackout span and a dashed line at the pause.
    for m in markers:
        a = px((m.pause_ns - x0_ns) / 1e9)
        b = px((m.resume_ns - x0_ns) / 1e9)
        a, b = max(a, _LEFT), min(max(b, a + 1.5), _LEFT + pw)
        if a >= _LEFT + pw:
            continue
        out.append(
            f'<rect x="{a:.1f}" y="{_TOP}" width="{b - a:.1f}" height="{ph}" fill="#999999" '
            f'opacity="0.25"/><line x1="{a:.1f}" y1="{_TOP}" x2="{a:.1f}" y2="{_TOP + ph}" '
            f'stroke="{escape(m.color)}" stroke-width="1.5" stroke-dasharray="5,3"/>'
            f'<text x="{a + 3:.1f}" y="{_TOP + 12}" fill="{escape(m.color)}" '
            f'font-weight="bold">{escape(m.label)}</text>'
        )
    zero = py(0.0)
    out.append(
        f'<line x1="{_LEFT}" y1="{zero:.1f}" x2="{_LEFT + pw}" y2="{zero:.1f}" '
        'stroke="#444444" stroke-width="0.8"/>'
    )
    stop = n if upto is None else max(0, min(int(upto) + 1, n))
    if stop:
        xs, ys = minmax_decimate(x_ns[:stop], error_ns[:stop], pw // 2)  # exact ints
        xs = [px((v - x0_ns) / 1e9) for v in xs]
        ys = [min(max(py(v / size), _TOP - 2), _TOP + ph + 2) for v in ys]
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{line_color}" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
        if upto is not None:
            cx = float(xs[-1])
            out.append(
                f'<line x1="{cx:.1f}" y1="{_TOP}" x2="{cx:.1f}" y2="{_TOP + ph}" '
                'stroke="#000000" stroke-width="1"/>'
                f'<circle cx="{cx:.1f}" cy="{float(ys[-1]):.1f}" r="3.5" fill="{line_color}"/>'
            )
    # Frame, axis labels, legend.
    out.append(
        f'<rect x="{_LEFT}" y="{_TOP}" width="{pw}" height="{ph}" fill="none" stroke="#444444"/>'
        f'<text x="{_LEFT + pw:.1f}" y="{height - 8}" text-anchor="end" '
        'fill="#222222">true time since guest boot (s)</text>'
        f'<text x="14" y="{_TOP + ph / 2:.1f}" text-anchor="middle" fill="#222222" '
        f'transform="rotate(-90 14 {_TOP + ph / 2:.1f})">guest error ({unit})</text>'
    )
    lx, ly = _LEFT, height - 12  # legend at the bottom left, the x label at the right
    out.append(
        f'<line x1="{lx}" y1="{ly}" x2="{lx + 18}" y2="{ly}" '
        f'stroke="{line_color}" stroke-width="2"/>'
        f'<text x="{lx + 22}" y="{ly + 4}" fill="#222222">guest − true</text>'
        f'<rect x="{lx + 96}" y="{ly - 5}" width="14" height="10" fill="#999999" '
        'opacity="0.35"/>'
        f'<text x="{lx + 114}" y="{ly + 4}" fill="#222222">blackout</text>'
        f'<line x1="{lx + 164}" y1="{ly}" x2="{lx + 178}" y2="{ly}" '
        'stroke="#444444" stroke-dasharray="5,3"/>'
        f'<text x="{lx + 182}" y="{ly + 4}" fill="#222222">pause</text>'
    )
    out.append("</svg>")
    return "".join(out)
