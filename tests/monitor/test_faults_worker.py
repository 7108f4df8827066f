"""The monitor must not die quietly: a failing worker is restarted, told once, and never exits 0 silently.

The fault is injected into a real ``python -m fhp_monitor run`` with the test-only environment
variable ``FHP_MONITOR_TEST_WORKER_FAULT`` (see fhp_monitor/monitor/supervise.py). Stop signals and
absurd ``--speed`` values go through the real command line too.
"""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path

import pytest

from fhp_monitor.monitor.supervise import MAX_FAILURES, TEST_FAULT_ENV
from tests.support.faults_support import minute_count, replay_args, rows
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day
from tests.support.running import clean_env, fhp, start_fhp

pytestmark = pytest.mark.faults

MINUTES = 4
START = "2026-11-20T09:00:00"


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("recording")
    return build_recorded_day(folder / "day.avi", [(UPRIGHT, 1), (FORWARD, 2), (UPRIGHT, MINUTES - 3)])



def test_one_unexpected_worker_error_is_logged_told_once_and_monitoring_goes_on(home, recording):
    done = fhp(home, *replay_args(recording), env=clean_env(**{TEST_FAULT_ENV: "10,2"}))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    told = [line for line in done.stderr.splitlines() if line.startswith("fhp-monitor: Monitoring hit a problem.")]
    assert len(told) == 1, done.stderr  # two failures, one sentence
    log = (home / "logs" / "fhp-monitor.log").read_text()
    assert log.count("Traceback") == 2 and "test fault injected" in log  # the details are in the log
    assert minute_count(home / "history.sqlite3") == MINUTES  # monitoring went on to the end
    assert rows(home / "history.sqlite3", "SELECT count(*) FROM nudges")[0][0] == 1


def test_a_worker_failing_every_look_ends_the_run_with_one_line_and_status_2(home, recording):
    done = fhp(home, *replay_args(recording), env=clean_env(**{TEST_FAULT_ENV: "1,inf"}))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"fhp-monitor: Monitoring stopped after {MAX_FAILURES} unexpected errors in a row"), last
    log = (home / "logs" / "fhp-monitor.log").read_text()
    assert log.count("test fault injected") >= MAX_FAILURES


@pytest.mark.parametrize("speed", ["1e-300", "-1", "inf", "nan", "1e300", "-0.5"])
def test_absurd_replay_speeds_are_one_line_and_status_2(home, recording, speed):
    done = fhp(home, "run", "--source", str(recording), "--speed", speed, "--exit-at-end", "--no-tray", timeout=60)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--speed must be 0" in lines[0], done.stderr
    assert not (home / "history.sqlite3").exists() or minute_count(home / "history.sqlite3") == 0


def test_speed_0_still_means_as_fast_as_possible(home, recording):
    done = fhp(home, *replay_args(recording, speed=0))
    assert done.returncode == 0, done.stderr
    assert minute_count(home / "history.sqlite3") == MINUTES


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_hangup_and_quit_signals_stop_cleanly_and_keep_the_minute_in_progress(home, recording, sig):
    start = "2026-11-20T09:00:00.500"  # no look falls on a minute boundary: the last minute is partial
    proc = start_fhp(home, *replay_args(recording, start=start, speed=20))
    db = home / "history.sqlite3"
    deadline = time.monotonic() + 60
    while minute_count(db) < 1:  # polling another process's file: there is no event to wait on
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    seconds = [sum(r) for r in rows(db, "SELECT upright_s + forward_s + away_s + paused_s + uncertain_s + "
                                        "unavailable_s FROM minutes ORDER BY minute")]
    assert 2 <= len(seconds) < MINUTES + 1
    assert 0 < seconds[-1] < 60, f"the minute in progress was not written at {sig.name}: {seconds}"
    first = datetime.fromisoformat(start).timestamp() - 0.5
    assert rows(db, "SELECT min(minute) FROM minutes")[0][0] == first
