"""The playground's state machine: settings, migrations done, frame, view and message.

:class:`Session` is what both apps drive: the JupyterLab app (:mod:`.app`) copies widget
values into :class:`~tsccourse.playground.settings.Settings` and calls it; the static site's
page calls the same methods through :mod:`.web` in Pyodide. So everything the apps do can
be tested without a browser.

Standard library only (runs in the reader's browser too).

Examples
--------
>>> session = Session()
>>> session.message
''
>>> session.set_frame(200)
>>> session.migrate()
>>> session.message, [p.label for p in session.view.programs]
('', ['boot on A', 'A → B'])
>>> session.apply(Settings(fmt="none", b_khz=2_500_000))  # B cannot scale to 3 GHz
>>> print(session.message)
Migration to host B: Guest TSC (kHz) = 3000000 differs from B TSC (kHz) = 2500000, and with \
Format "none (no scaling)" host B cannot scale its TSC: bhyve refuses (EPERM). Make them \
equal, or pick a format that scales.
>>> session.model_message[:30]  # the model's own words, kept for debugging
'guest_hz = 3000000000 differs '
"""

from __future__ import annotations

from tscmath.errors import InvalidInput, TscMathError, check_int

from .model import View, check_hops, simulate
from .refusals import explain_refusal, migrate_refusal
from .settings import HOST_NAMES, MAX_HOPS, N_SAMPLES, Settings, scenario_from

__all__ = ["Session"]


def evaluate(settings: Settings, hops: tuple[int, ...] = ()) -> tuple[View | None, str]:
    """``(view, "")`` when the model accepts the settings and migrations, else ``(None, why)``.

    ``why`` speaks the controls' language (:func:`~.refusals.explain_refusal`). Only the
    library's own errors (:class:`~tscmath.errors.TscMathError`) about the *settings* become
    messages; ``hops`` that are not frames (``0 .. 600``) raise :class:`InvalidInput`.

    Examples
    --------
    >>> view, message = evaluate(Settings(guest_khz=100_000))
    >>> view is None and "500000 kHz (500 MHz)" in message
    True
    >>> evaluate(Settings(), (601,))
    Traceback (most recent call last):
    ...
    tscmath.errors.InvalidInput: hops[0] must be an integer in [0, 600]; got 601
    """
    view, message, _ = _evaluate(settings, hops)
    return view, message


def _evaluate(settings: Settings, hops: tuple[int, ...]) -> tuple[View | None, str, str]:
    """:func:`evaluate`, plus the model's own message (``""`` when accepted)."""
    hops = check_hops(hops)
    try:
        scenario = scenario_from(settings)
    except TscMathError as err:  # names the control by its label already
        return None, str(err), str(err)
    try:
        return simulate(scenario, hops), "", ""
    except TscMathError as err:
        return None, explain_refusal(scenario, hops, err), str(err)


def _clamp_frame(frame: object) -> int:
    """An integer frame, clamped to ``0 .. N_SAMPLES - 1`` (a slider's behaviour)."""
    return max(0, min(check_int("frame", frame, None), N_SAMPLES - 1))


class Session:
    """The playground's state: settings, migrations done, frame, current view and message.

    ``message`` is ``""`` when all is well; it holds the reason whenever the settings are
    refused (then ``view`` is ``None``) or the last **Migrate** could not happen, in the
    controls' words. ``model_message`` keeps the model's own text of the refusal (parameter
    names, Hz), ``""`` when there is none. ``last_view`` is the last accepted view (shown
    dimmed while the settings are refused). Frames are clamped to ``0 .. 600`` like a
    slider; a frame that is not an integer raises :class:`InvalidInput`.
    """

    def __init__(self, settings: Settings | None = None, frame: int = 0) -> None:
        if settings is not None and not isinstance(settings, Settings):
            raise InvalidInput(f"settings must be a Settings or None; got {settings!r}")
        self.settings = settings or Settings()
        self.hops: tuple[int, ...] = ()
        self.frame = _clamp_frame(frame)
        self.last_view: View | None = None
        self._set(*_evaluate(self.settings, self.hops))

    def _set(self, view: View | None, message: str, model_message: str) -> None:
        self.view, self.message, self.model_message = view, message, model_message
        if view is not None:
            self.last_view = view

    def apply(self, settings: Settings) -> None:
        """New settings: recompute with the same migrations."""
        if not isinstance(settings, Settings):
            raise InvalidInput(f"settings must be a Settings; got {settings!r}")
        self.settings = settings
        self._set(*_evaluate(settings, self.hops))

    def set_frame(self, frame: int) -> None:
        """Move the animation to ``frame`` (nothing is recomputed)."""
        self.frame = _clamp_frame(frame)

    def migrate(self) -> None:
        """Migrate to the next host at the current frame, or say why not."""
        refusal = migrate_refusal(self.hops, self.frame, self.view)
        if refusal:
            self.message, self.model_message = refusal, ""
            return
        view, message, model_message = _evaluate(self.settings, (*self.hops, self.frame))
        if view is None:
            self.message, self.model_message = message, model_message
            return
        self.hops = view.hops
        self._set(view, "", "")

    def reset(self) -> None:
        """Forget the migrations and go back to frame 0."""
        self.hops = ()
        self.frame = 0
        self._set(*_evaluate(self.settings, self.hops))

    @property
    def next_host(self) -> str | None:
        """Name of the host the next **Migrate** goes to (``None`` after C)."""
        return HOST_NAMES[len(self.hops) + 1] if len(self.hops) < MAX_HOPS else None
