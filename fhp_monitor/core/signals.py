"""Several posture signals, each against the user's own calibration, and the rule that combines them.

People go forward in different ways. For some the head tips forward on the neck and the ear-shoulder
angle changes a lot; for others the whole upper body slumps, the head sinks in the picture and the
angle changes little. One signal alone catches one kind and misses the other, so a frame is judged on
up to three signals, each measured relative to what calibration recorded for *this* person:

* **angle** — the craniovertebral-angle proxy (geometry.py): in a front view from the ears' height
  above the shoulder line, in a side view the ear-shoulder angle itself (from the horizontal: on
  real side photos an angle from the torso line passed every hunched back, see geometry._side).
  Forward drop = calibrated proxy - proxy, in degrees.
* **nose** (front view) — the nose's height above the shoulder line, in shoulder widths. A head coming
  forward drops the nose more than the ears. Forward drop = calibrated height - height.
* **slump** (front view) — the head sinking in the picture: how far the nose has dropped towards
  the shoulder line since calibration, in *calibrated* shoulder widths. The nose signal divides the
  same height by the frame's own shoulder width; in a slump the shoulders round forward and their
  width in the picture changes with the head's height, which can hide the drop from that ratio.
  Against a fixed yardstick the drop shows. Sitting nearer or further changes every length in the
  picture, so the height is first scaled by the head's own size (the distance between the ears,
  which a slump does not change) against its size at calibration: without that, sitting back 20 cm
  from a laptop camera read as a slump (synthetic person, tests/core/test_signals.py).

**Scale.** Each drop is divided by that signal's *margin*: the larger of a floor (the settings'
sensitivity dial, scaled for the signal) and a few times the spread the signal had across this
person's own calibration frames (robust: 1.4826 x MAD). A person who sat still at calibration gets
the floor; a restless one gets a wider margin, so their ordinary wobble never counts. The margins:
angle max(sensitivity, 2 spreads) degrees (side view: twice the sensitivity, calibration.py
SIDE_MARGIN_FACTOR); nose max(0.10 x dial, 0.05, 3 spreads) shoulder widths;
slump max(SLUMP_DROP x dial, SLUMP_FLOOR, 3 spreads) calibrated shoulder widths, where dial = the
sensitivity over its default. A calibration file from before a signal existed has no spread for it
(taken as 0, so the floor holds) or no calibrated value at all (the signal is then not used).

**Rule.** ``score = drop / margin`` per valid signal; a frame is forward when *any* score exceeds 1.
Either kind of forward posture is caught by the signal that sees it, and each signal's false-alarm
rate is held down by its own personal margin. The slump margin is wider than the nose margin: the
head's size is a short yardstick, and its jitter adds to the height's.

**Glasses with progressive lenses.** People who read through the lower part of their lenses tilt the
head back (and often push the chin forward a little): the nose rises, the ears can sink towards the
shoulders and the angle signal reads a head coming forward. When calibration recorded that reading
posture (core/reading_posture.py), it is a second upright reference: a frame is forward only when it
is forward against both, each with the same personal margins.

**A glance is not a slump.** A look down at the keyboard drops the nose (nose and slump signals can
both fire for that frame). That is deliberate: one frame cannot tell a glance from a slump, time
can. The posture state machine (posture.py) only nudges after ``onset_delay_s`` (60 s) of mostly
forward looks and ends a forward episode at two upright looks in a row, so a glance of up to 20 s
ends before it can become a nudge (tests/monitor/test_worker.py replays 20 s glances built from real
photos; bench/accuracy.py counts nudges during upright and glance spells).

**Never silent.** A check that fails (head turned, an ear hidden, low visibility, a landmark outside
the picture) invalidates only the signals built on the landmarks it concerns (geometry.py says
which); the frame is judged with the signals that remain and :class:`Verdict` says which were used.
There is no verdict (a null) only when no signal is valid, or the frame is not the calibrated view.

Pure: the standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, is_dataclass, replace
from typing import Protocol

from fhp_monitor.core.geometry import FRONT_FORWARD_LEVER, PostureReading
from fhp_monitor.core.i18n import N_, _

ANGLE, NOSE, SLUMP = "angle", "nose", "slump"
SIGNALS = (ANGLE, NOSE, SLUMP)
#: Drop of the nose towards the shoulders, in calibrated shoulder widths, that counts as forward at the
#: default sensitivity: about 5 cm for shoulders ~0.35 m wide, half as much again as the nose signal's
#: 0.10; never less than SLUMP_FLOOR or SLUMP_SPREAD_FACTOR calibrated spreads.
SLUMP_DROP = 0.15
SLUMP_FLOOR = 0.08
SLUMP_SPREAD_FACTOR = 3.0
#: What a reading posture (core/reading_posture.py) records: the calibrated values it stands in for.
READING_KEYS = ("cva_proxy_deg", "nose_rise_ratio", "nose_height_frac", "ear_span_frac")


class Calibrated(Protocol):
    """What the rule needs of a calibration (calibration.Baseline)."""

    view: str
    cva_proxy_deg: float
    nose_rise_ratio: float | None
    nose_height_frac: float | None
    ear_span_frac: float | None
    body_frac: float | None

    def margin_deg(self, sensitivity_deg: float | None = None) -> float: ...
    def nose_margin(self, sensitivity_deg: float | None = None) -> float: ...
    def slump_margin(self, sensitivity_deg: float | None = None) -> float: ...


@dataclass(frozen=True)
class Verdict:
    """Forward or not (None: no valid signal, no calibration, or another view), and how it was judged.

    ``scores`` has one entry per signal used: drop / margin (above 1 is forward).
    """

    forward: bool | None
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def used(self) -> tuple[str, ...]:
        return tuple(name for name in SIGNALS if name in self.scores)


def angle_of(reading: PostureReading) -> float | None:
    """The angle proxy of a reading, also when another check failed but the ears were valid."""
    if reading.cva_proxy_deg is not None:
        return reading.cva_proxy_deg
    rise = reading.signals.get("rise_ratio")
    if reading.view == "front" and rise is not None:
        return math.degrees(math.atan2(rise, FRONT_FORWARD_LEVER))
    return None


def slump_of(baseline: Calibrated, reading: PostureReading) -> float | None:
    """How far the nose dropped towards the shoulders since calibration, in calibrated shoulder widths,
    with the change in the head's size (sitting nearer or further) taken out."""
    height, span = reading.signals.get("nose_height_frac"), reading.signals.get("ear_span_frac")
    if (baseline.nose_height_frac is None or not baseline.body_frac or not baseline.ear_span_frac
            or height is None or not span):
        return None
    return (baseline.nose_height_frac - height * baseline.ear_span_frac / span) / baseline.body_frac


