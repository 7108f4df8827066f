"""Camera readings for the exercise window, read on their own thread (no tkinter here).

Thread contract: :meth:`ReadingFeed.start`, :meth:`poll` and :meth:`stop` are called from the Tk thread;
the feed's own thread opens the source and the pose estimator, owns them, and releases them when it
ends. It never touches Tk: it puts ``("reading", t, PostureReading)``, ``("unavailable", words)`` or
``("ended", None)`` on a queue that :meth:`poll` empties. A file source (video, image folder, landmark
recording) is played at its own pace (its timeline against the monotonic clock); a camera is looked at
every ``interval_s``. Waiting is ``stop_event.wait``, so :meth:`stop` ends it at once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from fhp_monitor.core.geometry import read_posture
from fhp_monitor.core.ports import ModelError, SourceUnavailable, pose_for

log = logging.getLogger(__name__)

#: Tries to open the camera (the monitor lets go of it when it pauses, a moment after being asked).
OPEN_TRIES, OPEN_WAIT_S = 4, 1.0


class ReadingFeed:
    def __init__(self, open_source: Callable[[], object], open_estimator: Callable[[object], object], body,
                 min_visibility: float, interval_s: float = 0.2) -> None:
        self._open_source, self._open_estimator = open_source, open_estimator
        self._body, self._min_visibility, self.interval_s = body, min_visibility, interval_s
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="exercise-camera", daemon=True)
        self._thread.start()

    def poll(self) -> list[tuple]:
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _open(self):
        for attempt in range(OPEN_TRIES):
            source = self._open_source()
            try:
                source.open()
                return source
            except SourceUnavailable as exc:
                if attempt == OPEN_TRIES - 1 or self._stop.wait(OPEN_WAIT_S):
                    self._queue.put(("unavailable", str(exc)))
                    return None
        return None

    def _run(self) -> None:
        source = self._open()
        if source is None:
            return
        try:
            with self._open_estimator(source) as estimator:
                self._look(source, estimator)
        except (SourceUnavailable, ModelError) as exc:
            log.info("exercise camera: %s", exc)
            self._queue.put(("unavailable", str(exc)))
        finally:
            source.release()

    def _look(self, source, estimator) -> None:
        live = getattr(source, "live", True)
        started = time.monotonic()
        first_t: float | None = None
        while not self._stop.is_set():
            frame = source.read()
            if frame is None:
                self._queue.put(("ended", None))
                return
            if first_t is None:
                first_t = frame.t
            if not live and self._stop.wait(max(0.0, started + (frame.t - first_t) - time.monotonic())):
                return
            reading = read_posture(pose_for(frame, estimator), self._min_visibility, self._body)
            self._queue.put(("reading", frame.t, reading))
            if live and self._stop.wait(self.interval_s):
                return
