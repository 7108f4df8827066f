"""The repetition counter's rules on hand-made readings (the real recordings are in tests/sensing/)."""

from __future__ import annotations

import pytest

from fhp_monitor.core.calibration import Baseline
from fhp_monitor.core.exercise import (
    CHIN_TUCK,
    HEAD_LIFT,
    LOST_S,
    SHOULDER_SQUEEZE,
    DoneExercise,
    ExerciseError,
    RepetitionCounter,
    count_repetitions,
    target_for,
)
from fhp_monitor.core.geometry import NO_PERSON, PostureReading

BASE = Baseline(cva_proxy_deg=50.0, spread_deg=0.5, samples=20, view="front", sensitivity_deg=2.0,
                calibrated_at=0.0, nose_rise_ratio=0.5, nose_rise_spread=0.01)


def reading(deg: float, nose: float = 0.5, view: str = "front") -> PostureReading:
    return PostureReading(deg, view, None, {"nose_rise_ratio": nose})


def timeline(values, fps: float = 5.0, start: float = 0.0):
    return [(start + i / fps, reading(v)) for i, v in enumerate(values)]


def hold(value: float, seconds: float, fps: float = 5.0) -> list[float]:
    return [value] * round(seconds * fps)


def test_the_reach_is_the_users_own_margin_or_spread():
    assert target_for(CHIN_TUCK, BASE).reach == pytest.approx(2.0)  # the default 2-degree margin
    wobbly = Baseline(**{**BASE.__dict__, "spread_deg": 1.2})
    assert target_for(CHIN_TUCK, wobbly).reach == pytest.approx(3.0)  # 2.5 spreads
    personal = Baseline(**{**BASE.__dict__, "personalised": True, "sensitivity_deg": 4.0})
    assert target_for(CHIN_TUCK, personal).reach == pytest.approx(4.0)
    assert target_for(HEAD_LIFT, BASE).reach == pytest.approx(0.05)


def test_a_full_hold_counts_once_even_when_it_wobbles_around_the_reach():
    values = hold(50, 2) + hold(52.5, 1) + [51.9, 52.1, 51.8, 52.2] * 3 + hold(50, 2)
    _, count = count_repetitions(CHIN_TUCK, BASE, timeline(values))
    assert count.counted == 1 and count.partial == 0


def test_a_twitch_shorter_than_the_hold_is_not_counted():
    """0.45 s at the far end: past the 0.6 s median for about 0.3 s, less than MIN_HOLD_S."""
    values = hold(50, 2, fps=20) + hold(53, 0.45, fps=20) + hold(50, 2, fps=20)
    _, count = count_repetitions(CHIN_TUCK, BASE, timeline(values, fps=20))
    assert count.counted == 0 and count.partial == 1
    longer = hold(50, 2, fps=20) + hold(53, 1.5, fps=20) + hold(50, 2, fps=20)
    assert count_repetitions(CHIN_TUCK, BASE, timeline(longer, fps=20))[1].counted == 1


def test_starting_in_the_held_position_does_not_count_until_back_at_rest():
    values = hold(53, 3) + hold(50, 2) + hold(53, 2) + hold(50, 2)
    _, count = count_repetitions(CHIN_TUCK, BASE, timeline(values))
    assert count.counted == 1


def test_moving_the_other_way_counts_nothing():
    values = (hold(50, 2) + hold(46, 3)) * 3 + hold(50, 2)  # head forward, not back
    _, count = count_repetitions(CHIN_TUCK, BASE, timeline(values))
    assert count.counted == 0 and count.partial == 0


def test_a_hold_the_camera_lost_is_dropped_not_counted():
    counter = RepetitionCounter(target_for(CHIN_TUCK, BASE))
    t = 0.0
    for value in hold(50, 2) + hold(53, 1):
        counter.add(t, reading(value))
        t += 0.2
    for _ in range(int((LOST_S + 1) / 0.2)):
        counter.add(t, PostureReading(None, None, NO_PERSON))
        t += 0.2
    for value in hold(50, 2):
        counter.add(t, reading(value))
        t += 0.2
    assert counter.count.counted == 0 and counter.count.dropped == 1


def test_no_one_in_view_means_the_camera_cannot_tell():
    frames = [(i * 0.2, PostureReading(None, None, NO_PERSON)) for i in range(50)]
    _, count = count_repetitions(HEAD_LIFT, BASE, frames)
    assert count.counted == 0 and not count.camera_can_tell


def test_the_counter_refuses_what_it_cannot_follow():
    with pytest.raises(ExerciseError, match="no calibration"):
        target_for(CHIN_TUCK, None)
    side = Baseline(**{**BASE.__dict__, "view": "side", "nose_rise_ratio": None})
    assert target_for(CHIN_TUCK, side).view == "side"
    for exercise in (HEAD_LIFT, SHOULDER_SQUEEZE):
        with pytest.raises(ExerciseError, match="faces you"):
            target_for(exercise, side)
    with pytest.raises(ExerciseError, match="unknown"):
        target_for("jumping-jack", BASE)


def test_time_going_backwards_is_refused():
    counter = RepetitionCounter(target_for(CHIN_TUCK, BASE))
    counter.add(5.0, reading(50))
    with pytest.raises(ValueError):
        counter.add(4.0, reading(50))


def test_a_done_exercise_is_numbers_only():
    assert DoneExercise(10.0, HEAD_LIFT, None, 60.0).record() == {
        "kind": "exercise", "at": 10.0, "exercise": HEAD_LIFT, "repetitions": -1, "seconds": 60.0}
