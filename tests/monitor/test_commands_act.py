"""Issue 26, points 1 and 2 on the worker: commands act at once in every state, and a recording that
ends says so and keeps taking commands until the app quits.

The real MonitorWorker replays a real landmark recording (LandmarkCsvSource, no pose model), its
timeline the clock (ReplayClock), into a real SQLite history. ``run()`` is driven on the test's own
thread with a scripted ``pace`` that behaves as the app's: it returns at once, with 0 seconds
waited, when ``wake`` is set (a command came), else after the whole wait. No sleeping: the script
acts at the waits it is handed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from fhp_monitor.core import messages
from fhp_monitor.core.ports import PostureState, SourceUnavailable, StatusSnapshot
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.desktop.tray.sni_menu import status_line
from fhp_monitor.monitor.camera_outage import BACKOFF_MAX_S
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource, RecordedPoses
from fhp_monitor.settings.schema import Settings
from fhp_monitor.store.history import SqliteHistoryStore
from tests.support.landmark_recording import SITTING_TALL_DEG, record_landmarks, synthetic_baseline

T0 = datetime(2026, 11, 20, 9, 0, 0).timestamp()
RECORDING_S = 150
MAX_WAITS = 500  # a run that never ends fails the test instead of hanging it


class ScriptedPace:
    """The app's pace without real time: ``script(pace)`` runs at each wait (it may send commands);
    a set ``wake`` cuts the wait to 0 s, as a command does to the app's wait."""

    def __init__(self, worker: MonitorWorker, stop: threading.Event, script: Callable[["ScriptedPace"], None]) -> None:
        self.worker, self.stop, self.script = worker, stop, script
        self.waits: list[tuple[float, bool]] = []  # (seconds asked, worker ended?)

    def __call__(self, seconds: float) -> float:
        self.waits.append((seconds, self.worker.ended))
        if len(self.waits) > MAX_WAITS:
            self.stop.set()
        self.script(self)
        if self.worker.wake.is_set():
            self.worker.wake.clear()
            return 0.0
        return seconds


def replay(tmp_path: Path, script: Callable[[ScriptedPace], None], *, keep_after_end: bool,
           snapshots: list[StatusSnapshot]) -> tuple[MonitorWorker, RecordingNotifier, ScriptedPace, Path]:
    recording = record_landmarks(tmp_path / "sitting-tall.csv", lambda t: SITTING_TALL_DEG, RECORDING_S)
    db = tmp_path / "history.sqlite3"
    history = SqliteHistoryStore(db)
    notifier = RecordingNotifier()
    worker = MonitorWorker(source=LandmarkCsvSource(recording), estimator=RecordedPoses(), clock=ReplayClock(T0),
                           settings=Settings(), baseline=synthetic_baseline(), notifier=notifier, history=history,
                           on_snapshot=snapshots.append, keep_after_end=keep_after_end)
    stop = threading.Event()
    pace = ScriptedPace(worker, stop, script)
    try:
        worker.run(stop, pace)
    finally:
        history.close()
    return worker, notifier, pace, db


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_after_a_recording_ended_pause_and_resume_act_at_once_until_quit(tmp_path):
    snapshots: list[StatusSnapshot] = []
    seen: dict[str, object] = {}

    def after_the_end(pace: ScriptedPace) -> None:
        worker = pace.worker
        if not worker.ended:
            return
        clock = worker.clock
        if "ended" not in seen:  # the first wait after the end: say so, then the user pauses for 15 minutes
            seen["ended"] = snapshots[-1]
            seen["asked_at"] = clock.now()
            worker.pause(clock.now() + 15 * 60)
        elif "paused" not in seen:
            seen["paused"], seen["paused_seen_at"] = snapshots[-1], clock.now()
            seen["camera_let_go"] = worker.released_for_pause.is_set()  # a suspend need not wait for it
            worker.resume()
        elif "resumed" not in seen:
            seen["resumed"], seen["resumed_seen_at"] = snapshots[-1], clock.now()
            pace.stop.set()  # Quit
            worker.wake.set()

    worker, notifier, pace, db = replay(tmp_path, after_the_end, keep_after_end=True, snapshots=snapshots)

    ended = seen["ended"]
    assert isinstance(ended, StatusSnapshot) and ended.source_ended and ended.state is not PostureState.FORWARD
    assert messages.tooltip(ended, T0) == "fhp-monitor: The recording has ended"
    assert status_line(ended, T0) == "The recording has ended"
    assert notifier.sent.count((messages.RECORDING_ENDED, messages.RECORDING_ENDED_TEXT)) == 1
    assert len(notifier.sent) == 1  # sitting tall all along: nothing else to say

    paused = seen["paused"]
    assert isinstance(paused, StatusSnapshot) and paused.state is PostureState.PAUSED
    assert paused.paused_until == pytest.approx(seen["asked_at"] + 15 * 60)
    assert seen["paused_seen_at"] - seen["asked_at"] < 1.0  # at once, not at a next look
    assert messages.tooltip(paused, seen["paused_seen_at"]).startswith("fhp-monitor: Paused until ")
    assert seen["camera_let_go"] is True

    resumed = seen["resumed"]
    assert isinstance(resumed, StatusSnapshot) and resumed.state is not PostureState.PAUSED
    assert resumed.source_ended and seen["resumed_seen_at"] - seen["paused_seen_at"] < 1.0
    assert messages.tooltip(resumed, T0) == "fhp-monitor: The recording has ended"

    assert worker.looks == 4 and worker.ended and worker.failure is None  # at 0, 15, 45 and 105 s
    # The recording's day is complete in the history at its end; nothing after the end is written there.
    counted = rows(db, "SELECT sum(upright_s + forward_s + away_s + paused_s + uncertain_s + unavailable_s), "
                       "sum(upright_s) FROM minutes")[0]
    assert counted[0] == pytest.approx(RECORDING_S, abs=1.0) and counted[1] >= 0.9 * RECORDING_S
    assert rows(db, "SELECT count(*) FROM pauses") == [(0,)]


