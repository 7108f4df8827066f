"""Run ``fhp-monitor run`` in this process with a video file standing in for a webcam (bench only).

    python bench/live_app.py VIDEO -- --home H run

The video goes through the real camera code (``CameraSource``: opened, settled, released between
looks) instead of a V4L2 device; each open seeks to the frame for the seconds elapsed since start,
so the picture follows real time as a webcam's would. It is NOT a real webcam: opening a file
costs less than opening a USB camera, and no auto-exposure has to settle. SIGUSR1 asks the app to
pause for an hour (as the tray's "Pause 1 hour" does) and SIGUSR2 to resume.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402

from fhp_monitor import app as app_module  # noqa: E402
from fhp_monitor import cli  # noqa: E402
from fhp_monitor.sensing import sources  # noqa: E402

STARTED = time.monotonic()


class VideoCamera(sources.CameraSource):
    """The camera code path over a video file; the picture is the one for "now"."""

    def _settle(self, capture):
        fps = capture.get(cv2.CAP_PROP_FPS) or 1.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 1)
        capture.set(cv2.CAP_PROP_POS_FRAMES, int((time.monotonic() - STARTED) * fps) % max(count, 1))
        return super()._settle(capture)


def main() -> int:
    video, rest = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    sources.source_for = lambda spec, settings: VideoCamera(video, settings.camera.width, settings.camera.height)
    apps: list = []
    original_init = app_module.App.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        apps.append(self)

    app_module.App.__init__ = init
    signal.signal(signal.SIGUSR1, lambda signum, frame: apps and apps[0].post("pause_60"))
    signal.signal(signal.SIGUSR2, lambda signum, frame: apps and apps[0].post("resume"))
    return cli.main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
