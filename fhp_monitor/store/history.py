"""SQLite posture history: :class:`SqliteHistoryStore`, writing and the front door for reads.

One file (``history.sqlite3`` in the app home) holds numbers only: per-minute seconds in each
posture state, nudges, pauses, calibrations and per-day totals. The file itself (opening, schema
and migrations, errors) is :mod:`fhp_monitor.store.sqlite_file`; the queries that read it are
:mod:`fhp_monitor.store.history_reads`; records and their checks are
:mod:`fhp_monitor.store.records`. Keeping a record the file did not take, and writing it later, is
the spool's job (:mod:`fhp_monitor.store.spool`), not this class's.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from fhp_monitor.core.exercise import DoneExercise
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import HistoryError, MinuteRecord, NudgeRecord
from fhp_monitor.core.summary import SECOND_KEYS, day_bounds, local_date
from fhp_monitor.store import history_reads as reads
from fhp_monitor.store.records import RECORD_FIELDS, check_finite, check_minute, check_record, minute_record, minute_row
from fhp_monitor.store.sqlite_file import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Connection,
    make_private,
    open_writer,
    read_only,
    transaction,
)

__all__ = ["MIGRATIONS", "RECORD_FIELDS", "SCHEMA_VERSION", "SqliteHistoryStore", "check_record", "minute_record"]

_SECONDS = ", ".join(SECOND_KEYS)
_INSERT_MINUTE = (f"INSERT OR REPLACE INTO minutes ({reads.MINUTE_COLUMNS})"  # not translated: SQL
                  f" VALUES ({', '.join('?' * (len(SECOND_KEYS) + 3))})")


class SqliteHistoryStore:
    """The :class:`~fhp_monitor.core.ports.HistoryStore` backed by one SQLite file.

    Thread contract: all *write* methods (``record_*``, ``write_records``, ``set_nudge_recovered``,
    ``prune``, ``close``) are called from one thread, the worker's event dispatch; they share one
    connection guarded by a lock. *Read* methods (``minutes``, ``nudges``, ``daily_totals``,
    ``export_csv``, ``has_data``) open their own short-lived read-only connection and may be
    called from any thread while the writer works (WAL mode lets readers and the writer proceed
    together). Writes block for at most ``busy_timeout_s`` when another program holds the file.

    Durability: each write is one transaction that lands whole or raises :class:`HistoryError`;
    nothing is kept for later here (the app wraps this store in the spool, which does).
    ``synchronous=NORMAL`` in WAL mode: a crash of this process (even ``kill -9``) loses nothing
    committed; a power cut may lose the last few commits but never corrupts the file. For minute
    totals that trade is right: no disk flush per minute, so the disk and laptop battery can rest.

    Reads take ``waiting``: records not in the file yet, counted as if written (see
    :mod:`fhp_monitor.store.history_reads`).

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
        self._lock = threading.RLock()
        self._conn: Connection | None
        self._conn, self.recovered_from = open_writer(self.path, busy_timeout_s, max_size_bytes)

    # ----------------------------------------------------------------------- writing

    @contextmanager
    def _transaction(self, what: str) -> Iterator[Connection]:
        with self._lock:
            if self._conn is None:
                raise HistoryError(_("The posture history is closed."))
            with transaction(self._conn, self.path, what) as conn:
                yield conn

    def record_minute(self, minute: MinuteRecord) -> None:
        """Insert or replace the row for ``minute.minute``."""
        check_minute(minute)
        with self._transaction("saved") as conn:
            conn.execute(_INSERT_MINUTE, minute_row(minute))

    def record_nudge(self, at: float, level: int) -> int:
        """Store a nudge (outcome unknown yet) and return its id."""
        check_finite(at=at)
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
        check_finite(start=start, end=end)
        if end < start:
            raise ValueError(f"pause ends ({end}) before it starts ({start})")
        with self._transaction("saved") as conn:
            conn.execute("INSERT INTO pauses (start, end, reason) VALUES (?, ?, ?)", (start, end, str(reason)))

    def record_calibration(self, at: float, baseline_deg: float, spread_deg: float, samples: int) -> None:
        """Store one calibration result."""
        check_finite(at=at, baseline_deg=baseline_deg, spread_deg=spread_deg)
        with self._transaction("saved") as conn:
            conn.execute(
                "INSERT INTO calibrations (at, baseline_deg, spread_deg, samples) VALUES (?, ?, ?, ?)",
                (at, baseline_deg, spread_deg, int(samples)),
            )

    def record_exercise(self, done: DoneExercise) -> None:
        """Store one guided exercise (numbers only; the same exercise at the same time is kept once)."""
        self.write_records([done.record()])

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
                    conn.execute(_INSERT_MINUTE, (r["minute"], *(r[k] for k in SECOND_KEYS), r["cva_proxy_mean"],
                                                  r["samples"]))
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
                elif kind == "neck":
                    conn.execute("INSERT OR REPLACE INTO neck (at, score) VALUES (?, ?)", (r["at"], r["score"]))
                elif kind == "exercise":
                    conn.execute("INSERT OR IGNORE INTO exercises (at, exercise, repetitions, seconds)"
                                 " VALUES (?, ?, ?, ?)", (r["at"], r["exercise"],
                                                          None if r["repetitions"] < 0 else r["repetitions"],
                                                          r["seconds"]))
                else:
                    conn.execute("INSERT INTO calibrations (at, baseline_deg, spread_deg, samples) SELECT ?, ?, ?, ?"
                                 " WHERE NOT EXISTS (SELECT 1 FROM calibrations WHERE at = ?)",
                                 (r["at"], r["baseline_deg"], r["spread_deg"], r["samples"], r["at"]))
        return ids

    def close(self) -> None:
        """Close the writing connection. Safe to call twice."""
        with self._lock:
            if self._conn is None:
                return
            try:
                self._conn.close()
            finally:
                self._conn = None
                make_private(self.path)

    def __enter__(self) -> "SqliteHistoryStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------------- reading (any thread)

    def minutes(self, start: float, end: float, waiting: Sequence[dict] = ()) -> Sequence[MinuteRecord]:
        """Minute rows with ``start <= minute < end``, oldest first."""
        with read_only(self.path, self.busy_timeout_s) as conn:
            return reads.read_minutes(conn, start, end, waiting)

    def nudges(self, start: float, end: float, waiting: Sequence[dict] = ()) -> Sequence[NudgeRecord]:
        """Nudges with ``start <= at < end``, oldest first."""
        with read_only(self.path, self.busy_timeout_s) as conn:
            return reads.read_nudges(conn, start, end, waiting)

    def exercises(self, start: float, end: float, waiting: Sequence[dict] = ()) -> list[DoneExercise]:
        """Guided exercises done with ``start <= at < end``, oldest first."""
        with read_only(self.path, self.busy_timeout_s) as conn:
            return reads.read_exercises(conn, start, end, waiting)

    def neck_scores(self, start: float, end: float, waiting: Sequence[dict] = ()) -> list[tuple[float, int]]:
        """Neck check-ins (at, score 0-10) with ``start <= at < end``, oldest first."""
        with read_only(self.path, self.busy_timeout_s) as conn:
            return reads.read_neck(conn, start, end, waiting)

    def calibrations(self, start: float, end: float, waiting: Sequence[dict] = ()) -> list[dict]:
        """Calibrations with ``start <= at < end``, oldest first: {at, baseline_deg, spread_deg, samples}."""
        with read_only(self.path, self.busy_timeout_s) as conn:
            return reads.read_calibrations(conn, start, end, waiting)

    def daily_totals(self, start_date: date, end_date: date, waiting: Sequence[dict] = ()) -> dict[date, dict]:
        """Seconds per state for each local day from ``start_date`` to ``end_date`` (both included).

        Adds pruned totals and live minutes, so it works whether or not a day was pruned.
        Days without any data are left out.
        """
        with read_only(self.path, self.busy_timeout_s) as conn:
            return reads.read_daily_totals(conn, start_date, end_date, waiting)

    def has_data(self, day: date, waiting: Sequence[dict] = ()) -> bool:
        """True when local ``day`` has any posture seconds (for ``daily_notification_due``)."""
        return day in self.daily_totals(day, day, waiting)

    def export_csv(self, out: TextIO, start: float | None = None, end: float | None = None,
                   waiting: Sequence[dict] = ()) -> int:
        """Write per-minute history as CSV (header first) to ``out``; return the number of rows."""
        with read_only(self.path, self.busy_timeout_s) as conn:
            return reads.write_csv(conn, out, start, end, waiting)
