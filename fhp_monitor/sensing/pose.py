"""MediaPipe PoseLandmarker adapter: the only module that imports mediapipe.

Runs the Tasks API in IMAGE mode for separate looks and VIDEO mode (tracking) for frames close
together (see MediaPipePoseEstimator), on the bundled ``pose_landmarker_full.task`` unless the
settings name another ``.task`` file.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import sys
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np

from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import Frame, FrameSource, ModelError, PoseLandmarks, PoseResult
from fhp_monitor.process.native_stderr import quiet_native_stderr
from fhp_monitor.sensing.code_pages import StartupPagesWatch, release_startup_code
from fhp_monitor.sensing.landmarks_csv import RecordedPoses

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "pose_landmarker_full.task"
#: Frames further apart than this on the source's timeline are separate looks (fresh detection);
#: closer ones (a video at its frame rate, the wizard's live preview) are tracked.
TRACKING_GAP_S = 0.5
QUIET_FIRST_FRAMES = 2  # with a person: the models' start-up warnings come on their first inference
REQUIRED_MEMBERS = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}


def bundled_model_path() -> Path:
    """Path of the model shipped inside the package (works for editable and wheel installs)."""
    return Path(str(resources.files("fhp_monitor.resources") / BUNDLED_MODEL_NAME)).resolve()


def bundled_model_sha256() -> str | None:
    """The sha256 recorded when the bundled model was built (None if the record is missing)."""
    record = resources.files("fhp_monitor.resources") / (BUNDLED_MODEL_NAME + ".sha256")
    try:
        return record.read_text().split()[0]
    except (FileNotFoundError, IndexError):
        return None


def resolve_model_path(configured: str | os.PathLike | None) -> Path:
    """The configured ``.task`` file, or the bundled one when the setting is empty."""
    if configured:
        return Path(configured).expanduser()
    return bundled_model_path()


def check_model_file(path: Path) -> None:
    """Raise ModelError (one sentence saying what to do) unless ``path`` looks like a pose .task bundle."""
    fix = _("reinstall fhp-monitor to restore the bundled model, or set detection.model in config.yaml "
            "to a MediaPipe pose_landmarker .task file")
    if not path.is_file():
        raise ModelError(_("The pose model file {path} is missing: {fix}.").format(path=path, fix=fix))
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            broken = bundle.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(_("The pose model file {path} is damaged ({error}): {fix}.").format(
            path=path, error=exc, fix=fix)) from exc
    if broken is not None or not REQUIRED_MEMBERS <= names:
        raise ModelError(_("The pose model file {path} is damaged or is not a pose model: {fix}.").format(
            path=path, fix=fix))


#: The packages above the pose landmarker. Their ``__init__`` files import every MediaPipe task
#: (audio with sounddevice, text, the drawing utilities with matplotlib): measured, ``import
#: mediapipe`` adds 43 MB to the process, the pose landmarker's own modules 2 MB.
_PARENT_PACKAGES = ("mediapipe", "mediapipe.tasks", "mediapipe.tasks.python", "mediapipe.tasks.python.vision")


def _finish_on_demand(module):
    """A module ``__getattr__``: the first time a name is missing, run the skipped ``__init__`` files.

    They run deepest package first, the order a plain ``import mediapipe`` runs them in (its
    ``__init__`` rebinds ``mediapipe.tasks`` to ``mediapipe.tasks.python`` after the inner ones ran).
    """

    def __getattr__(name: str):
        for package in reversed(_PARENT_PACKAGES):
            entered = sys.modules.get(package)
            if entered is not None and entered.__dict__.pop("__getattr__", None) is not None:
                entered.__spec__.loader.exec_module(entered)
        if name in module.__dict__:
            return module.__dict__[name]
        raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

    return __getattr__


def import_pose_landmarker():
    """``(PoseLandmarker, PoseLandmarkerOptions, BaseOptions, RunningMode, Image, ImageFormat)``.

    Imports only the pose landmarker's modules: the parent packages are entered without running
    their ``__init__`` (each runs on demand, the first time someone asks it for a name it lacks, so
    a later ``import mediapipe`` elsewhere still sees the whole package). If MediaPipe is already
    imported, or its layout differs from the one this expects, the plain import is used.
    """
    if "mediapipe" not in sys.modules:
        try:
            for name in _PARENT_PACKAGES:
                spec = importlib.util.find_spec(name)
                if spec is None or spec.loader is None or spec.submodule_search_locations is None:
                    raise ImportError(f"{name} is not a package")  # not translated: caught, the plain import follows
                module = importlib.util.module_from_spec(spec)
                module.__getattr__ = _finish_on_demand(module)
                sys.modules[name] = module
                if "." in name:
                    parent, _, child = name.rpartition(".")
                    setattr(sys.modules[parent], child, module)
            pose = importlib.import_module("mediapipe.tasks.python.vision.pose_landmarker")
            base = importlib.import_module("mediapipe.tasks.python.core.base_options")
            image = importlib.import_module("mediapipe.tasks.python.vision.core.image")
            modes = importlib.import_module("mediapipe.tasks.python.vision.core.vision_task_running_mode")
            return (pose.PoseLandmarker, pose.PoseLandmarkerOptions, base.BaseOptions,
                    modes.VisionTaskRunningMode, image.Image, image.ImageFormat)
        except (ImportError, AttributeError) as exc:
            log.info("importing the whole mediapipe package (%s)", exc)
            for name in [m for m in sys.modules if m == "mediapipe" or m.startswith("mediapipe.")]:
                del sys.modules[name]
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    return (vision.PoseLandmarker, vision.PoseLandmarkerOptions, BaseOptions, vision.RunningMode,
            mp.Image, mp.ImageFormat)


def _landmarks_to_array(points, with_visibility: bool) -> tuple[np.ndarray, np.ndarray]:
    xyz = np.array([(p.x, p.y, p.z) for p in points], dtype=np.float64)
    vis = np.array([p.visibility if p.visibility is not None else 0.0 for p in points], dtype=np.float64)
    return xyz, (vis if with_visibility else np.zeros(len(points)))


def bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    """A contiguous RGB copy of a BGR picture (channel copies: 0.19 ms vs 0.71 ms for a reversed view)."""
    rgb = np.empty_like(image)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = image[..., 2], image[..., 1], image[..., 0]
    return rgb


def to_pose_result(result, width: int, height: int) -> PoseResult:
    """A PoseLandmarkerResult as numpy arrays."""
    poses = []
    for image_points, world_points in zip(result.pose_landmarks, result.pose_world_landmarks):
        xyz, vis = _landmarks_to_array(image_points, with_visibility=True)
        world, _ = _landmarks_to_array(world_points, with_visibility=False)
        poses.append(PoseLandmarks(image=xyz, world=world, visibility=vis))
    return PoseResult(poses=tuple(poses), width=width, height=height)


class MediaPipePoseEstimator:
    """PoseEstimator port over ``mediapipe.tasks.python.vision.PoseLandmarker``.

    A separate look (the first frame, a frame from another file, or one more than
    ``TRACKING_GAP_S`` after the previous: the monitor's looks seconds apart) gets a fresh detection
    in IMAGE mode: tracking from a look seconds ago biases the landmarks (see estimate). Frames
    close together (a video at its frame rate, the wizard's preview) are tracked in VIDEO mode.

    Thread contract: construct, call ``estimate`` and ``close`` on one thread (the worker). Frames
    must come in increasing time order; timestamps given to MediaPipe are made strictly increasing
    integer milliseconds even if a source restarts (a camera re-opened, a file looped).
    ``close()`` must be called explicitly: the landmarker's destructor errors at interpreter exit.
    ``num_poses`` is 1 by default: the user is told from others by geometry against the calibration
    (core.geometry), not by counting skeletons; more poses cost nearly one inference each.
    """

    def __init__(self, model_path: Path | str | None = None, num_poses: int = 1) -> None:
        path = resolve_model_path(model_path)
        check_model_file(path)
        self.model_path = path
        self.num_poses = num_poses
        # Imported here so that commands that never estimate (status, summary) start fast.
        landmarker, options, base_options, modes, self._image, self._image_format = import_pose_landmarker()
        # Before the model's own peak: the imports' start-up pages go first.
        self._release_startup_code("the imports")  # not translated: for the log
        self._landmarker_class = landmarker
        self._options = lambda mode: options(
            base_options=base_options(model_asset_path=str(path)), running_mode=mode, num_poses=num_poses)
        # The monitor's looks are seconds apart and each is a fresh detection (IMAGE mode): that graph
        # is made now, so a broken model fails at start. The tracking graph (VIDEO mode) is made only
        # when frames come close together (a video at its frame rate). Each graph holds its own copy
        # of the model: measured, a process that only estimates holds 221 MB with one graph and
        # 297 MB with both, so the all-day monitor never makes the second.
        self._video_mode = modes.VIDEO
        self._photo_landmarker = self._create(modes.IMAGE)
        self._landmarker = None  # VIDEO mode, made on the first frame that can be tracked
        self._video_behind = False  # a separate look came after the tracker's last frame
        self._last_source: str | None = None
        self._last_t: float | None = None
        self._last_ms = -1
        self._closed = False
        self._calls: dict[int, int] = {}  # frames with a person per landmarker, to quiet start-up chatter
        self._pages = StartupPagesWatch(release=lambda: release_startup_code())  # this module's name, looked up late
        self._release_startup_code("the model loaded")  # not translated: for the log

    def _create(self, mode):
        try:
            with quiet_native_stderr():
                return self._landmarker_class.create_from_options(self._options(mode))
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                _("The pose model file {path} could not be loaded ({error}): reinstall fhp-monitor or set "
                  "detection.model in config.yaml to a MediaPipe pose_landmarker .task file.").format(
                    path=self.model_path, error=exc)
            ) from exc

    def _timestamp_ms(self, t: float) -> int:
        ms = int(round(t * 1000.0))
        if ms <= self._last_ms:
            ms = self._last_ms + 1
        self._last_ms = ms
        return ms

    def _run(self, landmarker, call):
        key = id(landmarker)
        if self._calls.get(key, 0) >= QUIET_FIRST_FRAMES:
            result = call(landmarker)
        else:
            # Each model of the graph logs an alignment warning on its first inference (the landmark
            # model on the first frame with a person); they mean nothing to users.
            with quiet_native_stderr():
                result = call(landmarker)
            if result.pose_landmarks:
                self._calls[key] = self._calls.get(key, 0) + 1
        if result.pose_landmarks:
            if self._pages.looks == 0:  # the first inference of both models ran its set-up code
                self._release_startup_code("the first pose")  # not translated: for the log
            self._pages.after_look()  # and if start-up pages came back, once more (code_pages)
        return result

    @staticmethod
    def _release_startup_code(after: str) -> None:
        """Give back the file pages that only served start-up (see code_pages)."""
        released_kb = release_startup_code()
        log.info("after %s, %.1f MB of start-up file pages were given back", after, released_kb / 1024)

    def estimate(self, frame: Frame) -> PoseResult:
        if self._closed:
            raise RuntimeError("MediaPipePoseEstimator.estimate() called after close()")
        image = frame.image
        if image is None or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError("a frame must be an H x W x 3 uint8 BGR image")
        mp_image = self._image(image_format=self._image_format.SRGB, data=bgr_to_rgb(image))
        separate = self._last_t is None or (frame.source is not None and frame.source != self._last_source) or (
            abs(frame.t - self._last_t) > TRACKING_GAP_S)
        self._last_source, self._last_t = frame.source, frame.t
        if separate:
            # A separate photo, or a look long after the previous one (the camera between looks):
            # tracking would start from the previous look's region and bias the landmarks towards it.
            # Measured on tests/data, each session's photos in order: tracking gives sensitivity
            # 0.32-0.86 at specificity 1.00; a fresh detection per photo 1.00 / 1.00. With the photos
            # 5 s or 30 s apart on the timeline tracking still gives 0.79 / 0.68 on "middle".
            result = self._run(self._photo_landmarker, lambda lm: lm.detect(mp_image))
            self._video_behind = self._landmarker is not None  # that tracker did not see this look
        else:
            if self._landmarker is None or self._video_behind:  # track from this frame, not an older one
                if self._landmarker is not None:
                    with quiet_native_stderr():
                        self._landmarker.close()
                self._landmarker = self._create(self._video_mode)
            result = self._run(self._landmarker, lambda lm: lm.detect_for_video(mp_image, self._timestamp_ms(frame.t)))
            self._video_behind = False
        return to_pose_result(result, width=image.shape[1], height=image.shape[0])

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with quiet_native_stderr():  # mediapipe 1.2.3 logs "DestroyAccelerator" at INFO on close
                self._photo_landmarker.close()
                if self._landmarker is not None:
                    self._landmarker.close()

    def __enter__(self) -> "MediaPipePoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def verify_bundled_model() -> bool:
    """True when the bundled model's bytes match the sha256 recorded at build time."""
    expected = bundled_model_sha256()
    if expected is None:
        return False
    digest = hashlib.sha256(bundled_model_path().read_bytes()).hexdigest()
    if digest != expected:
        log.warning("bundled pose model sha256 %s differs from the recorded %s", digest, expected)
    return digest == expected


def estimator_for(settings, source: FrameSource | None = None) -> "MediaPipePoseEstimator | RecordedPoses":
    """The pose estimator the settings ask for (the bundled model unless detection.model names one).

    One pose per look unless detection.num_poses asks for more: the tracker then keeps the user's
    region between looks, and a second pose would cost nearly a second inference. For a ``source``
    whose frames carry their landmarks (a landmark recording) no model is needed: then a stand-in
    that hands back the recorded pose, and MediaPipe is never imported.
    """
    if source is not None and source.carries_poses:
        return RecordedPoses()
    return MediaPipePoseEstimator(settings.detection.model or None, num_poses=settings.detection.num_poses)
