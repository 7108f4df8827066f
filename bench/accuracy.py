"""Accuracy table: sensitivity, specificity and no-verdict rate per data set, as in README.md.

    python bench/accuracy.py [--json]

Data sets:

* **tests/data "high" and "middle"** (frontal webcam, 224 x 224, one person on two days; real
  MediaPipe, every photo a fresh detection as ``replay FOLDER`` does). Two ways of calibrating:
  *all* = on all the session's upright photos, judged on the same upright photos and all forward
  ones; *half* = on the first half of the upright photos, judged on the other half (never seen in
  calibration) and all forward ones.
* **synthetic side** and **synthetic front**: a seated person with a known CVA projected through
  pinhole cameras (tests/support/synthetic_pose.py) at 3 distances x 3 heights x 3 yaws, every landmark
  jittered by N(0, 1.5 px) (about MediaPipe's jitter on a still person). Calibrated on 20 frames at
  CVA 50 +- 1 deg; upright = CVA 48-52, forward = CVA 38-42 (10 degrees down).
* **two people**: the user's photos beside someone else's (tests/sensing/test_people_real.py's composition),
  calibrated on the user alone; a verdict only counts when it is the user's.

* **the same photos, degraded** (real landmarks, one check made to fail on purpose): one ear's
  landmark removed, both ears below the visibility limit, the nose moved sideways as far as a head
  turned ~60 degrees; calibrated on the first half of the upright photos.
* **tests/data/side-view**: 13 real side-view photos of another person (MIT): calibrated on the 3
  "straight" ones, judged on 6 upright on a tilted torso (kneeling on the chair, reclining) and 4
  hunched over; judged without the calibrated place (the photos were taken from different spots).
* **synthetic slump** (the neck angle barely changes, the upper back rounds and the head bows) and
  **synthetic side view with a tilted torso** (head kept upright, hips in view), both through
  the pinhole cameras above. Synthetic people are a check of the geometry, never evidence for real
  people.

Sensitivity = forward frames judged forward / all forward frames; specificity = upright frames
judged upright / all upright frames; a frame with no verdict (null) counts as a miss in both.
Every set is shown combined and per signal (angle, nose, slump; a signal that is not valid in a frame
is a null for it), and with the rule before issue 22 ("before": angle or nose, and no verdict at all
when any check failed). "slump unscaled" is the slump without the head's size taken out (the nose's
drop in calibrated shoulder widths only), for comparison: it also reads sitting further back as a slump.

**At the level the user feels** (``spells``): a timeline per data set, one look every 5 s through the
real posture state machine with the default nudge policy (60 s onset, 70 % forward, 15 min
cooldown): four times [upright 20 min, a 20 s glance (forward frames), upright 3 min, forward 3 min].
Counted: sustained forward spells that got a nudge, and nudges during upright or glance spells.

**Your own recordings**: ``--recording REC.csv`` (a landmark recording, ``fhp-monitor replay SRC
--landmarks-out REC.csv``) with its labels in ``REC.labels`` (one word a row: upright, forward, or -
for rows not to judge), calibrated on its first ``--calibration-rows`` upright rows and judged on the
rows after them, per row as above and on its own timeline at the worker's cadence (a look every 15 s,
every 2 s in a forward episode): forward spells of 90 s or more that got a nudge, nudges in upright
spells, nudges in forward spells of 20 s or less (glances).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
for _path in (str(REPO), str(REPO / "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from fhp_monitor.core.calibration import SPREAD_FACTOR, body_of, fit_from_readings, verdict_of  # noqa: E402
from fhp_monitor.core.geometry import LEFT_EAR, NOSE, RIGHT_EAR, read_posture  # noqa: E402
from fhp_monitor.core.ports import PoseLandmarks, PoseResult, PostureState  # noqa: E402
from fhp_monitor.core.posture import NudgeDue, NudgePolicy, Observation, PostureMonitor  # noqa: E402
from fhp_monitor.core.signals import SIGNALS  # noqa: E402

SENSITIVITY_DEG = 2.0  # the default in config.yaml
KINDS = ("combined", *SIGNALS, "slump unscaled", "before")


def call(baseline, reading, kind: str) -> bool | None:
    """One frame's verdict by the combined rule, by one signal alone, or by the rule before issue 22."""
    verdict = verdict_of(baseline, reading)
    if kind == "combined":
        return verdict.forward
    if kind == "before":  # angle or nose, only on complete readings, the side margin the front one
        if not reading.usable or verdict.forward is None:
            return None
        old_margin = max(baseline.sensitivity_deg, SPREAD_FACTOR * baseline.spread_deg)
        return (baseline.cva_proxy_deg - reading.cva_proxy_deg > old_margin
                or verdict.scores.get("nose", 0.0) > 1.0)
    if kind == "slump unscaled":  # the slump without the head's size: sitting further back counts too
        height = reading.signals.get("nose_height_frac")
        if baseline is None or reading.view != baseline.view or height is None or baseline.nose_height_frac is None:
            return None
        return (baseline.nose_height_frac - height) / baseline.body_frac > baseline.slump_margin()
    value = verdict.scores.get(kind)
    return None if value is None else value > 1.0


