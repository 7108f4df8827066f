"""Landmark recordings of exercises, built from REAL MediaPipe landmarks of the real photos in tests/data.

Nobody can be filmed here, so each recording is put together from the landmarks the real MediaPipe pose
model finds on the real labelled webcam photos of one session (tests/data/slouching-or-not, one adult,
front camera). Within a session:

* the **slouching photos** (``isSlouching``, head forward and low) play the user's usual posture: the
  calibration recording is those photos, and every exercise recording rests on them;
* the **upright photos** (``notSlouching``) play the end of the movement: the same person's real head
  and shoulders coming back and up over the shoulders, the nose rising - the direction a chin tuck, a
  shoulder squeeze and a head lift move. All three exercises therefore use the same real pose pair;
  each counter reads its own signal from it (CVA proxy or nose height).

A recording runs at :data:`FPS` frames per second. Rest and hold stretches cycle through the real photos
of the posture (so their frame-to-frame jitter is real MediaPipe jitter on different real pictures). The
:data:`MOVE_S` second moves between two postures are the only made-up frames: each landmark is linearly
interpolated between a real rest photo's landmarks and a real target photo's landmarks. A *halfway*
repetition holds at ``share`` of the way (each landmark at rest + share x (target - rest), pairing the
cycled rest and target photos frame by frame), so it has the same real jitter at a smaller amplitude.

``python -m tests.support.exercise_recordings OUTDIR`` writes the recordings the tests use, so anyone
can replay them: ``fhp-monitor calibrate --no-gui --source OUTDIR/<session>-calibration.csv`` and
``fhp-monitor exercise --source OUTDIR/<session>-right.csv --json chin-tuck``.
"""

from __future__ import annotations

import sys
from itertools import cycle
from pathlib import Path

import numpy as np

from fhp_monitor.core.ports import PoseLandmarks, PoseResult
from fhp_monitor.sensing.landmarks_csv import HEADER, format_row, open_private
from tests.support.real_photos import FORWARD, SESSIONS, UPRIGHT

FPS = 5.0
MOVE_S = 0.8
REST, TARGET = FORWARD, UPRIGHT  # see the module docstring

#: The plans the tests use: ("rest", seconds) or ("rep", share of the full movement, hold seconds).
RIGHT = [("rest", 3.0), *[step for _ in range(5) for step in (("rep", 1.0, 3.0), ("rest", 2.0))]]
HALFWAY = [("rest", 3.0), *[step for _ in range(4) for step in (("rep", 0.35, 3.0), ("rest", 2.0))]]
MIXED = [("rest", 3.0), ("rep", 1.0, 3.0), ("rest", 2.0), ("rep", 0.35, 3.0), ("rest", 2.0),
         ("rep", 1.0, 4.0), ("rest", 2.0), ("rep", 0.3, 2.0), ("rest", 2.0), ("rep", 1.0, 2.0), ("rest", 3.0)]
STILL = [("rest", 40.0)]
PLANS = {"right": (RIGHT, 5), "halfway": (HALFWAY, 0), "mixed": (MIXED, 3), "still": (STILL, 0)}


def real_poses(session: Path) -> dict[str, list[PoseResult]]:
    """The real MediaPipe result for every photo of ``session``, by label (one person each)."""
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator
    from fhp_monitor.sensing.sources import ImageFolderSource

    out: dict[str, list[PoseResult]] = {}
    with MediaPipePoseEstimator() as estimator:
        for label in (REST, TARGET):
            source = ImageFolderSource(session / label)
            source.open()
            found = []
            while (frame := source.read()) is not None:
                result = estimator.estimate(frame)
                if result.poses:
                    found.append(result)
            source.release()
            out[label] = found
    return out


def blend(a: PoseResult, b: PoseResult, share: float) -> PoseResult:
    """Every landmark ``share`` of the way from ``a`` to ``b`` (same frame size); visibility the lower one."""
    pa, pb = a.poses[0], b.poses[0]
    pose = PoseLandmarks(image=pa.image + share * (pb.image - pa.image), world=pa.world,
                         visibility=np.minimum(pa.visibility, pb.visibility))
    return PoseResult((pose,), a.width, a.height)


def frames_for(plan, poses: dict[str, list[PoseResult]], fps: float = FPS) -> list[PoseResult]:
    rest, target = cycle(poses[REST]), cycle(poses[TARGET])
    out: list[PoseResult] = []
    for step in plan:
        if step[0] == "rest":
            out += [next(rest) for _ in range(round(step[1] * fps))]
            continue
        _, share, hold = step
        moves = max(1, round(MOVE_S * fps))
        start, end = next(rest), next(target)
        out += [blend(start, end, share * (i + 1) / (moves + 1)) for i in range(moves)]
        out += [blend(next(rest), next(target), share) for _ in range(round(hold * fps))]
        back, end = next(rest), next(target)
        out += [blend(back, end, share * (moves - i) / (moves + 1)) for i in range(moves)]
    return out


def write_recording(path: Path, frames: list[PoseResult], fps: float = FPS) -> Path:
    import csv

    with open_private(Path(path)) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for i, result in enumerate(frames):
            writer.writerow(format_row(i / fps, result))
    return Path(path)


def write_all(folder: Path, sessions=SESSIONS) -> dict[str, Path]:
    """Every recording (and each session's calibration recording) in ``folder``; returns them by name."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for index, session in enumerate(sessions):
        poses = real_poses(session)
        name = f"session{index + 1}"
        written[f"{name}-calibration"] = write_recording(folder / f"{name}-calibration.csv", poses[REST] * 2)
        for kind, (plan, _) in PLANS.items():
            written[f"{name}-{kind}"] = write_recording(folder / f"{name}-{kind}.csv", frames_for(plan, poses))
    return written


if __name__ == "__main__":
    for key, path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "exercise-recordings")).items():
        print(f"{key}: {path}")
