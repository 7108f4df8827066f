"""The app's home folder: where settings, calibration, history, logs, the instance lock and small
state live, and the safety checks on it (a private folder, files 0600, never through a link).

``--home DIR`` wins, then the ``FHP_MONITOR_HOME`` environment variable, else the platform's
per-user data folder (platformdirs). Only numbers and settings live here, never pictures.
The log is set up in :mod:`fhp_monitor.home.log`, the lock in :mod:`fhp_monitor.home.instance_lock`,
state.json in :mod:`fhp_monitor.home.state`.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import platformdirs

from fhp_monitor.core.i18n import _
from fhp_monitor.home.files import WINDOWS, LinkRefused, keep_private, open_no_follow, owned_by_me

APP_NAME = "fhp-monitor"
HOME_ENV = "FHP_MONITOR_HOME"
LOG_FILE_NAME = "fhp-monitor.log"

logger = logging.getLogger(__name__)


class HomeError(RuntimeError):
    """The home folder cannot be used; the message says which folder and what to do."""


# --------------------------------------------------------------------------- where things live


def resolve_home(cli_home: str | None, env: Mapping[str, str]) -> Path:
    """The home folder (created with mode 0700 if new): ``--home``, then ``FHP_MONITOR_HOME``,
    else platformdirs' user data folder. Raises HomeError when it cannot be a folder."""
    if cli_home is not None and not cli_home.strip():
        raise HomeError(_('--home needs a folder name (got ""). Leave --home out to use your user data folder.'))
    chosen = cli_home or env.get(HOME_ENV, "").strip() or data_dir()
    home = Path(chosen).expanduser().absolute()
    make_private_dir(home)
    return home


def data_dir() -> str:
    """The platform's per-user data folder: ~/.local/share/fhp-monitor (XDG), ~/Library/Application
    Support/fhp-monitor, or %APPDATA%\\fhp-monitor on Windows (roaming: settings and history follow
    the user between the computers of a domain, as Windows users expect of an app's settings)."""
    return platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=True)


def make_private_dir(path: Path) -> None:
    """Create ``path`` readable by this user only (0700). An existing folder must belong to this
    user and be writable by nobody else (HomeError naming the path and the fix otherwise)."""
    if path.is_dir():
        check_private_dir(path)
        return
    if path.exists():
        raise HomeError(_("fhp-monitor cannot keep its files in {path}: that is a file, not a folder. "
                          "Choose a folder with --home.").format(path=path))
    try:
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is narrowed by the umask, never widened; make it exact
    except FileExistsError:
        return  # created by another process between the check and mkdir
    except OSError as error:
        raise HomeError(_("fhp-monitor cannot create its folder {path} ({error}). "
                          "Choose another folder with --home.").format(path=path, error=error.strerror or error)
                        ) from error


def check_private_dir(path: Path) -> None:
    """Refuse a folder owned by another user, or one that others may write in (1777, 0777, 0775...):
    anyone who can write there could plant links that make fhp-monitor overwrite their targets."""
    if not hasattr(os, "geteuid"):
        return  # Windows: the user's profile folders are private by their ACLs (home/files.py)
    info = path.stat()
    if info.st_uid != os.geteuid():
        raise HomeError(_("fhp-monitor will not keep its files in {path}: that folder belongs to another user. "
                          "Choose a folder of your own with --home.").format(path=path))
    if info.st_mode & 0o022:
        raise HomeError(_("fhp-monitor will not keep its files in {path}: other users may write in it "
                          "(mode {mode}). Run: chmod 700 '{path}' (or choose another folder "
                          "with --home).").format(path=path, mode=f"{info.st_mode & 0o7777:o}"))


@dataclass(frozen=True)
class Home:
    """Paths of everything fhp-monitor keeps. Build it with :meth:`locate`."""

    root: Path
    log_dir: Path
    chosen: bool = False  # True when --home or FHP_MONITOR_HOME named it (not the platform default)

    @classmethod
    def locate(cls, cli_home: str | None, env: Mapping[str, str]) -> Home:
        """Resolve (and create) the home. Logs go in ``root/logs`` when the home was chosen with
        --home or the environment, else in the platform's per-user log folder."""
        root = resolve_home(cli_home, env)
        chosen = bool(cli_home or env.get(HOME_ENV, "").strip())
        if chosen:
            log_dir = root / "logs"
        else:
            log_dir = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
        return cls(root=root, log_dir=log_dir, chosen=chosen)

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def calibration(self) -> Path:
        return self.root / "calibration.json"

    @property
    def history(self) -> Path:
        return self.root / "history.sqlite3"

    @property
    def lock(self) -> Path:
        return self.root / "instance.lock"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / LOG_FILE_NAME


def ensure_config(home: Home) -> Path:
    """Copy the packaged, commented default config.yaml into the home if it has none.

    Never overwrites an existing file (not even one created a moment ago by another process).
    """
    target = home.config
    if os.path.lexists(target):
        _narrow_to_private(target)
        return target
    default = resources.files("fhp_monitor.resources").joinpath("config.yaml").read_bytes()
    try:  # O_EXCL: fail rather than replace (or write through a link planted a moment ago)
        with os.fdopen(open_private(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "wb") as handle:
            handle.write(default)
    except FileExistsError:
        logger.info("%s appeared while creating it; keeping that one", target)
    return target


def _narrow_to_private(path: Path) -> None:
    """An existing regular file of ours in the home loses group/other permissions (links are left alone)."""
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077 and not WINDOWS and owned_by_me(info):
            os.chmod(path, info.st_mode & 0o700)
    except OSError as error:
        logger.warning("could not make %s private: %s", path, error)


# --------------------------------------------------------------------------- private files


def open_private(path: Path, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that never follows a link at ``path`` and leaves the file private (0600 at most;
    on Windows a symbolic link or junction is refused the same way, see home/files.py).

    A planted link is refused with a HomeError naming it (the file it points to is never touched).
    """
    try:
        fd = open_no_follow(path, flags, mode)
    except LinkRefused as error:
        raise HomeError(_("{path} is a link (a symbolic link or a junction); fhp-monitor never writes through "
                        "links. Delete that link, then start fhp-monitor again.").format(path=path)) from error
    try:
        keep_private(fd)
    except OSError:
        os.close(fd)
        raise
    return fd
