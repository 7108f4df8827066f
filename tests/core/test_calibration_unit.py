"""Calibration maths and its file, with synthetic values."""

import json
import os
import stat
from dataclasses import replace

import numpy as np
import pytest

from fhp_monitor.core.calibration import (
    Baseline,
    CalibrationError,
    body_of,
    fit_baseline,
    fit_from_readings,
    is_forward,
    load_baseline,
    personalise,
    save_baseline,
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


@pytest.mark.linux_only
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


# ----------------------------------------------------------------------------- the file, untrusted

GOOD = {"version": 2, "cva_proxy_deg": 48.91, "spread_deg": 0.6, "samples": 20, "view": "front",
        "sensitivity_deg": 2.0, "calibrated_at": 1_700_000_000.0, "personalised": False,
        "forward_cva_proxy_deg": None, "body_frac": 0.55, "body_x": 0.5, "body_y": 0.7, "scale_spread": 0.03,
        "place_spread": 0.05, "view_ratio": 1.7, "head_turn": -0.02, "head_turn_spread": 0.01,
        "nose_rise_ratio": 0.55, "nose_rise_spread": 0.02}


@pytest.mark.parametrize("key,value", [
    ("cva_proxy_deg", "48.91"),        # a number written as text
    ("cva_proxy_deg", float("nan")),
    ("spread_deg", float("inf")),
    ("view", 3),
    ("view", "top"),
    ("samples", 2.5),
    ("samples", True),
    ("sensitivity_deg", 0.0),
    ("calibrated_at", -5),
    ("personalised", "yes"),
    ("body_frac", 0.0),
    ("nose_rise_ratio", "0.5"),
    ("head_turn", 1e9),
])
def test_every_key_is_checked_and_the_message_names_file_and_key(tmp_path, key, value):
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({**GOOD, key: value}))  # json writes NaN/Infinity as bare words
    with pytest.raises(CalibrationError) as caught:
        load_baseline(path)
    message = str(caught.value)
    assert str(path) in message and repr(key) in message and "\n" not in message


def test_a_missing_key_a_list_and_half_a_body_are_refused(tmp_path):
    path = tmp_path / "calibration.json"
    for content, key in (({k: v for k, v in GOOD.items() if k != "view"}, "'view'"),
                         ({**GOOD, "body_y": None}, "'body_y'")):
        path.write_text(json.dumps(content))
        with pytest.raises(CalibrationError, match=key):
            load_baseline(path)
    path.write_text("[1, 2]")
    with pytest.raises(CalibrationError, match="damaged"):
        load_baseline(path)


@pytest.mark.linux_only
def test_a_fifo_or_a_huge_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "calibration.json"
    os.mkfifo(fifo)  # reading a FIFO with no writer would hang for ever
    with pytest.raises(CalibrationError, match="not a regular file"):
        load_baseline(fifo)
    huge = tmp_path / "huge.json"
    huge.write_text(" " * (200 * 1024) + json.dumps(GOOD))
    with pytest.raises(CalibrationError, match="too big"):
        load_baseline(huge)


def test_a_good_file_loads_with_every_field_and_integers_become_floats(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({**GOOD, "cva_proxy_deg": 49, "unknown_future_key": [1]}))
    b = load_baseline(path)
    assert b.cva_proxy_deg == 49.0 and isinstance(b.cva_proxy_deg, float) and b.samples == 20
    assert b.body is not None and b.body.body_frac == 0.55 and b.nose_rise_ratio == 0.55


def test_an_old_file_without_the_new_fields_loads_and_judges_by_the_ear_height_alone(tmp_path):
    path = tmp_path / "calibration.json"
    old = {"version": 1, "cva_proxy_deg": 50.0, "spread_deg": 0.5, "samples": 10, "view": "front",
           "sensitivity_deg": 2.0, "calibrated_at": 123.0, "personalised": False, "forward_cva_proxy_deg": None}
    path.write_text(json.dumps(old, indent=2))
    b = load_baseline(path)
    assert b.body is None and body_of(b) is None and b.nose_rise_ratio is None
    low_nose = PostureReading(49.0, "front", None, {"nose_rise_ratio": -1.0})
    assert is_forward(b, low_nose) is False  # no calibrated nose height: the ear rule decides
    assert is_forward(b, PostureReading(47.0, "front", None)) is True


