"""A recorded migration, for readers whose browser cannot run the live playground.

:func:`recording_html` animates one migration A -> B under two strategies side by side (by
default the full propolis/bhyve protocol and one that ignores the blackout): hosts A and B
and the two guests, with true time above them, drawn with the live app's own clock faces
(:func:`~tsccourse.playground._clockface.clock_svg`, text at least 11 px) from the same exact
model run (:func:`~tsccourse.playground.session.evaluate`). The frames are plain SVG, shown
one after the other by a CSS animation: no script, no WebAssembly, no network; hovering
pauses it. Standard library only.

:func:`error_figure` is the chapter's static matplotlib figure of the whole minute for both
strategies: a second drawing of the error on purpose, a PNG in the style of every other
chapter figure (legend, both curves), where the app's SVG plot shows one guest up to "now".

Examples
--------
>>> html = recording_html(n_frames=2)
>>> html.count('class="tsc-rec-frame"'), "http" in html.replace("http://www.w3.org", "")
(2, False)
"""

from __future__ import annotations

from dataclasses import replace
from numbers import Real

from tscmath.errors import InvalidInput, check_instance, check_int, check_member, check_sequence
from tscmath.migration.strategies import Strategy
from tscmath.plotting import COLORS, LINESTYLES
from tscmath.tables import xml_text as escape  # quotes too; XML-invalid characters as U+FFFD

from ._clockface import clock_row_html, clock_svg, format_signed_ns
from ._errorplot import error_unit
from .model import COLOR_GUEST, HOST_COLORS, REL_NS, TIMES_NS, View
from .session import evaluate
from .settings import HOST_NAMES, N_SAMPLES, Settings

__all__ = ["recording_html", "error_figure"]

COLOR_COMPARE = COLORS["orange"]

MAX_FRAMES = 200
"""Most frames a recording holds (each is a row of four SVG clocks, about 12 kB)."""


def _short(strategy: Strategy) -> str:
    return strategy.name.replace("_", " ").lower()


def _view(settings: Settings, strategy: Strategy, frame: int) -> View:
    view, message = evaluate(replace(settings, strategy=strategy.name), (frame,))
    if view is None:
        raise InvalidInput(f"the recorded scenario is refused: {message}")
    return view


def _checked(settings: object, migrate_frame: object, strategies: object, most: int):
    """The inputs of both entry points, checked once: settings, the frame, the strategies."""
    settings = Settings() if settings is None else check_instance("settings", settings, Settings)
    frame = check_int("migrate_frame", migrate_frame, 0, N_SAMPLES - 1)
    chosen = check_sequence("strategies", strategies, most)
    if not chosen:
        raise InvalidInput("strategies must name at least one Strategy; got none")
    members = tuple(check_member(f"strategies[{i}]", s, Strategy) for i, s in enumerate(chosen))
    return settings, frame, members


def record_frames(
    settings: Settings | None = None,
    *,
    migrate_frame: int = 140,
    first_frame: int = 128,
    n_frames: int = 26,
    step: int = 2,
    strategies: tuple[Strategy, Strategy] = (Strategy.FULL_PROTOCOL, Strategy.IGNORE_BLACKOUT),
) -> list[str]:
    """The recording's frames: a caption with true time over a row of four SVG clocks each.

    Parameters
    ----------
    settings : Settings, optional
        Hosts, guest, format, blackout (the strategy field is ignored; ``strategies`` is
        used). Default: the playground's defaults.
    migrate_frame : int
        Frame (100 ms each since the guest's boot) at which the guest is paused.
    first_frame, n_frames, step : int
        The recording shows frames ``first_frame + k * step`` for ``k < n_frames``.
    strategies : (Strategy, Strategy)
        The two guests' strategies.
    """
    settings, migrate_frame, strategies = _checked(settings, migrate_frame, strategies, 2)
    if len(strategies) != 2:
        raise InvalidInput(f"strategies must name two strategies; got {len(strategies)}")
    n_frames = check_int("n_frames", n_frames, 1, MAX_FRAMES)
    step = check_int("step", step, 1, N_SAMPLES)
    first_frame = check_int("first_frame", first_frame, 0, N_SAMPLES - 1)
    last = first_frame + (n_frames - 1) * step
    if last > N_SAMPLES - 1:
        raise InvalidInput(
            f"first_frame + (n_frames - 1) * step must be at most {N_SAMPLES - 1}; got {last}"
        )
    views = [_view(settings, s, migrate_frame) for s in strategies]
    main = views[0]
    hosts = main.scenario.hosts
    names = [_short(s) for s in strategies]
    frames = []
    for k in range(n_frames):
        i = first_frame + k * step
        rel = REL_NS[i]
        svgs = []
        for h in range(2):
            up = hosts[h].hrtime_at(TIMES_NS[i])
            here = main.segment[i] == h
            svgs.append(
                clock_svg(
                    f"Host {HOST_NAMES[h]} · {hosts[h].tsc_hz // 10**6} MHz",
                    up,
                    ["guest runs here" if here else ""],
                    color=HOST_COLORS[h],
                    highlight=here,
                )
            )
        for g, view in enumerate(views):
            seg = view.segment[i]
            svgs.append(
                clock_svg(
                    f"Guest: {names[g]}",
                    view.guest_ns[i],
                    [
                        f"err {format_signed_ns(view.error_ns[i])}",
                        "paused" if seg < 0 else f"on host {HOST_NAMES[seg]}",
                    ],
                    color=(COLOR_GUEST, COLOR_COMPARE)[g],
                    highlight=True,
                    badge="paused" if seg < 0 else None,
                )
            )
        # True time as a caption: four clocks of 160 px fit the site's content column.
        when = f"t = {rel // 10**9}.{rel % 10**9 // 10**8} s since the guest's boot"
        caption = f'<div style="font-size:13px;margin:0 0 2px 4px;color:#222222">{when}</div>'
        frames.append(caption + clock_row_html(svgs))
    return frames


