"""Chapter 07's playground: migrate a guest between hosts and watch the clocks tick.

``Playground()`` is an ipywidgets app. The reader sets the TSC frequency, boot time and
wall-clock skew of hosts A, B and C, the guest's TSC frequency, the multiplier format
(AMD 8.32, Intel 16.48, or none: the hosts cannot scale), the blackout and the migration
strategy; presses **Play** to let time run and **Migrate** to move the guest A -> B (and
again, B -> C). Five clocks (true time, the guest, hosts A, B and C) tick side by side,
each with its exact integer readout; a plot shows the guest's clock error with every
migration marked; a readout lists the programmed multiplier (hex and ratio) and offset.

Everything computed lives in :mod:`tscmath.playground.state` (no widgets); this module only
copies widget values into :class:`~tscmath.playground.state.Settings`, calls its
:class:`~tscmath.playground.state.Session` and shows the strings it returns. An invalid
combination shows a message in the app, never a traceback.

DOM contract (browser tests rely on it): the root widget has CSS class ``tsc-playground``;
the button described "Migrate" migrates; the clocks are in an HTML widget of class
``tsc-clocks``, the error plot in ``tsc-error-plot``, the message in ``tsc-message`` (empty
when all is well) and the multiplier/offset readout in ``tsc-readout``. The message takes
the strategy note's place in a box of fixed height, so nothing below it moves.

Examples
--------
>>> app = Playground()
>>> app.message.value
''
>>> app.migrate_button.click()
>>> app.message.value, app.session.hops
('', (100,))
>>> app.controls["b_khz"].value = 0
>>> "B TSC (kHz)" in app.message.value
True
"""

from __future__ import annotations

import logging
from dataclasses import fields, replace
from html import escape

import ipywidgets as widgets

from ..migration.strategies import Strategy
from .state import (
    BLACKOUT_MS_RANGE,
    FORMAT_LABELS,
    LABELS,
    N_SAMPLES,
    PLOT_WIDTH,
    Session,
    Settings,
    clocks_html,
    error_plot_html,
    readout_html,
)

__all__ = ["Playground", "FORMAT_OPTIONS", "INTERNAL_ERROR_PREFIX"]

log = logging.getLogger(__name__)

FORMAT_OPTIONS = [(label, key) for key, label in FORMAT_LABELS.items()]
"""Choices of the Format dropdown: label, :data:`FORMAT_CHOICES` key."""

INTERNAL_ERROR_PREFIX = "Internal error"
"""Start of the message shown if something unexpected fails (a bug: please report it)."""

BLACKOUT_SLIDER_MAX = 10_000
"""The blackout slider's end (ms); :func:`Playground.set_settings` clamps to it."""

START_FRAME = 100
"""The app opens 10 s after the guest's boot, so its first picture already shows clocks."""

# Sized for JupyterLab at 1280 x 800 with the file browser open (about 850 px of output
# width): a 3 + 1 column grid of controls, one row of actions, five 160 px clocks in a row,
# the 516 px plot beside a 304 px readout. The two dropdowns of the last column take a
# narrower description so their longest options ("none (no scaling)", "ignore the
# blackout") show in full.
_HOST_DESC = {"description_width": "110px"}
_HOST_CELL = "196px"
_GUEST_DESC = {"description_width": "106px"}
_CHOICE_DESC = {"description_width": "62px"}
_GUEST_CELL = "232px"
_NOTE_HEIGHT = "46px"
"""Height kept for the strategy note or, in its place, the message: the plot below never
moves when a message comes or goes (both fit two lines; longer text scrolls)."""


def _message_html(text: str) -> str:
    if not text:
        return ""
    return (
        '<div style="background:#fff4e5;color:#222222;border:1px solid #D55E00;'
        "border-left:6px solid #D55E00;padding:3px 8px;border-radius:4px;font-size:12.5px;"
        'line-height:1.3">'
        f"<b>Cannot do that:</b> {escape(text)}</div>"
    )


