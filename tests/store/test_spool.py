"""Records still waiting in the spool count in every read: a locked afternoon still shows in the summary.

The lock is real (another process holding SQLite's lock, tests/support/faults_support.py ``Locker``); the
history and the spool are real files. The check is always the same: what a user sees while the
records wait equals what the user sees once they are written (nothing missing, nothing twice).
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from fhp_monitor.core.ports import HistoryError, MinuteRecord
from fhp_monitor.core.summary import to_json_dict
from fhp_monitor.store.history import SqliteHistoryStore
from fhp_monitor.store.reports import daily_summary
from fhp_monitor.store.spool import SPOOL_NAME, Spool, SpooledHistory
from tests.support.faults_support import Locker, minute_count, rows
from tests.support.running import fhp

DAY = date(2026, 11, 20)
T0 = int(datetime(2026, 11, 20, 9, 0).timestamp())
EVENING = datetime(2026, 11, 20, 18, 0).timestamp()


def open_history(home: Path) -> SpooledHistory:
    return SpooledHistory(lambda: SqliteHistoryStore(home / "history.sqlite3", busy_timeout_s=0.1),
                          Spool(home / SPOOL_NAME), retry_s=3600)  # no retry inside a test: only at close


def morning_saved_afternoon_locked(home: Path, journal: str = "wal"):
    """A morning written to the history, then an afternoon that waits because another program holds it.

    ``journal="delete"`` locks even readers out; SQLite only leaves WAL mode when no one has the file
    open, so there the run ends before the lock and a new run starts under it. Returns the running
    history and the locker (still holding the lock)."""
    history = open_history(home)
    for i in range(5):
        history.record_minute(MinuteRecord(T0 + 60 * i, upright_s=60.0, samples=12))
    history.record_minute(MinuteRecord(T0 + 300, forward_s=30.0, upright_s=30.0, samples=12))
    nudge = history.record_nudge(T0 + 290, 1)
    yesterday = int(datetime(2026, 11, 19, 15, 0).timestamp())
    assert minute_count(home / "history.sqlite3") == 6
    if journal == "wal":
        locker = Locker(home / "history.sqlite3", journal)
        history.set_nudge_recovered(nudge, True)  # the outcome of a stored nudge waits
    else:
        history.set_nudge_recovered(nudge, True)
        assert history.close() is None
        locker = Locker(home / "history.sqlite3", journal)
        history = open_history(home)
    afternoon = int(datetime(2026, 11, 20, 14, 0).timestamp())
    for i in range(4):
        history.record_minute(MinuteRecord(afternoon + 60 * i, forward_s=60.0, samples=12))
    late = history.record_nudge(afternoon + 130, 2)
    history.set_nudge_recovered(late, False)
    # The morning's last minute again, now complete (as a replay after a crash would write it): replaces, not adds.
    history.record_minute(MinuteRecord(T0 + 300, forward_s=20.0, upright_s=40.0, samples=12))
    history.record_minute(MinuteRecord(yesterday, upright_s=45.0, forward_s=15.0, samples=12))
    assert journal != "wal" or minute_count(home / "history.sqlite3") == 6  # nothing of the afternoon got in
    assert history.waiting["minutes_spooled"] == 6 and history.waiting["others_spooled"] == (
        3 if journal == "wal" else 2
    )
    return history, locker


def test_the_summary_while_the_history_is_locked_equals_the_summary_once_it_is_written(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    history, locker = morning_saved_afternoon_locked(home)
    with locker:
        waiting = to_json_dict(daily_summary(history, DAY, EVENING))
        csv_waiting = io.StringIO()
        assert history.export_csv(csv_waiting) == 11  # 6 stored, 5 waiting (one replaces a stored minute)
        assert history.has_data(DAY - timedelta(days=1))  # a day known only from the spool
    assert history.flush(force=True)
    assert minute_count(home / "history.sqlite3") == 11
    written = to_json_dict(daily_summary(history, DAY, EVENING))
    csv_written = io.StringIO()
    history.export_csv(csv_written)
    history.close()

    assert waiting == written
    assert csv_waiting.getvalue() == csv_written.getvalue()
    assert waiting["monitored_s"] == 5 * 60 + 60 + 4 * 60  # the replaced minute once, the afternoon included
    assert waiting["forward_s"] == 20 + 4 * 60 and waiting["upright_s"] == 5 * 60 + 40
    assert [n["recovered"] for n in waiting["nudges"]] == [True, False]
    assert waiting["week"][-1]["upright_pct"] == 75.0  # yesterday's minute, which waited too
    assert rows(home / "history.sqlite3", "SELECT level, recovered FROM nudges ORDER BY at") == [(1, 1), (2, 0)]


def test_fhp_monitor_summary_in_another_process_counts_what_waits_in_the_spool(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    history, locker = morning_saved_afternoon_locked(home)
    with locker:
        expected = to_json_dict(daily_summary(history, DAY, EVENING))
        words = history.close()  # the run ends while the lock is still held: the afternoon waits in the spool
        assert "6 minutes of posture history and 3 other records" in words and str(home / SPOOL_NAME) in words
        done = fhp(home, "summary", "--json", "--date", DAY.isoformat())
        assert done.returncode == 0, done.stderr
        assert (home / SPOOL_NAME).exists() and minute_count(home / "history.sqlite3") == 6  # still locked
    shown = json.loads(done.stdout)
    assert shown["monitored_s"] == expected["monitored_s"] == 600.0
    assert shown["upright_pct"] == expected["upright_pct"] and len(shown["nudges"]) == 2
    assert [n["recovered"] for n in shown["nudges"]] == [True, False]


def test_a_history_locked_even_to_readers_says_so_in_one_line_and_how_much_waits(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    history, locker = morning_saved_afternoon_locked(home, journal="delete")
    with locker:
        with pytest.raises(HistoryError, match="another program is using"):
            daily_summary(history, DAY, EVENING)  # no made-up summary from the spool alone
        history.close()
        done = fhp(home, "summary", "--date", DAY.isoformat())
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert any("another program is using" in line for line in lines), done.stderr
    assert any("6 minutes of posture history" in line and "wait in" in line for line in lines), done.stderr


def test_a_summary_read_while_the_waiting_records_are_written_counts_each_minute_once(tmp_path):
    """The narrowest moment: the file has taken the records but the queue still holds them (and the reverse).

    Reads copy the queue before reading the file, and a waiting minute replaces its stored twin, so a
    read from another thread at any moment of the write sees every minute once."""
    import threading

    home = tmp_path / "home"
    home.mkdir()
    history = open_history(home)
    count = 300
    with Locker(home / "history.sqlite3"):
        for i in range(count):
            history.record_minute(MinuteRecord(T0 + 60 * i, upright_s=30.0, forward_s=30.0, samples=12))
    assert history.waiting["minutes_spooled"] == count

    def read_elsewhere() -> dict:
        out: list[dict] = []
        reader = threading.Thread(target=lambda: out.append(history.daily_totals(DAY, DAY)))
        reader.start()
        reader.join(timeout=30)
        return out[0][DAY]

    seen = {"waiting only": read_elsewhere()}
    store = history.store
    write = store.write_records

    def write_then_read(records):
        ids = write(records)  # committed: the records are now in the file *and* still in the queue
        seen["in both"] = read_elsewhere()
        return ids

    store.write_records = write_then_read
    read = store.daily_totals

    def flush_then_read(start, end, waiting=()):
        store.daily_totals = read  # once: the reads during this flush are plain reads
        history.flush(force=True)  # the queue was copied, then the writer wrote and emptied it
        seen["copied, then written"] = read(start, end, waiting)[DAY]
        return seen["copied, then written"]

    store.daily_totals = flush_then_read
    history.daily_totals(DAY, DAY)
    del store.daily_totals, store.write_records
    seen["written only"] = read_elsewhere()
    assert minute_count(home / "history.sqlite3") == count and not history.waiting["minutes_spooled"]
    history.close()
    assert list(seen) == ["waiting only", "in both", "copied, then written", "written only"]
    for moment, totals in seen.items():
        assert (totals["upright_s"], totals["forward_s"]) == (count * 30.0, count * 30.0), moment
