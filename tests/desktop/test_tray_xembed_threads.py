"""The XEmbed tray (pystray under a real trayer on Xvfb) while other threads change it: no hang.

pystray's xorg backend once deadlocked here (python-xlib loses a wake-up when two threads use one X
connection): the worker stuck in ``icon.icon = ...``, the tray thread stuck in the painter's
``get_geometry``, and the app deaf to SIGTERM. These tests change the icon, tooltip and labels from a
worker thread many times while the icon is resized and repainted, then quit; and check that a tray
thread that hangs for its own reasons holds the worker and quitting up for a bounded time only.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from Xlib import X
from Xlib import display as xdisplay
from Xlib.protocol import event as xevent

from fhp_monitor.core.commands import ACTIVATE, MENU, possible
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.tray import icon_image, make_tray
from fhp_monitor.desktop.tray.xembed import XEmbedTray
from tests.support.desktop import Desktop, wait_until

NOW = 1_717_000_000.0
CHANGES = 400
#: The disc colour of each state the worker cycles through (core icon palette).
COLOURS = {PostureState.UPRIGHT: (0, 150, 136), PostureState.FORWARD: (245, 166, 35),
           PostureState.PAUSED: (30, 110, 220), PostureState.CAMERA_UNAVAILABLE: (211, 47, 47)}
TITLES = {PostureState.UPRIGHT: "fhp-monitor: Sitting tall",
          PostureState.FORWARD: "fhp-monitor: Head drifting forward"}


def snapshot(state: PostureState, at: float = NOW) -> StatusSnapshot:
    return StatusSnapshot(state=state, since=NOW, paused_until=at + 900 if state == PostureState.PAUSED else None)


def disc_colour(desktop: Desktop, icon: dict, path: Path) -> tuple[int, int, int]:
    """A point on the disc left of the white marks, read from a screenshot."""
    shot = Image.open(desktop.screenshot(path)).convert("RGB")
    return shot.getpixel((icon["x"] + icon["width"] // 4, icon["y"] + icon["height"] // 2))


def docked_icon(desktop: Desktop) -> dict:
    docked = wait_until(desktop.tray_children, 10, "the icon to dock in trayer")
    assert len(docked) == 1
    return docked[0]


def test_many_changes_from_another_thread_while_the_icon_is_repainted_then_quit(desktop: Desktop,
                                                                                tmp_path: Path) -> None:
    tray = make_tray("xembed", lambda _command: None)
    with desktop.activate():
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW) is True
        try:
            icon = docked_icon(desktop)
            window = tray._icon._window
            geometry_asked = []
            real_get_geometry = window.get_geometry

            def counted_get_geometry(*args, **kwargs):
                geometry_asked.append(threading.current_thread().name)
                return real_get_geometry(*args, **kwargs)

            window.get_geometry = counted_get_geometry  # the painter's own window object
            states = list(COLOURS)
            failures: list[BaseException] = []

            def worker() -> None:
                try:
                    for i in range(CHANGES):
                        tray.show(snapshot(states[i % len(states)], NOW + i), NOW + i)  # icon and tooltip
                        if i % 10 == 0:
                            tray.relabel()  # the labels and tooltip again, as after a language change
                    tray.show(snapshot(PostureState.FORWARD), NOW)
                except BaseException as error:  # noqa: BLE001 - reported by the test thread below
                    failures.append(error)

            changing = threading.Thread(target=worker, name="fhp-worker", daemon=True)
            connection = xdisplay.Display(desktop.display)  # trayer's side: resize and expose the icon
            try:
                target = connection.create_resource_object("window", icon["id"])
                changing.start()
                resizes = 0
                deadline = time.monotonic() + 30
                while changing.is_alive() and time.monotonic() < deadline:
                    side = 18 + resizes % 10
                    target.configure(width=side, height=side)
                    connection.send_event(target, xevent.Expose(window=target, x=0, y=0, width=side, height=side,
                                                                count=0), X.ExposureMask)
                    connection.flush()
                    resizes += 1
                    changing.join(0.002)  # paced by the worker itself; ends as soon as it is done
                target.configure(width=icon["width"], height=icon["height"])
                connection.flush()
            finally:
                connection.close()
            assert not changing.is_alive(), "the worker hung changing the tray icon"
            assert failures == []
            assert resizes > 10, "the icon was hardly resized while it changed"
            assert set(geometry_asked) <= {"fhp-tray"} and len(geometry_asked) <= 1, geometry_asked
            wait_until(lambda: desktop.window_name(icon["id"]) == TITLES[PostureState.FORWARD], 5,
                       "the last tooltip")
            icon = docked_icon(desktop)
            wait_until(lambda: disc_colour(desktop, icon, tmp_path / "last.png") == COLOURS[PostureState.FORWARD],
                       5, "the last icon (amber) drawn at the tray's size")
        finally:
            stopping = threading.Thread(target=tray.stop, daemon=True)
            stopping.start()
            stopping.join(15)
        assert not stopping.is_alive(), "stop() hung"
        wait_until(lambda: desktop.tray_children() == [], 5, "the icon to leave the tray")
    assert not tray.running and not tray._thread.is_alive()


def test_a_stuck_tray_thread_holds_the_worker_and_quitting_up_for_a_bounded_time(
        desktop: Desktop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The tray thread hangs in a drawing that does not return: show() gives up after ANSWER_WAIT_S
    with one line and later changes do not wait; back, the tray shows the newest; stuck again, stop()
    returns after STOP_JOIN_S with one line, and the loop still ends once it comes back."""
    import fhp_monitor.desktop.tray.xembed as xembed

    monkeypatch.setattr(xembed, "ANSWER_WAIT_S", 0.5)
    monkeypatch.setattr(xembed, "STOP_JOIN_S", 1.0)
    stuck, release = threading.Event(), threading.Event()

    def draw(state: PostureState, size: int):
        if state == PostureState.CAMERA_UNAVAILABLE:
            stuck.set()
            release.wait(30)  # the tray thread hangs here until the test lets it go
        return icon_image(state, size)

    tray = XEmbedTray(lambda _command: None, menu=MENU, draw=draw, activate=ACTIVATE, possible=possible)

    def timed(call) -> float:
        started = time.monotonic()
        call()
        return time.monotonic() - started

    with desktop.activate():
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW) is True
        try:
            icon = docked_icon(desktop)
            with caplog.at_level(logging.WARNING, logger="fhp_monitor.desktop.tray.xembed"):
                first = timed(lambda: tray.show(snapshot(PostureState.CAMERA_UNAVAILABLE), NOW))
                assert stuck.is_set(), "the tray thread did not reach the hanging drawing"
                later = timed(lambda: [tray.show(snapshot(state), NOW) for state in
                                       (PostureState.UPRIGHT, PostureState.PAUSED, PostureState.FORWARD)])
                assert 0.5 <= first < 3.0 and later < 0.5, (first, later)
                assert [r.getMessage() for r in caplog.records] == [
                    f"The tray icon did not answer within {0.5:.0f} s; going on without it."]
                release.set()
                wait_until(lambda: desktop.window_name(icon["id"]) == TITLES[PostureState.FORWARD], 5,
                           "the newest tooltip once the tray thread is back")
                assert timed(lambda: tray.show(snapshot(PostureState.UPRIGHT), NOW)) < 0.5
                assert desktop.window_name(icon["id"]) == TITLES[PostureState.UPRIGHT]  # waited for again

                caplog.clear()
                stuck.clear()
                release.clear()
                tray.show(snapshot(PostureState.CAMERA_UNAVAILABLE), NOW)
                assert stuck.is_set()
                stopping = timed(tray.stop)
                assert 1.0 <= stopping < 4.0, stopping
                assert [r.getMessage() for r in caplog.records] == [
                    f"The tray icon did not answer within {0.5:.0f} s; going on without it.",
                    f"The tray thread did not end within {1.0:.0f} s."]
                assert not tray.running
        finally:
            release.set()
            tray.stop()
        tray._thread.join(10)
        assert not tray._thread.is_alive(), "the tray thread did not end once its drawing returned"
        wait_until(lambda: desktop.tray_children() == [], 5, "the icon to leave the tray")
