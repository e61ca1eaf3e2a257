"""The playground on the static site: plain HTML controls, run by Pyodide in the reader's browser.

The site has no kernel. Its chapter 07 page shows :func:`playground_page_html`: the same
controls as the JupyterLab app, laid out from the same list
(:data:`~tsccourse.playground.settings.CONTROLS`) as plain ``<input>``, ``<select>`` and
buttons, disabled until Python is ready, and the app's first picture (the strings
:func:`~tsccourse.playground.render.screen` returns). The site's script
(``site/live/playground.js``) asks the page's one Web Worker (``site/live/worker.js``, which
starts Pyodide from the site itself with the course packages) to drive a :class:`WebApp`
through :mod:`tsccourse.site_bridge`: each control calls one of its methods with the form's
values and gets back, as JSON, the HTML strings to show. No second
implementation of the model in JavaScript.

Standard library only: this module runs in Pyodide, which has no numpy offline.

DOM contract (the script and the browser tests rely on it): the root ``div.tsc-live``
holds ``[data-setting=<name>]`` controls, buttons ``[data-action=migrate|reset|play]``,
the time slider ``[data-action=frame]`` and its text ``.tsc-time``, the status line
``.tsc-status``, and ``.tsc-message``, ``.tsc-note``, ``.tsc-clocks``, ``.tsc-error-plot``,
``.tsc-readout``: the same class names as the JupyterLab app's parts.

Examples
--------
>>> import json
>>> app = WebApp()
>>> parts = json.loads(app.migrate(100))
>>> parts["message"], parts["hops"], parts["next_host"]
('', [100], 'C')
>>> "B TSC (kHz) must be an integer" in json.loads(app.apply('{"b_khz": "fast"}'))["message"]
True
"""

from __future__ import annotations

import json

from tscmath.errors import TscMathError, check_instance, check_int
from tscmath.tables import xml_text as escape  # quotes too; XML-invalid characters as U+FFFD

from .render import INTERNAL_ERROR_PREFIX, frame_parts, message_html, screen
from .session import Session
from .settings import (
    CONTROL_BY_NAME,
    CONTROL_GROUPS,
    N_SAMPLES,
    SAMPLE_NS,
    START_FRAME,
    Control,
    Settings,
    settings_from_form,
)

__all__ = ["WebApp"]

SITE_ASSETS = "_static/offline/"
"""Where the site serves its local files, relative to a chapter's page (``tools/build_site.py``
copies Pyodide to ``pyodide/`` and the scripts and the wheel of both packages to ``live/``)."""

LOADING_TEXT = "Loading Python in your browser…"


def time_text(frame: int) -> str:
    """The time readout beside the slider: ``t = 10.0 s``.

    Examples
    --------
    >>> time_text(123)
    't = 12.3 s'
    """
    ns = check_int("frame", frame, 0, N_SAMPLES - 1) * SAMPLE_NS
    return f"t = {ns // 10**9}.{ns % 10**9 // 10**8} s"


def _control_html(control: Control, value: object) -> str:
    """One control as a labelled, disabled HTML input (enabled by the script when ready)."""
    ident = f"tsc-{control.name}"
    label = f'<label for="{ident}" title="{escape(control.help)}">{escape(control.label)}</label>'
    common = f'id="{ident}" data-setting="{control.name}" disabled'
    if control.kind == "choice":
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v == value else ""}>'
            f"{escape(text)}</option>"
            for text, v in control.choices
        )
        field = f"<select {common}>{options}</select>"
    elif control.kind == "slider":
        lo, hi = control.shown
        field = (
            f'<input type="range" {common} min="{lo}" max="{hi}" step="{control.step}" '
            f'value="{escape(str(value))}"><output class="tsc-value">{escape(str(value))}</output>'
        )
    else:
        lo, hi = control.valid
        # type="text" with inputmode: a number box would round beyond 2**53 and hide "3e6".
        field = (
            f'<input type="text" inputmode="numeric" {common} value="{escape(str(value))}" '
            f'size="12" aria-describedby="tsc-range-{control.name}">'
            f'<span class="tsc-range" id="tsc-range-{control.name}">{lo} … {hi}</span>'
        )
    return f'<div class="tsc-field tsc-{control.kind}">{label}{field}</div>'


