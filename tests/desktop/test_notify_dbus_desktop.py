"""DBusNotifier against a real dunst: nudges expire by themselves, replace each other, carry the
app icon and Snooze/Pause buttons that a user presses through dunst's own context menu."""

from __future__ import annotations

import os
import queue
import subprocess
import sys

import pytest

from fhp_monitor.core.commands import PAUSE_TOMORROW, SNOOZE_30, Command
from fhp_monitor.core.ports import NOTIFY_NUDGE, NotificationError
from fhp_monitor.desktop.bus import DBusLoop, close_shared_loop
from fhp_monitor.desktop.notify import RecordingNotifier, backend_order, notifier_for
from fhp_monitor.desktop.notify.dbus import NO_BUTTONS_HINT, DBusNotifier, app_icon_path
from fhp_monitor.desktop.notify.plyer import PlyerNotifier
from tests.support.desktop import BUS_CONFIG, Desktop, wait_until

pytestmark = pytest.mark.gui


@pytest.fixture()
def notifier(desktop: Desktop):
    """A DBusNotifier on its own loop, talking to the test desktop's dunst; yields (notifier, actions)."""
    actions: queue.Queue[Command] = queue.Queue()
    loop = DBusLoop().start()
    subprocess.run(["dunstctl", "close-all"], env=desktop.env, check=True)
    with desktop.activate():
        notifier = DBusNotifier(actions.put, loop=loop).start()
        try:
            yield notifier, actions
        finally:
            notifier.close()
            loop.close()
            subprocess.run(["dunstctl", "close-all"], env=desktop.env, check=True)


def test_dunst_is_found_with_its_buttons(notifier) -> None:
    notifier, _actions = notifier
    assert notifier.has_actions and notifier.server.startswith("dunst")
    assert os.path.isfile(app_icon_path())


@pytest.mark.parametrize("label, command", [("Snooze 30 min", SNOOZE_30), ("Pause for today", PAUSE_TOMORROW)])
def test_pressing_a_nudge_button_in_dunst_sends_its_command(desktop: Desktop, notifier, label, command) -> None:
    notifier, actions = notifier
    notifier.notify("A gentle posture check", "Let your head float back.", kind=NOTIFY_NUDGE)
    picked = desktop.press_button(label)
    assert picked.startswith(f"#{label} (A gentle posture check)")
    assert actions.get(timeout=5) == command


def test_a_nudge_replaces_the_previous_nudge_but_not_an_info(desktop: Desktop, notifier) -> None:
    notifier, _actions = notifier
    notifier.notify("Your posture today", "Mostly sitting tall.")
    notifier.notify("A gentle posture check", "first nudge", kind=NOTIFY_NUDGE)
    notifier.notify("Still leaning in?", "second nudge", kind=NOTIFY_NUDGE)
    wait_until(lambda: desktop.displayed_count() == 2, 5, "one info and one nudge on screen")
    summaries = {n["summary"] for n in desktop.notifications()}  # closes them, then reads the history
    assert {"Your posture today", "Still leaning in?"} <= summaries
    assert "first nudge" not in {n["body"] for n in desktop.notifications()}, "the first nudge was stacked"


def test_nudges_and_infos_expire_with_their_own_timeouts(desktop: Desktop, notifier) -> None:
    notifier, _actions = notifier
    notifier.notify("A gentle posture check", "expiry check nudge", kind=NOTIFY_NUDGE)
    notifier.notify("Settings not changed", "expiry check info")
    subprocess.run(["dunstctl", "close-all"], env=desktop.env, check=True)
    timeouts = {n["body"]: n["timeout"] for n in desktop.history()}
    assert timeouts["expiry check nudge"] == 20_000_000  # microseconds in dunst's history
    assert timeouts["expiry check info"] == 10_000_000


