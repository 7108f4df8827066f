"""Glasses with progressive lenses (issue 22): the posture a person reads the screen in is not judged forward.

Frames: the demo recording's real landmarks (photos in tests/data/slouching-or-not) through the real
LandmarkCsvSource. The reading posture is **synthetic**, made from the sitting-tall rows: the head tilted
back to read through the lower part of the lenses raises the nose; with the chin pushed a little forward
the ears sink towards the shoulders too (amounts in shoulder widths). The forward rows are the real
"isSlouching" photos.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fhp_monitor.core.calibration import fit_from_readings, load_baseline, save_baseline, verdict_of
from fhp_monitor.core.geometry import LEFT_EAR, LEFT_SHOULDER, NOSE, RIGHT_EAR, RIGHT_SHOULDER, read_posture
from fhp_monitor.core.reading_posture import fold_reading_posture
from fhp_monitor.core.setup_watch import MOVED_TITLE
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource
from fhp_monitor.settings.schema import Settings
from tests.support.setup_recordings import DESK, demo_rows, upright_rows, write

CHIN_POKE = (0.08, 0.05)  # ears 0.08 shoulder widths lower, nose 0.05 higher
TILTED_BACK = (-0.02, 0.06)  # the head only tilted back: ears a little higher, nose higher


def reading_row(row: list[str], ear_drop: float, nose_rise: float) -> list[str]:
    """A sitting-tall row with the head as a reader of progressive lenses holds it (image y grows down)."""
    out = list(row)
    width = abs(float(row[3 + 4 * LEFT_SHOULDER]) - float(row[3 + 4 * RIGHT_SHOULDER]))
    for ear in (LEFT_EAR, RIGHT_EAR):
        out[4 + 4 * ear] = f"{float(row[4 + 4 * ear]) + ear_drop * width:.5f}"
    out[4 + 4 * NOSE] = f"{float(row[4 + 4 * NOSE]) - nose_rise * width:.5f}"
    return out


def recording(path: Path, rows: list[list[str]], repeat_s: float | None = None) -> Path:
    return write(path, [(DESK, repeat_s or 5.0 * len(rows))], rows=rows)


def readings_of(path: Path):
    source, found = LandmarkCsvSource(path), []
    source.open()
    while (frame := source.read()) is not None:
        found.append(read_posture(frame.pose, 0.5))
    return found


def forward_share(baseline, readings) -> float:
    return sum(verdict_of(baseline, r).forward is True for r in readings) / len(readings)


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reading")
    upright = upright_rows()
    _header, every = demo_rows()
    forward = [row for row in every if 420 <= float(row[0]) < 660]  # the demo's 4 minutes of real head-forward photos
    made = {"calibration": upright[:30], "upright": upright, "forward": forward,
            "chin_poke": [reading_row(r, *CHIN_POKE) for r in upright],
            "tilted_back": [reading_row(r, *TILTED_BACK) for r in upright]}
    return {name: readings_of(recording(folder / f"{name}.csv", rows)) for name, rows in made.items()}


@pytest.fixture(scope="module")
def upright_only(frames):
    return fit_from_readings(frames["calibration"], now=0.0, sensitivity_deg=2.0)


def test_the_reading_posture_is_judged_forward_without_the_glasses_step_and_upright_with_it(frames, upright_only):
    assert forward_share(upright_only, frames["chin_poke"]) >= 0.9  # why the step exists
    folded = fold_reading_posture(upright_only, frames["chin_poke"][:10])  # the window records a few seconds
    assert folded is not None and folded.reading_cva_proxy_deg < upright_only.cva_proxy_deg
    assert folded.reading_nose_rise_ratio > upright_only.nose_rise_ratio
    assert forward_share(folded, frames["chin_poke"]) == 0.0
    assert forward_share(folded, frames["upright"]) == 0.0
    # the real head-forward photos are still caught, as often as before
    assert forward_share(folded, frames["forward"]) == forward_share(upright_only, frames["forward"]) >= 0.95


def test_a_head_only_tilted_back_stays_upright_with_and_without_the_step(frames, upright_only):
    folded = fold_reading_posture(upright_only, frames["tilted_back"][:10])
    assert folded is not None
    for baseline in (upright_only, folded):
        verdicts = [verdict_of(baseline, r) for r in frames["tilted_back"]]
        assert all(v.forward is False for v in verdicts)
        assert all(v.scores["angle"] < 0 and v.scores["nose"] < 0 for v in verdicts[:3] if baseline is upright_only)


def test_a_lean_forward_recorded_as_reading_is_not_taken(frames, upright_only):
    assert fold_reading_posture(upright_only, frames["forward"][:10]) is None
    assert fold_reading_posture(upright_only, []) is None


def test_the_reading_posture_is_kept_in_the_calibration_file_and_old_files_load(frames, upright_only, tmp_path):
    folded = fold_reading_posture(upright_only, frames["chin_poke"][:10])
    save_baseline(tmp_path / "calibration.json", folded)
    assert load_baseline(tmp_path / "calibration.json") == folded
    save_baseline(tmp_path / "old.json", upright_only)
    assert load_baseline(tmp_path / "old.json").reading_cva_proxy_deg is None


def test_ten_minutes_of_reading_get_no_nudge_with_the_step_and_nudges_without(frames, upright_only, tmp_path):
    rows = [reading_row(r, *CHIN_POKE) for r in upright_rows()]
    day = recording(tmp_path / "reading-day.csv", rows, repeat_s=10 * 60)
    folded = fold_reading_posture(upright_only, frames["chin_poke"][:10])

    def nudges(baseline) -> list:
        notifier = RecordingNotifier()
        worker = MonitorWorker(source=LandmarkCsvSource(day), estimator=None, clock=ReplayClock(start=1.7e9),  # type: ignore[arg-type]
                               settings=Settings(), baseline=baseline, notifier=notifier, history=None)
        while worker.step() is not None:
            pass
        worker.close()
        assert all(title != MOVED_TITLE for title, _body in notifier.sent)
        return worker.nudges_sent

    assert nudges(upright_only) and not nudges(folded)
