"""A synthetic seated person with a known CVA, projected through a pinhole camera.

World axes in metres: X lateral, Y up, Z the direction the person faces. C7 sits at seat height
(``C7_HEIGHT``); the shoulder landmarks are level with it, half a shoulder width to either side, so
the shoulder midpoint *is* C7 in the sagittal plane (the stand-in fhp-monitor uses). The ear midpoint
is ``NECK_LEVER`` metres from C7 at ``cva_deg`` above the horizontal, towards the face.
"""

from __future__ import annotations

import math

import numpy as np

from fhp_monitor.core.geometry import (
    LEFT_EAR,
    LEFT_HIP,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_EAR,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)
from fhp_monitor.core.ports import PoseLandmarks, PoseResult

C7_HEIGHT = 1.25
SHOULDER_HALF_WIDTH = 0.165
EAR_HALF_SPAN = 0.075
NECK_LEVER = 0.26
TORSO, HIP_HALF_WIDTH = 0.50, 0.15  # C7 above the hip midpoint; half the hip width
IMAGE_W, IMAGE_H, FOCAL = 640, 480, 600.0


def skeleton(cva_deg: float, body_x: float = 0.0, body_z: float = 0.0, lean_deg: float = 0.0,
             slump: float = 0.0) -> dict[int, np.ndarray]:
    """3D points of the landmarks fhp-monitor uses, for a person whose C7 is at (body_x, C7_HEIGHT, body_z).

    ``lean_deg`` tilts the torso forward (negative: back) about the hips; ``cva_deg`` stays measured
    from the horizontal (on real side photos reclining people keep the head upright). ``slump``
    (0..1) is a whole-body slump in which the neck angle barely changes: the upper back rounds, so
    the shoulders rise and come forward and in (up to 4 cm, 5 cm and 3 cm), and the head bows (the
    nose drops up to 4 cm below where it was).
    """
    hip = np.array([body_x, C7_HEIGHT - TORSO, body_z])
    tilt = math.radians(lean_deg)
    c7 = hip + TORSO * np.array([0.0, math.cos(tilt), math.sin(tilt)])
    a = math.radians(cva_deg)
    ear_mid = c7 + NECK_LEVER * np.array([0.0, math.sin(a), math.cos(a)])
    shoulder_mid = c7 + slump * np.array([0.0, 0.04, 0.05])
    half = SHOULDER_HALF_WIDTH - 0.03 * slump
    return {
        LEFT_SHOULDER: shoulder_mid + [half, 0.0, 0.0],
        RIGHT_SHOULDER: shoulder_mid - [half, 0.0, 0.0],
        LEFT_EAR: ear_mid + [EAR_HALF_SPAN, 0.0, 0.0],
        RIGHT_EAR: ear_mid - [EAR_HALF_SPAN, 0.0, 0.0],
        NOSE: ear_mid + [0.0, -0.02 - 0.04 * slump, 0.10],
        LEFT_HIP: hip + [HIP_HALF_WIDTH, 0.0, 0.0],
        RIGHT_HIP: hip - [HIP_HALF_WIDTH, 0.0, 0.0],
    }


def camera(view: str, distance: float, height: float, yaw_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Camera position and unit look direction, aimed at the neck.

    ``view`` "front" puts the camera ahead of the person, "side" to their left; ``yaw_deg`` swings it
    around the person from there; ``height`` is relative to C7.
    """
    base = math.radians({"front": 0.0, "side": 90.0}[view] + yaw_deg)
    position = np.array([distance * math.sin(base), C7_HEIGHT + height, distance * math.cos(base)])
    target = np.array([0.0, C7_HEIGHT + 0.08, 0.0])
    look = target - position
    return position, look / np.linalg.norm(look)


def project(points: dict[int, np.ndarray], position: np.ndarray, look: np.ndarray) -> PoseResult:
    """Pinhole projection into MediaPipe-style normalised image landmarks (all visible)."""
    right = np.cross(look, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(look, right)
    image = np.full((33, 3), 0.5)
    visibility = np.zeros(33)
    for index, point in points.items():
        rel = point - position
        depth = float(rel @ look)
        u = IMAGE_W / 2 + FOCAL * float(rel @ right) / depth
        v = IMAGE_H / 2 + FOCAL * float(rel @ down) / depth
        image[index] = (u / IMAGE_W, v / IMAGE_H, 0.0)
        visibility[index] = 1.0
    pose = PoseLandmarks(image=image, world=np.zeros((33, 3)), visibility=visibility)
    return PoseResult(poses=(pose,), width=IMAGE_W, height=IMAGE_H)


def person_seen(cva_deg: float, view: str = "front", distance: float = 0.8, height: float = 0.1,
                yaw_deg: float = 0.0, body_x: float = 0.0, body_z: float = 0.0, lean_deg: float = 0.0,
                slump: float = 0.0) -> PoseResult:
    position, look = camera(view, distance, height, yaw_deg)
    return project(skeleton(cva_deg, body_x, body_z, lean_deg, slump), position, look)
