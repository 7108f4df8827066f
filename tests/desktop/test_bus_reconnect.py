"""A lost D-Bus connection comes back: the tray is registered again, the lock watch hears again and
logind holds a new sleep inhibitor; exit while the bus is gone is clean.

Everything is real: dbus-daemons that are killed (SIGKILL) and started again at the same address,
the app's own DBusLoop, tray, session watcher and notifier, the logind stand-in
(tests/support/logind_stub.py), a watcher and screen-saver stand-in (tests/support/bus_standins.py), and for the
forced-disconnect case the real xfce4-panel SNI host and dunst. Waits poll real conditions.
"""

from __future__ import annotations

import logging
import queue
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED, PAUSE_SUSPENDED
from fhp_monitor.desktop.bus import DBusLoop
from fhp_monitor.desktop.notify.dbus import DBusNotifier
from fhp_monitor.desktop.session.dbus import INHIBIT_ARGS, SLEEP_RELEASE_WAIT_S, DBusSessionWatcher
from fhp_monitor.desktop.tray import make_tray
from tests.support import sni_host
from tests.support.bus_standins import RestartableBus, SessionStandins
from tests.support.desktop import Desktop, wait_until
from tests.support.logind_stub import Login1Stub
from tests.support.needs import need_programs, use_buses
from tests.support.running import fhp
from tests.support.session_parts import RecordingTarget

NOW = time.time()
NO_SYSTEM_BUS = "unix:path=/nonexistent/system_bus_socket"


def snapshot(state: PostureState) -> StatusSnapshot:
    return StatusSnapshot(state=state, since=NOW)


def said(caplog, words: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if words in r.getMessage()]


@pytest.fixture()
def restartable(tmp_path, monkeypatch):
    """A session and a "system" bus that can crash and come back at the same unix:path addresses."""
    need_programs("dbus-daemon")
    session, system = RestartableBus(tmp_path, "session").start(), RestartableBus(tmp_path, "system").start()
    use_buses(monkeypatch, session, system)
    yield session, system
    session.close()
    system.close()


def registered_item(address: str, name: str) -> list[str]:
    try:
        return [e for e in sni_host.registered(address) if e.startswith(name)]
    except (OSError, sni_host.HostError):  # the bus or the watcher is not (back) up yet
        return []


def test_bus_daemons_that_crash_and_come_back_get_tray_lock_watch_and_inhibitor_back(restartable, caplog):
    session, system = restartable
    caplog.set_level(logging.DEBUG, logger="fhp_monitor.desktop.bus")
    standins, logind = SessionStandins(session.address), Login1Stub(system.address)
    loop = DBusLoop(backoff_first_s=0.2, backoff_max_s=1.0).start()
    target = RecordingTarget()
    tray = make_tray("sni", queue.Queue().put, loop=loop)
    watcher = DBusSessionWatcher(target, loop)
    try:
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW) is True
        watcher.start()
        assert registered_item(session.address, tray.name)
        assert len(logind.held()) == 1

        session.kill()
        system.kill()
        lost = time.monotonic()
        standins.close()
        logind.close()
        # Noticed, and tried again more than once, with one line per connection in the log
        wait_until(lambda: len(said(caplog, "reconnect attempt")) >= 4, 15, "failed reconnect attempts")
        assert loop.reconnecting("session") and loop.reconnecting("system")
        assert len(said(caplog, "The D-Bus session connection was lost")) == 1
        assert len(said(caplog, "The D-Bus system connection was lost")) == 1
        tray.show(snapshot(PostureState.FORWARD), NOW)  # monitoring goes on: nothing raises meanwhile

        # The system bus comes back bare and logind joins it a moment later; the session bus comes back
        # with its watcher and a screen saver that was locked while we could not hear it.
        system.start()
        logind = Login1Stub(system.address)
        aside = session.start_aside()
        standins = SessionStandins(aside, active=True)
        session.go_live()

        wait_until(lambda: registered_item(session.address, tray.name), 15, "the item registered with the new watcher")
        back = time.monotonic()
        props = sni_host.item_properties(session.address, registered_item(session.address, tray.name)[0])
        assert props["Id"] == "fhp-monitor" and props["ToolTip"][3].startswith("Head drifting forward")
        wait_until(lambda: target.calls[-1:] == [("pause", PAUSE_SCREEN_LOCKED)], 10,
                   "a pause for the screen that locked while the bus was away")
        (held,) = wait_until(logind.held, 15, "a new sleep inhibitor with the new logind")
        assert [held.what, held.who, held.why, held.mode] == INHIBIT_ARGS
        assert loop.reconnects == {"session": 1, "system": 1}
        print(f"\nbus crash -> tray registered again: {back - lost:.2f} s")

        # The lock watch hears again, and the new inhibitor works.
        standins.set_active(False)
        wait_until(lambda: target.calls[-1:] == [("resume", PAUSE_SCREEN_LOCKED)], 5, "a resume on ActiveChanged")
        standins.set_active(True)
        wait_until(lambda: target.calls[-1:] == [("pause", PAUSE_SCREEN_LOCKED)], 5, "a pause on ActiveChanged")
        took = logind.suspend()
        assert took < SLEEP_RELEASE_WAIT_S and target.calls[-1] == ("pause", PAUSE_SUSPENDED)
    finally:
        tray.stop()
        watcher.stop()
        loop.close()
        standins.close()
        logind.close()
    assert registered_item(session.address, tray.name) == [], "stop() withdraws the item from the new watcher"