def test_with_exit_at_end_the_run_returns_at_the_end_without_a_notification(tmp_path):
    snapshots: list[StatusSnapshot] = []
    worker, notifier, pace, _db = replay(tmp_path, lambda pace: None, keep_after_end=False, snapshots=snapshots)
    assert worker.ended and not any(ended for _, ended in pace.waits)  # no wait after the end
    assert snapshots[-1].source_ended
    assert notifier.sent == []


def test_a_pause_between_two_looks_acts_within_a_second_of_the_timeline(tmp_path):
    snapshots: list[StatusSnapshot] = []
    seen: dict[str, float] = {}

    def in_a_long_wait(pace: ScriptedPace) -> None:
        seconds, _ended = pace.waits[-1]
        worker = pace.worker
        if "asked_at" not in seen and seconds >= 30:  # a steady wait between looks
            seen["asked_at"] = worker.clock.now()
            worker.pause(worker.clock.now() + 600)
        elif "asked_at" in seen and "seen_at" not in seen:
            assert snapshots[-1].state is PostureState.PAUSED
            seen["seen_at"] = worker.clock.now()
            pace.stop.set()
            worker.wake.set()

    replay(tmp_path, in_a_long_wait, keep_after_end=True, snapshots=snapshots)
    assert seen["seen_at"] - seen["asked_at"] < 1.0


class NoCamera:
    """A live source whose camera is gone: every read fails as OpenCV's does."""

    live = True
    carries_poses = False
    duration_s = None

    def open(self) -> None:
        raise SourceUnavailable("We can't open camera 9.")

    def read(self, not_before: float | None = None):
        self.open()

    def release(self) -> None:
        """Nothing is held."""


class FakeClock:
    def __init__(self) -> None:
        self.t = T0

    def now(self) -> float:
        return self.t


def test_a_pause_with_the_camera_gone_acts_within_a_second():
    snapshots: list[StatusSnapshot] = []
    clock = FakeClock()
    worker = MonitorWorker(source=NoCamera(), estimator=RecordedPoses(), clock=clock, settings=Settings(),
                           baseline=synthetic_baseline(), notifier=RecordingNotifier(), history=None,
                           on_snapshot=snapshots.append)
    stop = threading.Event()
    seen: dict[str, float] = {}

    def camera_gone(pace: ScriptedPace) -> None:
        seconds, _ = pace.waits[-1]
        if "asked_at" not in seen and seconds == BACKOFF_MAX_S:  # the longest back-off between tries
            assert snapshots[-1].state is PostureState.CAMERA_UNAVAILABLE
            seen["asked_at"] = clock.now()
            worker.pause(None)
        elif "asked_at" in seen:
            assert snapshots[-1].state is PostureState.PAUSED
            seen["seen_at"] = clock.now()
            stop.set()
            worker.wake.set()

    pace = ScriptedPace(worker, stop, camera_gone)

    def advancing(seconds: float) -> float:  # a camera's clock is the real one: the fake moves by what passed
        waited = pace(seconds)
        clock.t += waited
        return waited

    worker.run(stop, advancing)
    assert seen["seen_at"] - seen["asked_at"] < 1.0
