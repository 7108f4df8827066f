"""Posture geometry: pose landmarks -> a craniovertebral-angle (CVA) proxy in degrees.

Clinically the CVA is the angle between the horizontal through the C7 vertebra and the line from
C7 to the ear's tragus, seen from the side; below about 50 degrees is called forward head posture.
A webcam cannot see C7, so fhp-monitor uses the midpoint of the two shoulder landmarks as the C7
stand-in and the midpoint of the two ear landmarks as the tragus. Anatomically C7 sits a few
centimetres above and behind that point, which shifts a person's reading by a roughly constant
amount. That is why every decision compares the proxy with the user's *own* calibrated baseline,
never with the clinical 50 degrees.

Definition of the proxy (all image distances in pixels, so non-square frames are handled):

* **Side view** (camera beside the user): the ear-shoulder line is visible directly.
  ``proxy = atan2(rise, forward)`` where ``rise`` is how far the ear midpoint is above the
  shoulder midpoint and ``forward`` how far it is ahead of it, "ahead" being the direction the
  nose points. This equals the true ear-shoulder angle when the camera looks across the body.
* **Front view** (the usual laptop webcam): the forward offset points at the camera and cannot be
  measured, but the *height* of the ears above the shoulders shrinks as the head drifts forward and
  down. The same formula is used with the unseen forward offset replaced by a constant:
  ``proxy = atan2(r, FRONT_FORWARD_LEVER)`` with ``r = rise / shoulder_width``. Dividing by the
  shoulder width makes it scale-free: moving sideways leaves it unchanged, and moving closer or
  further changes it only through perspective (the ears sit nearer the camera than the shoulders):
  not at all when the camera is at ear height, about 1.5 degrees for 0.7 m -> 1.0 m with the
  camera 10 cm below the ears (tests/test_geometry_synthetic.py measures this).
  ``FRONT_FORWARD_LEVER`` is one constant for everyone, chosen so that a typical upright sitter
  reads about 50 degrees; the proxy is monotonic in the true CVA for cameras at or above shoulder
  height. A camera well below the shoulders, looking up, can invert it (the head coming towards
  the camera rises in the picture): calibration then still works, but place the camera higher.

The view is told by the ratio of the shoulder width to the ear-shoulder distance in the image:
about 1.6-2 facing the camera, below 0.6 in profile. In between (a camera far off to one side) the
reading is withheld rather than guessed.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from fhp_monitor.core.ports import PoseLandmarks, PoseResult

NOSE, LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER = 0, 7, 8, 11, 12

#: Assumed forward offset of the ears in a front view, in shoulder widths; a typical upright
#: sitter (ears ~0.6 shoulder widths above the shoulders on our test photos) then reads ~50 deg.
FRONT_FORWARD_LEVER = 0.5
#: shoulder width / ear-shoulder distance above this is a front view, below SIDE_RATIO a side view.
FRONT_RATIO = 1.1
SIDE_RATIO = 0.6
#: Nose offset from the ear midpoint, in half ear-spans, beyond which the head is "turned away".
MAX_HEAD_TURN = 0.7
#: Landmarks this far outside the picture (as a fraction of its size) count as out of view.
EDGE_MARGIN = 0.02

# Reasons are shown to users: plain words, no jargon.
NO_PERSON = "no one in view"
SEVERAL_PEOPLE = "more than one person in view"
NOT_VISIBLE = "ears or shoulders not visible"
OUT_OF_VIEW = "shoulders or head outside the picture"
HEAD_TURNED = "head turned away"
ODD_ANGLE = "camera at an angle: place it in front of you or to your side"


@dataclass(frozen=True)
class PostureReading:
    """The outcome for one frame: a proxy in degrees, or None and the reason why not."""

    cva_proxy_deg: float | None
    view: str | None  # "front" | "side"
    reason: str | None
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.cva_proxy_deg is not None


def _pixels(pose: PoseLandmarks, width: int, height: int) -> np.ndarray:
    return pose.image[:, :2] * np.array([float(width), float(height)])


def _inside(pose: PoseLandmarks, indices: tuple[int, ...]) -> bool:
    xy = pose.image[list(indices), :2]
    return bool(np.all((xy >= -EDGE_MARGIN) & (xy <= 1.0 + EDGE_MARGIN)))


def read_posture(result: PoseResult, min_visibility: float = 0.5) -> PostureReading:
    """Compute the CVA proxy for the single person in ``result`` (see the module docstring)."""
    if not result.poses:
        return PostureReading(None, None, NO_PERSON)
    if len(result.poses) > 1:
        return PostureReading(None, None, SEVERAL_PEOPLE)
    pose = result.poses[0]
    vis = pose.visibility
    px = _pixels(pose, result.width, result.height)
    ear_mid = (px[LEFT_EAR] + px[RIGHT_EAR]) / 2.0
    shoulder_mid = (px[LEFT_SHOULDER] + px[RIGHT_SHOULDER]) / 2.0
    shoulder_width = float(np.linalg.norm(px[LEFT_SHOULDER] - px[RIGHT_SHOULDER]))
    ear_shoulder = float(np.linalg.norm(ear_mid - shoulder_mid))
    if ear_shoulder <= 1e-6:
        return PostureReading(None, None, NOT_VISIBLE)
    ratio = shoulder_width / ear_shoulder
    rise = float(shoulder_mid[1] - ear_mid[1])  # image y grows downwards
    tilt = math.degrees(math.atan2(px[LEFT_SHOULDER][1] - px[RIGHT_SHOULDER][1],
                                   abs(px[LEFT_SHOULDER][0] - px[RIGHT_SHOULDER][0]) + 1e-9))
    signals = {
        "view_ratio": ratio,
        "rise_px": rise,
        "shoulder_width_px": shoulder_width,
        "shoulder_width_frac": shoulder_width / float(result.width),
        "shoulder_tilt_deg": tilt,
    }

    if ratio >= FRONT_RATIO:
        if min(vis[LEFT_EAR], vis[RIGHT_EAR], vis[LEFT_SHOULDER], vis[RIGHT_SHOULDER]) < min_visibility:
            return PostureReading(None, "front", NOT_VISIBLE, signals)
        if not _inside(pose, (LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER)):
            return PostureReading(None, "front", OUT_OF_VIEW, signals)
        half_span = abs(px[LEFT_EAR][0] - px[RIGHT_EAR][0]) / 2.0
        turn = float((px[NOSE][0] - ear_mid[0]) / max(half_span, 1e-6))
        signals["head_turn"] = turn
        if abs(turn) > MAX_HEAD_TURN:
            return PostureReading(None, "front", HEAD_TURNED, signals)
        r = rise / shoulder_width
        signals["rise_ratio"] = r
        proxy = math.degrees(math.atan2(r, FRONT_FORWARD_LEVER))
        return PostureReading(proxy, "front", None, signals)

    if ratio <= SIDE_RATIO:
        if max(vis[LEFT_EAR], vis[RIGHT_EAR]) < min_visibility or max(
            vis[LEFT_SHOULDER], vis[RIGHT_SHOULDER]
        ) < min_visibility:
            return PostureReading(None, "side", NOT_VISIBLE, signals)
        if not _inside(pose, (LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER)):
            return PostureReading(None, "side", OUT_OF_VIEW, signals)
        facing = float(np.sign(px[NOSE][0] - ear_mid[0])) or 1.0
        forward = float((ear_mid[0] - shoulder_mid[0]) * facing)
        signals["forward_px"] = forward
        proxy = math.degrees(math.atan2(rise, forward))
        return PostureReading(proxy, "side", None, signals)

    return PostureReading(None, None, ODD_ANGLE, signals)