def rates(up: list, fw: list) -> dict:
    return {"sensitivity": float(np.mean([v is True for v in fw])) if fw else float("nan"),
            "specificity": float(np.mean([v is False for v in up])) if up else float("nan"),
            "null": float(np.mean([v is None for v in up + fw]))}


def score(baseline, upright, forward, pairs: bool = False) -> dict:
    """Rates per kind; with ``pairs`` the lists hold (baseline, reading) pairs."""
    def verdicts(items, kind):
        return [call(b, r, kind) for b, r in items] if pairs else [call(baseline, r, kind) for r in items]

    readings = [r for _, r in upright + forward] if pairs else upright + forward
    row = {"upright": len(upright), "forward": len(forward),
           **rates(verdicts(upright, "combined"), verdicts(forward, "combined")),
           "reasons": sorted({r.reason for r in readings if r.reason})}
    row["by_signal"] = {kind: rates(verdicts(upright, kind), verdicts(forward, kind)) for kind in KINDS}
    used: dict[str, int] = {}
    for item in (upright + forward):
        b, r = item if pairs else (baseline, item)
        key = "+".join(verdict_of(b, r).used) or "none"
        used[key] = used.get(key, 0) + 1
    row["used"] = used
    return row


def photo_readings() -> dict:
    from fhp_monitor.sensing.pose import MediaPipePoseEstimator
    from fhp_monitor.sensing.sources import ImageFolderSource
    from tests.support.real_photos import FORWARD, SESSIONS, UPRIGHT

    results = {}
    with MediaPipePoseEstimator() as estimator:
        for session in SESSIONS:
            for label in (UPRIGHT, FORWARD):
                source = ImageFolderSource(session / label)
                source.open()
                found = []
                while (frame := source.read()) is not None:
                    found.append(estimator.estimate(frame))
                results[(session.name.split("__")[1].split("-")[0], label)] = found
    return results


def real_rows(results: dict) -> list[dict]:
    from tests.support.real_photos import FORWARD, UPRIGHT

    rows = []
    for name in ("high", "middle"):
        upright, forward = results[(name, UPRIGHT)], results[(name, FORWARD)]
        half = len(upright) // 2
        for how, calibration, judged in (("all", upright, upright), ("half", upright[:half], upright[half:])):
            baseline = fit_from_readings([read_posture(r) for r in calibration], 0.0, SENSITIVITY_DEG)
            body = body_of(baseline)
            row = score(baseline, [read_posture(r, 0.5, body) for r in judged],
                        [read_posture(r, 0.5, body) for r in forward])
            rows.append({"set": f'tests/data "{name}" (front), calibrated on {how}', **row})
    return rows


