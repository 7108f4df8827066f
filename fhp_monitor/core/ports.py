"""Ports: the small interfaces the pure core talks through, and the values that cross them.

Every heavy or OS library (cv2, mediapipe, pystray, plyer, sqlite3, tkinter) lives behind one of
these protocols in ``fhp_monitor.sensing``, ``store``, ``desktop`` or ``gui``; the core and the worker only
see the protocol.
Each protocol's docstring states its *thread contract*: which thread calls it and whether it may
block. Time always comes in as a number (seconds since the epoch) from a :class:`Clock`, never
from ``time.time()`` inside the core, so tests can drive whole days with a fake clock.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TextIO

import numpy as np

# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Frame:
    """One picture from a frame source. It lives in memory only and is never written anywhere.

    ``t`` is seconds on the source's own timeline: frame time for a video, index x interval for an
    image folder, a monotonic clock for a camera, the recorded ``t`` for a landmark recording.
    A landmark recording has no picture: its frames carry ``pose`` instead and ``image`` is None
    (see :func:`pose_for`).
    """

    image: np.ndarray | None  # H x W x 3, BGR, uint8; None for a frame that carries its pose
    t: float
    index: int
    source: str | None = None  # file the frame came from; None for a camera
    pose: "PoseResult | None" = None  # landmarks recorded with the frame; None: estimate them


@dataclass(frozen=True)
class PoseLandmarks:
    """One person's 33 MediaPipe pose landmarks as numpy arrays."""

    image: np.ndarray  # (33, 3): x, y normalised to [0, 1] of width/height; z relative depth (x scale)
    world: np.ndarray  # (33, 3): metres, origin between the hips, camera-aligned axes
    visibility: np.ndarray  # (33,): 0..1


@dataclass(frozen=True)
class PoseResult:
    """What the pose estimator found in one frame: zero, one or more people."""

    poses: tuple[PoseLandmarks, ...]
    width: int
    height: int


class PostureState(str, enum.Enum):
    """What the monitor believes about the user right now (shown in the tray, stored per minute)."""

    UPRIGHT = "upright"
    FORWARD = "forward"
    AWAY = "away"
    UNCERTAIN = "uncertain"
    PAUSED = "paused"
    CAMERA_UNAVAILABLE = "camera_unavailable"


@dataclass(frozen=True)
class MinuteRecord:
    """Seconds spent in each state during one wall-clock minute, plus the mean CVA proxy.

    ``minute`` is the epoch second at the start of the minute (a multiple of 60).
    Only numbers: no image, no landmark, nothing that could rebuild a picture of the user.
    """

    minute: int
    upright_s: float = 0.0
    forward_s: float = 0.0
    away_s: float = 0.0
    paused_s: float = 0.0
    uncertain_s: float = 0.0
    unavailable_s: float = 0.0
    cva_proxy_mean: float | None = None
    samples: int = 0


@dataclass(frozen=True)
class NudgeRecord:
    """A nudge that was sent; ``recovered`` is None until two minutes have told us."""

    at: float
    level: int = 1
    recovered: bool | None = None
    id: int | None = None


@dataclass(frozen=True)
class StatusSnapshot:
    """What the tray draws: a read-only copy of the worker's view, safe to pass between threads."""

    state: PostureState
    since: float
    cva_proxy_deg: float | None = None
    paused_until: float | None = None
    detail: str = ""
    pause_reason: str | None = None  # user|snooze|screen_locked|suspended|on_battery|idle|call
    source_ended: bool = False  # a file source (a recording) has ended: no more looks
    setup: str | None = None  # the name of the setup in use, when more than one is saved (core/setups.py)
    extra: dict = field(default_factory=dict)


def pose_for(frame: Frame, estimator: "PoseEstimator | None") -> PoseResult:
    """The pose for this frame: the recorded one if the frame carries it, else the estimator's.

    The one place replay, calibration and the monitor worker get a frame's landmarks from, so a
    landmark recording is judged exactly like the pictures it was recorded from.
    """
    if frame.pose is not None:
        return frame.pose
    if estimator is None:
        raise ValueError(f"frame {frame.index} has no recorded pose and there is no pose model to estimate one")
    return estimator.estimate(frame)


# --------------------------------------------------------------------------- errors


class SourceUnavailable(RuntimeError):
    """The camera or file cannot give frames right now (missing, busy, unplugged, unreadable)."""


class ModelError(RuntimeError):
    """The pose model file is missing or cannot be loaded. The message says what to do."""


class DetectorStopped(RuntimeError):
    """The pose detector's process ended without being asked (a native crash, killed); the message
    says how. The worker's supervisor logs it in one line and starts a new one after its back-off."""


class NotificationError(RuntimeError):
    """The desktop could not show a notification."""


class HistoryError(RuntimeError):
    """The history database cannot be read or written. The message says what to do."""


# --------------------------------------------------------------------------- ports


class Clock(Protocol):
    """Two readings of time: ``now()`` is the wall clock in epoch seconds (labels minutes, quiet
    hours, "Paused until 10:15"); ``monotonic()`` never steps back or jumps with the wall clock
    (any origin) and measures every duration the monitor decides on.

    Thread contract: any thread may call either; they never block. The live clock is
    ``time.time`` + CLOCK_BOOTTIME (clocks.SystemClock); a replay clock follows the file's own
    timeline for both; tests use a fake. A clock without ``monotonic`` is read as one whose two
    readings are the same (``monotonic_of``).
    """

    def now(self) -> float: ...

    def monotonic(self) -> float: ...


