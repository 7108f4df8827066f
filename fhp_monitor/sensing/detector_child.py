"""The body of the detector's child process (see sensing/detector_process.py for the protocol).

Runs in the spawned interpreter only: it imports the camera class it is given (cv2) and
MediaPipe; the app's process imports this module for the name of :func:`serve` alone.

Two things make the child lighter before anything heavy loads (measured in bench/README.md, "Leaner
process tree"): it lets go of multiprocessing's resource tracker (:func:`leave_resource_tracker`: the
parent then stops that 13 MB process as soon as the child is ready), and glibc's allocator keeps one
arena for every thread instead of one per thread that ever allocates (:func:`one_malloc_arena`:
about 4 MB less; one look a minute never contends for it).
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import signal
import sys

import numpy as np

from fhp_monitor.core.ports import Frame, ModelError

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc malloc.h


def leave_resource_tracker() -> bool:
    """Close this child's end of multiprocessing's resource tracker; True when it had one.

    Spawn hands every child the tracker's pipe, and the tracker (a whole Python, about 13 MB RSS)
    lives until every end is closed. This child creates no named semaphore or shared memory, the only
    things the tracker cleans up, so it has nothing to tell it. ``_fd`` is CPython's private field
    (3.8 to 3.13); without it the tracker simply stays, as before.
    """
    if sys.platform == "win32":  # no tracker process there
        return False
    from multiprocessing import resource_tracker

    tracker = getattr(resource_tracker, "_resource_tracker", None)
    fd = getattr(tracker, "_fd", None)
    if not isinstance(fd, int):
        return False
    try:
        os.close(fd)
    except OSError:
        return False
    tracker._fd = None
    return True


def one_malloc_arena() -> bool:
    """Ask glibc for one malloc arena (as ``MALLOC_ARENA_MAX=1``); True when it agreed.

    Called before MediaPipe starts its threads: each thread that allocates would otherwise get an
    arena of its own (up to 8 per core), whose freed pages stay resident. Not glibc (musl, Windows,
    macOS): nothing to do.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_ARENA_MAX, 1) == 1


def _camera_class(name: str):
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def serve(conn, model_path: str | None, num_poses: int, camera: tuple[str, tuple] | None) -> None:
    """The child's body (runs in the spawned interpreter): load the model, answer requests until told to end.

    ``camera``: ``("module:Class", args)`` of the FrameSource to open on the first "read" (the
    class is imported here, in the child: the app's process never imports cv2 for it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the parent's to handle
    left_tracker = leave_resource_tracker()
    one_malloc_arena()
    from fhp_monitor.core.ports import SourceUnavailable
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator

    # The camera's class (OpenCV) is imported before the model, so the start-up pages of both go back
    # together when the model has loaded (sensing/code_pages.py); it is opened on the first "read".
    camera_class, camera_problem = None, None
    if camera is not None:
        try:
            camera_class = _camera_class(camera[0])
        except (ImportError, AttributeError) as exc:  # said by the first "read", as before
            camera_problem = exc
    try:
        estimator = MediaPipePoseEstimator(model_path, num_poses=num_poses)
    except ModelError as exc:
        conn.send(("error", str(exc)))
        return
    source, last = None, None
    try:
        conn.send(("ready", {"left_tracker": left_tracker}))
        while True:
            try:
                request = conn.recv()
            except EOFError:  # the parent is gone
                return
            if request is None:
                return
            kind, *args = request
            try:
                if kind == "read":
                    if source is None:
                        if camera_class is None:
                            raise camera_problem or RuntimeError("this detector was started without a camera")
                        source = camera_class(*camera[1])
                    try:
                        last = source.read(None)
                    except SourceUnavailable as exc:
                        conn.send(("unavailable", str(exc)))
                        continue
                    if last is None:
                        conn.send(("none", None))
                        continue
                    image = np.ascontiguousarray(last.image)
                    conn.send(("frame", (last.t, last.index, last.source, image.shape)))
                    conn.send_bytes(memoryview(image).cast("B"))
                    continue
                if kind == "release":
                    if source is not None:
                        source.release()
                    last = None
                    conn.send(("ok", None))
                    continue
                if kind == "estimate_last":  # the frame this child read last: no need to send it back
                    frame = last
                else:
                    t, index, where, shape = args
                    image = np.frombuffer(conn.recv_bytes(), dtype=np.uint8).reshape(shape)
                    frame = Frame(image=image, t=t, index=index, source=where)
                result = estimator.estimate(frame)
            except Exception as exc:  # a bad picture: the parent raises it in the worker, the child goes on
                conn.send(("fail", f"{type(exc).__name__}: {exc}"))
                continue
            conn.send(("pose", result))
    finally:
        if source is not None:
            source.release()
        estimator.close()  # explicitly: the landmarker's destructor errors at interpreter exit
