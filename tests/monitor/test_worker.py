"""The monitor worker over short recorded days: real MediaPipe, real SQLite, real video files.

Each recording is built from the real labelled photos (tests/support/recorded_day.py) at 1 frame per
second, so the video's own timeline is the clock (ReplayClock) and a 10-minute day takes a few
seconds. The only stand-in is the RecordingNotifier, which remembers nudges instead of showing them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from fhp_monitor.core.calibration import Baseline, fit_from_readings
from fhp_monitor.core.geometry import read_posture
from fhp_monitor.core.ports import PostureState
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
from fhp_monitor.sensing.sources import ImageFolderSource, VideoFileSource
from fhp_monitor.settings.schema import Settings, settings_from_dict
from fhp_monitor.store.history import SqliteHistoryStore
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day, calibration_folder

T0 = datetime(2026, 11, 20, 9, 0, 0).timestamp()  # the recordings "start" at 09:00 local
assert T0 % 60 == 0
MAX_STEPS = 5000  # a worker that stops advancing fails the test instead of hanging it


def calibrate_on_upright_photos() -> Baseline:
    """A baseline from the session's upright photos, exactly as `calibrate --no-gui` makes it."""
    source = ImageFolderSource(calibration_folder())
    source.open()
    with MediaPipePoseEstimator() as estimator:
        readings = []
        while (frame := source.read()) is not None:
            readings.append(read_posture(estimator.estimate(frame)))
    return fit_from_readings(readings, now=T0 - 3600, sensitivity_deg=2.0)


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return calibrate_on_upright_photos()


@dataclass
class Look:
    t: float  # seconds on the file timeline when the look happened
    state: PostureState
    deteriorating: bool
    wait: float | None


@dataclass
class Day:
    worker: MonitorWorker
    notifier: RecordingNotifier
    db: Path
    looks: list[Look] = field(default_factory=list)

    def nudge_times(self) -> list[float]:
        """File-timeline seconds of the nudges the worker sent."""
        return [n.at - T0 for n in self.worker.nudges_sent]

    def rows(self, sql: str) -> list[tuple]:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()


def replay_day(
    video: Path,
    db: Path,
    baseline: Baseline | None,
    settings: Settings | None = None,
    on_look: Callable[[Day, Look], None] = lambda day, look: None,
) -> Day:
    """Run the worker over ``video`` look by look (as ``run()`` does at --speed 0), then close it."""
    clock = ReplayClock(start=T0)
    notifier = RecordingNotifier()
    history = SqliteHistoryStore(db)
    with MediaPipePoseEstimator() as estimator:
        worker = MonitorWorker(source=VideoFileSource(video), estimator=estimator, clock=clock,
                               settings=settings or Settings(), baseline=baseline, notifier=notifier,
                               history=history)
        day = Day(worker, notifier, db)
        try:
            for _ in range(MAX_STEPS):
                wait = worker.step()
                if wait is None:
                    break
                look = Look(clock.t, worker.monitor.state, worker.monitor.deteriorating, wait)
                day.looks.append(look)
                on_look(day, look)
            else:
                pytest.fail(f"the worker did not reach the end of {video.name} in {MAX_STEPS} steps")
        finally:
            worker.close()
            history.close()
    assert worker.ended
    return day


def seconds_in(day: Day, column: str) -> float:
    return day.rows(f"SELECT coalesce(sum({column}), 0) FROM minutes")[0][0]


# ----------------------------------------------------------------------------- a normal day

# 3 min upright, 4 min head forward, 3 min upright.
DAY_PLAN = [(UPRIGHT, 3), (FORWARD, 4), (UPRIGHT, 3)]
FORWARD_FROM, FORWARD_TO = 180.0, 420.0


@pytest.fixture(scope="module")
def day(tmp_path_factory, baseline) -> Day:
    """The 10-minute day with a 1-minute cooldown, so the 4 forward minutes can hold 3 nudges."""
    folder = tmp_path_factory.mktemp("day")
    video = build_recorded_day(folder / "day.avi", DAY_PLAN)
    settings = settings_from_dict({"nudges": {"cooldown_min": 1, "max_per_hour": 3, "onset_delay_s": 60}})
    return replay_day(video, folder / "history.sqlite3", baseline, settings)


