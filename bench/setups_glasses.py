"""Issue 22's setups and glasses, in figures: what a user feels before (one calibration, no reading
posture) and after.

    python bench/setups_glasses.py [--json]      (~10 s; no camera, no model: landmark recordings)

**Setups.** One person's day at three camera places, 10 minutes each: the desk (the demo recording's
real landmarks), a second saved setup and a place never calibrated (both synthetic: the same rows
scaled to 0.6 and shifted, as a laptop camera pushed back to one side sees them;
tests/support/setup_recordings.py). Calibrated at the desk, then at the second place. Replayed through
the real worker (its file timeline the clock) with the saved setups (after) and with the last
calibration only (before, as the app was). Counted per place: the looks judged against the
calibration of that place and with a posture verdict (upright or forward), in seconds of the stretch
(a look counts until the next), and the questions asked ("Did your camera move?").

**Glasses.** The demo's sitting-tall rows with the head held as a reader of progressive lenses holds it
(synthetic: the nose 0.05 shoulder widths higher, with the chin pushed forward the ears 0.08 lower;
tests/core/test_reading_posture.py), its real head-forward rows and its sitting-tall rows, judged by the
upright calibration alone (before) and with 10 frames of the reading posture folded in (after); and
10 minutes of reading through the worker: nudges.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _path in (str(REPO), str(REPO / "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from fhp_monitor.core.calibration import fit_from_readings, load_baseline, verdict_of  # noqa: E402
from fhp_monitor.core.ports import PostureState  # noqa: E402
from fhp_monitor.core.reading_posture import fold_reading_posture  # noqa: E402
from fhp_monitor.home.folder import Home  # noqa: E402
from tests.core.test_reading_posture import CHIN_POKE, TILTED_BACK, reading_row, readings_of  # noqa: E402
from tests.monitor.test_setups_switch import calibrate_at, replay  # noqa: E402
from tests.support.setup_recordings import DESK, MONITOR, UNKNOWN, demo_rows, upright_rows, write  # noqa: E402

STRETCH_S = 600
PLACES = (("desk (saved)", DESK, "Desk"), ("second place (saved)", MONITOR, "Setup 2"),
          ("a place never calibrated", UNKNOWN, None))


def setups_figures(scratch: Path) -> list[dict]:
    root = scratch / "home"
    root.mkdir()
    home = Home(root=root, log_dir=root / "logs", chosen=True)
    calibrate_at(home, DESK, scratch)
    calibrate_at(home, MONITOR, scratch)
    day = write(scratch / "day.csv", [(place, STRETCH_S) for _words, place, _name in PLACES])
    after = replay(home, day)[2]
    (root / "setups.json").unlink()  # before: the last calibration only, as the app was before setups
    before_home = Home(root=scratch / "before", log_dir=scratch / "before" / "logs", chosen=True)
    before_home.root.mkdir()
    before_home.calibration.write_bytes(home.calibration.read_bytes())
    before = replay_without_setups(before_home, day)
    rows = []
    for number, (words, _place, name) in enumerate(PLACES):
        low, high = number * STRETCH_S, (number + 1) * STRETCH_S
        rows.append({"place": words, **{label: per_place(looks, low, high, name, label == "before")
                                        for label, looks in (("before", before), ("after", after))}})
    return rows


def per_place(looks: list[tuple], low: float, high: float, name: str | None, before: bool) -> dict:
    """Seconds of the place's stretch judged against its own calibration and with a posture verdict
    (each look counts until the next), and the questions asked there."""
    own = verdict = 0.0
    for (t, state, setup, _told), (t_next, *_rest) in zip(looks, [*looks[1:], (high,)]):
        if not low <= t < high:
            continue
        span = min(t_next, high) - t
        in_use = "Setup 2" if before else setup  # before: the last calibration, whatever the place
        own += span if name is not None and in_use == name else 0.0
        verdict += span if state in (PostureState.UPRIGHT, PostureState.FORWARD) else 0.0
    told = [look[3] for look in looks if look[0] < high]
    asked_before = [look[3] for look in looks if look[0] < low]
    return {"seconds against its own calibration": None if name is None else round(own),
            "seconds with a posture verdict": round(verdict),
            "questions": (told[-1] if told else 0) - (asked_before[-1] if asked_before else 0)}


def replay_without_setups(home: Home, day: Path) -> list[tuple]:
    """The worker as it was: no saved setups, so the name in use is 'Setup 2' throughout (the last calibrated)."""
    from fhp_monitor.desktop.notify import RecordingNotifier
    from fhp_monitor.monitor.clocks import ReplayClock
    from fhp_monitor.monitor.worker import MonitorWorker
    from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource
    from fhp_monitor.settings.schema import Settings

    clock, notifier, looks = ReplayClock(start=1.7e9), RecordingNotifier(), []
    worker = MonitorWorker(source=LandmarkCsvSource(day), estimator=None, clock=clock,  # type: ignore[arg-type]
                           settings=Settings(), baseline=load_baseline(home.calibration), notifier=notifier,
                           history=None)
    while worker.step() is not None:
        looks.append((clock.t, worker.monitor.state, "Setup 2", len(notifier.sent)))
    worker.close()
    return looks


def glasses_figures(scratch: Path) -> dict:
    upright = upright_rows()
    _header, every = demo_rows()
    forward = [row for row in every if 420 <= float(row[0]) < 660]
    sets = {"calibration": upright[:30], "sitting tall": upright, "real head forward": forward,
            "reading, chin pushed forward": [reading_row(r, *CHIN_POKE) for r in upright],
            "reading, head only tilted back": [reading_row(r, *TILTED_BACK) for r in upright]}
    frames = {name: readings_of(write(scratch / f"{n}.csv", [(DESK, 5.0 * len(rows))], rows=rows))
              for n, (name, rows) in enumerate(sets.items())}
    plain = fit_from_readings(frames["calibration"], now=0.0, sensitivity_deg=2.0)
    folded = fold_reading_posture(plain, frames["reading, chin pushed forward"][:10])
    assert folded is not None
    figures = {}
    for name, readings in frames.items():
        if name != "calibration":
            figures[name] = {label: round(sum(verdict_of(b, r).forward is True for r in readings) / len(readings), 3)
                             for label, b in (("before", plain), ("after", folded))}
    return {"judged forward (share of frames)": figures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        (scratch / "s").mkdir()
        (scratch / "g").mkdir()
        setups = setups_figures(scratch / "s")
        glasses = glasses_figures(scratch / "g")
    if args.json:
        print(json.dumps({"setups": setups, "glasses": glasses}, indent=2))
        return 0
    print("| place (10 min) | judged against its own calibration: before / after | with a posture verdict: "
          "before / after | questions: before / after |")
    print("|---|---|---|---|")
    for row in setups:
        b, a = row["before"], row["after"]
        key = "seconds against its own calibration"
        own = "-" if a[key] is None else f"{b[key]} s / {a[key]} s"
        judged = f"{b['seconds with a posture verdict']} s / {a['seconds with a posture verdict']} s"
        print(f"| {row['place']} | {own} | {judged} | {b['questions']} / {a['questions']} |")
    print()
    print("| frames (demo recording) | judged forward: before (upright calibration) / after (+ reading posture) |")
    print("|---|---|")
    for name, shares in glasses["judged forward (share of frames)"].items():
        print(f"| {name} | {shares['before']:.3f} / {shares['after']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
