"""The app's home folder: settings, calibration, history, logs, the instance lock and small state.

``--home DIR`` wins, then the ``FHP_MONITOR_HOME`` environment variable, else the platform's
per-user data folder (platformdirs). Only numbers and settings live here, never pictures.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Mapping

import platformdirs

APP_NAME = "fhp-monitor"
HOME_ENV = "FHP_MONITOR_HOME"
LOG_FILE_NAME = "fhp-monitor.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3

logger = logging.getLogger(__name__)


class HomeError(RuntimeError):
    """The home folder cannot be used; the message says which folder and what to do."""


class AlreadyRunning(RuntimeError):
    """Another fhp-monitor of this user holds the instance lock. ``holder_pid`` if known."""

    def __init__(self, message: str, holder_pid: int | None = None) -> None:
        super().__init__(message)
        self.holder_pid = holder_pid


# --------------------------------------------------------------------------- where things live


def resolve_home(cli_home: str | None, env: Mapping[str, str]) -> Path:
    """The home folder (created with mode 0700 if new): ``--home``, then ``FHP_MONITOR_HOME``,
    else platformdirs' user data folder. Raises HomeError when it cannot be a folder."""
    if cli_home is not None and not cli_home.strip():
        raise HomeError('--home needs a folder name (got ""). Leave --home out to use your user data folder.')
    chosen = cli_home or env.get(HOME_ENV, "").strip() or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    home = Path(chosen).expanduser().absolute()
    _make_private_dir(home)
    return home


def _make_private_dir(path: Path) -> None:
    """Create ``path`` readable by this user only (0700). An existing folder must belong to this
    user and be writable by nobody else (HomeError naming the path and the fix otherwise)."""
    if path.is_dir():
        check_private_dir(path)
        return
    if path.exists():
        raise HomeError(f"fhp-monitor cannot keep its files in {path}: that is a file, not a folder. "
                        "Choose a folder with --home.")
    try:
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is narrowed by the umask, never widened; make it exact
    except FileExistsError:
        return  # created by another process between the check and mkdir
    except OSError as error:
        raise HomeError(f"fhp-monitor cannot create its folder {path} ({error.strerror or error}). "
                        "Choose another folder with --home.") from error


def check_private_dir(path: Path) -> None:
    """Refuse a folder owned by another user, or one that others may write in (1777, 0777, 0775...):
    anyone who can write there could plant links that make fhp-monitor overwrite their targets."""
    if not hasattr(os, "geteuid"):
        return  # Windows: the user's profile folders are private by their ACLs
    info = path.stat()
    if info.st_uid != os.geteuid():
        raise HomeError(f"fhp-monitor will not keep its files in {path}: that folder belongs to another user. "
                        "Choose a folder of your own with --home.")
    if info.st_mode & 0o022:
        raise HomeError(f"fhp-monitor will not keep its files in {path}: other users may write in it "
                        f"(mode {info.st_mode & 0o7777:o}). Run: chmod 700 '{path}' (or choose another folder "
                        "with --home).")


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
        if os.path.isfile(path) and not os.path.islink(path) and info.st_mode & 0o077 and info.st_uid == os.geteuid():
            os.chmod(path, info.st_mode & 0o700)
    except OSError as error:
        logger.warning("could not make %s private: %s", path, error)


# --------------------------------------------------------------------------- logging


_OUR_HANDLER = "_fhp_monitor_handler"
LOG_ERROR_EVERY_S = 600.0


