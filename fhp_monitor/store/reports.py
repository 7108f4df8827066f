"""Read history and produce the daily summary (shared by the CLI and the tray's "Today's summary")."""

from __future__ import annotations

from datetime import date, timedelta

from fhp_monitor.core.ports import HistoryStore
from fhp_monitor.core.summary import DailySummary, build_daily_summary, day_bounds


def daily_summary(store: HistoryStore, day: date, now: float) -> DailySummary:
    start, end = day_bounds(day)
    week = store.daily_totals(day - timedelta(days=7), day - timedelta(days=1))
    return build_daily_summary(day, store.minutes(start, end), store.nudges(start, end), week, now=now)
