"""The daily summary: stored minutes and nudges → one friendly picture of a day.

Pure: standard library only. Days are *local* calendar days (the computer's time zone unless a
``tzinfo`` is passed); a minute belongs to the local day and hour in which it starts.

Definitions used everywhere below:

* **monitored time** (``monitored_s``) = upright + forward + away + uncertain seconds: the time
  fhp-monitor was running and looking. Paused time and time the camera was unavailable are not
  monitored.
* **upright share** (``upright_pct``) = upright / (upright + forward) x 100, i.e. the share of the
  time the head was *seen* that it was held tall; ``None`` when neither was seen.
* **longest upright stretch** (``longest_upright_s``): a minute is *mostly upright* when its
  ``upright_s`` is more than half of all seconds recorded in that minute (every state counted).
  A stretch is a run of mostly-upright minutes whose starts are exactly 60 s apart (a missing
  minute breaks the run). The value is the sum of ``upright_s`` over the longest such stretch, so
  it never claims more sitting-tall time than was measured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from fhp_monitor.core.i18n import _, day_month, ngettext
from fhp_monitor.core.ports import MinuteRecord, NudgeRecord

SECOND_KEYS = ("upright_s", "forward_s", "away_s", "paused_s", "uncertain_s", "unavailable_s")
#: A nudge's outcome is known two minutes after it was sent.
RECOVERY_WINDOW_S = 120.0
GOOD_PCT = 70
FAIR_PCT = 40
#: Less monitored time than this (10 minutes) is too little to say how someone sat: the words say
#: "too early to tell" instead of a share that a few seconds could make 100%.
TOO_EARLY_S = 600.0
_DAILY_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass
class DailySummary:
    """One local day of posture, ready for text, JSON and the chart (see the module docstring)."""

    date: date
    monitored_s: float
    upright_s: float
    forward_s: float
    away_s: float
    paused_s: float
    upright_pct: float | None
    longest_upright_s: float
    nudges: list[NudgeRecord]
    hourly: list[dict]  # one {"hour": h, "upright_s": s, "forward_s": s} per real hour (see hours_of_day)
    week: list[dict]  # the 7 previous days, oldest first: {"date": iso, "upright_pct": float | None}
    uncertain_s: float = 0.0
    unavailable_s: float = 0.0
    generated_at: float | None = None  # epoch seconds the summary was built at, if known
    tz: tzinfo | None = field(default=None, repr=False)


# --------------------------------------------------------------------------- local time helpers


def day_bounds(day: date, tz: tzinfo | None = None) -> tuple[float, float]:
    """Epoch seconds of the local midnight starting ``day`` and of the next one (23-25 h apart)."""
    def midnight(d: date) -> float:
        if tz is None:
            return datetime.combine(d, time()).timestamp()  # naive = the computer's local time
        return datetime.combine(d, time(), tzinfo=tz).timestamp()

    return midnight(day), midnight(day + timedelta(days=1))


def local_datetime(t: float, tz: tzinfo | None = None) -> datetime:
    """An aware local datetime for epoch ``t`` (the computer's zone when ``tz`` is None)."""
    return datetime.fromtimestamp(t, tz) if tz is not None else datetime.fromtimestamp(t).astimezone()


def local_date(t: float, tz: tzinfo | None = None) -> date:
    """The local calendar day containing epoch second ``t``."""
    return local_datetime(t, tz).date()


def hours_of_day(start: float, end: float, tz: tzinfo | None = None) -> list[int]:
    """The local clock hour at the start of each real hour from ``start`` to ``end`` (a day's bounds).

    24 hours on most days; on the autumn change 25 (the repeated hour appears twice, e.g. 0, 1, 2,
    2, 3 ... in Europe/Berlin), so no hour ever holds more than 60 minutes; on the spring change 23
    (the skipped hour is absent). Minutes are stored by epoch, so each lands in its real hour.
    """
    count = max(1, int(round((end - start) / 3600.0)))
    return [local_datetime(start + 3600.0 * k + 1.0, tz).hour for k in range(count)]


def upright_share(upright_s: float, forward_s: float) -> float | None:
    """upright / (upright + forward) x 100, rounded to 0.1; None when there is nothing to divide."""
    seen = upright_s + forward_s
    return round(100.0 * upright_s / seen, 1) if seen > 0 else None


# --------------------------------------------------------------------------- building


def build_daily_summary(
    day: date,
    minutes: Sequence[MinuteRecord],
    nudges: Sequence[NudgeRecord],
    week: Mapping[date, Mapping[str, float]],
    tz: tzinfo | None = None,
    *,
    now: float | None = None,
) -> DailySummary:
    """Summarise local ``day``.

    ``minutes``/``nudges`` may include rows outside the day; they are ignored. ``week`` maps
    dates to totals with at least ``upright_s``/``forward_s`` (as ``HistoryStore.daily_totals``
    returns); only the 7 days before ``day`` are used. ``now`` (epoch seconds) is when the summary
    is built; it decides whether a nudge's unknown outcome is still pending (see ``to_json_dict``).
    """
    start, end = day_bounds(day, tz)
    todays = sorted((m for m in minutes if start <= m.minute < end), key=lambda m: m.minute)
    totals = {key: sum(getattr(m, key) for m in todays) for key in SECOND_KEYS}

    hourly = [{"hour": h, "upright_s": 0.0, "forward_s": 0.0} for h in hours_of_day(start, end, tz)]
    for m in todays:
        slot = hourly[min(int((m.minute - start) // 3600), len(hourly) - 1)]
        slot["upright_s"] += m.upright_s
        slot["forward_s"] += m.forward_s

    week_rows = []
    for back in range(7, 0, -1):
        d = day - timedelta(days=back)
        row = week.get(d)
        if row is not None and not isinstance(row, Mapping):
            raise TypeError(f"week[{d}] must be a mapping of totals, got {type(row).__name__}")
        pct = upright_share(float(row.get("upright_s", 0.0)), float(row.get("forward_s", 0.0))) if row else None
        week_rows.append({"date": d.isoformat(), "upright_pct": pct})

    return DailySummary(
        date=day,
        monitored_s=totals["upright_s"] + totals["forward_s"] + totals["away_s"] + totals["uncertain_s"],
        upright_s=totals["upright_s"],
        forward_s=totals["forward_s"],
        away_s=totals["away_s"],
        paused_s=totals["paused_s"],
        upright_pct=upright_share(totals["upright_s"], totals["forward_s"]),
        longest_upright_s=longest_upright_stretch(todays),
        nudges=sorted((n for n in nudges if start <= n.at < end), key=lambda n: n.at),
        hourly=hourly,
        week=week_rows,
        uncertain_s=totals["uncertain_s"],
        unavailable_s=totals["unavailable_s"],
        generated_at=now,
        tz=tz,
    )


def longest_upright_stretch(minutes: Sequence[MinuteRecord]) -> float:
    """Upright seconds in the longest run of consecutive mostly-upright minutes (module docstring)."""
    best = current = 0.0
    previous: int | None = None
    for m in sorted(minutes, key=lambda r: r.minute):
        recorded = sum(getattr(m, key) for key in SECOND_KEYS)
        if m.upright_s > recorded / 2:
            current = current + m.upright_s if previous is not None and m.minute - previous == 60 else m.upright_s
            previous = m.minute
            best = max(best, current)
        else:
            current, previous = 0.0, None
    return best


# --------------------------------------------------------------------------- output


def nudge_outcome(nudge: NudgeRecord, generated_at: float | None) -> bool | None:
    """``recovered`` for the JSON: the stored answer when known.

    An unknown outcome becomes ``False`` once the two-minute recovery window is over (the app
    was stopped before it could tell); it stays ``None`` (JSON null) while the window is still
    open at build time. Without a build time every window counts as over.
    """
    if nudge.recovered is not None:
        return bool(nudge.recovered)
    if generated_at is None or generated_at - nudge.at >= RECOVERY_WINDOW_S:
        return False
    return None


def to_json_dict(summary: DailySummary) -> dict:
    """The summary as plain JSON-ready data with a fixed set of keys (``fhp-monitor summary --json``)."""
    return {
        "date": summary.date.isoformat(),
        "monitored_s": round(summary.monitored_s, 1),
        "upright_s": round(summary.upright_s, 1),
        "forward_s": round(summary.forward_s, 1),
        "away_s": round(summary.away_s, 1),
        "paused_s": round(summary.paused_s, 1),
        "upright_pct": summary.upright_pct,
        "longest_upright_s": round(summary.longest_upright_s, 1),
        "nudges": [
            {
                "at": local_datetime(n.at, summary.tz).isoformat(timespec="seconds"),
                "recovered": nudge_outcome(n, summary.generated_at),
            }
            for n in summary.nudges
        ],
        "hourly": [
            {"hour": h["hour"], "upright_s": round(h["upright_s"], 1), "forward_s": round(h["forward_s"], 1)}
            for h in summary.hourly
        ],
        "week": [dict(w) for w in summary.week],
    }


def day_phrase(summary: DailySummary) -> str:
    """'today' / 'yesterday' relative to when the summary was built, else 'on Monday 3 June'."""
    if summary.generated_at is not None:
        built_on = local_date(summary.generated_at, summary.tz)
        if built_on == summary.date:
            return _("today")
        if built_on == summary.date + timedelta(days=1):
            return _("yesterday")
    return _("on {day}").format(day=day_month(summary.date))


def duration_words(seconds: float) -> str:
    """'1 minute', '42 minutes', '1 hour 5 minutes' (rounded to whole minutes); 'less than a minute'
    for a few seconds (never "0 minutes" for time that was there)."""
    if 0 < seconds < 30:
        return _("less than a minute")
    total = int(round(seconds / 60.0))
    hours, mins = divmod(total, 60)
    parts = []
    if hours:
        parts.append(ngettext("{n} hour", "{n} hours", hours).format(n=hours))
    if mins or not hours:
        parts.append(ngettext("{n} minute", "{n} minutes", mins).format(n=mins))
    return " ".join(parts)


def too_early(summary: DailySummary) -> bool:
    """True when there is some data but less than TOO_EARLY_S of it: too little to judge the day."""
    return 0 < summary.monitored_s < TOO_EARLY_S


def _headline(summary: DailySummary) -> tuple[str, str]:
    when = day_phrase(summary)
    today = when == _("today")
    if summary.monitored_s <= 0:
        first = (_("No posture data {when} yet.") if today else _("No posture data {when}.")).format(when=when)
        return first, _("fhp-monitor keeps track for you whenever it is running.")
    if summary.upright_pct is None:
        return (
            _("fhp-monitor could not see your posture clearly {when}.").format(when=when),
            _("Facing the camera, with your head and shoulders in view, helps it see."),
        )
    if too_early(summary):
        watched = (_("It is too early to tell how you sat {when}: fhp-monitor watched for {duration} so far.")
                   if today else _("It is too early to tell how you sat {when}: fhp-monitor watched for {duration}."))
        return (watched.format(when=when, duration=duration_words(summary.monitored_s)),
                _("After {duration} or more at the computer, this shows how you sat.").format(
                    duration=duration_words(TOO_EARLY_S)))
    pct = round(summary.upright_pct)
    first = _("You sat tall for {pct}% of the time you were at the computer {when}.").format(pct=pct, when=when)
    if pct >= GOOD_PCT:
        second = _("Nice work.")
    elif pct >= FAIR_PCT:
        second = _("A good effort: every time you sit back up counts.")
    else:
        second = _("Tomorrow is a fresh start, and the gentle reminders are there to help.")
    if summary.longest_upright_s >= 300:
        second += " " + _("Longest stretch sitting tall: {duration}.").format(
            duration=duration_words(summary.longest_upright_s))
    return first, second


def format_summary_text(summary: DailySummary) -> str:
    """Two kind lines, then a small table of the hours that have data (for the terminal)."""
    lines = list(_headline(summary))
    rows = [] if too_early(summary) else [h for h in summary.hourly if h["upright_s"] > 0 or h["forward_s"] > 0]
    if rows:
        hour, tall, forward, unit = _("Hour"), _("Sat tall"), _("Head forward"), _("min")
        wide = max(10, len(tall) + 2)
        lines += ["", f"{hour:<7}{tall:>{wide}}{forward:>{max(15, len(forward) + 2)}}"]
        for h in rows:
            up, fwd = round(h["upright_s"] / 60), round(h["forward_s"] / 60)
            lines.append(f"{h['hour']:>2}:00  {up:>{wide - 4}} {unit}{fwd:>{max(15, len(forward) + 2) - 4}} {unit}")
    return "\n".join(lines)


def end_of_day_sentence(summary: DailySummary) -> str:
    """One friendly sentence for the end-of-day notification."""
    when = day_phrase(summary)
    if summary.upright_pct is None:
        return _("No posture numbers {when}, and that is fine: fhp-monitor will keep track while it runs.").format(
            when=when)
    if too_early(summary):
        return _("Only {duration} of posture numbers {when}: too early to tell, and that is fine.").format(
            duration=duration_words(summary.monitored_s), when=when)
    pct = round(summary.upright_pct)
    if pct >= GOOD_PCT:
        cheer = _("nice work!")
    elif pct >= FAIR_PCT:
        cheer = _("every time you sit back up counts.")
    else:
        cheer = _("tomorrow is a fresh start.")
    return _("You sat tall for {pct}% of your computer time {when}, {cheer}").format(pct=pct, when=when, cheer=cheer)


# --------------------------------------------------------------------------- scheduling


def parse_daily_time(daily_time: str) -> time | None:
    """'HH:MM' (24-hour clock) → time; '' → None (summary turned off). Anything else: ValueError."""
    text = daily_time.strip()
    if not text:
        return None
    match = _DAILY_TIME.match(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"summary.daily_time must be a 24-hour time like 17:30, got {daily_time!r}")
    return time(int(match.group(1)), int(match.group(2)))


#: After a start later than the summary time, today's summary waits until fhp-monitor has been
#: running this long (so it never greets a fresh start; a short run leaves it for the next morning).
LATE_START_WAIT_S = 30 * 60.0


def daily_notification_due(
    now: float,
    daily_time: str,
    last_shown_date: date | None,
    had_data: Callable[[date], bool],
    tz: tzinfo | None = None,
    *,
    running_since: float | None = None,
) -> date | None:
    """Which day's summary to show at ``now``, or None. Each day's summary is shown at most once.

    * today, once local time has reached ``daily_time`` and today's has not been shown yet,
      provided fhp-monitor was already running at ``daily_time`` (``running_since``, epoch
      seconds of this run's start; None means "long running") or, when it started later, once it
      has been running for :data:`LATE_START_WAIT_S`. A start after the summary time is never
      greeted with a summary right away;
    * otherwise yesterday, when yesterday's was never shown (the computer was off or asleep at
      ``daily_time``, or the run was too short) and ``had_data(yesterday)`` says there is
      something to show: the next day's first start says "yesterday";
    * None when ``daily_time`` is empty (turned off) or nothing is due.
    """
    at = parse_daily_time(daily_time)
    if at is None:
        return None
    today = local_date(now, tz)
    if last_shown_date is not None and last_shown_date >= today:
        return None
    due_at = datetime.combine(today, at, tzinfo=tz).timestamp()
    if now >= due_at and (running_since is None or running_since <= due_at
                          or now - running_since >= LATE_START_WAIT_S):
        return today
    yesterday = today - timedelta(days=1)
    if (last_shown_date is None or last_shown_date < yesterday) and had_data(yesterday):
        return yesterday
    return None
