"""What the playground shows, as HTML and SVG strings: clocks, error plot, readout, messages.

Both apps show exactly these strings: the JupyterLab app puts them into ipywidgets HTML
widgets, the static site's page (run by Pyodide) into its ``<div>`` s. :func:`screen`
renders everything after a recompute; :func:`frame_parts` only the clocks and plot (the
animation's per-frame path). Every number printed is an exact integer; floats appear only
in drawing coordinates (:mod:`~tsccourse.playground._clockface`,
:mod:`~tsccourse.playground._errorplot`).

Standard library only (runs in the reader's browser too).

Examples
--------
>>> from .session import Session
>>> parts = screen(Session())
>>> sorted(parts)
['clocks', 'message', 'note', 'plot', 'readout']
>>> parts["message"], "<svg" in parts["clocks"]
('', True)
"""

from __future__ import annotations

from fractions import Fraction

from tscmath.conversions import NS_PER_S
from tscmath.errors import check_int
from tscmath.formats import FixedPointFormat
from tscmath.migration.strategies import Strategy
from tscmath.offsets import to_signed
from tscmath.scaling import check_format, check_multiplier
from tscmath.tables import xml_text as escape  # quotes too; XML-invalid characters as U+FFFD

from ._clockface import clock_row_html, clock_svg, format_duration_ns, format_signed_ns
from ._errorplot import error_plot_svg
from .model import COLOR_GUEST, COLOR_TRUE, HOST_COLORS, REL_NS, TIMES_NS, View
from .refusals import wrap_note
from .settings import HOST_NAMES, N_SAMPLES, WINDOW_NS

__all__: list[str] = []  # nothing public: used by the apps of this package

PLOT_WIDTH = 516
PLOT_HEIGHT = 236
"""Size of the error plot in CSS pixels (leaves room for the readout beside it)."""

MAX_DIGITS = 64
"""Most decimals :func:`ratio_text` prints (``M / 2**F`` has at most ``F`` <= 63 of them)."""

INTERNAL_ERROR_PREFIX = "Internal error"
"""Start of the message shown if something unexpected fails (a bug: please report it)."""

_DIM_OPEN = '<div style="opacity:0.35" title="settings refused: last valid picture">'


def ratio_text(mult: int, fmt: FixedPointFormat, digits: int = 12) -> str:
    """``M / 2**F`` as a decimal, exact or truncated to ``digits`` places with an ellipsis.

    Integer arithmetic only: ``M / 2**F`` has a finite decimal expansion (at most ``F``
    digits, so ``digits`` beyond :data:`MAX_DIGITS` are refused).

    Examples
    --------
    >>> from tscmath import AMD_SVM
    >>> ratio_text(0xAAAA_AAAA, AMD_SVM)
    '0.666666666511…'
    >>> ratio_text(3 << 31, AMD_SVM)
    '1.5'
    """
    fmt = check_format(fmt)
    mult = check_multiplier(mult, fmt)
    digits = check_int("digits", digits, 0, MAX_DIGITS)
    whole, rest = divmod(mult, fmt.one)
    if not rest:
        return str(whole)
    scaled = rest * 10**digits
    frac, remainder = divmod(scaled, fmt.one)
    text = f"{whole}.{frac:0{digits}d}"
    if remainder:
        return text + "…"
    return text.rstrip("0")


def _clamp(frame: int) -> int:
    return max(0, min(int(frame), N_SAMPLES - 1))


def clocks_html(view: View, frame: int) -> str:
    """The five clocks at ``frame`` as HTML of SVGs: true time, the guest, hosts A, B, C.

    The guest stands next to true time so their hands can be compared at a glance.
    """
    i = _clamp(frame)
    rel = REL_NS[i]
    true_ns = TIMES_NS[i]
    seg = view.segment[i]
    guest_ns = view.guest_ns[i]
    where = f"on host {HOST_NAMES[seg]}" if seg >= 0 else "paused (blackout)"
    svgs = [
        clock_svg(
            "True time",
            rel,
            [
                "since guest boot",
                format_duration_ns(rel),
                "UTC " + format_duration_ns(true_ns % (86_400 * NS_PER_S)),
            ],
            color=COLOR_TRUE,
        ),
        clock_svg(
            f"Guest · {view.scenario.guest_hz // 1000} kHz",
            guest_ns,
            [
                f"TSC {view.guest_tsc[i]}",
                format_duration_ns(guest_ns),
                f"err {format_signed_ns(view.error_ns[i])}",
                where,
            ],
            color=COLOR_GUEST,
            highlight=True,
            badge=None if seg >= 0 else "paused",
        ),
    ]
    running = seg if seg >= 0 else None
    moving_to = len([h for h in view.hops if h <= i]) if seg < 0 else None
    for k, host in enumerate(view.scenario.hosts):
        skew_ms = view.scenario.settings.host_fields(k)[2]
        here = running == k
        status = "guest runs here" if here else ""
        if moving_to is not None and k in (moving_to - 1, moving_to):
            status = "blackout: sending" if k == moving_to - 1 else "blackout: receiving"
        uptime = host.hrtime_at(true_ns)
        svgs.append(
            clock_svg(
                f"Host {host.name}",
                uptime,
                [
                    f"TSC {view.host_tsc_at(k, i)}",
                    "up " + format_duration_ns(uptime),
                    f"{host.tsc_hz // 1000} kHz, skew {skew_ms:+d} ms",
                    status,
                ],
                color=HOST_COLORS[k],
                highlight=here,
            )
        )
    return clock_row_html(svgs)


