"""Start at login on Windows: the value ``fhp-monitor`` under the user's own
``HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`` key (what Windows' Settings →
Apps → Startup and Task Manager's "Startup apps" list and switch off). Off deletes the value.

The command runs ``pythonw.exe`` when it sits next to this ``python.exe`` (no console window at login).
A ``fhp-monitor.cmd`` an earlier version may have left in the Startup folder is removed when the
setting changes, so there is only ever one entry. ``registry`` stands for the ``winreg`` module
(tests give a stand-in on Linux; under Wine the real one runs).

Thread contract: any single thread; each call opens and closes the key.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "fhp-monitor"
LOCATION = rf"HKEY_CURRENT_USER\{RUN_KEY}\{VALUE_NAME}"
OLD_STARTUP_FILE = "fhp-monitor.cmd"


def _winreg() -> ModuleType:
    import winreg

    return winreg


def windowless(command: Sequence[str]) -> list[str]:
    """``python.exe`` → ``pythonw.exe`` (same folder) when that exists, so login shows no console."""
    command = list(command)
    program = Path(command[0]) if command else None
    if program is not None and program.name.lower() == "python.exe":
        quiet = program.with_name("pythonw.exe")
        if quiet.exists():
            command[0] = str(quiet)
    return command


def run_value(command: Sequence[str]) -> str:
    """The command line stored in the Run value (Windows' own quoting rules)."""
    return subprocess.list2cmdline(list(command))


def startup_file(home_dir: Path, env: Mapping[str, str]) -> Path:
    """Where an earlier version put its Startup-folder file."""
    appdata = Path(env["APPDATA"]) if env.get("APPDATA") else home_dir / "AppData" / "Roaming"
    start_menu = "Start Menu"  # not translated: a folder's name in the path, the same in every language
    return appdata / "Microsoft" / "Windows" / start_menu / "Programs" / "Startup" / OLD_STARTUP_FILE



def read(registry: ModuleType | None = None) -> str | None:
    """The command line in our Run value, None when there is none."""
    registry = registry or _winreg()
    try:
        with registry.OpenKey(registry.HKEY_CURRENT_USER, RUN_KEY, 0, registry.KEY_READ) as key:
            value, _kind = registry.QueryValueEx(key, VALUE_NAME)
    except FileNotFoundError:
        return None
    return str(value)


def write(command: Sequence[str], registry: ModuleType | None = None) -> None:
    registry = registry or _winreg()
    with registry.CreateKeyEx(registry.HKEY_CURRENT_USER, RUN_KEY, 0, registry.KEY_SET_VALUE) as key:
        registry.SetValueEx(key, VALUE_NAME, 0, registry.REG_SZ, run_value(windowless(command)))


def remove(registry: ModuleType | None = None) -> None:
    registry = registry or _winreg()
    try:
        with registry.OpenKey(registry.HKEY_CURRENT_USER, RUN_KEY, 0, registry.KEY_SET_VALUE) as key:
            registry.DeleteValue(key, VALUE_NAME)
    except FileNotFoundError:
        return


def default_registry_available() -> bool:
    return sys.platform == "win32"
