"""The camera moved: pure logic on a fake clock, then the worker on real photos with real MediaPipe."""

import math
from dataclasses import replace

import pytest

from fhp_monitor.core.calibration import Baseline
from fhp_monitor.core.geometry import BodyReference
from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.setup_watch import (
    HOLD_S,
    MOVED_DETAIL,
    MOVED_TEXT,
    MOVED_TITLE,
    WINDOW_S,
    SetupLimits,
    SetupWatch,
)

LOOK_S = 5.0


def at(scale: float = 1.0, place: float = 0.0) -> dict[str, float]:
    """A reading's signals for a body ``scale`` times its calibrated size, ``place`` body sizes away."""
    return {"scale_change": math.log(scale), "place_change": place}


def run(watch: SetupWatch, plan: list[tuple[float, dict]], start: float = 1000.0) -> tuple[list[float], float]:
    """Feed (seconds, signals) stretches one look every LOOK_S; returns the times update() said True."""
    told, t = [], start
    for seconds, signals in plan:
        end = t + seconds
        while t < end:
            if watch.update(t, signals):
                told.append(t - start)
            t += LOOK_S
    return told, t


def test_a_lean_or_slouch_of_minutes_within_the_limits_is_not_a_moved_camera():
    watch = SetupWatch()
    # Measured on the real photos: slouching low shrank the body to 0.77 and moved it 0.2 body sizes.
    told, _ = run(watch, [(60, at()), (20 * 60, at(0.77, 0.2)), (60, at(1.3, 0.4))])
    assert told == [] and not watch.moved


def test_a_short_excursion_beyond_the_limits_is_not_a_moved_camera():
    watch = SetupWatch()
    told, _ = run(watch, [(60, at()), (HOLD_S, at(2.0, 1.0)), (120, at())])
    assert told == [] and not watch.moved


def test_a_persistent_change_is_told_once_after_minutes_and_clears_when_the_shoulders_come_back():
    watch = SetupWatch()
    told, _ = run(watch, [(60, at()), (6 * 60, at(1.6, 0.3))])
    assert len(told) == 1 and watch.moved
    # the rolling median crosses after about half a window, then the change must hold HOLD_S
    assert 60 + HOLD_S <= told[0] <= 60 + HOLD_S + WINDOW_S
    told_back, _ = run(watch, [(WINDOW_S, at())], start=2000.0)
    assert told_back == [] and not watch.moved
    again, _ = run(watch, [(10 * 60, at(0.5, 0.1))], start=3000.0)  # moved again: still said only once
    assert again == [] and watch.moved


def test_a_moved_place_counts_as_well_as_a_moved_scale():
    watch = SetupWatch()
    told, _ = run(watch, [(6 * 60, at(1.0, 0.9))])
    assert len(told) == 1


def test_stray_skeletons_among_empty_looks_never_move_the_camera():
    watch = SetupWatch()
    t = 0.0
    for n in range(400):  # one look in three finds a (wrong) body far away, the others nobody
        assert not watch.update(t, at(0.5, 1.5) if n % 3 == 0 else {})
        t += LOOK_S
    assert not watch.moved


def test_a_long_gap_starts_afresh():
    watch = SetupWatch()
    run(watch, [(HOLD_S - 30, at(1.6))])
    told, _ = run(watch, [(120, at(1.6))], start=1000.0 + HOLD_S + 10 * 60)  # back after 10 minutes paused
    assert told == [] and not watch.moved


def test_limits_grow_with_a_shaky_calibration_and_old_files_have_no_watch():
    body = BodyReference("front", 0.5, 0.5, 0.7, scale_spread=0.2, place_spread=0.3)
    limits = SetupLimits.for_body(body)
    assert limits.scale == pytest.approx(0.8) and limits.place == pytest.approx(1.2)
    assert SetupLimits.for_body(replace(body, scale_spread=0.0, place_spread=0.0)) == SetupLimits()
    assert SetupWatch.for_body(None) is None


def test_the_words_are_short_and_kind():
    assert len(MOVED_TEXT) <= 90 and "?" in MOVED_TEXT and "moved" in MOVED_TEXT
    assert len(MOVED_TITLE) <= 40


# ----------------------------------------------------------------------------- the worker, real photos


@pytest.fixture(scope="module")
def upright_photos():
    from tests.support.real_photos import UPRIGHT
    from tests.support.recorded_day import photos

    return photos(UPRIGHT)


@pytest.fixture(scope="module")
def calibrated(upright_photos) -> Baseline:
    from fhp_monitor.core.calibration import fit_from_readings
    from fhp_monitor.core.geometry import read_posture
    from fhp_monitor.core.ports import Frame
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator

    with MediaPipePoseEstimator() as estimator:
        readings = [read_posture(estimator.estimate(Frame(im, t=float(i), index=i)))
                    for i, im in enumerate(upright_photos)]
    return fit_from_readings(readings, now=0.0, sensitivity_deg=2.0)


def test_the_worker_says_once_that_the_camera_moved_and_stops_judging_until_recalibrated(calibrated, upright_photos):
    from tests.app.test_faults import scripted, watch

    # The user sits as at calibration, but the calibration says they sat 1.5x bigger and a little
    # to the left: as if the laptop had since been pushed back. Every look is readable on its own.
    stale = replace(calibrated, body_frac=calibrated.body_frac * 1.5, body_x=calibrated.body_x - 0.1)
    seen = watch(scripted(lambda s, n: upright_photos[n % len(upright_photos)]), 8 * 60, stale)
    assert seen.states(0, 120) == {PostureState.UPRIGHT}  # minutes, not a lean: judged meanwhile
    assert seen.notifier.sent == [(MOVED_TITLE, MOVED_TEXT)]
    moved_at = seen.notified_at()[0]
    assert HOLD_S <= moved_at <= HOLD_S + WINDOW_S + 10
    after = [look for look in seen.looks if look.elapsed >= moved_at]
    assert {look.state for look in after} == {PostureState.UNCERTAIN}
    assert {look.detail for look in after} == {MOVED_DETAIL}
    assert seen.worker.nudges_sent == []
    seen.worker.send("baseline", calibrated)  # recalibrated: a fresh watch, judged again at once
    seen.worker._apply_commands(seen.worker.clock.now())
    assert seen.worker.judge.setup_watch is not None and not seen.worker.judge.setup_watch.moved
    assert seen.worker.judge.baseline is calibrated
