"""A recorded migration for pages without a kernel: the playground's clocks as an animation.

On the static site the live :class:`~tscmath.playground.app.Playground` cannot recompute, so
chapter 07 shows this recording instead: :func:`record_migration` returns a matplotlib
``FuncAnimation`` (about 36 small frames) whose ``to_jshtml()`` is self-contained JavaScript
that plays offline. It shows true time, hosts A and B and two copies of the same guest
migrated A -> B at the same moment with two strategies (by default the full propolis/bhyve
protocol and one that ignores the blackout), plus their clock errors.

The values come from :mod:`tscmath.playground.state` (exact integers); floats appear only in
hand angles and plot coordinates.

Examples
--------
>>> html = record_migration(n_frames=2).to_jshtml()
>>> "<script" in html and "data:image/png;base64" in html
True
"""

from __future__ import annotations

import math
import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..conversions import NS_PER_S
from ..migration.strategies import Strategy
from ..plotting import COLORS, LINESTYLES, apply_style, new_figure
from ._clockface import format_signed_ns, hand_angles
from ._errorplot import error_unit
from .state import (
    COLOR_GUEST,
    COLOR_TRUE,
    GUEST_BOOT_NS,
    HOST_COLORS,
    Settings,
    View,
    evaluate,
)

__all__ = ["record_migration", "error_figure"]

COLOR_COMPARE = COLORS["orange"]


PNG_COLORS = 64
"""Colours kept in each recorded frame: about a quarter of the bytes, no visible change."""


class SmallPngFigure(Figure):
    """A Figure whose PNGs written to a stream are quantized to :data:`PNG_COLORS` colours.

    ``Animation.to_jshtml()`` embeds one PNG per frame; matplotlib writes full RGBA PNGs,
    about four times larger than needed for flat-coloured clock faces on white.
    When ``background`` (an RGBA image of the figure's size) is set, each frame is drawn
    on a transparent canvas and composited onto it (see :func:`_freeze_background`).
    """

    background: Image.Image | None = None

    def savefig(self, fname, *args, **kwargs):
        if kwargs.get("format") != "png" or not hasattr(fname, "write"):
            return super().savefig(fname, *args, **kwargs)
        dpi = kwargs.get("dpi")
        if dpi not in (None, "figure", self.dpi):
            self.set_dpi(dpi)
        canvas = self.canvas
        if not isinstance(canvas, FigureCanvasAgg):  # a closed figure keeps a bare canvas
            canvas = FigureCanvasAgg(self)
        if self.stale or not getattr(canvas, "renderer", None):
            # The animation has usually just drawn this frame (draw_idle): reuse it.
            canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())  # no PNG encode and decode first
        if self.background is not None and self.background.size == rgba.shape[1::-1]:
            frame = Image.alpha_composite(self.background, Image.fromarray(rgba, "RGBA"))
            rgb = frame.convert("RGB")
        else:
            rgb = Image.fromarray(rgba[..., :3])
        image = rgb.quantize(PNG_COLORS, method=Image.Quantize.FASTOCTREE)
        image.save(fname, format="png")
        return None


def _dial(ax, color: str, title: str) -> dict:
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.75, 1.12)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(plt.Circle((0, 0), 1.0, fill=False, lw=2, color=color))
    for k in range(12):
        a = math.radians(30 * k)
        ax.plot([0.82 * math.sin(a), 0.97 * math.sin(a)], [0.82 * math.cos(a), 0.97 * math.cos(a)],
                color="#222222", lw=1.4, solid_capstyle="round", ls="-")  # fmt: skip
    ax.set_title(title, color=color, fontsize=8, fontweight="bold", pad=2)
    hour = ax.plot([], [], color="#222222", lw=3, solid_capstyle="round", ls="-")[0]
    minute = ax.plot([], [], color="#222222", lw=2, solid_capstyle="round", ls="-")[0]
    second = ax.plot([], [], color=color, lw=1.2, solid_capstyle="round", ls="-")[0]
    text = ax.text(0, -1.18, "", ha="center", va="top", fontsize=7.5, family="monospace",
                   color="#222222", linespacing=1.3)  # fmt: skip
    return {"hour": hour, "minute": minute, "second": second, "text": text}


def _set_hands(parts: dict, ns: int, lines: list[str]) -> None:
    for key, angle, length in zip(
        ("hour", "minute", "second"), hand_angles(ns), (0.5, 0.75, 0.9), strict=True
    ):
        a = math.radians(angle)
        parts[key].set_data([0, length * math.sin(a)], [0, length * math.cos(a)])
    parts["text"].set_text("\n".join(lines))


