"""Read a period of history for the trends and the report (shared by the CLI, the tray and the report)."""

from __future__ import annotations

from datetime import date, timedelta

from fhp_monitor.core.summary import day_bounds, local_datetime
from fhp_monitor.core.trends import PeriodTrend, build_trend


def period_trend(store, last: date, days: int, now: float) -> PeriodTrend:
    """The ``days`` local days ending with ``last`` from ``store`` (a SpooledHistory or SqliteHistoryStore).

    Records still waiting in the spool are counted (the store's reads include them) and their number is
    kept on the trend so the words can say so. Raises HistoryError when the history cannot be read.
    """
    first = last - timedelta(days=days - 1)
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    totals = store.daily_totals(first - timedelta(days=days), last)
    nudge_days = [local_datetime(n.at).date() for n in store.nudges(start, end)]
    exercises = [(local_datetime(e.at).date(), e.exercise, e.repetitions) for e in store.exercises(start, end)]
    drift = [0.0] * 24
    for minute in store.minutes(start, end):
        drift[local_datetime(minute.minute).hour] += minute.forward_s
    neck = [(local_datetime(at).date(), score) for at, score in store.neck_scores(start, end)]
    waiting = getattr(store, "waiting", None) or {}
    return build_trend(last, days, totals, nudge_days, exercises, drift, waiting_records=sum(waiting.values()),
                       neck=neck)
