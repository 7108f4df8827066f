"""Autostart entries for Linux (XDG), Windows (Startup folder) and macOS (LaunchAgent), in tmp dirs."""

from __future__ import annotations

import contextlib
import plistlib
import shlex
import shutil
import subprocess
import sys
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
    path = set_autostart(True, ["/usr/bin/python3", 'say "hi"', "100%", "a\\b"], platform="linux",
                         home_dir=tmp_path, env=env)
    exec_line = next(line for line in path.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec=/usr/bin/python3 "say \\\\"hi\\\\"" 100%% "a\\\\\\\\b"'
    validator = shutil.which("desktop-file-validate")
    if validator:
        assert subprocess.run([validator, str(path)], capture_output=True).returncode == 0


def test_linux_without_xdg_config_home_uses_dot_config(tmp_path: Path):
    expected = tmp_path / ".config" / "autostart" / "fhp-monitor.desktop"
    assert autostart_path(platform="linux", home_dir=tmp_path, env={}) == expected
    # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    relative = autostart_path(platform="linux", home_dir=tmp_path, env={"XDG_CONFIG_HOME": "rel"})
    assert relative.parent.parent == tmp_path / ".config"


def test_turning_it_off_removes_the_entry_and_is_safe_twice(tmp_path: Path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = set_autostart(True, COMMAND, platform="linux", home_dir=tmp_path, env=env)
    assert path.exists()
    assert set_autostart(False, platform="linux", home_dir=tmp_path, env=env) == path
    assert not path.exists() and not is_autostart_enabled(platform="linux", home_dir=tmp_path, env=env)
    set_autostart(False, platform="linux", home_dir=tmp_path, env=env)


class FakeRegistry:
    """A stand-in for ``winreg`` on Linux: one hive of keys holding values (the real registry runs
    in test_windows_uses_the_real_run_key, in the Windows lane under Wine)."""

    HKEY_CURRENT_USER, KEY_READ, KEY_SET_VALUE, REG_SZ = "HKCU", 1, 2, 1

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[str, int]]] = {}

    @contextlib.contextmanager
    def OpenKey(self, hive, name, reserved=0, access=1):  # noqa: N802 - winreg's names
        if name not in self.keys:
            raise FileNotFoundError(name)
        yield name

    @contextlib.contextmanager
    def CreateKeyEx(self, hive, name, reserved=0, access=2):  # noqa: N802
        self.keys.setdefault(name, {})
        yield name

    def QueryValueEx(self, key, name):  # noqa: N802
        if name not in self.keys[key]:
            raise FileNotFoundError(name)
        return self.keys[key][name]

    def SetValueEx(self, key, name, reserved, kind, value):  # noqa: N802
        self.keys[key][name] = (value, kind)

    def DeleteValue(self, key, name):  # noqa: N802
        if name not in self.keys[key]:
            raise FileNotFoundError(name)
        del self.keys[key][name]


RUN = r"Software\Microsoft\Windows\CurrentVersion\Run"


def test_windows_writes_the_users_run_value_and_off_removes_it(tmp_path: Path):
    registry, env = FakeRegistry(), {"APPDATA": str(tmp_path / "Roaming")}
    old = tmp_path / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "fhp-monitor.cmd"
    old.parent.mkdir(parents=True)
    old.write_text("an earlier version's entry")
    where = dict(platform="win32", home_dir=tmp_path, env=env, registry=registry)
    command = [r"C:\Program Files\Python311\python.exe", "-m", "fhp_monitor", "--home", r"D:\My posture", "run"]
    assert not is_autostart_enabled(**where)
    assert set_autostart(True, command, **where) == rf"HKEY_CURRENT_USER\{RUN}\fhp-monitor"
    assert registry.keys[RUN]["fhp-monitor"] == (
        r'"C:\Program Files\Python311\python.exe" -m fhp_monitor --home "D:\My posture" run', 1)
    assert is_autostart_enabled(**where) and not old.exists()  # one entry only
    registry.keys[RUN]["OneDrive"] = ("onedrive.exe", 1)
    assert apply_autostart(False, **where) is False
    assert registry.keys[RUN] == {"OneDrive": ("onedrive.exe", 1)}  # only ours goes
    assert apply_autostart(False, **where) is False  # already off: nothing to remove, no error


def test_windows_prefers_pythonw_so_login_shows_no_console(tmp_path: Path):
    from fhp_monitor.desktop.autostart.windows import windowless

    (tmp_path / "python.exe").write_bytes(b"")
    assert windowless([str(tmp_path / "python.exe"), "-m", "fhp_monitor"])[0] == str(tmp_path / "python.exe")
    (tmp_path / "pythonw.exe").write_bytes(b"")
    assert windowless([str(tmp_path / "python.exe"), "-m", "fhp_monitor"])[0] == str(tmp_path / "pythonw.exe")


@pytest.mark.skipif(sys.platform != "win32", reason="the real registry: Windows (the Windows lane runs it under Wine)")
def test_windows_uses_the_real_run_key(tmp_path: Path):
    import winreg

    where = dict(home_dir=tmp_path, env={"APPDATA": str(tmp_path)})
    try:
        assert apply_autostart(True, default_command(), **where) is True
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN) as key:
            value, kind = winreg.QueryValueEx(key, "fhp-monitor")
        assert kind == winreg.REG_SZ and "fhp_monitor run" in value
    finally:
        assert apply_autostart(False, **where) is False
    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN) as key, pytest.raises(FileNotFoundError):
        winreg.QueryValueEx(key, "fhp-monitor")


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


def test_default_command_is_the_menu_launcher_and_an_empty_command_is_refused(tmp_path: Path):
    from fhp_monitor.desktop.menu import launcher_command

    assert default_command() == launcher_command()  # login starts what the app menu starts
    assert default_command()[-1] == "run"
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
