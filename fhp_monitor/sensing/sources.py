"""Frame sources over OpenCV: a camera, a video file, or a folder/glob of images.

The only module (with the wizard's preview conversion aside) that reads pictures. Frames stay in
memory; nothing here ever writes an image.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import time
from pathlib import Path

import cv2
import numpy as np

from fhp_monitor.core.framing import mean_luma
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import Frame, SourceUnavailable
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource, is_landmark_file

log = logging.getLogger(__name__)
# OpenCV's own WARN/ERROR lines ("can't open camera by index") would reach the user's terminal;
# every failure here raises SourceUnavailable with a plain sentence instead.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
SEEK_AFTER_FRAMES = 60  # skip by seeking, not decoding, when the next sample is this many frames away
# After opening, a camera's auto-exposure needs a few frames: read until two in a row differ in mean
# brightness by at most SETTLE_LUMA (0..255), at least WARMUP_MIN_FRAMES and at most WARMUP_MAX_FRAMES.
WARMUP_MIN_FRAMES, WARMUP_MAX_FRAMES, SETTLE_LUMA = 2, 15, 2.0


_DIGITS = re.compile(r"\d+")
_DIGITS_WIDTH = 32  # wider than any number in a file name that could matter


def _natural_key(path: str) -> str:
    """"frame2" before "frame10": runs of digits compared by value. One string per path, not a list of
    parts: an 8-hour folder at 1 fps (28,800 names) took 13 MB of RSS to sort with lists, 3 MB with this."""
    return _DIGITS.sub(lambda run: run.group().lstrip("0").rjust(_DIGITS_WIDTH, "0"), path.lower())


class CameraSource:
    """A webcam by index (or a device path such as /dev/video0). ``t`` is ``time.monotonic()``
    when the frame was read.

    Opening lets auto-exposure settle (see SETTLE_LUMA) and keeps the settled picture for the
    first ``read``; ``last_warmup`` tells how many frames and seconds the last open took.

    Thread contract: see FrameSource; everything runs on the worker thread, ``release`` may come
    from the stopping thread too (OpenCV's release is safe to call twice).
    """

    live = True
    carries_poses = False
    duration_s = None  # a camera has no end

    def __init__(self, index: int | str = 0, width: int = 640, height: int = 360) -> None:
        self.index = index
        self.width, self.height = width, height
        self._capture: cv2.VideoCapture | None = None
        self._settled: np.ndarray | None = None
        self._count = 0
        self.opens = 0
        self.last_warmup: tuple[int, float] = (0, 0.0)  # (frames read, seconds) from open to a settled picture

    @property
    def is_open(self) -> bool:
        return self._capture is not None

    def open(self) -> None:
        if self._capture is not None:
            return
        capture = cv2.VideoCapture(self.index)
        if not capture.isOpened():
            capture.release()
            raise SourceUnavailable(
                _("We can't open camera {number}. Check that it is plugged in and that no other app "
                  "(a video call?) is using it.").format(number=self.index)
            )
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # a look every few seconds wants now, not a queued frame
        self._capture = capture
        self.opens += 1
        self._settled = self._settle(capture)

    @staticmethod
    def _settled_after(lumas: list[float]) -> bool:
        return len(lumas) >= max(2, WARMUP_MIN_FRAMES) and abs(lumas[-1] - lumas[-2]) <= SETTLE_LUMA

    def _settle(self, capture: cv2.VideoCapture) -> np.ndarray | None:
        """Read until the brightness stops changing (auto-exposure); return that picture."""
        started, lumas, image = time.monotonic(), [], None
        while len(lumas) < WARMUP_MAX_FRAMES:
            ok, picture = capture.read()
            if not ok or picture is None or picture.size == 0:
                break
            image = picture
            lumas.append(mean_luma(_as_bgr(picture)))
            if self._settled_after(lumas):
                break
        self.last_warmup = (len(lumas), time.monotonic() - started)
        return image

    def read(self, not_before: float | None = None) -> Frame | None:
        if self._capture is None:
            self.open()
        assert self._capture is not None
        image, self._settled = self._settled, None
        ok = image is not None
        if not ok:  # the camera stayed open since the last look
            self._capture.grab()  # drop a frame the driver may have queued since the last look
            ok, image = self._capture.read()
        if not ok or image is None or image.size == 0:
            self.release()
            raise SourceUnavailable(
                _("Camera {number} stopped sending pictures. Check the cable, or close other apps using it.").format(
                    number=self.index)
            )
        image = _as_bgr(image)
        self._count += 1
        return Frame(image=image, t=time.monotonic(), index=self._count - 1, source=None)

    def release(self) -> None:
        capture, self._capture = self._capture, None
        self._settled = None
        if capture is not None:
            capture.release()


class VideoFileSource:
    """A video file; ``t`` is the frame's time in the file (frame index / fps)."""

    live = False
    carries_poses = False

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._capture: cv2.VideoCapture | None = None
        self._next_index = 0
        self.fps = 0.0
        self.frame_count = 0

    def open(self) -> None:
        if self._capture is not None:
            return
        if not self.path.is_file():
            raise SourceUnavailable(_("The video file {path} was not found.").format(path=self.path))
        capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            capture.release()
            raise SourceUnavailable(_("The video file {path} cannot be read (unknown format or damaged).").format(
                path=self.path))
        self.fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        if not self.fps or self.fps <= 0 or not np.isfinite(self.fps):
            log.warning("%s has no frame rate; assuming 30 fps", self.path)
            self.fps = 30.0
        self.frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self._capture = capture
        self._next_index = 0

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0

    def read(self, not_before: float | None = None) -> Frame | None:
        if self._capture is None:
            self.open()
        capture = self._capture
        assert capture is not None
        if not_before is not None:
            wanted = max(self._next_index, int(np.ceil(not_before * self.fps - 1e-6)))
            if wanted - self._next_index >= SEEK_AFTER_FRAMES:
                capture.set(cv2.CAP_PROP_POS_FRAMES, wanted)
                self._next_index = int(capture.get(cv2.CAP_PROP_POS_FRAMES))
            while self._next_index < wanted:
                if not capture.grab():
                    return None
                self._next_index += 1
        ok, image = capture.read()
        if not ok or image is None:
            return None
        index = self._next_index
        self._next_index += 1
        return Frame(image=_as_bgr(image), t=index / self.fps, index=index, source=str(self.path))

    def release(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()


class ImageFolderSource:
    """Images from a folder or a glob, in natural order; ``t`` = index x ``interval_s``.

    Other files in the folder (JSON, text) are ignored; unreadable images are logged and skipped.
    """

    live = False
    carries_poses = False

    def __init__(self, spec: str | os.PathLike, interval_s: float = 1.0) -> None:
        if interval_s <= 0:
            raise ValueError("image interval must be positive")
        self.spec = str(spec)
        self.interval_s = interval_s
        self.paths: list[str] = []
        self._next = 0
        self.skipped: list[str] = []

    def open(self) -> None:
        if os.path.isdir(self.spec):
            candidates = [os.path.join(self.spec, name) for name in os.listdir(self.spec)]
        elif os.path.exists(self.spec):  # an existing name is literal, even with [ ? * in it
            candidates = [self.spec]
        else:  # a pattern the user wrote for files that exist under other names
            candidates = glob.glob(self.spec)
        self.paths = [p for p in candidates if os.path.splitext(p)[1].lower() in IMAGE_SUFFIXES and os.path.isfile(p)]
        self.paths.sort(key=_natural_key)
        if not self.paths:
            raise SourceUnavailable(_("No images found in {path}.").format(path=self.spec))
        self._next = 0

    @property
    def duration_s(self) -> float:
        return len(self.paths) * self.interval_s

    def read(self, not_before: float | None = None) -> Frame | None:
        if not self.paths:
            self.open()
        if not_before is not None:
            self._next = max(self._next, int(np.ceil(not_before / self.interval_s - 1e-9)))
        while self._next < len(self.paths):
            index = self._next
            self._next += 1
            path = self.paths[index]
            image = cv2.imread(path, cv2.IMREAD_COLOR)
            if image is None:
                log.warning("skipping %s: not a readable image", path)
                self.skipped.append(path)
                continue
            return Frame(image=image, t=index * self.interval_s, index=index, source=path)
        return None

    def release(self) -> None:
        """Nothing is held open between reads."""


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def open_source(
    spec: str, *, image_interval_s: float = 1.0, width: int = 640, height: int = 360
) -> CameraSource | VideoFileSource | ImageFolderSource | LandmarkCsvSource:
    """Build the frame source named by ``spec``: a camera index ("0"), a video file, an image
    folder/glob, or a landmark recording (``.csv``, frames that carry landmarks and no picture)."""
    text = str(spec).strip()
    if text.isdigit():
        return CameraSource(int(text), width=width, height=height)
    if text.startswith("/dev/video"):
        return CameraSource(text, width=width, height=height)
    path = Path(text).expanduser()
    if is_landmark_file(path) and not path.is_dir():
        return LandmarkCsvSource(path)
    if path.is_dir() or (not path.exists() and any(ch in text for ch in "*?[")):
        return ImageFolderSource(str(path), interval_s=image_interval_s)
    if path.is_file():
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return ImageFolderSource(str(path), interval_s=image_interval_s)
        return VideoFileSource(path)
    if not path.exists():
        raise SourceUnavailable(_("{path} not found: there is no file or folder by that name.").format(path=text))
    raise SourceUnavailable(_("{path} is not a camera number, a video file or a folder of images, nor a "
                              "landmark recording (.csv).").format(path=text))



def list_cameras(max_index: int = 4) -> list[int]:
    """Indices of cameras that open and give a picture (slow: ~0.5 s per camera; call off the UI path)."""
    found = []
    for index in range(max_index + 1):
        capture = cv2.VideoCapture(index)
        try:
            if capture.isOpened() and capture.read()[0]:
                found.append(index)
        finally:
            capture.release()
    return found



def source_for(spec: str | None, settings) -> "CameraSource | VideoFileSource | ImageFolderSource | LandmarkCsvSource":
    """The frame source a command asked for (``spec``), or the configured camera when it named none."""
    spec = spec if spec is not None else str(settings.camera.index)
    return open_source(spec, image_interval_s=settings.sampling.image_interval_s,
                       width=settings.camera.width, height=settings.camera.height)
