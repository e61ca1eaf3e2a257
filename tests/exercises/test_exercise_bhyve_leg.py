"""Exercise 10.7: bhyve's local leg, counted in host ticks (right answer, typical mistakes)."""

from __future__ import annotations

import numpy as np
import pytest

import tscmath as tm
from tsccourse.exercises import check
from tscmath.migration.hosts import Host
from tscmath.migration.protocol import LocalLeg, VmTimeData, import_time_data

# By hand: 50 ms is 125,000,000 ticks at 2.5 GHz and 150,000,000 at 3 GHz.
RIGHT = 125_000_000 - 150_000_000


def test_the_model_gives_the_hand_computed_answer():
    dst = Host("B", 2_500_000_000, tsc_at_zero=7 * 10**12, boot_ns=-3_600 * 10**9)
    data = VmTimeData(3_000_000_000, 10**12, dst.hrtime_at(100 * tm.NS_PER_S), 1_700_000_000, 0, 0)
    t = 100 * tm.NS_PER_S + 50_000_000
    bhyve = import_time_data(data, dst, t)
    meant = import_time_data(data, dst, t, local_leg=LocalLeg.INTENDED)
    assert bhyve.guest_tsc_at(t) - meant.guest_tsc_at(t) == RIGHT


@pytest.mark.parametrize("answer", [RIGHT, np.int64(RIGHT), str(RIGHT), float(RIGHT)])
def test_right_answers_pass(answer):
    result = check.bhyve_local_leg(answer)
    assert result.passed, result.message
    assert "8333333 ns behind" in result.message


@pytest.mark.parametrize(
    ("wrong", "fragment"),
    [
        (-RIGHT, "Wrong sign"),
        (8_333_333, "nanoseconds"),
        (-8_333_333, "nanoseconds"),
        (125_000_000, "how many ticks bhyve adds"),
        (150_000_000, "guest ticks passed"),
        (0, "Not zero"),
        (-1, "'The kernel import and the second blackout leg'"),
    ],
)
def test_typical_mistakes_are_explained(wrong, fragment):
    result = check.bhyve_local_leg(wrong)
    assert not result.passed
    assert fragment in result.message, result.message