def recording_html(seconds_per_frame: float = 0.2, **kwargs) -> str:
    """:func:`record_frames` as one self-contained HTML block that plays by itself (CSS).

    Every frame sits in the same grid cell; frame ``k`` is visible during the ``k``-th
    slice of the cycle. Without CSS animations (or with reduced motion asked) the first
    frame shows still. Keyword arguments go to :func:`record_frames`.
    """
    if (
        isinstance(seconds_per_frame, bool)
        or not isinstance(seconds_per_frame, Real)
        or getattr(seconds_per_frame, "dtype", None) is not None
        and seconds_per_frame.dtype.kind not in "iuf"  # type: ignore[attr-defined]
        or not 0.02 <= seconds_per_frame <= 10
    ):
        raise InvalidInput(
            f"seconds_per_frame must be a number of seconds in [0.02, 10]; "
            f"got {seconds_per_frame!r}"
        )
    seconds_per_frame = float(seconds_per_frame)
    frames = record_frames(**kwargs)
    n = len(frames)
    cycle = seconds_per_frame * n
    share = 100 / n
    cells = "".join(
        f'<div class="tsc-rec-frame" style="animation-delay:{k * seconds_per_frame:.3f}s">'
        f"{frame}</div>"
        for k, frame in enumerate(frames)
    )
    style = (
        "<style>"
        ".tsc-rec{display:grid;background:#fff;padding:4px;border:1px solid #ccc;"
        "border-radius:6px;max-width:100%;overflow-x:auto}"
        ".tsc-rec-frame{grid-area:1/1;visibility:hidden;"
        f"animation:tsc-rec-show {cycle:.3f}s step-end infinite}}"
        ".tsc-rec-frame:first-child{visibility:visible}"
        ".tsc-rec:hover .tsc-rec-frame{animation-play-state:paused}"
        f"@keyframes tsc-rec-show{{0%{{visibility:visible}}{share:.4f}%{{visibility:hidden}}"
        "100%{visibility:hidden}}"
        "@media (prefers-reduced-motion: reduce){.tsc-rec-frame{animation:none}}"
        "</style>"
    )
    caption = escape(
        f"Recorded: {n} frames, {seconds_per_frame:g} s each, looping; hover to pause."
    )
    return (
        f'{style}<div class="tsc-rec" role="img" aria-label="{caption}">{cells}</div>'
        f'<p style="font-size:12px;margin:2px 0">{caption}</p>'
    )


def error_figure(
    settings: Settings | None = None,
    *,
    migrate_frame: int = 140,
    strategies: tuple[Strategy, ...] = (Strategy.FULL_PROTOCOL, Strategy.IGNORE_BLACKOUT),
):
    """The guest's clock error over the whole window for each strategy (a static figure).

    Examples
    --------
    >>> fig = error_figure()
    >>> fig.axes[0].get_xlabel()
    'true time since guest boot (s)'
    """
    import matplotlib.pyplot as plt

    from tscmath.plotting import new_figure

    settings, migrate_frame, strategies = _checked(settings, migrate_frame, strategies, 4)
    views = [_view(settings, s, migrate_frame) for s in strategies]
    biggest = max(max(abs(v.error_range[0]), abs(v.error_range[1])) for v in views)
    unit, size = error_unit(biggest)
    fig, ax = new_figure(figsize=(7.5, 3.0), dpi=80)
    colors = (COLOR_GUEST, COLOR_COMPARE, *HOST_COLORS)
    seconds = [rel / 1e9 for rel in REL_NS]  # floats for drawing only
    for k, (view, strategy) in enumerate(zip(views, strategies, strict=True)):
        ax.plot(seconds, [e / size for e in view.error_ns], color=colors[k], ls=LINESTYLES[k],
                lw=2, label=f"guest error, {_short(strategy)}")  # fmt: skip
    mark = views[0].markers[0]
    ax.axvspan(mark.pause_ns / 1e9, mark.resume_ns / 1e9, color="#999999", alpha=0.3,
               label="blackout (migration A → B)")  # fmt: skip
    ax.axhline(0, color="#444444", lw=0.8)
    ax.set_xlabel("true time since guest boot (s)")
    ax.set_ylabel(f"guest error ({unit})")
    ax.set_title("Guest clock error (guest time − true time since boot)")
    ax.legend(loc="lower right", fontsize=9)
    plt.close(fig)
    return fig
