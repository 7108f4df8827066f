"""UprightCapture: accepted time, motion rejection that extends the capture, progress."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhp_monitor.core.calibration_capture import DarkWatch, SourceTimeline, UprightCapture, landmark_motion
from fhp_monitor.core.geometry import PostureReading

STILL = np.array([[0.5, 0.38], [0.58, 0.35], [0.42, 0.35], [0.75, 0.7], [0.25, 0.7]])


def reading(deg: float | None = 50.0, view: str | None = "front") -> PostureReading:
    return PostureReading(deg, view, None if deg is not None else "no one in view")


def test_still_samples_finish_after_duration_of_accepted_time():
    capture = UprightCapture(duration_s=2.0, max_motion=0.5, now=100.0)
    for i in range(1, 20):
        assert capture.add(100.0 + i * 0.25, reading(50.0 + i * 0.1), STILL)
        if capture.done:
            break
    assert capture.done and i == 8  # 8 samples x 0.25 s = 2 s
    assert capture.values == pytest.approx([50.0 + k * 0.1 for k in range(1, 9)])
    assert [r.cva_proxy_deg for r in capture.readings] == capture.values and capture.rejected == 0


def test_moving_samples_are_left_out_and_extend_the_capture():
    capture = UprightCapture(duration_s=1.0, max_motion=0.5, now=0.0)
    turned = STILL + [0.3, 0.0]  # the person leans right out for one sample, then comes back
    positions = [STILL, STILL, turned, STILL, STILL]
    accepted = [capture.add(0.25 * i, reading(), xy) for i, xy in enumerate(positions, start=1)]
    assert accepted == [True, True, False, False, True]  # the lean and the return both moved
    assert capture.rejected == 2 and capture.accepted_s == pytest.approx(0.75)
    assert not capture.done
    capture.add(1.5, reading(), STILL)
    assert capture.done  # after 1.5 s: the two moving samples made it 0.5 s longer


def test_samples_without_a_reading_or_a_person_do_not_count():
    capture = UprightCapture(duration_s=1.0, max_motion=0.5, now=0.0)
    assert not capture.add(0.5, reading(None), STILL)
    assert not capture.add(1.0, reading(), None)
    assert capture.accepted_s == 0.0 and capture.values == []


def test_a_stalled_camera_counts_for_at_most_max_gap():
    capture = UprightCapture(duration_s=10.0, max_motion=0.5, now=0.0, max_gap_s=1.0)
    capture.add(0.1, reading(), STILL)
    capture.add(30.0, reading(), STILL)
    assert capture.accepted_s == pytest.approx(1.1)


def test_motion_threshold_is_a_speed_so_slow_and_fast_sources_agree():
    # Swaying 0.3 body sizes in one second is still; the same shift within 0.1 s is a jump.
    size = np.sqrt(((STILL - STILL.mean(axis=0)) ** 2).sum(axis=1).mean())
    sway = STILL + [0.3 * size, 0.0]
    slow = UprightCapture(duration_s=5.0, max_motion=0.5, now=0.0)
    slow.add(1.0, reading(), STILL)
    assert slow.add(2.0, reading(), sway)
    fast = UprightCapture(duration_s=5.0, max_motion=0.5, now=0.0)
    fast.add(0.1, reading(), STILL)
    assert not fast.add(0.2, reading(), sway)


def test_progress_moves_smoothly_between_still_samples_and_stops_when_rejected():
    capture = UprightCapture(duration_s=2.0, max_motion=0.5, now=0.0)
    assert capture.progress(0.0) == 0.0
    capture.add(0.5, reading(), STILL)
    assert capture.progress(0.5) == pytest.approx(0.25)
    assert capture.progress(0.9) == pytest.approx(0.45)
    assert capture.remaining_s(0.9) == pytest.approx(1.1)
    capture.add(1.0, reading(None), STILL)
    assert capture.progress(1.5) == pytest.approx(0.25)


def test_samples_after_done_are_ignored_and_time_must_not_go_back():
    capture = UprightCapture(duration_s=0.5, max_motion=0.5, now=0.0)
    capture.add(0.5, reading(), STILL)
    assert capture.done and capture.progress(0.5) == 1.0
    assert not capture.add(0.6, reading(), STILL)
    assert len(capture.samples) == 1
    with pytest.raises(ValueError, match="time order"):
        capture.add(0.1, reading(), STILL)


@pytest.mark.parametrize("kwargs", [dict(duration_s=0), dict(max_motion=0), dict(max_gap_s=-1)])
def test_bad_parameters_are_refused(kwargs):
    args = dict(duration_s=1.0, max_motion=0.5, now=0.0) | kwargs
    with pytest.raises(ValueError):
        UprightCapture(**args)


def test_landmark_motion_refuses_mismatched_shapes():
    with pytest.raises(ValueError):
        landmark_motion(STILL, STILL[:3])


@given(
    scale=st.floats(0.05, 5.0),
    dx=st.floats(-2.0, 2.0),
    dy=st.floats(-2.0, 2.0),
    shift=st.floats(-0.05, 0.05),
)
def test_landmark_motion_ignores_where_and_how_big_the_person_is(scale, dx, dy, shift):
    moved = STILL + [shift, 0.0]
    base = landmark_motion(STILL, moved)
    placed = lambda xy: xy * scale + [dx, dy]  # noqa: E731
    assert landmark_motion(placed(STILL), placed(moved)) == pytest.approx(base, rel=1e-6, abs=1e-9)


def test_timeline_keeps_increasing_when_a_file_loops():
    timeline = SourceTimeline()
    placed = [timeline.place(t) for t in (0.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0)]
    assert placed == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def test_timeline_leaves_a_camera_clock_alone():
    timeline = SourceTimeline()
    assert [timeline.place(t) for t in (1000.0, 1000.07, 1000.13)] == [1000.0, 1000.07, 1000.13]


def test_dark_watch_needs_two_seconds_of_black_in_a_row():
    watch = DarkWatch(luma_below=5.0, for_s=2.0)
    assert not watch.update(0.0, 1.0)
    assert not watch.update(1.9, 2.0)
    assert not watch.update(2.0, 80.0)  # one normal picture starts the count again
    assert not watch.update(2.5, 0.0)
    assert watch.update(4.5, 0.0)
