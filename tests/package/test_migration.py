"""The live migration of time: propolis vectors, a hand-computed round trip, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tscmath as tm
from tscmath.migration.hosts import Host
from tscmath.migration.protocol import (
    LocalLeg,
    TimeAdjustOverflow,
    TimeDataFromFuture,
    VmTimeData,
    adjust_time_data,
    calc_tsc_delta,
    export_time_data,
    import_time_data,
    local_leg_ticks,
)
from tscmath.migration.strategies import Strategy, migrate
from tscmath.migration.vm import ScalingUnsupported, boot_guest

G = 10**9
U64 = 2**64
DAY = 86_400 * G


def base(**kw) -> VmTimeData:
    """propolis' base_time_data(): guest_freq 1, everything else 0."""
    fields = dict(guest_freq=1, guest_tsc=0, hrtime=0, hres_sec=0, hres_ns=0, boot_hrtime=0)
    fields.update(kw)
    return VmTimeData(**fields)


# --- propolis unit-test vectors (lib/propolis/src/vmm/time.rs) -------------------------


def test_propolis_tsc_delta_vectors():
    assert calc_tsc_delta(1 * G, 1_000_000_000) == 1_000_000_000
    assert calc_tsc_delta(20 * G, 2_500_000_000) == 50_000_000_000


def test_propolis_guest_tsc_wraps():
    src = base(guest_freq=1_000_000_000, guest_tsc=U64 - 1)
    adj = adjust_time_data(src, 0, 3 * G + 3)  # 3 s 3 ns later on the wall clock
    assert adj.guest_tsc_delta == 3_000_000_003
    assert adj.data.guest_tsc == 3_000_000_002


def test_propolis_negative_delta_is_clamped_and_reported():
    adj = adjust_time_data(base(hres_sec=1), 0, 0)
    assert adj.migrate_delta_ns == 0 and adj.raw_migrate_delta_ns == -G
    assert adj.migrate_delta_negative and adj.clamped
    assert adj.data.guest_tsc == 0
    ok = adjust_time_data(base(), 0, 1)
    assert ok.migrate_delta_ns == 1 and not ok.clamped


def test_propolis_boot_hrtime_example():
    # The comment in adjust_time_data: guest up 5 days on a host up 30 days, moved to a
    # host up 100 days with no wall-clock delta: boot_hrtime becomes 95 days.
    src = base(guest_freq=G, hrtime=30 * DAY, boot_hrtime=25 * DAY, hres_sec=1000)
    adj = adjust_time_data(src, 100 * DAY, 1000 * G)
    assert adj.guest_uptime_ns == 5 * DAY
    assert adj.data.boot_hrtime == 95 * DAY
    # A guest up longer than its new host gets a negative boot_hrtime.
    adj = adjust_time_data(src, 2 * DAY, 1000 * G)
    assert adj.data.boot_hrtime == -3 * DAY


def test_propolis_errors():
    with pytest.raises(tm.InvalidInput, match="dst_hrtime"):
        adjust_time_data(base(), -1, 0)
    with pytest.raises(TimeAdjustOverflow, match="uptime"):
        adjust_time_data(base(hrtime=0, boot_hrtime=1), 0, 0)
    with pytest.raises(TimeAdjustOverflow, match="64 bits"):
        calc_tsc_delta(2**63 - 1, 2**64 - 1)
    with pytest.raises(tm.InvalidInput, match="hres_ns"):
        base(hres_ns=G)


# --- a round trip computed by hand --------------------------------------------------------