def _seconds_text(ns: int) -> str:
    """Exact seconds with one decimal for a multiple of 100 ms (frame times)."""
    whole, rest = divmod(ns, NS_PER_S)
    return f"{whole}.{rest // 100_000_000}"


def _grouped(value: int) -> str:
    """``+1 234 567``: a signed integer with plain-space digit groups and a true minus."""
    return f"{value:+,d}".replace(",", " ").replace("-", "−")


def error_plot_html(view: View, frame: int) -> str:
    """The error plot up to ``frame`` with the whole run's axis ranges (an SVG string)."""
    i = _clamp(frame)
    err = view.error_ns[i]
    title = f"Guest error at t = {_seconds_text(REL_NS[i])} s: {_grouped(err)} ns"
    return error_plot_svg(
        REL_NS,
        view.error_ns,
        upto=i,
        x_range_ns=(0, WINDOW_NS),
        y_range_ns=view.error_range,
        markers=view.markers,
        title=title,
        line_color=COLOR_GUEST,
        width=PLOT_WIDTH,
        height=PLOT_HEIGHT,
    )


def readout_html(view: View | None) -> str:
    """What was programmed at each step: multiplier M (hex and ratio) and the signed offset."""
    if view is None:
        return (
            '<div style="color:#444444;background:#ffffff;padding:4px">'
            "No valid scenario: see the message above.</div>"
        )
    blocks = []
    for p in view.programs:
        asked = Fraction(p.guest_hz, p.host_hz)
        if p.mult is None or p.fmt is None:
            mult_line = "M: none (no scaling)"
            ratio_line = f"M/2^F: 1 (asked {asked})"
        else:
            mult_line = f"M: 0x{p.mult:X} ({p.fmt.label})"
            ratio_line = f"M/2^F: {ratio_text(p.mult, p.fmt)} (asked {asked})"
        blocks.append(
            f'<div style="margin-bottom:6px"><b>{escape(p.label)}</b> '
            f"(host {escape(p.host)})<br><code>{escape(mult_line)}</code><br>"
            f"<code>{escape(ratio_line)}</code><br>"
            f"<code>offset: {_grouped(to_signed(p.offset))}</code></div>"
        )
    return (
        '<div style="font-size:12px;line-height:1.3;background:#ffffff;color:#222222;'
        'padding:4px 8px;border:1px solid #cccccc;border-radius:4px">'
        '<div style="font-weight:bold;margin-bottom:4px">Programmed multiplier M and offset'
        ' <span style="font-weight:normal">(signed, in guest ticks)</span>'
        f"</div>{''.join(blocks)}</div>"
    )


def message_html(text: str) -> str:
    """The refusal box (``""`` for no message): plain text, escaped, never a traceback."""
    if not text:
        return ""
    return (
        '<div style="background:#fff4e5;color:#222222;border:1px solid #D55E00;'
        "border-left:6px solid #D55E00;padding:3px 8px;border-radius:4px;font-size:12.5px;"
        'line-height:1.3">'
        f"<b>Cannot do that:</b> {escape(text)}</div>"
    )


def note_html(session) -> str:
    """The line under the controls: the next Migrate, the strategy, and any wrap warning."""
    strategy = Strategy.__members__.get(session.settings.strategy)
    nxt = session.next_host
    step = (
        f"Next <b>Migrate</b> moves the guest to host <b>{nxt}</b>."
        if nxt
        else "The guest has moved A → B → C (<b>Reset</b> to start again)."
    )
    what = (
        ""
        if strategy is None
        else f" Strategy <i>{escape(strategy.label)}</i>: {escape(strategy.description)}."
    )
    warning = wrap_note(session.view)
    if warning:
        warning = f' <b style="color:#D55E00">Note:</b> {escape(warning)}'
    return f"<div style='font-size:12px;line-height:1.3'>{step}{what}{warning}</div>"


def frame_parts(session) -> dict[str, str]:
    """Clocks and error plot at the session's frame (the cheap, per-tick path).

    When the settings are refused the last valid picture is shown dimmed.
    """
    view = session.view
    if view is not None:
        return {
            "clocks": clocks_html(view, session.frame),
            "plot": error_plot_html(view, session.frame),
        }
    last = session.last_view
    if last is not None:
        return {
            "clocks": _DIM_OPEN + clocks_html(last, session.frame) + "</div>",
            "plot": _DIM_OPEN + error_plot_html(last, session.frame) + "</div>",
        }
    return {"clocks": "", "plot": ""}


def screen(session) -> dict[str, str]:
    """Everything after a recompute: message, note, readout, clocks and plot (HTML strings)."""
    return {
        "message": message_html(session.message),
        "note": note_html(session),
        "readout": readout_html(session.view),
        **frame_parts(session),
    }
