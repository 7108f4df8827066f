"""Collects the "sitting tall" samples of a calibration, leaving out moments when the person moved.

The calibration window feeds :class:`UprightCapture` one posture reading per frame, with the time
of the frame (a camera's clock, or a file's own timeline) and the key landmarks' positions. A
sample is accepted when it has a CVA proxy and the person has not moved much since the previous
sample. Motion is judged as a speed (body sizes per second, see :func:`landmark_motion`) so one
threshold suits a 15 fps camera and a folder of photos taken a second apart alike; the capture is done once
``duration_s`` seconds of *accepted* time have been collected, so
every rejected sample makes the capture a little longer. Pure: numpy and the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # only the attributes cva_proxy_deg and view are used
    from fhp_monitor.core.geometry import PostureReading

#: Longest stretch of time one sample may stand for (a stalled camera must not fill the capture).
DEFAULT_MAX_GAP_S = 1.0
#: Motion between samples closer than this is judged over this interval, so landmark jitter
#: between two fast camera frames is not mistaken for moving.
MIN_MOTION_INTERVAL_S = 0.2
#: Default speed limit in body sizes per second. Tuned on real photos a second apart: people
#: sitting still but swaying moved 0.02-0.39 body sizes between photos.
DEFAULT_MAX_MOTION = 0.5


def landmark_motion(previous_xy: np.ndarray, current_xy: np.ndarray) -> float:
    """Mean displacement of the landmarks, in units of the body's size in the previous sample.

    The body size is the root-mean-square distance of the previous landmarks from their centre,
    so the measure is the same whether the person sits near the camera or far from it.
    """
    previous_xy = np.asarray(previous_xy, dtype=float)
    current_xy = np.asarray(current_xy, dtype=float)
    if previous_xy.shape != current_xy.shape or previous_xy.ndim != 2 or previous_xy.shape[1] != 2:
        raise ValueError(f"landmarks must be two (k, 2) arrays of one shape, "
                         f"got {previous_xy.shape} and {current_xy.shape}")
    if previous_xy.shape[0] < 2:
        raise ValueError("at least two landmarks are needed to measure motion")
    centred = previous_xy - previous_xy.mean(axis=0)
    size = float(np.sqrt((centred**2).sum(axis=1).mean()))
    if size <= 1e-9:
        return float("inf")
    return float(np.linalg.norm(current_xy - previous_xy, axis=1).mean() / size)


@dataclass(frozen=True)
class CaptureSample:
    """One reading offered to the capture and what became of it."""

    t: float
    reading: "PostureReading"
    accepted: bool
    motion: float | None  # body sizes moved since the previous sample; None if not measurable


class UprightCapture:
    """Accumulates ``duration_s`` seconds of still, readable posture samples.

    ``now`` is the time the capture started, on the same clock as the samples' ``t``. Each accepted
    sample counts for the time since the sample before it (at most ``max_gap_s``). ``max_motion``
    is a speed in body sizes per second: a sample whose landmarks moved more than
    ``max_motion * max(dt, MIN_MOTION_INTERVAL_S)`` since the previous sample is left out.
    """

    def __init__(self, duration_s: float, max_motion: float, now: float, max_gap_s: float = DEFAULT_MAX_GAP_S) -> None:
        if duration_s <= 0:
            raise ValueError(f"duration_s must be positive, got {duration_s}")
        if max_motion <= 0:
            raise ValueError(f"max_motion must be positive, got {max_motion}")
        if max_gap_s <= 0:
            raise ValueError(f"max_gap_s must be positive, got {max_gap_s}")
        self.duration_s = float(duration_s)
        self.max_motion = float(max_motion)
        self.started_at = float(now)
        self.max_gap_s = float(max_gap_s)
        self.samples: list[CaptureSample] = []
        self._accepted_s = 0.0
        self._last_t = float(now)
        self._last_xy: np.ndarray | None = None

    def add(self, t: float, reading: "PostureReading", landmarks_xy: np.ndarray | None) -> bool:
        """Offer one sample; returns True when it was accepted. Samples after ``done`` are ignored."""
        if t < self._last_t:
            raise ValueError(f"samples must come in time order: {t} is before {self._last_t}")
        if self.done:
            return False
        xy = None if landmarks_xy is None else np.asarray(landmarks_xy, dtype=float)
        motion = None if xy is None or self._last_xy is None else landmark_motion(self._last_xy, xy)
        allowed = self.max_motion * max(min(t - self._last_t, self.max_gap_s), MIN_MOTION_INTERVAL_S)
        accepted = (
            reading.cva_proxy_deg is not None
            and xy is not None
            and (motion is None or motion <= allowed)
        )
        if accepted:
            self._accepted_s += min(t - self._last_t, self.max_gap_s)
        self.samples.append(CaptureSample(t, reading, accepted, motion))
        self._last_t = float(t)
        self._last_xy = xy
        return accepted

    def _pending_s(self, t: float) -> float:
        """Time since the last sample that will count if the next sample is accepted too."""
        if not self.samples or not self.samples[-1].accepted:
            return 0.0
        return min(max(t - self._last_t, 0.0), self.max_gap_s)

    @property
    def accepted_s(self) -> float:
        """Seconds of accepted time collected so far."""
        return self._accepted_s

    @property
    def done(self) -> bool:
        return self._accepted_s >= self.duration_s

    def progress(self, t: float) -> float:
        """Share 0..1 of the capture done at time ``t`` (smooth between samples while still)."""
        if self.done:
            return 1.0
        return min((self._accepted_s + self._pending_s(t)) / self.duration_s, 1.0)

    def remaining_s(self, t: float) -> float:
        """Seconds still to capture at time ``t``, assuming the person keeps still."""
        return max(self.duration_s * (1.0 - self.progress(t)), 0.0)

    @property
    def values(self) -> list[float]:
        """CVA proxy (degrees) of every accepted sample, oldest first."""
        return [s.reading.cva_proxy_deg for s in self.samples if s.accepted]  # type: ignore[misc]

    @property
    def rejected(self) -> int:
        """How many samples were left out (moving, or nothing readable)."""
        return sum(1 for s in self.samples if not s.accepted)

    @property
    def readings(self) -> list["PostureReading"]:
        """The accepted readings, oldest first (for ``calibration.fit_from_readings``)."""
        return [s.reading for s in self.samples if s.accepted]


class SourceTimeline:
    """Keeps frame times increasing when a file source loops back to its start or is re-opened.

    ``place(t)`` returns ``t`` shifted onto one continuous timeline: a time that does not come
    after the previous one is moved to one usual frame step after it, and later frames keep that
    shift. A camera's monotonic times pass through unchanged.
    """

    def __init__(self, default_step_s: float = 1.0 / 15) -> None:
        self.offset = 0.0
        self.last: float | None = None
        self.step_s = default_step_s

    def place(self, t: float) -> float:
        placed = t + self.offset
        if self.last is not None and placed <= self.last:
            self.offset = self.last + self.step_s - t
            placed = t + self.offset
        elif self.last is not None:
            self.step_s = placed - self.last
        self.last = placed
        return placed


class DarkWatch:
    """Notices a camera that gives only black pictures (a closed cover or privacy switch)."""

    def __init__(self, luma_below: float = 5.0, for_s: float = 2.0) -> None:
        self.luma_below, self.for_s = luma_below, for_s
        self.dark_since: float | None = None

    def update(self, t: float, luma: float) -> bool:
        """True once every picture for at least ``for_s`` seconds was darker than ``luma_below``."""
        if luma >= self.luma_below:
            self.dark_since = None
            return False
        if self.dark_since is None:
            self.dark_since = t
        return t - self.dark_since >= self.for_s
