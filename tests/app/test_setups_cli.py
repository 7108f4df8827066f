"""One calibration per setup through the real ``python -m fhp_monitor`` (issue 22): ``calibrate`` names
setups, ``run`` on a recording of two saved setups and an unknown one switches without a question and
asks once, ``setups`` lists, renames and deletes them, and a home from before setups keeps its calibration.

The second and third places are synthetic (the demo's real landmarks scaled and shifted as a moved camera
would see them, tests/support/setup_recordings.py); the recording's own timeline is the clock (--speed 0).
"""

from __future__ import annotations

import json
from pathlib import Path

from fhp_monitor.core.calibration import load_baseline, save_baseline
from fhp_monitor.home.folder import Home
from tests.support.running import fhp
from tests.support.setup_recordings import DESK, MONITOR, UNKNOWN, write


def calibrate(home: Path, recording: Path, *extra: str):
    done = fhp(home, "calibrate", "--no-gui", "--source", str(recording), "--frames", "30", *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout


def listed(home: Path) -> list[dict]:
    done = fhp(home, "setups", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_calibrate_two_setups_then_a_run_switches_between_them_and_asks_once_at_an_unknown_place(tmp_path):
    home = tmp_path / "home"
    assert "setup" not in calibrate(home, write(tmp_path / "desk.csv", [(DESK, 60)], step_s=2.0))  # one: no word
    assert "\u201cSetup 2\u201d" in calibrate(home, write(tmp_path / "monitor.csv", [(MONITOR, 60)], step_s=2.0))
    assert [(s["name"], s["in_use"]) for s in listed(home)] == [("Desk", False), ("Setup 2", True)]

    day = write(tmp_path / "day.csv", [(DESK, 600), (MONITOR, 600), (UNKNOWN, 600)])
    done = fhp(home, "run", "--source", str(day), "--speed", "0", "--exit-at-end", "--no-tray")
    assert done.returncode == 0, done.stderr
    log = Home(root=home, log_dir=home / "logs", chosen=True).log_file.read_text(encoding="utf-8")
    switches = [line.split("saved setup ")[1].split(";")[0] for line in log.splitlines()
                if "fits the saved setup" in line]
    assert switches == ["'Desk'", "'Setup 2'"]
    assert log.count("no saved setup fits the picture: asking to recalibrate") == 1
    assert [(s["name"], s["in_use"]) for s in listed(home)] == [("Desk", False), ("Setup 2", True)]


def test_setups_are_renamed_and_deleted_and_the_one_in_use_is_kept(tmp_path):
    home = tmp_path / "home"
    calibrate(home, write(tmp_path / "desk.csv", [(DESK, 60)], step_s=2.0))
    calibrate(home, write(tmp_path / "monitor.csv", [(MONITOR, 60)], step_s=2.0), "--setup", "Kitchen")
    renamed = fhp(home, "setups", "rename", "Kitchen", "At the big screen")
    assert renamed.returncode == 0 and "At the big screen" in renamed.stdout
    refused = fhp(home, "setups", "delete", "At the big screen")  # in use now
    assert refused.returncode != 0 and refused.stderr.count("\n") == 1 and "in use" in refused.stderr
    assert "Traceback" not in refused.stderr
    deleted = fhp(home, "setups", "delete", "desk")  # names match whatever the case
    assert deleted.returncode == 0, deleted.stderr
    assert [(s["name"], s["in_use"]) for s in listed(home)] == [("At the big screen", True)]
    for wrong in (("rename", "Only-one"), ("delete", "Nowhere"), ("rename", "At the big screen", "  ")):
        done = fhp(home, "setups", *wrong)
        assert done.returncode != 0 and done.stderr.startswith("fhp-monitor: ") and done.stderr.count("\n") == 1


def test_a_home_from_before_setups_keeps_its_calibration_as_the_setup_desk(tmp_path):
    home = tmp_path / "home"
    calibrate(home, write(tmp_path / "desk.csv", [(DESK, 60)], step_s=2.0))
    baseline = load_baseline(home / "calibration.json")
    (home / "setups.json").unlink()
    save_baseline(home / "calibration.json", baseline)  # as an older version left it: no setups.json
    before = (home / "calibration.json").read_bytes()
    shown = fhp(home, "setups")
    assert shown.returncode == 0, shown.stderr
    assert "* Desk" in shown.stdout and "in use" in shown.stdout
    assert (home / "calibration.json").read_bytes() == before  # left as it was
    assert (home / "setups.json").exists()