def drop_connection(loop: DBusLoop, how: str) -> str:
    """Cut the shared session connection from outside its users; returns its unique name."""
    async def drop() -> str:
        bus = await loop.session_bus()
        if how == "disconnect":
            bus.disconnect()
        else:  # the socket goes, as when dbus-fast drops a full socket (python-dbus-next #153)
            bus._sock.shutdown(socket.SHUT_RDWR)
        return bus.unique_name

    return loop.call(drop())


def name_owner(desktop: Desktop, name: str) -> str:
    out = subprocess.run(["dbus-send", "--session", "--print-reply=literal", "--dest=org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus.GetNameOwner", f"string:{name}"],
                         env=desktop.env, capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


@pytest.mark.gui
@pytest.mark.parametrize("how", ["disconnect", "socket"])
def test_a_dropped_connection_comes_back_to_xfce4_panel_dunst_and_the_lock_watch(
        sni_desktop: Desktop, monkeypatch, caplog, how: str) -> None:
    caplog.set_level(logging.INFO, logger="fhp_monitor")
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_SYSTEM_BUS)
    loop = DBusLoop().start()  # the app's back-off: the first retry comes after 1 s
    target = RecordingTarget()
    with sni_desktop.activate():
        tray = make_tray("sni", queue.Queue().put, loop=loop)
        watcher = DBusSessionWatcher(target, loop)
        notifier = DBusNotifier(loop=loop)
        try:
            assert tray.start(snapshot(PostureState.UPRIGHT), NOW) is True
            watcher.start()
            notifier.start()
            wait_until(lambda: registered_item(sni_desktop.bus_address, tray.name), 10, "the item registered")

            dropped = time.monotonic()
            old = drop_connection(loop, how)
            wait_until(lambda: (owner := name_owner(sni_desktop, tray.name)) and owner != old
                       and registered_item(sni_desktop.bus_address, tray.name), 20,
                       "the item on a new connection, registered with xfce4-panel again")
            print(f"\n{how}: connection dropped -> registered again: {time.monotonic() - dropped:.2f} s")
            assert loop.reconnects["session"] == 1
            assert len(said(caplog, "The D-Bus session connection was lost")) == 1

            subprocess.run(["dbus-send", "--session", "--type=signal", "/org/cinnamon/ScreenSaver",
                            "org.cinnamon.ScreenSaver.ActiveChanged", "boolean:true"], env=sni_desktop.env, check=True)
            wait_until(lambda: target.calls == [("pause", PAUSE_SCREEN_LOCKED)], 5, "a pause on ActiveChanged")

            notifier.notify("Back on the bus", f"after a {how}")
            assert wait_until(lambda: [n for n in sni_desktop.notifications()
                                       if n["summary"] == "Back on the bus" and n["body"] == f"after a {how}"],
                              10, "the notification through the new connection")
        finally:
            notifier.close()
            tray.stop()
            watcher.stop()
            loop.close()