@pytest.mark.linux_only
def test_saving_never_follows_a_symlink_and_leaves_no_temp_file(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    home = tmp_path / "home"
    home.mkdir()
    path = home / "calibration.json"
    path.symlink_to(victim)  # planted at the file itself
    (home / "calibration.json.tmp").symlink_to(victim)  # and at the old fixed temp name
    b = Baseline(50.0, 0.5, 10, "front", 2.0, 123.0)
    save_baseline(path, b)
    assert victim.read_text() == "precious"
    assert not path.is_symlink() and load_baseline(path) == b
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["calibration.json", "calibration.json.tmp"]


def test_nan_is_never_written(tmp_path):
    with pytest.raises(ValueError):
        save_baseline(tmp_path / "c.json", Baseline(float("nan"), 0.5, 10, "front", 2.0, 1.0))
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- the two signals


def _front(proxy: float, nose: float | None = None) -> PostureReading:
    return PostureReading(proxy, "front", None, {} if nose is None else {"nose_rise_ratio": nose})


def test_forward_when_either_the_ears_or_the_nose_drop_past_their_threshold():
    b = Baseline(50.0, 0.5, 10, "front", 2.0, 0.0, nose_rise_ratio=0.55, nose_rise_spread=0.01)
    assert b.nose_margin() == pytest.approx(0.10)
    assert is_forward(b, _front(49.5, 0.50)) is False  # both within
    assert is_forward(b, _front(49.5, 0.44)) is True   # nose 0.11 lower
    assert is_forward(b, _front(47.5, 0.55)) is True   # ears lower
    assert is_forward(b, _front(49.5)) is False        # nose not seen: the ear rule alone
    assert is_forward(b, PostureReading(40.0, "side", None, {"nose_rise_ratio": 0.0})) is None


def test_the_nose_threshold_follows_the_sensitivity_dial_and_a_shaky_calibration():
    b = Baseline(50.0, 0.5, 10, "front", 2.0, 0.0, nose_rise_ratio=0.55, nose_rise_spread=0.01)
    assert b.nose_margin(4.0) == pytest.approx(0.20)
    assert b.nose_margin(0.5) == pytest.approx(0.05)  # never below the floor
    shaky = replace(b, nose_rise_spread=0.05)
    assert shaky.nose_margin() == pytest.approx(0.15)
    personal = replace(b, personalised=True, sensitivity_deg=3.0)
    assert personal.nose_margin(1.0) == pytest.approx(0.15)  # the personal margin wins, as for the ears


def test_fit_records_where_and_how_big_the_user_sat():
    rng = np.random.default_rng(3)
    readings = [PostureReading(50.0 + rng.normal(0, 0.3), "front", None, {
        "body_frac": 0.5 * np.exp(rng.normal(0, 0.02)), "body_x": 0.5 + rng.normal(0, 0.01),
        "body_y": 0.7 + rng.normal(0, 0.01), "aspect": 0.75, "view_ratio": 1.7, "head_turn": rng.normal(0, 0.01),
        "nose_rise_ratio": 0.55 + rng.normal(0, 0.01)}) for _ in range(20)]
    b = fit_from_readings(readings, now=1.0, sensitivity_deg=2.0)
    assert b.body_frac == pytest.approx(0.5, rel=0.03) and b.body_x == pytest.approx(0.5, abs=0.01)
    assert 0.005 < b.scale_spread < 0.04 and 0.0 < b.place_spread < 0.1
    assert b.nose_rise_ratio == pytest.approx(0.55, abs=0.01) and b.view_ratio == pytest.approx(1.7)
    assert b.body == body_of(b) and b.body.view == "front"
