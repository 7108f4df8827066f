"""Run ``fhp-monitor run`` in this process with a video file standing in for a webcam (bench only).

    python bench/live_app.py VIDEO -- --home H run

The video goes through the real camera code (``CameraSource``: opened, settled, released between
looks), in the pose detector's child process as a real camera is (bench/video_camera.py), instead
of a V4L2 device; each open seeks to the frame for the seconds elapsed since start, so the picture
follows real time as a webcam's would. It is NOT a real webcam: opening a file costs less than
opening a USB camera, and no auto-exposure has to settle. SIGUSR1 asks the app to
pause for an hour (as the tray's "Pause 1 hour" does) and SIGUSR2 to resume. With
``FHP_BENCH_LOOKS=PATH`` the monotonic time (CLOCK_MONOTONIC, the same in every process) and the
verdict of every look are appended to PATH, so a bench can time the first verdict after a resume.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fhp_monitor import app as app_module  # noqa: E402
from fhp_monitor import cli  # noqa: E402
from fhp_monitor.core.commands import PAUSE_60, RESUME  # noqa: E402
from fhp_monitor.sensing import detector_process  # noqa: E402


def name_os_threads() -> None:
    """Give every Python thread its name in the kernel too (``/proc/PID/task/TID/comm``, 15 bytes), so the
    bench's per-thread wake-ups say which thread woke (Python 3.11 leaves them all "python")."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    run = threading.Thread._bootstrap_inner

    def named(self):
        prctl(15, self.name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
        run(self)

    threading.Thread._bootstrap_inner = named
    prctl(15, b"main", 0, 0, 0)


def main() -> int:
    name_os_threads()
    video, rest = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    os.environ["FHP_BENCH_VIDEO"] = str(Path(video).resolve())  # read by the detector's child
    os.environ["FHP_BENCH_STARTED"] = repr(time.monotonic())
    detector_process.CAMERA_CLASS = "video_camera:VideoCamera"  # bench/ is on the child's sys.path too
    apps: list = []
    original_init = app_module.App.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        apps.append(self)
        looks = os.environ.get("FHP_BENCH_LOOKS")
        if looks:
            judge = self.worker.judge.judge  # every look's frame goes through the worker's FrameJudge

            def timed(*args, **kwargs):
                verdict = judge(*args, **kwargs)
                with open(looks, "a") as out:
                    out.write(f"{time.monotonic():.3f} {verdict.observation.state.value}\n")
                return verdict

            self.worker.judge.judge = timed

    app_module.App.__init__ = init
    signal.signal(signal.SIGUSR1, lambda signum, frame: apps and apps[0].post(PAUSE_60))
    signal.signal(signal.SIGUSR2, lambda signum, frame: apps and apps[0].post(RESUME))
    return cli.main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
