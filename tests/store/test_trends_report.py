"""Weeks of history (tests/support/history_weeks.py) through the real store: done exercises, the trends
(``summary --week/--month``) and the one-page report, also while the history is locked and partly spooled.

The history file, the spool and the lock (another process, tests/support/faults_support.Locker) are real;
the commands run as ``python -m fhp_monitor`` in a subprocess; the PDF is read back with poppler's
pdftotext and pdfinfo.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from fhp_monitor.core.exercise import DoneExercise
from fhp_monitor.core.trends import build_trend, change_words
from fhp_monitor.store.history import SCHEMA_VERSION, SqliteHistoryStore
from fhp_monitor.store.spool import SPOOL_NAME, Spool, SpooledHistory
from tests.store.test_history import V1_SCHEMA
from tests.support.faults_support import Locker, rows
from tests.support.history_weeks import FIRST_WEEK_PCT, WEEKLY_GAIN, day_plan, records_for, write_weeks
from tests.support.running import fhp

TODAY = date.today()


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: apt-get install -y poppler-utils")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture
def four_weeks(tmp_path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    with SqliteHistoryStore(home / "history.sqlite3") as store:
        write_weeks(store, TODAY, 4)
    return home


def expected_week(first: date, last: date, start_of_history: date) -> dict:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    plans = [day_plan(d, start_of_history) for d in days]
    return {"nudges": sum(p["nudges"] for p in plans), "exercises": sum(1 for p in plans if p["exercise"])}


def test_exercises_are_stored_as_numbers_and_read_back(tmp_path):
    db = tmp_path / "history.sqlite3"
    with SqliteHistoryStore(db) as store:
        store.record_exercise(DoneExercise(1_800_000_000.0, "chin-tuck", 5, 62.5))
        store.record_exercise(DoneExercise(1_800_000_100.0, "head-lift", None, 60.0))  # timed guide only
        store.record_exercise(DoneExercise(1_800_000_000.0, "chin-tuck", 5, 62.5))  # again: kept once
        found = store.exercises(1_799_999_999.0, 1_800_000_200.0)
    assert found == [DoneExercise(1_800_000_000.0, "chin-tuck", 5, 62.5),
                     DoneExercise(1_800_000_100.0, "head-lift", None, 60.0)]
    assert rows(db, "SELECT exercise, repetitions, seconds FROM exercises ORDER BY at") == [
        ("chin-tuck", 5, 62.5), ("head-lift", None, 60.0)]
    with pytest.raises(ValueError):
        SqliteHistoryStore(db).record_exercise(DoneExercise(1.0, "", 5, -1.0))


def test_neck_check_ins_are_scores_0_to_10(tmp_path):
    with SqliteHistoryStore(tmp_path / "history.sqlite3") as store:
        store.write_records([{"kind": "neck", "at": 1_800_000_000.0, "score": 4}])
        store.write_records([{"kind": "neck", "at": 1_800_000_000.0, "score": 5}])  # the same check-in again
        assert store.neck_scores(0, 4e9) == [(1_800_000_000.0, 5)]
        for bad in (11, -1, 2.5):
            with pytest.raises(ValueError):
                store.write_records([{"kind": "neck", "at": 1_800_000_100.0, "score": bad}])


def test_an_old_history_file_gains_the_exercise_table_and_keeps_its_data(tmp_path):
    db = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(V1_SCHEMA)
    conn.close()
    with SqliteHistoryStore(db) as store:
        store.record_exercise(DoneExercise(1_790_000_100.0, "shoulder-squeeze", 3, 40.0))
        assert len(store.minutes(1_790_000_040, 1_790_000_100)) == 1
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)] and SCHEMA_VERSION == 3
    assert rows(db, "SELECT count(*) FROM exercises") == [(1,)]


def test_summary_week_and_month_on_four_weeks(four_weeks):
    start = TODAY - timedelta(days=27)
    done = fhp(four_weeks, "summary", "--week", "--json")
    assert done.returncode == 0, done.stderr
    week = json.loads(done.stdout)
    last_pct, before_pct = FIRST_WEEK_PCT + 3 * WEEKLY_GAIN, FIRST_WEEK_PCT + 2 * WEEKLY_GAIN
    assert week["days"] == 7 and len(week["daily"]) == 7 and week["last"] == TODAY.isoformat()
    assert week["upright_pct"] == pytest.approx(last_pct, abs=0.5)
    assert week["previous_upright_pct"] == pytest.approx(before_pct, abs=0.5)
    assert week["change"] == f"You sat tall a little more than last week: {before_pct:.0f} % → {last_pct:.0f} %."
    assert week["drift_hour"] == 15
    expected = expected_week(TODAY - timedelta(days=6), TODAY, start)
    assert week["nudges"] == expected["nudges"] and week["exercises"] == expected["exercises"]
    assert all(d["upright_pct"] == pytest.approx(last_pct, abs=0.5) for d in week["daily"])
    assert week["waiting_records"] == 0
    assert week["neck_mean"] == 3 and [d["neck"] for d in week["daily"]] == [3] * 7  # the fourth week's rating

    month = json.loads(fhp(four_weeks, "summary", "--month", "--json").stdout)
    assert month["days"] == 30 and [d["upright_pct"] for d in month["daily"][:2]] == [None, None]  # before the history
    assert month["previous_upright_pct"] is None and "nothing from the month before" in month["change"]
    assert month["exercises"] == expected_week(start, TODAY, start)["exercises"]

    text = fhp(four_weeks, "summary", "--week")
    assert text.returncode == 0 and text.stdout.startswith("You sat tall a little more than last week")
    assert "between 15:00 and 16:00" in text.stdout and "waiting" not in text.stdout


def spool_last_week(home: Path) -> list[dict]:
    """Three weeks are in the file; another program locks it; the last week and an exercise wait in the spool."""
    first = TODAY - timedelta(days=27)
    records = records_for(first, 28)
    week_start = _midnight(TODAY - timedelta(days=6))
    cut = next(i for i, r in enumerate(records) if r["kind"] == "minute" and r["minute"] >= week_start)
    with SqliteHistoryStore(home / "history.sqlite3") as store:
        store.write_records(records[:cut])
    return records[cut:]


def _midnight(day: date) -> float:
    from fhp_monitor.core.summary import day_bounds

    return day_bounds(day)[0]


def test_a_locked_history_with_a_week_in_the_spool_says_so_and_counts_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    waiting = spool_last_week(home)
    with Locker(home / "history.sqlite3", "wal"):
        history = SpooledHistory(lambda: SqliteHistoryStore(home / "history.sqlite3", busy_timeout_s=0.1),
                                 Spool(home / SPOOL_NAME), retry_s=3600)
        for record in waiting:
            history._add(record)  # as the worker would: the file refuses, the spool keeps them
        history.record_exercise(DoneExercise(_midnight(TODAY) + 3600 * 12, "head-lift", 4, 58.0))
        history.close()
        assert (home / SPOOL_NAME).exists()
        week = fhp(home, "summary", "--week", "--json")
        text = fhp(home, "summary", "--week")
        report = fhp(home, "report", "--out", str(tmp_path / "report.pdf"))
    assert week.returncode == 0, week.stderr
    shown = json.loads(week.stdout)
    assert shown["waiting_records"] > len(waiting) // 2
    assert shown["upright_pct"] == pytest.approx(FIRST_WEEK_PCT + 3 * WEEKLY_GAIN, abs=0.5)
    assert shown["daily"][-1]["exercises"] == 1 + (day_plan(TODAY, TODAY - timedelta(days=27))["exercise"] is not None)
    assert "still waiting to be saved" in text.stdout
    assert report.returncode == 0, report.stderr
    assert "waiting spool" in poppler("pdftotext", "-layout", str(tmp_path / "report.pdf"), "-")


def test_a_history_locked_even_for_readers_is_one_plain_line(four_weeks, tmp_path):
    with Locker(four_weeks / "history.sqlite3", "delete"):
        week = fhp(four_weeks, "summary", "--week")
        report = fhp(four_weeks, "report", "--out", str(tmp_path / "r.pdf"))
    for done in (week, report):
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "another program is using" in done.stderr
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize("paper,size", [("a4", (595, 842)), ("letter", (612, 792))])
def test_the_report_of_four_weeks_is_one_page_with_the_numbers(four_weeks, tmp_path, paper, size):
    out = tmp_path / f"report-{paper}.pdf"
    done = fhp(four_weeks, "report", "--weeks", "4", "--out", str(out), "--paper", paper)
    assert done.returncode == 0, done.stderr
    info = poppler("pdfinfo", str(out))
    fields = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in info.splitlines() if ":" in line}
    assert fields["Pages"] == "1"
    width, height = (round(float(v)) for v in fields["Page size"].split("pts")[0].split(" x "))
    assert (width, height) == size
    text = poppler("pdftotext", "-layout", str(out), "-")
    first = TODAY - timedelta(days=27)
    assert f"{first:%d %b %Y} to {TODAY:%d %b %Y} (28 days)" in text
    assert "Upright share per day (bars) and own neck rating 0-10" in text and "by hour of the day" in text
    assert "between 15:00 and 16:00" in text and "not a diagnosis" in text
    assert "Neck, own daily rating 0-10: 4.5 on average" in text  # 6, 5, 4, 3 a week
    assert "Not calibrated" in text  # this home has no calibration file: the page says so


def test_the_report_of_an_empty_history_says_there_is_nothing_yet(tmp_path):
    out = tmp_path / "empty.pdf"
    done = fhp(tmp_path / "home", "report", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "nothing is recorded" in done.stdout
    text = poppler("pdftotext", "-layout", str(out), "-")
    assert "There is nothing recorded in this period yet" in text
    assert "Upright share" not in text and "minutes" not in text  # no empty axes


def test_report_arguments_that_cannot_work_are_one_line(tmp_path):
    for args, words in ((["--weeks", "0"], "--weeks must be"),
                        (["--out", str(tmp_path / "no-such-folder" / "r.pdf")], "cannot write the report")):
        done = fhp(tmp_path / "home", "report", *(["--out", str(tmp_path / "r.pdf")] if "--out" not in args else []),
                   *args)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_change_words_are_kind_and_carry_both_numbers():
    def trend(now_up: float, before_up: float):
        last = date(2026, 11, 30)
        totals = {last: {"upright_s": now_up, "forward_s": 100 - now_up},
                  last - timedelta(days=7): {"upright_s": before_up, "forward_s": 100 - before_up}}
        return build_trend(last, 7, totals, [], [], [0.0] * 24)

    assert change_words(trend(76, 71)) == "You sat tall a little more than last week: 71 % → 76 %."
    assert change_words(trend(72, 71)) == "You sat tall about as much as last week: 71 % → 72 %."
    assert change_words(trend(60, 80)).startswith("You sat tall much less than last week: 80 % → 60 %.")
    assert change_words(trend(80, 70)) == "You sat tall more than last week: 70 % → 80 %."


def test_summary_week_up_to_a_date_and_a_chart_is_one_day_only(four_weeks):
    done = fhp(four_weeks, "summary", "--week", "--json", "--date", (TODAY - timedelta(days=7)).isoformat())
    assert done.returncode == 0, done.stderr
    week = json.loads(done.stdout)
    assert week["last"] == (TODAY - timedelta(days=7)).isoformat()
    assert (week["previous_upright_pct"], week["upright_pct"]) == pytest.approx(
        (FIRST_WEEK_PCT + WEEKLY_GAIN, FIRST_WEEK_PCT + 2 * WEEKLY_GAIN), abs=0.5)
    chart = fhp(four_weeks, "summary", "--week", "--chart", "week.png")
    assert chart.returncode == 2 and "--chart draws one day" in chart.stderr
