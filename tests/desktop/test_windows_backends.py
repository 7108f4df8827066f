"""The Windows backends of idle, power and calls. The pure parts run everywhere; the real Win32 calls
run in the Windows lane, inside the Windows Python under Wine (skipped elsewhere)."""

from __future__ import annotations

import sys

import pytest

from fhp_monitor.desktop import calls
from fhp_monitor.desktop.calls.windows import normalise
from fhp_monitor.desktop.idle import idle_probe_for
from fhp_monitor.desktop.power import PowerReading, power_probe_for
from fhp_monitor.desktop.power.windows import reading_from_power_status

on_windows = pytest.mark.skipif(sys.platform != "win32", reason="real Win32 calls: the Windows lane (under Wine)")


def test_process_names_are_lower_case_without_exe_and_new_teams_is_teams():
    assert normalise("Zoom.exe") == {"zoom"}
    assert normalise("ms-teams.exe") == {"ms-teams", "teams"}
    assert normalise("Teams.exe") == {"teams"}
    assert normalise("CiscoCollabHost.EXE") == {"ciscocollabhost"}


def test_power_status_fields_become_a_reading():
    assert reading_from_power_status(0, 0, 35) == PowerReading(True, 35.0)    # unplugged, 35 %
    assert reading_from_power_status(1, 8, 80) == PowerReading(False, 80.0)   # charging
    assert reading_from_power_status(1, 128, 255) is None                     # a desktop: no battery
    assert reading_from_power_status(0, 1, 255) == PowerReading(True, None)   # charge unknown


@on_windows
def test_the_running_programs_include_this_python():
    names = calls.running_names()
    assert "python" in names and all(name == name.lower() and not name.endswith(".exe") for name in names)
    assert calls.any_running(["zoom-that-is-not-running", "python"]) == "python"
    assert calls.any_running(["zoom-that-is-not-running"]) is None


@on_windows
def test_idle_time_comes_from_getlastinputinfo():
    probe = idle_probe_for({})
    assert probe is not None
    first = probe()
    assert first is not None and 0.0 <= first < 49.8 * 24 * 3600  # GetTickCount wraps after 49.7 days


@on_windows
def test_the_battery_comes_from_getsystempowerstatus():
    probe, name = power_probe_for({})
    assert probe is not None and name == "GetSystemPowerStatus"
    reading = probe()  # Wine reports its host's battery, or none (a CI machine: None)
    assert reading is None or (isinstance(reading.on_battery, bool) and
                               (reading.percent is None or 0.0 <= reading.percent <= 100.0))
