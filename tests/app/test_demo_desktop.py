"""`fhp-monitor demo` as a newcomer meets it: on a real desktop (Xvfb, D-Bus, dunst, xfce4-panel as the
StatusNotifierItem host), with no camera, the shipped landmark recording plays through the real app:
the tray item appears and changes, a real reminder reaches the notification daemon, the summary is
printed and notified at the end, and nothing is left behind in the user's folders.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from fhp_monitor.cli.demo import RECORDING, recording_path
from fhp_monitor.core.messages import ESCALATED_TITLES, FIRST_TITLES
from tests.support import sni_host
from tests.support.desktop import Desktop, wait_until
from tests.support.running import finish

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]


def test_the_recording_ships_with_its_license_and_holds_numbers_only() -> None:
    recording = recording_path()
    assert recording.name == RECORDING and recording.is_file()
    licence = recording.with_name("LICENSE.demo-recording").read_text(encoding="utf-8")
    assert "MIT License" in licence and "SlouchingOrNot" in licence
    with open(recording, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["t", "width", "height"] and len(rows) > 200
    assert all(float(cell) == float(cell) for row in rows[1:] for cell in row if cell)  # numbers, nothing else
    assert float(rows[-1][0]) >= 19 * 60  # the 20 recorded minutes: enough for a summary
    package_data = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"*.csv"' in package_data and '"LICENSE*"' in package_data


def test_demo_plays_with_the_real_tray_a_reminder_and_a_summary_and_leaves_no_trace(
        sni_desktop: Desktop, tmp_path: Path) -> None:
    user = {name: tmp_path / name for name in ("home", "data", "state", "config", "tmp")}
    user["tmp"].mkdir()
    env = {**sni_desktop.env, "FHP_MONITOR_HOME": str(user["home"]), "XDG_DATA_HOME": str(user["data"]),
           "XDG_STATE_HOME": str(user["state"]), "XDG_CONFIG_HOME": str(user["config"]),
           "TMPDIR": str(user["tmp"]), "PYTHONPATH": str(ROOT)}
    subprocess.run(["dunstctl", "close-all"], env=env, check=True)
    seen_before = {n["id"] for n in sni_desktop.history()}
    process = subprocess.Popen([sys.executable, "-m", "fhp_monitor", "demo", "--speed", "40"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address = sni_desktop.bus_address
        entry = sni_host.app_item(address, process.pid, 60)
        tooltips = set()

        def forward_shown() -> bool:
            try:
                tooltips.add(sni_host.item_properties(address, entry)["ToolTip"][3])
            except Exception:  # noqa: BLE001 - the item leaves when the demo ends
                return process.poll() is not None
            return any("forward" in t.lower() for t in tooltips)

        wait_until(forward_shown, 60, "the tray to show the head drifting forward")
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:  # ended early: communicate above did not run to the end
            finish(process, stop="kill")
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    assert any("forward" in t.lower() for t in tooltips), tooltips
    lines = out.splitlines()
    assert any("A reminder appeared on your screen" in line for line in lines), out
    assert any(line.startswith("You sat tall for 80% of the time") for line in lines), out
    assert lines[-1] == "That was the demo. To start with your own camera, type: fhp-monitor"
    assert "step:" not in out and "CVA" not in out

    subprocess.run(["dunstctl", "close-all"], env=env, check=True)  # dunst keeps only closed ones in its history
    shown = [n for n in sni_desktop.history() if n["id"] not in seen_before]
    titles = [n["summary"] for n in shown]
    assert any(t in FIRST_TITLES + ESCALATED_TITLES for t in titles), titles  # a real reminder
    assert "Your posture in the demo" in titles, titles
    # the user's own folders: nothing made, nothing left; the scratch home went with the tour
    assert not user["home"].exists() and not user["data"].exists() and not user["state"].exists()
    assert not (user["config"] / "autostart").exists()
    assert list(user["tmp"].iterdir()) == []
    assert not [e for e in sni_host.registered(address) if e.split("-")[1:2] == [str(process.pid)]]
