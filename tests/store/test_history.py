"""SqliteHistoryStore against real SQLite files in temporary folders, faults included."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from fhp_monitor.core.ports import HistoryError, MinuteRecord
from fhp_monitor.core.summary import day_bounds
from fhp_monitor.store.history import SCHEMA_VERSION, SqliteHistoryStore
from tests.support.unprivileged import run_unprivileged, world_readable_tmp

REPO = Path(__file__).resolve().parents[2]
T0 = 1_790_000_040  # a minute boundary


def minute(i: int, **seconds: float) -> MinuteRecord:
    values = {"upright_s": 60.0} if not seconds else seconds
    return MinuteRecord(minute=T0 + 60 * i, cva_proxy_mean=50.0 + i % 3, samples=12, **values)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "home" / "history.sqlite3"


@pytest.fixture
def store(db: Path):
    s = SqliteHistoryStore(db)
    yield s
    s.close()


@pytest.fixture
def local_tz():
    """Switch the process's local time zone (TZ + tzset) for one test, then put it back."""
    old = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield use
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def raw_rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# --------------------------------------------------------------------------- basic behaviour


def test_minutes_round_trip_and_insert_or_replace(store: SqliteHistoryStore):
    store.record_minute(minute(0))
    store.record_minute(minute(1, forward_s=20.0, upright_s=40.0))
    store.record_minute(minute(0, upright_s=30.0, away_s=30.0))  # rewrite of a flushed partial minute
    rows = store.minutes(T0, T0 + 120)
    assert [r.minute for r in rows] == [T0, T0 + 60]
    assert rows[0].upright_s == 30.0 and rows[0].away_s == 30.0
    assert rows[1] == minute(1, forward_s=20.0, upright_s=40.0)
    assert store.minutes(T0 + 60, T0 + 61) == [rows[1]]  # start inclusive, end exclusive


def test_nudges_pauses_and_calibrations_are_stored(store: SqliteHistoryStore, db: Path):
    first = store.record_nudge(T0 + 5, 1)
    second = store.record_nudge(T0 + 900, 2)
    store.set_nudge_recovered(first, True)
    nudges = store.nudges(T0, T0 + 1000)
    expected = [(first, T0 + 5, 1, True), (second, T0 + 900, 2, None)]
    assert [(n.id, n.at, n.level, n.recovered) for n in nudges] == expected
    store.set_nudge_recovered(second, False)
    assert store.nudges(T0 + 900, T0 + 901)[0].recovered is False
    with pytest.raises(ValueError, match="no nudge with id 999"):
        store.set_nudge_recovered(999, True)

    store.record_pause(T0, T0 + 600, "video call")
    store.record_calibration(T0, 52.5, 1.5, 40)
    assert raw_rows(db, "SELECT start, end, reason FROM pauses") == [(T0, T0 + 600, "video call")]
    assert raw_rows(db, "SELECT baseline_deg, spread_deg, samples FROM calibrations") == [(52.5, 1.5, 40)]


@pytest.mark.parametrize(
    "bad,message",
    [
        (MinuteRecord(minute=T0 + 1, upright_s=1.0), "minute boundary"),
        (MinuteRecord(minute=T0, upright_s=-1.0), "negative"),
        (MinuteRecord(minute=T0, forward_s=float("nan")), "finite"),
    ],
)
def test_bad_minute_is_a_clear_error_and_writes_nothing(store: SqliteHistoryStore, bad, message):
    with pytest.raises(ValueError, match=message):
        store.record_minute(bad)
    assert store.minutes(0, 2**40) == []
    store.record_minute(minute(0))  # a refused minute leaves nothing behind to be written with the next
    assert [r.minute for r in store.minutes(0, 2**40)] == [T0]


def test_pause_ending_before_it_starts_is_rejected(store: SqliteHistoryStore):
    with pytest.raises(ValueError, match="before it starts"):
        store.record_pause(T0 + 10, T0, "user")


