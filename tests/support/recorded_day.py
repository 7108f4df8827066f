"""Build a "recorded day" video from the real labelled photos: upright, forward, upright... minutes.

The photos of one session are cycled through at ``fps`` frames per second (MJPG AVI, lossless
enough and seekable), so the video's own timeline is the clock of a replayed day.
"""

from __future__ import annotations

from itertools import cycle
from pathlib import Path

import cv2

from tests.support.real_photos import FORWARD, SESSIONS, UPRIGHT

SESSION = SESSIONS[0]

#: Settings for an app run over a recorded day in tests: a look every second, a nudge after 5 s forward.
FAST_SETTINGS = """\
sampling:
  interval_s: 1
  fast_interval_s: 1
nudges:
  onset_delay_s: 5
"""


def photos(label: str, session: Path = SESSION) -> list:
    return [cv2.imread(str(p)) for p in sorted((session / label).glob("*.jpg"))]


def build_recorded_day(path: Path, plan: list[tuple[str, float]], fps: float = 1.0, session: Path = SESSION) -> Path:
    """``plan`` is [(UPRIGHT or FORWARD, minutes), ...]; returns the video path."""
    frames = {UPRIGHT: cycle(photos(UPRIGHT, session)), FORWARD: cycle(photos(FORWARD, session))}
    first = next(frames[UPRIGHT])
    height, width = first.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    try:
        for label, minutes in plan:
            for _ in range(int(round(minutes * 60 * fps))):
                writer.write(next(frames[label]))
    finally:
        writer.release()
    return path


def calibration_folder(session: Path = SESSION) -> Path:
    return session / UPRIGHT
