"""Weeks and months of posture: upright share per day, nudges, exercises, drifting hours, the change.

Pure: standard library only; the store reads (store/trend_reads.py) hand the numbers in. The same
definitions as the daily summary (core/summary.py): the upright share is upright / (upright + forward)
over the time the head was seen. A period is ``days`` local days ending with ``last`` (included); the
previous period is the ``days`` before it.

The change is said in plain words, kind either way, with both numbers ("You sat tall a little more
than last week: 71 % → 76 %"). Under :data:`SAME_POINTS` points apart is "about the same".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from fhp_monitor.core.i18n import _, day_month, ngettext, short_date
from fhp_monitor.core.summary import upright_share

#: Points of upright share: below SAME is "about the same", below LITTLE "a little", above MUCH "much".
SAME_POINTS, LITTLE_POINTS, MUCH_POINTS = 2.0, 6.0, 15.0
#: Forward minutes in an hour-of-day below which it is not called the usual drifting time.
MIN_DRIFT_MINUTES = 5.0


@dataclass
class PeriodTrend:
    """One period (week, month, or weeks for a report) and the one before it."""

    first: date
    last: date
    daily: list[dict]  # {"date", "upright_pct", "seen_s", "nudges", "exercises", "repetitions"} per day
    upright_pct: float | None
    previous_upright_pct: float | None
    nudges: int
    exercises: int
    drift_minutes_by_hour: list[float]  # 24 values: minutes with the head forward in each local hour
    exercise_counts: dict[str, int] = field(default_factory=dict)
    neck_mean: float | None = None  # the optional neck check-in (0-10) over the period
    waiting_records: int = 0  # records counted from the spool (the history file did not take them yet)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def drift_hour(self) -> int | None:
        """The local hour (0-23) when the head was forward most, None if drifting was rare."""
        most = max(range(24), key=lambda h: self.drift_minutes_by_hour[h])
        return most if self.drift_minutes_by_hour[most] >= MIN_DRIFT_MINUTES else None

    @property
    def has_data(self) -> bool:
        return any(d["seen_s"] > 0 for d in self.daily) or self.nudges > 0 or self.exercises > 0


def period_name(days: int) -> tuple[str, str]:
    """("this week", "last week") style names for a period of ``days`` days."""
    if days == 7:
        return _("this week"), _("last week")
    if days in (30, 31):
        return _("this month"), _("the month before")
    if days % 7 == 0:
        return (_("these {n} weeks").format(n=days // 7), _("the {n} weeks before").format(n=days // 7))
    return _("these {n} days").format(n=days), _("the {n} days before").format(n=days)


def build_trend(last: date, days: int, totals: Mapping[date, Mapping[str, float]], nudge_days: Sequence[date],
                exercises: Sequence[tuple[date, str, int | None]], drift_by_hour: Sequence[float],
                waiting_records: int = 0, neck: Sequence[tuple[date, int]] = ()) -> PeriodTrend:
    """The trend of the ``days`` days ending with ``last``; ``totals`` must cover the previous period too.

    ``nudge_days``: the local day of each nudge in the period; ``exercises``: (local day, which,
    repetitions or None) of each exercise done in it; ``drift_by_hour``: forward seconds by local hour;
    ``neck``: (local day, score 0-10) of each neck check-in (a day's value is the mean of its check-ins).
    """
    if days < 1:
        raise ValueError(f"a period has at least one day, got {days}")
    first = last - timedelta(days=days - 1)
    daily = []
    for i in range(days):
        day = first + timedelta(days=i)
        row = totals.get(day, {})
        up, fwd = float(row.get("upright_s", 0.0)), float(row.get("forward_s", 0.0))
        done = [e for e in exercises if e[0] == day]
        scores = [score for d, score in neck if d == day]
        daily.append({"date": day.isoformat(), "upright_pct": upright_share(up, fwd), "seen_s": up + fwd,
                      "nudges": sum(1 for d in nudge_days if d == day), "exercises": len(done),
                      "repetitions": sum(e[2] or 0 for e in done),
                      "neck": round(sum(scores) / len(scores), 1) if scores else None})

    def share(start: date, end: date) -> float | None:
        rows = [totals[d] for d in totals if start <= d <= end]
        return upright_share(sum(float(r.get("upright_s", 0.0)) for r in rows),
                             sum(float(r.get("forward_s", 0.0)) for r in rows))

    counts: dict[str, int] = {}
    for _day, which, _reps in exercises:
        counts[which] = counts.get(which, 0) + 1
    hours = [float(drift_by_hour[h]) / 60.0 if h < len(drift_by_hour) else 0.0 for h in range(24)]
    before = share(first - timedelta(days=days), first - timedelta(days=1))
    period = [score for d, score in neck if first <= d <= last]
    neck_mean = round(sum(period) / len(period), 1) if period else None
    return PeriodTrend(first, last, daily, share(first, last), before, len(nudge_days), len(exercises), hours,
                       exercise_counts=counts, neck_mean=neck_mean, waiting_records=waiting_records)


def change_words(trend: PeriodTrend) -> str:
    """One kind sentence comparing the period with the one before, with both numbers."""
    now_name, before_name = period_name(trend.days)
    now, before = trend.upright_pct, trend.previous_upright_pct
    if now is None:
        return _("No posture numbers {now} yet.").format(now=now_name)
    if before is None:
        return _("You sat tall {pct} % of the time {now}; there is nothing from {before} to compare.").format(
            pct=f"{now:.0f}", now=now_name, before=before_name)
    diff = now - before
    arrow = f"{before:.0f} % → {now:.0f} %"
    if abs(diff) < SAME_POINTS:
        return _("You sat tall about as much as {before}: {arrow}.").format(before=before_name, arrow=arrow)
    size = 0 if abs(diff) < LITTLE_POINTS else (2 if abs(diff) >= MUCH_POINTS else 1)
    if diff > 0:
        words = (_("You sat tall a little more than {before}: {arrow}."),
                 _("You sat tall more than {before}: {arrow}."),
                 _("You sat tall much more than {before}: {arrow}."))[size]
        return words.format(before=before_name, arrow=arrow)
    words = (_("You sat tall a little less than {before}: {arrow}."), _("You sat tall less than {before}: {arrow}."),
             _("You sat tall much less than {before}: {arrow}."))[size]
    return words.format(before=before_name, arrow=arrow) + " " + _("A short exercise break can help.")


def hour_words(hour: int | None) -> str:
    if hour is None:
        return _("Your head rarely drifted forward for long.")
    return _("Your head drifted forward most often between {start} and {end}.").format(
        start=f"{hour:02d}:00", end=f"{(hour + 1) % 24:02d}:00")


def format_trend_text(trend: PeriodTrend) -> str:
    """A few kind lines and a small day table (``fhp-monitor summary --week``)."""
    if not trend.has_data:
        return _("Nothing recorded from {first} to {last} yet.").format(first=day_month(trend.first),
                                                                          last=day_month(trend.last))
    lines = [change_words(trend), hour_words(trend.drift_hour),
             _("Reminders: {nudges}. Exercises done: {exercises}.").format(nudges=trend.nudges,
                                                                           exercises=trend.exercises)]
    if trend.neck_mean is not None:
        lines.append(_("How your neck felt, on average: {score} of 10.").format(score=f"{trend.neck_mean:g}"))
    neck = trend.neck_mean is not None
    heads = [_("Day"), _("Sat tall"), _("Reminders"), _("Exercises"), _("Neck")]
    wide = [max(12, len(heads[0]) + 2), *(max(9, len(h) + 2) for h in heads[1:])]
    lines += ["", f"{heads[0]:<{wide[0]}}{heads[1]:>{wide[1]}}{heads[2]:>{wide[2]}}{heads[3]:>{wide[3]}}"
              + (f"{heads[4]:>{wide[4]}}" if neck else "")]
    for d in trend.daily:
        pct = "-" if d["upright_pct"] is None else f"{d['upright_pct']:.0f} %"
        day = date.fromisoformat(d["date"])
        row = (short_date(day).ljust(wide[0])
               + f"{pct:>{wide[1]}}{d['nudges']:>{wide[2]}}{d['exercises']:>{wide[3]}}")
        lines.append(row + (f"{'-' if d['neck'] is None else format(d['neck'], 'g'):>{wide[4]}}" if neck else ""))
    if trend.waiting_records:
        lines += ["", ngettext("{n} record is still waiting to be saved to the history (it was busy); it is counted "
                               "here.", "{n} records are still waiting to be saved to the history (it was busy); "
                               "they are counted here.", trend.waiting_records).format(n=trend.waiting_records)]
    return "\n".join(lines)


def trend_to_json(trend: PeriodTrend) -> dict:
    return {
        "first": trend.first.isoformat(), "last": trend.last.isoformat(), "days": trend.days,
        "upright_pct": trend.upright_pct, "previous_upright_pct": trend.previous_upright_pct,
        "change": change_words(trend), "nudges": trend.nudges, "exercises": trend.exercises,
        "exercise_counts": dict(sorted(trend.exercise_counts.items())),
        "drift_hour": trend.drift_hour,
        "drift_minutes_by_hour": [round(m, 1) for m in trend.drift_minutes_by_hour],
        "daily": [{**d, "seen_s": round(d["seen_s"], 1)} for d in trend.daily],
        "waiting_records": trend.waiting_records,
        "neck_mean": trend.neck_mean,
    }
