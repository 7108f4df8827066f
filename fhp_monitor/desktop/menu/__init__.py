"""The app's place in the system's app menu, and the one launcher that menu, the login entry and
the Windows installer's shortcut all start.

* :mod:`.xdg` — Linux and other XDG desktops: a ``.desktop`` entry and hicolor icons in the user's
  data folder, added on the first ``run`` and switched by the setting ``app.menu_entry``
  (Settings: "Show in the app menu").
* Windows: the installer (tools/windows/installer.nsi) makes the Start-menu shortcut; a ``pip``
  install on Windows gets none (nothing here writes .lnk files).
* :mod:`.icons` — the icon files themselves, drawn by the tray's own icon code.

Every function takes the platform, the user's home directory and the environment as arguments so
each backend is testable anywhere. Thread contract: any single thread.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

SCRIPT_NAME = "fhp-monitor"
WINDOWED_EXE = "fhp-monitor.exe"  # the frozen app's windowed program (tools/windows/fhp-monitor.spec)


def launcher_command(*, executable: str | None = None, frozen: bool | None = None,
                     platform: str | None = None) -> list[str]:
    """The command that starts the monitor as installed, ending in ``run``:

    * a frozen app (the Windows installer's): ``[fhp-monitor.exe, "run"]``, the windowed program, also
      when the console twin ``fhp-monitor-cli.exe`` asks (its login entry would open a console window);
    * Linux/macOS: the ``fhp-monitor`` script next to this Python (pip, pipx and venvs all put it
      there), so a menu shows the program's own name; else ``python -m fhp_monitor run``;
    * Windows with pip: ``python -m fhp_monitor run`` (the autostart backend swaps in pythonw.exe, as
      Scripts\\fhp-monitor.exe would open a console window).
    """
    executable = sys.executable if executable is None else executable
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    platform = sys.platform if platform is None else platform
    if frozen:
        windowed = Path(executable).with_name(WINDOWED_EXE)
        return [str(windowed) if windowed.is_file() else executable, "run"]
    if not platform.startswith("win"):
        script = Path(executable).parent / SCRIPT_NAME
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script), "run"]
    return [executable, "-m", "fhp_monitor", "run"]


def own_command(*args: str) -> list[str]:
    """This program (as :func:`launcher_command` finds it) with ``args`` instead of ``run``: for the
    commands the app starts in a process of their own (calibrate, exercise, report), also frozen."""
    return [*launcher_command()[:-1], *args]


def command_for_home(home_root: Path | str | None, command: Sequence[str] | None = None) -> list[str]:
    """``command`` (default the launcher) with ``--home DIR`` before its last word when a home was chosen."""
    command = launcher_command() if command is None else list(command)
    if home_root is None:
        return command
    return [*command[:-1], "--home", str(home_root), command[-1]]


def _where(platform: str | None, home_dir: Path | None, env: Mapping[str, str] | None):
    return (sys.platform if platform is None else platform, Path.home() if home_dir is None else Path(home_dir),
            os.environ if env is None else env)


def supported(platform: str | None = None) -> bool:
    """Whether this system's menu entry is made here (XDG desktops), not by an installer."""
    platform = sys.platform if platform is None else platform
    return not platform.startswith("win") and platform != "darwin"


def menu_files(*, platform: str | None = None, home_dir: Path | None = None,
               env: Mapping[str, str] | None = None) -> list[Path]:
    """The entry and every icon file this system's menu entry consists of (none where unsupported)."""
    platform, home_dir, env = _where(platform, home_dir, env)
    if not supported(platform):
        return []
    from fhp_monitor.desktop.menu import xdg

    return [xdg.entry_path(home_dir, env), *xdg.icon_paths(home_dir, env)]


def is_menu_entry_installed(*, platform: str | None = None, home_dir: Path | None = None,
                            env: Mapping[str, str] | None = None) -> bool:
    files = menu_files(platform=platform, home_dir=home_dir, env=env)
    return bool(files) and files[0].is_file()


def set_menu_entry(enabled: bool, command: Sequence[str] | None = None, *, platform: str | None = None,
                   home_dir: Path | None = None, env: Mapping[str, str] | None = None) -> list[Path]:
    """Add (``enabled``) or remove the menu entry and its icons; returns the files written or removed.
    Raises OSError when they cannot be written or removed."""
    platform, home_dir, env = _where(platform, home_dir, env)
    if not supported(platform):
        return []
    from fhp_monitor.desktop.menu import xdg

    if enabled:
        xdg.install(home_dir, env, launcher_command() if command is None else command)
        return menu_files(platform=platform, home_dir=home_dir, env=env)
    return xdg.remove(home_dir, env)


def apply_menu_setting(enabled: bool, home_root: Path | str | None, at_start: bool = False) -> bool | None:
    """The app-menu entry matches the setting ``app.menu_entry``: added on the first run (Linux; the
    Windows installer makes its own), removed when it is off; ``--home`` kept in its command. At the
    start of a run with a chosen home (``home_root``: a test, a second profile) the menu is left alone."""
    if at_start and home_root is not None:
        return None
    return apply_menu_entry(enabled, command_for_home(home_root))


def apply_menu_entry(enabled: bool, command: Sequence[str] | None = None, *, platform: str | None = None,
                     home_dir: Path | None = None, env: Mapping[str, str] | None = None) -> bool:
    """Add or remove the menu entry unless it already is so (an added one is rewritten: the launcher
    may have moved, e.g. a pipx reinstall); returns whether it is there afterwards. Failures are
    logged, not raised: starting the monitor must not fail over a menu entry."""
    where = dict(platform=platform, home_dir=home_dir, env=env)
    if enabled or is_menu_entry_installed(**where):
        try:
            set_menu_entry(enabled, command, **where)
        except OSError as error:
            log.warning("could not %s the app-menu entry: %s", "add" if enabled else "remove", error)
    return is_menu_entry_installed(**where)
