"""The camera code path over a video file, for the real-time benches (not a real webcam).

Opened in the pose detector's child process (``sensing/detector_process.CAMERA_CLASS =
"video_camera:VideoCamera"``, set by bench/live_app.py), like the real camera: the video named by
``FHP_BENCH_VIDEO`` goes through ``CameraSource`` (opened, settled, let go between looks), and each
open seeks to the frame for the seconds elapsed since ``FHP_BENCH_STARTED`` (CLOCK_MONOTONIC), so
the picture follows real time as a webcam's would. Opening a file costs less than opening a USB
camera, and no auto-exposure has to settle.
"""

from __future__ import annotations

import os
import time

import cv2

from fhp_monitor.sensing import sources


class VideoCamera(sources.CameraSource):
    """The camera code path over ``FHP_BENCH_VIDEO``; the picture is the one for "now"."""

    def __init__(self, index=0, width: int = 640, height: int = 360) -> None:
        super().__init__(os.environ["FHP_BENCH_VIDEO"], width, height)
        self.started = float(os.environ.get("FHP_BENCH_STARTED", time.monotonic()))

    def _settle(self, capture):
        fps = capture.get(cv2.CAP_PROP_FPS) or 1.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 1)
        capture.set(cv2.CAP_PROP_POS_FRAMES, int((time.monotonic() - self.started) * fps) % max(count, 1))
        return super()._settle(capture)
