"""The summaries the running app shows, read from a real SQLite history: the end-of-day sentence when it
is due (store.reports.due_summary) and today's chart (store.reports.summary_chart)."""

from __future__ import annotations

from datetime import date, datetime

from PIL import Image

from fhp_monitor.core.ports import MinuteRecord
from fhp_monitor.store.history import SqliteHistoryStore
from fhp_monitor.store.reports import due_summary, summary_chart

YESTERDAY_10 = int(datetime(2026, 11, 19, 10, 0).timestamp())
TODAY_10 = int(datetime(2026, 11, 20, 10, 0).timestamp())


def history_with(tmp_path, *starts: int) -> SqliteHistoryStore:
    store = SqliteHistoryStore(tmp_path / "history.sqlite3")
    for start in starts:
        for i in range(30):
            store.record_minute(MinuteRecord(start + 60 * i, upright_s=50.0, forward_s=10.0, samples=12))
    return store


def test_yesterdays_summary_is_due_once_at_the_next_start_and_todays_at_its_time(tmp_path) -> None:
    store = history_with(tmp_path, YESTERDAY_10, TODAY_10)
    try:
        morning = datetime(2026, 11, 20, 9, 0).timestamp()
        due, sentence = due_summary(store, "17:30", None, morning, running_since=morning)
        assert due == date(2026, 11, 19) and "yesterday" in sentence.lower()
        assert due_summary(store, "17:30", "2026-11-19", morning, running_since=morning) is None
        evening = datetime(2026, 11, 20, 17, 45).timestamp()
        due, sentence = due_summary(store, "17:30", "2026-11-19", evening, running_since=morning)
        assert due == date(2026, 11, 20) and sentence
        assert due_summary(store, "17:30", "2026-11-20", evening, running_since=morning) is None
        assert due_summary(store, "", None, evening, running_since=morning) is None  # turned off
    finally:
        store.close()


def test_todays_summary_is_not_due_on_a_day_without_posture_numbers(tmp_path) -> None:
    store = history_with(tmp_path)
    try:
        evening = datetime(2026, 11, 20, 17, 45).timestamp()
        assert due_summary(store, "17:30", "2026-11-19", evening, running_since=evening - 9 * 3600) is None
    finally:
        store.close()


def test_todays_chart_is_drawn_into_the_folder_with_its_first_line(tmp_path) -> None:
    store = history_with(tmp_path, TODAY_10)
    try:
        line, chart = summary_chart(store, tmp_path, TODAY_10 + 3 * 3600)
    finally:
        store.close()
    assert chart.parent == tmp_path and chart.name == "summary-today.png"
    assert line and "\n" not in line
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.width > 300