class Playground(widgets.VBox):
    """The chapter 07 app (an ``ipywidgets.VBox``); see the module docstring.

    Parameters
    ----------
    settings : Settings, optional
        Initial settings (default: :class:`~tscmath.playground.state.Settings`).
    frame : int, optional
        Initial animation frame (100 ms each; default 10 s after the guest's boot).

    Attributes
    ----------
    session : Session
        The pure state machine behind the app.
    controls : dict of str to Widget
        The settings widgets by :class:`Settings` field name.
    migrate_button, reset_button, play, time_slider : Widget
        The action widgets.
    clocks, error_plot, message, readout : ipywidgets.HTML
        The output areas (classes ``tsc-clocks``, ``tsc-error-plot``, ``tsc-message``,
        ``tsc-readout``).
    """

    def __init__(self, settings: Settings | None = None, frame: int = START_FRAME) -> None:
        settings = settings or Settings()
        blackout = min(max(settings.blackout_ms, 0), BLACKOUT_SLIDER_MAX)  # what the slider holds
        self.session = Session(replace(settings, blackout_ms=blackout), frame=frame)
        s = self.session.settings
        self.controls: dict[str, widgets.Widget] = {}
        for name in ("a_khz", "b_khz", "c_khz", "a_boot_s", "b_boot_s", "c_boot_s"):
            self.controls[name] = self._int_text(name, getattr(s, name), _HOST_DESC, _HOST_CELL)
        for name in ("a_skew_ms", "b_skew_ms", "c_skew_ms"):
            self.controls[name] = self._int_text(name, getattr(s, name), _HOST_DESC, _HOST_CELL)
        self.controls["guest_khz"] = self._int_text(
            "guest_khz", s.guest_khz, _GUEST_DESC, _GUEST_CELL
        )
        self.controls["fmt"] = widgets.Dropdown(
            options=FORMAT_OPTIONS,
            value=s.fmt,
            description=LABELS["fmt"],
            style=_CHOICE_DESC,
            layout=widgets.Layout(width=_GUEST_CELL),
        )
        self.controls["strategy"] = widgets.Dropdown(
            options=[(member.label, member.name) for member in Strategy],
            value=s.strategy,
            description=LABELS["strategy"],
            style=_CHOICE_DESC,
            layout=widgets.Layout(width=_GUEST_CELL),
        )
        self.controls["blackout_ms"] = widgets.IntSlider(
            value=min(max(s.blackout_ms, 0), BLACKOUT_SLIDER_MAX),
            min=BLACKOUT_MS_RANGE[0],
            max=BLACKOUT_SLIDER_MAX,
            step=50,
            description=LABELS["blackout_ms"],
            continuous_update=False,
            style={"description_width": "92px"},
            layout=widgets.Layout(width="282px"),
        )
        self.play = widgets.Play(
            value=self.session.frame,
            min=0,
            max=N_SAMPLES - 1,
            step=1,
            interval=100,
            show_repeat=False,
            description="Play",
            tooltip="Let true time run (100 ms per frame: real time)",
            layout=widgets.Layout(width="auto"),
        )
        self.time_slider = widgets.IntSlider(
            value=self.session.frame,
            min=0,
            max=N_SAMPLES - 1,
            description="t (0.1 s)",
            style={"description_width": "56px"},
            layout=widgets.Layout(width="250px"),
        )
        widgets.jslink((self.play, "value"), (self.time_slider, "value"))
        self.migrate_button = widgets.Button(
            description="Migrate",
            button_style="primary",
            tooltip="Pause the guest now and move it to the next host",
            layout=widgets.Layout(width="96px"),
        )
        self.reset_button = widgets.Button(
            description="Reset",
            tooltip="Undo the migrations and go back to the guest's boot",
            layout=widgets.Layout(width="70px"),
        )
        self.strategy_note = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.message = widgets.HTML(value="", layout=widgets.Layout(width="auto"))
        self.message.add_class("tsc-message")
        self.clocks = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.clocks.add_class("tsc-clocks")
        self.error_plot = widgets.HTML(layout=widgets.Layout(width=f"{PLOT_WIDTH}px"))
        self.error_plot.add_class("tsc-error-plot")
        self.readout = widgets.HTML(layout=widgets.Layout(width="304px"))
        self.readout.add_class("tsc-readout")

        c = self.controls
        grid = widgets.GridBox(
            [
                c["a_khz"],
                c["b_khz"],
                c["c_khz"],
                c["guest_khz"],
                c["a_boot_s"],
                c["b_boot_s"],
                c["c_boot_s"],
                c["fmt"],
                c["a_skew_ms"],
                c["b_skew_ms"],
                c["c_skew_ms"],
                c["strategy"],
            ],  # fmt: skip
            layout=widgets.Layout(
                grid_template_columns=f"repeat(3, {_HOST_CELL}) {_GUEST_CELL}",
                grid_gap="0px 4px",
                width="auto",
            ),
        )
        actions = widgets.HBox(
            [
                c["blackout_ms"],
                self.play,
                self.time_slider,
                self.migrate_button,
                self.reset_button,
            ],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap", grid_gap="4px"),
        )
        # The message takes the strategy note's place, in a box of fixed height.
        note_area = widgets.VBox(
            [self.strategy_note, self.message],
            layout=widgets.Layout(width="auto", height=_NOTE_HEIGHT, overflow="hidden auto"),
        )
        lower = widgets.HBox(
            [self.error_plot, self.readout],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start", grid_gap="6px"),
        )
        super().__init__(
            [grid, actions, note_area, self.clocks, lower],
            layout=widgets.Layout(width="auto", grid_gap="2px"),
        )
        self.add_class("tsc-playground")
        self._last_view = self.session.view
        self._suspended = False

        for widget in self.controls.values():
            widget.observe(self._on_settings, names="value")
        self.time_slider.observe(self._on_frame, names="value")
        self.migrate_button.on_click(self._on_migrate)
        self.reset_button.on_click(self._on_reset)
        self._guarded(self._redraw_all)

    # -- construction helpers ---------------------------------------------------------

    @staticmethod
    def _int_text(name: str, value: int, style: dict, width: str) -> widgets.IntText:
        return widgets.IntText(
            value=value,
            description=LABELS[name],
            continuous_update=False,
            style=style,
            layout=widgets.Layout(width=width),
        )

    # -- reading the widgets ----------------------------------------------------------

    def settings(self) -> Settings:
        """The :class:`Settings` the widgets hold now."""
        return Settings(**{f.name: self.controls[f.name].value for f in fields(Settings)})

    # -- event handlers ---------------------------------------------------------------

    def _guarded(self, action, *args) -> None:
        """Run ``action``; an unexpected exception becomes a message, never a traceback."""
        try:
            action(*args)
        except Exception as exc:  # a bug: show it in the app and log it
            log.exception("playground: unexpected error")
            self._show_message(
                f"{INTERNAL_ERROR_PREFIX} ({type(exc).__name__}: {exc}). Please report it."
            )

    def _show_message(self, text: str) -> None:
        """Show ``text`` (``""``: none) in place of the strategy note."""
        self.message.value = _message_html(text)
        self.message.layout.display = None if text else "none"
        self.strategy_note.layout.display = "none" if text else None

    def set_settings(self, settings: Settings) -> None:
        """Put ``settings`` into the widgets and recompute once (not once per widget).

        Values a widget cannot hold (a blackout beyond the slider) are clamped by it.
        """
        self._suspended = True
        try:
            for f in fields(Settings):
                widget = self.controls[f.name]
                value = getattr(settings, f.name)
                if isinstance(widget, widgets.IntSlider):
                    value = min(max(value, widget.min), widget.max)
                widget.value = value
        finally:
            self._suspended = False
        self._on_settings()

    def _on_settings(self, change=None) -> None:
        if self._suspended:
            return
        self._guarded(self._apply_settings)

    def _apply_settings(self) -> None:
        self.session.apply(self.settings())
        self._redraw_all()

    def _on_frame(self, change) -> None:
        self._guarded(self._set_frame, change["new"])

    def _set_frame(self, frame: int) -> None:
        self.session.set_frame(frame)
        self._redraw_frame()

    def _on_migrate(self, button=None) -> None:
        self._guarded(self._migrate)

    def _migrate(self) -> None:
        self.session.set_frame(self.time_slider.value)
        self.session.migrate()
        self._redraw_all()

    def _on_reset(self, button=None) -> None:
        self._guarded(self._reset)

    def _reset(self) -> None:
        self.session.reset()
        self.play.playing = False
        self._redraw_all()
        # Moving the slider redraws the frame through _on_frame (and the play follows).
        self.time_slider.value = self.session.frame
        self._redraw_frame()

    # -- drawing ------------------------------------------------------------------------

    def _redraw_all(self) -> None:
        """After a recompute: message, readout, next-host label, clocks and plot."""
        session = self.session
        self._show_message(session.message)
        if session.view is not None:
            self._last_view = session.view
        self.readout.value = readout_html(session.view)
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
        self.strategy_note.value = f"<div style='font-size:12px;line-height:1.3'>{step}{what}</div>"
        self._redraw_frame()

    def _redraw_frame(self) -> None:
        """Clocks and error plot at the current frame (the cheap, per-tick path)."""
        view = self.session.view
        frame = self.session.frame
        if view is not None:
            self.clocks.value = clocks_html(view, frame)
            self.error_plot.value = error_plot_html(view, frame)
        elif self._last_view is not None:
            dim = '<div style="opacity:0.35" title="settings refused: last valid picture">'
            self.clocks.value = dim + clocks_html(self._last_view, frame) + "</div>"
            self.error_plot.value = dim + error_plot_html(self._last_view, frame) + "</div>"
        else:
            self.clocks.value = ""
            self.error_plot.value = ""

    def update(self) -> None:
        """Recompute from the widgets and redraw everything (what a settings change does)."""
        self._on_settings()
