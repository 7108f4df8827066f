"""The whole app on a desktop with a real StatusNotifierItem host (xfce4-panel) and dunst.

`fhp-monitor run --source <video> --speed 1` with short nudge timings: the tray item appears with
its menu; the first nudge arrives with buttons, and pressing "Pause for today" through dunst pauses
the running app; Resume, "Pause 15 minutes" and Quit from the tray menu (EventGroup, as
xfce4-panel sends) act on it; the run ends with status 0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import sni_host
from tests.support.desktop import Desktop, wait_until
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import FAST_SETTINGS, build_recorded_day, calibration_folder
from tests.support.running import fhp, finish

pytestmark = pytest.mark.gui


def test_tray_menu_and_nudge_buttons_control_the_running_app(sni_desktop: Desktop, tmp_path: Path) -> None:
    home = tmp_path / "home"
    video = build_recorded_day(tmp_path / "forward.avi", [(UPRIGHT, 0.25), (FORWARD, 4)])
    calibrated = fhp(home, "calibrate", "--no-gui", "--source", str(calibration_folder()))
    assert calibrated.returncode == 0, calibrated.stderr
    (home / "config.yaml").write_text(FAST_SETTINGS)
    subprocess.run(["dunstctl", "close-all"], env=sni_desktop.env, check=True)
    address = sni_desktop.bus_address
    process = subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(video), "--speed", "1"],
        env=sni_desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        entry = sni_host.app_item(address, process.pid, 60)

        def status():
            return sni_host.menu_layout(address, entry, "/MenuBar")[1]

        def first_line() -> str:
            return status()[0]["label"]

        labels = [e["label"] for e in status() if e["type"] != "separator"]
        assert {"Pause 15 minutes", "Resume", "Quit fhp-monitor"} <= set(labels)

        # the first nudge, on screen with its buttons; press one as a user would in dunst
        sni_desktop.press_button("Pause for today", timeout_s=90)  # waits for the first nudge
        paused_for_today = wait_until(
            lambda: first_line() if first_line().startswith("Paused until tomorrow") else None,
                                      15, "the app to pause for today")
        assert sni_host.item_properties(address, entry)["ToolTip"][3].startswith("Paused until tomorrow")

        resume = next(e for e in status() if e["label"] == "Resume")
        assert resume["enabled"] is True
        sni_host.click(address, entry, "/MenuBar", resume["id"], "group")
        wait_until(lambda: not first_line().startswith("Paused"), 15, "the app to resume")

        pause_15 = next(e for e in status() if e["label"] == "Pause 15 minutes")
        sni_host.click(address, entry, "/MenuBar", pause_15["id"], "group")
        # "Paused until 14:45", or "tomorrow 00:05" late in the evening: not the pause for today's line
        wait_until(lambda: first_line().startswith("Paused until ") and first_line() != paused_for_today, 15,
                   "the 15-minute pause")

        sni_host.click_label(address, entry, "Quit fhp-monitor")
        process.wait(timeout=30)
    finally:
        _, err = finish(process)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    assert not [e for e in sni_host.registered(address) if e.split("-")[1:2] == [str(process.pid)]]
