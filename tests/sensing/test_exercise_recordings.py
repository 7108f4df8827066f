"""Repetition counting on landmark recordings made from REAL MediaPipe landmarks of the real photos.

How the recordings are made (tests/support/exercise_recordings.py has the code and says the same):
the real MediaPipe pose model runs on every real labelled webcam photo of each session in
tests/data/slouching-or-not. The session's slouching photos play the user's usual posture: the
calibration recording is those photos (run through the real ``fhp-monitor calibrate --no-gui``), and
every exercise recording rests on them, cycling through them at 5 frames per second. Each repetition
moves to the same session's real upright photos (the person's real head and shoulders back and up over
the shoulders, the nose higher) over 0.8 s of landmarks interpolated between one real rest photo and one
real upright photo, holds there for 2-4 s cycling through the real upright photos, and moves back the
same way. A *halfway* repetition holds 30-35 % of the way: each landmark at rest + share x (upright -
rest), pairing the cycled real photos frame by frame, so it keeps real jitter at a smaller size.
"Still" is 40 s of the real slouching photos only. The recordings are counted by the real
``fhp-monitor exercise --source REC --json`` in a subprocess.

The plans: right = 5 full repetitions held 3 s; halfway = 4 repetitions at 35 %; mixed = full, 35 %,
full (4 s), 30 %, full (2 s); still = no movement.
"""

from __future__ import annotations

import json

import pytest

from fhp_monitor.core.exercise import EXERCISES
from tests.support.exercise_recordings import PLANS, write_all
from tests.support.real_photos import SESSIONS
from tests.support.running import fhp


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """{name: path} of every recording, and a home per session calibrated on its rest recording."""
    folder = tmp_path_factory.mktemp("recordings")
    written = write_all(folder)
    homes = {}
    for index in range(len(SESSIONS)):
        name = f"session{index + 1}"
        home = folder / f"{name}-home"
        done = fhp(home, "calibrate", "--no-gui", "--source", str(written[f"{name}-calibration"]))
        assert done.returncode == 0, done.stderr
        homes[name] = home
    return written, homes


def count(recordings, session: str, plan: str, exercise: str) -> dict:
    written, homes = recordings
    done = fhp(homes[session], "exercise", "--source", str(written[f"{session}-{plan}"]), "--json", exercise)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("session", [f"session{i + 1}" for i in range(len(SESSIONS))])
@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_right_repetition_counted_halfway_not_still_nothing(recordings, session, exercise):
    for plan, (_, expected) in PLANS.items():
        result = count(recordings, session, plan, exercise)
        print(session, exercise, plan, result["repetitions"], result["partial"], round(result["reach"], 3))
        assert result["camera_can_tell"] is True
        assert result["repetitions"] == expected, (plan, result)
        assert result["dropped"] == 0


def test_the_counted_repetitions_are_the_full_ones_at_their_times(recordings):
    """In the mixed recording the full repetitions start at 3.0, 16.6 and 29.6 s (after 0.8 s moves)."""
    result = count(recordings, "session1", "mixed", "chin-tuck")
    starts = [t["start"] for t in result["times"]]
    assert len(starts) == 3
    for start, planned in zip(starts, (3.0, 16.6, 29.6)):
        assert planned <= start <= planned + 1.0, starts
    assert all(t["held_s"] >= 1.5 for t in result["times"])
    assert all(t["peak"] >= result["reach"] for t in result["times"])


def test_without_a_calibration_it_says_so_in_one_line(recordings, tmp_path):
    written, _ = recordings
    done = fhp(tmp_path / "home", "exercise", "--source", str(written["session1-right"]), "--json")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no calibration yet" in done.stderr and "Traceback" not in done.stderr


def test_text_output_says_how_many(recordings):
    written, homes = recordings
    done = fhp(homes["session2"], "exercise", "--source", str(written["session2-mixed"]), "head-lift")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 head lifts counted")


def test_an_image_folder_of_the_real_photos_is_counted_with_real_mediapipe(tmp_path):
    """No interpolation at all: the real photos themselves as an image folder, one per second
    (sampling.image_interval_s): 4 slouching (rest), 5 upright, 4 slouching, 5 upright, 4 slouching,
    3 upright, 4 slouching: three repetitions, starting at 4, 13 and 22 s. Calibrated on the session's
    slouching photos through the real ``calibrate --no-gui``; counted by real MediaPipe."""
    import shutil

    from tests.support.exercise_recordings import REST, TARGET

    session = SESSIONS[1]
    rest = sorted((session / REST).glob("*.jpg"))
    target = sorted((session / TARGET).glob("*.jpg"))
    folder = tmp_path / "photos"
    folder.mkdir()
    plan = [rest[0:4], target[0:5], rest[4:8], target[5:10], rest[8:12], target[10:13], rest[12:16]]
    for number, photo in enumerate(p for part in plan for p in part):
        shutil.copy(photo, folder / f"frame-{number:03d}.jpg")
    home = tmp_path / "home"
    done = fhp(home, "calibrate", "--no-gui", "--source", str(session / REST), "--frames", str(len(rest)))
    assert done.returncode == 0, done.stderr
    done = fhp(home, "exercise", "--source", str(folder), "--json", "chin-tuck")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["repetitions"] == 3 and result["camera_can_tell"]
    assert [t["start"] for t in result["times"]] == [4.0, 13.0, 22.0]