def test_round_trip_by_hand():
    """Boot on A, migrate to B with the full protocol, run on B; every number by hand.

    A: 2 GHz, TSC 1e6 at t=0, booted at t=-100 s, wall clock exact.
    B: 4 GHz, TSC 7e12 at t=0, booted at t=-1000 s, wall clock 2 ms ahead.
    Guest: 1 GHz (M_A = 2**31 = 0.5, M_B = 2**30 = 0.25: no truncation), boots at t=1 s,
    pauses at t=11 s, blackout 0.5 s of which 0.1 s between snapshot and write.
    """
    a = Host("A", 2 * G, tsc_at_zero=1_000_000, boot_ns=-100 * G)
    b = Host("B", 4 * G, tsc_at_zero=7 * 10**12, boot_ns=-1000 * G, wall_skew_ns=2_000_000)
    vm = boot_guest(a, 1 * G, 1 * G)
    out = migrate(
        vm,
        b,
        11 * G,
        500_000_000,
        Strategy.FULL_PROTOCOL,
        write_delay_ns=100_000_000,
        local_leg=LocalLeg.INTENDED,
    )

    # Export at t=11 s: A's TSC 1e6 + 22e9, scaled 11_000_500_000, minus 1_000_500_000.
    ex = out.exported
    assert (ex.guest_freq, ex.guest_tsc) == (G, 10_000_000_000)
    assert (ex.hrtime, ex.hres_sec, ex.hres_ns, ex.boot_hrtime) == (111 * G, 11, 0, 101 * G)

    # Snapshot on B at t=11.4 s: hrtime 1011.4 s, wall 11.402 s -> migrate_delta 402 ms.
    adj = out.adjusted
    assert adj.migrate_delta_ns == 402_000_000 and not adj.clamped
    assert adj.guest_uptime_ns == 10 * G
    assert adj.guest_tsc_delta == 402_000_000
    assert adj.data.guest_tsc == 10_402_000_000
    assert adj.data.hrtime == 1_011_400_000_000
    assert adj.data.boot_hrtime == 1_011_400_000_000 - 10_402_000_000  # 1000.998 s

    # Write at t=11.5 s: latency leg 0.1 s = 1e8 ticks -> base 10_502_000_000.
    # B's TSC = 7e12 + 46e9 = 7_046e9, scaled by 1/4 = 1_761_500_000_000.
    assert out.mult == 1 << 30
    assert out.offset == (10_502_000_000 - 1_761_500_000_000) % U64
    assert out.vm.boot_hrtime == 1_000_998_000_000
    assert out.guest_tsc_at_resume == 10_502_000_000

    # bhyve as written counts the 0.1 s leg in B's ticks (4e8), not the guest's (1e8):
    # the guest resumes 3e8 ticks (0.3 s) ahead.
    bhyve = migrate(vm, b, 11 * G, 500_000_000, Strategy.FULL_PROTOCOL, write_delay_ns=10**8)
    assert bhyve.guest_tsc_at_resume == 10_802_000_000
    assert bhyve.vm.error_ns_at(bhyve.resume_ns) == out.vm.error_ns_at(out.resume_ns) + 3 * 10**8

    # Ten seconds later on B: TSC 7_086e9 -> scaled 1_771_500_000_000 -> guest 20_502_000_000.
    assert out.vm.guest_tsc_at(21_500_000_000) == 20_502_000_000
    # The guest believes 20.502 s have passed since boot; truly 20.5 s: error = B's skew.
    assert out.vm.error_ns_at(21_500_000_000) == 2_000_000


def test_import_rejects_future_data_and_unsupported_frequency():
    b = Host("B", 2 * G, boot_ns=0)
    data = VmTimeData(G, 0, hrtime=5 * G, hres_sec=0, hres_ns=0, boot_hrtime=0)
    with pytest.raises(TimeDataFromFuture, match="data.hrtime"):
        import_time_data(data, b, 4 * G)
    assert import_time_data(data, b, 5 * G).guest_tsc_at(5 * G) == 0
    with pytest.raises(ScalingUnsupported, match="guest_hz"):
        import_time_data(data, Host("N", 2 * G, fmt=None), 5 * G)
    with pytest.raises(tm.RatioOutOfRange, match="guest_hz"):
        import_time_data(VmTimeData(400_000_000, 0, 0, 0, 0, 0), b, 5 * G)
    with pytest.raises(tm.RatioOutOfRange, match="guest_hz"):
        import_time_data(VmTimeData(30 * G, 0, 0, 0, 0, 0), b, 5 * G)


