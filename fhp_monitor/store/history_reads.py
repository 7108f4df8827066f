"""Reading the history: minutes, nudges, per-day totals and the CSV export.

Every read takes ``waiting``: records (see :mod:`fhp_monitor.store.records`) that the app holds but
the file did not take yet (it was locked, read-only, the disk was full: see
:mod:`fhp_monitor.store.spool`). They are counted exactly as
:meth:`~fhp_monitor.store.history.SqliteHistoryStore.write_records` will store them: a waiting
minute replaces the stored row of the same minute, a waiting nudge is added unless one at the same
time is stored, a waiting outcome sets the latest nudge at its time. So the summary a user sees
includes the afternoon the database was locked, and never counts a minute twice.

Thread contract: pure functions over a connection the caller owns (one read transaction from
:func:`fhp_monitor.store.sqlite_file.read_only`, so all queries of one read see one snapshot).
"""

from __future__ import annotations

import csv
import heapq
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import TextIO

from fhp_monitor.core.exercise import DoneExercise
from fhp_monitor.core.ports import MinuteRecord, NudgeRecord
from fhp_monitor.core.summary import SECOND_KEYS, day_bounds, local_date, local_datetime
from fhp_monitor.store.records import minute_of, minute_row
from fhp_monitor.store.sqlite_file import Connection

_SECONDS = ", ".join(SECOND_KEYS)
MINUTE_COLUMNS = f"minute, {_SECONDS}, cva_proxy_mean, samples"  # not translated: SQL


def waiting_minutes(waiting: Iterable[dict], start: float, end: float) -> dict[int, MinuteRecord]:
    """Waiting minutes with ``start <= minute < end`` by minute; a later record replaces an earlier one."""
    return {r["minute"]: minute_of(r) for r in waiting if r["kind"] == "minute" and start <= r["minute"] < end}


def _minute_rows(conn: Connection, start: float, end: float, waiting: Sequence[dict]) -> Iterator[tuple]:
    """Minute rows in ``[start, end)`` oldest first, waiting minutes in place of stored ones."""
    extra = waiting_minutes(waiting, start, end)
    stored = (row for row in conn.execute(
        f"SELECT {MINUTE_COLUMNS} FROM minutes WHERE minute >= ? AND minute < ? ORDER BY minute", (start, end))
        if row[0] not in extra)
    return heapq.merge(stored, (minute_row(m) for _, m in sorted(extra.items())), key=lambda row: row[0])


def read_minutes(conn: Connection, start: float, end: float, waiting: Sequence[dict] = ()) -> list[MinuteRecord]:
    """Minute rows with ``start <= minute < end``, oldest first."""
    return [MinuteRecord(r[0], *r[1:7], cva_proxy_mean=r[7], samples=r[8])
            for r in _minute_rows(conn, start, end, waiting)]


def read_nudges(conn: Connection, start: float, end: float, waiting: Sequence[dict] = ()) -> list[NudgeRecord]:
    """Nudges with ``start <= at < end``, oldest first (stored ones carry their id; waiting ones None)."""
    rows = [[at, level, None if rec is None else bool(rec), i] for i, at, level, rec in conn.execute(
        "SELECT id, at, level, recovered FROM nudges WHERE at >= ? AND at < ? ORDER BY at, id", (start, end))]
    latest = {row[0]: row for row in rows}  # ordered by id within a time: the last one wins, as the UPDATE does
    for r in waiting:
        if r["kind"] == "nudge" and start <= r["at"] < end and r["at"] not in latest:
            latest[r["at"]] = [r["at"], r["level"], None, None]
            rows.append(latest[r["at"]])
        elif r["kind"] == "nudge_outcome" and r["at"] in latest:
            latest[r["at"]][2] = r["recovered"]
    rows.sort(key=lambda row: (row[0], math.inf if row[3] is None else row[3]))
    return [NudgeRecord(at=at, level=level, recovered=rec, id=i) for at, level, rec, i in rows]


def read_exercises(conn: Connection, start: float, end: float, waiting: Sequence[dict] = ()) -> list[DoneExercise]:
    """Guided exercises with ``start <= at < end``, oldest first; a waiting one is added unless stored."""
    found = {(at, name): DoneExercise(at, name, reps, seconds) for at, name, reps, seconds in conn.execute(
        "SELECT at, exercise, repetitions, seconds FROM exercises WHERE at >= ? AND at < ?", (start, end))}
    for r in waiting:
        if r["kind"] == "exercise" and start <= r["at"] < end:
            found.setdefault((r["at"], r["exercise"]), DoneExercise(
                r["at"], r["exercise"], None if r["repetitions"] < 0 else r["repetitions"], r["seconds"]))
    return sorted(found.values(), key=lambda d: (d.at, d.exercise))


def read_neck(conn: Connection, start: float, end: float, waiting: Sequence[dict] = ()) -> list[tuple[float, int]]:
    """Neck check-ins (at, score) with ``start <= at < end``, oldest first; a waiting one replaces its twin."""
    found = dict(conn.execute("SELECT at, score FROM neck WHERE at >= ? AND at < ?", (start, end)))
    found.update({r["at"]: r["score"] for r in waiting if r["kind"] == "neck" and start <= r["at"] < end})
    return sorted(found.items())


def read_calibrations(conn: Connection, start: float, end: float, waiting: Sequence[dict] = ()) -> list[dict]:
    """Calibrations with ``start <= at < end``, oldest first; a waiting one is added unless stored."""
    found = {at: {"at": at, "baseline_deg": deg, "spread_deg": spread, "samples": n} for at, deg, spread, n in
             conn.execute("SELECT at, baseline_deg, spread_deg, samples FROM calibrations WHERE at >= ? AND at < ?",
                          (start, end))}
    for r in waiting:
        if r["kind"] == "calibration" and start <= r["at"] < end:
            found.setdefault(r["at"], {k: r[k] for k in ("at", "baseline_deg", "spread_deg", "samples")})
    return [found[at] for at in sorted(found)]


def read_daily_totals(conn: Connection, start_date: date, end_date: date,
                      waiting: Sequence[dict] = ()) -> dict[date, dict]:
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

    for row in conn.execute(f"SELECT date, {_SECONDS} FROM daily_totals WHERE date >= ? AND date <= ?",
                            (start_date.isoformat(), end_date.isoformat())):
        add(date.fromisoformat(row[0]), row[1:])
    extra = waiting_minutes(waiting, first, last)
    for row in conn.execute(f"SELECT minute, {_SECONDS} FROM minutes WHERE minute >= ? AND minute < ?", (first, last)):
        if row[0] not in extra:
            add(local_date(row[0]), row[1:])
    for minute, m in extra.items():
        add(local_date(minute), [getattr(m, k) for k in SECOND_KEYS])
    return dict(sorted(out.items()))


def write_csv(conn: Connection, out: TextIO, start: float | None = None, end: float | None = None,
              waiting: Sequence[dict] = ()) -> int:
    """Write per-minute history as CSV (header first) to ``out``; return the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["minute_local", "minute_epoch", *SECOND_KEYS, "cva_proxy_mean", "samples"])
    count = 0
    for row in _minute_rows(conn, -math.inf if start is None else start, math.inf if end is None else end, waiting):
        stamp = local_datetime(row[0]).isoformat(timespec="minutes")
        cva = "" if row[7] is None else f"{row[7]:.2f}"
        writer.writerow([stamp, row[0], *(f"{v:g}" for v in row[1:7]), cva, row[8]])
        count += 1
    return count
