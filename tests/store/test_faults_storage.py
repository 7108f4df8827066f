"""Lose nothing, say the truth: a locked history, a read-only history and a full disk, for real.

The real app (``python -m fhp_monitor run``) replays a recorded day while another process holds
SQLite's lock, while the history file sits on a read-only bind mount, or while its small tmpfs is
full. Every minute and nudge must end up either in the history or in the spool (and the words
at quit must say which), and the next start must write what waited.
"""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import datetime
from pathlib import Path

import pytest

from fhp_monitor.core.ports import MinuteRecord
from fhp_monitor.store.history import SqliteHistoryStore
from fhp_monitor.store.spool import SPOOL_NAME, Spool, SpooledHistory
from tests.support.faults_support import (
    Locker,
    copy_home,
    fill_disk,
    minute_count,
    read_only_file,
    replay_args,
    rows,
    small_disk,
)
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day
from tests.support.running import fhp, start_fhp

pytestmark = [pytest.mark.faults, pytest.mark.linux_only]  # POSIX faults: modes, links, FIFOs, /dev/full

MINUTES = 6
START = "2026-11-20T09:00:00"
T0 = datetime.fromisoformat(START).timestamp()


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("recording")
    return build_recorded_day(folder / "day.avi", [(UPRIGHT, 2), (FORWARD, 2), (UPRIGHT, MINUTES - 4)])



def spooled(home: Path) -> list[dict]:
    data = (home / SPOOL_NAME).read_bytes().split(b"\0", 1)[0]
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def history_counts(home: Path) -> tuple[int, int]:
    db = home / "history.sqlite3"
    return minute_count(db), rows(db, "SELECT count(*) FROM nudges")[0][0]


@pytest.mark.parametrize("journal", ["wal", "delete"], ids=["writers-locked", "locked-even-to-open"])
def test_history_locked_from_start_to_quit_keeps_everything_in_the_spool_until_the_next_start(home, recording, journal):
    assert fhp(home, "summary").returncode == 0  # the history file exists, as after a first day
    db = home / "history.sqlite3"
    with Locker(db, journal):
        done = fhp(home, *replay_args(recording))
        assert done.returncode == 0, done.stderr  # busy at start: it monitored anyway
        assert "Traceback" not in done.stderr
        assert "nothing was lost" not in done.stderr.lower()
        waiting = spooled(home)
        minutes = [r for r in waiting if r["kind"] == "minute"]
        nudges = [r for r in waiting if r["kind"] == "nudge"]
        assert len(minutes) == MINUTES and len(nudges) == 1, waiting
        seconds = sum(r[k] for r in minutes for k in ("upright_s", "forward_s", "away_s", "paused_s", "uncertain_s",
                                                       "unavailable_s"))
        assert f"{MINUTES} minutes of posture history" in done.stderr, done.stderr
        assert str(home / SPOOL_NAME) in done.stderr and "next time fhp-monitor starts" in done.stderr
        assert stat.S_IMODE((home / SPOOL_NAME).stat().st_mode) == 0o600
        told = [line for line in done.stderr.splitlines() if line.startswith("fhp-monitor: Posture history. Another")]
        assert len(told) == 1, done.stderr  # said once, not per minute
    assert history_counts(home) == (0, 0)

    later = fhp(home, "summary", "--json", "--date", START[:10])  # the next start writes what waited
    assert later.returncode == 0, later.stderr
    assert history_counts(home) == (MINUTES, 1)
    assert not (home / SPOOL_NAME).exists()
    summary = json.loads(later.stdout)
    assert summary["monitored_s"] == pytest.approx(seconds, abs=0.1) and seconds > (MINUTES - 1) * 60
    assert len(summary["nudges"]) == 1


def test_history_busy_for_a_while_mid_run_a_nudge_waits_and_is_written_when_it_answers(tmp_path):
    """In-process with a fake monotonic clock; the lock is real (another process)."""
    db, clock = tmp_path / "history.sqlite3", [0.0]
    told: list[tuple[str, str]] = []
    history = SpooledHistory(lambda: SqliteHistoryStore(db, busy_timeout_s=0.1), Spool(tmp_path / SPOOL_NAME),
                             tell=lambda kind, words: told.append((kind, words)), retry_s=5,
                             monotonic=lambda: clock[0])
    history.record_minute(MinuteRecord(int(T0), upright_s=60, samples=12))
    with Locker(db):
        nudge_id = history.record_nudge(T0 + 70, 1)
        history.record_minute(MinuteRecord(int(T0) + 60, forward_s=60, samples=12))
        clock[0] += 2  # before the retry time: not even tried
        history.set_nudge_recovered(nudge_id, True)
        assert [r["kind"] for r in spooled(tmp_path)] == ["nudge", "minute", "nudge_outcome"]
        assert told == [("busy", told[0][1])] and str(tmp_path / SPOOL_NAME) in told[0][1]
    clock[0] += 5
    history.record_minute(MinuteRecord(int(T0) + 120, upright_s=60, samples=12))
    assert minute_count(db) == 3
    assert rows(db, "SELECT at, level, recovered FROM nudges") == [(T0 + 70, 1, 1)]
    assert not spooled(tmp_path)  # emptied (only the zero-byte reserve is kept while running)
    assert history.close() == "Your posture history is saved; nothing was lost."
    assert not (tmp_path / SPOOL_NAME).exists()


