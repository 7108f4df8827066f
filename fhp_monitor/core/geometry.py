"""Posture geometry: pose landmarks -> a craniovertebral-angle (CVA) proxy in degrees.

Clinically the CVA is the angle between the horizontal through the C7 vertebra and the line from
C7 to the ear's tragus, seen from the side; below about 50 degrees is called forward head posture.
A webcam cannot see C7, so fhp-monitor uses the midpoint of the two shoulder landmarks as the C7
stand-in and the midpoint of the two ear landmarks as the tragus. Anatomically C7 sits a few
centimetres above and behind that point, which shifts a person's reading by a roughly constant
amount. That is why every decision compares the proxy with the user's *own* calibrated baseline,
never with the clinical 50 degrees.

Definition of the proxy (all image distances in pixels, so non-square frames are handled):

* **Side view** (camera beside the user): the ear-shoulder line is visible directly.
  ``proxy = atan2(rise, forward)`` where ``rise`` is how far the ear midpoint is above the
  shoulder midpoint and ``forward`` how far it is ahead of it, "ahead" being the direction the
  nose points. This equals the true ear-shoulder angle when the camera looks across the body.
  It is taken from the horizontal, not from the torso line (see ``_side`` for why).
* **Front view** (the usual laptop webcam): the forward offset points at the camera and cannot be
  measured, but the *height* of the ears above the shoulders shrinks as the head drifts forward and
  down. The same formula is used with the unseen forward offset replaced by a constant:
  ``proxy = atan2(r, FRONT_FORWARD_LEVER)`` with ``r = rise / shoulder_width``. The rise is taken
  at right angles to the shoulder line, so a tilted camera or a sideways lean of the whole body
  does not change it. Dividing by the shoulder width makes it scale-free: moving sideways leaves it
  unchanged, and moving closer or further changes it only through perspective (the ears sit
  nearer the camera than the shoulders): not at all when the camera is at ear height, about 1.5
  degrees for 0.7 m -> 1.0 m with the camera 10 cm below the ears
  (tests/test_geometry_synthetic.py measures this). ``FRONT_FORWARD_LEVER`` is one constant for
  everyone, chosen so that a typical upright sitter reads about 50 degrees; the proxy is monotonic
  in the true CVA for cameras at or above shoulder height. A camera well below the shoulders,
  looking up, can invert it (the head coming towards the camera rises in the picture): calibration
  then still works, but place the camera higher.
  More front-view signals go with each reading: the nose's height above the shoulders
  (``nose_rise_ratio``, in shoulder widths; a forward head drops the nose more than the ears), the
  same height as a share of the frame width with the head's size (``nose_height_frac``,
  ``ear_span_frac``: the slump signal, in *calibrated* shoulder widths) and the head turn (the
  nose's sideways offset from the ear midpoint, in shoulder widths: a measure that does not grow
  when the head comes forward, since the shoulders do not shrink then). core/signals.py combines
  them.

**Never silent.** A failed check (head turned, ears faint, a landmark outside the picture) withholds
``cva_proxy_deg`` (so calibration never takes such a frame) and names the check in ``reason``, but the
signals whose own landmarks passed stay in ``signals``, and the verdict is made from those.

The view is told by the ratio of the shoulder width to the ear-shoulder distance in the image:
about 1.6-2 facing the camera, below 0.6 in profile. In between (a camera far off to one side) the
reading is withheld rather than guessed; after calibration the front limit follows the user's own
ratio (a camera a little off to one side at calibration keeps working).

**One person, the calibrated one.** With a :class:`BodyReference` (where and how big the user sat at
calibration), a pose far from it in scale or place is "someone else in view" and is never judged;
of several poses the one nearest the reference is judged. Skeletons of one body (MediaPipe can give
two for a head far forward) are merged and never count as two people.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from fhp_monitor.core.i18n import N_
from fhp_monitor.core.ports import PoseLandmarks, PoseResult

NOSE, LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 0, 7, 8, 11, 12, 23, 24

#: Assumed forward offset of the ears in a front view, in shoulder widths; a typical upright
#: sitter (ears ~0.6 shoulder widths above the shoulders on our test photos) then reads ~50 deg.
FRONT_FORWARD_LEVER = 0.5
#: shoulder width / ear-shoulder distance above this is a front view, below SIDE_RATIO a side view.
FRONT_RATIO = 1.1
SIDE_RATIO = 0.6
#: After a front-view calibration the front limit is this share of the user's own ratio, kept
#: between FRONT_RATIO_FLOOR and FRONT_RATIO (a body turned ~50 degrees from calibration).
FRONT_RATIO_SHARE, FRONT_RATIO_FLOOR = 0.6, 0.75
#: Nose offset from the ear midpoint, in shoulder widths, beyond which the head is "turned away"
#: (with the usual proportions a turn of about 50 degrees; upright and forward photos of real people
#: stay within 0.07, a far-forward head does not increase it). Relative to the calibrated turn.
MAX_HEAD_TURN = 0.25
#: ... or this many calibrated spreads, if that is more.
HEAD_TURN_SPREADS = 6.0
#: Landmarks this far outside the picture (as a fraction of its size) count as out of view.
EDGE_MARGIN = 0.02
#: A landmark with a visibility below this was not recorded at all (a landmarks file leaves it 0).
MISSING_VISIBILITY = 1e-3
#: Two skeletons whose ear midpoints or shoulder midpoints lie closer than this many shoulder
#: widths are one body (MediaPipe gives 0.02-0.12 apart for one head far forward; two people
#: side by side are at least about one shoulder width apart).
SAME_BODY = 0.35
#: "Someone else": body size more than this factor from the calibrated one (a lean back measured
#: 0.77, leaning in to the screen ~1.5) ...
OTHER_SCALE = 1.8
#: ... or the shoulders more than this many calibrated body sizes from their calibrated place
#: (leans and slouches in our photos moved them up to 0.2).
OTHER_PLACE = 1.0
#: ... or this many calibrated spreads, if that is more.
OTHER_SPREADS = 6.0

# Reasons are shown to users: plain words, no jargon (English here; shown as _(reason)).
NO_PERSON = N_("no one in view")
SEVERAL_PEOPLE = N_("more than one person in view")
SOMEONE_ELSE = N_("someone else in view, or you sat far from your usual place")
NOT_VISIBLE = N_("ears or shoulders not visible")
OUT_OF_VIEW = N_("shoulders or head outside the picture")
HEAD_TURNED = N_("head turned away")
ODD_ANGLE = N_("camera at an angle: place it in front of you or to your side")


@dataclass(frozen=True)
class BodyReference:
    """Where and how big the user sat at calibration, and how they held their head then.

    ``body_frac`` is the body size as a share of the frame width (front view: shoulder width; side
    view: ear-shoulder distance, which does not change with posture there); ``body_x``/``body_y``
    the shoulder midpoint as shares of the frame width/height; ``scale_spread`` the robust spread
    of log(body size), ``place_spread`` that of the shoulder midpoint in body sizes. The front-view
    extras are None for a side view or an old calibration file.
    """

    view: str
    body_frac: float
    body_x: float
    body_y: float
    scale_spread: float = 0.0
    place_spread: float = 0.0
    head_turn: float | None = None
    head_turn_spread: float | None = None
    view_ratio: float | None = None

    @property
    def scale_limit(self) -> float:
        """Largest |log(size / calibrated size)| still judged as the user."""
        return max(math.log(OTHER_SCALE), OTHER_SPREADS * self.scale_spread)

    @property
    def place_limit(self) -> float:
        """Largest shoulder offset, in calibrated body sizes, still judged as the user."""
        return max(OTHER_PLACE, OTHER_SPREADS * self.place_spread)

    def front_ratio(self) -> float:
        if self.view != "front" or not self.view_ratio:
            return FRONT_RATIO
        return min(max(FRONT_RATIO_SHARE * self.view_ratio, FRONT_RATIO_FLOOR), FRONT_RATIO)

    def turn_limit(self) -> float:
        return max(MAX_HEAD_TURN, HEAD_TURN_SPREADS * (self.head_turn_spread or 0.0))


@dataclass(frozen=True)
class PostureReading:
    """The outcome for one frame: a proxy in degrees, or None and the reason why not."""

    cva_proxy_deg: float | None
    view: str | None  # "front" | "side"
    reason: str | None
    signals: dict[str, float] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return self.cva_proxy_deg is not None


@dataclass(frozen=True)
class _Body:
    """The measured key points of one skeleton, in pixels."""

    pose: PoseLandmarks
    px: np.ndarray
    seen: np.ndarray  # visibility >= min_visibility
    present: np.ndarray  # recorded at all (visibility above MISSING_VISIBILITY)
    ear_mid: np.ndarray
    shoulder_mid: np.ndarray
    shoulder_width: float
    ear_shoulder: float

    @property
    def ratio(self) -> float:
        return self.shoulder_width / self.ear_shoulder if self.ear_shoulder > 1e-6 else math.inf

    def size(self, view: str) -> float:
        return self.ear_shoulder if view == "side" else self.shoulder_width


def _mean_of(px: np.ndarray, present: np.ndarray, a: int, b: int) -> np.ndarray:
    if present[a] and present[b]:
        return (px[a] + px[b]) / 2.0
    return px[a] if present[a] else px[b]


def _measure(pose: PoseLandmarks, width: int, height: int, min_visibility: float) -> _Body | None:
    """None when ears or shoulders were not recorded at all."""
    px = pose.image[:, :2] * np.array([float(width), float(height)])
    vis = np.asarray(pose.visibility, dtype=float)
    present = vis >= MISSING_VISIBILITY
    if not (present[LEFT_EAR] or present[RIGHT_EAR]) or not (present[LEFT_SHOULDER] or present[RIGHT_SHOULDER]):
        return None
    ear_mid = _mean_of(px, present, LEFT_EAR, RIGHT_EAR)
    shoulder_mid = _mean_of(px, present, LEFT_SHOULDER, RIGHT_SHOULDER)
    both = present[LEFT_SHOULDER] and present[RIGHT_SHOULDER]
    shoulder_width = float(np.linalg.norm(px[LEFT_SHOULDER] - px[RIGHT_SHOULDER])) if both else 0.0
    return _Body(pose, px, vis >= min_visibility, present, ear_mid, shoulder_mid, shoulder_width,
                 float(np.linalg.norm(ear_mid - shoulder_mid)))


def _same_body(a: _Body, b: _Body) -> bool:
    scale = max(a.shoulder_width, b.shoulder_width, a.ear_shoulder, b.ear_shoulder, 1e-6)
    return bool(np.linalg.norm(a.ear_mid - b.ear_mid) < SAME_BODY * scale
                or np.linalg.norm(a.shoulder_mid - b.shoulder_mid) < SAME_BODY * scale)


def _quality(body: _Body) -> float:
    return float(np.sum(body.pose.visibility[[LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER]]))


def _distinct_bodies(bodies: list[_Body]) -> list[_Body]:
    """One skeleton per body: skeletons of the same body are merged (the best-seen one is kept)."""
    kept: list[_Body] = []
    for body in sorted(bodies, key=_quality, reverse=True):
        if not any(_same_body(body, other) for other in kept):
            kept.append(body)
    return kept


def _placement(body: _Body, ref: BodyReference, width: int, height: int) -> tuple[float, float]:
    """(log of size / calibrated size, shoulder offset in calibrated body sizes)."""
    size = body.size(ref.view) / float(width)
    scale = math.log(size / ref.body_frac) if size > 0 and ref.body_frac > 0 else 0.0  # unmeasurable: place only
    dx = body.shoulder_mid[0] - ref.body_x * width
    dy = body.shoulder_mid[1] - ref.body_y * height
    place = math.hypot(dx, dy) / max(ref.body_frac * width, 1e-6)
    return scale, place


def _picture(body: _Body, width: int, height: int) -> dict[str, float]:
    """Where and how big the body sits in the picture, whatever the calibration (a moved camera's new place)."""
    return {"picture_x": float(body.shoulder_mid[0] / width), "picture_y": float(body.shoulder_mid[1] / height),
            "picture_front": body.shoulder_width / float(width), "picture_side": body.ear_shoulder / float(width),
            "aspect": height / float(width)}


def _distance(scale: float, place: float, ref: BodyReference) -> float:
    """How far from the calibrated user, in units of the someone-else limits (<= 1 is the user)."""
    return max(abs(scale) / ref.scale_limit, place / ref.place_limit)


def _inside(pose: PoseLandmarks, indices: list[int]) -> bool:
    xy = pose.image[indices, :2]
    return bool(np.all((xy >= -EDGE_MARGIN) & (xy <= 1.0 + EDGE_MARGIN)))


def read_posture(result: PoseResult, min_visibility: float = 0.5, body: BodyReference | None = None) -> PostureReading:
    """Compute the CVA proxy for the user in ``result`` (see the module docstring).

    ``body`` (from the calibration) picks the user among several people and refuses someone else;
    without it, two distinct people give SEVERAL_PEOPLE.
    """
    if not result.poses:
        return PostureReading(None, None, NO_PERSON)
    width, height = result.width, result.height
    measured = [m for m in (_measure(p, width, height, min_visibility) for p in result.poses) if m is not None]
    if not measured:
        return PostureReading(None, None, NOT_VISIBLE)
    people = _distinct_bodies(measured)
    signals: dict[str, float] = {"people": float(len(people))}
    if body is None:
        if len(people) > 1:
            return PostureReading(None, None, SEVERAL_PEOPLE, signals)
        chosen = people[0]
    else:
        placed = [(person, *_placement(person, body, width, height)) for person in people]
        chosen, scale, place = min(placed, key=lambda item: _distance(item[1], item[2], body))
        signals["scale_change"], signals["place_change"] = scale, place
        signals.update(_picture(chosen, width, height))  # where the picture has the user: core/setups.py
        if _distance(scale, place, body) > 1.0:
            return PostureReading(None, None, SOMEONE_ELSE, signals)
    return _judge(chosen, width, height, body, signals)


def _judge(b: _Body, width: int, height: int, ref: BodyReference | None, signals: dict[str, float]) -> PostureReading:
    if b.ear_shoulder <= 1e-6:
        return PostureReading(None, None, NOT_VISIBLE, signals)
    ratio = b.ratio
    rise = float(b.shoulder_mid[1] - b.ear_mid[1])  # image y grows downwards
    signals.update({
        "view_ratio": ratio,
        "rise_px": rise,
        "shoulder_width_px": b.shoulder_width,
        "shoulder_width_frac": b.shoulder_width / float(width),
        "body_x": float(b.shoulder_mid[0] / width),
        "body_y": float(b.shoulder_mid[1] / height),
        "aspect": height / float(width),
    })
    front_limit = ref.front_ratio() if ref is not None else FRONT_RATIO

    if ratio >= front_limit:
        return _front(b, width, height, ref, signals)
    if ratio <= SIDE_RATIO:
        return _side(b, width, signals)
    return PostureReading(None, None, ODD_ANGLE, signals)


def _front(b: _Body, width: int, height: int, ref: BodyReference | None, signals: dict[str, float]) -> PostureReading:
    """Front view: every signal whose landmarks passed their checks goes into ``signals``.

    ``rise_ratio`` (the ears' height above the shoulder line, in shoulder widths) needs both
    shoulders and an ear; ``nose_rise_ratio`` (the nose's) needs both shoulders and the nose;
    ``nose_height_frac`` (the same height as a share of the frame width, which the slump signal
    turns into *calibrated* shoulder widths) and ``ear_span_frac`` (the head's size, which takes out
    sitting nearer or further) need both ears as well. A turned head drops the nose signals (the
    nose swings with the turn) and keeps the ears. ``cva_proxy_deg`` is given only when
    every check passed (a complete reading, the only kind calibration takes); otherwise ``reason``
    names the first check that failed and the verdict is made from the signals that remain.
    """
    px, seen, present = b.px, b.seen, b.present
    signals["body_frac"] = b.shoulder_width / float(width)
    along = (px[LEFT_SHOULDER] - px[RIGHT_SHOULDER]) / b.shoulder_width
    if along[0] < 0:  # orient left-to-right in the picture, so "up" below is always up
        along = -along
    up = np.array([along[1], -along[0]])
    signals["shoulder_tilt_deg"] = math.degrees(math.atan2(-along[1], along[0]))
    ears = [i for i in (LEFT_EAR, RIGHT_EAR) if present[i]]
    shoulders_seen = bool(seen[LEFT_SHOULDER] and seen[RIGHT_SHOULDER])
    shoulders_in = _inside(b.pose, [LEFT_SHOULDER, RIGHT_SHOULDER])
    ears_seen, ears_in = bool(seen[LEFT_EAR] or seen[RIGHT_EAR]), _inside(b.pose, ears)
    nose_ok = bool(seen[NOSE]) and _inside(b.pose, [NOSE])
    turned = False
    if nose_ok and present[LEFT_EAR] and present[RIGHT_EAR]:
        turn = float((px[NOSE] - b.ear_mid) @ along) / b.shoulder_width
        signals["head_turn"] = turn
        usual = ref.head_turn if ref is not None and ref.head_turn is not None else 0.0
        limit = ref.turn_limit() if ref is not None else MAX_HEAD_TURN
        turned = abs(turn - usual) > limit
    shoulders_ok = shoulders_seen and shoulders_in
    if shoulders_ok and ears_seen and ears_in:
        signals["rise_ratio"] = float((b.ear_mid - b.shoulder_mid) @ up) / b.shoulder_width
    if nose_ok and not turned and shoulders_ok:
        nose_rise_px = float((px[NOSE] - b.shoulder_mid) @ up)
        signals["nose_rise_ratio"] = nose_rise_px / b.shoulder_width
        if seen[LEFT_EAR] and seen[RIGHT_EAR] and ears_in:  # the slump signal (core/signals.py)
            signals["nose_height_frac"] = nose_rise_px / float(width)
            signals["ear_span_frac"] = float(np.linalg.norm(px[LEFT_EAR] - px[RIGHT_EAR])) / float(width)
    if not (shoulders_seen and ears_seen):
        return PostureReading(None, "front", NOT_VISIBLE, signals)
    if not (shoulders_in and ears_in):
        return PostureReading(None, "front", OUT_OF_VIEW, signals)
    if turned:
        return PostureReading(None, "front", HEAD_TURNED, signals)
    proxy = math.degrees(math.atan2(signals["rise_ratio"], FRONT_FORWARD_LEVER))
    return PostureReading(proxy, "front", None, signals)


def _side(b: _Body, width: int, signals: dict[str, float]) -> PostureReading:
    """Side view: the ear-shoulder angle from the horizontal, seen directly.

    Measured from the horizontal, not from the line across the torso: on real side photos
    (bench/accuracy.py) a hunched back leans the torso 25-40 degrees forward and the head goes with
    it, so an angle from the torso line called every hunch upright; reclining people keep the head
    upright to see the screen (their angle from the horizontal rises), and a kneeling chair keeps the
    torso near vertical. ``torso_lean_deg`` (hip to shoulder line from the vertical, positive towards
    where the nose points, when the hips are in view) is recorded for the record only.
    """
    px, seen, present = b.px, b.seen, b.present
    keys = [i for i in (LEFT_EAR, RIGHT_EAR, LEFT_SHOULDER, RIGHT_SHOULDER) if present[i]]
    signals["body_frac"] = b.ear_shoulder / float(width)
    if not (seen[LEFT_EAR] or seen[RIGHT_EAR]) or not (seen[LEFT_SHOULDER] or seen[RIGHT_SHOULDER]):
        return PostureReading(None, "side", NOT_VISIBLE, signals)
    if not _inside(b.pose, keys):
        return PostureReading(None, "side", OUT_OF_VIEW, signals)
    facing = (float(np.sign(px[NOSE][0] - b.ear_mid[0])) if present[NOSE] else 0.0) or 1.0
    forward = float((b.ear_mid[0] - b.shoulder_mid[0]) * facing)
    rise = float(b.shoulder_mid[1] - b.ear_mid[1])  # image y grows downwards
    signals["forward_px"] = forward
    hips = [i for i in (LEFT_HIP, RIGHT_HIP) if seen[i]]
    if hips and _inside(b.pose, hips):
        hip = np.mean(px[hips], axis=0)
        torso_up = float(hip[1] - b.shoulder_mid[1])
        if torso_up > 0.5 * b.ear_shoulder:  # a torso line shorter than the neck is no line
            signals["torso_lean_deg"] = math.degrees(math.atan2(float((b.shoulder_mid[0] - hip[0]) * facing),
                                                                torso_up))
    return PostureReading(math.degrees(math.atan2(rise, forward)), "side", None, signals)