class PrivateLogFile(RotatingFileHandler):
    """The rotating log, private (0600) and never written through a symbolic link.

    When the log itself cannot be written (a full disk), one plain line goes to stderr per
    ``LOG_ERROR_EVERY_S`` instead of logging's traceback for every record.
    """

    _next_complaint = 0.0

    def _open(self):  # noqa: ANN202 - logging's own signature
        fd = open_private(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        now = time.monotonic()
        if now >= self._next_complaint:
            self._next_complaint = now + LOG_ERROR_EVERY_S
            error = sys.exc_info()[1]
            try:
                sys.stderr.write(f"fhp-monitor: cannot write the log {self.baseFilename} ({error}); "
                                 "messages are shown here instead.\n")
                sys.stderr.write(f"fhp-monitor: {record.getMessage()}\n")
            except (OSError, ValueError):
                return  # stderr is gone too: nothing more can be said


class _PlainFormatter(logging.Formatter):
    """stderr gets one plain line per message; tracebacks go to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        return super().format(plain)


def open_private(path: Path, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that never follows a symbolic link at ``path`` and leaves the file 0600 at most.

    A planted link is refused with a HomeError naming it (the file it points to is never touched).
    """
    try:
        fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as error:
        if os.path.islink(path):
            raise HomeError(f"{path} is a symbolic link; fhp-monitor never writes through links. "
                            "Delete that link, then start fhp-monitor again.") from error
        raise
    try:
        info = os.fstat(fd)
        if info.st_mode & 0o077:
            os.fchmod(fd, info.st_mode & 0o700)
    except OSError:
        os.close(fd)
        raise
    return fd


def setup_logging(home: Home, verbose: bool = False) -> Path:
    """Log to a rotating file in the log folder (1 MB x 3) and to stderr (WARNING; INFO when
    verbose). Calling it again replaces the handlers it added before. Returns the log file path."""
    _make_private_dir(home.log_dir)
    stop_logging()
    try:
        file_handler = PrivateLogFile(home.log_file, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS,
                                      encoding="utf-8")
    except OSError as error:
        raise HomeError(f"fhp-monitor cannot write its log {home.log_file} ({error.strerror}). "
                        "Check that the folder belongs to you, or choose another one with --home.") from error
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(_PlainFormatter("fhp-monitor: %(message)s"))
    root = logging.getLogger()
    for handler in (file_handler, console):
        setattr(handler, _OUR_HANDLER, True)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("fhp_monitor").setLevel(logging.DEBUG if verbose else logging.INFO)
    return home.log_file


def stop_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` added (for shutdown and tests)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OUR_HANDLER, False)]:
        root.removeHandler(handler)
        handler.close()


# --------------------------------------------------------------------------- one instance


if os.name == "nt":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except PermissionError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _read_holder(handle: IO[bytes]) -> str:
    """The process id the holder wrote, as text ("" when Windows' lock keeps us from reading)."""
    handle.seek(0)
    try:
        return handle.read(32).decode("ascii", "replace").strip()
    except OSError:
        return ""


class SingleInstance:
    """Holds an OS file lock so only one fhp-monitor per user runs; the OS frees it if we crash.

    ``with SingleInstance(home.lock): ...`` — raises AlreadyRunning when another instance holds it.
    The lock file keeps the holder's process id (for messages); it is never deleted.
    """

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = Path(lock_path)
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> None:
        if self._handle is not None:
            return
        try:  # kept open while the lock is held; never through a planted link
            handle = os.fdopen(open_private(self.lock_path, os.O_RDWR | os.O_CREAT), "r+b")
        except OSError as error:
            raise HomeError(f"fhp-monitor cannot use its lock file {self.lock_path} ({error.strerror}). "
                            "Check that the folder belongs to you, or choose another one with --home.") from error
        if not _try_lock(handle):
            text = _read_holder(handle)
            handle.close()
            raise AlreadyRunning(
                "fhp-monitor is already running. Look for its icon near the clock; "
                "there is no need to start it twice.", int(text) if text.isdigit() else None)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode("ascii"))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let go of the lock; safe to call twice."""
        handle, self._handle = self._handle, None
        if handle is not None:
            _unlock(handle)
            handle.close()

    def __enter__(self) -> SingleInstance:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()


# --------------------------------------------------------------------------- small state


def read_state(home: Home) -> dict[str, Any]:
    """The small app state (e.g. last summary date, chosen camera); {} when there is none.

    A damaged state.json is moved aside (state.json.damaged-<time>) with a warning, and {} returned.
    """
    try:
        raw = home.state.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:  # bad JSON or bad UTF-8
        data = None
    if isinstance(data, dict):
        return data
    aside = _set_aside(home.state)
    logger.warning("%s was damaged; moved it to %s and started with empty state", home.state, aside.name)
    return {}


def _set_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
        number += 1
    os.replace(path, aside)
    return aside


def write_state(home: Home, state: Mapping[str, Any]) -> None:
    """Replace state.json atomically (temp file + os.replace), so a crash never leaves half a file.

    Raises TypeError/ValueError, before touching the file, when ``state`` is not plain JSON.
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be a mapping, not {type(state).__name__}")
    text = json.dumps(dict(state), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    descriptor, temporary = tempfile.mkstemp(prefix=".state.", suffix=".tmp", dir=home.root)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, home.state)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
