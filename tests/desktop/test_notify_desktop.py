"""PlyerNotifier against a real dunst on a real session bus, and its defined failures."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from fhp_monitor.core.messages import choose_nudge
from fhp_monitor.core.ports import NotificationError
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.desktop.notify.plyer import PlyerNotifier
from tests.support.desktop import BUS_CONFIG, Desktop


def test_a_nudge_reaches_the_notification_daemon(desktop: Desktop) -> None:
    title, body = choose_nudge(level=1, counter=1, include_exercises=True)
    with desktop.activate():
        PlyerNotifier(app_name="fhp-monitor").notify(title, body)
    assert {"appname": "fhp-monitor", "summary": title, "body": body} in desktop.notifications()


def test_two_nudges_arrive_in_order(desktop: Desktop) -> None:
    notifier = PlyerNotifier()
    with desktop.activate():
        notifier.notify("A gentle posture check", "first of two")
        notifier.notify("Still leaning in?", "second of two")
    bodies = [n["body"] for n in desktop.notifications()]
    assert bodies.index("second of two") < bodies.index("first of two")  # history is newest first


def test_no_session_bus_raises_a_plain_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus-here'}")
    with pytest.raises(NotificationError, match="No notification service"):
        PlyerNotifier().notify("A gentle posture check", "nobody will see this")


def test_a_bus_without_a_notification_daemon_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bus.conf"
    config.write_text(BUS_CONFIG.format(tmpdir=tmp_path))
    bus = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, text=True)
    try:
        address = bus.stdout.readline().strip()  # printed once the bus listens
        assert address.startswith("unix:"), address
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        with pytest.raises(NotificationError, match="No notification service"):
            PlyerNotifier().notify("A gentle posture check", "nobody will see this")
    finally:
        bus.terminate()
        bus.wait(timeout=5)


def test_missing_notify_send_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if PlyerNotifier.backend_name() != "NotifySendNotification":
        pytest.fail("expected plyer's notify-send backend (python-dbus is not a dependency)")
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no notify-send, no gdbus
    with pytest.raises(NotificationError, match="libnotify-bin"):
        PlyerNotifier().notify("A gentle posture check", "nobody will see this")


@pytest.mark.parametrize("title, message, error", [
    ("", "body", ValueError), ("title", "   ", ValueError), ("-t 0", "body", ValueError), (None, "body", TypeError),
])
def test_bad_text_is_rejected_before_reaching_the_desktop(title, message, error) -> None:
    with pytest.raises(error, match="notification"):
        PlyerNotifier().notify(title, message)
    with pytest.raises(error, match="notification"):
        RecordingNotifier().notify(title, message)


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        PlyerNotifier(timeout_s=0)
    with pytest.raises(ValueError, match="app_name"):
        PlyerNotifier(app_name="")


def test_recording_notifier_records_and_can_fail() -> None:
    notifier = RecordingNotifier()
    notifier.notify("A gentle posture check", "one")
    notifier.fail_with = NotificationError("refused")
    with pytest.raises(NotificationError, match="refused"):
        notifier.notify("A gentle posture check", "two")
    assert notifier.sent == [("A gentle posture check", "one")]


def test_desktop_env_points_subprocesses_at_the_private_desktop(desktop: Desktop) -> None:
    assert desktop.env["DISPLAY"] == desktop.display != os.environ.get("DISPLAY")
    subprocess.run(["notify-send", "-a", "harness", "Harness check", "via env"], env=desktop.env, check=True)
    assert {"appname": "harness", "summary": "Harness check", "body": "via env"} in desktop.notifications()
