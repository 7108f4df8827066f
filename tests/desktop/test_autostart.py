"""Autostart entries for Linux (XDG), Windows (Startup folder) and macOS (LaunchAgent), in tmp dirs."""

from __future__ import annotations

import plistlib
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from fhp_monitor.desktop.autostart import (
    apply_autostart,
    autostart_path,
    default_command,
    is_autostart_enabled,
    set_autostart,
)

COMMAND = ["/opt/My Python/bin/python3", "-m", "fhp_monitor", "run"]


def test_linux_writes_a_valid_xdg_autostart_entry(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert not is_autostart_enabled(platform="linux", home_dir=tmp_path, env=env)
    path = set_autostart(True, COMMAND, platform="linux", home_dir=tmp_path, env=env)
    assert path == tmp_path / "cfg" / "autostart" / "fhp-monitor.desktop"
    text = path.read_text()
    assert text.startswith("[Desktop Entry]\n")
    assert "Type=Application\n" in text and "Name=fhp-monitor\n" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec="/opt/My Python/bin/python3" -m fhp_monitor run'
    assert shlex.split(exec_line[len("Exec="):]) == COMMAND
    assert is_autostart_enabled(platform="linux", home_dir=tmp_path, env=env)
    validator = shutil.which("desktop-file-validate")
    if validator:
        checked = subprocess.run([validator, str(path)], capture_output=True, text=True)
        assert checked.returncode == 0 and checked.stdout.strip() == "", checked.stdout + checked.stderr


def test_linux_escapes_awkward_arguments(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = set_autostart(True, ["/usr/bin/python3", 'say "hi"', "100%", "a\\b"], platform="linux", home_dir=tmp_path, env=env)
    exec_line = next(line for line in path.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec=/usr/bin/python3 "say \\\\"hi\\\\"" 100%% "a\\\\\\\\b"'
    validator = shutil.which("desktop-file-validate")
    if validator:
        assert subprocess.run([validator, str(path)], capture_output=True).returncode == 0


def test_linux_without_xdg_config_home_uses_dot_config(tmp_path: Path):
    assert autostart_path(platform="linux", home_dir=tmp_path, env={}) == tmp_path / ".config" / "autostart" / "fhp-monitor.desktop"
    # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    assert autostart_path(platform="linux", home_dir=tmp_path, env={"XDG_CONFIG_HOME": "rel"}).parent.parent == tmp_path / ".config"


def test_turning_it_off_removes_the_entry_and_is_safe_twice(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = set_autostart(True, COMMAND, platform="linux", home_dir=tmp_path, env=env)
    assert path.exists()
    assert set_autostart(False, platform="linux", home_dir=tmp_path, env=env) == path
    assert not path.exists() and not is_autostart_enabled(platform="linux", home_dir=tmp_path, env=env)
    set_autostart(False, platform="linux", home_dir=tmp_path, env=env)


def test_windows_writes_a_startup_folder_cmd(tmp_path: Path):
    env = {"APPDATA": str(tmp_path / "Roaming")}
    command = [r"C:\Program Files\Python311\pythonw.exe", "-m", "fhp_monitor", "run"]
    path = set_autostart(True, command, platform="win32", home_dir=tmp_path, env=env)
    assert path == tmp_path / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "fhp-monitor.cmd"
    assert path.read_bytes() == (
        b'@echo off\r\nstart "" "C:\\Program Files\\Python311\\pythonw.exe" -m fhp_monitor run\r\n'
    )
    assert is_autostart_enabled(platform="win32", home_dir=tmp_path, env=env)
    with pytest.raises(ValueError, match="double quote"):
        set_autostart(True, ['C:\\a"b.exe'], platform="win32", home_dir=tmp_path, env=env)


def test_windows_without_appdata_falls_back_to_the_profile(tmp_path: Path):
    startup = tmp_path / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    assert autostart_path(platform="win32", home_dir=tmp_path, env={}) == startup / "fhp-monitor.cmd"


def test_macos_writes_a_launch_agent(tmp_path: Path):
    path = set_autostart(True, COMMAND, platform="darwin", home_dir=tmp_path, env={})
    assert path == tmp_path / "Library" / "LaunchAgents" / "org.fhp-monitor.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent == {
        "Label": "org.fhp-monitor",
        "ProgramArguments": COMMAND,
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    assert is_autostart_enabled(platform="darwin", home_dir=tmp_path, env={})
    set_autostart(False, platform="darwin", home_dir=tmp_path, env={})
    assert not path.exists()


def test_default_command_runs_this_python_and_an_empty_command_is_refused(tmp_path: Path):
    assert default_command()[1:] == ["-m", "fhp_monitor", "run"]
    assert Path(default_command()[0]).exists()
    with pytest.raises(ValueError, match="program"):
        set_autostart(True, [], platform="linux", home_dir=tmp_path, env={})


def test_apply_autostart_changes_only_what_differs_and_reports_the_real_state(tmp_path: Path, caplog):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert apply_autostart(True, COMMAND, platform="linux", home_dir=tmp_path, env=env) is True
    entry = autostart_path(platform="linux", home_dir=tmp_path, env=env)
    entry.write_text(entry.read_text() + "# the user's own edit\n")
    assert apply_autostart(True, ["/other/python"], platform="linux", home_dir=tmp_path, env=env) is True
    assert entry.read_text().endswith("# the user's own edit\n")  # already on: left alone
    assert apply_autostart(False, platform="linux", home_dir=tmp_path, env=env) is False
    assert not entry.exists()


def test_apply_autostart_logs_instead_of_failing_when_the_folder_is_unusable(tmp_path: Path, caplog):
    (tmp_path / "autostart").write_text("a file where the folder should be")
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert apply_autostart(True, COMMAND, platform="linux", home_dir=tmp_path, env=env) is False
    assert "could not change starting at log-in" in caplog.text
