"""The real app process stopped the hard way (kill -9) and the polite way (SIGTERM).

``python -m fhp_monitor run`` replays a 12-minute recording at 60x speed (12 s of real time), so
there is time to stop it mid-way. Progress is watched by polling the history file with a
deadline: minute rows appear as the replayed minutes end.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day, calibration_folder
from tests.support.running import clean_env

REPO = Path(__file__).resolve().parents[2]
MINUTES = 12
SECONDS = ("upright_s", "forward_s", "away_s", "paused_s", "uncertain_s", "unavailable_s")


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("recording")
    return build_recorded_day(folder / "day.avi", [(UPRIGHT, 5), (FORWARD, 2), (UPRIGHT, MINUTES - 7)])


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("calibrated") / "home"
    done = subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "calibrate",
                           "--source", str(calibration_folder()), "--no-gui"],
                          cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture
def home(tmp_path, calibrated) -> Path:
    target = tmp_path / "home"
    target.mkdir()
    for name in ("calibration.json", "config.yaml"):
        shutil.copy(calibrated / name, target / name)
    return target


def start_run(home: Path, video: Path, start: str, speed: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(video),
         "--speed", str(speed), "--exit-at-end", "--no-tray", "--start", start],
        cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def minute_rows(db: Path) -> list[tuple]:
    """(minute, total seconds, *seconds per state) for every stored minute, oldest first."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(f"SELECT minute, {', '.join(SECONDS)} FROM minutes ORDER BY minute").fetchall()
    finally:
        conn.close()
    return [(m, round(sum(s), 6), *s) for m, *s in rows]


def wait_for_minutes(db: Path, count: int, proc: subprocess.Popen, deadline_s: float = 30.0) -> list[tuple]:
    """Poll the history file until it holds ``count`` minute rows (the process must still be running)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the app ended early: {proc.communicate()}"
        try:
            rows = minute_rows(db)
        except sqlite3.OperationalError:  # not created yet, or its tables not yet made
            rows = []
        if len(rows) >= count:
            return rows
        time.sleep(0.05)  # polling a file written by another process; there is no event to wait on
    proc.kill()
    pytest.fail(f"no {count} minute rows in {deadline_s} s: {proc.communicate()}")


def assert_contiguous(rows: list[tuple], first_minute: float) -> None:
    assert [r[0] for r in rows] == [first_minute + 60 * i for i in range(len(rows))]


def test_kill_9_mid_run_loses_at_most_the_current_minute_and_the_next_run_proceeds(home, recording):
    db = home / "history.sqlite3"
    start = "2026-11-20T09:00:00"
    proc = start_run(home, recording, start, speed=60)
    seen = wait_for_minutes(db, 3, proc)
    proc.kill()  # SIGKILL: no clean-up of any kind
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    after = minute_rows(db)
    assert after[: len(seen)] == seen  # everything committed before the kill is still there
    assert len(after) - len(seen) <= 1  # at most the minute that ended between our look and the kill
    assert len(after) < MINUTES  # it really was killed mid-way
    assert_contiguous(after, epoch(start))
    assert {r[1] for r in after} == {60.0}  # whole minutes only: the one in progress is simply lost

    later = "2026-11-20T10:00:00"
    second = start_run(home, recording, later, speed=0)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err  # the dead process's instance lock did not block it
    rows = minute_rows(db)
    assert rows[: len(after)] == after
    new = [r for r in rows if r[0] >= epoch(later)]
    assert_contiguous(new, epoch(later))
    assert sum(r[1] for r in new) == pytest.approx(MINUTES * 60, rel=0.02)


def test_sigterm_exits_0_promptly_and_keeps_the_last_partial_minute(home, recording):
    db = home / "history.sqlite3"
    # Half a second after the minute: no look ever falls exactly on a minute boundary, so the
    # minute in progress always holds some seconds when the app is stopped.
    start = "2026-11-20T09:00:00.500"
    proc = start_run(home, recording, start, speed=60)
    seen = wait_for_minutes(db, 2, proc)
    asked = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    took = time.monotonic() - asked
    assert proc.returncode == 0, err
    assert took < 5.0, f"took {took:.1f} s to stop"
    assert "Traceback" not in err

    rows = minute_rows(db)
    assert rows[: len(seen)] == seen
    first = epoch(start) - 0.5
    assert_contiguous(rows, first)
    *whole, last = rows
    assert whole[0][1] == 59.5 and {r[1] for r in whole[1:]} <= {60.0}
    assert 0 < last[1] < 60, "the minute in progress was not written at SIGTERM"
    assert last[0] < first + (MINUTES - 1) * 60  # it was stopped mid-way, not at the end
    # The rows cover the timeline without a gap, from the first look to the last one.
    assert sum(r[1] for r in rows) == pytest.approx(last[0] + last[1] - epoch(start), abs=1e-6)
