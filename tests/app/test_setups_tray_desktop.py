"""The running app's tray names the setup in use and follows the camera between two saved setups (issue 22).

A real StatusNotifierItem host (xfce4-panel): two setups calibrated with ``calibrate --no-gui``, then
``fhp-monitor run`` on a landmark recording of the desk (10 minutes) and the second place (10 minutes),
played at 20x on its own timeline; the tray's status line says "at Desk", then "at Setup 2", and no
"Did your camera move?" came. The second place is synthetic (tests/support/setup_recordings.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import sni_host
from tests.support.desktop import Desktop, wait_until
from tests.support.running import fhp, finish
from tests.support.setup_recordings import DESK, MONITOR, write

pytestmark = pytest.mark.gui


def test_the_tray_names_the_setup_in_use_as_the_camera_moves_between_saved_setups(sni_desktop: Desktop,
                                                                                   tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name, place in (("desk", DESK), ("monitor", MONITOR)):
        done = fhp(home, "calibrate", "--no-gui", "--frames", "30",
                   "--source", str(write(tmp_path / f"{name}.csv", [(place, 60)], step_s=2.0)))
        assert done.returncode == 0, done.stderr
    day = write(tmp_path / "day.csv", [(DESK, 600), (MONITOR, 600)])
    address = sni_desktop.bus_address
    process = subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(day), "--speed", "20"],
        env=sni_desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        entry = sni_host.app_item(address, process.pid, 60)

        def first_line() -> str:
            return sni_host.menu_layout(address, entry, "/MenuBar")[1][0]["label"]

        assert first_line().endswith("\u00b7 at Setup 2")  # the last calibrated, in use at the start
        wait_until(lambda: first_line().endswith("\u00b7 at Desk"), 60, "the tray to say the desk setup is in use")
        assert sni_host.item_properties(address, entry)["ToolTip"][3].endswith("at Desk")
        wait_until(lambda: first_line().endswith("\u00b7 at Setup 2"), 90, "the tray to follow the camera back")
        sni_host.click_label(address, entry, "Quit fhp-monitor")
        process.wait(timeout=30)
    finally:
        _, err = finish(process)
    assert process.returncode == 0, err
    log = (home / "logs" / "fhp-monitor.log").read_text(encoding="utf-8")
    assert "asking to recalibrate" not in log and log.count("fits the saved setup") == 2
