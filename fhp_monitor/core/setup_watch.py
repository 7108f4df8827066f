"""Notices when the camera (or the chair) has moved since calibration, so a stale baseline is not trusted.

Each reading made against a calibration carries ``scale_change`` (log of the body size over the
calibrated size) and ``place_change`` (shoulder offset from the calibrated place, in calibrated body
sizes); see ``geometry.read_posture``. A lean or a slouch moves them for a while; a moved laptop or a
new desk moves them for good. :class:`SetupWatch` keeps the readings of the last ``window_s`` seconds
and calls the setup *moved* once their median has stayed beyond the limits for ``hold_s`` seconds
(minutes, not a lean). It calls it *back* as soon as the median is again well inside (a hysteresis
of ``BACK_SHARE`` of the limits), or when the user recalibrates (the owner makes a new watch).

Limits were derived from the real photos in tests/data: slouching low in the chair shrank the body
to 0.77 of its calibrated size (|log| 0.26) and moved the shoulders up to 0.2 body sizes; the limits
below sit well beyond that, and grow with a shaky calibration's spread.

Pure: the standard library only; time is an argument (any clock whose seconds are seconds).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass

from fhp_monitor.core.geometry import BodyReference
from fhp_monitor.core.i18n import N_

#: The body at more than 1.4x or less than 1/1.4 its calibrated size ...
MOVED_SCALE = math.log(1.4)
#: ... or the shoulders more than this many calibrated body sizes from their calibrated place.
MOVED_PLACE = 0.6
#: Limits grow to this many calibrated spreads for a shaky calibration.
MOVED_SPREADS = 4.0
#: Back when the median is within this share of the limits.
BACK_SHARE = 0.7
WINDOW_S = 60.0
HOLD_S = 180.0
MIN_READINGS = 5

#: What the user is told, once (kind, short, no blame).
MOVED_TITLE = N_("Did your camera move?")
MOVED_TEXT = N_("It looks like your camera or chair moved. Sit tall again so I can keep up?")
#: The state detail while the setup looks moved (no nudges then).
MOVED_DETAIL = N_("camera or chair moved since calibration: sit tall again (recalibrate) so I can keep up")


@dataclass(frozen=True)
class SetupLimits:
    scale: float = MOVED_SCALE
    place: float = MOVED_PLACE

    @classmethod
    def for_body(cls, body: BodyReference) -> "SetupLimits":
        return cls(max(MOVED_SCALE, MOVED_SPREADS * body.scale_spread),
                   max(MOVED_PLACE, MOVED_SPREADS * body.place_spread))


class SetupWatch:
    """Feed it every reading (``update``); ``moved`` says whether verdicts should be withheld.

    Thread contract: one thread (the worker). ``now`` must not go backwards by more than a few
    seconds; a gap longer than ``window_s`` without readings starts the watch afresh.
    """

    def __init__(self, limits: SetupLimits | None = None, window_s: float = WINDOW_S, hold_s: float = HOLD_S,
                 min_readings: int = MIN_READINGS) -> None:
        if window_s <= 0 or hold_s < 0 or min_readings < 1:
            raise ValueError("window_s must be positive, hold_s not negative, min_readings at least 1")
        self.limits = limits or SetupLimits()
        self.window_s, self.hold_s, self.min_readings = window_s, hold_s, min_readings
        self.readings: deque[tuple[float, float | None, float | None]] = deque()
        #: The signals of the looks in the window that measured a body (where the picture has the user).
        self.seen: deque[tuple[float, dict[str, float]]] = deque()
        self.away_since: float | None = None
        self.moved = False
        self.told = False  # the user is told once per calibration, not at every lean back and forth

    @classmethod
    def for_body(cls, body: BodyReference | None) -> "SetupWatch | None":
        """A watch for this calibration, or None when the calibration did not record the body."""
        return None if body is None else cls(SetupLimits.for_body(body))

    @property
    def suspects(self) -> bool:
        """The latest look measured a body beyond the limits and no verdict is out yet: the worker
        looks more often meanwhile, so the window fills with enough readings to judge."""
        if self.moved or not self.readings or self.readings[-1][1] is None:
            return False
        _, scale, place = self.readings[-1]
        return self._excess(scale, place) > 1.0  # type: ignore[arg-type]

    def recent(self) -> list[dict[str, float]]:
        """The signals of the last ``window_s`` seconds' looks that measured a body (core/setups.Picture)."""
        return [signals for _, signals in self.seen]

    def _excess(self, scale: float, place: float) -> float:
        """How far beyond the limits (1.0 = exactly at them)."""
        return max(abs(scale) / self.limits.scale, place / self.limits.place)

    def update(self, now: float, signals: dict[str, float]) -> bool:
        """Add one look's signals; True when the setup has just been judged moved for the first time.

        Looks without a measured body (nobody, junk) count too: the median is only trusted when at
        least half the looks in the window measured a body, so a stray skeleton guessed under a
        hand never moves the camera.
        """
        scale, place = signals.get("scale_change"), signals.get("place_change")
        measured = scale is not None and place is not None and math.isfinite(scale) and math.isfinite(place)
        if self.readings and now - self.readings[-1][0] > self.window_s:
            self.readings.clear()  # a long gap (paused, camera gone): start afresh
            self.seen.clear()
            self.away_since = None
        self.readings.append((now, scale, place) if measured else (now, None, None))  # type: ignore[arg-type]
        if measured:
            self.seen.append((now, signals))
        for kept in (self.readings, self.seen):
            while kept and kept[0][0] < now - self.window_s:
                kept.popleft()
        bodies = [r for r in self.readings if r[1] is not None]
        if len(bodies) < self.min_readings or 2 * len(bodies) < len(self.readings):
            if not self.moved:
                self.away_since = None
            return False
        excess = self._excess(statistics.median(r[1] for r in bodies), statistics.median(r[2] for r in bodies))
        if self.moved:
            if excess <= BACK_SHARE:
                self.moved, self.away_since = False, None
            return False
        if excess <= 1.0:
            self.away_since = None
            return False
        if self.away_since is None:
            self.away_since = now
        if now - self.away_since >= self.hold_s:
            self.moved = True
            first, self.told = not self.told, True
            return first
        return False
