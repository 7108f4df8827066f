"""The Linux install as a user does it (issue 21): ``pipx install`` of the built wheel, one first run,
the app-menu entry (desktop-file-validate), its Exec line starting the app, the login entry using the
same launcher, and ``fhp-monitor uninstall`` leaving no entry, icon or login file behind.

Everything under tmp_path: HOME, PIPX_HOME and PIPX_BIN_DIR. The wheel is $FHP_MONITOR_WHEEL when CI
has built one (.ci/wheel-smoke), else built here from a copy of the checkout. About a minute (pipx
installs MediaPipe and OpenCV from the pip cache).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.running import clean_env

REPO = Path(__file__).resolve().parents[2]
PHOTOS = REPO / "tests/data/slouching-or-not/low-isSlouching__high-notSlouching"

NEEDED = ("pipx", "desktop-file-validate")  # Debian: pipx, desktop-file-utils (installed by .ci/run)
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not all(map(shutil.which, NEEDED)) and not os.environ.get("CI"),
                                 reason="needs pipx and desktop-file-validate")]


def built_wheel(tmp_path: Path) -> Path:
    if os.environ.get("FHP_MONITOR_WHEEL"):
        return Path(os.environ["FHP_MONITOR_WHEEL"])
    src = tmp_path / "src"
    src.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.split(b"\0")
    for name in filter(None, files):
        path = REPO / os.fsdecode(name)
        if path.is_file():
            (src / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, src / os.fsdecode(name))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(src)],
                   check=True, capture_output=True)
    return next((tmp_path / "dist").glob("fhp_monitor-*.whl"))


def test_pipx_install_first_run_menu_entry_and_uninstall(tmp_path: Path):
    wheel = built_wheel(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(HOME=str(home), PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(tmp_path / "bin"))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env.pop(name, None)
    subprocess.run(["pipx", "install", str(wheel)], env=env, check=True, capture_output=True, timeout=900)
    fhp = tmp_path / "bin" / "fhp-monitor"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(fhp), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)

    calibrated = run("calibrate", "--no-gui", "--source", str(PHOTOS / "notSlouching"))
    assert calibrated.returncode == 0, calibrated.stderr
    config = home / ".local/share/fhp-monitor/config.yaml"
    config.write_text(config.read_text().replace("autostart: false", "autostart: true"))
    entry = home / ".local/share/applications/fhp-monitor.desktop"
    assert not entry.exists()  # not before the first run of the monitor

    first = run("run", "--source", str(PHOTOS / "isSlouching"), "--exit-at-end", "--no-tray", "--speed", "0")
    assert first.returncode == 0, first.stderr
    validate = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validate.returncode == 0 and not validate.stdout.strip(), validate.stdout
    icons = sorted((home / ".local/share/icons/hicolor").rglob("fhp-monitor.*"))
    assert {p.parent.parent.name for p in icons} == {"16x16", "22x22", "24x24", "32x32", "48x48", "64x64",
                                                     "128x128", "256x256", "scalable"}
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))[5:]
    login = home / ".config/autostart/fhp-monitor.desktop"
    login_exec = next(line for line in login.read_text().splitlines() if line.startswith("Exec="))[5:]
    assert login_exec == exec_line  # one launcher for the menu and the login
    log = (home / ".local/state/fhp-monitor/log/fhp-monitor.log").read_text()
    version = run("--version").stdout.strip()
    assert version.startswith("fhp-monitor ") and f"] {version} (Python" in log.splitlines()[0]

    # The menu's command line starts the monitor (here on a recording, so that it ends by itself)
    argv = shlex.split(exec_line)
    assert argv[-1] == "run" and Path(argv[0]).is_file()
    started = subprocess.run([*argv, "--source", str(PHOTOS / "isSlouching"), "--exit-at-end", "--no-tray",
                              "--speed", "0"], env=env, capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr
    assert log.count("] fhp-monitor ") < (home / ".local/state/fhp-monitor/log/fhp-monitor.log").read_text().count(
        "] fhp-monitor ")

    removed = run("uninstall")
    assert removed.returncode == 0, removed.stderr
    assert not entry.exists() and not login.exists()
    assert not list((home / ".local/share/icons").rglob("fhp-monitor.*"))
    assert (home / ".local/share/fhp-monitor/history.sqlite3").is_file()  # the history stays...
    assert str(home / ".local/share/fhp-monitor") in removed.stdout  # ...and the user is told where
    assert "pipx uninstall fhp-monitor" in removed.stdout
