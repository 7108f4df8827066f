"""The three posture signals and their rule (core/signals.py), on synthetic people through pinhole cameras."""

import json
from dataclasses import replace

import numpy as np
import pytest

from fhp_monitor.core.calibration import body_of, fit_from_readings, is_forward, load_baseline, verdict_of
from fhp_monitor.core.geometry import (
    HEAD_TURNED,
    LEFT_EAR,
    LEFT_SHOULDER,
    NOSE,
    NOT_VISIBLE,
    RIGHT_EAR,
    RIGHT_SHOULDER,
    read_posture,
)
from fhp_monitor.core.ports import PoseLandmarks, PoseResult
from fhp_monitor.core.signals import ANGLE, SLUMP, judged_from
from fhp_monitor.core.signals import NOSE as NOSE_SIGNAL
from tests.support.synthetic_pose import person_seen


def calibrated(view="front", distance=0.8, height=0.1, **pose):
    readings = [read_posture(person_seen(50 + 0.2 * i, view, distance, height, **pose)) for i in range(-5, 6)]
    return fit_from_readings(readings, 0.0, 2.0)


def altered(result: PoseResult, change) -> PoseResult:
    pose = result.poses[0]
    image, visibility = pose.image.copy(), np.array(pose.visibility, dtype=float)
    change(image, visibility)
    return PoseResult((PoseLandmarks(image, pose.world, visibility),), result.width, result.height)


def judged(baseline, result):
    reading = read_posture(result, 0.5, body_of(baseline))
    return reading, verdict_of(baseline, reading)


def test_a_complete_front_reading_is_judged_on_all_three_signals():
    baseline = calibrated()
    assert baseline.nose_height_frac is not None and baseline.nose_height_spread is not None
    reading, verdict = judged(baseline, person_seen(50))
    assert reading.reason is None and verdict.used == (ANGLE, NOSE_SIGNAL, SLUMP) and verdict.forward is False
    assert judged(baseline, person_seen(40))[1].forward is True


def test_the_slump_the_angle_misses_is_caught():
    baseline = calibrated()
    _, verdict = judged(baseline, person_seen(50, slump=0.8))
    assert verdict.scores[ANGLE] < 1.0  # the neck angle barely changed
    assert verdict.scores[SLUMP] > 1.0 and verdict.forward is True


def test_the_slump_is_measured_in_calibrated_shoulder_widths_not_the_frames_own():
    """The nose drops 5 % of the calibrated shoulder width towards the shoulders while the shoulders
    narrow by as much: the frame's own ratio stays, the slump signal sees the drop."""
    baseline = calibrated()
    base = person_seen(50)

    def slumped(image, visibility):
        shoulders_y = (image[LEFT_SHOULDER, 1] + image[RIGHT_SHOULDER, 1]) / 2
        width = image[LEFT_SHOULDER, 0] - image[RIGHT_SHOULDER, 0]
        image[NOSE, 1] += 0.3 * (shoulders_y - image[NOSE, 1])  # the nose 30 % nearer the shoulders
        image[LEFT_SHOULDER, 0] -= 0.15 * width  # ... and the shoulders 30 % narrower
        image[RIGHT_SHOULDER, 0] += 0.15 * width

    reading, verdict = judged(baseline, altered(base, slumped))
    assert abs(reading.signals["nose_rise_ratio"] - judged(baseline, base)[0].signals["nose_rise_ratio"]) < 0.02
    assert verdict.scores[SLUMP] > 1.0 and verdict.forward is True


@pytest.mark.parametrize("move_m", [-0.3, -0.2, -0.1, 0.1, 0.2])  # sitting further back, or nearer
def test_sitting_nearer_or_further_is_not_a_slump(move_m):
    """The head's size takes the distance out: against the calibrated shoulder width alone, sitting
    back 20 cm from a laptop camera read as a slump."""
    baseline = calibrated()
    assert baseline.ear_span_frac is not None
    reading, verdict = judged(baseline, person_seen(50, body_z=move_m))
    assert abs(verdict.scores[SLUMP]) < 0.2 and verdict.forward is False
    reading, verdict = judged(baseline, person_seen(50, body_z=move_m, slump=0.8))
    assert verdict.scores[SLUMP] > 1.0