def test_migrate_invalid_input():
    a, b = Host("A", G), Host("B", 2 * G)
    vm = boot_guest(a, 0)
    with pytest.raises(tm.InvalidInput, match="blackout_ns"):
        migrate(vm, b, G, -1, Strategy.FULL_PROTOCOL)
    with pytest.raises(tm.InvalidInput, match="write_delay_ns"):
        migrate(vm, b, G, 10, Strategy.FULL_PROTOCOL, write_delay_ns=11)
    with pytest.raises(tm.InvalidInput, match="pause_ns"):
        migrate(vm, b, -1, 10, Strategy.FULL_PROTOCOL)
    with pytest.raises(tm.InvalidInput, match="strategy"):
        migrate(vm, b, G, 10, "teleport")
    with pytest.raises(tm.InvalidInput, match="wall clock"):
        migrate(boot_guest(Host("S", G, wall_skew_ns=-5 * G), 0), b, G, 0)


def test_clamp_keeps_guest_monotonic():
    # B's wall clock is 30 ms behind A's, the blackout only 10 ms: the wall-clock delta is
    # -20 ms; propolis clamps it to 0, so the guest resumes where it paused.
    a = Host("A", 3 * G, tsc_at_zero=10**9)
    b = Host("B", 2 * G, tsc_at_zero=10**14, wall_skew_ns=-30_000_000)
    vm = boot_guest(a, 0, G)
    out = migrate(vm, b, 5 * G, 10_000_000, Strategy.FULL_PROTOCOL)
    assert out.clamped and out.adjusted.raw_migrate_delta_ns == -20_000_000
    assert out.guest_tsc_at_resume == out.guest_tsc_at_pause
    # The guest lost the 10 ms blackout rather than going back 20 ms.
    assert out.vm.error_ns_at(out.resume_ns) - vm.error_ns_at(out.pause_ns) in range(
        -10_000_002, -9_999_997
    )


def test_strategy_labels():
    assert [s.label for s in Strategy] == [
        "full protocol",
        "ignore the blackout",
        "offset only",
        "naive",
    ]
    assert all(s.description and "\n" not in s.description for s in Strategy)


# --- properties ---------------------------------------------------------------------------

hz_st = st.integers(500_000_000, 5 * G)
skew_st = st.integers(-50_000_000, 50_000_000)


BHYVE_RULES = {tm.AMD_SVM: True, tm.INTEL_VMX: False}
"""bhyve's rules for 8.32 hosts; 16.48 hosts run as a hypothetical VMX-scaling hypervisor
(bhyve has no VMX scaling and refuses another frequency): these tests check the arithmetic."""


@st.composite
def scenarios(draw):
    fmt = draw(st.sampled_from([tm.AMD_SVM, tm.INTEL_VMX]))
    a = Host(
        "A",
        draw(hz_st),
        tsc_at_zero=draw(st.integers(0, 2**50)),
        boot_ns=draw(st.integers(-(10**15), 0)),
        wall_skew_ns=draw(skew_st),
        fmt=fmt,
    )
    b = Host(
        "B",
        draw(hz_st),
        tsc_at_zero=draw(st.integers(0, 2**50)),
        boot_ns=draw(st.integers(-(10**15), 0)),
        wall_skew_ns=draw(skew_st),
        fmt=fmt,
    )
    guest_hz = draw(hz_st)
    boot = draw(st.integers(10**8, 10**12))  # wall clocks (skew >= -50 ms) stay >= 0
    pause = boot + draw(st.integers(0, 10**12))
    blackout = draw(st.integers(0, 10 * G))
    delay = draw(st.integers(0, min(blackout, 50_000_000)))
    return a, b, guest_hz, boot, pause, blackout, delay


