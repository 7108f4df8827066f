"""Start fhp-monitor when the user logs in, the way each system expects it; one module per backend:

* :mod:`.xdg` — Linux and other XDG desktops: ``$XDG_CONFIG_HOME/autostart/fhp-monitor.desktop``.
* :mod:`.windows` — Windows: the ``fhp-monitor`` value of the user's
  ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`` key (``winreg``).
* :mod:`.macos` — a LaunchAgent ``~/Library/LaunchAgents/org.fhp-monitor.plist`` with ``RunAtLoad``.

Turning autostart off removes the entry. Every function takes the platform, home folder and
environment as arguments (and, for Windows, ``registry``: the ``winreg`` module or a stand-in), so
each backend is testable anywhere; the real registry is tested in the Windows lane under Wine.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

APP_NAME = "fhp-monitor"


def default_command() -> list[str]:
    """The command that starts the monitor: the same launcher the app-menu entry and the Windows
    installer's shortcut start (desktop/menu: the installed ``fhp-monitor`` script or exe, else
    ``python -m fhp_monitor run``)."""
    from fhp_monitor.desktop.menu import launcher_command

    return launcher_command()


def command_for_home(home_root: Path | str | None) -> list[str]:
    """The login command; ``--home DIR`` is kept when the app runs with a chosen home (--home or
    FHP_MONITOR_HOME: the login session would not have that variable)."""
    command = default_command()
    if home_root is None:
        return command
    return [*command[:-1], "--home", str(home_root), command[-1]]


def _where(platform: str | None, home_dir: Path | None, env: Mapping[str, str] | None):
    platform = sys.platform if platform is None else platform
    home_dir = Path.home() if home_dir is None else Path(home_dir)
    env = os.environ if env is None else env
    return platform, home_dir, env


def autostart_path(*, platform: str | None = None, home_dir: Path | None = None,
                   env: Mapping[str, str] | None = None) -> Path | str:
    """Where the autostart entry lives on ``platform`` (``sys.platform`` style names): a file, or on
    Windows the registry value's full name."""
    platform, home_dir, env = _where(platform, home_dir, env)
    if platform.startswith("win"):
        from fhp_monitor.desktop.autostart import windows

        return windows.LOCATION
    if platform == "darwin":
        from fhp_monitor.desktop.autostart import macos

        return macos.entry_path(home_dir)
    from fhp_monitor.desktop.autostart import xdg

    return xdg.entry_path(home_dir, env)


def set_autostart(
    enabled: bool,
    command: Sequence[str] | None = None,
    *,
    platform: str | None = None,
    home_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: ModuleType | None = None,
) -> Path | str:
    """Create (``enabled``) or remove the autostart entry; returns where it is either way.

    ``command`` defaults to :func:`default_command`. Raises OSError when the entry cannot be
    written or removed (the caller tells the user); ValueError for an empty command.
    """
    platform, home_dir, env = _where(platform, home_dir, env)
    where = autostart_path(platform=platform, home_dir=home_dir, env=env)
    command = default_command() if command is None else list(command)
    if enabled and (not command or not command[0]):
        raise ValueError("the autostart command must name a program")
    if platform.startswith("win"):
        from fhp_monitor.desktop.autostart import windows

        if enabled:
            windows.write(command, registry)
        else:
            windows.remove(registry)
        windows.startup_file(home_dir, env).unlink(missing_ok=True)  # an earlier version's entry
        return where
    assert isinstance(where, Path)
    if not enabled:
        where.unlink(missing_ok=True)
        return where
    if platform == "darwin":
        from fhp_monitor.desktop.autostart import macos

        macos.write(where, command)
    else:
        from fhp_monitor.desktop.autostart import xdg

        xdg.write(where, command)
    return where


def is_autostart_enabled(*, platform: str | None = None, home_dir: Path | None = None,
                         env: Mapping[str, str] | None = None, registry: ModuleType | None = None) -> bool:
    """True when fhp-monitor's autostart entry exists for this user."""
    platform, home_dir, env = _where(platform, home_dir, env)
    if platform.startswith("win"):
        from fhp_monitor.desktop.autostart import windows

        return windows.read(registry) is not None
    where = autostart_path(platform=platform, home_dir=home_dir, env=env)
    return isinstance(where, Path) and where.is_file()


def apply_autostart(
    enabled: bool,
    command: Sequence[str] | None = None,
    *,
    platform: str | None = None,
    home_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    registry: ModuleType | None = None,
) -> bool:
    """Turn autostart on or off unless it already is; returns whether it is on afterwards.

    An entry that cannot be written or removed is logged, not raised: finishing a calibration must
    not fail over it, and the return value tells the caller what really happened.
    """
    where = dict(platform=platform, home_dir=home_dir, env=env, registry=registry)
    if is_autostart_enabled(**where) != enabled:
        try:
            set_autostart(enabled, command, **where)
        except OSError as error:
            log.warning("could not change starting at log-in: %s", error)
    return is_autostart_enabled(**where)
