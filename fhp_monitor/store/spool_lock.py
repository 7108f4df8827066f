"""Who owns the spool: an advisory lock on ``history-spool.lock`` next to it.

Only the owner drains the spool into the history, appends to it, or removes it; any other process
(``summary`` or ``export`` while the app runs) reads it and changes nothing. The lock lives on a
file of its own because the spool itself is removed and made again when it is drained.

The lock is the operating system's, so it goes with the process that held it, whatever way that
process ended (a crash, a kill): a stale lock never blocks the next start.
Linux/macOS: ``fcntl.flock`` (the whole file, exclusive, not blocking). Windows: ``msvcrt.locking``
(LockFileEx underneath) on the file's first byte, not blocking.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = "history-spool.lock"

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt


class SpoolLock:
    """An exclusive advisory lock, taken without waiting. Thread contract: the owner's one thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """True when this process now owns the spool; False when another one does (or the lock file
        cannot be made, e.g. a read-only home: then nobody can write the spool anyway)."""
        if self._fd is not None:
            return True
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            log.info("cannot open %s (%s): the spool is only read", self.path, exc.strerror or exc)
            return False
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock back (the file stays: removing it could race with another process taking it)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if fcntl is None:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)  # closing drops a flock