@pytest.mark.linux_only
def test_new_file_is_wal_private_and_at_current_schema(store: SqliteHistoryStore, db: Path):
    store.record_minute(minute(0))
    assert raw_rows(db, "PRAGMA journal_mode") == [("wal",)]
    assert raw_rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    checked = 0
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if p.exists():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
            checked += 1
    assert checked == 3  # the writer is open, so the WAL and shared-memory files exist too


@pytest.mark.linux_only
def test_existing_world_readable_file_is_made_private(db: Path):
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).close()
    os.chmod(db, 0o644)
    SqliteHistoryStore(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_reads_from_another_thread_while_the_writer_is_open(store: SqliteHistoryStore):
    for i in range(10):
        store.record_minute(minute(i))
    seen: list[int] = []
    reader = threading.Thread(target=lambda: seen.append(len(store.minutes(T0, T0 + 3600))))
    reader.start()
    reader.join(timeout=10)
    assert seen == [10]


def test_close_is_idempotent_and_writes_after_close_fail_clearly(db: Path):
    s = SqliteHistoryStore(db)
    s.record_minute(minute(0))
    s.close()
    s.close()
    with pytest.raises(HistoryError, match="closed"):
        s.record_minute(minute(1))
    assert SqliteHistoryStore(db).minutes(T0, T0 + 60)[0].upright_s == 60.0


# --------------------------------------------------------------------------- schema migration


V1_SCHEMA = """
CREATE TABLE minutes (minute INTEGER PRIMARY KEY, upright_s REAL NOT NULL DEFAULT 0,
  forward_s REAL NOT NULL DEFAULT 0, away_s REAL NOT NULL DEFAULT 0, paused_s REAL NOT NULL DEFAULT 0,
  uncertain_s REAL NOT NULL DEFAULT 0, unavailable_s REAL NOT NULL DEFAULT 0,
  cva_proxy_mean REAL, samples INTEGER NOT NULL DEFAULT 0);
CREATE TABLE nudges (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL,
  level INTEGER NOT NULL DEFAULT 1, recovered INTEGER CHECK (recovered IN (0, 1)));
CREATE TABLE pauses (start REAL NOT NULL, end REAL NOT NULL, reason TEXT NOT NULL);
CREATE TABLE calibrations (at REAL NOT NULL, baseline_deg REAL NOT NULL, spread_deg REAL NOT NULL,
  samples INTEGER NOT NULL);
INSERT INTO minutes (minute, upright_s, forward_s, samples) VALUES (1790000040, 45, 15, 12);
INSERT INTO nudges (at, level, recovered) VALUES (1790000050, 1, 1);
PRAGMA user_version = 1;
"""


def test_version_1_file_made_by_raw_sql_is_migrated_keeping_its_data(db: Path):
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.executescript(V1_SCHEMA)
    conn.close()
    assert raw_rows(db, "SELECT name FROM sqlite_master WHERE name = 'daily_totals'") == []

    with SqliteHistoryStore(db) as s:
        assert raw_rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert raw_rows(db, "SELECT name FROM sqlite_master WHERE name = 'daily_totals'") == [("daily_totals",)]
        assert s.minutes(T0, T0 + 60)[0].forward_s == 15.0
        assert s.nudges(T0, T0 + 60)[0].recovered is True
        day = datetime.fromtimestamp(T0).date()
        assert s.daily_totals(day, day)[day]["upright_s"] == 45.0
    assert s.recovered_from is None


def test_file_from_a_newer_version_is_refused_not_damaged(db: Path):
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(HistoryError, match="newer fhp-monitor"):
        SqliteHistoryStore(db)
    assert raw_rows(db, "PRAGMA user_version") == [(99,)]
    assert not list(db.parent.glob("*.corrupt-*"))


# --------------------------------------------------------------------------- faults


def test_corrupt_file_is_moved_aside_never_deleted_and_a_fresh_one_is_made(db: Path):
    db.parent.mkdir(parents=True)
    garbage = os.urandom(8192)
    db.write_bytes(garbage)
    Path(f"{db}-wal").write_bytes(b"stale wal that must not be replayed")

    with SqliteHistoryStore(db) as s:
        assert s.recovered_from is not None
        assert s.recovered_from.name.startswith("history.sqlite3.corrupt-")
        assert s.recovered_from.read_bytes() == garbage  # kept byte for byte
        assert Path(f"{s.recovered_from}-wal").read_bytes() == b"stale wal that must not be replayed"
        s.record_minute(minute(0))
        assert len(s.minutes(T0, T0 + 60)) == 1
    assert raw_rows(db, "PRAGMA integrity_check") == [("ok",)]
    with SqliteHistoryStore(db) as again:
        assert again.recovered_from is None  # told once: the new file is healthy


def test_second_corruption_in_the_same_second_does_not_overwrite_the_first(db: Path):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"first garbage" * 100)
    first = SqliteHistoryStore(db)
    first.close()
    db.write_bytes(b"second garbage" * 100)
    second = SqliteHistoryStore(db)
    second.close()
    assert first.recovered_from != second.recovered_from
    assert first.recovered_from.read_bytes() == b"first garbage" * 100
    assert second.recovered_from.read_bytes() == b"second garbage" * 100


