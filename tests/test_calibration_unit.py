"""Calibration maths and its file, with synthetic values."""

import json
import stat

import pytest

from fhp_monitor.core.calibration import (
    Baseline, CalibrationError, fit_baseline, is_forward, load_baseline, personalise, save_baseline,
)
from fhp_monitor.core.geometry import PostureReading


def test_baseline_is_the_median_and_one_odd_frame_does_not_move_it():
    values = [50.0, 50.5, 49.5, 50.2, 49.8, 50.1, 20.0]
    b = fit_baseline(values, "front", now=1.0, sensitivity_deg=2.0)
    assert b.cva_proxy_deg == pytest.approx(50.0, abs=0.11)
    assert b.spread_deg < 1.0 and b.samples == 7


def test_too_few_usable_values_is_a_clear_error():
    with pytest.raises(CalibrationError, match="at least 5 are needed"):
        fit_baseline([50.0, None, float("nan")], "front", now=1.0, sensitivity_deg=2.0)


def test_forward_means_more_than_the_margin_below_the_baseline_in_the_same_view():
    b = Baseline(50.0, 0.5, 10, "front", 2.0, 0.0)
    assert is_forward(b, PostureReading(47.9, "front", None)) is True
    assert is_forward(b, PostureReading(48.1, "front", None)) is False
    assert is_forward(b, PostureReading(40.0, "side", None)) is None
    assert is_forward(b, PostureReading(None, None, "no one in view")) is None
    assert is_forward(None, PostureReading(40.0, "front", None)) is None
    noisy = Baseline(50.0, 2.0, 10, "front", 2.0, 0.0)  # a shaky calibration widens the margin
    assert is_forward(noisy, PostureReading(47.0, "front", None)) is False


def test_personalising_puts_the_margin_halfway_and_ignores_a_non_drift():
    b = Baseline(50.0, 0.5, 10, "front", 2.0, 0.0)
    p = personalise(b, [44.0, 44.5, 43.5, 44.2])
    assert p.personalised and p.sensitivity_deg == pytest.approx(2.95, abs=0.1)
    assert is_forward(p, PostureReading(46.5, "front", None), sensitivity_deg=1.0) is True  # personal wins
    assert personalise(b, [49.8, 50.1, 49.9]) == b


def test_the_file_round_trips_is_private_and_damage_is_reported(tmp_path):
    path = tmp_path / "calibration.json"
    b = Baseline(50.0, 0.5, 10, "front", 2.0, 123.0)
    save_baseline(path, b)
    assert load_baseline(path) == b
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_baseline(tmp_path / "none.json") is None
    path.write_text("{not json")
    with pytest.raises(CalibrationError, match="damaged"):
        load_baseline(path)
    path.write_text(json.dumps({"version": 1, "cva_proxy_deg": 50}))
    with pytest.raises(CalibrationError, match="calibrate again"):
        load_baseline(path)
