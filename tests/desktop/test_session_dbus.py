"""Suspend and logind locks against a logind stand-in on a private "system" bus (real dbus-daemon).

The watcher is the app's own (desktop/session_dbus.py) on a real DBusLoop; the stand-in
(tests/support/logind_stub.py) hands out real inhibitor file descriptors and notices, as logind does, when
every copy is closed. The suspend test drives the real MonitorWorker with real MediaPipe.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time

import pytest

from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED, PAUSE_SUSPENDED
from fhp_monitor.desktop.bus import DBusLoop
from fhp_monitor.desktop.session import NoSessionWatcher, session_watcher_for
from fhp_monitor.desktop.session.dbus import INHIBIT_ARGS, SLEEP_RELEASE_WAIT_S, DBusSessionWatcher
from tests.support.desktop import wait_until
from tests.support.logind_stub import Login1Stub, PrivateBus
from tests.support.needs import need_programs, use_buses
from tests.support.session_parts import RecordingTarget, RunningWorker


@pytest.fixture()
def buses(monkeypatch):
    """A private session bus and a private "system" bus, pointed at by the environment."""
    need_programs("dbus-daemon")
    session, system = PrivateBus(), PrivateBus()
    use_buses(monkeypatch, session, system)
    yield session, system
    session.close()
    system.close()


@pytest.fixture()
def logind(buses):
    stub = Login1Stub(buses[1].address)
    yield stub
    stub.close()


@pytest.fixture()
def loop():
    loop = DBusLoop().start()
    yield loop
    loop.close()


def watching(target, loop) -> DBusSessionWatcher:
    watcher = DBusSessionWatcher(target, loop)
    watcher.start()
    return watcher


def test_suspend_releases_the_camera_before_the_machine_sleeps_and_resumes_after(logind, loop):
    running = RunningWorker()
    watcher = None
    try:
        # Two whole looks done (the model's slow first one among them): the worker now waits between looks.
        wait_until(lambda: running.worker.looks >= 2, 30, "two finished looks")
        watcher = watching(running.worker, loop)
        (held,) = logind.held()
        assert [held.what, held.who, held.why, held.mode] == INHIBIT_ARGS

        before = time.monotonic()
        took = logind.suspend()  # returns once our delay inhibitor fd is closed (or logind's 5 s bound)
        asleep = time.monotonic()
        print(f"\nPrepareForSleep(true) -> inhibitor closed: {took * 1000:.1f} ms")
        assert took < SLEEP_RELEASE_WAIT_S, "logind had to wait out its own bound: we never let go"
        released = running.camera.times("release", before)
        assert released and released[0] <= before + took, "the camera was still open when the machine went to sleep"
        assert running.worker.snapshot().state is PostureState.PAUSED
        assert running.worker.snapshot().pause_reason == PAUSE_SUSPENDED
        assert logind.held() == []

        logind.wake()
        wait_until(lambda: running.worker.snapshot().state is not PostureState.PAUSED, 10, "the worker to resume")
        woke = time.monotonic()
        assert [t for t in running.camera.times("read", released[0]) if t < asleep] == [], "a look while asleep"
        running.wait_for_looks(1, after=woke)
        (again,) = wait_until(logind.held, 10, "a new delay inhibitor after the wake-up")
        assert again.mode == "delay" and again is not held
        assert watcher.last_sleep_release_s is not None and watcher.last_sleep_release_s < SLEEP_RELEASE_WAIT_S
    finally:
        if watcher is not None:
            watcher.stop()
        running.close()
    assert logind.held() == [], "stopping the watcher must give the inhibitor back"


def test_a_worker_that_never_lets_go_delays_sleep_only_for_the_bound(logind, loop):
    target = RecordingTarget(releases=False)
    watcher = watching(target, loop)
    try:
        took = logind.suspend(max_delay_s=5.0)
        assert SLEEP_RELEASE_WAIT_S - 0.05 <= took < SLEEP_RELEASE_WAIT_S + 1.0
        assert target.calls == [("pause", PAUSE_SUSPENDED)]
        assert watcher.last_sleep_release_s is not None
    finally:
        watcher.stop()


def test_logind_lock_unlock_and_locked_hint_pause_and_resume(logind, loop):
    target = RecordingTarget()
    watcher = watching(target, loop)
    try:
        logind.lock_session(True)
        wait_until(lambda: target.calls == [("pause", PAUSE_SCREEN_LOCKED)], 5, "a pause on Session.Lock")
        logind.lock_session(False)
        wait_until(lambda: target.calls[-1:] == [("resume", PAUSE_SCREEN_LOCKED)], 5, "a resume on Session.Unlock")
        logind.set_locked_hint(True)
        wait_until(lambda: target.calls[-1:] == [("pause", PAUSE_SCREEN_LOCKED)], 5, "a pause on LockedHint")
        logind.set_locked_hint(False)
        wait_until(lambda: target.calls[-1:] == [("resume", PAUSE_SCREEN_LOCKED)], 5, "a resume on LockedHint")
        assert len(target.calls) == 4
        assert logind.manager.session_lookups == [("GetSessionByPID", os.getpid())]
    finally:
        watcher.stop()


def test_an_app_started_in_a_locked_session_pauses_before_its_first_look(logind, loop, monkeypatch):
    monkeypatch.setenv("XDG_SESSION_ID", "c7")
    logind.set_locked_hint(True)
    target = RecordingTarget()
    watcher = watching(target, loop)  # start() waits for the initial state
    try:
        assert target.calls == [("pause", PAUSE_SCREEN_LOCKED)]
        assert logind.manager.session_lookups == [("GetSession", "c7")]
    finally:
        watcher.stop()


def test_signals_from_anyone_but_logind_are_ignored(logind, loop, buses):
    target = RecordingTarget()
    watcher = watching(target, loop)
    try:
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=buses[1].address)
        subprocess.run(["dbus-send", "--session", "--type=signal", "/org/freedesktop/login1",
                        "org.freedesktop.login1.Manager.PrepareForSleep", "boolean:true"], env=env, check=True)
        logind.lock_session(True)  # the real one, sent after the fake one: its pause proves the fake was read
        wait_until(lambda: target.calls, 5, "the real Session.Lock")
        assert target.calls == [("pause", PAUSE_SCREEN_LOCKED)]
        assert len(logind.held()) == 1  # the fake PrepareForSleep did not make us let go
    finally:
        watcher.stop()


def test_no_system_bus_is_said_once_and_screen_savers_are_still_watched(buses, loop, monkeypatch, caplog):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system_bus_socket")
    target = RecordingTarget()
    with caplog.at_level(logging.INFO, logger="fhp_monitor"):
        watcher = watching(target, loop)
    try:
        said = [r.getMessage() for r in caplog.records if "suspend and logind locks are not watched" in r.getMessage()]
        assert len(said) == 1 and "system bus cannot be reached" in said[0]
        subprocess.run(["dbus-send", "--session", "--type=signal", "/org/mate/ScreenSaver",
                        "org.mate.ScreenSaver.ActiveChanged", "boolean:true"], check=True)
        wait_until(lambda: target.calls == [("pause", PAUSE_SCREEN_LOCKED)], 5, "a pause on MATE's ActiveChanged")
        subprocess.run(["dbus-send", "--session", "--type=signal", "/org/mate/ScreenSaver",
                        "org.mate.ScreenSaver.ActiveChanged", "boolean:false"], check=True)
        wait_until(lambda: target.calls[-1:] == [("resume", PAUSE_SCREEN_LOCKED)], 5, "a resume")
    finally:
        watcher.stop()


def test_a_system_bus_without_logind_is_said_once(buses, loop, caplog):
    target = RecordingTarget()
    with caplog.at_level(logging.INFO, logger="fhp_monitor"):
        watcher = watching(target, loop)
    watcher.stop()
    said = [r.getMessage() for r in caplog.records if "not watched" in r.getMessage()]
    assert said == ["suspend and logind locks are not watched: there is no logind on the system bus"]
    assert watcher.inhibitor_fd is None and target.calls == []


def test_the_backend_is_chosen_by_the_machine_and_the_environment(caplog):
    target = RecordingTarget()
    assert isinstance(session_watcher_for(target, {"FHP_MONITOR_SESSION": "none"}, "linux"), NoSessionWatcher)
    assert isinstance(session_watcher_for(target, {}, "win32"), NoSessionWatcher)  # the window needs real Windows
    assert isinstance(session_watcher_for(target, {"FHP_MONITOR_SESSION": "windows"}, "linux"), NoSessionWatcher)
    loop = DBusLoop()  # never started: choosing a backend connects to nothing
    assert isinstance(session_watcher_for(target, {}, "linux", loop=loop), DBusSessionWatcher)
    assert isinstance(session_watcher_for(target, {"FHP_MONITOR_SESSION": "dbus"}, "darwin", loop=loop),
                      DBusSessionWatcher)
    with caplog.at_level(logging.INFO, logger="fhp_monitor"):
        chosen = session_watcher_for(target, {"FHP_MONITOR_SESSION": "maybe"}, "sunos")
        chosen.start()
        chosen.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert any("FHP_MONITOR_SESSION must be one of dbus, windows, none, got 'maybe'" in m for m in messages)
    assert any(m.startswith("screen lock and sleep are not watched: fhp-monitor does not read them on sunos")
               for m in messages)
