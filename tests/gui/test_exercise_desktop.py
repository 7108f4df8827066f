"""The guided exercise window as a user meets it: the real ``fhp-monitor exercise`` on a real X server,
driven by keys only (xdotool), counting from a landmark recording made of REAL MediaPipe landmarks of the
real photos (tests/support/exercise_recordings.py says how) played as if it were the camera.

Screenshots go to ``$FHP_SHOTS`` when set (else the test's tmp folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.needs import require_tkinter

require_tkinter()

from fhp_monitor.store.history import SqliteHistoryStore  # noqa: E402
from tests.gui.test_wizard_desktop import WizardProcess  # noqa: E402
from tests.support.exercise_recordings import PLANS, frames_for, real_poses, write_recording  # noqa: E402
from tests.support.real_photos import SESSIONS  # noqa: E402
from tests.support.running import fhp  # noqa: E402

TITLE = "fhp-monitor \u2014 Exercise"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A calibrated home (the session's real slouching photos) and its 'right' chin-tuck recording."""
    folder = tmp_path_factory.mktemp("exercise")
    from tests.support.exercise_recordings import REST

    poses = real_poses(SESSIONS[0])
    calibration = write_recording(folder / "calibration.csv", poses[REST] * 2)
    right = write_recording(folder / "right.csv", frames_for(PLANS["right"][0], poses))
    return folder, calibration, right


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FHP_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class ExerciseProcess(WizardProcess):
    def find_window(self) -> int:
        import subprocess

        from tests.support.desktop import wait_until

        def search() -> int:
            found = subprocess.run(["xdotool", "search", "--name", f"^{TITLE}$"], env=self.env,
                                   capture_output=True, text=True, timeout=10)
            return int(found.stdout.split()[0]) if found.returncode == 0 and found.stdout.strip() else 0

        self.window = wait_until(search, 30.0, f"a window titled {TITLE!r}")
        return self.window


def start(desktop, home: Path, tmp_path: Path, source: str, *args: str) -> ExerciseProcess:
    """``fhp-monitor exercise ARGS --source SOURCE`` on the test desktop (the way a user starts it)."""
    return ExerciseProcess(desktop, home, tmp_path / "xdg", source, tmp_path / "stderr.log", ("exercise", *args))


def calibrated_home(tmp_path: Path, calibration: Path) -> Path:
    home = tmp_path / "home"
    done = fhp(home, "calibrate", "--no-gui", "--source", str(calibration))
    assert done.returncode == 0, done.stderr
    return home


def test_safety_first_then_repetitions_counted_from_the_recording_keyboard_only(desktop, recorded, tmp_path):
    folder, calibration, right = recorded
    home = calibrated_home(tmp_path, calibration)
    window = start(desktop, home, tmp_path, str(right), "--window", "chin-tuck")
    try:
        assert window.expect("safety") == "safety"
        window.find_window()
        x, y, w, h = desktop.window_geometry(window.window)
        assert w <= 1024 and h <= 768 - 40, (w, h)  # fits a 1024 x 768 screen with a panel
        desktop.screenshot(shots(tmp_path) / "exercise-safety.png")
        window.key("Return")
        window.expect("safety accepted")
        window.expect("counted chin-tuck 1", timeout_s=60)
        window.expect("counted chin-tuck 2", timeout_s=60)
        window.expect("step chin-tuck hold", timeout_s=30)
        desktop.screenshot(shots(tmp_path) / "exercise-counting.png")
        window.key("h")  # the safety screen, reachable any time
        window.expect("safety")
        window.key("Return")
        window.expect("safety accepted")
        window.key("Escape")  # Stop
        recorded_line = window.expect("recorded chin-tuck")
        window.expect("closed stopped")
        window.expect("Saved 1 exercise")
    finally:
        assert window.stop() == 0
    counted = int(recorded_line.split()[-1])
    assert counted >= 2
    with SqliteHistoryStore(home / "history.sqlite3") as store:
        done = store.exercises(0, 4e9)
    assert [(d.exercise, d.repetitions) for d in done] == [("chin-tuck", counted)]
    assert 5 < done[0].seconds < 120


