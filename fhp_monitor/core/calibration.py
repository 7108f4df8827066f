"""Calibration: the user's own upright posture, and the per-frame "head forward?" decision.

A baseline is the *median* CVA proxy over upright samples with the spread as 1.4826 x MAD (a
standard-deviation estimate that one odd frame cannot inflate). A frame counts as forward when its
proxy is more than the *margin* below the baseline:

    margin = max(sensitivity_deg, SPREAD_FACTOR x spread_deg)

``sensitivity_deg`` comes from the settings (default in config.yaml) unless the calibration
wizard personalised it from a second, "let your head drift forward" recording, in which case the
margin sits halfway between the two postures. The spread term stops a shaky calibration from
making every small wobble count.

Pure: numpy and the standard library only. Times are epoch seconds passed in.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from fhp_monitor.core.geometry import PostureReading

SPREAD_FACTOR = 2.0
MIN_PERSONAL_GAP_DEG = 1.0
SENSITIVITY_LIMITS = (0.5, 30.0)
FILE_VERSION = 1


class CalibrationError(ValueError):
    """The calibration could not be made or read; the message says what to do."""


@dataclass(frozen=True)
class Baseline:
    cva_proxy_deg: float
    spread_deg: float
    samples: int
    view: str
    sensitivity_deg: float
    calibrated_at: float
    personalised: bool = False
    forward_cva_proxy_deg: float | None = None

    def margin_deg(self, sensitivity_deg: float | None = None) -> float:
        """Degrees below the baseline that count as forward (settings' sensitivity unless personalised)."""
        chosen = self.sensitivity_deg if (self.personalised or sensitivity_deg is None) else sensitivity_deg
        return max(chosen, SPREAD_FACTOR * self.spread_deg)


def robust_spread(values: np.ndarray) -> float:
    """1.4826 x median absolute deviation: the standard deviation for normal data, robust to outliers."""
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def fit_baseline(
    values: Sequence[float], view: str, now: float, sensitivity_deg: float, min_samples: int = 5
) -> Baseline:
    """Baseline from upright proxy values (None/NaN ignored). Raises CalibrationError if too few."""
    clean = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if clean.size < min_samples:
        raise CalibrationError(
            f"Only {clean.size} usable picture(s) of you were found; at least {min_samples} are needed. "
            "Sit facing the camera with your face and both shoulders in view, and try again."
        )
    if view not in ("front", "side"):
        raise CalibrationError(f"unknown camera view {view!r}")
    return Baseline(
        cva_proxy_deg=float(np.median(clean)),
        spread_deg=robust_spread(clean),
        samples=int(clean.size),
        view=view,
        sensitivity_deg=float(sensitivity_deg),
        calibrated_at=float(now),
    )


def dominant_view(readings: Sequence[PostureReading]) -> str | None:
    """The view most usable readings were taken in (calibration keeps only those)."""
    views = [r.view for r in readings if r.usable and r.view]
    if not views:
        return None
    return max(("front", "side"), key=views.count)


def fit_from_readings(
    readings: Sequence[PostureReading], now: float, sensitivity_deg: float, min_samples: int = 5
) -> Baseline:
    """Baseline from readings of upright posture, using the readings of the dominant view only."""
    view = dominant_view(readings)
    if view is None:
        return fit_baseline([], "front", now, sensitivity_deg, min_samples)
    values = [r.cva_proxy_deg for r in readings if r.usable and r.view == view]
    return fit_baseline(values, view, now, sensitivity_deg, min_samples)


def personalise(baseline: Baseline, forward_values: Sequence[float]) -> Baseline:
    """Put the margin halfway between upright and the user's own "drifted forward" recording.

    Left unchanged when the forward recording is not clearly below the baseline (the user did not
    really drift, or the picture was unusable): the default sensitivity is the safer choice.
    """
    clean = np.array([v for v in forward_values if v is not None and math.isfinite(v)], dtype=float)
    if clean.size < 3:
        return baseline
    forward = float(np.median(clean))
    gap = baseline.cva_proxy_deg - forward
    if gap < max(MIN_PERSONAL_GAP_DEG, SPREAD_FACTOR * baseline.spread_deg):
        return baseline
    low, high = SENSITIVITY_LIMITS
    return replace(
        baseline,
        sensitivity_deg=float(min(max(gap / 2.0, low), high)),
        personalised=True,
        forward_cva_proxy_deg=forward,
    )


def is_forward(baseline: Baseline | None, reading: PostureReading, sensitivity_deg: float | None = None) -> bool | None:
    """True/False for a usable reading in the calibrated view; None without calibration or reading."""
    if baseline is None or not reading.usable or reading.view != baseline.view:
        return None
    assert reading.cva_proxy_deg is not None
    return reading.cva_proxy_deg < baseline.cva_proxy_deg - baseline.margin_deg(sensitivity_deg)


def save_baseline(path: Path, baseline: Baseline) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a calibration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover (or a planted symlink) goes; its target is never written
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(tmp, flags, 0o600), "w") as out:  # personal data: readable by the user only
        out.write(json.dumps({"version": FILE_VERSION, **asdict(baseline)}, indent=2))
    os.replace(tmp, path)


def load_baseline(path: Path) -> Baseline | None:
    """The saved baseline, None if there is none. A damaged file raises CalibrationError."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"The calibration file {path} is damaged ({exc}); please calibrate again.") from exc
    try:
        data.pop("version", None)
        baseline = Baseline(**data)
        float(baseline.cva_proxy_deg), float(baseline.spread_deg)
    except (TypeError, ValueError) as exc:
        raise CalibrationError(f"The calibration file {path} is damaged ({exc}); please calibrate again.") from exc
    return baseline
