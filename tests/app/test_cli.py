"""The command-line contract, through the real ``python -m fhp_monitor`` in a subprocess."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from fhp_monitor import __version__
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import SESSION
from tests.support.running import clean_env, fhp

REPO = Path(__file__).resolve().parents[2]
REPLAY_KEYS = {"frame", "source", "t", "cva_proxy_deg", "forward", "view", "state", "reason", "signals"}
STATUS_KEYS = {"calibrated", "baseline_cva_proxy_deg", "calibrated_at", "model", "version", "home", "log",
               "running", "state", "paused_until", "pause_reason"}


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_version():
    done = fhp(None, "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"fhp-monitor {__version__}"


def test_replay_json_one_object_per_frame_with_exact_keys(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for photo in sorted((SESSION / UPRIGHT).glob("*.jpg"))[:3]:
        shutil.copy(photo, folder / photo.name)
        shutil.copy(photo.with_suffix(".posenet.json"), folder / (photo.stem + ".posenet.json"))
    (folder / "notes.txt").write_text("not a picture")
    (folder / "zz-broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    done = fhp(tmp_path / "home", "replay", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    rows = json_lines(done.stdout)
    assert len(rows) == 3  # the JSON and text files are not frames; the broken picture is skipped
    for i, row in enumerate(rows):
        assert set(row) == REPLAY_KEYS
        assert row["frame"] == i and row["t"] == float(i) and Path(row["source"]).suffix == ".jpg"
        assert row["forward"] is None and row["state"] == "uncertain" and row["reason"] == "not calibrated yet"
        assert row["view"] == "front" and 40 < row["cva_proxy_deg"] < 60
    assert "zz-broken.jpg" in done.stderr and "not a readable image" in done.stderr


def test_calibrate_without_a_window_then_status_and_replay_use_it(tmp_path):
    home = tmp_path / "home"
    before = fhp(home, "status", "--json")
    assert before.returncode == 0
    status = json.loads(before.stdout)
    assert set(status) == STATUS_KEYS
    assert status["calibrated"] is False and status["baseline_cva_proxy_deg"] is None
    assert status["calibrated_at"] is None
    assert status["running"] is False and status["state"] is None  # no instance runs in this home
    assert status["paused_until"] is None and status["pause_reason"] is None
    assert Path(status["model"]).is_file()

    calibrated = fhp(home, "calibrate", "--source", str(SESSION / UPRIGHT), "--no-gui")
    assert calibrated.returncode == 0, calibrated.stderr
    assert calibrated.stdout.startswith("Calibrated from ")

    status = json.loads(fhp(home, "status", "--json").stdout)
    assert set(status) == STATUS_KEYS and status["calibrated"] is True
    assert 40 < status["baseline_cva_proxy_deg"] < 60
    assert datetime.fromisoformat(status["calibrated_at"]).tzinfo is not None
    words = fhp(home, "status").stdout
    assert "upright reads" in words and "Monitoring:  not running" in words

    rows = json_lines(fhp(home, "replay", str(SESSION / FORWARD), "--json").stdout)
    assert {row["forward"] for row in rows} <= {True, False}
    assert np.mean([row["forward"] for row in rows]) >= 0.9


def test_calibrating_on_pictures_without_a_person_exits_2_with_a_clear_message(tmp_path):
    blank = tmp_path / "blank"
    blank.mkdir()
    for i in range(8):
        cv2.imwrite(str(blank / f"blank-{i}.png"), np.full((360, 640, 3), 128, np.uint8))
    home = tmp_path / "home"
    done = fhp(home, "calibrate", "--source", str(blank), "--no-gui")
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "usable picture" in lines[0] and "at least 5" in lines[0] and "shoulders" in lines[0]
    assert not (home / "calibration.json").exists()
    assert json.loads(fhp(home, "status", "--json").stdout)["calibrated"] is False


def test_home_from_the_option_or_the_environment(tmp_path):
    from_env, from_option = tmp_path / "from-env", tmp_path / "from-option"
    done = fhp(None, "status", env=clean_env(FHP_MONITOR_HOME=str(from_env)))
    assert done.returncode == 0 and f"Home:        {from_env}" in done.stdout
    assert (from_env / "config.yaml").is_file()

    done = fhp(from_option, "status", env=clean_env(FHP_MONITOR_HOME=str(from_env)))  # --home wins over the environment
    assert done.returncode == 0 and f"Home:        {from_option}" in done.stdout
    assert (from_option / "config.yaml").is_file()
    assert sorted(p.name for p in from_env.iterdir()) == ["config.yaml", "logs"]  # untouched the 2nd time


@pytest.mark.parametrize("args, words", [
    (["summary", "--date", "yesterday"], "--date must look like"),
    (["replay", "/no/such/folder"], "/no/such/folder not found"),
])
def test_user_mistakes_exit_2_with_one_sentence(tmp_path, args, words):
    done = fhp(tmp_path / "home", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