def test_stopping_while_the_bus_is_gone_is_quick_and_quiet(restartable, caplog):
    """The users' stop() and close() while the loop is between reconnect attempts: no hang, no error."""
    session, system = restartable
    caplog.set_level(logging.DEBUG, logger="fhp_monitor")
    standins, logind = SessionStandins(session.address), Login1Stub(system.address)
    loop = DBusLoop().start()
    tray = make_tray("sni", queue.Queue().put, loop=loop)
    watcher = DBusSessionWatcher(RecordingTarget(), loop)
    try:
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW) is True
        watcher.start()
        session.kill()
        system.kill()
        wait_until(lambda: loop.reconnecting("session") and loop.reconnecting("system"), 10, "the loss noticed")
        started = time.monotonic()
        tray.stop()
        watcher.stop()
        loop.close()
        took = time.monotonic() - started
    finally:
        standins.close()
        logind.close()
    assert not loop.running and took < 2.0, f"stopping took {took:.2f} s"
    assert watcher.inhibitor_fd is None
    assert [r for r in caplog.records if r.levelno >= logging.WARNING and "was lost" not in r.getMessage()] == []
    assert [r for r in caplog.records if r.exc_info] == []


FAST_SETTINGS = """\
sampling:
  interval_s: 1
  fast_interval_s: 1
"""


@pytest.mark.gui
def test_the_app_quits_cleanly_while_its_buses_are_gone(restartable, desktop: Desktop, tmp_path: Path) -> None:
    from tests.support.real_photos import UPRIGHT
    from tests.support.recorded_day import build_recorded_day, calibration_folder

    session, system = restartable
    standins, logind = SessionStandins(session.address), Login1Stub(system.address)
    home = tmp_path / "home"
    env = dict(desktop.env, DBUS_SESSION_BUS_ADDRESS=session.address, DBUS_SYSTEM_BUS_ADDRESS=system.address)

    calibrated = fhp(home, "calibrate", "--no-gui", "--source", str(calibration_folder()), env=env)
    assert calibrated.returncode == 0, calibrated.stderr
    (home / "config.yaml").write_text(FAST_SETTINGS)
    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 2)])
    process = subprocess.Popen([sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source",
                                str(video), "--speed", "1"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: registered_item(session.address, f"org.kde.StatusNotifierItem-{process.pid}-"), 60,
                   "the app's tray item")
        wait_until(lambda: logind.held(), 15, "the app's sleep inhibitor")
        session.kill()
        system.kill()
        log_file = next(home.rglob("fhp-monitor.log"))
        wait_until(lambda: "The D-Bus session connection was lost" in log_file.read_text()
                   and "The D-Bus system connection was lost" in log_file.read_text(), 15, "the app to notice")
        asked = time.monotonic()
        quit_ = fhp(home, "quit", env=env)
        assert quit_.returncode == 0, quit_.stderr
        process.wait(timeout=30)
        took = time.monotonic() - asked
    finally:
        if process.poll() is None:
            process.terminate()
        _, err = process.communicate(timeout=30)
        standins.close()
        logind.close()
    print(f"\nquit with the buses gone -> exit: {took:.2f} s")
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    assert err.count("connection was lost") == 2, err
    assert took < 15, f"the app took {took:.1f} s to quit"


def test_a_logind_that_is_back_only_after_the_system_bus_is_watched_when_it_comes(restartable, caplog):
    """`systemctl restart dbus`: the bus is back first, logind joins it later; we wait for its name."""
    _session, system = restartable
    caplog.set_level(logging.INFO, logger="fhp_monitor")
    logind = Login1Stub(system.address)
    loop = DBusLoop(backoff_first_s=0.2, backoff_max_s=1.0).start()
    target = RecordingTarget()
    watcher = DBusSessionWatcher(target, loop)
    try:
        watcher.start()
        assert len(logind.held()) == 1
        system.kill()
        logind.close()
        wait_until(lambda: loop.reconnecting("system"), 10, "the loss noticed")
        system.start()
        wait_until(lambda: loop.reconnects["system"] == 1 and said(caplog, "there is no logind on the system bus"),
                   10, "the reconnect to a bus without logind")
        assert watcher.inhibitor_fd is None
        logind = Login1Stub(system.address)
        (held,) = wait_until(logind.held, 10, "a sleep inhibitor with logind once it is back")
        assert held.mode == "delay"
        logind.lock_session(True)
        wait_until(lambda: target.calls == [("pause", PAUSE_SCREEN_LOCKED)], 5, "a pause on Session.Lock")
        assert said(caplog, "logind appeared on the system bus")
    finally:
        watcher.stop()
        loop.close()
        logind.close()
