"""fhp-monitor on a Python without Tk (Debian/Ubuntu's system Python without python3-tk).

This machine's Pythons have tkinter, so each test runs fhp-monitor (or pytest) in a subprocess
whose PYTHONPATH starts with a folder holding a ``sitecustomize`` that marks ``tkinter`` and
``_tkinter`` absent (``None`` in ``sys.modules``): ``import tkinter`` raises ModuleNotFoundError and
``importlib.util.find_spec`` finds nothing, just as where python3-tk is not installed. Everything
else is real: the real CLI, the real model on real photos, a real notification daemon, a real
pytest collection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fhp_monitor.core.calibration import Baseline, save_baseline
from fhp_monitor.gui import TK_MISSING_TITLE
from tests.support.desktop import wait_until
from tests.support.running import fhp

ROOT = Path(__file__).resolve().parents[2]
UPRIGHT = ROOT / "tests" / "data" / "slouching-or-not" / "low-isSlouching__high-notSlouching" / "notSlouching"


@pytest.fixture
def no_tk(tmp_path: Path) -> dict[str, str]:
    """Environment additions that make tkinter missing the way it is without python3-tk."""
    blocker = tmp_path / "no-tk"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\n\nsys.modules['tkinter'] = sys.modules['_tkinter'] = None\n")
    return {"PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}


def test_the_blocker_really_hides_tkinter(no_tk):
    probe = subprocess.run([sys.executable, "-c", "import tkinter"], env={**os.environ, **no_tk},
                           capture_output=True, text=True, timeout=30)
    assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr and "tkinter" in probe.stderr
    assert subprocess.run([sys.executable, "-c", "import tkinter"], timeout=30).returncode == 0
    asked = [sys.executable, "-c", "from fhp_monitor.gui import tk_available; print(tk_available())"]
    assert subprocess.run(asked, env={**os.environ, **no_tk}, capture_output=True, text=True,
                          timeout=30).stdout == "False\n"
    assert subprocess.run(asked, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=30).stdout == "True\n"


def tk_notifications(desktop) -> list[dict]:
    return [n for n in desktop.notifications() if n["summary"] == TK_MISSING_TITLE]


def test_calibrate_without_tk_says_what_to_install_in_one_line_and_as_a_notification(desktop, no_tk, tmp_path):
    before = len(tk_notifications(desktop))
    result = fhp(tmp_path / "home", "calibrate", "--source", str(UPRIGHT), env={**desktop.env, **no_tk})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "sudo apt install python3-tk" in lines[0] and "dnf install python3-tkinter" in lines[0]
    assert "pacman -S tk" in lines[0] and "calibrate --no-gui" in lines[0]
    assert "Traceback" not in result.stderr
    shown = tk_notifications(desktop)
    assert len(shown) == before + 1 and "python3-tk" in shown[0]["body"]
    assert not (tmp_path / "home" / "calibration.json").exists()


def test_first_start_without_tk_and_without_calibration_points_to_the_no_gui_calibration(desktop, no_tk, tmp_path):
    result = fhp(tmp_path / "home", "run", "--source", str(UPRIGHT), "--speed", "0", "--exit-at-end",
                 env={**desktop.env, **no_tk})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "python3-tk" in result.stderr and "calibrate --no-gui" in result.stderr


def test_run_without_tk_still_monitors_when_calibrated(desktop, no_tk, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text("summary:\n  daily_time: \"\"\n")
    save_baseline(home / "calibration.json", Baseline(48.0, 1.0, 20, "front", 2.0, 1_700_000_000.0))
    before = len(tk_notifications(desktop))
    env = {**desktop.env, **no_tk, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    result = fhp(home, "run", "--source", str(UPRIGHT), "--speed", "0", "--exit-at-end",
                 "--start", "2026-11-20T09:00:00", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if "python3-tk" in line]
    assert len(said) == 1 and "Monitoring goes on" in said[0]
    assert wait_until(lambda: len(tk_notifications(desktop)) - before, 10, "the notification") == 1
    summary = json.loads(fhp(home, "summary", "--date", "2026-11-20", "--json", env=env).stdout)
    assert summary["upright_s"] + summary["forward_s"] > 0  # it looked at the photos and kept the numbers


@pytest.mark.parametrize("ci", ["", "true"])
def test_the_readme_test_command_collects_on_a_python_without_tk(no_tk, ci):
    """Outside CI the Tk-needing modules are skipped with the reason; in CI the run fails."""
    env = {**os.environ, **no_tk, "CI": ci}
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-rs", "-p", "no:cacheprovider"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    if not ci:
        assert result.returncode == 0, output[-3000:]
        assert "error" not in output.splitlines()[-1], output[-3000:]
        assert "SKIPPED" in output and "python3-tk" in output
    else:
        assert result.returncode != 0 and "CI is set" in output and "no tkinter" in output, output[-3000:]
