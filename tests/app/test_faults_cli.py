"""Small sharp edges of the command line: one plain line and status 2, never a traceback.

Real files and folders: a photo literally named ``me[1].jpg`` next to ``me1.jpg``, exports into
missing folders or onto folders, extreme dates, bad --frames and --home, and the login entry.
"""

from __future__ import annotations

import json
import shutil

import pytest

from fhp_monitor.settings.edit import save_changes
from fhp_monitor.settings.file import load_settings
from tests.support.faults_support import replay_args
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import SESSION, build_recorded_day, calibration_folder
from tests.support.running import clean_env, fhp

pytestmark = pytest.mark.faults



def one_line(done) -> str:
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_a_source_name_with_brackets_is_read_literally_and_a_pattern_still_globs(tmp_path, home):
    upright = sorted((SESSION / UPRIGHT).glob("*.jpg"))[0]
    forward = sorted((SESSION / FORWARD).glob("*.jpg"))[0]
    shutil.copy(forward, tmp_path / "me[1].jpg")  # the file the user named
    shutil.copy(upright, tmp_path / "me1.jpg")  # what the glob "me[1].jpg" would match instead
    literal = fhp(home, "replay", str(tmp_path / "me[1].jpg"), "--json")
    assert literal.returncode == 0, literal.stderr
    frames = [json.loads(line) for line in literal.stdout.splitlines()]
    assert [f["source"] for f in frames] == [str(tmp_path / "me[1].jpg")]
    assert frames[0]["forward"] is True
    pattern = fhp(home, "replay", str(tmp_path / "m?1.jpg"), "--json")  # no such file: the user wrote a pattern
    assert pattern.returncode == 0, pattern.stderr
    assert [json.loads(line)["source"] for line in pattern.stdout.splitlines()] == [str(tmp_path / "me1.jpg")]


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_export_csv_into_a_missing_folder_or_onto_a_folder(home, tmp_path, where):
    target = tmp_path / "nowhere" / "out.csv" if where == "missing folder" else tmp_path
    line = one_line(fhp(home, "export", "--csv", str(target)))
    assert str(target) in line and "cannot write" in line


@pytest.mark.parametrize("where", ["missing folder", "a folder"])
def test_summary_chart_into_a_missing_folder_or_onto_a_folder(home, tmp_path, where):
    target = tmp_path / "nowhere" / "day.png" if where == "missing folder" else tmp_path / "charts"
    target.parent.mkdir(exist_ok=True) if where == "a folder" else None
    if where == "a folder":
        target.mkdir()
    line = one_line(fhp(home, "summary", "--chart", str(target)))
    assert str(target) in line


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_extreme_summary_dates_are_one_line(home, day):
    line = one_line(fhp(home, "summary", "--date", day))
    assert "--date" in line and day in line


def test_a_date_without_data_is_an_empty_summary(home):
    done = fhp(home, "summary", "--date", "2001-02-03", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["monitored_s"] == 0


@pytest.mark.parametrize("frames, words", [("-3", "--frames must be a whole number from 5"),
                                           ("0", "--frames must be a whole number from 5"),
                                           ("2", "(calibration.min_frames)")])
def test_bad_frames_say_the_right_reason(home, frames, words):
    line = one_line(fhp(home, "calibrate", "--source", str(calibration_folder()), "--no-gui", "--frames", frames))
    assert words in line and f"(got {frames})" in line


def test_an_empty_home_is_an_error_not_the_default_folder(tmp_path):
    done = fhp("", "status", env=clean_env(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data")))
    assert "--home" in one_line(done)
    assert not (tmp_path / "data").exists()  # the default folder was not used (or made)


def test_the_login_entry_keeps_the_chosen_home_and_config_wins_at_start(home, tmp_path):
    recording = build_recorded_day(tmp_path / "day.avi", [(UPRIGHT, 1)])
    xdg = tmp_path / "xdg"
    env = clean_env(XDG_CONFIG_HOME=str(xdg))
    entry = xdg / "autostart" / "fhp-monitor.desktop"
    save_changes(home / "config.yaml", {("app", "autostart"): True})
    assert load_settings(home / "config.yaml").app.autostart is True
    assert "# Start fhp-monitor when you log in" in (home / "config.yaml").read_text()  # comments kept
    done = fhp(home, *replay_args(recording), env=env)
    assert done.returncode == 0, done.stderr
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    # the launcher the menu entry uses too (desktop/menu): the installed fhp-monitor script, else python -m
    assert exec_line.endswith(f"--home {home} run"), exec_line
    assert exec_line.split()[0].endswith("/fhp-monitor") or " -m fhp_monitor " in exec_line, exec_line
    save_changes(home / "config.yaml", {("app", "autostart"): False})
    assert fhp(home, *replay_args(recording), env=env).returncode == 0
    assert not entry.exists()  # config says no: the entry made earlier is removed at start
