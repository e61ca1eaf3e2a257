"""Analog clock faces as small SVG strings, each with an exact integer readout.

The playground (chapter 07) redraws five clocks several times a second; an SVG string set
into an HTML widget is far cheaper than a matplotlib figure. Each face has an hour, a minute
and a second hand for a time given in integer nanoseconds, and text lines below it that
show the exact values (the TSC register, the time to the nanosecond). Floats appear only in
the hand angles, which are drawing coordinates; every number printed is an exact integer.

Examples
--------
>>> svg = clock_svg("Host A", 3_723_500_000_000, ["TSC 11170500000000"], color="#0072B2")
>>> svg.startswith("<svg") and "11170500000000" in svg
True
>>> format_duration_ns(3_723_500_000_001)
'01:02:03.500000001'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from tscmath.conversions import NS_PER_S
from tscmath.errors import InvalidInput
from tscmath.tables import xml_text as escape  # quotes too; XML-invalid characters as U+FFFD

__all__: list[str] = []  # nothing public: used by the apps of this package

CLOCK_WIDTH = 160
"""Width of one clock in CSS pixels."""

CLOCK_HEIGHT = 206
"""Height of one clock (title, face and four readout lines) in CSS pixels."""

_NS_PER_MIN = 60 * NS_PER_S
_NS_PER_HOUR = 60 * _NS_PER_MIN
_NS_PER_DAY = 24 * _NS_PER_HOUR
_NS_PER_12H = 12 * _NS_PER_HOUR

_R = 54  # face radius
_CX = CLOCK_WIDTH // 2
_CY = 80
_LINE_Y0 = 153
_LINE_DY = 13.5
_TEXT_PX = 11
"""Font size of the readout lines and dial numbers (CSS px): at least 11 px everywhere."""
_LINE_CHARS = 22
"""Readout characters that fit the width at 11 px monospace; longer lines are squeezed."""
_TITLE_CHARS = 19
"""Title characters that surely fit at 12 px bold; longer titles are squeezed."""


def _squeeze(text: str, fits: int) -> str:
    """SVG attributes that fit ``text`` into the face's width when it is longer than ``fits``.

    A long exact value or title is squeezed, never cut off.
    """
    if len(text) <= fits:
        return ""
    return f' textLength="{CLOCK_WIDTH - 10}" lengthAdjust="spacingAndGlyphs"'


MAX_LINES = 4
"""Readout lines that fit below a face."""


def format_duration_ns(ns: int) -> str:
    """Format integer nanoseconds as ``[-][Nd ]HH:MM:SS.nnnnnnnnn``, exactly.

    Examples
    --------
    >>> format_duration_ns(0)
    '00:00:00.000000000'
    >>> format_duration_ns(-300_000_000)
    '-00:00:00.300000000'
    >>> format_duration_ns(3 * 86_400 * 10**9 + 1)
    '3d 00:00:00.000000001'
    """
    ns = int(ns)
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    days, rest = divmod(ns, _NS_PER_DAY)
    hours, rest = divmod(rest, _NS_PER_HOUR)
    minutes, rest = divmod(rest, _NS_PER_MIN)
    seconds, frac = divmod(rest, NS_PER_S)
    head = f"{days}d " if days else ""
    return f"{sign}{head}{hours:02d}:{minutes:02d}:{seconds:02d}.{frac:09d}"


def format_signed_ns(ns: int) -> str:
    """Format a signed nanosecond count as exact seconds with a sign: ``+1.000000002 s``.

    Examples
    --------
    >>> format_signed_ns(-1_999_999), format_signed_ns(5 * 10**9)
    ('-0.001999999 s', '+5.000000000 s')
    """
    ns = int(ns)
    sign = "-" if ns < 0 else "+"
    whole, frac = divmod(abs(ns), NS_PER_S)
    return f"{sign}{whole}.{frac:09d} s"


def hand_angles(ns: int) -> tuple[float, float, float]:
    """Angles in degrees, clockwise from 12, of the hour, minute and second hands.

    The hands turn smoothly (the second hand moves between seconds); the time is taken
    modulo 12 hours with exact integers first, and only the remainder becomes a float.

    Examples
    --------
    >>> hand_angles(3 * 3600 * 10**9 + 15 * 10**9)
    (90.125, 1.5, 90.0)
    """
    ns = int(ns) % _NS_PER_12H  # exact; negative times wrap like a real dial
    hour = 360.0 * ns / _NS_PER_12H
    minute = 360.0 * (ns % _NS_PER_HOUR) / _NS_PER_HOUR
    second = 360.0 * (ns % _NS_PER_MIN) / _NS_PER_MIN
    return hour, minute, second


def _hand(angle: float, length: float, width: float, color: str, tail: float = 0.0) -> str:
    rad = math.radians(angle)
    dx, dy = math.sin(rad), -math.cos(rad)
    x1, y1 = _CX - tail * dx, _CY - tail * dy
    x2, y2 = _CX + length * dx, _CY + length * dy
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
        f'stroke-width="{width}" stroke-linecap="round"/>'
    )


def _dial_ticks() -> str:
    parts = []
    for k in range(60):
        rad = math.radians(6 * k)
        major = k % 5 == 0
        inner = _R - (9 if major else 4)
        s, c = math.sin(rad), -math.cos(rad)
        parts.append(
            f"M{_CX + inner * s:.1f} {_CY + inner * c:.1f}L{_CX + (_R - 1) * s:.1f} "
            f"{_CY + (_R - 1) * c:.1f}"
        )
    minor = "".join(p for k, p in enumerate(parts) if k % 5)
    major = "".join(p for k, p in enumerate(parts) if k % 5 == 0)
    return (
        f'<path d="{minor}" stroke="#777777" stroke-width="1"/>'
        f'<path d="{major}" stroke="#222222" stroke-width="2.2"/>'
    )


_DIAL = _dial_ticks()
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")  # the same for every clock: computed once


def clock_svg(
    title: str,
    face_ns: int | None,
    lines: Sequence[str],
    *,
    color: str,
    highlight: bool = False,
    badge: str | None = None,
) -> str:
    """One clock: a title, an analog face showing ``face_ns`` and exact readout lines.

    Parameters
    ----------
    title : str
        Shown above the face (escaped for XML).
    face_ns : int or None
        Time the hands show, in integer ns (taken modulo 12 h); ``None`` draws no hands.
    lines : sequence of str
        Up to :data:`MAX_LINES` readout lines (exact values, already formatted).
    color : str
        The clock's colour (rim, title, second hand): a ``#rrggbb`` of the palette.
    highlight : bool, optional
        Draw a thick frame (the guest's current host).
    badge : str, optional
        A short label drawn across the face (for example ``"paused"``).

    Returns
    -------
    str
        A standalone, well-formed ``<svg>`` element with a white background.

    Examples
    --------
    >>> import xml.etree.ElementTree as ET
    >>> root = ET.fromstring(clock_svg("Guest", 0, ["TSC 0", "a < b & c"], color="#CC79A7"))
    >>> root.tag.endswith("svg")
    True
    """
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"lines must hold at most {MAX_LINES} lines; got {len(lines)}")
    if not isinstance(color, str) or not _COLOR.fullmatch(color):
        raise InvalidInput(f"color must be a #rrggbb colour; got {color!r}")
    frame_w = 3 if highlight else 1
    frame_c = color if highlight else "#bbbbbb"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CLOCK_WIDTH}" height="{CLOCK_HEIGHT}" '
        f'viewBox="0 0 {CLOCK_WIDTH} {CLOCK_HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
        f'<rect x="{frame_w / 2}" y="{frame_w / 2}" width="{CLOCK_WIDTH - frame_w}" '
        f'height="{CLOCK_HEIGHT - frame_w}" rx="6" fill="#ffffff" stroke="{frame_c}" '
        f'stroke-width="{frame_w}"/>',
        f'<text x="{_CX}" y="17" text-anchor="middle" font-size="12" font-weight="bold"'
        f'{_squeeze(title, _TITLE_CHARS)} fill="{color}">{escape(title)}</text>',
        f'<circle cx="{_CX}" cy="{_CY}" r="{_R}" fill="#ffffff" stroke="{color}" '
        'stroke-width="3"/>',
        _DIAL,
    ]
    for k, label in ((0, "12"), (3, "3"), (6, "6"), (9, "9")):
        rad = math.radians(30 * k)
        x, y = _CX + (_R - 19) * math.sin(rad), _CY - (_R - 19) * math.cos(rad) + 4
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{_TEXT_PX}" '
            f'fill="#444444">{label}</text>'
        )
    if face_ns is not None:
        hour, minute, second = hand_angles(face_ns)
        out.append(_hand(hour, _R * 0.5, 4.5, "#222222"))
        out.append(_hand(minute, _R * 0.78, 3, "#222222"))
        out.append(_hand(second, _R * 0.88, 1.5, color, tail=10))
        out.append(f'<circle cx="{_CX}" cy="{_CY}" r="3.5" fill="{color}"/>')
    if badge:
        out.append(
            f'<rect x="{_CX - 42}" y="{_CY + 16}" width="84" height="18" rx="4" '
            f'fill="#ffffff" stroke="{color}" opacity="0.95"/>'
            f'<text x="{_CX}" y="{_CY + 29}" text-anchor="middle" font-size="11" '
            f'font-weight="bold" fill="#222222">{escape(badge)}</text>'
        )
    for k, line in enumerate(lines):
        out.append(
            f'<text x="{_CX}" y="{_LINE_Y0 + k * _LINE_DY}" text-anchor="middle" '
            f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{_TEXT_PX}"'
            f'{_squeeze(line, _LINE_CHARS)} fill="#222222">{escape(line)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def clock_row_html(svgs: Sequence[str]) -> str:
    """Lay clock SVGs side by side (wrapping when the page is narrow).

    Examples
    --------
    >>> clock_row_html(["<svg/>", "<svg/>"]).count("<svg/>")
    2
    """
    cells = "".join(f'<div class="tsc-clock" style="flex:0 0 auto">{svg}</div>' for svg in svgs)
    return f'<div class="tsc-clock-row" style="display:flex;flex-wrap:wrap;gap:6px">{cells}</div>'