def judge(baseline: Calibrated | None, reading: PostureReading, sensitivity_deg: float | None = None) -> Verdict:
    """The verdict for one reading against the calibration (the rule in the module docstring). With a
    reading posture (glasses with progressive lenses, core/reading_posture.py) a frame is forward only
    when it is forward against that second upright reference too."""
    verdict = _against(baseline, reading, sensitivity_deg)
    second = reading_reference(baseline) if verdict.forward else None
    if second is not None:
        other = _against(second, reading, sensitivity_deg)
        if other.forward is False:
            return other
    return verdict


def reading_reference(baseline: Calibrated | None) -> Calibrated | None:
    """The calibration with the reading posture's values in place of the upright ones (a signal the
    reading posture did not measure keeps its upright value), or None without a reading posture."""
    if baseline is None or not is_dataclass(baseline):
        return None
    values = {key: getattr(baseline, f"reading_{key}", None) for key in READING_KEYS}
    if all(value is None for value in values.values()):
        return None
    return replace(baseline, **{key: value for key, value in values.items() if value is not None},  # type: ignore
                   **{f"reading_{key}": None for key in READING_KEYS})


def _against(baseline: Calibrated | None, reading: PostureReading, sensitivity_deg: float | None) -> Verdict:
    if baseline is None or reading.view is None or reading.view != baseline.view:
        return Verdict(None)
    scores: dict[str, float] = {}
    angle = angle_of(reading)
    if angle is not None:
        scores[ANGLE] = (baseline.cva_proxy_deg - angle) / baseline.margin_deg(sensitivity_deg)
    if baseline.view == "front":
        nose = reading.signals.get("nose_rise_ratio")
        if nose is not None and baseline.nose_rise_ratio is not None:
            scores[NOSE] = (baseline.nose_rise_ratio - nose) / baseline.nose_margin(sensitivity_deg)
        slump = slump_of(baseline, reading)
        if slump is not None:
            scores[SLUMP] = slump / baseline.slump_margin(sensitivity_deg)
    if not scores:
        return Verdict(None)
    return Verdict(max(scores.values()) > 1.0, scores)


#: The signals in words a user reads (the tray's status line).
WORDS = {ANGLE: N_("ear height"), NOSE: N_("nose height"), SLUMP: N_("head height")}


def judged_from(verdict: Verdict, reason: str | None) -> str:
    """Nothing for a complete reading; else why some signals were left out and which judged, in plain words."""
    if not reason or verdict.forward is None:
        return ""
    used = " and ".join(WORDS[name] for name in verdict.used)
    return f"{reason}: judged from {used}"  # not translated: the English data (JSON reason); see judged_from_words


def judged_from_words(reason: str | None, used: tuple[str, ...]) -> str:
    """:func:`judged_from` in the active language, for a line a user reads."""
    if not reason or not used:
        return ""
    names = [_(WORDS[name]) for name in used]
    signals = names[0] if len(names) == 1 else _("{first} and {second}").format(
        first=", ".join(names[:-1]), second=names[-1])
    return _("{reason}: judged from {signals}").format(reason=_(reason), signals=signals)

