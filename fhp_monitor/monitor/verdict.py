"""What one frame says: a usable picture, not too dark, and the posture read against the baseline.

Runs on the worker thread (it calls the pose model, which the worker thread owns).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fhp_monitor.core.calibration import Baseline, body_of, verdict_of
from fhp_monitor.core.framing import mean_luma
from fhp_monitor.core.geometry import NO_PERSON, read_posture
from fhp_monitor.core.ports import PoseEstimator, PostureState, pose_for
from fhp_monitor.core.posture import Observation
from fhp_monitor.core.setup_watch import MOVED_DETAIL
from fhp_monitor.core.signals import judged_from
from fhp_monitor.settings.schema import Settings

DARK_LUMA = 12.0  # mean brightness below this is a covered or black camera, not a person


def is_picture(image) -> bool:
    """True for a non-empty H x W x 3 uint8 array, the only kind of frame the pose model takes."""
    return (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3
            and image.dtype == np.uint8 and image.size > 0)


def observe_frame(frame, estimator: PoseEstimator, settings: Settings, baseline: Baseline | None,
                  setup_moved: Callable[[object], bool]) -> Observation:
    """The observation of one frame. ``setup_moved(reading)`` is the camera-moved hook: True while
    the camera seems moved since calibration (no verdict against a stale baseline meanwhile)."""
    if frame.pose is None:  # a landmark recording's frames carry a pose and no picture
        if not is_picture(frame.image):  # a driver hiccup must not stop the worker
            return Observation(PostureState.UNCERTAIN, None, "the picture could not be read")
        if mean_luma(frame.image) < DARK_LUMA:
            return Observation(PostureState.UNCERTAIN, None, "the picture is too dark")
    reading = read_posture(pose_for(frame, estimator), settings.detection.min_visibility, body_of(baseline))
    if setup_moved(reading):
        return Observation(PostureState.UNCERTAIN, reading.cva_proxy_deg, MOVED_DETAIL)
    verdict = verdict_of(baseline, reading, settings.detection.sensitivity_deg)
    if verdict.forward is not None:  # a failed check leaves the signals that remain: say which judged
        state = PostureState.FORWARD if verdict.forward else PostureState.UPRIGHT
        return Observation(state, reading.cva_proxy_deg, judged_from(verdict, reading.reason))
    if reading.reason == NO_PERSON:
        return Observation(PostureState.AWAY, None, reading.reason)
    if reading.usable:
        detail = "not calibrated yet" if baseline is None else "camera view differs from calibration"
        return Observation(PostureState.UNCERTAIN, reading.cva_proxy_deg, detail)
    return Observation(PostureState.UNCERTAIN, None, reading.reason or "")