def first_forward_look(day: Day) -> float:
    return next(look.t for look in day.looks if look.state is PostureState.FORWARD)


def test_nudges_come_only_in_the_forward_period_after_the_onset_delay(day: Day):
    times = day.nudge_times()
    # The slouch (from 180 s) is seen within one steady interval (at most max_interval_s); the
    # first nudge comes exactly 60 s (the onset delay) after that look, then one per cooldown
    # minute, at most 3 per episode: levels 1, 2, 2 (the second wording from then on).
    seen = first_forward_look(day)
    assert FORWARD_FROM < seen <= FORWARD_FROM + Settings().sampling.max_interval_s
    assert len(times) == 3, times
    assert times[0] == seen + 60
    assert all(FORWARD_FROM + 60 <= t < FORWARD_TO for t in times)
    assert [b - a for a, b in zip(times, times[1:])] == pytest.approx([60, 60], abs=2.5)
    assert [n.level for n in day.worker.nudges_sent] == [1, 2, 2]
    assert len(day.notifier.sent) == 3 and all(title and body for title, body in day.notifier.sent)
    stored = day.rows("SELECT at, level FROM nudges ORDER BY at")
    assert [(at - T0, level) for at, level in stored] == [(t, n.level) for t, n in zip(times, day.worker.nudges_sent)]


def test_states_follow_the_recording(day: Day):
    upright = [look for look in day.looks if look.t < FORWARD_FROM or look.t >= FORWARD_TO + 10]
    forward = [look for look in day.looks if FORWARD_FROM <= look.t < FORWARD_TO]
    assert {look.state for look in upright} == {PostureState.UPRIGHT}
    share = sum(look.state is PostureState.FORWARD for look in forward) / len(forward)
    assert share >= 0.9, share


def test_minutes_in_sqlite_match_the_plan_within_ten_percent(day: Day):
    assert seconds_in(day, "upright_s") == pytest.approx(360, rel=0.10)
    assert seconds_in(day, "forward_s") == pytest.approx(240, rel=0.10)
    others = sum(seconds_in(day, c) for c in ("away_s", "paused_s", "uncertain_s", "unavailable_s"))
    assert others <= 0.05 * 600
    minutes = [m for (m,) in day.rows("SELECT minute FROM minutes ORDER BY minute")]
    assert minutes == [T0 + 60 * i for i in range(10)]  # one row per minute, the last one flushed at close
    samples = day.rows("SELECT sum(samples) FROM minutes")[0][0]
    # Every look left exactly one number, the first one too (it has no time to count yet, but its angle counts).
    assert samples == len(day.looks)


def test_sampling_is_fast_only_while_the_head_drifts_forward(day: Day):
    """Steady upright: 15 s, doubling to 60 s; drifting or just after a nudge: 2 s."""
    s = Settings().sampling
    steady = []
    for before, after in zip(day.looks, day.looks[1:]):
        gap = after.t - before.t
        if before.deteriorating or before.state is PostureState.FORWARD:
            assert gap <= s.fast_interval_s, (before, after)
        elif gap > s.fast_interval_s:
            steady.append(gap)
            assert gap in (15, 30, 60), (before, after)
    assert steady[:3] == [15, 30, 60] and steady.count(60) >= 3  # doubling while nothing changes
    fast_looks = [look for look in day.looks if look.deteriorating]
    assert fast_looks, "the forward period never sped sampling up"
    assert all(FORWARD_FROM <= look.t <= FORWARD_TO + 2 * s.fast_interval_s for look in fast_looks)
    # After the episode ends, the last nudge keeps looks fast for its 2-minute outcome window only.
    last_nudge = max(day.nudge_times())
    assert all(look.t <= max(FORWARD_TO, last_nudge + 120) + s.fast_interval_s
               for look, after in zip(day.looks, day.looks[1:]) if after.t - look.t <= s.fast_interval_s)