def side_view_rows() -> list[dict]:
    """Real side-view photos of another person (tests/data/side-view, MIT), as landmark recordings."""
    from tests.sensing.test_side_view_real import recorded

    baseline = fit_from_readings(recorded("calibration"), 0.0, SENSITIVITY_DEG, min_samples=3)
    return [{"set": "tests/data/side-view (real photos, another person): kneeling, reclining vs hunched",
             **score(baseline, recorded("upright"), recorded("forward"))}]


def _altered(result: PoseResult, change) -> PoseResult:
    pose = result.poses[0]
    image, visibility = pose.image.copy(), np.array(pose.visibility, dtype=float)
    change(image, visibility, result)
    return PoseResult((PoseLandmarks(image, pose.world, visibility),), result.width, result.height)


def _one_ear_gone(image, visibility, result) -> None:
    visibility[LEFT_EAR] = 0.0


def _ears_faint(image, visibility, result) -> None:
    visibility[[LEFT_EAR, RIGHT_EAR]] = 0.3


def _head_turned(image, visibility, result) -> None:
    width = abs(image[11, 0] - image[12, 0])
    image[NOSE, 0] += 0.4 * width


DEGRADED = (("one ear's landmark missing", _one_ear_gone), ("both ears below the visibility limit", _ears_faint),
            ("head turned (nose moved 0.4 shoulder widths sideways)", _head_turned))


def degraded_rows(results: dict) -> list[dict]:
    from tests.support.real_photos import FORWARD, UPRIGHT

    rows = []
    for what, change in DEGRADED:
        upright_all, forward_all = [], []
        for name in ("high", "middle"):
            upright, forward = results[(name, UPRIGHT)], results[(name, FORWARD)]
            half = len(upright) // 2
            baseline = fit_from_readings([read_posture(r) for r in upright[:half]], 0.0, SENSITIVITY_DEG)
            body = body_of(baseline)
            upright_all += [(baseline, read_posture(_altered(r, change), 0.5, body)) for r in upright[half:]]
            forward_all += [(baseline, read_posture(_altered(r, change), 0.5, body)) for r in forward]
        rows.append({"set": f"tests/data, both sessions, {what}", **score(None, upright_all, forward_all, pairs=True)})
    return rows


# --------------------------------------------------------------------------- at the level the user feels

LOOK_S = 5.0
# Forward spells 26 min apart (beyond the 15 min cooldown and the 3-an-hour cap): each may get its nudge.
GLANCE_S, UPRIGHT_A_S, UPRIGHT_B_S, FORWARD_S, ROUNDS = 20.0, 1200.0, 180.0, 180.0, 4


def spells(baseline, upright: list, forward: list, kind: str = "combined") -> dict:
    """Run the plan in the module docstring through PostureMonitor; readings are cycled per label."""
    plan = [("upright", UPRIGHT_A_S), ("glance", GLANCE_S), ("upright", UPRIGHT_B_S), ("forward", FORWARD_S)] * ROUNDS
    monitor = PostureMonitor(NudgePolicy(), now=0.0, local_time=lambda t: (12, 0))
    t, counters = 0.0, {"upright": 0, "forward": 0}
    spans, nudges = [], []
    for label, seconds in plan:
        start = t
        while t < start + seconds:
            pool, key = (forward, "forward") if label in ("glance", "forward") else (upright, "upright")
            reading = pool[counters[key] % len(pool)]
            counters[key] += 1
            verdict = call(baseline, reading, kind)
            state = {True: PostureState.FORWARD, False: PostureState.UPRIGHT, None: PostureState.UNCERTAIN}[verdict]
            for event in monitor.observe(Observation(state, reading.cva_proxy_deg), t, max_gap_s=4 * LOOK_S):
                if isinstance(event, NudgeDue):
                    nudges.append(t)
            t += LOOK_S
        spans.append((label, start, t))
    found = {label: [s for s in spans if s[0] == label] for label in ("upright", "glance", "forward")}
    def nudged(span):
        return any(span[1] <= n < span[2] for n in nudges)
    return {"forward_spells": len(found["forward"]), "forward_nudged": sum(map(nudged, found["forward"])),
            "nudges_upright": sum(any(s[1] <= n < s[2] for n in nudges) for s in found["upright"]),
            "glances": len(found["glance"]), "nudges_glance": sum(map(nudged, found["glance"]))}


