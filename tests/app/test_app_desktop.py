"""The whole app on a recorded day under a real desktop: Xvfb + trayer + dunst on a D-Bus session.

Acceptance for the tray/worker/nudges issue and the history/summary issue: the recorded day is
built from the real labelled photos (upright minutes -> forward minutes -> upright minutes), the
app runs with ``--speed 0 --exit-at-end`` so the file's own timeline is the clock, and we check
what arrived at the notification daemon, what docked in the tray, and what the summary says.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime

import pytest

from fhp_monitor.core import messages
from tests.support.desktop import wait_until
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day, calibration_folder
from tests.support.running import fhp, finish

pytestmark = pytest.mark.gui

START = "2026-11-20T09:00:00"
PLAN = [(UPRIGHT, 4), (FORWARD, 6), (UPRIGHT, 4)]  # minutes
NUDGE_TITLES = set(messages.FIRST_TITLES) | set(messages.ESCALATED_TITLES)


@pytest.fixture(scope="module")
def replayed_day(tmp_path_factory, desktop):
    """Run the app once over the recorded day; return what we observed."""
    work = tmp_path_factory.mktemp("day")
    home = work / "home"
    video = build_recorded_day(work / "day.avi", PLAN)
    calibrated = fhp(home, "calibrate", "--no-gui", "--source", str(calibration_folder()))
    assert calibrated.returncode == 0, calibrated.stderr
    before = len(desktop.notifications())

    process = subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(video),
         "--speed", "0", "--start", START, "--exit-at-end"],
        env=desktop.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    docked: list[dict] = []
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if not docked:
            docked = [w for w in desktop.tray_children() if w["name"].startswith("fhp-monitor")]
        time.sleep(0.05)  # polling the X server for the icon: there is no event to wait on
    out, err = process.communicate(timeout=60)
    arrived = desktop.notifications()
    new = arrived[: len(arrived) - before]
    return {"home": home, "returncode": process.returncode, "stderr": err, "docked": docked,
            "notifications": new}


def test_the_run_ends_cleanly_at_the_end_of_the_recording(replayed_day):
    assert replayed_day["returncode"] == 0, replayed_day["stderr"]


def test_the_tray_icon_docked_in_the_real_tray_host(replayed_day):
    assert replayed_day["docked"], "no fhp-monitor icon appeared in trayer"
    assert replayed_day["docked"][0]["width"] > 0


def test_nudges_arrived_only_during_the_forward_period(replayed_day):
    nudges = [n for n in replayed_day["notifications"] if n["summary"] in NUDGE_TITLES]
    assert nudges, replayed_day["notifications"]
    assert all(n["appname"] == "fhp-monitor" for n in nudges)
    summary = json.loads(fhp(replayed_day["home"], "summary", "--date", "2026-11-20", "--json").stdout)
    assert len(summary["nudges"]) == len(nudges)
    start = datetime.fromisoformat(START).timestamp()
    forward_from, forward_to = start + 4 * 60, start + 10 * 60
    for nudge in summary["nudges"]:
        at = datetime.fromisoformat(nudge["at"]).timestamp()
        assert forward_from + 60 <= at <= forward_to, nudge  # after the onset delay, inside the period
    # 6 forward minutes with a 15-minute cooldown: exactly one nudge
    assert len(nudges) == 1


def test_the_summary_matches_the_planned_periods(replayed_day):
    result = fhp(replayed_day["home"], "summary", "--date", "2026-11-20", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    planned_upright, planned_forward = 8 * 60, 6 * 60
    assert abs(summary["upright_s"] - planned_upright) <= 0.1 * planned_upright, summary
    assert abs(summary["forward_s"] - planned_forward) <= 0.1 * planned_forward, summary
    assert summary["date"] == "2026-11-20"
    assert len(summary["hourly"]) == 24 and summary["hourly"][9]["upright_s"] > 0
    assert len(summary["week"]) == 7


def test_clicking_the_tray_icon_opens_the_panel_and_its_pause_button_pauses(desktop, tmp_path):
    """As a user would: click the icon in trayer, then 'Pause 15 minutes' in the window that opens."""
    home = tmp_path / "home"
    video = build_recorded_day(tmp_path / "short.avi", [(UPRIGHT, 2)])
    assert fhp(home, "calibrate", "--no-gui", "--source", str(calibration_folder())).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(video), "--speed", "1"],
        env=desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def our_icon():
            return [w for w in desktop.tray_children() if w["name"].startswith("fhp-monitor")]

        icon = wait_until(our_icon, 30, "the tray icon")[0]
        wait_until(lambda: "Sitting tall" in desktop.window_name(icon["id"]), 30, "the first reading")
        desktop.click_at(icon["x"] + icon["width"] // 2, icon["y"] + icon["height"] // 2)
        panel = wait_until(lambda: desktop.find_windows("fhp-monitor"), 15, "the control panel")[0]
        shot = desktop.screenshot(tmp_path / "panel.png")
        assert shot.stat().st_size > 10_000
        desktop.run("xdotool", "windowfocus", "--sync", str(panel))
        desktop.run("xdotool", "key", "Return")  # the first button has the focus: "Pause 15 minutes"
        wait_until(lambda: "Paused until" in desktop.window_name(icon["id"]), 15, "the paused tooltip")
    finally:
        _, err = finish(process)
    assert process.returncode == 0, err
