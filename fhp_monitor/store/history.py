"""SQLite posture history: the only module that imports ``sqlite3``.

One file (``history.sqlite3`` in the app home) holds numbers only: per-minute seconds in each
posture state, nudges, pauses, calibrations and per-day totals. The schema version lives in
``PRAGMA user_version`` and :data:`MIGRATIONS` moves old files forward one step at a time.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import sqlite3
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO
from urllib.parse import quote

from fhp_monitor.core.ports import HistoryError, MinuteRecord, NudgeRecord
from fhp_monitor.core.summary import SECOND_KEYS, day_bounds, local_date, local_datetime

log = logging.getLogger(__name__)

_SECONDS_DDL = ", ".join(f"{k} REAL NOT NULL DEFAULT 0" for k in SECOND_KEYS)
_SECONDS = ", ".join(SECOND_KEYS)
_MINUTE_COLUMNS = f"minute, {_SECONDS}, cva_proxy_mean, samples"


def _migrate_to_v1(conn: sqlite3.Connection) -> None:
    """The first schema: minutes, nudges, pauses, calibrations."""
    conn.execute(
        f"CREATE TABLE minutes (minute INTEGER PRIMARY KEY, {_SECONDS_DDL},"
        " cva_proxy_mean REAL, samples INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute(
        "CREATE TABLE nudges (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL,"
        " level INTEGER NOT NULL DEFAULT 1, recovered INTEGER CHECK (recovered IN (0, 1)))"
    )
    conn.execute("CREATE TABLE pauses (start REAL NOT NULL, end REAL NOT NULL, reason TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE calibrations (at REAL NOT NULL, baseline_deg REAL NOT NULL,"
        " spread_deg REAL NOT NULL, samples INTEGER NOT NULL)"
    )


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    """Per-day totals kept forever once old minutes are pruned; nudges looked up by time."""
    conn.execute(f"CREATE TABLE daily_totals (date TEXT PRIMARY KEY, {_SECONDS_DDL})")
    conn.execute("CREATE INDEX nudges_at ON nudges (at)")


#: MIGRATIONS[i] turns a version-i file into version i+1. Append, never edit released steps.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_to_v1, _migrate_to_v2)
SCHEMA_VERSION = len(MIGRATIONS)


def _error_kind(exc: sqlite3.Error) -> str:
    """A short name for what went wrong ('busy', 'readonly', 'full', ...)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    for kind, names, words in (
        ("busy", ("SQLITE_BUSY", "SQLITE_LOCKED"), ("locked", "busy")),
        ("readonly", ("SQLITE_READONLY",), ("readonly", "read-only")),
        ("full", ("SQLITE_FULL",), ("disk is full",)),
        ("corrupt", ("SQLITE_NOTADB", "SQLITE_CORRUPT"), ("not a database", "malformed")),
        ("cantopen", ("SQLITE_CANTOPEN", "SQLITE_PERM"), ("unable to open",)),
    ):
        if name.startswith(names) or any(w in text for w in words):
            return kind
    return "other"


#: Plain sentences for the user, by error kind: what happened and what to do.
_MESSAGES = {
    "busy": "The posture history file is busy: another program is using {path}.",
    "readonly": "fhp-monitor cannot save its posture history because {path} is read-only. "
    "Check that you own this file and its folder.",
    "full": "The disk is full, so fhp-monitor could not save the latest posture numbers to {path}. "
    "Free some disk space; the history saved before is safe.",
    "cantopen": "fhp-monitor cannot open its posture history at {path}. "
    "Check that the folder exists and that you may write to it.",
}


class _Damaged(Exception):
    """Internal: the file is not a healthy SQLite database."""


