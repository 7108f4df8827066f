"""Landmark recordings (CSV of pose landmarks, never pictures): record, replay, calibrate, run, refuse bad files.

The recording is made by the real CLI (``replay VIDEO --landmarks-out``) from a video built out of
the real photos in tests/data with real MediaPipe; everything after that runs without MediaPipe.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from fhp_monitor.core.calibration import is_forward, load_baseline
from fhp_monitor.core.geometry import NO_PERSON, read_posture
from fhp_monitor.core.ports import Frame, PoseLandmarks, PoseResult, pose_for
from fhp_monitor.sensing.landmarks_csv import HEADER, LandmarkCsvSource, LandmarkCsvWriter, LandmarkFileError
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day, calibration_folder
from tests.support.running import clean_env, fhp

REPO = Path(__file__).resolve().parents[2]
KEY_LANDMARKS = (0, 7, 8, 11, 12)  # nose, ears, shoulders: all the posture geometry uses
UPRIGHT_S = FORWARD_S = 60  # the recorded video: one minute of each at 1 frame per second


def json_rows(done: subprocess.CompletedProcess) -> list[dict]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def read_table(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_table(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict:
    """A calibrated home, a real video, and the CSV recorded from it while replaying it."""
    folder = tmp_path_factory.mktemp("landmarks")
    home = folder / "home"
    calibrated = fhp(home, "calibrate", "--source", str(calibration_folder()), "--no-gui")
    assert calibrated.returncode == 0, calibrated.stderr
    video = build_recorded_day(folder / "day.avi", [(UPRIGHT, UPRIGHT_S / 60), (FORWARD, FORWARD_S / 60)])
    recording = folder / "day.csv"
    video_rows = json_rows(fhp(home, "replay", str(video), "--json", "--landmarks-out", str(recording)))
    return {"home": home, "video": video, "csv": recording, "video_rows": video_rows}


@pytest.fixture
def home(tmp_path, recorded) -> Path:
    """A fresh copy of the calibrated home (so a test's history or calibration stays its own)."""
    target = tmp_path / "home"
    target.mkdir()
    for name in ("calibration.json", "config.yaml"):
        shutil.copy(recorded["home"] / name, target / name)
    return target


def readings_of(source) -> list:
    source.open()
    try:
        readings = []
        while (frame := source.read()) is not None:
            readings.append(read_posture(frame.pose))
        return readings
    finally:
        source.release()


# ----------------------------------------------------------------------------- the round trip


@pytest.mark.linux_only
def test_the_recording_is_the_documented_csv_private_and_one_row_per_frame(recorded):
    path = recorded["csv"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    table = read_table(path)
    assert table[0] == list(HEADER) and len(HEADER) == 3 + 33 * 4
    assert table[0][:7] == ["t", "width", "height", "x0", "y0", "z0", "v0"] and table[0][-1] == "v32"
    rows = table[1:]
    assert len(rows) == len(recorded["video_rows"]) == UPRIGHT_S + FORWARD_S
    assert [float(row[0]) for row in rows] == [float(i) for i in range(len(rows))]  # the video's 1 fps timeline
    assert {(row[1], row[2]) for row in rows} == {("224", "224")}  # the photos' size
    for row in rows:
        values = [float(cell) for cell in row[3:]]  # a person in every frame: every cell is a number
        assert all(0.0 <= v <= 1.0 for v in values[3::4])
        assert all(math.isfinite(v) for v in values)


def test_replaying_the_recording_gives_the_verdicts_of_the_video(recorded):
    csv_rows = json_rows(fhp(recorded["home"], "replay", str(recorded["csv"]), "--json"))
    video_rows = recorded["video_rows"]
    assert len(csv_rows) == len(video_rows)
    for i, (from_csv, from_video) in enumerate(zip(csv_rows, video_rows)):
        assert from_csv["source"] == str(recorded["csv"]) and from_csv["frame"] == i
        def without_source(row: dict) -> dict:
            return {k: v for k, v in row.items() if k != "source"}

        assert without_source(from_csv) == without_source(from_video)
    verdicts = [row["forward"] for row in video_rows]
    assert verdicts.count(True) >= 20 and verdicts.count(False) >= 20  # a test that could tell them apart


def test_the_recorded_cva_equals_the_video_cva_to_1e6(recorded):
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator
    from fhp_monitor.sensing.sources import VideoFileSource

    baseline = load_baseline(recorded["home"] / "calibration.json")
    video = VideoFileSource(recorded["video"])
    with MediaPipePoseEstimator() as estimator:
        video.open()
        from_video = []
        while (frame := video.read()) is not None:
            from_video.append(read_posture(pose_for(frame, estimator)))
        video.release()
    from_csv = readings_of(LandmarkCsvSource(recorded["csv"]))
    assert len(from_csv) == len(from_video)
    for a, b in zip(from_video, from_csv):
        assert (a.view, a.reason) == (b.view, b.reason)
        assert is_forward(baseline, a) == is_forward(baseline, b)
        assert (a.cva_proxy_deg is None) == (b.cva_proxy_deg is None)
        if a.cva_proxy_deg is not None:
            assert abs(a.cva_proxy_deg - b.cva_proxy_deg) <= 1e-6


@pytest.mark.parametrize("missing", ["empty", "zeros"])
def test_rows_with_only_nose_ears_and_shoulders_are_judged_fully(recorded, tmp_path, missing):
    """Other tools record a few points: the others empty, or 0 with visibility 0."""
    table = read_table(recorded["csv"])
    filler = ["", "", "", ""] if missing == "empty" else ["0", "0", "0", "0"]
    for row in table[1:]:
        for i in range(33):
            if i not in KEY_LANDMARKS:
                row[3 + 4 * i:7 + 4 * i] = filler
    few = write_table(tmp_path / "few.csv", table)
    full_rows = json_rows(fhp(recorded["home"], "replay", str(recorded["csv"]), "--json"))
    few_rows = json_rows(fhp(recorded["home"], "replay", str(few), "--json"))
    assert [{k: v for k, v in row.items() if k != "source"} for row in few_rows] == \
           [{k: v for k, v in row.items() if k != "source"} for row in full_rows]
    assert sum(row["forward"] is not None for row in few_rows) == len(few_rows)  # every row judged
    exact_full, exact_few = readings_of(LandmarkCsvSource(recorded["csv"])), readings_of(LandmarkCsvSource(few))
    assert [r.cva_proxy_deg for r in exact_few] == [r.cva_proxy_deg for r in exact_full]


def test_a_row_without_landmarks_is_no_one_in_view(recorded, tmp_path):
    table = read_table(recorded["csv"])[:4]
    table[2][3:] = [""] * (33 * 4)
    rows = json_rows(fhp(recorded["home"], "replay", str(write_table(tmp_path / "away.csv", table)), "--json"))
    assert [row["reason"] for row in rows] == [None, NO_PERSON, None]
    assert rows[1]["forward"] is None and rows[0]["forward"] is not None


# ----------------------------------------------------------------------------- calibrate and run


def test_calibrating_from_a_recording_equals_calibrating_from_its_pictures(recorded, tmp_path):
    pictures_home, csv_home = tmp_path / "pictures", tmp_path / "csv"
    recording = tmp_path / "upright.csv"
    json_rows(fhp(pictures_home, "replay", str(calibration_folder()), "--json", "--landmarks-out", str(recording)))
    assert fhp(pictures_home, "calibrate", "--source", str(calibration_folder()), "--no-gui").returncode == 0
    done = fhp(csv_home, "calibrate", "--source", str(recording), "--no-gui")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Calibrated from ")
    a, b = load_baseline(pictures_home / "calibration.json"), load_baseline(csv_home / "calibration.json")
    assert (a.view, a.samples) == (b.view, b.samples) and a.samples >= 5
    assert abs(a.cva_proxy_deg - b.cva_proxy_deg) <= 1e-6 and abs(a.spread_deg - b.spread_deg) <= 1e-6


def test_the_calibration_window_refuses_a_recording_in_one_plain_line(recorded, home):
    done = fhp(home, "calibrate", "--source", str(recorded["csv"]))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--no-gui" in done.stderr


def test_replay_and_calibrate_from_a_recording_never_load_mediapipe(recorded, tmp_path):
    code = (
        "import contextlib, io, sys\n"
        "from fhp_monitor.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    assert main(['--home', {str(tmp_path / 'h')!r}, 'calibrate', '--source', "
        f"{str(recorded['csv'])!r}, '--no-gui']) == 0\n"
        f"    assert main(['--home', {str(tmp_path / 'h')!r}, 'replay', {str(recorded['csv'])!r}, '--json']) == 0\n"
        "rows = out.getvalue().splitlines()\n"
        "print(len(rows), 'mediapipe' in sys.modules, any(m.startswith('mediapipe') for m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**clean_env(), "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(UPRIGHT_S + FORWARD_S + 1), "False", "False"]


def test_run_monitors_a_recording_on_its_own_timeline_and_nudges(recorded, home, tmp_path):
    """Two upright minutes, three forward, one upright, at one row a second, from the recorded rows."""
    table = read_table(recorded["csv"])
    upright, forward = table[1:1 + UPRIGHT_S], table[1 + UPRIGHT_S:]
    rows = []
    for label_rows, minutes in ((upright, 2), (forward, 3), (upright, 1)):
        for second in range(60 * minutes):
            row = list(label_rows[second % len(label_rows)])
            row[0] = repr(float(len(rows)))
            rows.append(row)
    long = write_table(tmp_path / "long.csv", [table[0], *rows])
    start = "2026-11-20T09:00:00"
    done = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(long),
                           "--speed", "0", "--exit-at-end", "--no-tray", "--start", start],
                          cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(home / "history.sqlite3")
    try:
        minutes = conn.execute("SELECT minute, upright_s, forward_s, uncertain_s, away_s FROM minutes "
                               "ORDER BY minute").fetchall()
        nudges = conn.execute("SELECT at FROM nudges").fetchall()
    finally:
        conn.close()
    first = datetime.fromisoformat(start).timestamp()
    assert [m[0] for m in minutes] == [first + 60 * i for i in range(6)]  # the file's t is the clock
    assert sum(sum(m[1:]) for m in minutes) == pytest.approx(6 * 60 - 1, abs=5)
    for number, (_minute, upright_s, forward_s, uncertain_s, away_s) in enumerate(minutes):
        if number in (0, 1, 5):
            assert upright_s > 40 and forward_s < 15, minutes
        if number in (3, 4):
            assert forward_s > 40 and upright_s < 20, minutes
        assert uncertain_s == away_s == 0  # a landmark frame is never "the picture could not be read"
    assert len(nudges) >= 1 and first + 120 < nudges[0][0] < first + 300  # nudged during the forward minutes


# ----------------------------------------------------------------------------- bad files


def good_rows(recorded, count: int = 3) -> list[list[str]]:
    return read_table(recorded["csv"])[:1 + count]


def _column(name: str) -> int:
    return HEADER.index(name)


def _set(rows, line: int, name: str, value: str):
    rows[line - 1][_column(name)] = value
    return rows


BAD_FILES = {
    # name: (make rows or bytes, text the one-line message must hold)
    "wrong header": (lambda r: _set(r, 1, "y3", "y_3"), ["line 1, column 17 (y3)", "'y_3'"]),
    "no header": (lambda r: r[1:], ["line 1, column 1 (t)"]),
    "short header": (lambda r: [r[0][:20]] + r[1:], ["line 1", "20 columns, expected 135"]),
    "short row": (lambda r: r[:2] + [r[2][:-1]] + r[3:], ["line 3", "134 cells, expected 135"]),
    "long row": (lambda r: r[:3] + [r[3] + ["0"]], ["line 4", "136 cells, expected 135"]),
    "text in a cell": (lambda r: _set(r, 3, "x7", "left ear"),
                       ["line 3, column 32 (x7)", "'left ear' is not a number"]),
    "NaN": (lambda r: _set(r, 2, "y11", "nan"), ["line 2, column 49 (y11)", "not a finite number"]),
    "infinity": (lambda r: _set(r, 4, "z0", "inf"), ["line 4, column 6 (z0)", "not a finite number"]),
    "pixel coordinates": (lambda r: _set(r, 2, "x0", "312.5"), ["line 2, column 4 (x0)", "far outside the picture"]),
    "nose far outside": (lambda r: _set(r, 2, "y0", "-2.5"), ["line 2, column 5 (y0)", "far outside the picture"]),
    "visibility above 1": (lambda r: _set(r, 2, "v8", "1.5"), ["line 2, column 39 (v8)", "between 0 and 1"]),
    "visible point without x": (lambda r: _set(r, 2, "x12", ""), ["line 2, column 52 (x12)", "empty"]),
    "point without visibility": (lambda r: _set(r, 2, "v12", ""), ["line 2, column 55 (v12)", "visibility"]),
    "time backwards": (lambda r: _set(r, 4, "t", "0.5"), ["line 4, column 1 (t)", "backwards"]),
    "negative time": (lambda r: _set(r, 2, "t", "-1"), ["line 2, column 1 (t)", "negative"]),
    "empty time": (lambda r: _set(r, 3, "t", ""), ["line 3, column 1 (t)", "empty"]),
    "zero width": (lambda r: _set(r, 2, "width", "0"), ["line 2, column 2 (width)", "frame size"]),
    "negative height": (lambda r: _set(r, 3, "height", "-360"), ["line 3, column 3 (height)", "frame size"]),
    "fractional width": (lambda r: _set(r, 3, "width", "640.5"), ["line 3, column 2 (width)", "whole number"]),
    "empty file": (b"", ["is empty", "header"]),
    "not UTF-8": ("t,width,height\n\u00e9t\u00e9,1,2\n".encode("latin-1"), ["is not UTF-8 text"]),
    "binary": (bytes(range(256)) * 4, ["UTF-8"]),
}
#: These also go through the real CLI (replay and calibrate); every case is checked in-process.
THROUGH_THE_CLI = {"wrong header", "NaN", "empty file", "not UTF-8", "time backwards"}


def bad_file(recorded, tmp_path: Path, case: str) -> Path:
    make, _ = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    if isinstance(make, bytes):
        path.write_bytes(make)
    else:
        write_table(path, make(good_rows(recorded)))
    return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_in_one_line_naming_file_line_and_column(recorded, tmp_path, case):
    path = bad_file(recorded, tmp_path, case)
    source = LandmarkCsvSource(path)
    with pytest.raises(LandmarkFileError) as caught:
        source.open()
        while source.read() is not None:
            pass
    source.release()
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"The landmark file {path}")
    for text in BAD_FILES[case][1]:
        assert text in message, message


