"""Screen lock with the REAL locker: cinnamon-screensaver on a private Xvfb + session bus.

cinnamon-screensaver maps its lock window, grabs keyboard and pointer and emits
org.cinnamon.ScreenSaver.ActiveChanged itself; ``cinnamon-screensaver-command --lock`` locks and
``--deactivate`` (SetActive false) unlocks, as a headless session allows. The desktop here is our
own (not the shared ``desktop`` fixture): a locker grabbing the pointer would get in the way of the
other GUI tests.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED
from fhp_monitor.desktop.bus import DBusLoop
from fhp_monitor.desktop.session.dbus import DBusSessionWatcher
from tests.support.desktop import Desktop, DesktopError, missing_programs, wait_until
from tests.support.needs import cannot_run
from tests.support.recorded_day import calibration_folder
from tests.support.running import fhp
from tests.support.session_parts import RecordingTarget, RunningWorker, a_real_photo

pytestmark = pytest.mark.gui

NO_SYSTEM_BUS = "unix:path=/nonexistent/system_bus_socket"  # the locker and the app: no logind here


class Locker:
    """cinnamon-screensaver on ``desktop``; lock/unlock as a user (or the session) would."""

    def __init__(self, desktop: Desktop) -> None:
        self.desktop = desktop
        self.env = dict(desktop.env, DBUS_SYSTEM_BUS_ADDRESS=NO_SYSTEM_BUS, NO_AT_BRIDGE="1")
        self.log = open(desktop.workdir / "locker.log", "wb")
        self.process = subprocess.Popen(["cinnamon-screensaver"], env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        wait_until(lambda: self._alive() and desktop.bus_name_has_owner("org.cinnamon.ScreenSaver"), 30,
                   "cinnamon-screensaver on the session bus")

    def _alive(self) -> bool:
        if self.process.poll() is not None:
            raise DesktopError(f"cinnamon-screensaver exited: {(self.desktop.workdir / 'locker.log').read_text()}")
        return True

    def active(self) -> bool:
        out = subprocess.run(["gdbus", "call", "--session", "-d", "org.cinnamon.ScreenSaver", "-o",
                              "/org/cinnamon/ScreenSaver", "-m", "org.cinnamon.ScreenSaver.GetActive"],
                             env=self.env, capture_output=True, text=True, timeout=10)
        return "true" in out.stdout

    def lock(self) -> float:
        """Lock; returns the monotonic time of the (last) lock request. Asks again if a request was lost
        (the locker answers on the bus a moment before its lock machinery is ready)."""
        def locked() -> bool:
            self.requested = time.monotonic()
            subprocess.run(["cinnamon-screensaver-command", "--lock"], env=self.env, check=True, timeout=10)
            return wait_or_false(self.active, 3.0)

        wait_until(locked, 30, "the real screen lock")
        return self.requested

    def unlock(self) -> None:
        subprocess.run(["cinnamon-screensaver-command", "--deactivate"], env=self.env, check=True, timeout=10)
        wait_until(lambda: not self.active(), 10, "the screen to unlock")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


def wait_or_false(condition, timeout_s: float) -> bool:
    try:
        return bool(wait_until(condition, timeout_s, "a condition"))
    except DesktopError:
        return False


@pytest.fixture(scope="module")
def locker():
    missing = missing_programs() + [p for p in ("cinnamon-screensaver", "cinnamon-screensaver-command", "gdbus")
                                    if shutil.which(p) is None]
    if missing:
        cannot_run(f"these programs are missing: {', '.join(missing)} (see .ci/run)")
    desktop = Desktop()
    try:
        desktop.start()
        locker = Locker(desktop)
    except DesktopError as error:
        desktop.close()
        cannot_run(f"the locker desktop did not start: {error}")
    yield locker
    locker.close()
    desktop.close()


@pytest.fixture()
def on_locker_desktop(locker, monkeypatch):
    monkeypatch.setenv("DISPLAY", locker.desktop.display)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", locker.desktop.bus_address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_SYSTEM_BUS)
    loop = DBusLoop().start()
    yield loop
    loop.close()
    if locker.active():
        locker.unlock()


def test_a_real_lock_pauses_the_worker_and_releases_the_camera_at_once(locker, on_locker_desktop):
    running = RunningWorker()
    watcher = DBusSessionWatcher(running.worker, on_locker_desktop)
    try:
        running.wait_for_looks(1)
        watcher.start()
        asked = locker.lock()
        released = wait_until(lambda: running.camera.times("release", asked), 5, "the camera to be released")[0]
        wait_until(lambda: watcher.last_lock_release_s is not None, 5, "the watcher's measurement")
        print(f"\nlock request -> camera released: {(released - asked) * 1000:.1f} ms; "
              f"ActiveChanged(true) -> camera released: {watcher.last_lock_release_s * 1000:.1f} ms")
        assert watcher.last_lock_release_s < 1.0  # from the signal; the request adds the locker's own start-up
        snapshot = running.worker.snapshot()
        assert (snapshot.state, snapshot.pause_reason) == (PostureState.PAUSED, PAUSE_SCREEN_LOCKED)
        assert any(s.pause_reason == PAUSE_SCREEN_LOCKED for s in running.snapshots)  # what the tray is shown

        # Locked for at least two of the worker's 1 s intervals: not one look in that time.
        wait_until(lambda: time.monotonic() - released > 2.2, 5, "two intervals to pass")
        locked_until = time.monotonic()
        locker.unlock()
        assert [t for t in running.camera.times("read", released) if t < locked_until] == []
        wait_until(lambda: running.worker.snapshot().state is not PostureState.PAUSED, 10, "the worker to resume")
        running.wait_for_looks(1, after=locked_until)
    finally:
        watcher.stop()
        running.close()


def test_an_app_started_behind_a_locked_screen_knows_at_once(locker, on_locker_desktop):
    locker.lock()
    target = RecordingTarget()
    watcher = DBusSessionWatcher(target, on_locker_desktop)
    try:
        watcher.start()  # asks GetActive of the screen savers that run before it returns
        assert target.calls == [("pause", PAUSE_SCREEN_LOCKED)]
        locker.unlock()
        wait_until(lambda: target.calls[-1:] == [("resume", PAUSE_SCREEN_LOCKED)], 10, "a resume on unlock")
    finally:
        watcher.stop()


# ----------------------------------------------------------------------------- the whole app


@pytest.mark.parametrize("tray", [False, True], ids=["no-tray", "tray"])
def test_the_app_pauses_on_a_real_lock_and_resumes_on_unlock(locker, tmp_path, tray):
    env = dict(locker.env)
    env.pop("FHP_MONITOR_SESSION", None)
    home = tmp_path / "home"
    assert fhp(home, "calibrate", "--no-gui", "--source", str(calibration_folder()), env=env).returncode == 0
    frames = tmp_path / "frames"  # ten minutes of one real upright photo, one per second
    frames.mkdir()
    for i in range(600):
        (frames / f"{i:04d}.jpg").symlink_to(a_real_photo())
    log_file = home / "logs" / "fhp-monitor.log"
    app = subprocess.Popen([sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(frames),
                            "--speed", "1"] + ([] if tray else ["--no-tray"]), env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)

    def tooltip() -> str:  # the docked icon's window name is its tooltip on an XEmbed tray
        return next((w["name"] for w in locker.desktop.tray_children() if w["name"].startswith("fhp-monitor")), "")

    def logged(pattern: str):
        def found():
            if app.poll() is not None:
                raise AssertionError(f"the app exited early: {app.communicate()[1]}")
            return re.search(pattern, log_file.read_text()) if log_file.exists() else None
        return found

    try:
        wait_until(logged(r"screen lock: watching ActiveChanged; org\.cinnamon\.ScreenSaver answered"), 60,
                   "the app to watch the locker")
        if tray:
            wait_until(lambda: tooltip() not in ("", "fhp-monitor: Looking for you"), 60, "the first look in the tray")
        locker.lock()
        wait_until(logged(r"paused \(screen_locked\): camera released"), 10, "the app to pause for the lock")
        took = wait_until(logged(r"screen locked: camera released ([\d.]+) ms after the lock signal"), 10,
                          "the app's own measurement")
        print(f"\napp: ActiveChanged(true) -> camera released: {took.group(1)} ms")
        assert float(took.group(1)) < 1000
        if tray:
            wait_until(lambda: tooltip() == "fhp-monitor: Paused while the screen is locked", 10, "the tray to say why")
        locker.unlock()
        wait_until(logged(r"screen unlocked \(org\.cinnamon\.ScreenSaver\.ActiveChanged\(False\)\): resuming"), 10,
                   "the app to resume")

        def pause_recorded():  # written by the worker when it looks again after the pause
            conn = sqlite3.connect(f"file:{home / 'history.sqlite3'}?mode=ro", uri=True)
            try:
                return conn.execute("SELECT reason FROM pauses").fetchall()
            except sqlite3.OperationalError:
                return []
            finally:
                conn.close()

        assert wait_until(pause_recorded, 15, "the lock's pause in the history") == [(PAUSE_SCREEN_LOCKED,)]
        if tray:
            wait_until(lambda: tooltip() == "fhp-monitor: Sitting tall", 15, "the tray after the unlock")
    finally:
        app.terminate()
        out, err = app.communicate(timeout=60)
    assert app.returncode == 0, err
    assert "Traceback" not in err