def test_read_only_history_file_keeps_minutes_in_the_spool(home, recording):
    assert fhp(home, "summary").returncode == 0
    db = home / "history.sqlite3"
    with read_only_file(db):
        done = fhp(home, *replay_args(recording))
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "read-only" in done.stderr
        assert sum(r["kind"] == "minute" for r in spooled(home)) == MINUTES
        assert f"{MINUTES} minutes of posture history" in done.stderr
    assert fhp(home, "summary").returncode == 0
    assert history_counts(home) == (MINUTES, 1)
    assert not (home / SPOOL_NAME).exists()


def test_disk_full_mid_run_and_at_quit_loses_nothing_and_the_summary_failure_is_only_reported(calibrated, recording):
    with small_disk("3m") as disk:
        home = copy_home(calibrated, disk / "home")
        # The end-of-day summary falls due while the disk is full; it must not end the run.
        config = home / "config.yaml"
        config.write_text(config.read_text().replace('daily_time: "17:30"', 'daily_time: "09:04"'))
        assert '"09:04"' in config.read_text()
        assert fhp(home, "summary").returncode == 0
        # Slow enough that the main loop's 15 s settings/summary check runs after 09:04 on the replay clock.
        proc = start_fhp(home, *replay_args(recording, speed=8))
        deadline = time.monotonic() + 60
        while minute_count(home / "history.sqlite3") < 1:  # polling another process's file: no event to wait on
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        filler = fill_disk(disk)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "Logging error" not in err
        saved = minute_count(home / "history.sqlite3")
        waiting = [r for r in spooled(home) if r["kind"] == "minute"]
        assert saved + len(waiting) == MINUTES, (saved, waiting, err)
        assert waiting, "the disk was full but everything was saved?"
        assert f"{len(waiting)} minute" in err and str(home / SPOOL_NAME) in err, err
        assert "disk is full" in err.lower()
        assert "summary could not be made" in err, err
        filler.unlink()
        assert fhp(home, "summary").returncode == 0
        assert history_counts(home) == (MINUTES, 1)
        assert not (home / SPOOL_NAME).exists()


def test_spool_lines_are_checked_a_torn_or_hostile_line_is_skipped(tmp_path):
    spool = Spool(tmp_path / SPOOL_NAME)
    assert spool.prepare()
    assert spool.append([{"kind": "pause", "start": T0, "end": T0 + 60, "reason": "user"}]) == 1
    with open(tmp_path / SPOOL_NAME, "r+b") as f:  # a crash mid-line, then garbage of every sort
        f.seek(spool._end)
        f.write(b'{"kind": "minute", "minute": 12\n{"kind":"nudge","at":NaN,"level":1}\n'
                b'{"kind":"calibration","at":1,"baseline_deg":"48","spread_deg":1,"samples":3}\n\xff\xfe\n')
    assert Spool(tmp_path / SPOOL_NAME).read() == [{"kind": "pause", "start": T0, "end": T0 + 60, "reason": "user"}]


def test_spool_never_follows_a_planted_symlink_and_stays_bounded(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / SPOOL_NAME).symlink_to(target)
    spool = Spool(tmp_path / SPOOL_NAME)
    assert not spool.prepare()
    assert spool.append([{"kind": "pause", "start": 1.0, "end": 2.0, "reason": "user"}]) == 0
    assert target.read_text() == "keep me"
    os.unlink(tmp_path / SPOOL_NAME)
    small = Spool(tmp_path / SPOOL_NAME, reserve_bytes=256, max_bytes=1024)
    record = {"kind": "pause", "start": 1.0, "end": 2.0, "reason": "user"}
    written = sum(small.append([record]) for _ in range(100))
    assert 0 < written < 100 and (tmp_path / SPOOL_NAME).stat().st_size <= 1024