def test_locked_by_another_program_raises_clearly_and_keeps_no_copy_of_its_own(db: Path):
    """The store only says it failed; keeping the record for later is the spool's one job (test_spool.py)."""
    with SqliteHistoryStore(db, busy_timeout_s=0.2) as s:
        s.record_minute(minute(0))
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(HistoryError, match="another program is using") as raised:
            s.record_minute(minute(1))
        waited = time.monotonic() - started
        assert 0.15 <= waited < 1.5  # the configured busy timeout, not the default 2 s
        assert raised.value.kind == "busy"
        with pytest.raises(HistoryError, match="busy"):
            s.record_nudge(T0, 1)
        assert [r.minute for r in s.minutes(T0, T0 + 600)] == [T0]  # readers are not blocked in WAL mode
        other.execute("ROLLBACK")
        other.close()

        s.record_minute(minute(2))
        assert [r.minute for r in s.minutes(T0, T0 + 600)] == [T0, T0 + 120]
        assert raw_rows(db, "SELECT count(*) FROM nudges") == [(0,)]


def test_disk_full_raises_clearly_and_keeps_committed_data(db: Path):
    written = 0
    s = SqliteHistoryStore(db, max_size_bytes=48 * 1024)
    with pytest.raises(HistoryError, match="disk is full.*history saved before is safe") as raised:
        for i in range(100_000):
            s.record_minute(minute(i))
            written += 1
    assert 0 < written < 100_000 and raised.value.kind == "full"
    s.close()  # nothing is held back, so closing has nothing to fail on
    assert raw_rows(db, "PRAGMA integrity_check") == [("ok",)]
    rows = raw_rows(db, "SELECT minute FROM minutes ORDER BY minute")
    assert rows == [(T0 + 60 * i,) for i in range(written)]


def test_close_after_a_refused_write_closes_and_later_writes_say_closed(db: Path):
    s = SqliteHistoryStore(db, busy_timeout_s=0.1)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(HistoryError):
        s.record_minute(minute(0))
    s.close()
    s.close()  # twice is fine
    other.execute("ROLLBACK")
    other.close()
    with pytest.raises(HistoryError, match="closed"):
        s.record_minute(minute(1))
    assert raw_rows(db, "SELECT count(*) FROM minutes") == [(0,)]


@pytest.fixture
def world_tmp():
    yield from world_readable_tmp("fhp-history-")


