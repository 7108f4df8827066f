"""The body of the detector's child process (see sensing/detector_process.py for the protocol).

Runs in the spawned interpreter only: it imports the camera class it is given (cv2) and
MediaPipe; the app's process imports this module for the name of :func:`serve` alone.
"""

from __future__ import annotations

import importlib
import signal

import numpy as np

from fhp_monitor.core.ports import Frame, ModelError


def _camera_class(name: str):
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def serve(conn, model_path: str | None, num_poses: int, camera: tuple[str, tuple] | None) -> None:
    """The child's body (runs in the spawned interpreter): load the model, answer requests until told to end.

    ``camera``: ``("module:Class", args)`` of the FrameSource to open on the first "read" (the
    class is imported here, in the child: the app's process never imports cv2 for it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the parent's to handle
    from fhp_monitor.core.ports import SourceUnavailable
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator

    try:
        estimator = MediaPipePoseEstimator(model_path, num_poses=num_poses)
    except ModelError as exc:
        conn.send(("error", str(exc)))
        return
    source, last = None, None
    try:
        conn.send(("ready", None))
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
                        source = _camera_class(camera[0])(*camera[1])
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
