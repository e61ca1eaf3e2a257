"""Latency of the chapter 07 playground's update path against a naive interact-style re-plot.

200 random settings (seeded; some of them invalid, as a reader's would be) with 0-2
migrations at random frames. For each, both paths do the whole job a settings change asks:

* **playground**: ``Playground.set_settings`` on the real widget objects: validate, run the
  model (:mod:`tscmath.migration.timeline`), redraw the five SVG clocks, the SVG error plot and the
  multiplier/offset readout into their HTML widgets;
* **baseline**: what ``ipywidgets.interact`` with matplotlib does: recompute the same
  scenario, create a new matplotlib figure with the five clocks and the error plot, render
  it to PNG (as the inline backend does) and close it.

Both run in the same process on the same settings, interleaved. Also timed: one animation
frame of the playground (moving the time slider), the path the Play widget drives.
Prints median and p95 of each and the ratios. Floats appear only in the drawings.

Run: ``.venv/bin/python benchmarks/playground_latency.py``
"""

from __future__ import annotations

import io
import math
import random
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from tsccourse.playground._clockface import format_duration_ns, hand_angles  # noqa: E402
from tsccourse.playground.app import Playground  # noqa: E402
from tsccourse.playground.session import evaluate  # noqa: E402
from tsccourse.playground.settings import (  # noqa: E402
    GUEST_BOOT_NS,
    MAX_HOPS,
    N_SAMPLES,
    Settings,
)
from tscmath.migration.strategies import Strategy  # noqa: E402
from tscmath.plotting import PALETTE, apply_style  # noqa: E402

RUNS = 200
SEED = 2026
KHZ = [2_994_374, 3_000_000, 2_500_000, 3_300_000, 2_000_000, 2_100_000]
"""Usual TSC frequencies (kHz)."""
ODD_KHZ = [400_000, 45_000_000, 0]
"""Frequencies that get refused (below bhyve's 500 MHz, above the 20 GHz range, zero)."""


def _khz(rng: random.Random) -> int:
    return rng.choice(ODD_KHZ) if rng.random() < 0.03 else rng.choice(KHZ)


def random_case(rng: random.Random) -> tuple[Settings, tuple[int, ...]]:
    """One reader's settings and the frames of their migrations."""
    settings = Settings(
        guest_khz=_khz(rng),
        a_khz=_khz(rng),
        b_khz=_khz(rng),
        c_khz=_khz(rng),
        a_boot_s=-rng.randrange(0, 10**8),
        b_boot_s=-rng.randrange(0, 10**8),
        c_boot_s=-rng.randrange(0, 10**8),
        a_skew_ms=rng.randrange(-500, 500),
        b_skew_ms=rng.randrange(-500, 500),
        c_skew_ms=rng.randrange(-500, 500),
        fmt=rng.choices(["amd", "intel", "none"], weights=[45, 45, 10])[0],
        strategy=rng.choice(list(Strategy.__members__)),
        blackout_ms=rng.randrange(0, 10_000, 50),
    )
    n_hops = rng.randrange(0, MAX_HOPS + 1)
    hops = sorted(rng.sample(range(1, 250), n_hops))
    hops = tuple(h + 250 * k for k, h in enumerate(hops))  # well apart: after the blackout
    return settings, hops


