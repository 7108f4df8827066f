"""One calibration per setup (issue 22): the worker switches to a saved setup whose picture fits when the
camera moves, without a question, and asks once at a place it does not know.

Recordings: the demo's real landmarks at its own camera (Desk) and, synthetic, the same rows scaled and
shifted as a camera pushed back to one side would see them (tests/support/setup_recordings.py). Driven by
the real LandmarkCsvSource with the file's timeline as the clock (ReplayClock), real files in a
temporary home, the app's own store (store/setups.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhp_monitor.cli.frames import calibrate_from_frames
from fhp_monitor.core.calibration import load_baseline
from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.setup_watch import HOLD_S, MOVED_TEXT, MOVED_TITLE, WINDOW_S
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.home.folder import Home
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource
from fhp_monitor.settings.schema import Settings
from fhp_monitor.store.setups import SetupFiles, read_book, setups_path
from tests.support.setup_recordings import DESK, MONITOR, UNKNOWN, write

T0 = 1_760_000_000.0
STRETCH_S = 10 * 60


@pytest.fixture
def home(tmp_path: Path) -> Home:
    root = tmp_path / "home"
    root.mkdir()
    return Home(root=root, log_dir=root / "logs", chosen=True)


def calibrate_at(home: Home, place, tmp_path: Path, name: str | None = None):
    recording = write(tmp_path / f"calibrate-{place.scale}-{place.dx}.csv", [(place, 60)], step_s=2.0)
    settings = Settings()
    baseline, _read = calibrate_from_frames(LandmarkCsvSource(recording), settings, home, 30, name)
    return baseline


def replay(home: Home, recording: Path):
    """Run the worker over ``recording`` as the app does (store/setups.SetupFiles), noting each look."""
    clock, notifier, snapshots, looks = ReplayClock(start=T0), RecordingNotifier(), [], []
    worker = MonitorWorker(source=LandmarkCsvSource(recording), estimator=None, clock=clock,  # type: ignore[arg-type]
                           settings=Settings(), baseline=load_baseline(home.calibration), notifier=notifier,
                           history=None, on_snapshot=snapshots.append, setups=SetupFiles(home))
    try:
        while (wait := worker.step()) is not None:
            looks.append((clock.t, worker.monitor.state, worker.setup_name, len(notifier.sent)))
            assert wait > 0
    finally:
        worker.close()
    return worker, notifier, looks


def first_look(looks, name: str) -> float:
    return next(t for t, _state, setup, _told in looks if setup == name)


def test_two_saved_setups_switch_without_a_question_and_an_unknown_one_asks_once(home, tmp_path):
    calibrate_at(home, DESK, tmp_path)
    calibrate_at(home, MONITOR, tmp_path)
    book = read_book(home)
    assert book.names == ["Desk", "Setup 2"] and book.active == "Setup 2"  # the second place: a new setup

    recording = write(tmp_path / "desk-monitor-unknown.csv",
                      [(DESK, STRETCH_S), (MONITOR, STRETCH_S), (UNKNOWN, STRETCH_S)])
    worker, notifier, looks = replay(home, recording)

    # At the desk (calibration in use: Setup 2): after the camera-moved check's hold, Desk, no question.
    to_desk = first_look(looks, "Desk")
    assert HOLD_S <= to_desk <= HOLD_S + WINDOW_S + 30
    # Back at the monitor: Setup 2 again, no question.
    back = next(t for t, _s, setup, _n in looks if t > STRETCH_S and setup == "Setup 2")
    assert STRETCH_S + HOLD_S <= back <= STRETCH_S + HOLD_S + WINDOW_S + 30
    assert all(told == 0 for t, _s, _setup, told in looks if t < 2 * STRETCH_S)
    # Judged at each setup against its own calibration: sitting tall is upright there.
    settled = [state for t, state, _setup, _n in looks
               if to_desk + 30 <= t < STRETCH_S or back + 30 <= t < 2 * STRETCH_S]
    assert settled and set(settled) == {PostureState.UPRIGHT}
    # A place never calibrated: asked once to sit tall again, and no more verdicts against a stale baseline.
    assert notifier.sent == [(MOVED_TITLE, MOVED_TEXT)]
    asked = next(t for t, _s, _setup, told in looks if told == 1)
    assert 2 * STRETCH_S + HOLD_S <= asked <= 2 * STRETCH_S + HOLD_S + WINDOW_S + 30
    assert {state for t, state, _setup, _n in looks if t > asked} == {PostureState.UNCERTAIN}
    assert worker.nudges_sent == []
    # The switch is kept: calibration.json is Setup 2's calibration, setups.json says so.
    saved = json.loads(setups_path(home).read_text(encoding="utf-8"))
    assert saved["active"] == "Setup 2"
    assert load_baseline(home.calibration) == read_book(home).find("Setup 2").baseline


def test_with_one_setup_the_camera_moved_check_asks_as_before(home, tmp_path):
    calibrate_at(home, DESK, tmp_path)
    recording = write(tmp_path / "moved.csv", [(DESK, 120), (MONITOR, STRETCH_S)])
    worker, notifier, looks = replay(home, recording)
    assert notifier.sent == [(MOVED_TITLE, MOVED_TEXT)]
    assert {setup for *_rest, setup, _n in looks} == {None}  # one setup: the tray shows no name
    assert read_book(home).active == "Desk"


def test_recalibrating_at_the_same_place_keeps_the_setup_and_a_name_can_be_given(home, tmp_path):
    first = calibrate_at(home, DESK, tmp_path)
    again = calibrate_at(home, DESK, tmp_path)
    book = read_book(home)
    assert book.names == ["Desk"] and book.find("Desk").baseline == again != first
    calibrate_at(home, MONITOR, tmp_path, name="Kitchen table")
    assert read_book(home).names == ["Desk", "Kitchen table"]
