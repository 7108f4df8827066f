"""Issue 26, the newcomer's first hour at the command line, through the real ``python -m fhp_monitor``.

One group per numbered point: 3 (trying it without a camera: ``--home`` anywhere, ``--source`` alone),
5 (help lines, ``export`` alone, the pause forms, replay's words and total), 6 (words: the name once,
plurals, "not found"), 8 (a short day: too early to tell, the CSV's columns agree), 9 (``status``
says where the home and the log are, and the version; README says the same). The demo (3) has its own
desktop test (test_demo_desktop.py), the wizard's words (7) theirs in tests/gui.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from fhp_monitor import __version__
from fhp_monitor.cli.demo import recording_path
from fhp_monitor.cli.parser import build_parser
from fhp_monitor.control import client as control_client
from fhp_monitor.errors import UserError
from tests.support.running import REPO, clean_env, fhp


def recording_of(path: Path, seconds: int, step_s: float = 1.0) -> Path:
    """A short landmark recording: the demo recording's first (sitting tall) rows, ``step_s`` apart."""
    with open(recording_path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    body = [[f"{i * step_s:g}", *rows[1 + i % 20][1:]] for i in range(int(seconds / step_s))]
    with open(path, "w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows([rows[0], *body])
    return path


@pytest.fixture
def demo_calibrated(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    done = fhp(home, "calibrate", "--source", str(recording_path()), "--no-gui")
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture
def short_day(tmp_path: Path, demo_calibrated: Path) -> Path:
    """The issue's case: a 15-second run (a short recording played to its end), then quit."""
    recording = recording_of(tmp_path / "short.csv", 15)
    minute = datetime.now().replace(second=0, microsecond=0).isoformat()  # today, within one minute
    done = fhp(demo_calibrated, "run", "--source", str(recording), "--speed", "0", "--exit-at-end", "--no-tray",
               "--start", minute)
    assert done.returncode == 0, done.stderr
    return demo_calibrated


# ----------------------------------------------------------------------------- 3: try it


def test_home_is_accepted_after_the_command_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    after = fhp(None, "status", "--home", str(home))
    before = fhp(home, "status")
    assert after.returncode == 0, after.stderr
    assert f"Home:        {home}" in after.stdout and after.stdout == before.stdout


def test_run_options_without_the_word_run_start_monitoring(tmp_path: Path, demo_calibrated: Path) -> None:
    recording = recording_of(tmp_path / "two-minutes.csv", 120, step_s=5)
    done = fhp(demo_calibrated, "--source", str(recording), "--speed", "0", "--exit-at-end", "--no-tray")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(fhp(demo_calibrated, "export").stdout)))
    assert sum(float(r["upright_s"]) for r in rows) >= 100  # it monitored the recording, sitting tall


# ----------------------------------------------------------------------------- 5: help and forms


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_command_and_option_has_a_help_line_in_plain_words() -> None:
    parser = build_parser()
    texts = []
    for name, command in subcommands(parser).items():
        assert command.description, f"`fhp-monitor {name} --help` has no description"
        texts.append(command.description)
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, f"{name} {action.option_strings or action.dest}"
            texts.append(action.help)
    assert not [t for t in texts if re.search(r"CVA|proxy|detection", t, re.IGNORECASE)], texts
    commands = subcommands(parser)
    for name in ("summary", "status"):
        json_option = next(a for a in commands[name]._actions if "--json" in a.option_strings)
        assert "JSON" in json_option.help
    source = next(a for a in commands["run"]._actions if "--source" in a.option_strings)
    assert ".csv" in source.help


def test_export_alone_writes_csv_on_the_screen(tmp_path: Path) -> None:
    done = fhp(tmp_path / "home", "export")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("minute_local,minute_epoch,upright_s")


def test_pause_takes_minutes_lengths_and_a_time_of_day() -> None:
    at_one = datetime(2026, 11, 20, 13, 0, 0)
    assert control_client.parse_pause("5") == 300
    assert control_client.parse_pause("2h30m") == 9000
    assert control_client.parse_pause("1h") == 3600 and control_client.parse_pause("90s") == 90
    assert control_client.parse_pause("until 14:00", now=at_one) == 3600
    assert control_client.parse_pause("until 9:30", now=at_one) == 20 * 3600 + 30 * 60  # tomorrow morning
    for wrong in ("until 25:00", "2h30", "0", "until", "25h"):
        with pytest.raises(UserError, match="until 14:00"):
            control_client.parse_pause(wrong, now=at_one)


@pytest.mark.parametrize("words", [["5"], ["2h30m"], ["until", "14:00"]])
def test_the_new_pause_forms_reach_the_instance_question(tmp_path: Path, words: list[str]) -> None:
    done = fhp(tmp_path / "home", "pause", *words)
    assert done.returncode == 3, done.stderr  # accepted; only then is there nothing running to pause
    assert "nothing to pause" in done.stderr


def test_replay_uses_plain_words_and_ends_with_a_total(tmp_path: Path, demo_calibrated: Path) -> None:
    done = fhp(demo_calibrated, "replay", str(recording_of(tmp_path / "r.csv", 12)))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "CVA" not in lines[0] and "proxy" not in lines[0]
    assert lines[-1] == "In all: 12 frames, 12 upright, 0 head forward."


# ----------------------------------------------------------------------------- 6: words


def test_an_error_names_the_program_once(tmp_path: Path) -> None:
    done = fhp(tmp_path / "home", "summary", "--chart", str(tmp_path / "no" / "such" / "folder" / "day.png"))
    assert done.returncode == 2
    assert done.stderr.startswith("fhp-monitor cannot write the chart") and len(done.stderr.splitlines()) == 1
    assert "fhp-monitor: fhp-monitor" not in done.stderr


@pytest.mark.parametrize("name", ["missing.mp4", "missing-folder", "missing.csv"])
def test_a_missing_file_is_not_found(tmp_path: Path, name: str) -> None:
    done = fhp(tmp_path / "home", "replay", str(tmp_path / name))
    assert done.returncode == 2 and "not found" in done.stderr, done.stderr
    assert "is not a camera number" not in done.stderr


def test_one_minute_is_one_minute(tmp_path: Path, short_day: Path) -> None:
    done = fhp(short_day, "export", "--csv", str(tmp_path / "day.csv"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"Wrote 1 minute to {tmp_path / 'day.csv'}"


# ----------------------------------------------------------------------------- 8: a short day


def test_fifteen_seconds_are_too_early_to_tell_and_the_csv_columns_agree(short_day: Path) -> None:
    summary = fhp(short_day, "summary")
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith("It is too early to tell how you sat today")
    assert "%" not in summary.stdout and "Nice work" not in summary.stdout
    assert not re.search(r"\b0 min\b", summary.stdout), summary.stdout  # no table of empty hours
    rows = list(csv.DictReader(io.StringIO(fhp(short_day, "export").stdout)))
    assert rows and sum(float(r["upright_s"]) for r in rows) == pytest.approx(15, abs=1)
    for row in rows:
        if float(row["upright_s"]) + float(row["forward_s"]) > 0:  # time judged from a look...
            assert int(row["samples"]) >= 1 and row["cva_proxy_mean"], row  # ...has that look's angle


# ----------------------------------------------------------------------------- 9: where things are


def test_status_says_the_version_the_home_and_the_log(tmp_path: Path) -> None:
    home = tmp_path / "home"
    text = fhp(home, "status").stdout
    assert f"Version:     fhp-monitor {__version__}" in text
    assert f"Home:        {home}" in text and f"Log:         {home / 'logs' / 'fhp-monitor.log'}" in text
    status = json.loads(fhp(home, "status", "--json").stdout)
    assert status["version"] == __version__ and status["home"] == str(home)
    assert Path(status["log"]).is_file()  # the log is really there


def test_the_default_log_is_where_readme_says(tmp_path: Path) -> None:
    env = {k: v for k, v in clean_env(HOME=str(tmp_path)).items() if not k.startswith("XDG_")}
    done = fhp(None, "status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    home, log = Path(status["home"]), Path(status["log"])
    assert home == tmp_path / ".local" / "share" / "fhp-monitor" and "~/.local/share/fhp-monitor" in readme
    assert log == tmp_path / ".local" / "state" / "fhp-monitor" / "log" / "fhp-monitor.log" and log.is_file()
    assert "~/.local/state/fhp-monitor/log/fhp-monitor.log" in readme
