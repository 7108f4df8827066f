"""Start fhp-monitor when the user logs in, the way each desktop expects it.

* Linux and other XDG desktops: ``$XDG_CONFIG_HOME/autostart/fhp-monitor.desktop`` (default
  ``~/.config``), a Desktop Entry as in the XDG Autostart specification.
* Windows: a ``fhp-monitor.cmd`` in the user's Startup folder
  (``%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs\\Startup``). A file rather than the registry
  ``Run`` key: the user can see it, delete it, and nothing here needs ``winreg``.
* macOS: a LaunchAgent ``~/Library/LaunchAgents/org.fhp-monitor.plist`` with ``RunAtLoad``.

Turning autostart off deletes the file. Only the standard library is used, and every function
takes the platform, home folder and environment as arguments so all three are testable anywhere.
"""

from __future__ import annotations

import logging
import os
import plistlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

APP_NAME = "fhp-monitor"
DESKTOP_FILE_NAME = "fhp-monitor.desktop"
WINDOWS_FILE_NAME = "fhp-monitor.cmd"
LAUNCH_AGENT_LABEL = "org.fhp-monitor"

# Desktop Entry "Exec" rules: arguments holding any of these characters must be quoted.
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED_IN_QUOTES = '"`$\\'


def default_command() -> list[str]:
    """The command that starts the monitor with this Python: ``python -m fhp_monitor run``."""
    return [sys.executable, "-m", "fhp_monitor", "run"]


def command_for_home(home_root: Path | str | None) -> list[str]:
    """The login command; ``--home DIR`` is kept when the app runs with a chosen home (--home or
    FHP_MONITOR_HOME: the login session would not have that variable)."""
    command = default_command()
    if home_root is None:
        return command
    return [*command[:-1], "--home", str(home_root), command[-1]]


def autostart_path(*, platform: str | None = None, home_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Where the autostart entry lives on ``platform`` (``sys.platform`` style names)."""
    platform = sys.platform if platform is None else platform
    home_dir = Path.home() if home_dir is None else Path(home_dir)
    env = os.environ if env is None else env
    if platform.startswith("win"):
        appdata = Path(env["APPDATA"]) if env.get("APPDATA") else home_dir / "AppData" / "Roaming"
        return appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / WINDOWS_FILE_NAME
    if platform == "darwin":
        return home_dir / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    config_home = env.get("XDG_CONFIG_HOME") or ""
    base = Path(config_home) if os.path.isabs(config_home) else home_dir / ".config"
    return base / "autostart" / DESKTOP_FILE_NAME


def _exec_argument(arg: str) -> str:
    """Quote one argument for a Desktop Entry ``Exec`` key (quoting, then string escaping)."""
    if "%" in arg:
        arg = arg.replace("%", "%%")
    if arg and not any(ch in _EXEC_RESERVED for ch in arg):
        return arg
    quoted = "".join("\\" + ch if ch in _EXEC_ESCAPED_IN_QUOTES else ch for ch in arg)
    # The Exec value is also a "string" value, where a backslash is written as two.
    return '"' + quoted.replace("\\", "\\\\") + '"'


def desktop_entry(command: Sequence[str]) -> str:
    """The text of the XDG autostart ``.desktop`` file for ``command``."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=Gentle reminders to bring your head back over your shoulders\n"
        f"Exec={' '.join(_exec_argument(arg) for arg in command)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _cmd_argument(arg: str) -> str:
    if '"' in arg:
        raise ValueError(f"a Windows autostart command cannot contain a double quote: {arg!r}")
    arg = arg.replace("%", "%%")  # a batch file expands %NAME%
    return f'"{arg}"' if (not arg or any(ch in arg for ch in " \t&|<>^()%!,;=")) else arg


def windows_cmd(command: Sequence[str]) -> str:
    """The text of the Startup-folder ``.cmd`` file: starts the command without a console window."""
    return "@echo off\r\n" f'start "" {" ".join(_cmd_argument(arg) for arg in command)}\r\n'


def launch_agent(command: Sequence[str]) -> bytes:
    """The macOS LaunchAgent property list for ``command``."""
    return plistlib.dumps(
        {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


def set_autostart(
    enabled: bool,
    command: Sequence[str] | None = None,
    *,
    platform: str | None = None,
    home_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Create (``enabled``) or remove the autostart entry; returns its path either way.

    ``command`` defaults to :func:`default_command`. Raises OSError when the file cannot be
    written or removed (the caller tells the user); ValueError for an empty command.
    """
    path = autostart_path(platform=platform, home_dir=home_dir, env=env)
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    command = default_command() if command is None else list(command)
    if not command or not command[0]:
        raise ValueError("the autostart command must name a program")
    platform = sys.platform if platform is None else platform
    path.parent.mkdir(parents=True, exist_ok=True)
    if platform.startswith("win"):
        path.write_bytes(windows_cmd(command).encode("utf-8"))
    elif platform == "darwin":
        path.write_bytes(launch_agent(command))
    else:
        path.write_text(desktop_entry(command), encoding="utf-8")
    return path


def is_autostart_enabled(
    *, platform: str | None = None, home_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> bool:
    """True when fhp-monitor's autostart entry exists for this user."""
    return autostart_path(platform=platform, home_dir=home_dir, env=env).is_file()


def apply_autostart(
    enabled: bool,
    command: Sequence[str] | None = None,
    *,
    platform: str | None = None,
    home_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> bool:
    """Turn autostart on or off unless it already is; returns whether it is on afterwards.

    A file that cannot be written or removed is logged, not raised: finishing a calibration must
    not fail over it, and the return value tells the caller what really happened.
    """
    where = dict(platform=platform, home_dir=home_dir, env=env)
    if is_autostart_enabled(**where) != enabled:
        try:
            set_autostart(enabled, command, **where)
        except OSError as error:
            log.warning("could not change starting at log-in: %s", error)
    return is_autostart_enabled(**where)
