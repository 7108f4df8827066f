"""Reminders on Windows (desktop/notify/windows.py): the choice everywhere; the real balloons in the
Windows lane, inside the Windows Python under Wine, whose explorer.exe draws them (skipped elsewhere)."""

from __future__ import annotations

import sys
import time

import pytest

from fhp_monitor.core.commands import PANEL
from fhp_monitor.core.ports import NOTIFY_NUDGE
from fhp_monitor.desktop.notify import backend_order

on_windows = pytest.mark.skipif(sys.platform != "win32", reason="real Win32 calls: the Windows lane (under Wine)")


def test_windows_gets_balloons_first_and_the_override_still_rules():
    assert backend_order("win32", "") == ("windows", "plyer")
    assert backend_order("win32", "plyer") == ("plyer",) and backend_order("win32", "windows") == ("windows",)
    assert backend_order("linux", "") == ("dbus", "plyer")


def test_text_too_long_for_a_balloon_is_cut_at_a_word():
    from fhp_monitor.desktop.notify.windows import fit

    assert fit("Time to sit tall", 63) == "Time to sit tall"
    long = "Your head has drifted forward for a while now, " * 8
    short = fit(long, 255)
    assert len(short) <= 255 and short.endswith("…") and long.startswith(short[:-1])


def wait_for(condition, seconds: float, what: str):
    """Poll Wine's explorer.exe (another process, no event to wait on) until ``condition()`` is truthy."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


@on_windows
def test_a_balloon_is_shown_replaces_the_last_leaves_by_itself_and_a_click_opens_the_panel():
    """No tray here: the notifier's own icon comes with the balloon and goes with it."""
    from fhp_monitor.desktop.notify import notifier_for
    from fhp_monitor.desktop.notify.windows import NIN_BALLOONUSERCLICK, OWN_CALLBACK, WindowsNotifier
    from tests.support.win_shell import _user32, balloons

    assert isinstance(notifier_for(), WindowsNotifier)
    sent = []
    notifier = WindowsNotifier(sent.append, nudge_timeout_s=1)
    try:
        notifier.notify("Time to sit tall", "Your head has drifted forward.", kind=NOTIFY_NUDGE)
        first = wait_for(balloons, 15, "the first balloon")
        assert "Your head has drifted forward." in first[0]["text"]
        assert "Click here for the pause buttons." in first[0]["text"]  # a balloon has no buttons
        notifier.notify("Still drifting", "A second reminder.", kind=NOTIFY_NUDGE)
        second = wait_for(lambda: [b for b in balloons() if "A second reminder." in b["text"]], 15, "the second")
        assert len(balloons()) == 1 and len(second) == 1  # replaced, not stacked
        hwnd = notifier._own.hwnd
        _user32().SendMessageW(hwnd, OWN_CALLBACK, 1, NIN_BALLOONUSERCLICK)  # what the shell sends on a click
        assert sent == [PANEL]
        notifier.notify("Once more", "A third reminder.", kind=NOTIFY_NUDGE)
        wait_for(lambda: [b for b in balloons() if "A third reminder." in b["text"]], 15, "the third")
        wait_for(lambda: not balloons(), 20, "the balloon leaving by itself")  # 1 s + the icon's 5 s
    finally:
        notifier.close()
    assert sent == [PANEL]


@on_windows
def test_the_tray_lends_its_icon_and_hands_over_the_balloon_click():
    """With the tray up, the balloon comes from the tray's own icon (one icon, not two) and the
    click reaches the reminder through the tray's real window procedure."""
    import os

    from fhp_monitor.core.commands import MENU, RESUME
    from fhp_monitor.core.i18n import _
    from fhp_monitor.desktop.notify.windows import WindowsNotifier, _Lent
    from fhp_monitor.desktop.tray import make_tray
    from tests.support.win_shell import balloons, click_tray_balloon

    sent = []
    tray = make_tray("win32", lambda command: None)
    assert tray.start()
    notifier = WindowsNotifier(sent.append)
    try:
        assert _Lent.icon == (tray._icon._hwnd, 0)
        notifier.notify("Time to sit tall", "From the tray's icon.", kind=NOTIFY_NUDGE)
        assert notifier._own is None  # no second icon
        wait_for(lambda: [b for b in balloons() if "From the tray's icon." in b["text"]], 15, "the balloon")
        assert click_tray_balloon(os.getpid()) >= 1
        assert sent == [PANEL]
        expected = [_(label) + (" (greyed)" if command == RESUME else "") for group in MENU for command, label in group]
        assert tray.menu_items() == expected  # as Windows holds the menu: Resume greyed while not paused
    finally:
        notifier.close()
        tray.stop()
    assert _Lent.icon is None