def _dial(ax, ns: int, title: str, lines: list[str], color: str) -> None:
    # The baseline's own matplotlib clock: what the app would cost drawn the interact way
    # (kept here on purpose as the thing measured against; the app draws SVG clocks).
    ax.set_xlim(-1.2, 1.2)
    ax.set_ylim(-1.9, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(plt.Circle((0, 0), 1.0, fill=False, lw=2, color=color))
    for k in range(12):
        a = math.radians(30 * k)
        ax.plot([0.85 * math.sin(a), math.sin(a)], [0.85 * math.cos(a), math.cos(a)], "k-")
    for angle, length in zip(hand_angles(ns), (0.5, 0.75, 0.9), strict=True):
        a = math.radians(angle)
        ax.plot([0, length * math.sin(a)], [0, length * math.cos(a)], "-", color=color)
    ax.set_title(title, color=color, fontsize=9)
    ax.text(0, -1.15, "\n".join(lines), ha="center", va="top", fontsize=7, family="monospace")


def baseline_update(settings: Settings, hops: tuple[int, ...], frame: int) -> bytes:
    """The interact way: recompute, build a new figure with everything, render a PNG."""
    view, message = evaluate(settings, hops)
    apply_style()
    fig = plt.figure(figsize=(10, 5.5), dpi=100)
    if view is None:
        fig.text(0.05, 0.5, message, wrap=True)
    else:
        grid = fig.add_gridspec(2, 5, height_ratios=[1.2, 1])
        i = frame
        rel = view.rel_ns[i]
        _dial(fig.add_subplot(grid[0, 0]), rel, "True", [format_duration_ns(rel)], PALETTE[6])
        for k, host in enumerate(view.scenario.hosts):
            up = host.hrtime_at(GUEST_BOOT_NS + rel)
            _dial(
                fig.add_subplot(grid[0, 1 + k]),
                up,
                f"Host {host.name}",
                [f"TSC {view.host_tsc_at(k, i)}"],
                PALETTE[k],
            )
        _dial(
            fig.add_subplot(grid[0, 4]),
            view.guest_ns[i],
            "Guest",
            [f"TSC {view.guest_tsc[i]}", f"err {view.error_ns[i]} ns"],
            PALETTE[4],
        )
        ax = fig.add_subplot(grid[1, :])
        seconds = [t / 1e9 for t in view.rel_ns[: i + 1]]  # floats for drawing only
        ax.plot(seconds, [e / 1e6 for e in view.error_ns[: i + 1]], label="guest error")
        for m in view.markers:
            ax.axvspan(m.pause_ns / 1e9, m.resume_ns / 1e9, color="#999999", alpha=0.3)
        ax.axvline(view.rel_ns[i] / 1e9, color="k")
        ax.set_xlim(0, 60)
        ax.set_xlabel("true time since guest boot (s)")
        ax.set_ylabel("guest error (ms)")
        ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def summary(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1e3, p95 * 1e3


def main() -> None:
    rng = random.Random(SEED)
    cases = [random_case(rng) for _ in range(RUNS)]
    frames = [rng.randrange(0, N_SAMPLES) for _ in range(RUNS)]
    app = Playground()
    baseline_update(*cases[0], frames[0])  # warm up both paths (imports, font cache)
    app.set_settings(cases[0][0])
    ours, theirs, per_frame = [], [], []
    refused = 0
    for (settings, hops), frame in zip(cases, frames, strict=True):
        app.session.hops = hops
        app.session.set_frame(frame)
        start = time.perf_counter()
        app.set_settings(settings)
        ours.append(time.perf_counter() - start)
        refused += bool(app.message.value)
        assert "Internal error" not in app.message.value, app.message.value
        start = time.perf_counter()
        baseline_update(settings, hops, frame)
        theirs.append(time.perf_counter() - start)
        if app.session.view is not None:
            start = time.perf_counter()
            app.time_slider.value = (frame + 7) % N_SAMPLES
            per_frame.append(time.perf_counter() - start)
    m_ours, p_ours = summary(ours)
    m_base, p_base = summary(theirs)
    m_frame, p_frame = summary(per_frame)
    print(f"{RUNS} random settings (seed {SEED}), {refused} of them refused with a message")
    print(f"playground update (compute + redraw): median {m_ours:7.1f} ms   p95 {p_ours:7.1f} ms")
    print(
        f"baseline interact + new matplotlib figure: median {m_base:7.1f} ms   p95 {p_base:7.1f} ms"
    )
    print(f"speed-up: median {m_base / m_ours:5.1f}x   p95 {p_base / p_ours:5.1f}x")
    print(f"one animation frame (time slider): median {m_frame:6.2f} ms   p95 {p_frame:6.2f} ms")
    print(f"goal median <= 50 ms: {'met' if m_ours <= 50 else 'MISSED'}; "
          f">= 3x faster: {'met' if m_base / m_ours >= 3 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