_STYLE = """<style>
.tsc-live{font-size:13px;line-height:1.3;color:#222;background:#fff;padding:8px;
 border:1px solid #ccc;border-radius:6px;max-width:100%;box-sizing:border-box}
.tsc-live *{box-sizing:border-box}
.tsc-live .tsc-status{font-weight:bold;margin:0 0 6px 0}
.tsc-live .tsc-controls{display:grid;grid-template-columns:repeat(auto-fit,minmax(148px,1fr));
 gap:6px 8px}
.tsc-live fieldset{border:1px solid #ddd;border-radius:4px;margin:0;padding:2px 6px 4px;min-width:0}
.tsc-live legend{font-size:13px;font-weight:bold;float:none;width:auto;margin:0;padding:0 4px;
 line-height:1.3}
.tsc-live .tsc-field{display:grid;grid-template-columns:1fr;margin:2px 0;min-width:0}
.tsc-live .tsc-field label{font-size:12px}
.tsc-live .tsc-field input[type=text],.tsc-live .tsc-field select{width:100%;min-width:0;
 font:inherit;font-family:DejaVu Sans Mono,Menlo,Consolas,monospace;padding:2px 4px;
 color:#222;background:#fff;border:1px solid #999;border-radius:3px}
.tsc-live .tsc-range{font-size:11px;color:#555}
.tsc-live .tsc-actions{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;margin:8px 0}
.tsc-live .tsc-actions .tsc-field{display:flex;align-items:center;gap:6px}
.tsc-live button{font:inherit;padding:3px 12px;border-radius:4px;border:1px solid #0072B2;
 background:#fff;color:#0072B2;cursor:pointer}
.tsc-live button[data-action=migrate]{background:#0072B2;color:#fff}
.tsc-live button:disabled,.tsc-live input:disabled,.tsc-live select:disabled{opacity:.55;
 cursor:default}
.tsc-live .tsc-time{font-family:DejaVu Sans Mono,Menlo,Consolas,monospace;min-width:8em}
.tsc-live .tsc-notes{min-height:46px}
.tsc-live .tsc-clocks svg,.tsc-live .tsc-error-plot svg{max-width:100%;height:auto}
.tsc-live .tsc-clock-row{gap:4px!important}
.tsc-live .tsc-clock{flex:1 1 0!important;min-width:128px;max-width:160px}
.tsc-live .tsc-clock svg{width:100%}
.tsc-live .tsc-lower{display:flex;flex-wrap:wrap;gap:6px;align-items:flex-start}
.tsc-live .tsc-error-plot{flex:1 1 420px;min-width:0;max-width:516px}
.tsc-live .tsc-readout{flex:1 1 260px;min-width:0;overflow-wrap:anywhere}
.tsc-live code{color:#222;background:none;padding:0;font-size:12px}
</style>"""


