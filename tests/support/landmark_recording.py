"""A landmark recording (the real CSV format, read by the real LandmarkCsvSource) of the synthetic
seated person, one row a second: the worker replays it with no pose model, its timeline the clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fhp_monitor.core.calibration import Baseline, fit_from_readings
from fhp_monitor.core.geometry import read_posture
from fhp_monitor.core.ports import Frame
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvWriter
from tests.support.synthetic_pose import person_seen

SITTING_TALL_DEG = 50.0


def record_landmarks(path: Path, cva_at: Callable[[int], float], seconds: int,
                     body_x_at: Callable[[int], float] = lambda t: 0.0) -> Path:
    """``seconds`` rows, at t = 0, 1, 2 ...: the person whose CVA is ``cva_at(t)``, sitting
    ``body_x_at(t)`` metres to the side of where they were calibrated."""
    with LandmarkCsvWriter(path) as writer:
        for t in range(seconds):
            writer.write(Frame(image=None, t=float(t), index=t), person_seen(cva_at(t), body_x=body_x_at(t)))
    return path


def synthetic_baseline(sensitivity_deg: float = 2.0) -> Baseline:
    """The synthetic person calibrated sitting tall (CVA 50 degrees, front view)."""
    readings = [read_posture(person_seen(SITTING_TALL_DEG + 0.05 * (i % 3 - 1))) for i in range(20)]
    return fit_from_readings(readings, now=0.0, sensitivity_deg=sensitivity_deg)
