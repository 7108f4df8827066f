"""Unit tests for the pure daily summary (synthetic minutes, fixed times and zones)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from fhp_monitor.core.ports import MinuteRecord, NudgeRecord
from fhp_monitor.core.summary import (
    build_daily_summary,
    daily_notification_due,
    day_bounds,
    day_phrase,
    duration_words,
    end_of_day_sentence,
    format_summary_text,
    longest_upright_stretch,
    parse_daily_time,
    to_json_dict,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 6, 10)  # a Wednesday
JSON_KEYS = {
    "date", "monitored_s", "upright_s", "forward_s", "away_s", "paused_s",
    "upright_pct", "longest_upright_s", "nudges", "hourly", "week",
}


def at(hour: int, minute: int = 0, day: date = DAY, tz=BERLIN) -> int:
    return int(datetime.combine(day, time(hour, minute), tzinfo=tz).timestamp())


def minutes_of(start: int, count: int, **seconds: float) -> list[MinuteRecord]:
    return [MinuteRecord(minute=start + 60 * i, **seconds) for i in range(count)]


def sample_day() -> tuple[list[MinuteRecord], list[NudgeRecord]]:
    minutes = (
        minutes_of(at(9), 30, upright_s=60.0)  # 09:00-09:30 upright
        + minutes_of(at(9, 30), 10, forward_s=60.0)  # 09:30-09:40 forward
        + minutes_of(at(9, 40), 5, away_s=60.0)
        + minutes_of(at(14), 20, upright_s=45.0, uncertain_s=15.0)
        + minutes_of(at(15), 10, paused_s=60.0)
        + minutes_of(at(16), 5, unavailable_s=60.0)
        + minutes_of(at(23, 59, DAY - timedelta(days=1)), 1, upright_s=60.0)  # yesterday: ignored
    )
    nudges = [
        NudgeRecord(at=at(9, 32), recovered=True, id=1),
        NudgeRecord(at=at(16, 59), recovered=None, id=2),
        NudgeRecord(at=at(9, 0, DAY + timedelta(days=1)), id=3),  # tomorrow: ignored
    ]
    return minutes, nudges


def test_totals_pct_hourly_and_definitions():
    minutes, nudges = sample_day()
    week = {DAY - timedelta(days=1): {"upright_s": 300.0, "forward_s": 100.0}, DAY - timedelta(days=3): {}}
    s = build_daily_summary(DAY, minutes, nudges, week, tz=BERLIN, now=at(17))
    assert s.upright_s == 30 * 60 + 20 * 45
    assert s.forward_s == 600 and s.away_s == 300 and s.paused_s == 600
    assert s.uncertain_s == 300 and s.unavailable_s == 300
    # monitored = upright + forward + away + uncertain (no paused, no camera-unavailable)
    assert s.monitored_s == 2700 + 600 + 300 + 300
    assert s.upright_pct == pytest.approx(round(100 * 2700 / 3300, 1))
    assert len(s.hourly) == 24 and [h["hour"] for h in s.hourly] == list(range(24))
    assert s.hourly[9] == {"hour": 9, "upright_s": 1800.0, "forward_s": 600.0}
    assert s.hourly[14]["upright_s"] == 900.0 and s.hourly[23]["upright_s"] == 0.0
    assert [n.id for n in s.nudges] == [1, 2]
    assert [w["date"] for w in s.week] == [(DAY - timedelta(days=k)).isoformat() for k in range(7, 0, -1)]
    assert s.week[-1]["upright_pct"] == 75.0
    assert s.week[-3]["upright_pct"] is None  # an empty totals dict is no data
    assert s.week[0]["upright_pct"] is None
    # longest stretch: the 30 upright minutes at 09:00 (1800 s) beat 20 minutes of 45 s at 14:00
    assert s.longest_upright_s == 1800.0


def test_hours_follow_the_given_zone_not_utc():
    utc_morning = minutes_of(at(7, 0, tz=timezone.utc), 1, upright_s=60.0)
    s = build_daily_summary(DAY, utc_morning, [], {}, tz=BERLIN)
    assert s.hourly[9]["upright_s"] == 60.0  # 07:00 UTC is 09:00 in Berlin in June


def test_longest_stretch_is_broken_by_missing_or_not_mostly_upright_minutes():
    t = at(10)
    run = minutes_of(t, 2, upright_s=60.0) + minutes_of(t + 180, 5, upright_s=31.0, away_s=29.0)
    assert longest_upright_stretch(run) == 5 * 31.0  # the missing minute at t+120 splits the runs
    joined = minutes_of(t, 2, upright_s=60.0) + minutes_of(t + 120, 5, upright_s=31.0, away_s=29.0)
    assert longest_upright_stretch(joined) == 120.0 + 5 * 31.0
    broken = joined[:3] + [MinuteRecord(minute=t + 180, upright_s=20.0, forward_s=40.0)] + joined[4:]
    assert longest_upright_stretch(broken) == 120.0 + 31.0  # a mostly-forward minute ends the run
    tie = minutes_of(t, 2, upright_s=30.0, forward_s=30.0)  # exactly half is not "mostly"
    assert longest_upright_stretch(tie) == 0.0
    assert longest_upright_stretch([]) == 0.0


def test_json_has_exact_keys_and_is_serialisable():
    minutes, nudges = sample_day()
    d = to_json_dict(build_daily_summary(DAY, minutes, nudges, {}, tz=BERLIN, now=at(17)))
    assert set(d) == JSON_KEYS
    assert d["date"] == "2026-06-10"
    assert len(d["hourly"]) == 24 and set(d["hourly"][0]) == {"hour", "upright_s", "forward_s"}
    assert len(d["week"]) == 7 and set(d["week"][0]) == {"date", "upright_pct"}
    assert d["nudges"][0] == {"at": "2026-06-10T09:32:00+02:00", "recovered": True}
    json.loads(json.dumps(d))


@pytest.mark.parametrize(
    "now,expected",
    [
        (None, False),  # no build time known: every recovery window is over
        (at(16, 59) + 60, None),  # one minute after the nudge: still open → null
        (at(16, 59) + 120, False),  # window over and never answered → false
    ],
)
def test_unknown_nudge_outcome_in_json(now, expected):
    nudge = NudgeRecord(at=at(16, 59), recovered=None)
    d = to_json_dict(build_daily_summary(DAY, [], [nudge], {}, tz=BERLIN, now=now))
    assert d["nudges"][0]["recovered"] is expected


def test_empty_day():
    s = build_daily_summary(DAY, [], [], {}, tz=BERLIN, now=at(12))
    assert s.monitored_s == 0 and s.upright_pct is None and s.longest_upright_s == 0
    d = to_json_dict(s)
    assert d["upright_pct"] is None and d["nudges"] == []
    text = format_summary_text(s)
    assert text.splitlines() == ["No posture data today yet.",
                                 "fhp-monitor keeps track for you whenever it is running."]
    assert "No posture numbers today" in end_of_day_sentence(s)


def test_text_is_two_kind_lines_then_a_table_of_hours_with_data():
    minutes, nudges = sample_day()
    s = build_daily_summary(DAY, minutes, nudges, {}, tz=BERLIN, now=at(18))
    lines = format_summary_text(s).splitlines()
    assert lines[0] == "You sat tall for 82% of the time you were at the computer today."
    assert lines[1] == "Nice work. Longest stretch sitting tall: 30 minutes."
    assert lines[2] == ""
    assert lines[3].split() == ["Hour", "Sat", "tall", "Head", "forward"]
    assert [row.split()[0] for row in lines[4:]] == ["9:00", "14:00"]
    assert lines[4].split() == ["9:00", "30", "min", "10", "min"]
    assert end_of_day_sentence(s) == "You sat tall for 82% of your computer time today, nice work!"


@pytest.mark.parametrize(
    "upright,forward,line2,sentence_end",
    [
        (50.0, 50.0, "A good effort", "every time you sit back up counts."),
        (10.0, 50.0, "Tomorrow is a fresh start", "tomorrow is a fresh start."),
    ],
)
def test_gentle_variants_for_lower_shares(upright, forward, line2, sentence_end):
    day = minutes_of(at(10), 12, upright_s=upright, forward_s=forward)  # 12 minutes: enough to tell
    s = build_daily_summary(DAY, day, [], {}, tz=BERLIN, now=at(18))
    lines = format_summary_text(s).splitlines()
    assert lines[1].startswith(line2)
    assert end_of_day_sentence(s).endswith(sentence_end)
    for word in ("bad", "poor", "fail", "pain", "doctor"):
        assert word not in format_summary_text(s).lower()


def test_only_away_time_gets_a_helpful_not_a_numeric_message():
    s = build_daily_summary(DAY, minutes_of(at(10), 3, away_s=60.0), [], {}, tz=BERLIN, now=at(18))
    assert s.monitored_s == 180 and s.upright_pct is None
    assert format_summary_text(s).splitlines()[0] == "fhp-monitor could not see your posture clearly today."


def test_day_phrase_for_yesterday_and_older_days():
    m = minutes_of(at(10), 12, upright_s=60.0)
    y = build_daily_summary(DAY, m, [], {}, tz=BERLIN, now=at(9, day=DAY + timedelta(days=1)))
    assert "computer yesterday." in format_summary_text(y)
    old = build_daily_summary(DAY, m, [], {}, tz=BERLIN, now=None)
    assert "on Wednesday 10 June" in end_of_day_sentence(old)


def test_day_bounds_cover_23_and_25_hour_days():
    start, end = day_bounds(date(2026, 3, 29), BERLIN)  # clocks go forward
    assert end - start == 23 * 3600
    start, end = day_bounds(date(2026, 10, 25), BERLIN)  # clocks go back
    assert end - start == 25 * 3600
    assert datetime.fromtimestamp(start, BERLIN).time() == time(0, 0)


@pytest.mark.linux_only
def test_day_bounds_use_local_time_by_default(monkeypatch):
    import time as _time

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    _time.tzset()
    try:
        start, end = day_bounds(DAY)
        assert start == datetime(2026, 6, 9, 18, 30, tzinfo=timezone.utc).timestamp()
        assert end - start == 86400
    finally:
        monkeypatch.undo()
        _time.tzset()


def test_duration_words():
    assert duration_words(60) == "1 minute"
    assert duration_words(42 * 60 + 10) == "42 minutes"
    assert duration_words(3600) == "1 hour"
    assert duration_words(2 * 3600 + 60) == "2 hours 1 minute"
    assert duration_words(0) == "0 minutes"
    assert duration_words(15) == "less than a minute"  # time that was there is never "0 minutes"


# --------------------------------------------------------------------------- when to show it


def always(_: date) -> bool:
    return True


def never(_: date) -> bool:
    return False


def test_due_today_once_past_daily_time():
    assert daily_notification_due(at(17, 29), "17:30", None, never, tz=BERLIN) is None
    assert daily_notification_due(at(17, 30), "17:30", None, never, tz=BERLIN) == DAY
    assert daily_notification_due(at(22, 0), "17:30", DAY - timedelta(days=1), never, tz=BERLIN) == DAY
    assert daily_notification_due(at(22, 0), "17:30", DAY, always, tz=BERLIN) is None  # already shown


def test_yesterday_is_shown_next_morning_if_missed_and_it_had_data():
    asked: list[date] = []

    def had_data(d: date) -> bool:
        asked.append(d)
        return True

    morning = at(8, 0)
    due = daily_notification_due(morning, "17:30", DAY - timedelta(days=2), had_data, tz=BERLIN)
    assert due == DAY - timedelta(days=1)
    assert asked == [DAY - timedelta(days=1)]
    assert daily_notification_due(morning, "17:30", DAY - timedelta(days=2), never, tz=BERLIN) is None
    assert daily_notification_due(morning, "17:30", DAY - timedelta(days=1), always, tz=BERLIN) is None
    # after today's time, today's summary wins over a missed yesterday
    assert daily_notification_due(at(18), "17:30", DAY - timedelta(days=2), always, tz=BERLIN) == DAY


def test_turned_off_and_bad_daily_time():
    assert daily_notification_due(at(18), "", None, always, tz=BERLIN) is None
    assert parse_daily_time("7:05") == time(7, 5)
    for bad in ("5pm", "24:00", "17:60", "17.30", "1730"):
        with pytest.raises(ValueError, match="like 17:30"):
            daily_notification_due(at(18), bad, None, always, tz=BERLIN)


@pytest.mark.linux_only
def test_due_uses_local_time_by_default(monkeypatch):
    import time as _time

    monkeypatch.setenv("TZ", "America/New_York")
    _time.tzset()
    try:
        ny = ZoneInfo("America/New_York")
        five_pm_local = datetime(2026, 6, 10, 17, 0, tzinfo=ny).timestamp()
        assert daily_notification_due(five_pm_local, "16:59", None, never) == date(2026, 6, 10)
        assert daily_notification_due(five_pm_local, "17:01", None, never) is None
    finally:
        monkeypatch.undo()
        _time.tzset()


class FakeDay:
    """The app's once-a-poll check driven by a fake clock: runs from start to stop in 1-minute polls
    and remembers, like the app's state file, which day's summary was shown last."""

    def __init__(self, daily_time: str = "17:30") -> None:
        self.daily_time = daily_time
        self.last_shown: date | None = None
        self.shown: list[tuple[date, float]] = []  # (day shown, when)
        self.data_days: set[date] = set()

    def run(self, start: float, stop: float) -> list[tuple[date, float]]:
        before = len(self.shown)
        now = start
        while now <= stop:
            self.data_days.add(datetime.fromtimestamp(now, BERLIN).date())  # monitoring records minutes
            due = daily_notification_due(now, self.daily_time, self.last_shown, self.data_days.__contains__,
                                         tz=BERLIN, running_since=start)
            if due is not None:
                self.shown.append((due, now))
                self.last_shown = due
            now += 60
        return self.shown[before:]


def test_a_start_after_the_summary_time_is_not_greeted_by_the_summary():
    day = FakeDay()
    # Started at 19:00, long after 17:30: today's summary comes after half an hour of running, not at start.
    assert day.run(at(19, 0), at(21, 0)) == [(DAY, at(19, 30))]
    # Restarted later that evening: already shown, nothing again.
    assert day.run(at(21, 30), at(23, 0)) == []


def test_a_short_run_after_the_summary_time_leaves_it_for_the_next_morning_as_yesterday():
    day = FakeDay()
    assert day.run(at(19, 0), at(19, 20)) == []
    next_morning = at(8, 0) + 86400
    assert day.run(next_morning, next_morning + 600) == [(DAY, next_morning)]  # "yesterday", at the first look
    summary = build_daily_summary(DAY, [], [], {}, tz=BERLIN, now=next_morning)
    assert day_phrase(summary) == "yesterday"


def test_running_through_the_summary_time_shows_it_at_that_time_once():
    day = FakeDay()
    assert day.run(at(9, 0), at(18, 30)) == [(DAY, at(17, 30))]
    assert day.run(at(18, 40), at(20, 0)) == []  # a restart does not repeat it
    next_morning = at(8, 0) + 86400
    assert day.run(next_morning, next_morning + 600) == []  # and the next morning has nothing to catch up


def test_a_day_that_ended_before_the_summary_time_is_caught_up_after_a_later_start():
    day = FakeDay()
    assert day.run(at(9, 0), at(17, 0)) == []  # quit before 17:30
    assert day.run(at(18, 0), at(19, 0)) == [(DAY, at(18, 30))]  # not at 18:00, right at the start


@pytest.mark.parametrize("seconds, so_far", [(15.0, "less than a minute so far"), (9 * 60.0, "9 minutes so far")])
def test_less_than_ten_minutes_is_too_early_to_tell(seconds, so_far):
    """Issue 26.8: 15 s upright is not "You sat tall for 100% ... Nice work." over a table of 0 min."""
    s = build_daily_summary(DAY, [MinuteRecord(minute=at(19), upright_s=seconds)], [], {}, tz=BERLIN, now=at(19, 5))
    text = format_summary_text(s)
    assert text.splitlines()[0] == f"It is too early to tell how you sat today: fhp-monitor watched for {so_far}."
    assert "%" not in text and "Nice work" not in text and "Hour" not in text
    assert "too early to tell" in end_of_day_sentence(s) and "%" not in end_of_day_sentence(s)
    ten = build_daily_summary(DAY, minutes_of(at(19), 10, upright_s=60.0), [], {}, tz=BERLIN, now=at(19, 15))
    assert format_summary_text(ten).startswith("You sat tall for 100%")  # from 10 minutes on, the share
