"""Input idle on a real X server (Xvfb): the MIT-SCREEN-SAVER counter, reset by XTEST input (xdotool)."""

from __future__ import annotations

import logging
import threading

import pytest

from fhp_monitor.desktop.bus import DBusLoop
from fhp_monitor.desktop.idle import (
    MAX_POLL_WHILE_IDLE_S,
    POLL_WHILE_PAUSED_S,
    RETURN_AFTER_S,
    IdleWatcher,
    idle_probe_for,
    next_poll_s,
)
from fhp_monitor.desktop.idle.x11 import XIdleProbe
from fhp_monitor.desktop.session import start_session_awareness
from tests.support.desktop import wait_until

pytestmark = pytest.mark.gui


@pytest.fixture()
def probe(desktop):
    probe = XIdleProbe(desktop.display)
    yield probe
    probe.close()


def test_idle_time_counts_up_and_a_key_or_a_mouse_move_resets_it(desktop, probe):
    idle = wait_until(lambda: (seconds := probe()) >= 0.3 and seconds, 10, "0.3 s without input")
    desktop.run("xdotool", "key", "shift")
    wait_until(lambda: probe() < idle, 5, "the key press to reset the idle time")
    idle = wait_until(lambda: (seconds := probe()) >= 0.3 and seconds, 10, "0.3 s without input")
    desktop.run("xdotool", "mousemove_relative", "--", "3", "2")
    wait_until(lambda: probe() < idle, 5, "the mouse move to reset the idle time")


def test_the_worker_is_woken_when_input_returns_after_a_long_idle(desktop, probe):
    loop = DBusLoop().start()
    woken = threading.Event()
    watcher = IdleWatcher(probe, woken.set, loop, return_after_s=0.5, poll_s=0.05)
    try:
        desktop.run("xdotool", "key", "shift")  # short idle: input now is not a "return"
        wait_until(lambda: probe() < 0.4, 5, "the server to count the key press")  # XTEST input is queued
        watcher.start()
        wait_until(lambda: probe() >= 0.7, 10, "a long idle")
        assert not woken.is_set() and watcher.returns == 0
        desktop.run("xdotool", "key", "shift")
        wait_until(woken.is_set, 5, "the wake-up when input returned")
        assert watcher.returns == 1
    finally:
        watcher.stop()
        loop.close()


def test_the_app_wiring_gives_the_worker_its_idle_time(desktop, monkeypatch):
    class Worker:
        def __init__(self) -> None:
            self.released_for_pause, self.wake = threading.Event(), threading.Event()
            self.input_idle_s = lambda: None

        def pause(self, until, reason):
            raise AssertionError("nothing should pause with FHP_MONITOR_SESSION=none")

        def resume(self, reason=None):
            raise AssertionError("nothing should resume with FHP_MONITOR_SESSION=none")

    worker = Worker()
    monkeypatch.setenv("FHP_MONITOR_SESSION", "none")
    with desktop.activate():
        awareness = start_session_awareness(worker)
    try:
        desktop.run("xdotool", "key", "shift")
        seconds = wait_until(lambda: (idle := worker.input_idle_s()) is not None and idle < 1.0 and [idle], 5,
                             "the worker's idle time to see the key press")[0]
        assert isinstance(seconds, float) and seconds >= 0.0
        watch = awareness.idle_watcher
        assert not watch.paused()
        worker.released_for_pause.set()  # what the worker does once a paused step let the camera go
        assert watch.paused()
    finally:
        awareness.stop()
        from fhp_monitor.desktop.bus import close_shared_loop

        close_shared_loop()
    assert worker.input_idle_s() is None  # the X connection is closed with the run


def test_no_idle_probe_without_x_is_said_once(caplog):
    with caplog.at_level(logging.INFO, logger="fhp_monitor"):
        assert idle_probe_for({}, "linux") is None
        assert idle_probe_for({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"},
                              "linux") is None
        assert idle_probe_for({"DISPLAY": ":9999"}, "linux") is None  # no such X server
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 3 and all(m.startswith("input idle time is not available") for m in said)


@pytest.mark.parametrize("idle", [0.0, 30.0, 59.5, 60.0, 75.0, 150.0, 299.0, 3600.0])
def test_a_paused_worker_is_asked_about_input_no_more_than_once_in_five_seconds(idle):
    """Issue 25: no thread of a paused app wakes more than once in 5 s. Running, the watch keeps its pace:
    1 s after a minute idle, slower the longer it lasts, never slower than MAX_POLL_WHILE_IDLE_S."""
    running = next_poll_s(idle, RETURN_AFTER_S, 1.0, paused=False)
    paused = next_poll_s(idle, RETURN_AFTER_S, 1.0, paused=True)
    assert paused == max(running, POLL_WHILE_PAUSED_S) >= 5.0
    if idle >= RETURN_AFTER_S:
        assert running == min(max(1.0, idle / 30.0), MAX_POLL_WHILE_IDLE_S)
    else:
        assert running == max(RETURN_AFTER_S - idle, 1.0)
