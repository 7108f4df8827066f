"""The pose model in a child process: the app's own process never loads MediaPipe.

Why a child: MediaPipe and its XNNPACK kernels are C++. A segfault or an abort there (a bad driver
frame, memory running out) would kill the whole app: no tray icon, no word, no restart. In a
child it kills only the child. And ending the child is the one real way to give the model's memory
back: ``PoseLandmarker.close()`` leaves two native threads behind that wake every second.

One mechanism, :mod:`multiprocessing` with the *spawn* context (a fresh interpreter; nothing of
the app's threads or D-Bus connections is copied into it), and one :class:`~multiprocessing.Pipe`:

* parent → child: a small header ``(t, index, source, shape)`` then the BGR picture's bytes
  (``send_bytes``: one copy each way, no pickling of the array); ``None`` asks the child to end.
* child → parent: ``("ready", {"left_tracker": bool})`` once the model loaded, ``("error", sentence)``
  when it could not, then per look ``("pose", PoseResult)`` or ``("fail", "Type: message")`` for a Python error
  in the look (raised again in the parent as RuntimeError).

Measured (bench/bench_detector_process.py): a 640 x 360 picture through the pipe and its landmarks
back cost well under a millisecond a look, against about 20 ms for the inference itself; with one
look every 15-60 s that is nothing.

:class:`ProcessPoseEstimator` is the PoseEstimator port over that child. ``rest()`` ends the child
(the worker calls it once a pause, a lock or sleep has lasted two minutes, and at once on
suspend); the next ``estimate`` starts a new one (about a second: interpreter, imports, model).
A child that ended without being asked raises :class:`~fhp_monitor.core.ports.DetectorStopped`
from the look that finds it (the worker's supervisor logs one line and restarts with its back-off);
``on_lost`` is called from a watcher thread as soon as the child is gone, so the worker looks at
once rather than after a minute's wait (that thread sleeps in ``wait`` on the child's sentinel and
never wakes otherwise).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import signal
import sys
import threading
import time
import types
from collections.abc import Callable

import numpy as np

from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import DetectorStopped, Frame, ModelError, PoseResult
from fhp_monitor.sensing.detector_child import serve

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0  # interpreter + imports + model load; about 1 s on a quiet machine
LOOK_TIMEOUT_S = 30.0  # one inference is ~20 ms: a child silent this long is hung, and is ended
END_TIMEOUT_S = 5.0  # asked to end, a child that has not gone after this is killed


def _signal_name(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"  # not translated: for the log
    if exitcode < 0:
        try:
            return f"stopped by {signal.Signals(-exitcode).name}"  # not translated: for the log
        except ValueError:
            return f"stopped by signal {-exitcode}"  # not translated: for the log
    return f"exited with status {exitcode}"  # not translated: for the log


_starting_lock = threading.Lock()
_starting = 0  # children spawned and not yet ready: each may still hold the resource tracker's pipe


def _stop_resource_tracker() -> None:
    """Stop multiprocessing's resource tracker when no child of ours can still be using it.

    Spawning a child starts it: a small Python process (about 13 MB RSS) that removes leaked named
    semaphores and shared memory. The detector uses neither: its child closes its end of the
    tracker's pipe at once (``detector_child.leave_resource_tracker``), so once the child is ready
    (or gone) the tracker has nothing to track; the next spawn starts it again. ``_stop`` closes our
    end and waits for the tracker to end, which it does when no end is left open, so it is called
    only while no other child is between spawn and ready. ``_stop`` is CPython's own (3.8+),
    private: where it is missing the tracker simply stays.
    """
    if sys.platform == "win32":  # no resource tracker process there
        return
    from multiprocessing import resource_tracker

    with _starting_lock:
        if _starting:
            return
        stop = getattr(getattr(resource_tracker, "_resource_tracker", None), "_stop", None)
        if stop is not None:
            stop()


@contextlib.contextmanager
def _spawning():
    """Count a child from spawn until it is ready or gone (see _stop_resource_tracker)."""
    global _starting
    with _starting_lock:
        _starting += 1
    try:
        yield
    finally:
        with _starting_lock:
            _starting -= 1


@contextlib.contextmanager
def _main_not_reimported():
    """While a child is spawned, show multiprocessing a ``__main__`` with no file.

    Spawn runs the parent's main script again in the child (as ``__mp_main__``) unless it cannot
    find it. The child needs nothing from it (its target lives in this module), and a script
    without a ``__name__ == "__main__"`` guard (a console script, bench/live_app.py) would start a
    second app in it. ``get_preparation_data`` reads ``__main__`` synchronously inside ``start()``.
    """
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = real


class ProcessPoseEstimator:
    """PoseEstimator port over a child process that runs MediaPipePoseEstimator.

    Thread contract: ``estimate`` and ``rest`` on one thread (the worker); ``close`` by the owner
    after the worker ended. ``on_lost`` (settable, default nothing) is called from a watcher thread
    when the child ended without being asked; it must not block (the app wakes the worker with it).
    ``start_now`` loads the model at construction, so a broken model file fails at start.
    """

    def __init__(self, model_path: str | None = None, num_poses: int = 1, *, camera: tuple[str, tuple] | None = None,
                 start_now: bool = True) -> None:
        from fhp_monitor.sensing.pose import check_model_file, resolve_model_path  # no mediapipe import

        check_model_file(resolve_model_path(model_path))  # a missing or damaged file: one sentence, at once
        self.model_path, self.num_poses, self.camera = model_path, num_poses, camera
        self._talk = threading.Lock()  # one request and its answer at a time (release may come from another thread)
        self._last_frame: Frame | None = None  # the frame the child read last (it still holds the picture)
        self.on_lost: Callable[[], None] = lambda: None
        self._context = multiprocessing.get_context("spawn")
        self._process = None
        self._conn = None
        self._asked: threading.Event | None = None  # per child: set when we end it ourselves
        self.starts = 0  # children started (for logs, tests and the bench)
        self.last_start_s: float | None = None  # how long the latest start took (spawn + model load)
        self._closed = False
        if start_now:
            self._start()

    # ------------------------------------------------------------------ the child's life
    @property
    def pid(self) -> int | None:
        """The running child's process id, or None when there is no child."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def _start(self) -> None:
        began = time.monotonic()
        try:
            with _spawning():
                kind, value = self._spawn()
        except DetectorStopped:
            _stop_resource_tracker()  # the child was ended, its end of the tracker's pipe with it
            raise
        if kind == "error":
            self._end()
            _stop_resource_tracker()
            raise ModelError(value)
        if isinstance(value, dict) and value.get("left_tracker"):
            _stop_resource_tracker()  # nothing holds the tracker now: 13 MB less for the whole day
        process = self._process
        asked = self._asked
        self.starts += 1
        self.last_start_s = time.monotonic() - began
        log.info("pose detector started (pid %d) in %.2f s", process.pid, self.last_start_s)
        threading.Thread(target=self._watch, args=(process, asked), name="fhp-detector-watch",
                         daemon=True).start()

    def _spawn(self) -> tuple[str, object]:
        """Start a child and wait for its first word: ``("ready", ...)`` or ``("error", sentence)``."""
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(target=serve, args=(child_end, self.model_path, self.num_poses, self.camera),
                                        name="fhp-detector", daemon=True)
        self._asked = threading.Event()
        with _main_not_reimported():
            process.start()
        child_end.close()
        self._process, self._conn = process, parent_end
        if not parent_end.poll(START_TIMEOUT_S):
            self._end(kill=True)
            raise DetectorStopped(f"the pose detector did not start within {START_TIMEOUT_S:.0f} s")
        try:
            return parent_end.recv()
        except (EOFError, OSError):
            process.join(END_TIMEOUT_S)
            code = process.exitcode
            self._end(kill=True)
            raise DetectorStopped(f"the pose detector {_signal_name(code)} while loading the model") from None

    def _watch(self, process, asked: threading.Event) -> None:
        """Sleep until the child ends; if nobody asked it to, say so (``on_lost``) at once.

        The thread holds ``process``, so its sentinel stays open while it waits (closed when the
        last reference goes)."""
        multiprocessing.connection.wait([process.sentinel])
        if not asked.is_set() and not self._closed:
            self.on_lost()

    def _end(self, kill: bool = False) -> int | None:
        """End the child (asked politely unless ``kill``); returns its exit code."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        self._last_frame = None
        if process is None:
            return None
        if self._asked is not None:
            self._asked.set()
        if conn is not None:
            if not kill and process.is_alive():
                try:
                    conn.send(None)
                except OSError:
                    pass  # already gone: the join below reads how it ended
            conn.close()
        process.join(0 if kill else END_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join(END_TIMEOUT_S)
        return process.exitcode

    def _lost(self, what: str) -> DetectorStopped:
        """The child ended without being asked: tidy up and make the error the supervisor reports."""
        process = self._process
        if process is not None:
            process.join(END_TIMEOUT_S)
        code = process.exitcode if process is not None else None
        pid = process.pid if process is not None else None
        self._end(kill=True)
        return DetectorStopped(f"the pose detector (pid {pid}) {_signal_name(code)} {what}")

    # ------------------------------------------------------------------ talking to the child
    def _ask(self, request: tuple, picture: np.ndarray | None = None) -> tuple[str, object]:
        """One request (with a picture's bytes) and its answer; a ``frame`` answer brings its picture.
        Starts the child when there is none. Call with ``_talk`` held."""
        if self._closed:
            raise RuntimeError("the pose detector was closed")
        if self._process is not None and not self._process.is_alive():
            raise self._lost("between looks")  # not translated: for the log
        if self._process is None:
            self._start()
        conn = self._conn
        try:
            conn.send(request)
            if picture is not None:
                conn.send_bytes(memoryview(np.ascontiguousarray(picture)).cast("B"))
            if not conn.poll(LOOK_TIMEOUT_S):
                self._end(kill=True)
                raise DetectorStopped(f"the pose detector did not answer within {LOOK_TIMEOUT_S:.0f} s and was ended")
            kind, value = conn.recv()
            if kind == "frame":
                t, index, source, shape = value
                image = np.frombuffer(conn.recv_bytes(), dtype=np.uint8).reshape(shape)
                value = Frame(image=image, t=t, index=index, source=source)
        except (EOFError, OSError):
            raise self._lost("during a look") from None
        if kind == "fail":
            raise RuntimeError(f"the pose detector could not read this picture: {value}")
        return kind, value

    # ------------------------------------------------------------------ the port
    def estimate(self, frame: Frame) -> PoseResult:
        image = frame.image
        if image is None or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError("a frame must be an H x W x 3 uint8 BGR image")
        with self._talk:
            if frame is self._last_frame and self._process is not None:  # the child still holds this picture
                return self._ask(("estimate_last",))[1]
            return self._ask(("estimate", frame.t, frame.index, frame.source, image.shape), image)[1]

    # ------------------------------------------------------------------ the camera, held by the child
    def camera_read(self) -> Frame:
        """The camera's next picture, read in the child (started if needed). Raises SourceUnavailable."""
        from fhp_monitor.core.ports import SourceUnavailable

        with self._talk:
            kind, value = self._ask(("read",))
            if kind == "unavailable":
                raise SourceUnavailable(value)
            if kind == "none":
                raise SourceUnavailable(_("the camera sent no picture"))
            self._last_frame = value
            return value

    def camera_release(self) -> None:
        """Let the camera go (the child stays). Never starts a child, never raises for a dead one:
        the next read or look reports that."""
        with self._talk:
            self._last_frame = None
            process = self._process
            if process is None or not process.is_alive():
                return
            try:
                self._ask(("release",))
            except DetectorStopped as exc:  # it died just now: the next look says so... and starts another
                log.info("%s", exc)

    def rest(self) -> None:
        """End the child for now (a long pause, a lock, sleep); the next ``estimate`` starts another."""
        with self._talk:
            if self._process is not None:
                code = self._end()
                _stop_resource_tracker()
                log.info("pose detector ended to save memory (%s)", _signal_name(code))

    def close(self) -> None:
        with self._talk:
            if not self._closed:
                self._closed = True
                self._end()

    def __enter__(self) -> "ProcessPoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ChildCamera:
    """FrameSource port over the camera the detector's child holds: the app's process never loads
    OpenCV (about 30 MB) and a crash in a camera driver kills only the child.

    Thread contract: as FrameSource (``read`` on the worker thread; ``release`` from any thread, twice is fine).
    ``open`` does nothing: the child opens the camera on the first read, after its own start.
    """

    live = True

    def __init__(self, detector: ProcessPoseEstimator) -> None:
        self.detector = detector

    def open(self) -> None:
        """Nothing to do here: the camera opens in the child on the next read."""

    def read(self, not_before: float | None = None) -> Frame | None:
        return self.detector.camera_read()

    def release(self) -> None:
        self.detector.camera_release()


#: The camera class the child opens (``module:Class``, imported in the child); bench/live_app.py puts
#: a video file there instead.
CAMERA_CLASS = "fhp_monitor.sensing.sources:CameraSource"


def is_camera(spec: str | None, settings) -> bool:
    """True when ``spec`` (None: the configured one) names a camera, as sources.open_source reads it."""
    text = str(spec if spec is not None else settings.camera.index).strip()
    return text.isdigit() or text.startswith("/dev/video")


def sensing_for(spec: str | None, settings):
    """``(source, estimator)`` for the app: a camera and the model both in one child process; a
    video or image file read here (a replay) with the model in a child; a landmark recording read
    here with no model at all."""
    if is_camera(spec, settings):
        text = str(spec if spec is not None else settings.camera.index).strip()
        index = int(text) if text.isdigit() else text
        detector = ProcessPoseEstimator(settings.detection.model or None, num_poses=settings.detection.num_poses,
                                        camera=(CAMERA_CLASS, (index, settings.camera.width, settings.camera.height)))
        return ChildCamera(detector), detector
    from fhp_monitor.sensing.sources import source_for

    source = source_for(spec, settings)
    return source, detector_for(settings, source)


def detector_for(settings, source=None):
    """The app's pose estimator: a child process, or for a landmark recording no model at all."""
    if getattr(source, "carries_poses", False):
        from fhp_monitor.sensing.landmarks_csv import RecordedPoses

        return RecordedPoses()
    return ProcessPoseEstimator(settings.detection.model or None, num_poses=settings.detection.num_poses)