class SqliteHistoryStore:
    """The :class:`~fhp_monitor.core.ports.HistoryStore` backed by one SQLite file.

    Thread contract: all *write* methods (``record_*``, ``set_nudge_recovered``, ``prune``,
    ``close``) are called from one thread, the worker's event dispatch; they share one connection
    guarded by a lock. *Read* methods (``minutes``, ``nudges``, ``daily_totals``, ``export_csv``,
    ``has_data``) open their own short-lived read-only connection and may be called from any
    thread while the writer works (WAL mode lets readers and the writer proceed together).
    Writes block for at most ``busy_timeout_s`` when another program holds the file.

    Durability: each write is one transaction that lands whole or raises :class:`HistoryError`.
    ``synchronous=NORMAL`` in WAL mode: a crash of this process (even ``kill -9``) loses nothing
    committed; a power cut may lose the last few commits but never corrupts the file. For minute
    totals that trade is right: no disk flush per minute, so the disk and laptop battery can rest.
    A minute row that could not be written (file busy, disk full) is kept in memory and written
    with the next successful ``record_minute`` (``pending_minutes`` counts them).

    Faults: a damaged file is moved aside to ``<name>.corrupt-<timestamp>`` (never deleted) and a
    fresh one created; ``recovered_from`` then names the moved file so the app can tell the user
    once. Files are private to the user (mode 0600).
    """

    def __init__(self, path: Path, *, busy_timeout_s: float = 2.0, max_size_bytes: int | None = None) -> None:
        """Open (or create, or migrate) the history at ``path``. Raises HistoryError."""
        if busy_timeout_s < 0:
            raise ValueError(f"busy_timeout_s must be 0 or more, got {busy_timeout_s}")
        self.path = Path(path)
        self.busy_timeout_s = busy_timeout_s
        self.max_size_bytes = max_size_bytes
        self.recovered_from: Path | None = None
        self._lock = threading.RLock()
        self._pending: dict[int, MinuteRecord] = {}
        self._conn: sqlite3.Connection | None = self._open_writer()

    # ----------------------------------------------------------------------- opening

    def _refuse_links(self) -> None:
        """A symlink planted at the history or its -wal/-shm/-journal would make SQLite write its target."""
        for side in ("", "-wal", "-shm", "-journal"):
            path = Path(f"{self.path}{side}")
            if path.is_symlink():
                error = HistoryError(f"The posture history file {path} is a symbolic link; fhp-monitor never "
                                     "writes through links. Delete that link (or move the real file there).")
                error.kind = "symlink"  # type: ignore[attr-defined]
                raise error

    def _open_writer(self) -> sqlite3.Connection:
        self._refuse_links()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
        except OSError as exc:
            raise HistoryError(
                f"fhp-monitor cannot create its posture history at {self.path} ({exc.strerror}). "
                "Check that you may write to that folder."
            ) from exc
        try:
            if not _has_sqlite_header(self.path):
                # Checked before SQLite touches it: SQLite would delete a -wal it cannot use.
                raise _Damaged("not an SQLite file")
            conn = self._connect_and_prepare()
        except _Damaged as damaged:
            log.warning("history file %s is damaged (%s); moving it aside", self.path, damaged)
            self.recovered_from = self._move_aside()
            conn = self._connect_and_prepare()
        self._make_private()
        return conn

    def _connect_and_prepare(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise _Damaged(check)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                log.warning("history %s: journal mode is %s, not WAL", self.path, mode)
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn)
            if self.max_size_bytes is not None:
                page = conn.execute("PRAGMA page_size").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {max(1, math.ceil(self.max_size_bytes / page))}")
            return conn
        except sqlite3.Error as exc:
            conn.close()
            if _error_kind(exc) == "corrupt":
                raise _Damaged(str(exc)) from exc
            raise self._error(exc, "opened") from exc
        except BaseException:
            conn.close()
            raise

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"The posture history at {self.path} was written by a newer fhp-monitor "
                f"(schema {version}, this one knows {SCHEMA_VERSION}). Please update fhp-monitor."
            )
        for step in range(version, SCHEMA_VERSION):
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[step](conn)
                conn.execute(f"PRAGMA user_version = {step + 1}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            log.info("history %s migrated to schema %d", self.path, step + 1)

    def _move_aside(self) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            os.rename(self.path, target)
            for suffix in ("-wal", "-shm"):  # a stale WAL must never be replayed into the new file
                side = Path(f"{self.path}{suffix}")
                if side.exists():
                    os.rename(side, Path(f"{target}{suffix}"))
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise HistoryError(
                f"The posture history at {self.path} is damaged and could not be moved aside "
                f"({exc.strerror}). Move or rename that file, then start fhp-monitor again."
            ) from exc
        return target

    def _make_private(self) -> None:
        """Strip group/other permissions from the file and its -wal/-shm (never adds any)."""
        for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
            try:
                info = p.lstat()
                mode = info.st_mode & 0o777
                if mode & 0o077 and not p.is_symlink():
                    os.chmod(p, mode & 0o700)
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("could not make %s private: %s", p, exc)

    def _error(self, exc: sqlite3.Error, what: str) -> HistoryError:
        """The HistoryError for ``exc``, with its ``kind`` ('busy', 'full', ...) for the spool's once-per-kind words."""
        error = HistoryError(self._explain(exc, what))
        error.kind = _error_kind(exc)  # type: ignore[attr-defined]
        return error

    def _explain(self, exc: sqlite3.Error, what: str) -> str:
        template = _MESSAGES.get(_error_kind(exc), "The posture history at {path} could not be {what}: {exc}.")
        return template.format(path=self.path, what=what, exc=exc)

    # ----------------------------------------------------------------------- writing

    @contextmanager
    def _transaction(self, what: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise HistoryError("The posture history is closed.")
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error as rollback_exc:
                        log.error("history rollback failed after %r: %s", exc, rollback_exc)
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc, what) from exc
                raise

    def record_minute(self, minute: MinuteRecord) -> None:
        """Insert or replace the row for ``minute.minute`` (plus any minutes still pending)."""
        _check_minute(minute)
        with self._lock:
            self._pending[minute.minute] = minute
            self._write_pending()

    def _write_pending(self) -> None:
        rows = [_minute_row(m) for _, m in sorted(self._pending.items())]
        with self._transaction("saved") as conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO minutes ({_MINUTE_COLUMNS}) VALUES ({', '.join('?' * (len(SECOND_KEYS) + 3))})",
                rows,
            )
        self._pending.clear()

    @property
    def pending_minutes(self) -> int:
        """Minute rows waiting in memory because their write failed."""
        return len(self._pending)

    def record_nudge(self, at: float, level: int) -> int:
        """Store a nudge (outcome unknown yet) and return its id."""
        _check_finite(at=at)
        with self._transaction("saved") as conn:
            cur = conn.execute("INSERT INTO nudges (at, level) VALUES (?, ?)", (float(at), int(level)))
            return int(cur.lastrowid)

    def set_nudge_recovered(self, nudge_id: int, recovered: bool) -> None:
        """Record whether the user sat back up after nudge ``nudge_id``."""
        with self._transaction("saved") as conn:
            cur = conn.execute("UPDATE nudges SET recovered = ? WHERE id = ?", (int(bool(recovered)), nudge_id))
            if cur.rowcount != 1:
                raise ValueError(f"there is no nudge with id {nudge_id}")

    def record_pause(self, start: float, end: float, reason: str) -> None:
        """Store a pause (user asked, video call, quiet hours...) from ``start`` to ``end``."""
        _check_finite(start=start, end=end)
        if end < start:
            raise ValueError(f"pause ends ({end}) before it starts ({start})")
        with self._transaction("saved") as conn:
            conn.execute("INSERT INTO pauses (start, end, reason) VALUES (?, ?, ?)", (start, end, str(reason)))

    def record_calibration(self, at: float, baseline_deg: float, spread_deg: float, samples: int) -> None:
        """Store one calibration result."""
        _check_finite(at=at, baseline_deg=baseline_deg, spread_deg=spread_deg)
        with self._transaction("saved") as conn:
            conn.execute(
                "INSERT INTO calibrations (at, baseline_deg, spread_deg, samples) VALUES (?, ?, ?, ?)",
                (at, baseline_deg, spread_deg, int(samples)),
            )

    def prune(self, now: float, keep_minutes_days: int) -> int:
        """Roll minutes from before the last ``keep_minutes_days`` local days into daily totals.

        Minutes starting before local midnight of (today - keep_minutes_days) are added to their
        day's ``daily_totals`` row and deleted, in one transaction, so whole days move at once and
        a row in ``daily_totals`` always holds exactly the pruned minutes of that day (reads add
        the live minutes on top). Daily totals are kept forever. Returns the number of minutes moved.
        """
        if keep_minutes_days < 1:
            raise ValueError(f"keep_minutes_days must be 1 or more, got {keep_minutes_days}")
        cutoff, _ = day_bounds(local_date(now) - timedelta(days=keep_minutes_days))
        with self._transaction("tidied") as conn:
            sums: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(SECOND_KEYS))
            count = 0
            for row in conn.execute(f"SELECT minute, {_SECONDS} FROM minutes WHERE minute < ?", (cutoff,)):
                day_sums = sums[local_date(row[0]).isoformat()]
                for i, value in enumerate(row[1:]):
                    day_sums[i] += value
                count += 1
            updates = ", ".join(f"{k} = {k} + excluded.{k}" for k in SECOND_KEYS)
            conn.executemany(
                f"INSERT INTO daily_totals (date, {_SECONDS}) VALUES (?{', ?' * len(SECOND_KEYS)})"
                f" ON CONFLICT (date) DO UPDATE SET {updates}",
                [(day, *values) for day, values in sums.items()],
            )
            conn.execute("DELETE FROM minutes WHERE minute < ?", (cutoff,))
        return count

    def write_records(self, records: Sequence[dict]) -> dict[float, int]:
        """Write spooled records (see :func:`check_record`) in one transaction; returns nudge ids by time.

        Idempotent: a record already in the file (same minute, same nudge or pause or calibration
        time) is not added twice, so a spool replayed after a crash never duplicates anything.
        """
        clean = [check_record(r) for r in records]
        ids: dict[float, int] = {}
        with self._transaction("saved") as conn:
            for r in clean:
                kind = r["kind"]
                if kind == "minute":
                    conn.execute(
                        f"INSERT OR REPLACE INTO minutes ({_MINUTE_COLUMNS}) VALUES ({', '.join('?' * (len(SECOND_KEYS) + 3))})",
                        (r["minute"], *(r[k] for k in SECOND_KEYS), r["cva_proxy_mean"], r["samples"]))
                elif kind == "nudge":
                    conn.execute("INSERT INTO nudges (at, level) SELECT ?, ? WHERE NOT EXISTS"
                                 " (SELECT 1 FROM nudges WHERE at = ?)", (r["at"], r["level"], r["at"]))
                    ids[r["at"]] = conn.execute("SELECT max(id) FROM nudges WHERE at = ?", (r["at"],)).fetchone()[0]
                elif kind == "nudge_outcome":
                    conn.execute("UPDATE nudges SET recovered = ? WHERE id = (SELECT max(id) FROM nudges WHERE at = ?)",
                                 (int(r["recovered"]), r["at"]))
                elif kind == "pause":
                    conn.execute("INSERT INTO pauses (start, end, reason) SELECT ?, ?, ? WHERE NOT EXISTS"
                                 " (SELECT 1 FROM pauses WHERE start = ? AND end = ? AND reason = ?)",
                                 (r["start"], r["end"], r["reason"]) * 2)
                else:
                    conn.execute("INSERT INTO calibrations (at, baseline_deg, spread_deg, samples) SELECT ?, ?, ?, ?"
                                 " WHERE NOT EXISTS (SELECT 1 FROM calibrations WHERE at = ?)",
                                 (r["at"], r["baseline_deg"], r["spread_deg"], r["samples"], r["at"]))
        return ids

    def close(self) -> None:
        """Write pending minutes if possible, then close. Safe to call twice."""
        with self._lock:
            if self._conn is None:
                return
            try:
                if self._pending:
                    self._write_pending()
            finally:
                self._conn.close()
                self._conn = None
                self._make_private()

    def __enter__(self) -> "SqliteHistoryStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------------- reading

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(self._explain(exc, "read")) from exc
        try:
            yield conn
        except sqlite3.Error as exc:
            raise HistoryError(self._explain(exc, "read")) from exc
        finally:
            conn.close()

    def minutes(self, start: float, end: float) -> Sequence[MinuteRecord]:
        """Minute rows with ``start <= minute < end``, oldest first."""
        with self._reader() as conn:
            rows = conn.execute(
                f"SELECT {_MINUTE_COLUMNS} FROM minutes WHERE minute >= ? AND minute < ? ORDER BY minute",
                (start, end),
            ).fetchall()
        return [MinuteRecord(r[0], *r[1:7], cva_proxy_mean=r[7], samples=r[8]) for r in rows]

    def nudges(self, start: float, end: float) -> Sequence[NudgeRecord]:
        """Nudges with ``start <= at < end``, oldest first."""
        with self._reader() as conn:
            rows = conn.execute(
                "SELECT id, at, level, recovered FROM nudges WHERE at >= ? AND at < ? ORDER BY at, id", (start, end)
            ).fetchall()
        return [NudgeRecord(at=at, level=level, recovered=None if rec is None else bool(rec), id=i) for i, at, level, rec in rows]

    def daily_totals(self, start_date: date, end_date: date) -> dict[date, dict]:
        """Seconds per state for each local day from ``start_date`` to ``end_date`` (both included).

        Adds pruned totals and live minutes, so it works whether or not a day was pruned.
        Days without any data are left out.
        """
        first, _ = day_bounds(start_date)
        _, last = day_bounds(end_date)
        out: dict[date, dict] = {}

        def add(day: date, values: Sequence[float]) -> None:
            totals = out.setdefault(day, dict.fromkeys(SECOND_KEYS, 0.0))
            for key, value in zip(SECOND_KEYS, values):
                totals[key] += value

        with self._reader() as conn:
            for row in conn.execute(
                f"SELECT date, {_SECONDS} FROM daily_totals WHERE date >= ? AND date <= ?",
                (start_date.isoformat(), end_date.isoformat()),
            ):
                add(date.fromisoformat(row[0]), row[1:])
            for row in conn.execute(f"SELECT minute, {_SECONDS} FROM minutes WHERE minute >= ? AND minute < ?", (first, last)):
                add(local_date(row[0]), row[1:])
        return dict(sorted(out.items()))

    def has_data(self, day: date) -> bool:
        """True when local ``day`` has any posture seconds (for ``daily_notification_due``)."""
        return day in self.daily_totals(day, day)

    def export_csv(self, out: TextIO, start: float | None = None, end: float | None = None) -> int:
        """Write per-minute history as CSV (header first) to ``out``; return the number of rows."""
        header = ["minute_local", "minute_epoch", *SECOND_KEYS, "cva_proxy_mean", "samples"]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        count = 0
        with self._reader() as conn:
            for row in conn.execute(
                f"SELECT {_MINUTE_COLUMNS} FROM minutes WHERE minute >= ? AND minute < ? ORDER BY minute",
                (-math.inf if start is None else start, math.inf if end is None else end),
            ):
                stamp = local_datetime(row[0]).isoformat(timespec="minutes")
                cva = "" if row[7] is None else f"{row[7]:.2f}"
                writer.writerow([stamp, row[0], *(f"{v:g}" for v in row[1:7]), cva, row[8]])
                count += 1
        return count