@pytest.mark.linux_only
def test_read_only_folder_is_a_clear_history_error(world_tmp: Path):
    locked_dir = world_tmp / "locked"
    locked_dir.mkdir(mode=0o555)
    os.chmod(locked_dir, 0o555)
    result = run_unprivileged(lambda: SqliteHistoryStore(locked_dir / "history.sqlite3").path)
    assert result[0] == "raised" and result[1] == "HistoryError", result
    assert "cannot create its posture history" in result[2] and "may write to that folder" in result[2]


@pytest.mark.linux_only
def test_read_only_file_is_a_clear_history_error_and_keeps_data(world_tmp: Path):
    home = world_tmp / "home"
    home.mkdir()
    db = home / "history.sqlite3"
    with SqliteHistoryStore(db) as s:
        s.record_minute(minute(0))
    if os.geteuid() == 0:
        os.chown(home, 65534, 65534)
        os.chown(db, 65534, 65534)
    os.chmod(db, 0o400)

    def try_to_write() -> str:
        with SqliteHistoryStore(db) as s:
            assert len(s.minutes(T0, T0 + 60)) == 1  # reading still works
            s.record_minute(minute(1))
        return "written"

    result = run_unprivileged(try_to_write)
    assert result[0] == "raised" and result[1] == "HistoryError", result
    assert "read-only" in result[2] and str(db) in result[2]
    assert stat.S_IMODE(db.stat().st_mode) == 0o400  # we never widen permissions
    assert raw_rows(db, "SELECT minute FROM minutes") == [(T0,)]


CRASH_WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from fhp_monitor.store.history import SqliteHistoryStore
from fhp_monitor.core.ports import MinuteRecord
store = SqliteHistoryStore(Path(sys.argv[1]))
i = 0
while True:
    store.record_minute(MinuteRecord(minute=60 * i, upright_s=60.0, samples=12, cva_proxy_mean=50.0))
    if i % 10 == 0:
        store.record_nudge(60.0 * i, 1)
    print(i, flush=True)
    i += 1