def test_without_the_camera_it_is_a_timed_guide_and_skip_and_not_now_are_keys(desktop, recorded, tmp_path):
    _, calibration, _ = recorded
    home = calibrated_home(tmp_path, calibration)
    (home / "state.json").write_text('{"exercise_safety_seen": true}')  # seen once: not shown again
    window = start(desktop, home, tmp_path, str(tmp_path / "no-such-recording.csv"), "--window")
    try:
        first = window.expect("step chin-tuck start")
        assert "safety" not in window.seen[:-1]
        window.expect("camera unavailable", timeout_s=30)
        window.find_window()
        window.expect("step chin-tuck hold 1", timeout_s=30)
        desktop.screenshot(shots(tmp_path) / "exercise-timed-guide.png")
        window.expect("step chin-tuck relax 1", timeout_s=30)  # one hold done
        window.key("s")
        window.expect("step shoulder-squeeze start")
        window.key("s")
        window.expect("step head-lift start")
        window.key("n")  # Not now
        window.expect("closed later")
    finally:
        assert window.stop() == 0
    assert first
    assert any(line == "recorded chin-tuck None" for line in window.seen)  # one hold done, camera could not tell
    with SqliteHistoryStore(home / "history.sqlite3") as store:
        assert [(d.exercise, d.repetitions) for d in store.exercises(0, 4e9)] == [("chin-tuck", None)]


def test_the_running_monitor_is_paused_while_the_window_is_open_and_resumed_after(desktop, calibrated, tmp_path):
    """A real ``fhp-monitor run`` (a recording of the real upright photos, no tray) and the window beside it."""
    from tests.control.test_control import start_instance, status_of, stop, wait_looking
    from tests.support.faults_support import copy_home
    from tests.support.real_photos import UPRIGHT
    from tests.support.recorded_day import build_recorded_day

    home = copy_home(calibrated, tmp_path / "home")
    (home / "state.json").write_text('{"exercise_safety_seen": true}')
    instance = start_instance(home, build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 10)]))
    try:
        wait_looking(home, instance)
        assert status_of(home)["state"] != "paused"
        window = start(desktop, home, tmp_path, str(tmp_path / "unused.csv"), "--no-camera", "head-lift")
        try:
            window.expect("fhp-monitor is paused during the exercise.")
            window.expect("step head-lift start")
            status = status_of(home)
            assert status["state"] == "paused" and status["pause_reason"] == "user"
            window.find_window()
            window.key("Escape")
            window.expect("closed stopped")
            window.expect("fhp-monitor is watching again.")
        finally:
            assert window.stop() == 0
        assert status_of(home)["state"] != "paused"
    finally:
        stop(instance)


def test_the_neck_check_in_is_asked_once_a_day_when_turned_on_and_answered_with_a_key(desktop, recorded, tmp_path):
    _, calibration, _ = recorded
    home = calibrated_home(tmp_path, calibration)
    config = home / "config.yaml"
    config.write_text(config.read_text().replace("neck_checkin: false", "neck_checkin: true"))
    (home / "state.json").write_text('{"exercise_safety_seen": true}')
    window = start(desktop, home, tmp_path, str(tmp_path / "unused.csv"), "--no-camera", "head-lift")
    try:
        window.expect("step head-lift start")
        window.find_window()
        window.key("s")  # skip to the end: the check-in is on the last screen
        window.expect("all done")
        desktop.screenshot(shots(tmp_path) / "exercise-neck-check-in.png")
        window.key("7")
        window.expect("neck 7")
        window.key("Escape")
        window.expect("closed done")
    finally:
        assert window.stop() == 0
    with SqliteHistoryStore(home / "history.sqlite3") as store:
        assert [score for _, score in store.neck_scores(0, 4e9)] == [7]
        assert store.exercises(0, 4e9) == []  # skipped before any hold: nothing is claimed
    (home / "logs" / "fhp-monitor.log").rename(tmp_path / "first-run.log")  # the steps of the next run only
    again = start(desktop, home, tmp_path, str(tmp_path / "unused.csv"), "--no-camera", "head-lift")
    try:
        again.expect("step head-lift start")
        again.find_window()
        again.key("s")
        again.expect("all done")
        again.key("7")  # asked already today: the key does nothing
        again.key("Escape")
        again.expect("closed done")
    finally:
        assert again.stop() == 0
    assert not any(line.startswith("neck") for line in again.seen)
    with SqliteHistoryStore(home / "history.sqlite3") as store:
        assert [score for _, score in store.neck_scores(0, 4e9)] == [7]
