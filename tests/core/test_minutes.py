"""Unit tests for the pure minute accumulator (synthetic intervals, no clock, no I/O)."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhp_monitor.core.minutes import STATE_FIELDS, MinuteAccumulator, minute_start
from fhp_monitor.core.ports import MinuteRecord, PostureState

UP = PostureState.UPRIGHT
FWD = PostureState.FORWARD
T0 = 1_700_000_040  # a minute boundary (multiple of 60)
SECOND_FIELDS = tuple(STATE_FIELDS.values())


def total_seconds(records: list[MinuteRecord]) -> float:
    return sum(getattr(r, f) for r in records for f in SECOND_FIELDS)


def test_minute_start_is_floor_to_multiple_of_60():
    assert T0 % 60 == 0
    assert minute_start(T0) == T0
    assert minute_start(T0 + 59.999) == T0
    assert minute_start(T0 - 0.001) == T0 - 60


def test_interval_inside_one_minute_is_not_complete_until_minute_ends():
    acc = MinuteAccumulator()
    assert acc.add(UP, T0 + 5, T0 + 20, 50.0) == []
    assert acc.add(FWD, T0 + 20, T0 + 40, 40.0) == []
    done = acc.add(UP, T0 + 40, T0 + 60, 48.0)  # reaches the end: complete now
    assert len(done) == 1
    rec = done[0]
    assert rec.minute == T0
    assert rec.upright_s == pytest.approx(35.0)
    assert rec.forward_s == pytest.approx(20.0)
    assert rec.samples == 3
    assert rec.cva_proxy_mean == pytest.approx((50 + 40 + 48) / 3)
    assert acc.flush() is None  # the new minute holds nothing yet


def test_interval_spanning_several_minutes_is_split_on_boundaries():
    acc = MinuteAccumulator()
    done = acc.add(FWD, T0 + 30, T0 + 150, 41.0)
    # minute T0 gets 30 s, minute T0+60 gets 60 s, minute T0+120 is still open with 30 s.
    assert [r.minute for r in done] == [T0, T0 + 60]
    assert [r.forward_s for r in done] == pytest.approx([30.0, 60.0])
    assert all(r.samples == 0 and r.cva_proxy_mean is None for r in done)
    partial = acc.flush()
    assert partial is not None and partial.minute == T0 + 120
    assert partial.forward_s == pytest.approx(30.0)
    assert partial.samples == 1 and partial.cva_proxy_mean == pytest.approx(41.0)


def test_sample_of_interval_ending_on_boundary_goes_to_the_minute_it_closes():
    acc = MinuteAccumulator()
    done = acc.add(UP, T0 + 50, T0 + 60, 52.0)
    assert len(done) == 1
    assert done[0].minute == T0 and done[0].samples == 1 and done[0].cva_proxy_mean == 52.0


def test_gap_produces_no_record_for_silent_minutes():
    acc = MinuteAccumulator()
    acc.add(UP, T0, T0 + 30)
    done = acc.add(UP, T0 + 300, T0 + 310)  # five minutes later
    assert [r.minute for r in done] == [T0]
    assert acc.flush().minute == T0 + 300


def test_none_cva_adds_no_sample():
    acc = MinuteAccumulator()
    acc.add(PostureState.AWAY, T0, T0 + 10, None)
    acc.add(UP, T0 + 10, T0 + 20, 47.0)
    rec = acc.flush()
    assert rec.samples == 1 and rec.cva_proxy_mean == 47.0
    assert rec.away_s == 10.0 and rec.upright_s == 10.0


@pytest.mark.parametrize("state", list(PostureState))
def test_every_state_maps_to_its_field(state):
    acc = MinuteAccumulator()
    acc.add(state, T0, T0 + 7)
    rec = acc.flush()
    assert getattr(rec, STATE_FIELDS[state]) == 7.0
    assert total_seconds([rec]) == 7.0


def test_flush_does_not_reset_and_later_add_continues_the_same_minute():
    acc = MinuteAccumulator()
    acc.add(UP, T0, T0 + 20, 50.0)
    first = acc.flush()
    second = acc.flush()
    assert first == second
    done = acc.add(UP, T0 + 20, T0 + 60, 54.0)
    assert done[0].minute == first.minute
    assert done[0].upright_s == 60.0 and done[0].samples == 2
    assert done[0].cva_proxy_mean == pytest.approx(52.0)


def test_crossing_midnight_utc_and_hour_boundaries():
    midnight = int(datetime(2026, 3, 1, tzinfo=timezone.utc).timestamp())
    acc = MinuteAccumulator()
    done = acc.add(UP, midnight - 90, midnight + 30)
    assert [r.minute for r in done] == [midnight - 120, midnight - 60]
    assert acc.flush().minute == midnight
    # a full hour in one interval gives 60 complete minutes, all 60 s
    acc2 = MinuteAccumulator()
    done2 = acc2.add(FWD, midnight, midnight + 3600)
    assert len(done2) == 60 and all(r.forward_s == 60.0 for r in done2)
    assert done2[-1].minute == midnight + 3540


def test_overlap_with_previous_interval_is_not_counted_twice():
    acc = MinuteAccumulator()
    acc.add(UP, T0, T0 + 30)
    acc.add(FWD, T0 + 25, T0 + 40)  # clock stepped back 5 s
    rec = acc.flush()
    assert rec.upright_s == 30.0 and rec.forward_s == 10.0


def test_a_clock_set_back_keeps_recording_and_adds_to_the_minutes_it_revisits():
    """Issue 12: a backward step used to stop minute recording until the wall clock caught up."""
    acc = MinuteAccumulator()
    first = acc.add(UP, T0, T0 + 90, 50.0)  # minute T0 done; T0+60 in progress (30 s upright)
    assert [r.minute for r in first] == [T0]
    # The clock is set back 80 s: the next 10 s (measured on the monotonic clock) land at T0+10..T0+20.
    done = acc.add(FWD, T0 + 10, T0 + 20, 40.0)
    assert [(r.minute, r.upright_s) for r in done] == [(T0 + 60, 30.0)]  # the minute in progress, kept
    rec = acc.flush()
    assert rec.minute == T0 and rec.upright_s == 60.0 and rec.forward_s == 10.0  # added to, not replaced
    assert rec.samples == 1 and rec.cva_proxy_mean == pytest.approx(40.0)  # the 50 went with T0+60
    # Recording goes on: the next minutes come out as time passes, T0+60 again added to.
    later = acc.add(FWD, T0 + 20, T0 + 130, 42.0)
    assert [(r.minute, r.upright_s, r.forward_s) for r in later] == [(T0, 60.0, 50.0), (T0 + 60, 30.0, 60.0)]
    assert later[1].samples == 1 and later[1].cva_proxy_mean == pytest.approx(50.0)


def test_a_step_back_beyond_the_memory_starts_those_minutes_afresh():
    acc = MinuteAccumulator(memory_minutes=2)
    acc.add(UP, T0, T0 + 300)  # five minutes; only the last two finished ones are remembered
    acc.add(FWD, T0 + 5, T0 + 15)  # back to the first minute: it is forgotten, so only the new 10 s
    rec = acc.flush()
    assert rec.minute == T0 and (rec.upright_s, rec.forward_s) == (0.0, 10.0)


@pytest.mark.parametrize(
    "start,end,cva,message",
    [
        (T0 + 10, T0, None, "before it starts"),
        (math.nan, T0, None, "finite"),
        (T0, math.inf, None, "finite"),
        (T0, T0 + 1, math.nan, "cva_proxy_deg"),
    ],
)
def test_bad_input_is_a_clear_error(start, end, cva, message):
    with pytest.raises(ValueError, match=message):
        MinuteAccumulator().add(UP, start, end, cva)


def test_unknown_state_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown posture state"):
        MinuteAccumulator().add("sleeping", T0, T0 + 1)  # type: ignore[arg-type]


@st.composite
def interval_lists(draw):
    """Non-overlapping intervals in time order, with gaps, zero lengths and long spans."""
    t = float(draw(st.integers(min_value=T0 - 86_400, max_value=T0 + 86_400)))
    t += draw(st.floats(min_value=0, max_value=59.9))
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=40))):
        t += draw(st.sampled_from([0.0, 0.0, 1.0, 30.0, 61.0])) + draw(st.floats(min_value=0, max_value=10))
        length = draw(st.one_of(st.floats(min_value=0, max_value=15), st.floats(min_value=0, max_value=400)))
        state = draw(st.sampled_from(list(PostureState)))
        cva = draw(st.one_of(st.none(), st.floats(min_value=20, max_value=70)))
        out.append((state, t, t + length, cva))
        t += length
    return out


@settings(max_examples=300, deadline=None)
@given(interval_lists())
def test_property_seconds_and_samples_are_conserved(intervals):
    acc = MinuteAccumulator()
    records: list[MinuteRecord] = []
    for state, start, end, cva in intervals:
        records.extend(acc.add(state, start, end, cva))
    tail = acc.flush()
    if tail is not None:
        records.append(tail)

    seconds_in = sum(end - start for _, start, end, _ in intervals)
    assert total_seconds(records) == pytest.approx(seconds_in, rel=1e-9, abs=1e-6)
    for state, field_name in STATE_FIELDS.items():
        per_state_in = sum(e - s for st_, s, e, _ in intervals if st_ == state)
        per_state_out = sum(getattr(r, field_name) for r in records)
        assert per_state_out == pytest.approx(per_state_in, rel=1e-9, abs=1e-6)
    assert sum(r.samples for r in records) == sum(1 for *_, cva in intervals if cva is not None)

    minutes = [r.minute for r in records]
    assert minutes == sorted(set(minutes)), "each minute is returned once, oldest first"
    for r in records:
        assert r.minute % 60 == 0
        assert total_seconds([r]) <= 60.0 + 1e-6
