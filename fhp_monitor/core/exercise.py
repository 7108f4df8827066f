"""Counting exercise repetitions against the user's own calibration (pure: numpy and stdlib, time as input).

Three exercises a physiotherapist often gives for a forward head, each read from one calibrated signal:

* **chin tuck** - the head glides straight back. The CVA proxy (geometry.py) rises above the user's
  calibrated upright value: in the side view the ear moves back over the shoulder; in the front view
  the ears rise above the shoulders as the head comes back. Works in both views.
* **head lift** - sit tall and lift the crown of the head: the nose rises above the calibrated nose
  line (``nose_rise_ratio``, in shoulder widths). Front view only (the calibration records the nose
  line in the front view only).
* **shoulder squeeze** - shoulders back and down: seen from the front the shoulders drop away from the
  ears, so the ears stand higher above the shoulders than at calibration (the same front-view reading as
  the chin tuck: from the front the camera cannot tell the two apart, it counts the movement the guide
  asked for). Front view only (in a side view the shoulders moving back reads as the head moving forward).

How far is "done" (the *reach*) is the user's own: at least the margin the monitor already uses to call
the head forward (mirrored: a tuck moves back at least as far as the drift that earns a nudge) and
:data:`REACH_SPREADS` calibrated spreads, so the wobble of sitting still never reaches it. A repetition
counts when the smoothed signal (median over :data:`SMOOTH_S` seconds) reaches the reach, stays there for
:data:`MIN_HOLD_S`, and comes back below :data:`RELEASE_SHARE` of it (hysteresis: a hold that wobbles around
the reach is one repetition, not several). A movement that leaves rest but never reaches the reach is a
*partial* one: seen, never counted. Readings the camera cannot use (no one in view, another view, the
head turned) are skipped; a hold interrupted for longer than :data:`LOST_S` is dropped, not counted.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field

from fhp_monitor.core.calibration import Baseline
from fhp_monitor.core.geometry import PostureReading
from fhp_monitor.core.i18n import _

CHIN_TUCK, SHOULDER_SQUEEZE, HEAD_LIFT = "chin-tuck", "shoulder-squeeze", "head-lift"
EXERCISES = (CHIN_TUCK, SHOULDER_SQUEEZE, HEAD_LIFT)

#: The signal is smoothed by its median over this many seconds (one odd frame never counts or releases).
SMOOTH_S = 0.6
#: The reach is at least this many calibrated spreads (sitting still stays within about 2).
REACH_SPREADS = 2.5
#: ... and never less than these (degrees of CVA proxy; shoulder widths of nose height).
REACH_FLOOR_DEG, REACH_FLOOR_NOSE = 1.0, 0.05
#: Back at rest once the smoothed signal is below this share of the reach.
RELEASE_SHARE = 0.4
#: A hold shorter than this (seconds) is a twitch, not a repetition.
MIN_HOLD_S = 0.5
#: A hold the camera lost for longer than this (seconds) is dropped.
LOST_S = 3.0
#: The camera "can tell" when at least this share of the time had usable readings.
MIN_SEEN_SHARE = 0.5


class ExerciseError(ValueError):
    """The exercise cannot be counted with this calibration; the message says why in plain words."""


@dataclass(frozen=True)
class Target:
    """What one exercise reads: the signal, its calibrated rest value and the reach (same unit)."""

    exercise: str
    view: str
    rest: float
    reach: float
    unit: str

    def value(self, reading: PostureReading) -> float | None:
        """The movement away from rest in ``unit`` (positive = the asked direction), None if unusable."""
        if not reading.usable or reading.view != self.view:
            return None
        if self.exercise == HEAD_LIFT:
            nose = reading.signals.get("nose_rise_ratio")
            return None if nose is None or not math.isfinite(nose) else nose - self.rest
        assert reading.cva_proxy_deg is not None
        return reading.cva_proxy_deg - self.rest


def target_for(exercise: str, baseline: Baseline | None) -> Target:
    """The calibrated target of ``exercise``; ExerciseError when the camera cannot follow it."""
    if exercise not in EXERCISES:
        raise ExerciseError(_("unknown exercise {name}; choose one of {names}").format(
            name=repr(exercise), names=", ".join(EXERCISES)))
    if baseline is None:
        raise ExerciseError(_("there is no calibration yet, so the camera cannot count (run: fhp-monitor calibrate)"))
    if exercise != CHIN_TUCK and baseline.view != "front":
        raise ExerciseError(_("the camera counts this exercise only when it faces you; "
                              "you were calibrated from the side"))
    if exercise == HEAD_LIFT:
        if baseline.nose_rise_ratio is None:
            raise ExerciseError(_("your calibration has no nose line (it is from an older version); calibrate again"))
        reach = max(REACH_FLOOR_NOSE, REACH_SPREADS * (baseline.nose_rise_spread or 0.0))
        return Target(exercise, baseline.view, baseline.nose_rise_ratio, reach,
                      "shoulder widths")  # not translated: a unit name in the data
    reach = max(REACH_FLOOR_DEG, baseline.margin_deg(), REACH_SPREADS * baseline.spread_deg)
    return Target(exercise, baseline.view, baseline.cva_proxy_deg, reach, "degrees")


@dataclass(frozen=True)
class Repetition:
    """One counted repetition: when it started and ended (source seconds), the hold and the peak."""

    start: float
    end: float
    held_s: float
    peak: float


@dataclass
class ExerciseCount:
    """The running result; ``counted`` is what the window shows ("3 of 5")."""

    repetitions: list[Repetition] = field(default_factory=list)
    partial: int = 0
    dropped: int = 0
    seen_s: float = 0.0
    unseen_s: float = 0.0

    @property
    def counted(self) -> int:
        return len(self.repetitions)

    @property
    def camera_can_tell(self) -> bool:
        total = self.seen_s + self.unseen_s
        return total > 0 and self.seen_s / total >= MIN_SEEN_SHARE


class RepetitionCounter:
    """Counts repetitions of one exercise from readings fed in time order.

    Thread contract: one thread (the exercise window's camera loop, or a replay); ``add`` never blocks.
    """

    def __init__(self, target: Target) -> None:
        self.target = target
        self.count = ExerciseCount()
        self._recent: deque[tuple[float, float]] = deque()
        self._last_t: float | None = None
        self._last_seen: float | None = None
        self._phase = "wait"  # wait (for rest) -> rest -> moving -> held -> (counted) rest
        self._start = self._held_since = 0.0
        self._peak = -math.inf
        self.level: float | None = None  # the smoothed movement as a share of the reach (for a progress bar)

    def add(self, t: float, reading: PostureReading) -> bool:
        """Feed one reading at source time ``t`` (seconds); True when it completed a repetition."""
        if self._last_t is not None and t < self._last_t:
            raise ValueError(f"time went backwards ({t} after {self._last_t})")
        step = 0.0 if self._last_t is None else t - self._last_t
        self._last_t = t
        value = self.target.value(reading)
        if value is None:
            self.count.unseen_s += step
            self.level = None
            if self._phase in ("moving", "held") and self._last_seen is not None and t - self._last_seen > LOST_S:
                self.count.dropped += self._phase == "held"
                self._phase = "wait"
            return False
        self.count.seen_s += step
        self._last_seen = t
        self._recent.append((t, value))
        while self._recent and self._recent[0][0] < t - SMOOTH_S:
            self._recent.popleft()
        smooth = statistics.median(v for _, v in self._recent)
        reach, release = self.target.reach, RELEASE_SHARE * self.target.reach
        self.level = smooth / reach
        if self._phase == "wait":
            if smooth <= release:
                self._phase = "rest"
            return False
        if self._phase == "rest":
            if smooth > release:
                self._phase, self._start, self._peak = "moving", t, smooth
            return self._enter_hold(t, smooth, reach)
        self._peak = max(self._peak, smooth)
        if self._phase == "moving":
            if smooth <= release:
                self.count.partial += 1
                self._phase = "rest"
                return False
            return self._enter_hold(t, smooth, reach)
        # held: released when back near rest; a hold too short to be one is a twitch
        if smooth <= release:
            held = t - self._held_since
            self._phase = "rest"
            if held >= MIN_HOLD_S:
                self.count.repetitions.append(Repetition(self._start, t, held, self._peak))
                return True
            self.count.partial += 1
        return False

    def _enter_hold(self, t: float, smooth: float, reach: float) -> bool:
        if smooth >= reach:
            self._phase, self._held_since = "held", t
        return False


def count_repetitions(exercise: str, baseline: Baseline | None, timeline) -> tuple[Target, ExerciseCount]:
    """Count ``exercise`` over ``timeline`` (an iterable of (t, PostureReading)); raises ExerciseError."""
    counter = RepetitionCounter(target_for(exercise, baseline))
    for t, reading in timeline:
        counter.add(t, reading)
    return counter.target, counter.count


def to_json_dict(target: Target, count: ExerciseCount) -> dict:
    """Numbers only, for ``fhp-monitor exercise --json``."""
    return {
        "exercise": target.exercise,
        "view": target.view,
        "repetitions": count.counted,
        "partial": count.partial,
        "dropped": count.dropped,
        "camera_can_tell": count.camera_can_tell,
        "seen_s": round(count.seen_s, 2),
        "unseen_s": round(count.unseen_s, 2),
        "reach": round(target.reach, 4),
        "unit": target.unit,
        "times": [{"start": round(r.start, 2), "end": round(r.end, 2), "held_s": round(r.held_s, 2),
                   "peak": round(r.peak, 4)} for r in count.repetitions],
    }


@dataclass(frozen=True)
class DoneExercise:
    """One exercise done, as the history keeps it: which, when (epoch s), repetitions the camera saw
    (None when it could not tell and a timed guide ran), and how many seconds it took."""

    at: float
    exercise: str
    repetitions: int | None
    seconds: float

    def record(self) -> dict:
        """The history record (store/records.py); -1 repetitions stands for "the camera could not tell"."""
        return {"kind": "exercise", "at": float(self.at), "exercise": self.exercise,
                "repetitions": -1 if self.repetitions is None else int(self.repetitions),
                "seconds": float(self.seconds)}
