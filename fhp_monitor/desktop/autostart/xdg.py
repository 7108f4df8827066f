"""Start at login on Linux and other XDG desktops: ``$XDG_CONFIG_HOME/autostart/fhp-monitor.desktop``
(default ``~/.config``), a Desktop Entry as in the XDG Autostart specification. Off deletes it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

APP_NAME = "fhp-monitor"
DESKTOP_FILE_NAME = "fhp-monitor.desktop"

# Desktop Entry "Exec" rules: arguments holding any of these characters must be quoted.
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED_IN_QUOTES = '"`$\\'


def entry_path(home_dir: Path, env: Mapping[str, str]) -> Path:
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


def write(path: Path, command: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(desktop_entry(command), encoding="utf-8")
