"""Real faults for the fault-injection tests: a process holding SQLite's lock, a small full tmpfs,
a read-only bind mount, and the real ``python -m fhp_monitor`` to suffer them."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SECONDS = ("upright_s", "forward_s", "away_s", "paused_s", "uncertain_s", "unavailable_s")


def replay_args(video: Path, start: str = "2026-11-20T09:00:00", speed: float = 0) -> list[str]:
    return ["run", "--source", str(video), "--speed", str(speed), "--exit-at-end", "--no-tray", "--start", start]


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def minute_count(db: Path) -> int:
    try:
        return rows(db, "SELECT count(*) FROM minutes")[0][0]
    except sqlite3.OperationalError:
        return 0


class Locker:
    """Another process holding ``BEGIN EXCLUSIVE`` on a history file until :meth:`release`.

    ``journal="delete"`` takes the file out of WAL mode first, so even readers (and opening) are
    refused, as when another program holds a rollback-journal lock; ``"wal"`` blocks writers only.
    """

    def __init__(self, db: Path, journal: str = "wal") -> None:
        code = (
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(db)!r}, isolation_level=None, timeout=10)\n"
            f"c.execute('PRAGMA journal_mode = {journal}')\n"
            "c.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n"
            "c.execute('ROLLBACK')\n"
        )
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        assert line.strip() == "locked", f"the locker did not get the lock: {line!r}"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)

    def __enter__(self) -> Locker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def can_mount() -> str | None:
    """None when this process may mount a tmpfs, else why not."""
    if os.geteuid() != 0:
        return "mounting a small tmpfs needs root"
    probe = Path(tempfile.mkdtemp(prefix="fhp-mount-probe-"))
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            return f"mount is not allowed here: {done.stderr.strip()}"
        subprocess.run(["umount", str(probe)], check=True)
        return None
    finally:
        probe.rmdir()


def need_mount() -> None:
    """Skip with the reason where mounting is not allowed, but fail when CI is set (CI runs as root)."""
    why = can_mount()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the disk-full tests must run, but {why}", pytrace=False)
        pytest.skip(why)


@contextlib.contextmanager
def small_disk(size: str = "4m") -> Iterator[Path]:
    """A real, small tmpfs mounted on a fresh folder; unmounted afterwards."""
    need_mount()
    where = Path(tempfile.mkdtemp(prefix="fhp-small-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)
        where.rmdir()


def fill_disk(folder: Path) -> Path:
    """Write a filler file until the disk refuses one more byte; returns the filler."""
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as out:
        chunk = b"\0" * 65536
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                if len(chunk) == 1:
                    break
                chunk = chunk[: len(chunk) // 2]
    return filler


@contextlib.contextmanager
def read_only_file(path: Path) -> Iterator[Path]:
    """``path`` bind-mounted read-only onto itself (the folder around it stays writable)."""
    need_mount()
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def copy_home(source: Path, target: Path) -> Path:
    """The calibration and settings of ``source`` in a new 0700 home at ``target`` (parents made)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.mkdir(mode=0o700, exist_ok=True)
    for name in ("calibration.json", "config.yaml"):
        shutil.copy(source / name, target / name)
    return target
