"""The app-menu entry on Linux and other XDG desktops (Desktop Entry and Icon Theme specifications):

* ``$XDG_DATA_HOME/applications/fhp-monitor.desktop`` (default ``~/.local/share``), and
* the icon ``fhp-monitor`` in the user's hicolor theme: ``icons/hicolor/<n>x<n>/apps/fhp-monitor.png``
  for :data:`~fhp_monitor.desktop.menu.icons.PNG_SIZES` and ``icons/hicolor/scalable/apps/fhp-monitor.svg``.

Menus (GNOME, KDE, Xfce, Cinnamon, MATE) watch these folders and show the entry without a log-out.
The ``Exec`` line is the same launcher the autostart entry runs (desktop/autostart/xdg.py quotes it).

Thread contract: any single thread; plain file writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from fhp_monitor.core.i18n import N_
from fhp_monitor.desktop.autostart.xdg import COMMENT, _exec_argument, localized
from fhp_monitor.desktop.menu.icons import PNG_SIZES, png_bytes, svg_text

APP_ID = "fhp-monitor"
DESKTOP_FILE_NAME = f"{APP_ID}.desktop"
ICON_NAME = APP_ID
#: What a menu shows under the name, and the words its search finds (the user's language first; see localized).
GENERIC_NAME = N_("Posture reminder")
# TRANSLATORS: search words for the app menu, each followed by a semicolon; keep the semicolons.
KEYWORDS = N_("posture;neck;head;webcam;reminder;")


def data_home(home_dir: Path, env: Mapping[str, str]) -> Path:
    value = env.get("XDG_DATA_HOME") or ""
    return Path(value) if os.path.isabs(value) else home_dir / ".local" / "share"


def entry_path(home_dir: Path, env: Mapping[str, str]) -> Path:
    return data_home(home_dir, env) / "applications" / DESKTOP_FILE_NAME


def icon_paths(home_dir: Path, env: Mapping[str, str]) -> list[Path]:
    """Every icon file the entry installs, the scalable one last."""
    theme = data_home(home_dir, env) / "icons" / "hicolor"
    return [*(theme / f"{n}x{n}" / "apps" / f"{ICON_NAME}.png" for n in PNG_SIZES),
            theme / "scalable" / "apps" / f"{ICON_NAME}.svg"]


def desktop_entry(command: Sequence[str]) -> str:
    """The menu entry's text: what a menu lists (name, a plain description, the icon) and the launcher."""
    return (
        "[Desktop Entry]\n"  # not translated: the file format's keys; the words are localized()
        "Type=Application\n"
        "Version=1.4\n"
        "Name=fhp-monitor\n"
        f"{localized('GenericName', GENERIC_NAME)}"
        f"{localized('Comment', COMMENT)}"
        f"Exec={' '.join(_exec_argument(arg) for arg in command)}\n"
        f"Icon={ICON_NAME}\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        f"{localized('Keywords', KEYWORDS)}"
        "StartupNotify=false\n"
    )


def install(home_dir: Path, env: Mapping[str, str], command: Sequence[str]) -> Path:
    """Write the icons, then the entry (a menu that sees the entry finds its icon). Returns the entry."""
    paths = icon_paths(home_dir, env)
    for path in paths[:-1]:
        size = int(path.parent.parent.name.split("x")[0])
        _write(path, png_bytes(size))
    _write(paths[-1], svg_text().encode())
    entry = entry_path(home_dir, env)
    _write(entry, desktop_entry(command).encode())
    return entry


def remove(home_dir: Path, env: Mapping[str, str]) -> list[Path]:
    """Delete the entry and the icons; returns the files that were there."""
    removed = []
    for path in [entry_path(home_dir, env), *icon_paths(home_dir, env)]:
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def installed(home_dir: Path, env: Mapping[str, str]) -> bool:
    return entry_path(home_dir, env).is_file()


def _write(path: Path, data: bytes) -> None:
    """Replace ``path`` as a whole (a menu reading it never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)
