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

Sensitivity = forward frames judged forward / all forward frames; specificity = upright frames
judged upright / all upright frames; a frame with no verdict (null) counts as a miss in both.
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

from fhp_monitor.core.calibration import body_of, fit_from_readings, is_forward  # noqa: E402
from fhp_monitor.core.geometry import read_posture  # noqa: E402
from fhp_monitor.core.ports import PoseLandmarks, PoseResult  # noqa: E402

SENSITIVITY_DEG = 2.0  # the default in config.yaml


def score(baseline, upright, forward) -> dict:
    up = [is_forward(baseline, r) for r in upright]
    fw = [is_forward(baseline, r) for r in forward]
    return {
        "upright": len(up), "forward": len(fw),
        "sensitivity": float(np.mean([v is True for v in fw])),
        "specificity": float(np.mean([v is False for v in up])),
        "null": float(np.mean([v is None for v in up + fw])),
        "reasons": sorted({r.reason for r in upright + forward if r.reason}),
    }


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
                    seen = lambda cva, view=view, d=d, h=h, yaw=yaw: jittered(person_seen(cva, view, d, h, yaw))
                    baseline = fit_from_readings([read_posture(seen(rng.uniform(49, 51))) for _ in range(20)],
                                                 0.0, SENSITIVITY_DEG)
                    body = body_of(baseline)
                    calibrated.append(baseline)
                    upright += [(baseline, read_posture(seen(rng.uniform(48, 52)), 0.5, body)) for _ in range(20)]
                    forward += [(baseline, read_posture(seen(rng.uniform(38, 42)), 0.5, body)) for _ in range(20)]
        up = [is_forward(b, r) for b, r in upright]
        fw = [is_forward(b, r) for b, r in forward]
        rows.append({"set": f"synthetic {view} view, 27 cameras, 1.5 px jitter", "upright": len(up),
                     "forward": len(fw), "sensitivity": float(np.mean([v is True for v in fw])),
                     "specificity": float(np.mean([v is False for v in up])),
                     "null": float(np.mean([v is None for v in up + fw])),
                     "reasons": sorted({r.reason for _, r in upright + forward if r.reason})})
    return rows


def two_people_rows() -> list[dict]:
    import test_people_real as people

    from tests.support.real_photos import FORWARD, UPRIGHT
    from tests.support.recorded_day import photos

    user = {label: photos(label, people.USER) for label in (UPRIGHT, FORWARD)}
    other = photos(UPRIGHT, people.OTHER) + photos(FORWARD, people.OTHER)
    baseline = fit_from_readings(people.readings_of([people.compose(p, None) for p in user[UPRIGHT]], 1),
                                 0.0, SENSITIVITY_DEG)
    rows = []
    for num_poses in (1, 2):
        judged = {label: people.readings_of([people.compose(u, other[i % len(other)]) for i, u in enumerate(user[label])],
                                            num_poses, body_of(baseline)) for label in (UPRIGHT, FORWARD)}
        rows.append({"set": f"two people (user 1.0 + other 0.6), num_poses={num_poses}",
                     **score(baseline, judged[UPRIGHT], judged[FORWARD])})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = photo_readings()
    rows = real_rows(results) + synthetic_rows() + two_people_rows()
    turns = turn_figures(results)
    if args.json:
        print(json.dumps({"rows": rows, "head_turn": turns}, indent=2))
        return 0
    print("| data set | upright / forward frames | sensitivity | specificity | no verdict |")
    print("|---|---|---|---|---|")
    for row in rows:
        reasons = f" ({', '.join(row['reasons'])})" if row["reasons"] and row["null"] else ""
        print(f"| {row['set']} | {row['upright']} / {row['forward']} | {row['sensitivity']:.3f} | "
              f"{row['specificity']:.3f} | {100 * row['null']:.1f} %{reasons} |")
    print()
    for label, figures in turns.items():
        print(f"head turn, {label}: {figures['turn_sw_median']:.3f} (max {figures['turn_sw_max']:.3f}) shoulder widths; "
              f"old measure {figures['old_half_span_median']:.2f} (max {figures['old_half_span_max']:.2f}) half ear spans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
