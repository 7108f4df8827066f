"""Framing checks: synthetic poses for each rule, then real webcam photos through the real estimator."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from fhp_monitor.core.framing import (
    FRAMING_CHECKS,
    MESSAGES,
    check_framing,
    checklist,
    main_pose,
)
from fhp_monitor.core.ports import Frame, PoseLandmarks, PoseResult

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "data" / "slouching-or-not"
UPRIGHT = PHOTOS / "low-isSlouching__high-notSlouching" / "notSlouching"
MODEL = ROOT / "models" / "pose_landmarker_full.task"


def make_pose(
    ears=((0.58, 0.35), (0.42, 0.35)),
    nose=(0.5, 0.38),
    shoulders=((0.75, 0.7), (0.25, 0.7)),
    visibility: float = 0.99,
) -> PoseLandmarks:
    """A front-facing person: left ear/shoulder on the image's right as MediaPipe reports them."""
    image = np.full((33, 3), 0.5)
    image[0, :2] = nose
    image[7, :2], image[8, :2] = ears
    image[11, :2], image[12, :2] = shoulders
    return PoseLandmarks(image=image, world=np.zeros((33, 3)), visibility=np.full(33, visibility))


def codes(poses, luma: float = 120.0, width: int = 640, height: int = 360) -> set[str]:
    return {issue.code for issue in check_framing(PoseResult(tuple(poses), width, height), luma, 0.5)}


def test_a_well_framed_person_passes_every_check():
    assert check_framing(PoseResult((make_pose(),), 640, 360), 120.0, 0.5) == []
    assert all(failing is None for _, failing in checklist([]))


def test_nobody_in_view_asks_the_user_to_sit_in_front_and_judges_nothing_else():
    issues = check_framing(PoseResult((), 640, 360), 120.0, 0.5)
    assert [i.code for i in issues] == ["no_person"]
    assert issues[0].message == "We can't see you yet. Sit in front of the camera."
    rows = {check.name: failing for check, failing in checklist(issues)}
    assert rows["light"] is None  # light can be judged without a person
    assert all(rows[name] is not None for name in ("person", "in_view", "distance", "level"))


def test_two_people_and_the_nearest_one_is_judged():
    far = make_pose(shoulders=((0.55, 0.7), (0.45, 0.7)))
    issues = codes([far, make_pose()])
    assert issues == {"several_people"}
    assert main_pose(PoseResult((far, make_pose()), 640, 360)).image[11, 0] == 0.75


def test_dark_picture_asks_for_a_lamp():
    issues = check_framing(PoseResult((make_pose(),), 640, 360), 30.0, 0.5)
    assert [(i.code, i.message) for i in issues] == [("too_dark", "It's a little dark. Turn on a lamp facing you.")]


@pytest.mark.parametrize(
    "pose, expected",
    [
        (make_pose(shoulders=((0.95, 0.7), (0.05, 0.7))), {"too_close"}),
        (make_pose(ears=((0.52, 0.45), (0.48, 0.45)), nose=(0.5, 0.46), shoulders=((0.58, 0.6), (0.42, 0.6))),
         {"too_far"}),
        (make_pose(shoulders=((1.1, 0.9), (-0.1, 0.9))), {"shoulders_hidden", "too_close"}),
        (make_pose(shoulders=((0.75, 1.05), (0.25, 0.7))), {"shoulders_hidden"}),
        (make_pose(nose=(0.5, -0.05)), {"face_hidden"}),
        (make_pose(shoulders=((0.75, 0.9), (0.25, 0.6))), {"tilted"}),
        (make_pose(ears=((0.58, 0.05), (0.42, 0.05)), nose=(0.5, 0.08), shoulders=((0.75, 0.35), (0.25, 0.35))),
         {"head_too_high"}),
        (make_pose(ears=((0.58, 0.7), (0.42, 0.7)), nose=(0.5, 0.72), shoulders=((0.75, 0.98), (0.25, 0.98))),
         {"head_too_low"}),
    ],
)
def test_each_framing_problem_is_named(pose, expected):
    assert codes([pose]) == expected


