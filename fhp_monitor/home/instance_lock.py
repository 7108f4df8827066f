"""One fhp-monitor per user: an OS file lock in the home folder, freed by the OS if we crash.

:class:`SingleInstance` holds it while the app runs; :func:`instance_running` asks, for a moment,
whether another process holds it (``status``, ``quit``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from fhp_monitor.core.i18n import _
from fhp_monitor.home.folder import HomeError, open_private


class AlreadyRunning(RuntimeError):
    """Another fhp-monitor of this user holds the instance lock. ``holder_pid`` if known."""

    def __init__(self, message: str, holder_pid: int | None = None) -> None:
        super().__init__(message)
        self.holder_pid = holder_pid


if os.name == "nt":
    import msvcrt

    # Windows locks are mandatory: a locked byte cannot be read by others. The lock is taken on one
    # byte far past the end (allowed on Windows), so a second start can still read the holder's pid.
    LOCK_OFFSET = 1 << 30

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:  # EACCES on Windows (Wine says errno 0): another process holds it
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(LOCK_OFFSET)
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
    """The process id the holder wrote, as text ("" when it cannot be read)."""
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
        try:  # kept open while the lock is held; never through a planted link
            handle = os.fdopen(open_private(self.lock_path, os.O_RDWR | os.O_CREAT), "r+b")
        except OSError as error:
            raise HomeError(_("fhp-monitor cannot use its lock file {path} ({error}). "
                              "Check that the folder belongs to you, or choose another one with --home.").format(
                                  path=self.lock_path, error=error.strerror)) from error
        if not _locked_soon(handle):
            text = _read_holder(handle)
            handle.close()
            raise AlreadyRunning(
                _("fhp-monitor is already running. Look for its icon near the clock; "
                  "there is no need to start it twice."), int(text) if text.isdigit() else None)
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
        raise HomeError(_("fhp-monitor cannot read its lock file {path} ({error}). "
                          "Check that the folder belongs to you, or choose another one with --home.").format(
                              path=lock_path, error=error.strerror)) from error
    with handle:
        if _try_lock(handle):
            _unlock(handle)
            return False
        return True