@pytest.mark.parametrize("case", sorted(THROUGH_THE_CLI))
def test_the_cli_reports_a_bad_file_in_one_plain_line_with_exit_2(recorded, home, tmp_path, case):
    path = bad_file(recorded, tmp_path, case)
    for command in (["replay", str(path), "--json"], ["calibrate", "--source", str(path), "--no-gui"]):
        done = fhp(home, *command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert lines[0].startswith(f"fhp-monitor: The landmark file {path}")
        assert all(text in lines[0] for text in BAD_FILES[case][1]), lines[0]
    assert load_baseline(home / "calibration.json") == load_baseline(recorded["home"] / "calibration.json")


def test_a_bad_row_found_by_run_ends_it_with_one_plain_line(recorded, home, tmp_path):
    path = write_table(tmp_path / "bad.csv", _set(good_rows(recorded, 20), 15, "y7", "oops"))
    done = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(path),
                           "--speed", "0", "--exit-at-end", "--no-tray"],
                          cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "line 15, column 33 (y7): 'oops' is not a number" in done.stderr.strip().splitlines()[-1]


def test_blank_lines_and_a_byte_order_mark_are_fine(recorded, tmp_path):
    text = recorded["csv"].read_text(encoding="utf-8").splitlines()
    path = tmp_path / "excel.csv"
    path.write_text("\ufeff" + "\r\n".join([text[0], text[1], "", text[2], ""]) + "\r\n", encoding="utf-8")
    rows = json_rows(fhp(recorded["home"], "replay", str(path), "--json"))
    assert [row["frame"] for row in rows] == [0, 1]
    assert [row["cva_proxy_deg"] for row in rows] == [row["cva_proxy_deg"] for row in recorded["video_rows"][:2]]