def test_a_shaky_calibration_widens_each_signals_margin_and_the_floor_holds():
    still = calibrated()
    assert still.slump_margin() == pytest.approx(0.15)  # the floor at the default sensitivity
    shaky = replace(still, nose_height_spread=0.1)
    assert shaky.slump_margin() == pytest.approx(0.3)
    assert still.slump_margin(1.0) == pytest.approx(0.08)  # a keen dial stops at SLUMP_FLOOR


def test_head_turned_is_judged_from_the_ears_alone():
    baseline = calibrated()

    def turned(image, visibility):
        image[NOSE, 0] += 0.4 * (image[LEFT_SHOULDER, 0] - image[RIGHT_SHOULDER, 0])

    for cva, forward in ((50, False), (40, True)):
        reading, verdict = judged(baseline, altered(person_seen(cva), turned))
        assert reading.reason == HEAD_TURNED and reading.cva_proxy_deg is None  # never used to calibrate
        assert verdict.used == (ANGLE,) and verdict.forward is forward
        assert judged_from(verdict, reading.reason) == "head turned away: judged from ear height"


def test_faint_ears_are_judged_from_the_nose_and_one_missing_ear_from_the_other_and_the_nose():
    baseline = calibrated()

    def faint(image, visibility):
        visibility[[LEFT_EAR, RIGHT_EAR]] = 0.3

    def one_gone(image, visibility):
        visibility[LEFT_EAR] = 0.0

    for cva, forward in ((50, False), (36, True)):
        reading, verdict = judged(baseline, altered(person_seen(cva), faint))
        assert reading.reason == NOT_VISIBLE and verdict.used == (NOSE_SIGNAL,) and verdict.forward is forward
        reading, verdict = judged(baseline, altered(person_seen(cva), one_gone))  # no head size: no slump
        assert reading.reason is None and verdict.used == (ANGLE, NOSE_SIGNAL) and verdict.forward is forward


def test_no_verdict_only_when_no_signal_is_valid():
    baseline = calibrated()

    def shoulders_faint(image, visibility):
        visibility[[LEFT_SHOULDER, RIGHT_SHOULDER]] = 0.2

    reading, verdict = judged(baseline, altered(person_seen(50), shoulders_faint))
    assert reading.reason == NOT_VISIBLE and verdict.forward is None and verdict.used == ()
    assert judged_from(verdict, reading.reason) == ""


def test_a_calibration_file_from_before_the_slump_still_loads_and_judges(tmp_path):
    old = {"version": 2, "cva_proxy_deg": 50.0, "spread_deg": 0.3, "samples": 20, "view": "front",
           "sensitivity_deg": 2.0, "calibrated_at": 1.0, "nose_rise_ratio": 0.75}
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(old))
    baseline = load_baseline(path)
    assert baseline.nose_height_frac is None and baseline.nose_rise_spread is None
    assert baseline.nose_margin() == pytest.approx(0.10)  # the missing spread leaves the floor
    verdict = verdict_of(baseline, read_posture(person_seen(50)))
    assert SLUMP not in verdict.used and ANGLE in verdict.used


@pytest.mark.parametrize("lean", [-20.0, -10.0, 15.0, 25.0])  # recliner, low chair leaning back, kneeling chair
def test_side_view_upright_head_on_a_tilted_torso_passes_and_forward_on_it_is_caught(lean):
    baseline = calibrated("side", 2.0, 0.1)
    assert baseline.margin_deg() == pytest.approx(4.0)  # twice the dial: the side view sees the true angle
    upright = read_posture(person_seen(50, "side", 2.0, 0.1, lean_deg=lean), 0.5, body_of(baseline))
    assert upright.signals["torso_lean_deg"] == pytest.approx(lean, abs=2.0)
    assert is_forward(baseline, upright) is False
    forward = read_posture(person_seen(44, "side", 2.0, 0.1, lean_deg=lean), 0.5, body_of(baseline))
    assert is_forward(baseline, forward) is True
