"""Issue 12, the clock items: the worker decides on a monotonic clock, the wall clock only labels.

A fake clock with two readings (wall, monotonic) drives a real MonitorWorker: real MediaPipe on the
real labelled photos through a live stand-in camera, a real SQLite history. Wall-clock jumps
forward and back, a suspend (both clocks jump: Linux CLOCK_BOOTTIME runs while asleep), and both
daylight-saving changes in Europe/Berlin (TZ set with time.tzset and restored after each test).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from fhp_monitor.core.calibration import Baseline, fit_from_readings
from fhp_monitor.core.geometry import read_posture
from fhp_monitor.core.ports import Frame, PostureState
from fhp_monitor.core.summary import build_daily_summary, day_bounds
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.clocks import SystemClock
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
from fhp_monitor.settings.schema import Settings
from fhp_monitor.store.history import SqliteHistoryStore
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import photos

T0 = datetime(2026, 11, 20, 9, 0, 0).timestamp()


@dataclass
class TwoClocks:
    """Wall (epoch) and monotonic readings that tests move separately."""

    wall: float = T0
    mono: float = 1000.0

    def now(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


class PhotoCamera:
    """A live source showing the real photo for ``label_at(monotonic seconds since start)``."""

    live = True
    carries_poses = False
    duration_s = None  # a camera has no end

    def __init__(self, clock: TwoClocks, label_at: Callable[[float], str]) -> None:
        self.clock, self.label_at = clock, label_at
        self.start = clock.mono
        self.pictures = {UPRIGHT: photos(UPRIGHT), FORWARD: photos(FORWARD)}
        self.reads = 0

    def open(self) -> None:
        """Nothing to acquire."""

    def read(self, not_before: float | None = None) -> Frame:
        pictures = self.pictures[self.label_at(self.clock.mono - self.start)]
        self.reads += 1
        return Frame(image=pictures[self.reads % len(pictures)], t=self.clock.mono, index=self.reads)

    def release(self) -> None:
        """Nothing held."""


@pytest.fixture(scope="module")
def estimator():
    with MediaPipePoseEstimator() as model:
        yield model


@pytest.fixture(scope="module")
def baseline(estimator) -> Baseline:
    readings = [read_posture(estimator.estimate(Frame(image, t=i, index=i)))
                for i, image in enumerate(photos(UPRIGHT))]
    return fit_from_readings(readings, now=T0 - 3600, sensitivity_deg=2.0)


@dataclass
class Run:
    worker: MonitorWorker
    clock: TwoClocks
    looks: list[tuple[float, float, PostureState]]  # (mono since start, wall, state)

    def nudges_mono(self) -> list[float]:
        """Monotonic seconds (since start) of the looks that sent a nudge."""
        walls = {n.at for n in self.worker.nudges_sent}
        return [mono for mono, wall, _ in self.looks if wall in walls]


def drive(estimator, baseline, history, label_at, seconds: float,
          events: dict[float, Callable[[TwoClocks, MonitorWorker], None]] | None = None,
          clock: TwoClocks | None = None) -> Run:
    """Step the worker, advancing both clocks by each wait; ``events[at]`` runs once monotonic
    time (since start) passes ``at`` (a clock jump, a pause...)."""
    clock = clock or TwoClocks()
    worker = MonitorWorker(source=PhotoCamera(clock, label_at), estimator=estimator, clock=clock,
                           settings=Settings(), baseline=baseline, notifier=RecordingNotifier(), history=history)
    start, pending, looks = clock.mono, dict(sorted((events or {}).items())), []
    while clock.mono - start < seconds:
        wait = worker.step()
        assert wait is not None and wait > 0
        looks.append((clock.mono - start, clock.wall, worker.monitor.state))
        clock.advance(wait)
        for at in [at for at in pending if clock.mono - start >= at]:
            pending.pop(at)(clock, worker)
    worker.close()
    return Run(worker, clock, looks)


def forward_after(t0: float) -> Callable[[float], str]:
    return lambda s: FORWARD if s >= t0 else UPRIGHT


def first_forward(run: Run) -> float:
    return next(mono for mono, _, state in run.looks if state is PostureState.FORWARD)


def test_the_live_clock_has_two_readings_and_the_monotonic_one_never_steps():
    clock = SystemClock()
    first = clock.monotonic()
    assert abs(clock.now() - time.time()) < 1.0 and clock.monotonic() >= first


def test_a_wall_clock_jump_forward_does_not_nudge_from_one_look(estimator, baseline, tmp_path):
    def jump(clock: TwoClocks, worker: MonitorWorker) -> None:
        clock.wall += 3600.0  # NTP or the user set the clock an hour on; no real time passed

    with SqliteHistoryStore(tmp_path / "h.sqlite3") as history:
        run = drive(estimator, baseline, history, forward_after(100.0), 400.0, {first_forward_at(100.0) + 6: jump})
    seen = first_forward(run)
    assert run.nudges_mono() == [pytest.approx(seen + 60.0)]  # the onset on the monotonic clock, unchanged
    assert run.worker.nudges_sent[0].at > T0 + 3600  # labelled with the (new) wall time


def first_forward_at(slouch_from: float) -> float:
    """The first look at or after ``slouch_from`` at the default steady schedule from 0 s."""
    t, wait = 0.0, 15.0
    while t < slouch_from:
        t, wait = t + wait, min(wait * 2, 60.0)
    return t


def test_a_suspend_starts_a_fresh_onset_window(estimator, baseline, tmp_path):
    def suspend(clock: TwoClocks, worker: MonitorWorker) -> None:
        clock.advance(600.0)  # ten minutes asleep: CLOCK_BOOTTIME and the wall clock both moved

    slouch = first_forward_at(100.0)
    with SqliteHistoryStore(tmp_path / "h.sqlite3") as history:
        run = drive(estimator, baseline, history, forward_after(100.0), 1000.0, {slouch + 40: suspend})
        minutes = history.minutes(T0, T0 + 7200)
    resumed = next(mono for mono, _, _ in run.looks if mono >= slouch + 640)
    assert run.nudges_mono() == [pytest.approx(resumed + 60.0)]  # not at the first look after waking
    counted = sum(m.upright_s + m.forward_s for m in minutes)
    assert counted < 1000.0 - 500.0  # the sleeping gap is not counted as sitting


def test_a_clock_set_back_keeps_recording_minutes_and_does_not_stretch_a_pause(estimator, baseline, tmp_path):
    def pause_15_min(clock: TwoClocks, worker: MonitorWorker) -> None:
        worker.pause(clock.wall + 900.0)

    def set_back(clock: TwoClocks, worker: MonitorWorker) -> None:
        clock.wall -= 3600.0

    with SqliteHistoryStore(tmp_path / "h.sqlite3") as history:
        run = drive(estimator, baseline, history, lambda s: UPRIGHT, 2400.0,
                    {300.0: set_back, 600.0: pause_15_min})
        minutes = history.minutes(T0 - 7200, T0 + 7200)
    start, end, reason = _pause_row(tmp_path / "h.sqlite3")
    paused = [mono for mono, _, state in run.looks if state is PostureState.PAUSED]
    assert paused[0] == pytest.approx(600.0, abs=61) and paused[-1] - paused[0] <= 900.0
    resumed = next(mono for mono, _, state in run.looks if mono > paused[-1])
    assert resumed - paused[0] == pytest.approx(900.0, abs=61)  # 15 minutes, not 75
    assert end - start == pytest.approx(900.0, abs=61) and reason == "user"
    after_step = [m for m in minutes if m.minute < T0]  # labelled after the step back (T0 - 3300 on)
    assert sum(m.upright_s + m.paused_s for m in after_step) == pytest.approx(2100.0, abs=90)  # went on at once
    total = sum(m.upright_s + m.paused_s + m.uncertain_s for m in minutes)
    assert total == pytest.approx(2400.0, abs=90)  # every real second counted once


def _pause_row(db) -> tuple:
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT start, end, reason FROM pauses").fetchone()
    finally:
        conn.close()


@pytest.fixture
def berlin():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.mark.parametrize("day, real_hours, hours_shown", [
    (date(2026, 10, 25), 3.0, [1, 2, 2, 3]),  # autumn: 01:30 -> 03:30 local is three real hours
    (date(2026, 3, 29), 1.0, [1, 3]),  # spring: 01:30 -> 03:30 local is one real hour
])
def test_both_daylight_saving_changes_count_each_real_minute_once(berlin, estimator, baseline, tmp_path,
                                                                   day, real_hours, hours_shown):
    start = datetime(day.year, day.month, day.day, 1, 30).timestamp()
    clock = TwoClocks(wall=start)
    with SqliteHistoryStore(tmp_path / "h.sqlite3") as history:
        drive(estimator, baseline, history, lambda s: UPRIGHT, real_hours * 3600.0, clock=clock)
        first, last = day_bounds(day)
        minutes = history.minutes(first, last)
    assert len(minutes) == pytest.approx(real_hours * 60, abs=2)  # one row per real minute
    summary = build_daily_summary(day, minutes, [], {})
    assert summary.upright_s == pytest.approx(real_hours * 3600.0, abs=90)
    assert len(summary.hourly) == (25 if real_hours == 3.0 else 23)
    assert all(h["upright_s"] <= 3600.0 for h in summary.hourly)  # no hour counted twice
    shown = [h["hour"] for h in summary.hourly if h["upright_s"] > 0]
    assert shown == hours_shown
