"""Real side-view photos of someone else (tests/data/side-view, MIT): upright on a tilted torso passes,
hunched over is caught. Landmark recordings made by real MediaPipe, replayed without the model."""

import statistics
from pathlib import Path

import pytest

from fhp_monitor.core.calibration import body_of, fit_from_readings, is_forward
from fhp_monitor.core.geometry import read_posture
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource

SIDE = Path(__file__).parents[1] / "data" / "side-view"


def recorded(name: str, body=None) -> list:
    source = LandmarkCsvSource(SIDE / f"{name}.csv")
    source.open()
    try:
        frames = []
        while (frame := source.read()) is not None:
            frames.append(read_posture(frame.pose, 0.5, body))
        return frames
    finally:
        source.release()


@pytest.fixture(scope="module")
def baseline():
    return fit_from_readings(recorded("calibration"), 0.0, 2.0, min_samples=3)


def test_every_photo_is_read_as_a_side_view(baseline):
    for name in ("calibration", "upright", "forward"):
        readings = recorded(name)
        assert readings and all(r.view == "side" and r.usable for r in readings), name


def test_kneeling_and_reclining_pass_and_every_hunch_is_caught(baseline):
    # Judged without the calibrated place: the photos were taken from different spots around the chair.
    upright, forward = recorded("upright"), recorded("forward")
    assert len(upright) == 6 and len(forward) == 4
    assert [is_forward(baseline, r) for r in upright] == [False] * 6
    assert [is_forward(baseline, r) for r in forward] == [True] * 4


def test_a_hunch_leans_the_torso_forward_so_the_angle_is_not_taken_from_the_torso_line(baseline):
    """Why the side view measures from the horizontal: hunched over, the torso leans 25-40 degrees
    forward and the head goes with it; from the torso line the head would look upright."""
    def from_torso_line(reading) -> float:
        return reading.cva_proxy_deg + reading.signals["torso_lean_deg"]

    upright_from_torso = statistics.median(from_torso_line(r) for r in recorded("calibration"))
    for reading in recorded("forward"):
        assert reading.signals["torso_lean_deg"] > 20.0
        assert from_torso_line(reading) > upright_from_torso  # from the torso line: 'more upright than upright'
    assert all(r.signals["torso_lean_deg"] < 0 for r in recorded("upright"))  # kneeling, reclining: back


def test_the_calibrated_place_does_not_refuse_the_photo_taken_from_the_same_spot(baseline):
    same_spot = recorded("calibration", body_of(baseline))
    assert sum(r.usable for r in same_spot) >= 2
