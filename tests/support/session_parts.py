"""Parts for the session-awareness tests: a real worker on its own thread over a recording camera.

The worker is the real MonitorWorker with real MediaPipe and a live pace that a command cuts short
(as the app's); the camera is the one stand-in, because the container has no webcam: it hands out
a real labelled photo and records when it was read and when it was let go.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2

from fhp_monitor.core.ports import Frame
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
from fhp_monitor.settings.schema import settings_from_dict
from tests.support.desktop import wait_until
from tests.support.real_photos import SESSIONS, UPRIGHT, session_folder


def a_real_photo() -> Path:
    return sorted(session_folder(SESSIONS[0], UPRIGHT).glob("*.jpg"))[0]


class RecordingCamera:
    """A live FrameSource over one real photo that records (kind, monotonic time) of every read and release."""

    live = True
    carries_poses = False
    duration_s = None  # a camera has no end

    def __init__(self) -> None:
        self.image = cv2.imread(str(a_real_photo()), cv2.IMREAD_COLOR)
        assert self.image is not None
        self.is_open = False
        self.events: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._count = 0

    def open(self) -> None:
        self.is_open = True

    def read(self, not_before: float | None = None) -> Frame:
        with self._lock:
            self.open()
            self.events.append(("read", time.monotonic()))
            self._count += 1
            return Frame(image=self.image, t=time.monotonic(), index=self._count - 1, source=None)

    def release(self) -> None:
        with self._lock:
            if self.is_open:
                self.events.append(("release", time.monotonic()))
            self.is_open = False

    def times(self, kind: str, after: float = 0.0) -> list[float]:
        with self._lock:
            return [t for k, t in self.events if k == kind and t > after]


class WallClock:
    def now(self) -> float:
        return time.time()


class RunningWorker:
    """A MonitorWorker looking every second on its own thread, until :meth:`close`."""

    def __init__(self) -> None:
        self.camera = RecordingCamera()
        settings = settings_from_dict({"sampling": {"interval_s": 1, "fast_interval_s": 1},
                                       "camera": {"release_between_samples_s": 0}})
        self.snapshots = []
        self.worker = MonitorWorker(source=self.camera, estimator=MediaPipePoseEstimator(), clock=WallClock(),
                                    settings=settings, baseline=None, notifier=RecordingNotifier(), history=None,
                                    on_snapshot=self.snapshots.append)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop, self.pace), name="test-worker")
        self.thread.start()

    def pace(self, seconds: float) -> float:
        self.worker.wake.wait(seconds)
        self.worker.wake.clear()
        return seconds  # a camera's clock is the real one: what passed does not matter

    def wait_for_looks(self, n: int = 1, after: float = 0.0, timeout_s: float = 30.0) -> list[float]:
        return wait_until(lambda: (reads := self.camera.times("read", after)) and len(reads) >= n and reads,
                          timeout_s, f"{n} look(s) by the worker")

    def close(self) -> None:
        self.stop.set()
        self.worker.wake.set()
        self.thread.join(30)
        self.worker.estimator.close()


class RecordingTarget:
    """Stands in for the worker where only the watcher's calls matter; ``releases=False`` is a stuck worker."""

    def __init__(self, releases: bool = True) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.released_for_pause = threading.Event()
        self.wake = threading.Event()
        self.releases = releases

    def pause(self, until, reason):
        self.released_for_pause.clear()
        self.calls.append(("pause", reason))
        if self.releases:
            self.released_for_pause.set()

    def resume(self, reason=None):
        self.calls.append(("resume", reason))