def _short(strategy: Strategy) -> str:
    return strategy.name.replace("_", " ").lower()


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
    settings = settings or Settings()
    views = [_view(settings, s, migrate_frame) for s in strategies]
    biggest = max(max(abs(v.error_range[0]), abs(v.error_range[1])) for v in views)
    unit, size = error_unit(biggest)
    fig, ax = new_figure(figsize=(7.5, 3.0), dpi=80)
    colors = (COLOR_GUEST, COLOR_COMPARE, *HOST_COLORS)
    for k, (view, strategy) in enumerate(zip(views, strategies, strict=True)):
        # Floats for drawing only: the error values are exact integers until here.
        ax.plot(view.rel_ns / 1e9, view.error_ns / size, color=colors[k], ls=LINESTYLES[k],
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


def _view(settings: Settings, strategy: Strategy, frame: int) -> View:
    view, message = evaluate(Settings(**{**settings.__dict__, "strategy": strategy.name}), (frame,))
    if view is None:
        raise ValueError(f"the recorded scenario is refused: {message}")
    return view


def record_migration(
    settings: Settings | None = None,
    *,
    migrate_frame: int = 140,
    first_frame: int = 128,
    n_frames: int = 26,
    step: int = 2,
    strategies: tuple[Strategy, Strategy] = (Strategy.FULL_PROTOCOL, Strategy.IGNORE_BLACKOUT),
    dpi: int = 72,
) -> FuncAnimation:
    """Animate one migration A -> B under two strategies; return the ``FuncAnimation``.

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
    dpi : int
        Resolution of each frame (low keeps the page small).
    """
    settings = settings or Settings()
    views = [_view(settings, s, migrate_frame) for s in strategies]
    frames = [first_frame + k * step for k in range(n_frames)]
    apply_style()
    fig = plt.figure(figsize=(8.0, 2.45), dpi=dpi, facecolor="white", FigureClass=SmallPngFigure)
    grid = fig.add_gridspec(1, 5, left=0.0, right=1.0, bottom=0.0, top=0.92, wspace=0.02)
    main = views[0]
    hosts = main.scenario.hosts
    names = [_short(s) for s in strategies]
    dials = [
        _dial(fig.add_subplot(grid[0, 0]), COLOR_TRUE, "True time since boot"),
        _dial(
            fig.add_subplot(grid[0, 1]), HOST_COLORS[0], f"Host A {hosts[0].tsc_hz // 10**6} MHz"
        ),
        _dial(
            fig.add_subplot(grid[0, 2]), HOST_COLORS[1], f"Host B {hosts[1].tsc_hz // 10**6} MHz"
        ),
        _dial(fig.add_subplot(grid[0, 3]), COLOR_GUEST, f"Guest: {names[0]}"),
        _dial(fig.add_subplot(grid[0, 4]), COLOR_COMPARE, f"Guest: {names[1]}"),
    ]

    def draw(k: int):
        # Few glyphs per frame: text rendering is most of a frame's cost. The exact TSC
        # values are in the live app; the recording keeps the exact error of each guest.
        i = frames[k]
        rel = int(main.rel_ns[i])
        _set_hands(dials[0], rel, [f"t = {rel // NS_PER_S}.{rel % NS_PER_S // 10**8} s"])
        for h in range(2):
            up = rel + GUEST_BOOT_NS - hosts[h].boot_ns
            _set_hands(dials[1 + h], up, ["guest here" if int(main.segment[i]) == h else ""])
        for g, view in enumerate(views):
            seg = int(view.segment[i])
            where = "paused" if seg < 0 else f"on host {'ABC'[seg]}"
            _set_hands(
                dials[3 + g],
                int(view.guest_ns[i]),
                [f"err {format_signed_ns(int(view.error_ns[i]))}", where],
            )
        return []

    dynamic = {a for d in dials for a in d.values()}
    _freeze_background(fig, dynamic)
    anim = FuncAnimation(fig, draw, frames=n_frames, interval=200, blit=False, repeat=True)
    plt.close(fig)
    return anim


def _freeze_background(fig, dynamic: set) -> None:
    """Render everything static once into an image; later frames redraw only ``dynamic``.

    Every frame of ``to_jshtml`` is a full ``savefig``; text layout dominates its cost. So
    the static artists (dials, ticks, titles) are drawn once, kept as a background image,
    and hidden; each frame then draws only the hands and texts that move, on a transparent
    canvas, and :class:`SmallPngFigure` pastes them onto the background.
    """
    for artist in dynamic:
        artist.set_visible(False)
    fig.canvas.draw()
    background = Image.fromarray(np.asarray(fig.canvas.buffer_rgba()).copy(), "RGBA")
    for ax in fig.axes:
        for child in ax.get_children():
            if child not in dynamic:
                child.set_visible(False)
        ax.set_axis_off()
        ax.patch.set_visible(False)
    fig.patch.set_visible(False)
    for artist in dynamic:
        artist.set_visible(True)
    fig.background = background


_CDN_STYLESHEET = re.compile(r'<link rel="stylesheet"\s*href="https?://[^"]*"\s*/?>')


def recording_html(**kwargs) -> str:
    """:func:`record_migration` as self-contained HTML that asks nothing of the network.

    matplotlib's ``to_jshtml()`` links Font Awesome from a CDN for its button icons; that link
    is dropped (JupyterLab and the static site ship the icons themselves), so the page makes
    no request beyond its own host. Keyword arguments go to :func:`record_migration`.

    Examples
    --------
    >>> html = recording_html(n_frames=2)
    >>> "http" in html.split("<script")[0], "data:image/png;base64" in html
    (False, True)
    """
    return _CDN_STYLESHEET.sub("", record_migration(**kwargs).to_jshtml())
