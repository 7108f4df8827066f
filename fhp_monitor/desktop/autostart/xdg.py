"""Start at login on Linux and other XDG desktops: ``$XDG_CONFIG_HOME/autostart/fhp-monitor.desktop``
(default ``~/.config``), a Desktop Entry as in the XDG Autostart specification. Off deletes it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from fhp_monitor.core.i18n import N_

APP_NAME = "fhp-monitor"
COMMENT = N_("Gentle reminders to bring your head back over your shoulders")
DESKTOP_FILE_NAME = "fhp-monitor.desktop"

# Desktop Entry "Exec" rules: arguments holding any of these characters must be quoted.
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED_IN_QUOTES = '"`$\\'


def entry_path(home_dir: Path, env: Mapping[str, str]) -> Path:
    config_home = env.get("XDG_CONFIG_HOME") or ""
    base = Path(config_home) if os.path.isabs(config_home) else home_dir / ".config"
    return base / "autostart" / DESKTOP_FILE_NAME


def localized(key: str, text: str) -> str:
    """``Key=text`` and one ``Key[de]=...`` line per language with a catalog (the desktop shows the
    user's own), each a line of its own; a language whose catalog lacks ``text`` gets no line."""
    from fhp_monitor.i18n import LANGUAGES, language

    lines = [f"{key}={text}"]
    for code in LANGUAGES:
        translated = language(code).catalog.gettext(text) if code != "en" else text
        if translated != text:
            lines.append(f"{key}[{code}]={' '.join(translated.split())}")
    return "\n".join(lines) + "\n"


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
        "[Desktop Entry]\n"  # not translated: the file format's keys; the words are localized()
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        f"{localized('Comment', COMMENT)}"
        f"Exec={' '.join(_exec_argument(arg) for arg in command)}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def write(path: Path, command: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(desktop_entry(command), encoding="utf-8")
