"""Issue 19: ``fhp-monitor replay`` judges frames on the worker's own verdict path, so the same frames get
the same verdicts replayed as the monitor gives them live, the dark-picture and camera-moved checks
included (replay used to have its own copy of the verdict without them).

The worker looks at every frame (sampling every second over sources one frame a second); replay
runs through the real command line on the same source with the same calibration. Real MediaPipe on
real photos for the dark pictures; a real landmark recording for the camera that moved.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from fhp_monitor.core.calibration import Baseline, load_baseline, save_baseline
from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.setup_watch import HOLD_S, MOVED_DETAIL, WINDOW_S
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.verdict import DARK_DETAIL
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.pose import estimator_for
from fhp_monitor.sensing.sources import source_for
from fhp_monitor.settings.schema import Settings, settings_from_dict
from tests.support.landmark_recording import SITTING_TALL_DEG, record_landmarks, synthetic_baseline
from tests.support.real_photos import UPRIGHT
from tests.support.recorded_day import photos
from tests.support.running import clean_env

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 20, 9, 0, 0).timestamp()
MOVED_BODY_X = 0.25  # metres to the side: 0.76 body sizes from the calibrated place, beyond the 0.6 limit
EVERY_SECOND = settings_from_dict({"sampling": {"interval_s": 1, "fast_interval_s": 1, "max_interval_s": 1,
                                                "away_interval_s": 1}})


def live_verdicts(source_spec: Path, baseline: Baseline, settings: Settings) -> dict[float, tuple[str, str | None]]:
    """The worker's verdict at each look, by the source's time: (state, detail or None)."""
    clock = ReplayClock(T0)
    source = source_for(str(source_spec), settings)
    seen: dict[float, tuple[str, str | None]] = {}
    with estimator_for(settings, source) as estimator:
        worker = MonitorWorker(source=source, estimator=estimator, clock=clock, settings=settings, baseline=baseline,
                               notifier=RecordingNotifier(), history=None)
        try:
            while worker.step() is not None:
                assert worker.looks == len(seen) + 1, "every step is one look"
                seen[round(clock.t, 3)] = (worker.monitor.state.value, worker.monitor.detail or None)
        finally:
            worker.close()
    return seen


def replayed_verdicts(home: Path, source_spec: Path) -> dict[float, tuple[str, str | None]]:
    done = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "replay", str(source_spec),
                           "--json"], cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return {row["t"]: (row["state"], row["reason"]) for row in rows}


def test_dark_pictures_get_the_same_verdict_replayed_as_live(tmp_path, calibrated):
    folder = tmp_path / "frames"
    folder.mkdir()
    upright = photos(UPRIGHT)
    dark = np.zeros_like(upright[0])
    plan = [upright[i % len(upright)] for i in range(12)] + [dark] * 4 + [upright[i % len(upright)] for i in range(6)]
    for i, picture in enumerate(plan):
        assert cv2.imwrite(str(folder / f"frame-{i:03d}.png"), picture)

    live = live_verdicts(folder, load_baseline(calibrated / "calibration.json"), EVERY_SECOND)
    replayed = replayed_verdicts(calibrated, folder)
    assert len(live) == len(plan) and set(live) == set(replayed)
    assert live == replayed
    assert [live[float(t)] for t in range(12, 16)] == [("uncertain", DARK_DETAIL)] * 4
    assert {live[float(t)][0] for t in (*range(12), *range(16, 22))} == {PostureState.UPRIGHT.value}


def test_a_camera_that_moved_gets_the_same_verdict_replayed_as_live(tmp_path):
    moved_from = 30
    seconds = moved_from + int(WINDOW_S + HOLD_S) + 20
    recording = record_landmarks(tmp_path / "moved.csv", lambda t: SITTING_TALL_DEG, seconds,
                                 body_x_at=lambda t: MOVED_BODY_X if t >= moved_from else 0.0)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    baseline = synthetic_baseline()
    save_baseline(home / "calibration.json", baseline)

    live = live_verdicts(recording, baseline, EVERY_SECOND)
    replayed = replayed_verdicts(home, recording)
    assert live == replayed and len(live) == seconds
    moved = [t for t, (_state, detail) in live.items() if detail == MOVED_DETAIL]
    # judged moved once the window's median is beyond the limit (half a window) and stays so HOLD_S
    assert moved and min(moved) == pytest.approx(moved_from + WINDOW_S / 2 + HOLD_S, abs=2)
    assert {live[float(t)] for t in range(moved_from)} == {(PostureState.UPRIGHT.value, None)}

