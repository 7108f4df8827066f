"""The camera code path: warm-up until the picture settles, the light off between looks, and the
main thread's inbox waking at once. Real OpenCV on real video files (a file read through
CameraSource stands in for a webcam: no USB camera in CI), a real worker with real MediaPipe."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from fhp_monitor.core.commands import PAUSE_15
from fhp_monitor.core.framing import mean_luma
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.process.inbox import CommandInbox
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
from fhp_monitor.sensing.sources import SETTLE_LUMA, WARMUP_MAX_FRAMES, CameraSource
from fhp_monitor.settings.schema import settings_from_dict
from tests.support.real_photos import UPRIGHT
from tests.support.recorded_day import photos


def fade_in_video(path, brightness: list[float], size=(320, 240)):
    """A video whose frames are a real photo scaled by ``brightness`` (auto-exposure opening up)."""
    photo = cv2.resize(photos(UPRIGHT)[0], size)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, size)
    for factor in brightness:
        writer.write(np.clip(photo.astype(np.float32) * factor, 0, 255).astype(np.uint8))
    writer.release()
    return path


def test_opening_reads_until_the_brightness_settles_and_uses_that_picture(tmp_path):
    ramp = [0.1, 0.25, 0.45, 0.65, 0.8, 0.9, 0.95, 0.97, 0.98] + [1.0] * 20
    camera = CameraSource(str(fade_in_video(tmp_path / "fade.avi", ramp)))
    frame = camera.read()
    frames, seconds = camera.last_warmup
    lumas = [mean_luma(cv2.resize(photos(UPRIGHT)[0], (320, 240)).astype(np.float32).__mul__(f).clip(0, 255)
                       .astype(np.uint8)) for f in ramp]
    settled_at = next(i for i in range(1, len(lumas)) if abs(lumas[i] - lumas[i - 1]) <= SETTLE_LUMA) + 1
    assert frames == pytest.approx(settled_at, abs=1)  # JPEG rounding may move the cut by one frame
    assert 4 <= frames < WARMUP_MAX_FRAMES and seconds >= 0
    assert mean_luma(frame.image) >= 0.9 * lumas[-1]  # the look gets the settled picture, not a dark one
    camera.release()
    assert not camera.is_open


def test_a_camera_that_never_settles_gives_up_after_the_maximum(tmp_path):
    flicker = [0.3, 1.0] * 20
    camera = CameraSource(str(fade_in_video(tmp_path / "flicker.avi", flicker)))
    camera.read()
    assert camera.last_warmup[0] == WARMUP_MAX_FRAMES
    camera.release()


@pytest.mark.parametrize("release_s, expect_open_between_looks", [(3.0, False), (0.0, True)])
def test_the_camera_is_let_go_between_steady_looks_unless_kept_open(tmp_path, release_s, expect_open_between_looks):
    video = fade_in_video(tmp_path / "steady.avi", [1.0] * 60)
    camera = CameraSource(str(video))
    settings = settings_from_dict({"camera": {"release_between_samples_s": release_s}})
    with MediaPipePoseEstimator() as estimator:
        worker = MonitorWorker(source=camera, estimator=estimator, clock=_Clock(), settings=settings,
                               baseline=None, notifier=RecordingNotifier(), history=None)
        waits = []
        for _ in range(3):
            waits.append(worker.step())
            assert camera.is_open is expect_open_between_looks
        worker.close()
    assert all(wait >= 3.0 for wait in waits)  # uncalibrated and steady: 15 s apart
    assert camera.opens == (3 if not expect_open_between_looks else 1)
    assert not camera.is_open


class _Clock:
    def __init__(self) -> None:
        self.t = 1_763_629_200.0

    def now(self) -> float:
        return self.t


def test_the_inbox_wakes_a_sleeping_main_thread_at_once():
    inbox = CommandInbox()
    threading.Timer(0.2, inbox.put, args=(PAUSE_15,)).start()
    started = time.monotonic()
    inbox.wait(30.0)
    assert time.monotonic() - started < 10.0  # woke on the command, not at the 30 s timeout
    assert inbox.take_all() == [PAUSE_15]
    started = time.monotonic()
    inbox.wait(0.05)  # nothing waiting: the timeout
    assert inbox.take_all() == []