def spell_rows(results: dict, seed: int = 11) -> list[dict]:
    from tests.support.real_photos import FORWARD, UPRIGHT
    from tests.support.synthetic_pose import person_seen

    rows = []
    for name in ("high", "middle"):
        upright, forward = results[(name, UPRIGHT)], results[(name, FORWARD)]
        half = len(upright) // 2  # calibrated on the session's first upright rows, judged on the rest
        baseline = fit_from_readings([read_posture(r) for r in upright[:half]], 0.0, SENSITIVITY_DEG)
        body = body_of(baseline)
        judged = ([read_posture(r, 0.5, body) for r in upright[half:]], [read_posture(r, 0.5, body) for r in forward])
        rows.append({"set": f'tests/data "{name}" (real photos cycled)', **spells(baseline, *judged),
                     "before": spells(baseline, *judged, kind="before")})
    rng = np.random.default_rng(seed)
    for kind, pose in (("angle (CVA 50 -> 40)", lambda: {"cva_deg": rng.uniform(38, 42)}),
                       ("slump (neck angle kept, slump 0.5-1.0)",
                        lambda: {"cva_deg": rng.uniform(48, 52), "slump": rng.uniform(0.5, 1.0)})):
        def seen(cva_deg, **extra):
            result = person_seen(cva_deg, "front", 0.8, 0.1, **extra)
            moved = result.poses[0].image.copy()
            moved[:, :2] += rng.normal(0, 1.5 / 640, (33, 2))
            return PoseResult((PoseLandmarks(moved, result.poses[0].world, result.poses[0].visibility),), 640, 480)
        baseline = fit_from_readings([read_posture(seen(rng.uniform(49, 51))) for _ in range(20)], 0.0, SENSITIVITY_DEG)
        body = body_of(baseline)
        judged = ([read_posture(seen(rng.uniform(48, 52)), 0.5, body) for _ in range(60)],
                  [read_posture(seen(**pose()), 0.5, body) for _ in range(60)])
        rows.append({"set": f"synthetic front, forward by {kind}", **spells(baseline, *judged),
                     "before": spells(baseline, *judged, kind="before")})
    return rows


# --------------------------------------------------------------------------- your own recordings

LOOK_EVERY_S, FAST_LOOK_S = 15.0, 2.0  # config.yaml's sampling.interval_s and fast_interval_s
SUSTAINED_S = 90.0  # a forward spell this long should get a nudge (60 s onset and some looks)
GLANCE_MAX_S = 20.0


def runs(labels: list[str], times: list[float]) -> list[tuple[str, float, float]]:
    """(label, start, end) of each run of one label; a run ends where the next one starts."""
    found: list[tuple[str, float, float]] = []
    for i, (label, t) in enumerate(zip(labels, times)):
        end = times[i + 1] if i + 1 < len(times) else t
        if found and found[-1][0] == label:
            found[-1] = (label, found[-1][1], end)
        else:
            found.append((label, t, end))
    return found