def tick_ns(hz: int) -> int:
    """Nanoseconds one tick can be worth (rounded up)."""
    return -(-G // hz)


@settings(max_examples=150, deadline=None)
@given(sc=scenarios(), later=st.integers(0, 10**12))
def test_full_protocol(sc, later):
    a, b, guest_hz, boot, pause, blackout, delay = sc
    vm = boot_guest(a, boot, guest_hz, enforce_limits=BHYVE_RULES[a.fmt])
    out = migrate(
        vm,
        b,
        pause,
        blackout,
        Strategy.FULL_PROTOCOL,
        write_delay_ns=delay,
        local_leg="intended",
        enforce_limits=BHYVE_RULES[b.fmt],
    )
    new = out.vm
    resume = out.resume_ns
    # Never backwards: resume >= pause, and later >= resume.
    g_pause, g_resume = out.guest_tsc_at_pause, out.guest_tsc_at_resume
    g_later = new.guest_tsc_at(resume + later)
    assert g_pause <= g_resume <= g_later
    # The guest's error moves by the wall-clock skew between the hosts, or, when that would
    # send it back, by minus the part of the blackout the wall clocks measured (the clamp).
    skew = b.wall_skew_ns - a.wall_skew_ns
    expected = max(skew, -(blackout - delay))
    assert out.clamped == (blackout - delay + skew < 0)
    moved = new.error_ns_at(resume) - vm.error_ns_at(pause)
    assert abs(moved - expected) <= 2 * tick_ns(guest_hz) + 1  # two floored legs + ns floor
    # Rate on B: within the drift bound of guest_hz (plus truncation of the reads).
    ticks = (g_later - g_resume) * 1  # no wrap in these ranges
    ideal = later * guest_hz / G
    drift = float(tm.drift_ticks_per_second(guest_hz, b.tsc_hz, b.fmt)) * later / G
    ratio = guest_hz / b.tsc_hz
    assert ideal - drift - ratio - 2 <= ticks <= ideal + ratio + 2
    # The multiplier and offset are the ones the formulas give.
    assert new.mult == tm.multiplier(guest_hz, b.tsc_hz, b.fmt)
    assert new.offset == tm.offset_for(b.tsc_at(resume), g_resume, new.mult, b.fmt)
    assert new.guest_hz == guest_hz


@settings(max_examples=100, deadline=None)
@given(sc=scenarios())
def test_ignore_blackout_leaves_guest_behind(sc):
    a, b, guest_hz, boot, pause, blackout, _ = sc
    vm = boot_guest(a, boot, guest_hz, enforce_limits=BHYVE_RULES[a.fmt])
    out = migrate(
        vm, b, pause, blackout, Strategy.IGNORE_BLACKOUT, enforce_limits=BHYVE_RULES[b.fmt]
    )
    assert out.guest_tsc_at_resume == out.guest_tsc_at_pause  # continuity only
    moved = out.vm.error_ns_at(out.resume_ns) - vm.error_ns_at(pause)
    assert abs(moved + blackout) <= tick_ns(guest_hz) + 1
    assert out.adjusted is None and out.migrate_delta_ns is None


@settings(max_examples=100, deadline=None)
@given(sc=scenarios(), later=st.integers(G, 10**12))
def test_offset_only_drifts_at_frequency_ratio(sc, later):
    a, b, guest_hz, boot, pause, blackout, delay = sc
    vm = boot_guest(a, boot, guest_hz, enforce_limits=BHYVE_RULES[a.fmt])
    out = migrate(
        vm,
        b,
        pause,
        blackout,
        Strategy.OFFSET_ONLY,
        write_delay_ns=delay,
        enforce_limits=BHYVE_RULES[b.fmt],
    )
    full = migrate(
        vm,
        b,
        pause,
        blackout,
        Strategy.FULL_PROTOCOL,
        write_delay_ns=delay,
        enforce_limits=BHYVE_RULES[b.fmt],
    )
    assert out.mult is None
    assert out.guest_tsc_at_resume == full.guest_tsc_at_resume  # same time data
    t1, t2 = out.resume_ns, out.resume_ns + later
    # It ticks exactly as B's TSC does ...
    assert out.vm.guest_tsc_at(t2) - out.vm.guest_tsc_at(t1) == b.tsc_at(t2) - b.tsc_at(t1)
    # ... so the guest's time runs at b_hz / guest_hz: its error changes by about
    # later * (b_hz - guest_hz) / guest_hz.
    drift = out.vm.error_ns_at(t2) - out.vm.error_ns_at(t1)
    expected = later * (b.tsc_hz - guest_hz) / guest_hz
    assert math.isclose(drift, expected, abs_tol=2 * tick_ns(guest_hz) + 2 + b.tsc_hz / guest_hz)


@settings(max_examples=100, deadline=None)
@given(sc=scenarios(), gap=st.integers(10**13, 2**52))
def test_naive_jumps(sc, gap):
    a, b, guest_hz, boot, pause, blackout, _ = sc
    b = Host("B", b.tsc_hz, tsc_at_zero=a.tsc_at_zero + gap, fmt=b.fmt)  # B booted long before
    vm = boot_guest(a, boot, guest_hz, enforce_limits=BHYVE_RULES[a.fmt])
    out = migrate(vm, b, pause, blackout, Strategy.NAIVE, enforce_limits=BHYVE_RULES[b.fmt])
    assert (out.mult, out.offset) == (vm.mult, vm.offset)  # registers copied unchanged
    expected = tm.guest_tsc(b.tsc_at(out.resume_ns), vm.mult, vm.offset, b.fmt)
    assert out.guest_tsc_at_resume == expected
    # B's TSC is ahead of A's by >= 1e13 - 4.5e9 * 2000 s, i.e. >= 1e12 ticks: the guest
    # jumps forward by far more than any blackout (10 s at most).
    jump_ns = out.vm.error_ns_at(out.resume_ns) - vm.error_ns_at(pause)
    assume(out.guest_tsc_at_resume >= out.guest_tsc_at_pause)  # no u64 wrap
    assert jump_ns > 20 * G


def test_export_round_trips_fields():
    a = Host("A", 3 * G, tsc_at_zero=5, boot_ns=-7 * G, wall_skew_ns=123)
    vm = boot_guest(a, G, 2 * G)
    d = export_time_data(vm, 4 * G + 9)
    assert d.wallclock_ns == 4 * G + 9 + 123
    assert d.hrtime - d.boot_hrtime == 3 * G + 9  # guest uptime
    assert d.guest_tsc == vm.guest_tsc_at(4 * G + 9)


def test_naive_between_formats_and_to_a_host_without_scaling():
    a = Host("A", 2 * G, fmt=tm.AMD_SVM)
    vm = boot_guest(a, 0, G)  # M = 2**31 in 8.32, i.e. 0.5
    to_intel = migrate(vm, Host("I", 2 * G, fmt=tm.INTEL_VMX), G, 0, Strategy.NAIVE)
    assert to_intel.mult == 1 << 47  # the same ratio 0.5, re-encoded in 16.48
    assert to_intel.offset == vm.offset
    to_plain = migrate(vm, Host("N", 2 * G, fmt=None), G, 0, Strategy.NAIVE)
    assert to_plain.mult is None  # no scaling there: the guest now ticks at 2 GHz
    assert to_plain.vm.guest_tsc_at(2 * G) - to_plain.vm.guest_tsc_at(G) == 2 * G


# --- bhyve's local leg: as written and as intended (vmm_data_write_vmm_time) ---------------


def test_issue_example_50_ms_leg_3_ghz_guest_on_2_5_ghz_host():
    """125,000,000 ticks added instead of 150,000,000: the guest resumes 8.33 ms behind."""
    assert local_leg_ticks(50_000_000, 3 * G, 2_500_000_000) == 125_000_000
    assert local_leg_ticks(50_000_000, 3 * G, 2_500_000_000, "intended") == 150_000_000
    b = Host("B", 2_500_000_000, tsc_at_zero=18_000 * 2_500_000_000, boot_ns=-18_000 * G)
    data = VmTimeData(3 * G, 10**12, b.hrtime_at(70 * G), 70, 0, 0)
    as_written = import_time_data(data, b, 70 * G + 50_000_000)
    intended = import_time_data(data, b, 70 * G + 50_000_000, local_leg=LocalLeg.INTENDED)
    t = 70 * G + 50_000_000
    assert intended.guest_tsc_at(t) - as_written.guest_tsc_at(t) == 25_000_000
    assert intended.guest_time_ns_at(t) - as_written.guest_time_ns_at(t) == 8_333_333
    assert as_written.mult == intended.mult  # the multiplier itself is right


@settings(max_examples=100, deadline=None)
@given(sc=scenarios(), later=st.integers(0, 10**11))
def test_bhyve_leg_differs_from_intended_by_a_constant(sc, later):
    """The two imports differ only in the ticks the local leg adds, forever after."""
    a, b, guest_hz, boot, pause, blackout, delay = sc
    vm = boot_guest(a, boot, guest_hz, enforce_limits=BHYVE_RULES[a.fmt])
    kw = dict(write_delay_ns=delay, enforce_limits=BHYVE_RULES[b.fmt])
    bhyve = migrate(vm, b, pause, blackout, Strategy.FULL_PROTOCOL, **kw)
    meant = migrate(vm, b, pause, blackout, Strategy.FULL_PROTOCOL, local_leg="intended", **kw)
    gap = tm.ns_to_ticks(delay, b.tsc_hz) - tm.ns_to_ticks(delay, guest_hz)
    t = bhyve.resume_ns + later
    assert (bhyve.vm.guest_tsc_at(t) - meant.vm.guest_tsc_at(t)) % U64 == gap % U64
    if b.tsc_hz == guest_hz or delay == 0:
        assert bhyve.vm == meant.vm


@given(st.integers(0, 10 * G), st.integers(10**6, 10**11), st.integers(10**6, 10**11))
def test_local_leg_with_a_prior_multiplier_is_the_scaled_host_ticks(delta, guest_hz, host_hz):
    fmt = tm.AMD_SVM
    assume(guest_hz < 15 * host_hz)
    m = tm.multiplier(guest_hz, host_hz, fmt)
    host_ticks = tm.ns_to_ticks(delta, host_hz)
    got = local_leg_ticks(delta, guest_hz, host_hz, prior_mult=m, fmt=fmt)
    assert got == tm.scale(host_ticks, m, fmt, wrap=True)
    # with the new multiplier in force it is within a few ticks of the guest ticks: the
    # host-tick floor (worth < guest_hz / host_hz + 1) and M's truncation (< host_ticks / 2**32)
    gap = local_leg_ticks(delta, guest_hz, host_hz, "intended") - got
    assert 0 <= gap <= guest_hz // host_hz + 2 + (host_ticks >> 32) + 1


def test_local_leg_rejects_bad_input():
    with pytest.raises(tm.InvalidInput, match="^leg must be a LocalLeg"):
        local_leg_ticks(1, G, G, "sideways")
    with pytest.raises(tm.InvalidInput, match="delta_ns"):
        local_leg_ticks(-1, G, G)
    with pytest.raises(tm.InvalidInput, match="prior_mult"):
        import_time_data(base(guest_freq=G), Host("X", G, fmt=None), 0, prior_mult=1 << 32)


def test_boot_hrtime_from_the_future_is_refused():
    """bhyve: EINVAL when boot_hrtime is later than the destination's hrtime now."""
    b = Host("B", G, boot_ns=-100 * G)  # hrtime 100 s at t = 0
    now = b.hrtime_at(0)
    ok = import_time_data(base(guest_freq=G, hrtime=now, boot_hrtime=now), b, 0)
    assert ok.boot_hrtime == now  # equal is accepted
    with pytest.raises(TimeDataFromFuture, match="boot_hrtime"):
        import_time_data(base(guest_freq=G, hrtime=now, boot_hrtime=now + 1), b, 0)


def test_frequency_is_checked_before_the_future():
    """vmm_data_write_vmm_time asks vmfreqratio first: EPERM wins over EINVAL."""
    b = Host("B", G, fmt=None, boot_ns=0)
    with pytest.raises(ScalingUnsupported):
        import_time_data(base(guest_freq=2 * G, hrtime=10**15), b, 0)