def test_low_visibility_counts_as_not_in_view():
    assert codes([make_pose(visibility=0.3)]) == {"face_hidden", "shoulders_hidden"}


def test_one_ear_is_enough_for_the_face():
    pose = make_pose()
    pose.visibility[8] = 0.1
    assert codes([pose]) == set()


def test_tilt_is_measured_in_pixels_not_normalised_units():
    # 0.1 of the height over 0.5 of the width: 5.7 deg on a square picture, 3.2 deg at 16:9.
    pose = make_pose(shoulders=((0.75, 0.75), (0.25, 0.65)))
    assert codes([pose], width=360, height=360) == set()
    steep = make_pose(shoulders=((0.75, 0.8), (0.25, 0.6)))  # 0.2 / 0.5 on a square: 21.8 deg
    assert codes([steep], width=360, height=360) == {"tilted"}


def test_every_message_is_plain_short_and_has_a_check():
    covered = set().union(*(check.codes for check in FRAMING_CHECKS))
    assert covered == set(MESSAGES)
    for message in MESSAGES.values():
        assert len(message) < 100 and message.endswith(".")
        assert "landmark" not in message.lower() and "visibility" not in message.lower()


def test_bad_min_visibility_is_refused():
    with pytest.raises(ValueError, match="min_visibility"):
        check_framing(PoseResult((), 640, 360), 100.0, 1.5)


# --------------------------------------------------------------------------- real photos


@pytest.fixture(scope="module")
def estimate():
    """Real MediaPipe on one picture. A fresh estimator each time: VIDEO-mode tracking would
    otherwise carry the previous photo's person into an unrelated picture."""
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator

    def run(image: np.ndarray) -> PoseResult:
        with MediaPipePoseEstimator(MODEL if MODEL.exists() else None) as estimator:
            return estimator.estimate(Frame(image, 0.0, 0))

    return run


def real_codes(estimate, image: np.ndarray) -> set[str]:
    from fhp_monitor.core.framing import mean_luma

    return {issue.code for issue in check_framing(estimate(image), mean_luma(image), 0.5)}


def photo(name: str = "sample-1542640808958-0.jpg", folder: Path = UPRIGHT) -> np.ndarray:
    image = cv2.imread(str(folder / name))
    assert image is not None, f"missing test photo {folder / name}"
    return image


def test_every_real_webcam_photo_is_well_framed(estimate):
    photos = sorted(PHOTOS.glob("*/*/*.jpg"))
    assert len(photos) == 65
    problems = {p.name: real_codes(estimate, cv2.imread(str(p))) for p in photos}
    assert {name: c for name, c in problems.items() if c} == {}


def test_real_photo_darkened_asks_for_light(estimate):
    dark = (photo().astype(np.float32) * 0.35).astype(np.uint8)
    assert "too_dark" in real_codes(estimate, dark)


def test_real_photo_zoomed_in_is_too_close(estimate):
    image = photo()
    h, w = image.shape[:2]
    zoomed = cv2.resize(image[int(h * 0.2) : int(h * 0.8), int(w * 0.25) : int(w * 0.75)], (w, h))
    found = real_codes(estimate, zoomed)
    assert found & {"too_close", "shoulders_hidden"}, found


def test_real_photo_seen_from_far_away_is_too_far(estimate):
    image = photo()
    h, w = image.shape[:2]
    # The same photo in the middle of a picture four times as wide and high: shoulders ~0.16 wide.
    far = cv2.copyMakeBorder(image, h * 3 // 2, h * 3 // 2, w * 3 // 2, w * 3 // 2, cv2.BORDER_REPLICATE)
    assert real_codes(estimate, far) == {"too_far"}


def test_real_photo_rotated_is_tilted(estimate):
    image = photo()
    h, w = image.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 20, 0.8)
    rotated = cv2.warpAffine(image, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
    assert "tilted" in real_codes(estimate, rotated)


def test_empty_room_has_nobody(estimate):
    empty = np.full((360, 640, 3), 150, np.uint8)
    assert real_codes(estimate, empty) == {"no_person"}
