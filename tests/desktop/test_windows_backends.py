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


class RecordingTarget:
    """A worker stand-in: records pause/resume and lets go of its 'camera' at once."""

    def __init__(self) -> None:
        import threading

        self.calls: list[tuple[str, str | None]] = []
        self.released_for_pause, self.wake = threading.Event(), threading.Event()

    def pause(self, until, reason):
        self.calls.append(("pause", reason))
        self.released_for_pause.set()

    def resume(self, reason=None):
        self.calls.append(("resume", reason))


@on_windows
def test_the_session_window_pauses_on_lock_and_sleep_messages_sent_to_it():
    """The real window and message loop; the messages come from outside it, as Windows sends them."""
    import ctypes
    import os
    from ctypes import wintypes

    from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED, PAUSE_SUSPENDED
    from fhp_monitor.desktop.session import session_watcher_for
    from fhp_monitor.desktop.session import windows as session

    target = RecordingTarget()
    watcher = session_watcher_for(target, {})
    assert isinstance(watcher, session.WindowsSessionWatcher)
    watcher.start()
    try:
        user32 = ctypes.WinDLL("user32")
        user32.FindWindowExW.restype = wintypes.HWND
        user32.FindWindowExW.argtypes = (wintypes.HWND, wintypes.HWND, wintypes.LPCWSTR, wintypes.LPCWSTR)
        user32.SendMessageW.argtypes = (wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM)
        hwnd = user32.FindWindowExW(wintypes.HWND(session.HWND_MESSAGE), None, session.WINDOW_CLASS,
                                    f"fhp-monitor {os.getpid()}")
        assert hwnd, "the message-only window is findable"
        for message, event in [(session.WM_WTSSESSION_CHANGE, session.WTS_SESSION_LOCK),
                               (session.WM_WTSSESSION_CHANGE, session.WTS_SESSION_LOCK),  # twice: one pause
                               (session.WM_WTSSESSION_CHANGE, session.WTS_SESSION_UNLOCK),
                               (session.WM_POWERBROADCAST, session.PBT_APMSUSPEND),
                               (session.WM_POWERBROADCAST, session.PBT_APMRESUMEAUTOMATIC)]:
            user32.SendMessageW(hwnd, message, event, 0)  # returns once the window's thread handled it
        assert target.calls == [("pause", PAUSE_SCREEN_LOCKED), ("resume", PAUSE_SCREEN_LOCKED),
                                ("pause", PAUSE_SUSPENDED), ("resume", PAUSE_SUSPENDED)]
    finally:
        watcher.stop()
    assert watcher.hwnd is None  # the window and its loop ended


def test_windows_gets_the_win32_tray_and_a_tooltip_that_fits():
    from fhp_monitor.desktop.tray import backend_order
    from fhp_monitor.desktop.tray.win32 import MAX_TOOLTIP, windows_tooltip

    assert backend_order("win32", "") == ("win32",) and backend_order("darwin", "") == ("xembed",)
    assert backend_order("linux", "win32") == ("win32",)
    assert windows_tooltip("fhp-monitor: Sitting tall") == "fhp-monitor: Sitting tall"
    long = "fhp-monitor: paused while the computer sleeps, " + "and then some more words " * 6
    short = windows_tooltip(long)
    assert len(short) <= MAX_TOOLTIP and short.endswith("…") and long.startswith(short[:-1])


@on_windows
def test_the_win32_tray_starts_with_the_full_menu():
    """The real pystray win32 icon in Wine's notification area, with every entry of the shared menu."""
    from fhp_monitor.desktop.tray import MENU, make_tray

    sent = []
    tray = make_tray("win32", sent.append)
    assert tray.start()
    try:
        assert tray.has_menu and tray.backend == "win32"
        labels = [item.text for item in tray._icon.menu.items]
        assert labels == [label for group in MENU for _command, label in group]
    finally:
        tray.stop()
    assert not tray.running