def recording_spells(baseline, judged: list[tuple[float, str, object]]) -> dict:
    """Replay a labelled recording through PostureMonitor at the worker's cadence (a look every 15 s,
    every 2 s during a forward episode), on the recording's own timeline."""
    monitor = PostureMonitor(NudgePolicy(), now=0.0, local_time=lambda t: (12, 0))
    nudges, next_look = [], None
    for t, _, reading in judged:
        if next_look is not None and t < next_look:
            continue
        verdict = call(baseline, reading, "combined")
        state = {True: PostureState.FORWARD, False: PostureState.UPRIGHT, None: PostureState.UNCERTAIN}[verdict]
        for event in monitor.observe(Observation(state, reading.cva_proxy_deg), t, max_gap_s=4 * LOOK_EVERY_S):
            if isinstance(event, NudgeDue):
                nudges.append(t)
        next_look = t + (FAST_LOOK_S if monitor.deteriorating else LOOK_EVERY_S)
    spans = runs([label for _, label, _ in judged], [t for t, _, _ in judged])
    def nudged(span):
        return any(span[1] <= n <= span[2] + FAST_LOOK_S for n in nudges)
    sustained = [s for s in spans if s[0] == "forward" and s[2] - s[1] >= SUSTAINED_S]
    glances = [s for s in spans if s[0] == "forward" and s[2] - s[1] <= GLANCE_MAX_S]
    return {"forward_spells": len(sustained), "forward_nudged": sum(map(nudged, sustained)),
            "nudges_upright": sum(any(s[1] < n <= s[2] for n in nudges) for s in spans if s[0] == "upright"),
            "glances": len(glances), "nudges_glance": sum(map(nudged, glances)), "nudges": len(nudges)}


def recording_rows(path: Path, calibration_rows: int) -> tuple[dict, dict]:
    """A landmark recording (``replay --landmarks-out``) with its labels beside it in PATH.labels: one
    word a row, ``upright``, ``forward`` or ``-`` (not judged: away, standing...). Calibrated on its
    first ``calibration_rows`` upright rows, judged on every row after them."""
    from fhp_monitor.core.geometry import NO_PERSON, PostureReading
    from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource

    labels_path = path.with_suffix(".labels")
    try:
        labels = labels_path.read_text(encoding="utf-8").split()
    except OSError as exc:
        raise SystemExit(f"{labels_path}: cannot read the labels ({exc.strerror}); one word a row is expected.") \
            from None
    if set(labels) - {"upright", "forward", "-"}:
        raise SystemExit(f"{labels_path}: labels are upright, forward or -, not {sorted(set(labels))[:5]}")
    source = LandmarkCsvSource(path)
    source.open()
    try:
        frames = []
        while (frame := source.read()) is not None:
            frames.append((frame.t, frame.pose))
    finally:
        source.release()
    if len(frames) != len(labels):
        raise SystemExit(f"{labels_path}: {len(labels)} labels for {len(frames)} rows of {path}")
    upright = [i for i, label in enumerate(labels) if label == "upright"][:calibration_rows]
    if len(upright) < calibration_rows:
        raise SystemExit(f"{path}: only {len(upright)} upright rows, {calibration_rows} are needed to calibrate")

    def read(pose, body=None):
        if pose is None or not pose.poses:
            return PostureReading(None, None, NO_PERSON)
        return read_posture(pose, 0.5, body)

    baseline = fit_from_readings([read(frames[i][1]) for i in upright], 0.0, SENSITIVITY_DEG)
    body = body_of(baseline)
    first = upright[-1] + 1
    judged = [(t, label, read(pose, body)) for (t, pose), label in zip(frames[first:], labels[first:])]
    row = score(baseline, [r for _, label, r in judged if label == "upright"],
                [r for _, label, r in judged if label == "forward"])
    name = f"{path.name}, calibrated on its first {calibration_rows} upright rows"
    return {"set": name, **row}, {"set": name, **recording_spells(baseline, judged)}


def turn_figures(results: dict) -> dict:
    """The head-turn measure upright vs forward: new (shoulder widths) and old (half ear spans)."""
    from tests.support.real_photos import FORWARD, UPRIGHT

    out = {}
    for label in (UPRIGHT, FORWARD):
        new, old = [], []
        for key, poses in results.items():
            if key[1] != label:
                continue
            for result in poses:
                reading = read_posture(result)
                new.append(abs(reading.signals.get("head_turn", np.nan)))
                px = result.poses[0].image[:, :2] * [result.width, result.height]
                mid = (px[7] + px[8]) / 2
                old.append(abs(px[0][0] - mid[0]) / max(abs(px[7][0] - px[8][0]) / 2, 1e-6))
        out[label] = {"turn_sw_median": float(np.nanmedian(new)), "turn_sw_max": float(np.nanmax(new)),
                      "old_half_span_median": float(np.median(old)), "old_half_span_max": float(np.max(old))}
    return out


