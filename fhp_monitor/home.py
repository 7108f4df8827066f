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
    chosen = cli_home or env.get(HOME_ENV, "").strip() or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    home = Path(chosen).expanduser().absolute()
    _make_private_dir(home)
    return home


def _make_private_dir(path: Path) -> None:
    """Create ``path`` readable by this user only; an existing folder is left as it is."""
    if path.is_dir():
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


@dataclass(frozen=True)
class Home:
    """Paths of everything fhp-monitor keeps. Build it with :meth:`locate`."""

    root: Path
    log_dir: Path

    @classmethod
    def locate(cls, cli_home: str | None, env: Mapping[str, str]) -> Home:
        """Resolve (and create) the home. Logs go in ``root/logs`` when the home was chosen with
        --home or the environment, else in the platform's per-user log folder."""
        root = resolve_home(cli_home, env)
        if cli_home or env.get(HOME_ENV, "").strip():
            log_dir = root / "logs"
        else:
            log_dir = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
        return cls(root=root, log_dir=log_dir)

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
    if target.exists():
        return target
    default = resources.files("fhp_monitor.resources").joinpath("config.yaml").read_bytes()
    try:
        with open(target, "xb") as handle:  # "x": fail rather than replace
            handle.write(default)
    except FileExistsError:
        logger.info("%s appeared while creating it; keeping that one", target)
    return target


# --------------------------------------------------------------------------- logging


_OUR_HANDLER = "_fhp_monitor_handler"


def setup_logging(home: Home, verbose: bool = False) -> Path:
    """Log to a rotating file in the log folder (1 MB x 3) and to stderr (WARNING; INFO when
    verbose). Calling it again replaces the handlers it added before. Returns the log file path."""
    _make_private_dir(home.log_dir)
    stop_logging()
    try:
        file_handler = RotatingFileHandler(home.log_file, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS,
                                           encoding="utf-8")
    except OSError as error:
        raise HomeError(f"fhp-monitor cannot write its log {home.log_file} ({error.strerror}). "
                        "Check that the folder belongs to you, or choose another one with --home.") from error
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("fhp-monitor: %(message)s"))
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


LOCK_ATTEMPTS, LOCK_RETRY_S = 10, 0.02


def _locked_soon(handle: IO[bytes]) -> bool:
    """Take the lock, trying a few times: ``instance_running`` (a `status` or `quit` asking whether
    we run) holds it for an instant, which must not make a starting instance give up."""
    for _attempt in range(LOCK_ATTEMPTS - 1):
        if _try_lock(handle):
            return True
        time.sleep(LOCK_RETRY_S)
    return _try_lock(handle)


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
        try:
            handle = open(self.lock_path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        except OSError as error:
            raise HomeError(f"fhp-monitor cannot use its lock file {self.lock_path} ({error.strerror}). "
                            "Check that the folder belongs to you, or choose another one with --home.") from error
        if not _locked_soon(handle):
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


def instance_running(lock_path: Path) -> bool:
    """True when another process holds the instance lock at ``lock_path`` (an fhp-monitor runs there).

    Takes the lock for a moment to find out and lets go at once; never creates the lock file.
    """
    try:
        handle = open(lock_path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return False
    except OSError as error:
        raise HomeError(f"fhp-monitor cannot read its lock file {lock_path} ({error.strerror}). "
                        "Check that the folder belongs to you, or choose another one with --home.") from error
    with handle:
        if _try_lock(handle):
            _unlock(handle)
            return False
        return True


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
