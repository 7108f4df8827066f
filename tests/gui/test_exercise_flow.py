"""The tray's and a nudge's "Do a 1-minute exercise": the app starts ``fhp-monitor exercise`` in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fhp_monitor.app import App
from fhp_monitor.core.commands import EXERCISE, MENU, NUDGE_BUTTONS, Verb
from fhp_monitor.gui.exercise_flow import start_exercise_process
from fhp_monitor.home.folder import Home


def test_the_app_starts_the_exercise_window_in_its_own_process(tmp_path: Path) -> None:
    started: list[list[str]] = []

    def popen(command, **kwargs):
        started.append(command)
        return subprocess.Popen([sys.executable, "-c", "pass"], **kwargs)  # a real process, reaped by the helper

    home = Home(root=tmp_path, log_dir=tmp_path / "logs")
    start_exercise_process(home, None, popen=popen).wait(timeout=30)
    start_exercise_process(home, "day.avi", "head-lift", popen=popen).wait(timeout=30)
    assert started == [[sys.executable, "-m", "fhp_monitor", "--home", str(tmp_path), "exercise"],
                       [sys.executable, "-m", "fhp_monitor", "--home", str(tmp_path), "exercise", "head-lift",
                        "--source", "day.avi", "--window"]]
    assert Verb.EXERCISE in App.HANDLERS
    assert EXERCISE in [command for group in MENU for command, _label in group]
    assert (EXERCISE, "Do a 1-minute exercise") in NUDGE_BUTTONS
