"""One owner of the spool (store/spool_lock.py): while the app runs, ``summary`` and ``export`` read
the spool and never drain, append to or remove it.

Real processes throughout: the real ``python -m fhp_monitor run`` replaying a recorded day, a real
process holding SQLite's lock (``Locker``), and ``summary --json`` / ``export`` started 20 times
each while the app spools; the lock is let go half-way, so guests and the owner race for the file.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest

from fhp_monitor.core.ports import MinuteRecord
from fhp_monitor.store.history import SqliteHistoryStore
from fhp_monitor.store.spool import SPOOL_NAME, Spool, SpooledHistory
from fhp_monitor.store.spool_lock import LOCK_NAME, SpoolLock
from tests.support.faults_support import Locker, minute_count, replay_args, rows
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day
from tests.support.running import fhp, start_fhp

MINUTES = 6
SPEED = 4.0  # 6 minutes of recording in 90 s: room for 40 guest processes while the app runs
RUNS = 20
T0 = 1_763_629_200


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    return build_recorded_day(tmp_path_factory.mktemp("recording") / "day.avi",
                              [(FORWARD, 2), (UPRIGHT, MINUTES - 2)])


def _open(home: Path) -> SpooledHistory:
    return SpooledHistory(lambda: SqliteHistoryStore(home / "history.sqlite3", busy_timeout_s=0.1),
                          Spool(home / SPOOL_NAME), retry_s=3600, lock=SpoolLock(home / LOCK_NAME))


def test_a_guest_reads_the_owners_spool_and_never_changes_it(tmp_path):
    home = tmp_path
    owner = _open(home)
    assert owner.owner
    with Locker(home / "history.sqlite3"):
        for i in range(3):
            owner.record_minute(MinuteRecord(T0 + 60 * i, upright_s=60.0, samples=4))
        spool = (home / SPOOL_NAME).read_bytes()
        guest = _open(home)
        assert not guest.owner
        assert [m.minute for m in guest.minutes(T0, T0 + 600)] == [T0, T0 + 60, T0 + 120]  # the spool counts
    # the history answers again: the guest still must not drain the owner's spool
    assert [m.minute for m in guest.minutes(T0, T0 + 600)] == [T0, T0 + 60, T0 + 120]
    assert guest.close() is None
    assert (home / SPOOL_NAME).read_bytes() == spool and minute_count(home / "history.sqlite3") == 0
    owner.record_minute(MinuteRecord(T0 + 180, upright_s=60.0, samples=4))  # the owner's next write drains it
    assert owner.close() == "Your posture history is saved; nothing was lost."
    assert minute_count(home / "history.sqlite3") == 4 and not (home / SPOOL_NAME).exists()
    after = _open(home)  # the lock went with the owner's close
    assert after.owner
    after.close()


def _spool_kinds(home: Path) -> list[str]:
    try:
        data = (home / SPOOL_NAME).read_bytes().split(b"\0", 1)[0]
    except FileNotFoundError:
        return []
    kinds = []
    for line in data.splitlines():
        try:
            kinds.append(json.loads(line)["kind"])
        except ValueError:  # a line being written right now
            continue
    return kinds


def test_summary_and_export_while_the_app_spools_change_nothing(home, recording, tmp_path):
    # What an undisturbed run of the same recording stores: the reference.
    alone = tmp_path / "alone"
    alone.mkdir(mode=0o700)
    for name in ("calibration.json", "config.yaml"):
        (alone / name).write_bytes((home / name).read_bytes())
    done = fhp(alone, *replay_args(recording))
    assert done.returncode == 0, done.stderr
    reference = rows(alone / "history.sqlite3", "SELECT minute, upright_s, forward_s, away_s, paused_s, uncertain_s, "
                                                "unavailable_s, samples FROM minutes ORDER BY minute")
    nudges = rows(alone / "history.sqlite3", "SELECT count(*) FROM nudges")[0][0]
    assert len(reference) == MINUTES and nudges >= 1

    db = home / "history.sqlite3"
    SqliteHistoryStore(db).close()  # a history with its tables, as every user past the first day has
    locker = Locker(db)
    app = start_fhp(home, *replay_args(recording, speed=SPEED))
    try:
        deadline = time.monotonic() + 60
        while "minute" not in _spool_kinds(home):  # the app writes its first minutes to the spool
            assert time.monotonic() < deadline and app.poll() is None, "the app never spooled a minute"
            time.sleep(0.1)
        exported: list[list[str]] = []
        released_at = None
        for run in range(RUNS):
            if released_at is None and run >= RUNS // 2 and "nudge" in _spool_kinds(home):
                locker.release()  # from now the owner drains (the nudge too) while guests read
                released_at = run
            summary = fhp(home, "summary", "--date", "2026-11-20", "--json")
            assert summary.returncode == 0, summary.stderr
            json.loads(summary.stdout)
            export = fhp(home, "export")
            assert export.returncode == 0, export.stderr
            table = list(csv.reader(io.StringIO(export.stdout)))
            keys = [row[0] for row in table[1:]]
            assert len(keys) == len(set(keys)), "a minute read twice"
            exported.append(keys)
        assert released_at is not None and released_at < RUNS - 3, "the nudge never waited in the spool"
        assert app.poll() is None, "the app ended before the guests did: the test proves less than it says"
        out, err = app.communicate(timeout=120)
    finally:
        locker.release()
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0, err
    assert "Your posture history is saved; nothing was lost." in err, err  # the app's own closing words
    assert "are lost" not in err and "could not be saved" not in err, err
    assert all(len(a) <= len(b) for a, b in zip(exported, exported[1:])), "a guest's read went backwards"
    stored = rows(db, "SELECT minute, upright_s, forward_s, away_s, paused_s, uncertain_s, unavailable_s, samples "
                      "FROM minutes ORDER BY minute")
    assert stored == reference  # nothing doubled or lost, to the second
    assert rows(db, "SELECT count(*) FROM nudges")[0][0] == nudges
    assert not (home / SPOOL_NAME).exists()  # the owner drained it and took it away at the end
    log = (home / "logs" / "fhp-monitor.log").read_text()
    assert "another process owns" in log  # the guests knew they were guests