def synthetic_rows(seed: int = 7) -> list[dict]:
    from tests.support.synthetic_pose import person_seen

    rng = np.random.default_rng(seed)

    def jittered(result: PoseResult) -> PoseResult:
        pose = result.poses[0]
        image = pose.image.copy()
        image[:, 0] += rng.normal(0, 1.5 / result.width, 33)
        image[:, 1] += rng.normal(0, 1.5 / result.height, 33)
        return PoseResult((PoseLandmarks(image, pose.world, pose.visibility),), result.width, result.height)

    rows = []
    for view, distances in (("side", (1.0, 1.5, 2.0)), ("front", (0.6, 0.8, 1.0))):
        upright, forward, calibrated = [], [], []
        for d in distances:
            for h in (0.0, 0.1, 0.3):
                for yaw in (-10.0, 0.0, 10.0):
                    def seen(cva, view=view, d=d, h=h, yaw=yaw):
                        return jittered(person_seen(cva, view, d, h, yaw))
                    baseline = fit_from_readings([read_posture(seen(rng.uniform(49, 51))) for _ in range(20)],
                                                 0.0, SENSITIVITY_DEG)
                    body = body_of(baseline)
                    calibrated.append(baseline)
                    upright += [(baseline, read_posture(seen(rng.uniform(48, 52)), 0.5, body)) for _ in range(20)]
                    forward += [(baseline, read_posture(seen(rng.uniform(38, 42)), 0.5, body)) for _ in range(20)]
        rows.append({"set": f"synthetic {view} view, 27 cameras, 1.5 px jitter",
                     **score(None, upright, forward, pairs=True)})
    rows += synthetic_posture_rows(rng, jittered)
    return rows


def synthetic_posture_rows(rng, jittered) -> list[dict]:
    """The slump the angle misses (front) and upright sitters on tilted torsos (side, hips in view)."""
    from tests.support.synthetic_pose import person_seen

    rows = []
    sets = (("synthetic front slump (neck angle 50, slump 0.5-1.0) vs upright", "front", (0.6, 0.8, 1.0),
             lambda: {"slump": rng.uniform(0.5, 1.0)}, lambda: {}),
            ("synthetic front slump vs upright sitting 30 cm further back to 10 cm nearer", "front", (0.6, 0.8, 1.0),
             lambda: {"slump": rng.uniform(0.5, 1.0)}, lambda: {"body_z": rng.uniform(-0.3, 0.1)}),
            ("synthetic side, torso tilted -20..25 deg, head kept (recliner, kneeling), CVA 50 vs 40", "side",
             (2.0, 2.5), lambda: {"lean_deg": rng.uniform(-20, 25)}, lambda: {"lean_deg": rng.uniform(-20, 25)}))
    for name, view, distances, forward_pose, upright_pose in sets:
        upright, forward = [], []
        for d in distances:
            for h in (0.0, 0.1, 0.3):
                for yaw in (-10.0, 0.0, 10.0):
                    def seen(cva, view=view, d=d, h=h, yaw=yaw, **extra):
                        return jittered(person_seen(cva, view, d, h, yaw, **extra))
                    baseline = fit_from_readings([read_posture(seen(rng.uniform(49, 51))) for _ in range(20)],
                                                 0.0, SENSITIVITY_DEG)
                    body = body_of(baseline)
                    upright += [(baseline, read_posture(seen(rng.uniform(48, 52), **upright_pose()), 0.5, body))
                                for _ in range(20)]
                    cva = (lambda: rng.uniform(48, 52)) if view == "front" else (lambda: rng.uniform(38, 42))
                    forward += [(baseline, read_posture(seen(cva(), **forward_pose()), 0.5, body))
                                for _ in range(20)]
        rows.append({"set": name, **score(None, upright, forward, pairs=True)})
    return rows