def playground_page_html(session: Session | None = None) -> str:
    """The static page's playground: controls, first picture and the script that runs it.

    Examples
    --------
    >>> html = playground_page_html()
    >>> html.count('data-setting="'), "Loading Python in your browser" in html
    (13, True)
    """
    session = (
        Session(frame=START_FRAME)
        if session is None
        else check_instance("session", session, Session)
    )
    s = session.settings
    groups = "".join(
        f"<fieldset><legend>{escape(title)}</legend>"
        + "".join(_control_html(CONTROL_BY_NAME[name], getattr(s, name)) for name in names)
        + "</fieldset>"
        for title, names in CONTROL_GROUPS
    )
    parts = screen(session)
    frame = session.frame
    actions = (
        _control_html(CONTROL_BY_NAME["blackout_ms"], s.blackout_ms)
        + '<button type="button" data-action="play" disabled title="Let true time run '
        '(100 ms per frame: real time)">▶ Play</button>'
        f'<label class="tsc-field">t <input type="range" data-action="frame" min="0" '
        f'max="{N_SAMPLES - 1}" step="1" value="{frame}" disabled aria-label="time (0.1 s)">'
        f'<output class="tsc-time">{time_text(frame)}</output></label>'
        '<button type="button" data-action="migrate" disabled title="Pause the guest now and '
        'move it to the next host">Migrate</button>'
        '<button type="button" data-action="reset" disabled title="Undo the migrations and go '
        "back to the guest's boot\">Reset</button>"
    )
    return (
        f"{_STYLE}"
        f'<div class="tsc-live" data-assets="{SITE_ASSETS}" data-frame="{frame}">'
        f'<p class="tsc-status" role="status">{LOADING_TEXT}</p>'
        f'<div class="tsc-controls">{groups}</div>'
        f'<div class="tsc-actions">{actions}</div>'
        f'<div class="tsc-notes"><div class="tsc-note">{parts["note"]}</div>'
        f'<div class="tsc-message" role="alert">{parts["message"]}</div></div>'
        f'<div class="tsc-clocks">{parts["clocks"]}</div>'
        f'<div class="tsc-lower"><div class="tsc-error-plot">{parts["plot"]}</div>'
        f'<div class="tsc-readout">{parts["readout"]}</div></div>'
        "</div>"
        f'<script src="{SITE_ASSETS}live/playground.js" async></script>'
    )


class WebApp:
    """The site's playground in Pyodide: form values in, the HTML to show out (JSON).

    Every method returns a JSON object with the parts to redraw (``message``, ``note``,
    ``readout``, ``clocks``, ``plot``; the per-frame path only ``clocks`` and ``plot``),
    plus ``frame``, ``time``, ``hops`` and ``next_host``. An unexpected exception (a bug)
    becomes a message starting with :data:`~tsccourse.playground.render.INTERNAL_ERROR_PREFIX`,
    never a traceback on the page.
    """

    def __init__(self, frame: int = START_FRAME) -> None:
        self.session = Session(Settings(), frame=frame)

    def _reply(self, parts: dict[str, str]) -> str:
        session = self.session
        return json.dumps(
            {
                **parts,
                "frame": session.frame,
                "time": time_text(session.frame),
                "hops": list(session.hops),
                "next_host": session.next_host,
            }
        )

    def _guarded(self, action) -> str:
        try:
            return action()
        except TscMathError as err:  # a value the page should not send (a frame that is no int)
            return json.dumps({"message": message_html(str(err))})
        except Exception as exc:  # a bug: say so in the app, never a traceback
            text = f"{INTERNAL_ERROR_PREFIX} ({type(exc).__name__}: {exc}). Please report it."
            return json.dumps({"message": message_html(text)})

    def _all(self) -> str:
        return self._reply(screen(self.session))

    def apply(self, values_json: str) -> str:
        """New settings from the form (a JSON object of strings by setting name)."""

        def run() -> str:
            try:
                values = json.loads(values_json)
                settings = settings_from_form(values, self.session.settings)
            except (TscMathError, ValueError, TypeError) as err:
                return json.dumps({"message": message_html(str(err))})
            self.session.apply(settings)
            return self._all()

        return self._guarded(run)

    def set_frame(self, frame: int) -> str:
        """Move time to ``frame`` (clamped like a slider): the clocks and plot."""

        def run() -> str:
            self.session.set_frame(frame)
            return self._reply(frame_parts(self.session))

        return self._guarded(run)

    def migrate(self, frame: int) -> str:
        """**Migrate** at ``frame`` (the slider's value), or say why not."""

        def run() -> str:
            self.session.set_frame(frame)
            self.session.migrate()
            return self._all()

        return self._guarded(run)

    def reset(self) -> str:
        """**Reset**: forget the migrations, back to frame 0."""
        return self._guarded(lambda: (self.session.reset(), self._all())[1])
