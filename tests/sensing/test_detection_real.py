"""Real MediaPipe on the real labelled webcam photos: the whole detection chain, no fakes."""


import cv2
import numpy as np
import pytest

from fhp_monitor.core.calibration import fit_from_readings, is_forward
from fhp_monitor.core.geometry import NO_PERSON, read_posture
from fhp_monitor.core.ports import Frame, ModelError
from fhp_monitor.sensing.pose import MediaPipePoseEstimator, check_model_file, verify_bundled_model
from fhp_monitor.sensing.sources import ImageFolderSource
from tests.support.real_photos import FORWARD, SESSIONS, UPRIGHT

SENSITIVITY_DEG = 2.0  # the default in config.yaml


@pytest.fixture(scope="module")
def readings():
    """{(session name, label): [PostureReading, ...]} from real inference on every photo."""
    out = {}
    with MediaPipePoseEstimator() as estimator:
        for session in SESSIONS:
            for label in (UPRIGHT, FORWARD):
                source = ImageFolderSource(session / label)
                source.open()
                found = []
                while (frame := source.read()) is not None:
                    found.append(read_posture(estimator.estimate(frame)))
                out[(session.name, label)] = found
    return out


def test_every_photo_gives_a_front_view_reading(readings):
    for key, found in readings.items():
        assert len(found) >= 14, key
        assert all(r.usable and r.view == "front" for r in found), [r.reason for r in found if not r.usable]


@pytest.mark.parametrize("session", [s.name for s in SESSIONS])
def test_calibrated_on_upright_photos_slouching_is_forward_and_upright_is_not(readings, session):
    upright, forward = readings[(session, UPRIGHT)], readings[(session, FORWARD)]
    baseline = fit_from_readings(upright, now=0.0, sensitivity_deg=SENSITIVITY_DEG)
    sensitivity = np.mean([is_forward(baseline, r) for r in forward])
    specificity = np.mean([is_forward(baseline, r) is False for r in upright])
    print(f"{session}: baseline {baseline.cva_proxy_deg:.1f} deg, "
          f"sensitivity {sensitivity:.2f}, specificity {specificity:.2f}")
    assert specificity == 1.0
    assert sensitivity >= 0.9


@pytest.mark.parametrize("session", [s.name for s in SESSIONS])
def test_held_out_upright_photos_are_not_forward(readings, session):
    """Calibrate on the first half of the upright photos; judge the other half and all slouching ones."""
    upright, forward = readings[(session, UPRIGHT)], readings[(session, FORWARD)]
    half = len(upright) // 2
    baseline = fit_from_readings(upright[:half], now=0.0, sensitivity_deg=SENSITIVITY_DEG)
    assert all(is_forward(baseline, r) is False for r in upright[half:])
    assert np.mean([is_forward(baseline, r) for r in forward]) >= 0.85


def test_slouching_reads_lower_than_upright_in_every_session(readings):
    for session in SESSIONS:
        up = np.median([r.cva_proxy_deg for r in readings[(session.name, UPRIGHT)]])
        down = np.median([r.cva_proxy_deg for r in readings[(session.name, FORWARD)]])
        assert up - down > 2.5, session.name


def test_a_picture_with_no_person_gives_the_no_person_reason():
    blank = np.full((360, 640, 3), 127, np.uint8)
    with MediaPipePoseEstimator() as estimator:
        result = estimator.estimate(Frame(blank, t=0.0, index=0))
    assert result.poses == ()
    assert read_posture(result).reason == NO_PERSON


def test_estimator_outputs_numpy_arrays_and_accepts_repeated_timestamps():
    image = cv2.imread(str(next((SESSIONS[0] / UPRIGHT).glob("*.jpg"))))
    with MediaPipePoseEstimator() as estimator:
        first = estimator.estimate(Frame(image, t=5.0, index=0))
        again = estimator.estimate(Frame(image, t=5.0, index=1))  # same time: must not raise
    pose = first.poses[0]
    assert pose.image.shape == (33, 3) and pose.world.shape == (33, 3) and pose.visibility.shape == (33,)
    assert (first.width, first.height) == (image.shape[1], image.shape[0])
    assert np.allclose(again.poses[0].image[:13, :2], pose.image[:13, :2], atol=0.05)


def test_bundled_model_matches_its_recorded_sha256():
    assert verify_bundled_model()


def test_missing_model_gives_one_clear_sentence(tmp_path):
    with pytest.raises(ModelError, match=r"missing: reinstall fhp-monitor .* detection\.model"):
        MediaPipePoseEstimator(tmp_path / "nope.task")


def test_corrupt_model_gives_one_clear_sentence(tmp_path):
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"this is not a zip file" * 100)
    with pytest.raises(ModelError, match="damaged"):
        check_model_file(bad)
    with pytest.raises(ModelError, match="damaged"):
        MediaPipePoseEstimator(bad)


def test_camera_looks_seconds_apart_are_fresh_detections_not_tracked_from_the_last_look():
    """A live camera gives frames without a file name; looks 5 s apart must each be detected afresh
    (tracking from the previous look biased forward photos towards upright on tests/data), while
    frames at a video's frame rate are tracked."""
    session = SESSIONS[-1]
    photos = [cv2.imread(str(p)) for p in sorted((session / UPRIGHT).glob("*.jpg"))[:2]]
    photos += [cv2.imread(str(p)) for p in sorted((session / FORWARD).glob("*.jpg"))[:2]]
    with MediaPipePoseEstimator() as alone:
        expected = [alone.estimate(Frame(image, t=0.0, index=0, source=f"photo-{i}")).poses[0].image
                    for i, image in enumerate(photos)]
    with MediaPipePoseEstimator() as camera:
        looks = [camera.estimate(Frame(image, t=5.0 * i, index=i)).poses[0].image for i, image in enumerate(photos)]
        tracked = [camera.estimate(Frame(photos[-1], t=15.0 + 0.033 * (i + 1), index=10 + i)).poses[0].image
                   for i in range(3)]
    for got, want in zip(looks, expected):
        np.testing.assert_allclose(got[:, :2], want[:, :2], atol=1e-6)
    # Tracked frames of the same picture are not fresh detections: they settle on their own values.
    assert any(np.abs(t[:, :2] - expected[-1][:, :2]).max() > 1e-6 for t in tracked)
