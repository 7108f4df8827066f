"""Glasses with progressive lenses: the posture a person reads the screen in is upright for them.

Progressive lenses (varifocals) see near through their lower part, so to read a screen at eye height
their wearers tilt the head back, often with the chin pushed a little forward. In a front view the
nose rises while the ears can sink towards the shoulders; the angle signal (the ears' height, see
core/signals.py) then reads a head coming forward, and a person who reads like this all day would be
nudged all day for the way their glasses make them sit.

The calibration window asks whether the user wears such glasses and, if so, records a few seconds
"as you read the screen". The medians of that recording become a **second upright reference**
(:func:`fold_reading_posture`; the ``reading_*`` fields of the baseline): a frame is judged forward
only when it is forward against the upright calibration *and* against the reading posture, each with
the same personal margins (core/signals.judge). A head that comes forward from either posture still
drops below both: its nose sinks below the reading posture's raised nose, its ears below the upright
posture's ears.

**Not a way to switch reminders off.** A recording in which the head went down rather than back (the
nose or the slump signal past its margin against the upright calibration, in the median frame) is a
lean forward, not a head tilted back to read: it is not taken, and the window says so.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from fhp_monitor.core.calibration import Baseline
from fhp_monitor.core.geometry import PostureReading
from fhp_monitor.core.signals import NOSE, SLUMP, angle_of, judge

#: At least this many frames of the reading posture in the calibrated view.
MIN_FRAMES = 3


def reading_values(readings: Sequence[PostureReading], view: str) -> dict[str, float]:
    """The medians of the reading posture's signals (only those measured in at least MIN_FRAMES frames)."""
    kept = [r for r in readings if r.view == view]
    columns = {
        "cva_proxy_deg": [angle_of(r) for r in kept],
        "nose_rise_ratio": [r.signals.get("nose_rise_ratio") for r in kept],
        "nose_height_frac": [r.signals.get("nose_height_frac") for r in kept],
        "ear_span_frac": [r.signals.get("ear_span_frac") if r.signals.get("nose_height_frac") is not None else None
                          for r in kept],
    }
    found = {}
    for key, values in columns.items():
        clean = [v for v in values if v is not None and np.isfinite(v)]
        if len(clean) >= MIN_FRAMES:
            found[key] = float(np.median(clean))
    if "ear_span_frac" not in found:
        found.pop("nose_height_frac", None)  # the slump signal needs both
    return found


def leans_forward(baseline: Baseline, readings: Sequence[PostureReading], sensitivity_deg: float | None = None) -> bool:
    """True when the recording is a head going down (nose or slump past its margin in the median frame)."""
    scores = [judge(baseline, r, sensitivity_deg).scores for r in readings if r.view == baseline.view]
    down = [max(s.get(NOSE, -np.inf), s.get(SLUMP, -np.inf)) for s in scores if NOSE in s or SLUMP in s]
    return bool(down) and float(np.median(down)) > 1.0


def fold_reading_posture(baseline: Baseline, readings: Sequence[PostureReading],
                         sensitivity_deg: float | None = None) -> Baseline | None:
    """The baseline with the reading posture as a second upright reference, or None when the recording
    cannot be one (too few frames in the calibrated view, or a lean forward: see the module docstring)."""
    plain = replace(baseline, **{f"reading_{key}": None for key in
                                 ("cva_proxy_deg", "nose_rise_ratio", "nose_height_frac", "ear_span_frac")})
    values = reading_values(readings, baseline.view)
    if "cva_proxy_deg" not in values or leans_forward(plain, readings, sensitivity_deg):
        return None
    return replace(plain, **{f"reading_{key}": value for key, value in values.items()})