# ----------------------------------------------------------------------------- writing


@pytest.mark.linux_only
def test_landmarks_out_never_writes_through_a_symlink(recorded, home, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    done = fhp(home, "replay", str(recorded["csv"]), "--json", "--landmarks-out", str(link))
    assert done.returncode == 2 and done.stdout == ""
    assert "symbolic link" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert target.read_text() == "keep me" and link.is_symlink()


def test_landmarks_out_refuses_the_file_being_replayed(recorded, home, tmp_path):
    copy = tmp_path / "copy.csv"
    shutil.copy(recorded["csv"], copy)
    before = copy.read_bytes()
    done = fhp(home, "replay", str(copy), "--landmarks-out", str(tmp_path / "." / "copy.csv"))
    assert done.returncode == 2 and "being replayed" in done.stderr
    assert copy.read_bytes() == before


@pytest.mark.linux_only
def test_landmarks_out_is_private_when_new_and_keeps_an_existing_files_mode(recorded, home, tmp_path):
    new, existing = tmp_path / "new.csv", tmp_path / "existing.csv"
    existing.write_text("old content that must go\n" * 100)
    existing.chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        for path in (new, existing):
            json_rows(fhp(home, "replay", str(recorded["csv"]), "--json", "--landmarks-out", str(path)))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644
    assert new.read_bytes() == existing.read_bytes() == recorded["csv"].read_bytes()  # a CSV replay re-records exactly


def test_a_camera_recording_counts_time_from_its_first_frame(tmp_path):
    person = PoseLandmarks(image=np.full((33, 3), 0.5), world=np.zeros((33, 3)), visibility=np.full(33, 0.9))
    result = PoseResult(poses=(person,), width=640, height=360)
    with LandmarkCsvWriter(tmp_path / "camera.csv", from_first_frame=True) as writer:
        for i, t in enumerate((5012.25, 5012.5, 5014.0)):  # a camera's monotonic clock
            writer.write(Frame(image=None, t=t, index=i), result if i != 1 else PoseResult((), 640, 360))
    source = LandmarkCsvSource(tmp_path / "camera.csv")
    source.open()
    frames = [source.read(), source.read(), source.read(), source.read()]
    source.release()
    assert frames[3] is None
    assert [f.t for f in frames[:3]] == [0.0, 0.25, 1.75] and [f.index for f in frames[:3]] == [0, 1, 2]
    assert [len(f.pose.poses) for f in frames[:3]] == [1, 0, 1] and frames[0].image is None
    assert (frames[0].pose.width, frames[0].pose.height) == (640, 360)


def test_a_missing_recording_is_one_plain_line(tmp_path):
    with pytest.raises(LandmarkFileError, match="was not found"):
        LandmarkCsvSource(tmp_path / "nothing.csv").open()
