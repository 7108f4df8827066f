"""Is the picture good enough to calibrate? Plain checks on one pose result, each with a plain fix.

The calibration window runs :func:`check_framing` on every preview frame (with the frame's mean
brightness from :func:`mean_luma` below) and shows a checklist
(:data:`FRAMING_CHECKS`) with a tick or a cross and, for a cross, the fix in kind, short words.
Pure: numpy and the standard library only.

Thresholds were tuned on the real webcam photos in ``tests/data/slouching-or-not`` (MediaPipe
pose, 224 x 224): shoulder width was 0.45-0.66 of the image width, shoulder-line tilt at most 7
degrees, the head (nose and ears) between 0.29 and 0.55 of the image height, mean brightness 55-106.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fhp_monitor.core.geometry import LEFT_EAR, LEFT_SHOULDER, NOSE, RIGHT_EAR, RIGHT_SHOULDER
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.ports import PoseLandmarks, PoseResult

#: Mean brightness (0-255) below which the picture is too dark for reliable landmarks.
DARK_LUMA = 50.0
#: Shoulder width as a share of the image width: above this the person is too close.
TOO_CLOSE_SHOULDER_FRACTION = 0.8
#: ... and below this, too far away.
TOO_FAR_SHOULDER_FRACTION = 0.2
#: Shoulder line steeper than this (degrees, in pixels) means a tilted camera or a lean.
MAX_SHOULDER_TILT_DEG = 12.0
#: The head's height in the picture (0 top, 1 bottom) should lie between these.
HEAD_TOP_LIMIT = 0.12
HEAD_BOTTOM_LIMIT = 0.65


@dataclass(frozen=True)
class FramingIssue:
    """One thing to fix before calibrating; ``message`` is the plain fix shown to the user."""

    code: str
    message: str


@dataclass(frozen=True)
class FramingCheck:
    """One line of the checklist: what it promises, and which issue codes make it fail."""

    name: str
    label: str
    codes: frozenset[str]


MESSAGES: dict[str, str] = {
    "no_person": N_("We can't see you yet. Sit in front of the camera."),
    "several_people": N_("We can see more than one person. Please make sure only you are in view."),
    "face_hidden": N_("We can't see your face well. Turn towards the screen so your face is in view."),
    "shoulders_hidden": N_("We can't see both shoulders. Sit back a little so both shoulders are in view."),
    "too_dark": N_("It's a little dark. Turn on a lamp facing you."),
    "too_close": N_("You are very close to the camera. Sit back a little."),
    "too_far": N_("You are quite far from the camera. Come a little closer."),
    "tilted": N_("The picture looks tilted. Set the screen straight and sit square to it."),
    "head_too_high": N_("Your head is near the top of the picture. Tilt the top of the screen back a little."),
    "head_too_low": N_("Your head is low in the picture. Tilt the top of the screen towards you a little."),
}

FRAMING_CHECKS: tuple[FramingCheck, ...] = (
    FramingCheck("person", N_("We can see you"), frozenset({"no_person"})),
    FramingCheck("alone", N_("Only you are in view"), frozenset({"several_people"})),
    FramingCheck("in_view", N_("Face and both shoulders in view"), frozenset({"face_hidden", "shoulders_hidden"})),
    FramingCheck("light", N_("Enough light"), frozenset({"too_dark"})),
    FramingCheck("distance", N_("A good distance from the camera"), frozenset({"too_close", "too_far"})),
    FramingCheck("level", N_("Camera level and pointing at you"),
                 frozenset({"tilted", "head_too_high", "head_too_low"})),
)


def _issue(code: str) -> FramingIssue:
    return FramingIssue(code, _(MESSAGES[code]))


def _shoulder_width(pose: PoseLandmarks) -> float:
    return float(abs(pose.image[LEFT_SHOULDER, 0] - pose.image[RIGHT_SHOULDER, 0]))


def main_pose(result: PoseResult) -> PoseLandmarks | None:
    """The person nearest the camera (widest shoulders), or None when nobody is there."""
    if not result.poses:
        return None
    return max(result.poses, key=_shoulder_width)


def _inside(pose: PoseLandmarks, index: int) -> bool:
    x, y = pose.image[index, 0], pose.image[index, 1]
    return bool(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0)


def _seen(pose: PoseLandmarks, index: int, min_visibility: float) -> bool:
    return bool(pose.visibility[index] >= min_visibility) and _inside(pose, index)


def _shoulder_tilt_deg(pose: PoseLandmarks, width: int, height: int) -> float:
    dx = (pose.image[LEFT_SHOULDER, 0] - pose.image[RIGHT_SHOULDER, 0]) * width
    dy = (pose.image[LEFT_SHOULDER, 1] - pose.image[RIGHT_SHOULDER, 1]) * height
    return math.degrees(math.atan2(abs(dy), abs(dx)))


def mean_luma(image: np.ndarray) -> float:
    """Mean brightness 0..255 of a BGR frame (Rec. 601 weights) on a coarse grid: cheap enough per look."""
    small = image[:: max(1, image.shape[0] // 48), :: max(1, image.shape[1] // 48)].astype(np.float32)
    return float((small[..., 0] * 0.114 + small[..., 1] * 0.587 + small[..., 2] * 0.299).mean())


def check_framing(result: PoseResult, mean_luma: float, min_visibility: float) -> list[FramingIssue]:
    """Everything that is wrong with this picture for calibrating; an empty list means all fine.

    With nobody in view only the person and light checks can be judged. With several people the
    rest is judged on the person nearest the camera.
    """
    if not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be between 0 and 1, got {min_visibility}")
    issues: list[FramingIssue] = []
    pose = main_pose(result)
    if pose is None:
        issues.append(_issue("no_person"))
    elif len(result.poses) > 1:
        issues.append(_issue("several_people"))
    if mean_luma < DARK_LUMA:
        issues.append(_issue("too_dark"))
    if pose is None:
        return issues

    face_seen = _seen(pose, NOSE, min_visibility) and (
        _seen(pose, LEFT_EAR, min_visibility) or _seen(pose, RIGHT_EAR, min_visibility)
    )
    shoulders_seen = _seen(pose, LEFT_SHOULDER, min_visibility) and _seen(pose, RIGHT_SHOULDER, min_visibility)
    if not face_seen:
        issues.append(_issue("face_hidden"))
    if not shoulders_seen:
        issues.append(_issue("shoulders_hidden"))

    if shoulders_seen:
        width = _shoulder_width(pose)
        if width > TOO_CLOSE_SHOULDER_FRACTION:
            issues.append(_issue("too_close"))
        elif width < TOO_FAR_SHOULDER_FRACTION:
            issues.append(_issue("too_far"))
        if _shoulder_tilt_deg(pose, result.width, result.height) > MAX_SHOULDER_TILT_DEG:
            issues.append(_issue("tilted"))
    elif face_seen and not _inside(pose, LEFT_SHOULDER) and not _inside(pose, RIGHT_SHOULDER):
        # Both shoulders fall outside the picture: nearly always because the person is too close.
        issues.append(_issue("too_close"))

    if face_seen:
        head_points = [i for i in (NOSE, LEFT_EAR, RIGHT_EAR) if _seen(pose, i, min_visibility)]
        head_y = float(np.mean(pose.image[head_points, 1]))
        if head_y < HEAD_TOP_LIMIT:
            issues.append(_issue("head_too_high"))
        elif head_y > HEAD_BOTTOM_LIMIT:
            issues.append(_issue("head_too_low"))
    return issues


def checklist(issues: Sequence[FramingIssue]) -> list[tuple[FramingCheck, FramingIssue | None]]:
    """Each check in display order with the first issue that fails it (None means a tick).

    When nobody is in view, the checks that need a person are reported as failed by "no_person"
    too, so the list never shows a tick for something it could not judge.
    """
    by_code = {issue.code: issue for issue in issues}
    nobody = by_code.get("no_person")
    rows: list[tuple[FramingCheck, FramingIssue | None]] = []
    for check in FRAMING_CHECKS:
        failing = next((by_code[code] for code in sorted(check.codes) if code in by_code), None)
        if failing is None and nobody is not None and check.name in ("in_view", "distance", "level"):
            failing = nobody
        rows.append((check, failing))
    return rows