def test_a_nudge_leaves_the_screen_by_itself(desktop: Desktop) -> None:
    loop = DBusLoop().start()
    subprocess.run(["dunstctl", "close-all"], env=desktop.env, check=True)
    try:
        with desktop.activate():
            short = DBusNotifier(loop=loop, nudge_timeout_s=1.5).start()
            short.notify("A gentle posture check", "this one goes away", kind=NOTIFY_NUDGE)
            wait_until(lambda: desktop.displayed_count() == 1, 5, "the nudge on screen")
            entry = wait_until(lambda: [n for n in desktop.history() if n["body"] == "this one goes away"], 15,
                               "the nudge to expire into the history without anyone closing it")[0]
            assert entry["timeout"] == 1_500_000 and desktop.displayed_count() == 0
            short.close()
    finally:
        loop.close()


def test_a_server_without_buttons_gets_a_line_that_says_how_to_pause(tmp_path, monkeypatch) -> None:
    """A real notification server on a private bus that, like some minimal servers, lists no
    'actions' capability (a 30-line dbus-fast service: records what it is sent)."""
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG.format(tmpdir=tmp_path))
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, text=True)
    server = None
    try:
        address = bus.stdout.readline().strip()
        server = subprocess.Popen([sys.executable, "-c", SERVER],
                                  env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address),
                                  stdout=subprocess.PIPE, text=True)
        assert server.stdout.readline().strip() == "ready"
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        loop = DBusLoop().start()
        try:
            plain = DBusNotifier(loop=loop).start()
            assert not plain.has_actions
            plain.notify("A gentle posture check", "Let your head float back.", kind=NOTIFY_NUDGE)
            plain.notify("Your posture today", "Mostly sitting tall.")
        finally:
            loop.close()
        received = [server.stdout.readline().strip() for _ in range(2)]
        assert received[0] == repr(["A gentle posture check", f"Let your head float back.\n{NO_BUTTONS_HINT}", []])
        assert received[1] == repr(["Your posture today", "Mostly sitting tall.", []])
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        bus.terminate()
        bus.wait(10)


SERVER = r'''
import asyncio
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method

class Server(ServiceInterface):
    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
    @method()
    def GetCapabilities(self) -> "as":
        return ["body"]
    @method()
    def GetServerInformation(self) -> "ssss":
        return ["plain", "test", "1", "1.2"]
    @method()
    def Notify(self, app: "s", replaces: "u", icon: "s", summary: "s", body: "s", actions: "as",
               hints: "a{sv}", timeout: "i") -> "u":
        print(repr([summary, body, actions]), flush=True)
        return 1

async def main():
    bus = await MessageBus().connect()
    bus.export("/org/freedesktop/Notifications", Server())
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await asyncio.Future()

asyncio.run(main())
'''


def test_notifier_for_picks_dbus_with_a_server_and_plyer_without(desktop: Desktop, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FHP_MONITOR_NOTIFY", raising=False)
    close_shared_loop()
    try:
        with desktop.activate():
            chosen = notifier_for()
            assert isinstance(chosen, DBusNotifier)
            chosen.close()
        close_shared_loop()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus-here'}")
        assert isinstance(notifier_for(), PlyerNotifier)
        monkeypatch.setenv("FHP_MONITOR_NOTIFY", "plyer")
        with desktop.activate():
            assert isinstance(notifier_for(), PlyerNotifier)
    finally:
        close_shared_loop()
    assert backend_order("win32", "") == ("windows", "plyer") and backend_order("darwin", "") == ("plyer",)
    assert backend_order("linux", "") == ("dbus", "plyer") and backend_order("linux", "plyer") == ("plyer",)
    with pytest.raises(ValueError, match="FHP_MONITOR_NOTIFY"):
        backend_order("linux", "growl")


def test_no_bus_at_all_is_a_plain_notification_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus-here'}")
    loop = DBusLoop().start()
    try:
        with pytest.raises(NotificationError, match="no desktop bus|cannot be reached"):
            DBusNotifier(loop=loop).start()
    finally:
        loop.close()


def test_kinds_are_checked_and_recorded() -> None:
    recording = RecordingNotifier()
    recording.notify("A gentle posture check", "one", kind=NOTIFY_NUDGE)
    recording.notify("Your posture today", "two")
    assert recording.kinds == ["nudge", "info"]
    with pytest.raises(ValueError, match="kind"):
        recording.notify("A gentle posture check", "three", kind="urgent")
    with pytest.raises(ValueError, match="kind"):
        DBusNotifier().notify("A gentle posture check", "three", kind="urgent")
