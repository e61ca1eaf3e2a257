"""Chapter 07's playground: migrate a guest between hosts and watch the clocks tick.

``Playground()`` is an ipywidgets app. The reader sets the TSC frequency, boot time and
wall-clock skew of hosts A, B and C, the guest's TSC frequency, the multiplier format
(AMD 8.32, Intel 16.48, or none: the hosts cannot scale), the blackout and the migration
strategy; presses **Play** to let time run and **Migrate** to move the guest A -> B (and
again, B -> C). Five clocks (true time, the guest, hosts A, B and C) tick side by side,
each with its exact integer readout; a plot shows the guest's clock error with every
migration marked; a readout lists the programmed multiplier (hex and ratio) and offset.

Everything computed lives in the standard-library modules beside this one (no widgets): the
controls are laid out from :data:`~tsccourse.playground.settings.CONTROLS`, this module copies
widget values into :class:`~tsccourse.playground.settings.Settings`, calls
:class:`~tsccourse.playground.session.Session` and shows the strings
:func:`~tsccourse.playground.render.screen` returns. The static site's page does the same in
the reader's browser (:mod:`tsccourse.playground.web`). An invalid combination shows a message
in the app, never a traceback.

On a page without a kernel (the static site) the widget cannot recompute: its display
offers the site's live page as ``text/html`` beside the widget (see
:meth:`Playground._repr_mimebundle_`); JupyterLab shows the widget.

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

import ipywidgets as widgets

from tscmath.errors import check_instance

from .render import INTERNAL_ERROR_PREFIX, PLOT_WIDTH, frame_parts, message_html, screen
from .session import Session
from .settings import (
    BLACKOUT_SLIDER_MAX,
    CONTROL_BY_NAME,
    CONTROL_GROUPS,
    N_SAMPLES,
    START_FRAME,
    Control,
    Settings,
)

__all__ = ["Playground", "Calculator"]

log = logging.getLogger(__name__)

# Laid out for JupyterLab at 1280 x 800 with the file browser open (about 850 px of output
# width) and narrower: the four boxes of controls (hosts A, B, C, the guest) sit in a grid
# whose columns wrap (auto-fit, at least 250 px each: a 122 px label and a number box that
# shows 11 digits; three columns at 850 px, the guest's box below); the actions wrap too;
# five 160 px clocks in a row that wraps; the 516 px plot beside a 304 px readout (that
# wraps below it).
_DESC = {"description_width": "122px"}
_GRID_COLUMNS = "repeat(auto-fit, minmax(250px, 1fr))"
_NOTE_HEIGHT = "46px"
"""Height kept for the strategy note or, in its place, the message: the plot below never
moves when a message comes or goes (both fit two lines; longer text scrolls)."""


def _control_widget(control: Control, value: object) -> widgets.Widget:
    """The ipywidget for one entry of :data:`CONTROLS`."""
    layout = widgets.Layout(width="auto")
    if control.kind == "choice":
        return widgets.Dropdown(
            options=list(control.choices),
            value=value,
            description=control.label,
            style={"description_width": "62px"},
            layout=layout,
            tooltip=control.help,
        )
    if control.kind == "slider":
        lo, hi = control.shown
        return widgets.IntSlider(
            value=min(max(value, lo), hi),
            min=lo,
            max=hi,
            step=control.step,
            description=control.label,
            continuous_update=False,
            style={"description_width": "92px"},
            layout=widgets.Layout(width="282px"),
        )
    return widgets.IntText(
        value=value,
        description=control.label,
        continuous_update=False,
        style=_DESC,
        layout=layout,
        tooltip=control.help,
    )


def _check_settings(settings: object) -> Settings:
    return check_instance("settings", settings, Settings)  # type: ignore[return-value]


class Playground(widgets.VBox):
    """The chapter 07 app (an ``ipywidgets.VBox``); see the module docstring.

    Parameters
    ----------
    settings : Settings, optional
        Initial settings (default: :class:`~tsccourse.playground.settings.Settings`).
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
        settings = Settings() if settings is None else _check_settings(settings)
        if isinstance(settings.blackout_ms, int):  # what the slider holds
            settings = replace(
                settings, blackout_ms=min(max(settings.blackout_ms, 0), BLACKOUT_SLIDER_MAX)
            )
        self.session = Session(settings, frame=frame)
        s = self.session.settings
        self.controls: dict[str, widgets.Widget] = {
            f.name: _control_widget(CONTROL_BY_NAME[f.name], getattr(s, f.name))
            for f in fields(Settings)
        }
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

        boxes = [
            widgets.VBox(
                [widgets.HTML(f"<b>{title}</b>")] + [self.controls[name] for name in names],
                layout=widgets.Layout(width="auto", min_width="0"),
            )
            for title, names in CONTROL_GROUPS
        ]
        grid = widgets.GridBox(
            boxes,
            layout=widgets.Layout(
                grid_template_columns=_GRID_COLUMNS, grid_gap="0px 8px", width="auto"
            ),
        )
        actions = widgets.HBox(
            [
                self.controls["blackout_ms"],
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
        self._suspended = False

        for widget in self.controls.values():
            widget.observe(self._on_settings, names="value")
        self.time_slider.observe(self._on_frame, names="value")
        self.migrate_button.on_click(self._on_migrate)
        self.reset_button.on_click(self._on_reset)
        self._guarded(self._redraw_all)

    def _repr_mimebundle_(self, **kwargs):
        """The widget, plus the static site's live page as ``text/html``.

        JupyterLab renders the widget (its widget renderer outranks HTML). The static site
        prefers ``text/html`` (``site/conf.py``): the same controls in plain HTML, the first
        picture, and the script that runs this playground's Python in the reader's browser.
        """
        from .web import playground_page_html

        data, metadata = _bundle(super()._repr_mimebundle_(**kwargs))
        data["text/html"] = playground_page_html(self.session)
        return data, metadata

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
        self._show_message_html(message_html(text))

    def _show_message_html(self, html: str) -> None:
        self.message.value = html
        self.message.layout.display = None if html else "none"
        self.strategy_note.layout.display = "none" if html else None

    def set_settings(self, settings: Settings) -> None:
        """Put ``settings`` into the widgets and recompute once (not once per widget).

        Values a widget cannot hold (a blackout beyond the slider) are clamped by it.
        """
        settings = _check_settings(settings)
        self._suspended = True
        try:
            for f in fields(Settings):
                widget = self.controls[f.name]
                value = getattr(settings, f.name)
                if isinstance(widget, widgets.IntSlider) and isinstance(value, int):
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
        """After a recompute: message, readout, note, clocks and plot."""
        parts = screen(self.session)
        self._show_message_html(parts["message"])
        self.readout.value = parts["readout"]
        self.strategy_note.value = parts["note"]
        self.clocks.value = parts["clocks"]
        self.error_plot.value = parts["plot"]

    def _redraw_frame(self) -> None:
        """Clocks and error plot at the current frame (the cheap, per-tick path)."""
        parts = frame_parts(self.session)
        self.clocks.value = parts["clocks"]
        self.error_plot.value = parts["plot"]

    def update(self) -> None:
        """Recompute from the widgets and redraw everything (what a settings change does)."""
        self._on_settings()


class Calculator(widgets.VBox):
    """The TSC calculator as a widget (JupyterLab); see :mod:`tsccourse.playground.calculator`.

    Its display offers the static site's live calculator as ``text/html`` too, like
    :class:`Playground`.

    Examples
    --------
    >>> calc = Calculator()
    >>> "Frequency multiplier: 2863311530 (0xaaaaaaaa)" in calc.result.value
    True
    >>> calc.fields["host_hz"].value = "0"
    >>> "host_hz must be an integer &gt;= 1; got 0" in calc.result.value
    True
    """

    def __init__(self) -> None:
        from .calculator import CALC_FIELDS, calc_html

        self._calc_html = calc_html
        self.fields: dict[str, widgets.Widget] = {
            name: widgets.Text(
                value=default,
                description=label,
                continuous_update=False,
                style={"description_width": "150px"},
                layout=widgets.Layout(width="auto"),
            )
            for name, label, default in CALC_FIELDS
        }
        self.fields["fmt"] = widgets.Dropdown(
            options=[("AMD 8.32", "amd"), ("Intel 16.48", "intel")],
            value="amd",
            description="Format",
            style={"description_width": "150px"},
            layout=widgets.Layout(width="auto"),
        )
        self.result = widgets.HTML()
        self.result.add_class("tsc-calc-result")
        grid = widgets.GridBox(
            list(self.fields.values()),
            layout=widgets.Layout(grid_template_columns="repeat(auto-fit, minmax(320px, 1fr))"),
        )
        super().__init__([grid, self.result], layout=widgets.Layout(width="auto"))
        self.add_class("tsc-calc")
        for widget in self.fields.values():
            widget.observe(self._update, names="value")
        self._update()

    def values(self) -> dict[str, str]:
        """The fields' values by name."""
        return {name: widget.value for name, widget in self.fields.items()}

    def _update(self, change=None) -> None:
        self.result.value = self._calc_html(self.values())

    def _repr_mimebundle_(self, **kwargs):
        """The widget, plus the static site's live calculator as ``text/html``."""
        from .calculator import calculator_page_html
        from .web import SITE_ASSETS

        data, metadata = _bundle(super()._repr_mimebundle_(**kwargs))
        script = f'<script src="{SITE_ASSETS}live/playground.js" async></script>'
        data["text/html"] = calculator_page_html() + script
        return data, metadata


def _bundle(bundle) -> tuple[dict, dict]:
    """``(data, metadata)`` of a widget's mime bundle (ipywidgets returns either form)."""
    if isinstance(bundle, tuple):
        data, metadata = bundle
    else:
        data, metadata = bundle, {}
    return dict(data), dict(metadata)
