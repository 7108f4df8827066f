"""Calibration: the user's own upright posture, and the per-frame "head forward?" decision.

A baseline is the *median* CVA proxy over upright samples with the spread as 1.4826 x MAD (a
standard-deviation estimate that one odd frame cannot inflate). A frame counts as forward when its
proxy is more than the *margin* below the baseline:

    margin = max(sensitivity_deg, SPREAD_FACTOR x spread_deg)

``sensitivity_deg`` comes from the settings (default in config.yaml) unless the calibration
wizard personalised it from a second, "let your head drift forward" recording, in which case the
margin sits halfway between the two postures. The spread term stops a shaky calibration from
making every small wobble count.

In a front view a second signal backs the first: the nose's height above the shoulders (in
shoulder widths). A head that comes forward drops the nose more than the ears, and on recordings of
other people's desks a plain nose-drop rule (more than 0.10 shoulder widths below the calibrated
height) held up well. A front-view frame is forward when *either* signal crosses its calibrated
threshold; the nose threshold follows the same sensitivity dial (0.10 at the default 2 degrees).
A third, the slump (the nose sinking in the picture, in calibrated shoulder widths), catches a whole
upper body slumping; core/signals.py holds the combined rule, its margins and its reasoning, and
judges a frame with whichever signals are valid in it.

The baseline also records where and how big the user sat (see geometry.BodyReference), so
that someone else in view is never judged as the user and a moved camera can be noticed. Files
written before these fields existed still load: those checks are then simply not made.

Pure: numpy and the standard library only. Times are epoch seconds passed in.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from fhp_monitor.core.geometry import BodyReference, PostureReading
from fhp_monitor.core.i18n import _, ngettext
from fhp_monitor.core.signals import SLUMP_DROP, SLUMP_FLOOR, SLUMP_SPREAD_FACTOR, Verdict, judge
from fhp_monitor.core.value_checks import number as _number
from fhp_monitor.core.value_checks import one_of as _one_of
from fhp_monitor.core.value_checks import whole as _whole

SPREAD_FACTOR = 2.0
#: A side view sees the true ear-shoulder angle; the front proxy moves about half as far for the same
#: head movement (synthetic person, camera 10 cm above the shoulders at 0.8 m: 10 degrees of CVA move
#: the proxy 4.9 degrees; 2.5 to 8.5 from 0 to 30 cm). The side margin is this many times the dial, so
#: one sensitivity setting means about the same head movement in both views.
SIDE_MARGIN_FACTOR = 2.0
MIN_PERSONAL_GAP_DEG = 1.0
SENSITIVITY_LIMITS = (0.5, 30.0)
#: The default sensitivity in config.yaml; the nose threshold is NOSE_DROP at this sensitivity.
DEFAULT_SENSITIVITY_DEG = 2.0
#: Nose drop below the calibrated height, in shoulder widths, that counts as forward (at the
#: default sensitivity); never less than NOSE_DROP_FLOOR or NOSE_SPREAD_FACTOR calibrated spreads.
NOSE_DROP = 0.10
NOSE_DROP_FLOOR = 0.05
NOSE_SPREAD_FACTOR = 3.0
FILE_VERSION = 2
# never through a link (POSIX), binary (Windows' C runtime ends a text-mode read at Ctrl-Z), not inherited
_SAFE_FLAGS = (getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
               | getattr(os, "O_NOINHERIT", 0))
_READ_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)
#: A calibration file is a few hundred bytes; anything far larger is not one.
MAX_FILE_BYTES = 64 * 1024


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
    # Where and how big the user sat (geometry.BodyReference); None in files from before version 2.
    body_frac: float | None = None
    body_x: float | None = None
    body_y: float | None = None
    scale_spread: float | None = None
    place_spread: float | None = None
    view_ratio: float | None = None
    # Front view only: head turn and nose height (shoulder widths) with their spreads.
    head_turn: float | None = None
    head_turn_spread: float | None = None
    nose_rise_ratio: float | None = None
    nose_rise_spread: float | None = None
    # Front view: the nose's height above the shoulders as a share of the frame width, and its spread
    # in calibrated shoulder widths (the slump signal, core/signals.py). None in older files.
    nose_height_frac: float | None = None
    nose_height_spread: float | None = None
    ear_span_frac: float | None = None  # the head's size (distance between the ears / frame width)
    # Glasses with progressive lenses: the posture the user reads the screen in, a second upright
    # reference (core/reading_posture.py); None when that step was skipped.
    reading_cva_proxy_deg: float | None = None
    reading_nose_rise_ratio: float | None = None
    reading_nose_height_frac: float | None = None
    reading_ear_span_frac: float | None = None

    def margin_deg(self, sensitivity_deg: float | None = None) -> float:
        """Degrees below the baseline that count as forward (settings' sensitivity unless personalised;
        in a side view SIDE_MARGIN_FACTOR times it, see there)."""
        dial = self._chosen(sensitivity_deg) * (SIDE_MARGIN_FACTOR if self.view == "side" else 1.0)
        return max(dial, SPREAD_FACTOR * self.spread_deg)

    def _chosen(self, sensitivity_deg: float | None) -> float:
        return self.sensitivity_deg if (self.personalised or sensitivity_deg is None) else sensitivity_deg

    def nose_margin(self, sensitivity_deg: float | None = None) -> float:
        """Shoulder widths below the calibrated nose height that count as forward."""
        dial = NOSE_DROP * self._chosen(sensitivity_deg) / DEFAULT_SENSITIVITY_DEG
        return max(dial, NOSE_DROP_FLOOR, NOSE_SPREAD_FACTOR * (self.nose_rise_spread or 0.0))

    def slump_margin(self, sensitivity_deg: float | None = None) -> float:
        """Calibrated shoulder widths the nose may sink in the picture before it counts as forward."""
        dial = SLUMP_DROP * self._chosen(sensitivity_deg) / DEFAULT_SENSITIVITY_DEG
        return max(dial, SLUMP_FLOOR, SLUMP_SPREAD_FACTOR * (self.nose_height_spread or 0.0))

    @property
    def body(self) -> BodyReference | None:
        """Where the user sat at calibration, or None for a file from before that was recorded."""
        if self.body_frac is None or self.body_x is None or self.body_y is None:
            return None
        return BodyReference(self.view, self.body_frac, self.body_x, self.body_y, self.scale_spread or 0.0,
                             self.place_spread or 0.0, self.head_turn, self.head_turn_spread, self.view_ratio)


def body_of(baseline: Baseline | None) -> BodyReference | None:
    """The calibrated body for ``geometry.read_posture`` (None without calibration or in an old file)."""
    return None if baseline is None else baseline.body


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
            ngettext("Only {count} usable picture of you was found; at least {needed} are needed. "
                     "Sit facing the camera with your face and both shoulders in view, and try again.",
                     "Only {count} usable pictures of you were found; at least {needed} are needed. "
                     "Sit facing the camera with your face and both shoulders in view, and try again.",
                     clean.size).format(count=clean.size, needed=min_samples)
        )
    if view not in ("front", "side"):
        raise CalibrationError(_("unknown camera view {view}").format(view=repr(view)))
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


def _signal(readings: Sequence[PostureReading], key: str) -> np.ndarray:
    values = [r.signals.get(key) for r in readings]
    return np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)


def body_fields(readings: Sequence[PostureReading]) -> dict[str, float]:
    """Where and how big the user sat, and how they held their head, over usable readings of one view."""
    found: dict[str, float] = {}
    size, x, y = (_signal(readings, k) for k in ("body_frac", "body_x", "body_y"))
    if size.size and size.size == x.size == y.size and np.all(size > 0):
        aspect = np.array([r.signals.get("aspect", 1.0) for r in readings if "body_frac" in r.signals])
        body = float(np.median(size))
        offsets = np.hypot(x - np.median(x), (y - np.median(y)) * (aspect if aspect.size == y.size else 1.0)) / body
        found.update(body_frac=body, body_x=float(np.median(x)), body_y=float(np.median(y)),
                     scale_spread=robust_spread(np.log(size)), place_spread=float(1.4826 * np.median(offsets)))
    for key, spread in (("view_ratio", None), ("head_turn", "head_turn_spread"),
                        ("nose_rise_ratio", "nose_rise_spread")):
        values = _signal(readings, key)
        if values.size >= max(3, len(readings) // 2):
            found[key] = float(np.median(values))
            if spread:
                found[spread] = robust_spread(values)
    pairs = [(r.signals["nose_height_frac"], r.signals["ear_span_frac"]) for r in readings
             if r.signals.get("nose_height_frac") is not None and r.signals.get("ear_span_frac")]
    if "body_frac" in found and len(pairs) >= max(3, len(readings) // 2):
        height, span = np.array(pairs).T
        found["ear_span_frac"] = float(np.median(span))
        found["nose_height_frac"] = float(np.median(height))
        # the slump signal's own spread, as core/signals.slump_of measures it (calibrated shoulder widths)
        found["nose_height_spread"] = robust_spread(height * found["ear_span_frac"] / span / found["body_frac"])
    return found


def fit_from_readings(
    readings: Sequence[PostureReading], now: float, sensitivity_deg: float, min_samples: int = 5
) -> Baseline:
    """Baseline from readings of upright posture, using the readings of the dominant view only."""
    view = dominant_view(readings)
    if view is None:
        return fit_baseline([], "front", now, sensitivity_deg, min_samples)
    kept = [r for r in readings if r.usable and r.view == view]
    baseline = fit_baseline([r.cva_proxy_deg for r in kept], view, now, sensitivity_deg, min_samples)
    return replace(baseline, **body_fields(kept))


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


def verdict_of(baseline: Baseline | None, reading: PostureReading, sensitivity_deg: float | None = None) -> Verdict:
    """Forward or not, and with which signals (core/signals.py has the rule and its reasoning)."""
    return judge(baseline, reading, sensitivity_deg)


def is_forward(baseline: Baseline | None, reading: PostureReading, sensitivity_deg: float | None = None) -> bool | None:
    """True/False when at least one signal of the reading is valid in the calibrated view; None without
    calibration, in another view, or with no valid signal (see core/signals.py)."""
    return judge(baseline, reading, sensitivity_deg).forward


# --------------------------------------------------------------------------- the file


def save_baseline(path: Path, baseline: Baseline) -> None:
    """Write atomically without following symlinks (see :func:`write_private`)."""
    write_private(path, json.dumps(file_content(baseline), indent=2, allow_nan=False).encode())


def file_content(baseline: Baseline) -> dict[str, Any]:
    """The baseline as the keys of its file (read back by :func:`baseline_from`)."""
    return {"version": FILE_VERSION, **asdict(baseline)}


def write_private(path: Path, data: bytes) -> None:
    """A fresh private temp file, then rename: the temp file is created with O_EXCL | O_NOFOLLOW (mode
    0600) in the same folder, so a symlink planted at any name is never written through; the rename
    replaces ``path`` itself (a symlink there is replaced, not followed). A crash never leaves half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _SAFE_FLAGS
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, flags, 0o600)  # personal data: readable by the user only
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: Every key of the file, with what it may hold (plausible ranges, with room to spare).
FILE_SCHEMA = {
    "version": _one_of(1, 2),
    "cva_proxy_deg": _number(-180.0, 180.0),
    "spread_deg": _number(0.0, 90.0),
    "samples": _whole(1, 1_000_000),
    "view": _one_of("front", "side"),
    "sensitivity_deg": _number(*SENSITIVITY_LIMITS),
    "calibrated_at": _number(0.0, 1e11),
    "personalised": _one_of(True, False),
    "forward_cva_proxy_deg": _number(-180.0, 180.0, optional=True),
    "body_frac": _number(1e-3, 10.0, optional=True),
    "body_x": _number(-1.0, 2.0, optional=True),
    "body_y": _number(-1.0, 2.0, optional=True),
    "scale_spread": _number(0.0, 10.0, optional=True),
    "place_spread": _number(0.0, 10.0, optional=True),
    "view_ratio": _number(0.0, 1000.0, optional=True),
    "head_turn": _number(-10.0, 10.0, optional=True),
    "head_turn_spread": _number(0.0, 10.0, optional=True),
    "nose_rise_ratio": _number(-10.0, 10.0, optional=True),
    "nose_rise_spread": _number(0.0, 10.0, optional=True),
    "nose_height_frac": _number(-10.0, 10.0, optional=True),
    "nose_height_spread": _number(0.0, 10.0, optional=True),
    "ear_span_frac": _number(1e-4, 10.0, optional=True),
    "reading_cva_proxy_deg": _number(-180.0, 180.0, optional=True),
    "reading_nose_rise_ratio": _number(-10.0, 10.0, optional=True),
    "reading_nose_height_frac": _number(-10.0, 10.0, optional=True),
    "reading_ear_span_frac": _number(1e-4, 10.0, optional=True),
}
REQUIRED_KEYS = ("cva_proxy_deg", "spread_deg", "samples", "view", "sensitivity_deg", "calibrated_at")