def two_people_rows() -> list[dict]:
    from tests.sensing import test_people_real as people
    from tests.support.real_photos import FORWARD, UPRIGHT
    from tests.support.recorded_day import photos

    user = {label: photos(label, people.USER) for label in (UPRIGHT, FORWARD)}
    other = photos(UPRIGHT, people.OTHER) + photos(FORWARD, people.OTHER)
    baseline = fit_from_readings(people.readings_of([people.compose(p, None) for p in user[UPRIGHT]], 1),
                                 0.0, SENSITIVITY_DEG)
    rows = []
    for num_poses in (1, 2):
        judged = {label: people.readings_of([people.compose(u, other[i % len(other)])
                                             for i, u in enumerate(user[label])], num_poses, body_of(baseline))
                  for label in (UPRIGHT, FORWARD)}
        rows.append({"set": f"two people (user 1.0 + other 0.6), num_poses={num_poses}",
                     **score(baseline, judged[UPRIGHT], judged[FORWARD])})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--recording", type=Path, action="append", default=[], metavar="REC.csv",
                        help="also a labelled landmark recording of your own (labels in REC.labels, one word a "
                             "row: upright, forward or -); may be given more than once")
    parser.add_argument("--calibration-rows", type=int, default=20, metavar="N",
                        help="calibrate each recording on its first N upright rows (default 20)")
    args = parser.parse_args()
    results = photo_readings()
    rows = real_rows(results) + degraded_rows(results) + side_view_rows() + synthetic_rows() + two_people_rows()
    felt = spell_rows(results)
    for path in args.recording:
        row, spells_row = recording_rows(path, args.calibration_rows)
        rows.append(row)
        felt.append({**spells_row, "before": None})
    turns = turn_figures(results)
    if args.json:
        print(json.dumps({"rows": rows, "spells": felt, "head_turn": turns}, indent=2))
        return 0
    print("| data set | upright / forward frames | sensitivity | specificity | no verdict | signals used (frames) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        reasons = f" ({', '.join(row['reasons'])})" if row["reasons"] and row["null"] else ""
        used = ", ".join(f"{k} {v}" for k, v in sorted(row["used"].items(), key=lambda kv: -kv[1]))
        print(f"| {row['set']} | {row['upright']} / {row['forward']} | {row['sensitivity']:.3f} | "
              f"{row['specificity']:.3f} | {100 * row['null']:.1f} %{reasons} | {used} |")
    print()
    print("| data set | " + " | ".join(f"{k}: sens / spec / null" for k in KINDS) + " |")
    print("|---|" + "---|" * len(KINDS))
    for row in rows:
        cells = [f"{r['sensitivity']:.3f} / {r['specificity']:.3f} / {100 * r['null']:.1f} %"
                 for r in (row["by_signal"][k] for k in KINDS)]
        print(f"| {row['set']} | " + " | ".join(cells) + " |")
    print()
    print("| timeline | sustained forward spells nudged | nudges in upright spells | nudges in 20 s glances |")
    print("|---|---|---|---|")
    for row in felt:
        before = row["before"] or {key: "-" for key in row}
        print(f"| {row['set']} | {row['forward_nudged']} / {row['forward_spells']} "
              f"(before: {before['forward_nudged']}) | {row['nudges_upright']} (before: {before['nudges_upright']}) | "
              f"{row['nudges_glance']} of {row['glances']} (before: {before['nudges_glance']}) |")
    print()
    for label, figures in turns.items():
        print(f"head turn, {label}: {figures['turn_sw_median']:.3f} (max {figures['turn_sw_max']:.3f}) "
              f"shoulder widths; old measure {figures['old_half_span_median']:.2f} "
              f"(max {figures['old_half_span_max']:.2f}) half ear spans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