def test_looks_respect_interval_s_on_the_file_timeline(tmp_path, baseline):
    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 2)])
    settings = settings_from_dict({"sampling": {"interval_s": 12, "max_interval_s": 12}})
    day = replay_day(video, tmp_path / "history.sqlite3", baseline, settings)
    assert [look.t for look in day.looks] == [12.0 * i for i in range(10)]  # 0..108 s of a 120 s file
    assert day.worker.looks == 10
    assert {look.state for look in day.looks} == {PostureState.UPRIGHT}


# ----------------------------------------------------------------------------- glances and pauses


def test_glances_at_the_keyboard_never_nudge(tmp_path, baseline):
    glance = 20 / 60
    plan = [(UPRIGHT, 1), (FORWARD, glance), (UPRIGHT, 1), (FORWARD, glance), (UPRIGHT, 1)]
    # Looks every 5 s, so each glance is seen (steady sampling could look past a 20 s glance).
    every_5_s = settings_from_dict({"sampling": {"interval_s": 5, "max_interval_s": 5}})
    day = replay_day(build_recorded_day(tmp_path / "glances.avi", plan), tmp_path / "history.sqlite3", baseline,
                     every_5_s)
    assert day.notifier.sent == [] and day.worker.nudges_sent == []
    assert day.rows("SELECT count(*) FROM nudges") == [(0,)]
    for start in (60.0, 140.0):  # each glance was seen, and counted as forward time
        assert any(look.state is PostureState.FORWARD for look in day.looks if start <= look.t < start + 20)
    assert 20 <= seconds_in(day, "forward_s") <= 60


def test_pause_and_resume_commands(tmp_path, baseline):
    """Paused 90 s in a long slouch: no nudge while paused; after resuming the onset starts again."""
    video = build_recorded_day(tmp_path / "slouch.avi", [(UPRIGHT, 1), (FORWARD, 4)])
    marks: dict[str, float] = {}

    def commands(day: Day, look: Look) -> None:
        if "paused" not in marks and look.t >= 70:
            day.worker.send("pause", None)
            marks["paused"] = look.t
        elif "paused" in marks and "resumed" not in marks and look.t >= marks["paused"] + 90:
            day.worker.send("resume")
            marks["resumed"] = look.t

    day = replay_day(video, tmp_path / "history.sqlite3", baseline, on_look=commands)
    paused, resumed = marks["paused"], marks["resumed"]
    during = [look for look in day.looks if paused < look.t <= resumed]
    assert during and {look.state for look in during} == {PostureState.PAUSED}
    times = day.nudge_times()
    assert times, "the slouch after resuming was never nudged"
    assert times[0] >= resumed + 60  # the pause ended the episode: a fresh onset delay
    assert not any(paused < t <= resumed for t in times)
    (start, end, reason), = day.rows("SELECT start, end, reason FROM pauses")
    assert (start - T0, reason) == (pytest.approx(paused, abs=5), "user")
    assert end - start == pytest.approx(90, abs=6)
    assert seconds_in(day, "paused_s") == pytest.approx(90, rel=0.10)


def test_pause_with_an_end_time_resumes_by_itself_on_a_replay(tmp_path, baseline):
    video = build_recorded_day(tmp_path / "slouch.avi", [(UPRIGHT, 1), (FORWARD, 3)])
    marks: dict[str, float] = {}

    def pause_one_minute(day: Day, look: Look) -> None:
        if "paused" not in marks and look.t >= 30:
            day.worker.send("pause", T0 + look.t + 60)
            marks["paused"] = look.t

    day = replay_day(video, tmp_path / "history.sqlite3", baseline, on_look=pause_one_minute)
    paused = marks["paused"]
    assert {look.state for look in day.looks if paused < look.t < paused + 60} == {PostureState.PAUSED}
    states_after = [look.state for look in day.looks if look.t >= paused + 65]
    assert states_after and PostureState.PAUSED not in states_after
    (start, end), = day.rows("SELECT start, end FROM pauses")
    assert end - start == pytest.approx(60, abs=6)
    assert day.nudge_times() and day.nudge_times()[0] >= 60 + 60  # slouch from 60 s, onset 60 s