def read_small_regular_file(path: Path) -> bytes | None:
    """The file's bytes (None if it does not exist); refuses FIFOs, devices, folders and huge files."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _READ_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CalibrationError(_("The calibration file {path} cannot be read ({error}).").format(
            path=path, error=exc.strerror)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CalibrationError(_("The calibration file {path} is not a regular file; please calibrate again.")
                                   .format(path=path))
        data = os.read(fd, MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise CalibrationError(_("The calibration file {path} is far too big to be a calibration; "
                                 "please calibrate again.").format(path=path))
    return data


def load_baseline(path: Path) -> Baseline | None:
    """The saved baseline, None if there is none. A damaged or implausible file raises CalibrationError.

    Every key is checked (a number written as text, NaN, Infinity, an unknown view, a value far
    outside what a calibration can produce); the message names the file and the key. Keys this
    version does not know are ignored (a file from a newer version).
    """
    data = read_small_regular_file(path)
    if data is None:
        return None
    try:
        content = json.loads(data.decode("utf-8"))  # NaN/Infinity parse, and are refused below by key
    except (UnicodeDecodeError, ValueError) as exc:
        raise CalibrationError(_("The calibration file {path} is damaged ({error}); please calibrate again.").format(
            path=path, error=exc)) from None
    return baseline_from(content, path)


def baseline_from(content: Any, path: Any) -> Baseline:
    """The baseline in a file's keys (``path`` names the file, or the file and the setup, in a message)."""
    if not isinstance(content, dict):
        raise CalibrationError(_("The calibration file {path} is damaged (not a set of keys); please calibrate "
                                 "again.").format(path=path))
    for key in REQUIRED_KEYS:
        if key not in content:
            raise CalibrationError(_("The calibration file {path} lacks the key {key}; please calibrate again.")
                                   .format(path=path, key=repr(key)))
    values: dict[str, Any] = {}
    for key, check in FILE_SCHEMA.items():
        if key in content:
            problem = check(content[key])
            if problem:
                raise CalibrationError(_("The calibration file {path} has a bad value for {key} ({problem}); "
                                         "please calibrate again.").format(path=path, key=repr(key), problem=problem))
            values[key] = content[key]
    placed = [key for key in ("body_frac", "body_x", "body_y") if values.get(key) is not None]
    if placed and len(placed) != 3:
        missing = next(k for k in ("body_frac", "body_x", "body_y") if values.get(k) is None)
        raise CalibrationError(_("The calibration file {path} lacks the key {key}; please calibrate again.").format(
            path=path, key=repr(missing)))
    values.pop("version", None)
    known = {f.name for f in fields(Baseline)}
    return Baseline(**{k: (float(v) if isinstance(v, int) and k != "samples" and not isinstance(v, bool) else v)
                       for k, v in values.items() if k in known})
