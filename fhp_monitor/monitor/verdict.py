"""What one frame says: a usable picture, not too dark, the camera where it was, and the posture
read against the baseline.

:class:`FrameJudge` is the one verdict path: the monitor worker judges its looks with it and
``fhp-monitor replay`` judges every frame of a file with it, so a frame gets the same verdict live
and replayed. Thread contract: one thread only (the worker's, or replay's only thread), which owns
the pose model it calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fhp_monitor.core.calibration import Baseline, body_of, verdict_of
from fhp_monitor.core.framing import mean_luma
from fhp_monitor.core.geometry import NO_PERSON, PostureReading, read_posture
from fhp_monitor.core.i18n import N_
from fhp_monitor.core.ports import Frame, PoseEstimator, PoseResult, PostureState, pose_for
from fhp_monitor.core.posture import Observation
from fhp_monitor.core.setup_watch import MOVED_DETAIL, SetupWatch
from fhp_monitor.core.setups import Picture, SetupShelf, best_fit
from fhp_monitor.core.signals import judged_from

log = logging.getLogger(__name__)

DARK_LUMA = 12.0  # mean brightness below this is a covered or black camera, not a person
UNREADABLE_DETAIL = N_("the picture could not be read")
DARK_DETAIL = N_("the picture is too dark")


def is_picture(image) -> bool:
    """True for a non-empty H x W x 3 uint8 array, the only kind of frame the pose model takes."""
    return (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3
            and image.dtype == np.uint8 and image.size > 0)


@dataclass(frozen=True)
class FrameVerdict:
    """The verdict on one frame (``observation``, what the posture monitor is fed) and what it was
    read from: the landmarks and the reading, both None when the picture was unusable (no pose
    estimated for a dark or broken picture)."""

    observation: Observation
    pose: PoseResult | None = None
    reading: PostureReading | None = None


class FrameJudge:
    """Judges frames against ``baseline`` with the detection settings ``min_visibility`` and
    ``sensitivity_deg``; watches whether the camera moved since calibration. When it has, a saved
    setup whose picture fits (``setups``, core/setups.py) becomes the calibration without a question and
    ``on_switched(name)`` is called; else ``on_moved()`` is called once (no verdicts against a stale
    baseline meanwhile)."""

    def __init__(self, estimator: PoseEstimator | None, baseline: Baseline | None, *, min_visibility: float,
                 sensitivity_deg: float, on_moved: Callable[[], None] = lambda: None,
                 setups: SetupShelf | None = None, on_switched: Callable[[str], None] = lambda name: None) -> None:
        self.estimator, self.on_moved = estimator, on_moved
        self.setups, self.on_switched = setups, on_switched
        self.min_visibility, self.sensitivity_deg = min_visibility, sensitivity_deg
        self.use_baseline(baseline)

    def use_baseline(self, baseline: Baseline | None) -> None:
        """A new calibration: judge against it, and watch the camera against where it was taken."""
        self.baseline, self._next_try = baseline, float("-inf")
        self.setup_watch = SetupWatch.for_body(body_of(baseline))  # None: an old calibration file

    @property
    def suspects_moved(self) -> bool:
        """The camera may have moved: the worker looks sooner to make sure."""
        return self.setup_watch is not None and self.setup_watch.suspects

    def judge(self, frame: Frame, now: float) -> FrameVerdict:
        """The verdict on ``frame``; ``now`` (monotonic seconds, or the file's timeline) times the
        camera-moved watch."""
        if frame.pose is None:  # a landmark recording's frames carry a pose and no picture
            if not is_picture(frame.image):  # a driver hiccup must not stop the worker
                return FrameVerdict(Observation(PostureState.UNCERTAIN, None, UNREADABLE_DETAIL))
            if mean_luma(frame.image) < DARK_LUMA:
                return FrameVerdict(Observation(PostureState.UNCERTAIN, None, DARK_DETAIL))
        pose = pose_for(frame, self.estimator)
        reading = read_posture(pose, self.min_visibility, body_of(self.baseline))
        return FrameVerdict(self._observation(reading, now), pose, reading)

    def _observation(self, reading: PostureReading, now: float) -> Observation:
        if self._moved(reading, now):
            return Observation(PostureState.UNCERTAIN, reading.cva_proxy_deg, MOVED_DETAIL)
        baseline = self.baseline
        verdict = verdict_of(baseline, reading, self.sensitivity_deg)
        if verdict.forward is not None:  # a failed check leaves the signals that remain: say which judged
            state = PostureState.FORWARD if verdict.forward else PostureState.UPRIGHT
            return Observation(state, reading.cva_proxy_deg, judged_from(verdict, reading.reason))
        if reading.reason == NO_PERSON:
            return Observation(PostureState.AWAY, None, reading.reason)
        if reading.usable:
            detail = N_("not calibrated yet") if baseline is None else N_("camera view differs from calibration")
            return Observation(PostureState.UNCERTAIN, reading.cva_proxy_deg, detail)
        return Observation(PostureState.UNCERTAIN, None, reading.reason or "")

    def _moved(self, reading: PostureReading, now: float) -> bool:
        if self.setup_watch is None:
            return False
        watch = self.setup_watch
        if watch.update(now, reading.signals):
            if self._switch(now):
                return False  # judged against the setup it fits from this look on (a fresh watch)
            self.on_moved()
        elif watch.moved and now >= self._next_try and self._switch(now):
            return False  # asked already, and now the camera stands at a saved setup: use it
        return watch.moved

    def _switch(self, now: float) -> bool:
        """The camera moved: use the saved setup the new picture fits, if there is one (tried again
        once a window while the camera stays moved)."""
        if self.setups is None or self.setup_watch is None:
            return False
        self._next_try = now + self.setup_watch.window_s
        picture = Picture.median_of(self.setup_watch.recent())
        try:
            found = best_fit([s for s in self.setups.saved() if s.baseline != self.baseline], picture)
            if found is None:
                return False
            baseline = self.setups.activate(found.name)
        except (OSError, ValueError) as exc:  # a damaged or unreadable setups file: ask, as without setups
            log.warning("could not look at the saved setups: %s", exc)
            return False
        log.info("camera moved: the picture fits the saved setup %r; using its calibration", found.name)
        self.use_baseline(baseline)
        self.on_switched(found.name)
        return True