def monotonic_of(clock) -> "Callable[[], float]":
    """``clock.monotonic`` when the clock has one, else ``clock.now`` (a fake with one reading)."""
    return getattr(clock, "monotonic", None) or clock.now


class FrameSource(Protocol):
    """A camera, a video file or a folder of images.

    Thread contract: owned by the monitor worker thread alone; ``open``/``read`` may block for
    up to a few seconds (a camera warming up). ``release`` may also be called from the thread that
    stops the worker, after the worker has been asked to stop; it must be idempotent.
    """

    #: True for a camera (time is "now"); False for files (time is the file's timeline).
    live: bool
    #: True when frames carry their landmarks (a landmark recording): no pose model is needed.
    carries_poses: bool

    @property
    def duration_s(self) -> float | None:
        """Seconds of the file's timeline, to the end of its last frame; None for a camera, or
        while not known yet (a landmark recording knows it once its end was read)."""

    def open(self) -> None:
        """Acquire the device/file. Raises SourceUnavailable with a plain-language message."""

    def read(self, not_before: float | None = None) -> Frame | None:
        """Next frame; for files, the first frame with ``t >= not_before`` (skipping the rest).

        Returns None at the end of a file source. Raises SourceUnavailable when a camera fails.
        Unreadable image files are reported (logged) and skipped, never fatal.
        """

    def release(self) -> None:
        """Give the device back (so video-call apps can take it). Safe to call twice."""


class PoseEstimator(Protocol):
    """Finds people and their landmarks in a frame.

    Thread contract: one thread only (the worker), frames in increasing time order; ``estimate``
    blocks for the inference (~20 ms on one core). ``close`` releases the model and must be called
    explicitly by the owner.
    """

    def estimate(self, frame: Frame) -> PoseResult: ...

    def close(self) -> None: ...


#: What a notification is: a posture ``nudge`` (expires by itself after ~20 s, replaces the previous
#: nudge, offers Snooze/Pause buttons where the desktop has them) or anything else, ``info`` (~10 s,
#: never replaces a nudge).
NOTIFY_INFO = "info"
NOTIFY_NUDGE = "nudge"
NOTIFY_KINDS = (NOTIFY_INFO, NOTIFY_NUDGE)


def check_notification_text(text: str, what: str) -> None:
    """Reject text no notification backend can show well (not text, empty, or starting with '-',
    which notify-send would read as an option). Raises TypeError/ValueError naming ``what``."""
    if not isinstance(text, str):
        raise TypeError(f"notification {what} must be text, got {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"notification {what} must not be empty")
    if text.startswith("-"):
        raise ValueError(f"notification {what} must not start with '-': {text!r}")


class Notifier(Protocol):
    """Shows a short desktop notification; ``kind`` is NOTIFY_INFO or NOTIFY_NUDGE.

    Thread contract: called from the event-dispatch thread (the worker) or the main thread; may
    block briefly (<1 s, a D-Bus call or a subprocess). Raises NotificationError when the desktop
    refused it. Buttons a user presses on a nudge come back on the backend's own thread as
    commands (core.commands.NUDGE_BUTTONS) through the callback the backend was built with.
    """

    def notify(self, title: str, message: str, *, kind: str = NOTIFY_INFO) -> None: ...


class Speaker(Protocol):
    """Says one short sentence aloud through the system's speech service (desktop/speech), in the
    language whose code ("en", "de"...) comes with it.

    Thread contract: any thread (the worker, right after a nudge was shown; the main thread at
    shutdown). ``say`` never blocks (the speech runs in its own process or thread) and never raises:
    a failure is one log line and the caller goes on. A new ``say`` stops a sentence still being
    spoken and says the new one instead. ``close`` stops the speech and frees the engine; it is
    idempotent, and a ``say`` after it says nothing.
    """

    backend: str

    def say(self, text: str, language: str) -> None: ...

    def close(self) -> None: ...


class HistoryStore(Protocol):
    """Durable per-minute posture history (numbers only).

    Thread contract: every method is called from one thread (the worker's event dispatch) except
    the read methods, which open their own connection and may be called from any thread. Writes are
    transactional; each call either lands whole or raises HistoryError.
    """

    def record_minute(self, minute: MinuteRecord) -> None:
        """Insert or replace the row for ``minute.minute``."""

    def record_nudge(self, at: float, level: int) -> int:
        """Store a nudge and return its id."""

    def set_nudge_recovered(self, nudge_id: int, recovered: bool) -> None: ...

    def record_pause(self, start: float, end: float, reason: str) -> None: ...

    def record_calibration(self, at: float, baseline_deg: float, spread_deg: float, samples: int) -> None: ...

    def minutes(self, start: float, end: float) -> Sequence[MinuteRecord]:
        """Minute rows with ``start <= minute < end``, oldest first."""

    def nudges(self, start: float, end: float) -> Sequence[NudgeRecord]:
        """Nudges with ``start <= at < end``, oldest first."""

    def daily_totals(self, start_date: date, end_date: date) -> dict[date, dict]:
        """Seconds per state (``upright_s``...) for each local day from ``start_date`` to
        ``end_date``, both included (days rolled up by ``prune`` too)."""

    def has_data(self, day: date) -> bool:
        """True when local ``day`` has any posture seconds."""

    def export_csv(self, out: TextIO, start: float | None = None, end: float | None = None) -> int:
        """Write the per-minute history as CSV (header first) to ``out``; return the number of rows."""

    def prune(self, now: float, keep_minutes_days: int) -> int:
        """Roll minutes from before the last ``keep_minutes_days`` local days into daily totals;
        returns how many. A write: the writing thread, or before it starts."""

    def close(self) -> object: ...
