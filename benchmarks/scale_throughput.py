"""Throughput of ``scale_array`` against a Python-int loop and the naive float64 multiply.

10**7 random u64 TSC values (seeded), a realistic multiplier per format (a 2.5 GHz guest on a
3 GHz host, so nothing overflows). Prints values/s for each method, the ratios, and how many
float64 results are wrong. All three run in the same process, one after the other, best of
``REPEATS`` (this machine is noisy). Floats appear here only as the thing being measured.

Run: ``.venv/bin/python benchmarks/scale_throughput.py``
"""

from __future__ import annotations

import time

import numpy as np

import tscmath as tm

N = 10**7
LOOP_SAMPLE = 200_000
"""Values the Python loops scale (a sample: a full loop would take about a minute)."""
REPEATS = 5
GUEST_HZ, HOST_HZ = 2_500_000_000, 3_000_000_000


def best_time(func, repeats: int = REPEATS) -> float:
    """Smallest wall time of ``repeats`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def float64_scale(tsc: np.ndarray, mult: int, fmt: tm.FixedPointFormat) -> np.ndarray:
    """The naive way: multiply in float64 and truncate (wrong for large values)."""
    return (tsc.astype(np.float64) * (mult / fmt.one)).astype(np.uint64)


def main() -> None:
    rng = np.random.default_rng(2026)
    tsc = rng.integers(0, 2**64, size=N, dtype=np.uint64)
    sample = [int(v) for v in tsc[:LOOP_SAMPLE]]
    print(f"{N:,} random u64 TSC values; guest {GUEST_HZ:,} Hz on host {HOST_HZ:,} Hz")
    for fmt in (tm.AMD_SVM, tm.INTEL_VMX):
        mult = tm.multiplier(GUEST_HZ, HOST_HZ, fmt)
        exact = tm.scale_array(tsc, mult, fmt)
        t_array = best_time(lambda: tm.scale_array(tsc, mult, fmt))  # noqa: B023
        t_float = best_time(lambda: float64_scale(tsc, mult, fmt))  # noqa: B023
        t_loop = best_time(
            lambda: [tm.scale(v, mult, fmt) for v in sample],  # noqa: B023
            repeats=2,
        )
        shift = fmt.frac_bits
        t_raw = best_time(lambda: [(v * mult) >> shift for v in sample], repeats=2)  # noqa: B023
        wrong = np.count_nonzero(float64_scale(tsc, mult, fmt) != exact)
        spot = rng.integers(0, N, size=2_000)
        assert all(int(exact[i]) == tm.scale(int(tsc[i]), mult, fmt) for i in spot)
        rate_array, rate_float = N / t_array, N / t_float
        rate_loop, rate_raw = LOOP_SAMPLE / t_loop, LOOP_SAMPLE / t_raw
        print(f"\n{fmt.name} (mult {mult:#x})")
        print(f"  scale_array (exact)      {rate_array / 1e6:8.1f} M values/s")
        print(f"  float64 multiply (naive) {rate_float / 1e6:8.1f} M values/s")
        print(f"  Python loop of tm.scale  {rate_loop / 1e6:8.2f} M values/s (validated)")
        print(f"  Python loop (v*M)>>F     {rate_raw / 1e6:8.2f} M values/s (bare big ints)")
        print(f"  scale_array / float64    {rate_array / rate_float:8.2f}x   (goal >= 0.6x)")
        print(f"  scale_array / tm.scale   {rate_array / rate_loop:8.1f}x   (goal >= 30x)")
        print(f"  scale_array / bare loop  {rate_array / rate_raw:8.1f}x")
        print(f"  float64 results wrong    {wrong:,} of {N:,} ({100 * wrong / N:.2f} %)")


if __name__ == "__main__":
    main()
