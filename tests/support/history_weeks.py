"""Weeks of posture history written through the real store: minutes, nudges, exercises, calibrations.

Each day has three monitored hours (09:00, 13:00 and 15:00 local time). The share of time sitting tall
rises by :data:`WEEKLY_GAIN` points a week from :data:`FIRST_WEEK_PCT`; the head-forward minutes fall in
the 15:00 hour mostly (so that is the usual drifting time); one reminder per 10 forward minutes; an
exercise on every other day; a neck check-in every day at 10:00, :data:`FIRST_NECK` in the first week and
one less each week after.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fhp_monitor.core.exercise import EXERCISES, DoneExercise
from fhp_monitor.core.ports import MinuteRecord

FIRST_WEEK_PCT, WEEKLY_GAIN = 60.0, 5.0
FIRST_NECK = 6
HOURS = (9, 13, 15)


def day_plan(day: date, first: date) -> dict:
    """What one day holds: upright share (0-100), forward minutes by hour, nudges, exercise."""
    week = (day - first).days // 7
    pct = FIRST_WEEK_PCT + WEEKLY_GAIN * week
    forward = round(len(HOURS) * 60 * (100 - pct) / 100)
    by_hour = {15: min(60, round(forward * 0.7))}
    by_hour[9] = min(60, (forward - by_hour[15]) // 2)
    by_hour[13] = forward - by_hour[15] - by_hour[9]
    return {"pct": pct, "forward_by_hour": by_hour, "nudges": forward // 10, "neck": max(0, FIRST_NECK - week),
            "exercise": EXERCISES[(day - first).days % 3] if (day - first).days % 2 == 0 else None}


def records_for(first: date, days: int) -> list[dict]:
    records: list[dict] = []
    for i in range(days):
        day = first + timedelta(days=i)
        plan = day_plan(day, first)
        for hour in HOURS:
            start = int(datetime(day.year, day.month, day.day, hour).timestamp())
            forward = plan["forward_by_hour"][hour]
            for m in range(60):
                state = "forward_s" if m < forward else "upright_s"
                minute = MinuteRecord(start + 60 * m, **{state: 60.0}, samples=12)
                records.append({"kind": "minute", "minute": minute.minute, "upright_s": minute.upright_s,
                                "forward_s": minute.forward_s, "away_s": 0.0, "paused_s": 0.0, "uncertain_s": 0.0,
                                "unavailable_s": 0.0, "cva_proxy_mean": None, "samples": 12})
            for n in range(plan["nudges"] if hour == 15 else 0):
                records.append({"kind": "nudge", "at": float(start + 60 * n + 30), "level": 1})
        records.append({"kind": "neck", "at": datetime(day.year, day.month, day.day, 10).timestamp(),
                        "score": plan["neck"]})
        if plan["exercise"]:
            at = datetime(day.year, day.month, day.day, 11).timestamp()
            records.append(DoneExercise(at, plan["exercise"], 5, 64.0).record())
    at = datetime(first.year, first.month, first.day, 8, 30).timestamp()
    records.append({"kind": "calibration", "at": at, "baseline_deg": 50.7, "spread_deg": 0.7, "samples": 20})
    return records


def write_weeks(store, last: date, weeks: int) -> date:
    """Write ``weeks`` weeks ending with ``last`` into ``store`` (SqliteHistoryStore); returns the first day."""
    first = last - timedelta(days=7 * weeks - 1)
    store.write_records(records_for(first, 7 * weeks))
    return first
