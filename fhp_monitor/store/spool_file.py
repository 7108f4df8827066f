"""The spool file itself: ``history-spool.jsonl`` in the home, where records wait while the history
cannot take them (see spool.py for who writes and drains it). One JSON object per line, append-only,
fsynced after each line, private (0600), never opened through a symbolic link; its reserve of zero
bytes is claimed up front so a full disk still takes about 700 minutes.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from fhp_monitor.home.files import NONBLOCK, open_no_follow, reserve, write_at
from fhp_monitor.store.records import check_record

log = logging.getLogger("fhp_monitor.store.spool")

SPOOL_NAME = "history-spool.jsonl"
RESERVE_BYTES = 128 * 1024
MAX_BYTES = 4 * 1024 * 1024


class Spool:
    """The append-only spool file. Thread contract: one thread at a time (the owner serialises)."""

    def __init__(self, path: Path, *, reserve_bytes: int = RESERVE_BYTES, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.reserve_bytes, self.max_bytes = reserve_bytes, max_bytes
        self._end = 0  # where the next line goes: the first zero byte of the file

    def _open(self, flags: int) -> int:
        """Open without following a symlink; raise OSError (ELOOP names a planted link)."""
        return open_no_follow(self.path, flags, 0o600)

    def read(self) -> list[dict]:
        """The records in the file, oldest first; a torn or unreadable line is skipped and logged."""
        try:
            fd = self._open(os.O_RDONLY | NONBLOCK)
        except FileNotFoundError:
            return []
        except OSError as exc:  # e.g. a planted symlink (ELOOP): never read or written through
            log.warning("cannot use the spool %s (%s); it is left alone", self.path, exc.strerror or exc)
            return []
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                log.warning("the spool %s is not a regular file; it is left alone", self.path)
                return []
            data = os.read(fd, self.max_bytes + 1)
        finally:
            os.close(fd)
        used = data.split(b"\0", 1)[0]
        self._end = len(used)
        records = []
        for number, line in enumerate(used.split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                records.append(check_record(json.loads(line)))
            except ValueError as exc:  # includes bad JSON and bad UTF-8
                log.warning("%s line %d is damaged and was skipped: %s", self.path, number, exc)
        return records

    def prepare(self) -> bool:
        """Make the file (0600) and claim its reserve of disk space. False (logged) when it cannot."""
        try:
            fd = self._open(os.O_RDWR | os.O_CREAT)
        except OSError as exc:  # said only if a record ever needs the spool
            log.info("cannot prepare %s: %s", self.path, exc)
            return False
        try:
            size = os.fstat(fd).st_size
            if size < self.reserve_bytes:
                reserve(fd, self.reserve_bytes)
                os.fsync(fd)
            return True
        except OSError as exc:
            log.info("cannot reserve space for %s: %s", self.path, exc)
            return False
        finally:
            os.close(fd)

    def append(self, records: Sequence[dict]) -> int:
        """Write ``records`` after the last one, fsynced; returns how many were written (all or none)."""
        if not records:
            return 0
        text = "".join(json.dumps(r, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n"
                       for r in records).encode("ascii")
        if self._end + len(text) > self.max_bytes:
            return 0
        try:
            fd = self._open(os.O_RDWR | os.O_CREAT)
        except OSError as exc:
            log.debug("spool %s cannot be opened: %s", self.path, exc)
            return 0
        try:
            written = write_at(fd, text, self._end)
            if written != len(text):
                raise OSError(errno.ENOSPC, "short write", str(self.path))  # not translated: for the log
            os.fsync(fd)
        except OSError as exc:
            log.debug("spool %s refused %d records: %s", self.path, len(records), exc)
            try:  # a torn line past the reserve must not stay: cut back to the last whole record
                if os.fstat(fd).st_size > max(self._end, self.reserve_bytes):
                    os.ftruncate(fd, max(self._end, self.reserve_bytes))
                write_at(fd, b"\0" * min(len(text), max(0, self.reserve_bytes - self._end)), self._end)
            except OSError:
                log.debug("could not tidy the spool after a refused write", exc_info=True)
            return 0
        finally:
            os.close(fd)
        self._end += len(text)
        return len(records)

    def remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        self._end = 0