def _has_sqlite_header(path: Path) -> bool:
    """True for an empty file (new) or one starting with SQLite's magic string."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise HistoryError(f"fhp-monitor cannot read its posture history at {path} ({exc.strerror}).") from exc
    return head in (b"", b"SQLite format 3\x00")


def _check_finite(**values: float) -> None:
    for name, value in values.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")


def _check_minute(minute: MinuteRecord) -> None:
    if minute.minute % 60 != 0:
        raise ValueError(f"minute {minute.minute} does not start on a minute boundary (multiple of 60)")
    _check_finite(**{k: getattr(minute, k) for k in SECOND_KEYS})
    if any(getattr(minute, k) < 0 for k in SECOND_KEYS):
        raise ValueError(f"minute {minute.minute} has negative seconds: {minute}")
    if minute.cva_proxy_mean is not None:
        _check_finite(cva_proxy_mean=minute.cva_proxy_mean)


#: The fields of each kind of spooled record (besides "kind"), with their types.
RECORD_FIELDS: dict[str, dict[str, type]] = {
    "minute": {"minute": int, **dict.fromkeys(SECOND_KEYS, float), "cva_proxy_mean": float, "samples": int},
    "nudge": {"at": float, "level": int},
    "nudge_outcome": {"at": float, "recovered": bool},
    "pause": {"start": float, "end": float, "reason": str},
    "calibration": {"at": float, "baseline_deg": float, "spread_deg": float, "samples": int},
}


def check_record(record: object) -> dict:
    """A clean copy of one record for :meth:`SqliteHistoryStore.write_records`; ValueError if unusable.

    Records come from a spool file on disk, so nothing is trusted: known kind, exactly the known
    fields, finite numbers (``cva_proxy_mean`` may be None), whole minutes, pauses not reversed.
    """
    if not isinstance(record, dict) or record.get("kind") not in RECORD_FIELDS:
        raise ValueError(f"not a history record: {str(record)[:80]}")
    kind = record["kind"]
    fields = RECORD_FIELDS[kind]
    if set(record) != {"kind", *fields}:
        raise ValueError(f"a {kind} record needs exactly {sorted(fields)}, got {sorted(record)}")
    clean: dict = {"kind": kind}
    for name, kind_type in fields.items():
        value = record[name]
        if kind_type is str or kind_type is bool:
            if not isinstance(value, kind_type):
                raise ValueError(f"{kind}.{name} must be {kind_type.__name__}, got {value!r}")
        elif name == "cva_proxy_mean" and value is None:
            pass
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{kind}.{name} must be a finite number, got {value!r}")
            if kind_type is int:
                if value != int(value):
                    raise ValueError(f"{kind}.{name} must be a whole number, got {value!r}")
                value = int(value)
            else:
                value = float(value)
        clean[name] = value
    if kind == "minute":
        _check_minute(MinuteRecord(**{k: v for k, v in clean.items() if k != "kind"}))
    if kind == "pause" and clean["end"] < clean["start"]:
        raise ValueError(f"pause ends ({clean['end']}) before it starts ({clean['start']})")
    return clean


def minute_record(minute: MinuteRecord) -> dict:
    """The spool record of one minute row."""
    return {"kind": "minute", "minute": int(minute.minute), **{k: float(getattr(minute, k)) for k in SECOND_KEYS},
            "cva_proxy_mean": minute.cva_proxy_mean, "samples": int(minute.samples)}


def _minute_row(m: MinuteRecord) -> tuple:
    return (int(m.minute), *(float(getattr(m, k)) for k in SECOND_KEYS), m.cva_proxy_mean, int(m.samples))