"""


@pytest.mark.linux_only
def test_data_committed_before_kill_9_survives(db: Path):
    child = subprocess.Popen(
        [sys.executable, "-c", CRASH_WRITER, str(db), str(REPO)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    last_reported = -1
    try:
        for line in child.stdout:  # blocks on the child's own progress: no sleeping
            last_reported = int(line)
            if last_reported >= 300:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    rest = child.stdout.read().split()
    last_reported = max([last_reported, *map(int, rest)])
    assert child.returncode == -signal.SIGKILL
    assert last_reported >= 300, child.stderr.read()

    assert raw_rows(db, "PRAGMA integrity_check") == [("ok",)]
    with SqliteHistoryStore(db) as s:
        assert s.recovered_from is None
        got = [r.minute for r in s.minutes(0, 10**9)]
        assert got == [60 * i for i in range(len(got))], "rows are contiguous"
        assert len(got) - 1 >= last_reported, "every reported commit survived"
        assert len(s.nudges(0, 10**9)) >= last_reported // 10 + 1


# --------------------------------------------------------------------------- pruning, totals, export


def _fill_days(s: SqliteHistoryStore, first: date, days: int) -> None:
    """Three minutes a day around 23:58-00:00 local and at noon, so day edges are exercised."""
    for k in range(days):
        start, _ = day_bounds(first + timedelta(days=k))
        for offset, sec in ((12 * 3600, {"upright_s": 50.0, "forward_s": 10.0}),
                            (24 * 3600 - 120, {"upright_s": 20.0, "forward_s": 40.0}),
                            (24 * 3600 - 60, {"paused_s": 60.0})):
            s.record_minute(MinuteRecord(minute=int(start + offset), **sec))


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Australia/Lord_Howe"])
@pytest.mark.linux_only
def test_prune_rolls_whole_local_days_into_totals_that_reads_still_see(db: Path, local_tz, zone):
    local_tz(zone)
    first = date(2026, 10, 20)  # spans the October/November DST changes
    with SqliteHistoryStore(db) as s:
        _fill_days(s, first, 20)
        today = first + timedelta(days=19)
        before = s.daily_totals(first, today)
        assert len(before) == 20
        assert before[first]["upright_s"] == 70.0 and before[first]["paused_s"] == 60.0

        now = day_bounds(today)[0] + 15 * 3600
        moved = s.prune(now, keep_minutes_days=5)
        assert moved == 3 * 14  # days first .. today-5 (14 days) moved whole
        assert s.daily_totals(first, today) == before
        assert s.minutes(0, day_bounds(today - timedelta(days=5))[0]) == []
        assert len(s.minutes(0, 2**40)) == 3 * 6
        assert s.prune(now, keep_minutes_days=5) == 0  # running again changes nothing
        assert s.daily_totals(first, today) == before
        assert s.has_data(first) and not s.has_data(first - timedelta(days=1))
    assert raw_rows(db, "SELECT count(*) FROM daily_totals") == [(14,)]


def test_prune_rejects_nonsense_retention(store: SqliteHistoryStore):
    with pytest.raises(ValueError, match="keep_minutes_days"):
        store.prune(T0, 0)


@pytest.mark.linux_only
def test_export_csv_writes_header_and_every_minute_in_range(store: SqliteHistoryStore, local_tz):
    local_tz("Europe/Berlin")
    store.record_minute(minute(0, upright_s=45.5, forward_s=14.5))
    store.record_minute(MinuteRecord(minute=T0 + 60, away_s=60.0))
    store.record_minute(minute(2))
    out = io.StringIO()
    assert store.export_csv(out) == 3
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "minute_local,minute_epoch,upright_s,forward_s,away_s,paused_s,uncertain_s,unavailable_s,cva_proxy_mean,samples"
    )
    first = lines[1].split(",")
    assert first[0] == datetime.fromtimestamp(T0).astimezone().isoformat(timespec="minutes")
    assert first[0].endswith(("+01:00", "+02:00"))
    assert first[1:5] == [str(T0), "45.5", "14.5", "0"]
    assert first[8:] == ["50.00", "12"]
    assert lines[2].split(",")[8] == ""  # no CVA sample in that minute

    part = io.StringIO()
    assert store.export_csv(part, start=T0 + 60, end=T0 + 120) == 1
    assert part.getvalue().splitlines()[1].split(",")[1] == str(T0 + 60)


def test_damaged_pages_behind_a_valid_header_are_also_moved_aside(db: Path):
    with SqliteHistoryStore(db) as s:
        for i in range(2000):
            s.record_minute(minute(i))
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    data[3 * page : 6 * page] = os.urandom(3 * page)  # smash table pages, keep the header
    db.write_bytes(bytes(data))

    with SqliteHistoryStore(db) as s:
        assert s.recovered_from is not None
        assert s.recovered_from.read_bytes() == bytes(data)
        assert s.minutes(0, 2**40) == []
        s.record_minute(minute(0))
    assert raw_rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_week_trend_from_the_store_is_the_same_before_and_after_pruning(db: Path):
    from fhp_monitor.core.summary import build_daily_summary

    today = date(2026, 11, 20)
    with SqliteHistoryStore(db) as s:
        _fill_days(s, today - timedelta(days=7), 8)
        start, end = day_bounds(today)
        week = s.daily_totals(today - timedelta(days=7), today - timedelta(days=1))
        before = build_daily_summary(today, s.minutes(start, end), s.nudges(start, end), week)
        s.prune(start + 3600, keep_minutes_days=2)
        week_after = s.daily_totals(today - timedelta(days=7), today - timedelta(days=1))
        after = build_daily_summary(today, s.minutes(start, end), s.nudges(start, end), week_after)
    assert [w["upright_pct"] for w in before.week] == [round(100 * 70 / 120, 1)] * 7
    assert after.week == before.week
    assert after.upright_pct == before.upright_pct == round(100 * 70 / 120, 1)
