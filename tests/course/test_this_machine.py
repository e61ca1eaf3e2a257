"""host_info: pure parsers on sample texts, and the reader on fake file systems."""

from __future__ import annotations

import pytest

from tsccourse.this_machine import (
    TSC_FLAG_MEANINGS,
    parse_cpu_flags,
    parse_cpu_mhz,
    parse_dmesg_tsc_hz,
    parse_khz_file,
    read_host_info,
    tsc_flags,
)
from tscmath import InvalidInput

EPYC_GUEST = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC
cpu MHz\t\t: 2445.404
flags\t\t: fpu tsc msr rdtscp lm constant_tsc nonstop_tsc tsc_known_freq hypervisor tsc_adjust

processor\t: 1
flags\t\t: fpu tsc
"""

CS = "sys/devices/system/clocksource/clocksource0/"
OLD_LAPTOP = "processor : 0\nflags : fpu tsc msr\ncpu MHz : 800.000\n"


def test_flags_come_from_the_first_flags_line_only():
    flags = parse_cpu_flags(EPYC_GUEST)
    assert "nonstop_tsc" in flags and "hypervisor" in flags
    assert "flags" not in flags and ":" not in flags


def test_no_flags_line_is_an_error_naming_the_parameter():
    with pytest.raises(InvalidInput, match="cpuinfo_text"):
        parse_cpu_flags("Processor : ARMv7\n")


def test_invariant_needs_both_constant_and_nonstop():
    assert tsc_flags(parse_cpu_flags(EPYC_GUEST))["invariant_tsc"] is True
    assert tsc_flags({"constant_tsc"})["invariant_tsc"] is False
    assert tsc_flags({"nonstop_tsc"})["invariant_tsc"] is False
    assert set(tsc_flags(set())) == set(TSC_FLAG_MEANINGS)


def test_cpu_mhz_is_kept_as_text():
    assert parse_cpu_mhz(EPYC_GUEST) == "2445.404"
    assert parse_cpu_mhz("flags : tsc") is None


@pytest.mark.parametrize(
    ("text", "hz"),
    [
        ("[    0.000000] tsc: Detected 2445.404 MHz processor", 2_445_404_000),
        (
            "tsc: Detected 3000.000 MHz processor\ntsc: Refined TSC clocksource calibration: "
            "2999.998 MHz",
            2_999_998_000,
        ),
        ("[0.0] tsc: Detected TSC frequency 2100 MHz", 2_100_000_000),
        ("clocksource: Switched to clocksource kvm-clock", None),
    ],
)
def test_dmesg_lines(text, hz):
    assert parse_dmesg_tsc_hz(text) == hz


def test_khz_file():
    assert parse_khz_file("2445404\n") == 2_445_404_000
    for bad in ["", "-5", "0", "12.5", "fast"]:
        with pytest.raises(InvalidInput, match="tsc_freq_khz"):
            parse_khz_file(bad)


def _fake_root(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_reader_on_a_full_linux(tmp_path):
    root = _fake_root(
        tmp_path,
        {
            CS + "current_clocksource": "tsc\n",
            CS + "available_clocksource": "tsc hpet acpi_pm\n",
            "proc/cpuinfo": EPYC_GUEST,
            "sys/devices/system/cpu/cpu0/tsc_freq_khz": "2445404\n",
        },
    )
    info = read_host_info(root, platform="linux")
    assert info.clocksource == "tsc"
    assert info.available_clocksources == ("tsc", "hpet", "acpi_pm")
    assert info.flags["tsc_known_freq"] and not info.flags["tsc_scale"]
    assert info.tsc_hz == 2_445_404_000
    assert info.unreadable == {}
    summary = "\n".join(info.summary())
    assert "NOT the TSC rate" in summary and "2,445,404,000 Hz" in summary
    assert "2445.404" not in "\n".join(info.summary(show_cpu_mhz=False))


def test_reader_says_what_it_could_not_read(tmp_path):
    root = _fake_root(tmp_path, {"proc/cpuinfo": OLD_LAPTOP})
    info = read_host_info(root, platform="linux")
    assert info.clocksource is None and info.tsc_hz is None
    assert info.flags["invariant_tsc"] is False
    assert "does not exist" in info.unreadable["clocksource"]
    assert "cpu MHz is not the TSC rate" in info.unreadable["TSC frequency"]
    assert any(line.startswith("could not read clocksource") for line in info.summary())


def test_reader_on_a_non_x86_cpuinfo(tmp_path):
    root = _fake_root(tmp_path, {"proc/cpuinfo": "Processor : ARMv7\n"})
    info = read_host_info(root, platform="linux")
    assert info.flags is None and "flags" in info.unreadable["cpu flags"]


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_reader_elsewhere_reads_nothing_and_says_why(platform):
    info = read_host_info(platform=platform)
    assert info.flags is None and info.clocksource is None
    assert all(platform in why for why in info.unreadable.values())
