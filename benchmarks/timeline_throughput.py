"""Throughput of tscmath.migration.timeline.simulate_timeline: 10**5 samples around a migration.

Prints the median time of simulate_timeline (vectorized, exact uint64) and, as a baseline
in the same process, a plain Python-int loop over the scalar model (Vm.guest_tsc_at,
guest time and error per sample) on a subsample, scaled to the same number of samples.
The playground needs one redraw in <= 20 ms.

Run: PYTHONPATH=$PWD python benchmarks/timeline_throughput.py
"""

from __future__ import annotations

import statistics
import time

from tscmath import AMD_SVM
from tscmath.migration.hosts import Host
from tscmath.migration.strategies import Strategy
from tscmath.migration.timeline import Hop, simulate_timeline

G = 10**9
N = 100_000
BASELINE_N = 2_000
REPEATS = 21


def scenario():
    a = Host("A", 2_994_374_000, tsc_at_zero=123_456_789_012, boot_ns=-(10**13), fmt=AMD_SVM)
    b = Host("B", 2_500_000_000, tsc_at_zero=10**15, boot_ns=-(5 * 10**13), wall_skew_ns=-20_000)
    hops = [Hop(b, 5 * G, 200_000_000, 2_000_000)]
    return a, 3_000_000_000, G, hops, Strategy.FULL_PROTOCOL, 4 * G, 7 * G


def run_vectorized(n: int):
    a, guest_hz, boot, hops, strategy, t0, t1 = scenario()
    return simulate_timeline(a, guest_hz, boot, hops, strategy, t0, t1, n)


def run_python_loop(times: list[int]) -> list[tuple[int, int, int]]:
    """Baseline: the scalar model, one Python-int evaluation per sample."""
    tl = run_vectorized(2)  # only for the migrated VMs and the outcome
    a, guest_hz, boot, hops, strategy, t0, t1 = scenario()
    vms, out = tl.vms, tl.outcomes[0]
    rows = []
    for t in times:
        if t < out.pause_ns:
            g = vms[0].guest_tsc_at(t)
        elif t < out.resume_ns:
            g = out.exported.guest_tsc
        else:
            g = vms[1].guest_tsc_at(t)
        ns = g * G // guest_hz
        rows.append((g, ns, ns - (t - boot)))
    return rows


def median_seconds(fn, *args, repeats: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeats):
        start = clock()
        fn(*args)
        times.append(clock() - start)
    return statistics.median(times)


def main() -> None:
    tl = run_vectorized(N)  # warm-up, and a cross-check against the baseline below
    step = N // BASELINE_N
    times = tl.true_ns[::step].tolist()
    loop_rows = run_python_loop(times)
    for j, i in enumerate(range(0, N, step)):  # the baseline computes the same numbers
        assert (int(tl.guest_tsc[i]), int(tl.guest_ns[i]), int(tl.error_ns[i])) == loop_rows[j]

    # Wall-clock and CPU (process) time: the machine is shared, so wall time is noisy.
    vec = median_seconds(run_vectorized, N, repeats=REPEATS)
    vec_cpu = median_seconds(run_vectorized, N, repeats=REPEATS, clock=time.process_time)
    loop = median_seconds(run_python_loop, times, repeats=5) * N / len(times)
    loop_cpu = (
        median_seconds(run_python_loop, times, repeats=5, clock=time.process_time) * N / len(times)
    )
    print(f"simulate_timeline, {N:,} samples around a migration (median of {REPEATS}):")
    print(
        f"  vectorized (numpy uint64, exact): wall {vec * 1e3:8.2f} ms, cpu {vec_cpu * 1e3:8.2f} ms"
    )
    print("  (budget for a playground redraw: 20 ms)")
    print(
        f"  Python-int loop, scaled from {len(times):,} samples: wall {loop * 1e3:8.1f} ms, "
        f"cpu {loop_cpu * 1e3:8.1f} ms"
    )
    print(f"  ratio loop / vectorized: wall {loop / vec:.0f}x, cpu {loop_cpu / vec_cpu:.0f}x")


if __name__ == "__main__":
    main()
