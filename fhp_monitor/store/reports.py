"""Read history and produce the daily summary (shared by the CLI, the tray's "Today's summary" and the
end-of-day notification)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from fhp_monitor.core.ports import HistoryStore
from fhp_monitor.core.summary import (
    DailySummary,
    build_daily_summary,
    daily_notification_due,
    day_bounds,
    end_of_day_sentence,
    format_summary_text,
    local_date,
)


def summary_chart(store: HistoryStore, folder: Path, now: float) -> tuple[str, Path]:
    """Today's summary so far: its first line, and its chart drawn (private) into ``folder``."""
    from fhp_monitor.store.chart import render_summary_chart  # matplotlib: only when a chart is asked for

    summary = daily_summary(store, local_date(now), now)
    chart = render_summary_chart(summary, folder / "summary-today.png", private=True)
    return format_summary_text(summary).splitlines()[0], chart


def due_summary(store: HistoryStore, daily_time: str, last_shown: str | None, now: float,
                running_since: float) -> tuple[date, str] | None:
    """The day whose end-of-day sentence is due at ``now`` (core.summary.daily_notification_due;
    ``last_shown``: the ISO date of the last one shown) and that sentence, or None. Raises
    HistoryError or OSError when history cannot be read."""
    has_data = store.has_data  # type: ignore[attr-defined]
    due = daily_notification_due(now, daily_time, date.fromisoformat(last_shown) if last_shown else None, has_data,
                                 running_since=running_since)
    if due is None or (due == local_date(now) and not has_data(due)):
        return None
    return due, end_of_day_sentence(daily_summary(store, due, now))


def daily_summary(store: HistoryStore, day: date, now: float) -> DailySummary:
    start, end = day_bounds(day)
    week = store.daily_totals(day - timedelta(days=7), day - timedelta(days=1))
    return build_daily_summary(day, store.minutes(start, end), store.nudges(start, end), week, now=now)
