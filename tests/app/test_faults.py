"""Faults have defined outcomes: never a crash, never a stream of notifications.

Camera faults go through the real worker with real MediaPipe on the real photos. CI has no
camera, so a scripted "camera" serves the photos and fails on cue (the real CameraSource is used
where it can be: a camera that is not there). Settings, model and history faults run the real
``python -m fhp_monitor`` in a subprocess and check its exit status and words.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from fhp_monitor.core import messages
from fhp_monitor.core.calibration import Baseline, fit_from_readings, is_forward
from fhp_monitor.core.geometry import LEFT_EAR, RIGHT_EAR, read_posture
from fhp_monitor.core.ports import Frame, PostureState, SourceUnavailable
from fhp_monitor.core.setup_watch import MOVED_TITLE
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.camera_outage import BACKOFF_MAX_S, BACKOFF_START_S, CAMERA_NOTICE_AFTER_S
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
from fhp_monitor.sensing.sources import CameraSource, VideoFileSource
from fhp_monitor.settings.schema import Settings, settings_from_dict
from fhp_monitor.store.history import SqliteHistoryStore
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import SESSION, photos
from tests.support.running import fhp
from tests.support.unprivileged import run_unprivileged, world_readable_tmp

T0 = datetime(2026, 11, 20, 9, 0, 0).timestamp()
REPO = Path(__file__).resolve().parents[2]
CAMERA_TITLE = messages.state_words(PostureState.CAMERA_UNAVAILABLE)
UNPLUGGED = SourceUnavailable("Camera 0 stopped sending pictures. Check the cable, or close other apps using it.")
NO_IMAGE = object()  # script item: a Frame whose image is None (a driver handing back nothing)


@pytest.fixture(scope="module")
def upright() -> list[np.ndarray]:
    return photos(UPRIGHT)


@pytest.fixture(scope="module")
def slouching() -> list[np.ndarray]:
    return photos(FORWARD)


@pytest.fixture(scope="module")
def baseline(upright) -> Baseline:
    with MediaPipePoseEstimator() as estimator:
        readings = [read_posture(estimator.estimate(Frame(image, t=i, index=i))) for i, image in enumerate(upright)]
    return fit_from_readings(readings, now=T0 - 3600, sensitivity_deg=2.0)


# ----------------------------------------------------------------------------- a scripted camera


@dataclass
class FakeClock:
    t: float = T0

    def now(self) -> float:
        return self.t


class ScriptedCamera:
    """A live FrameSource that asks ``picture_at(elapsed_s, read_number)`` what to do on each read.

    The answer is a BGR image, None (no picture), NO_IMAGE (a frame without an image) or an
    exception to raise (SourceUnavailable: unplugged).
    """

    live = True
    carries_poses = False
    duration_s = None  # a camera has no end

    def __init__(self, clock: FakeClock, picture_at: Callable[[float, int], object]) -> None:
        self.clock, self.picture_at = clock, picture_at
        self.reads = 0
        self.releases = 0

    def open(self) -> None:
        """Nothing to acquire."""

    def read(self, not_before: float | None = None) -> Frame | None:
        item = self.picture_at(self.clock.now() - T0, self.reads)
        self.reads += 1
        if isinstance(item, Exception):
            raise item
        if item is None:
            return None
        image = None if item is NO_IMAGE else item
        return Frame(image=image, t=self.clock.now(), index=self.reads - 1)  # type: ignore[arg-type]

    def release(self) -> None:
        self.releases += 1


@dataclass
class Look:
    elapsed: float
    state: PostureState
    wait: float
    detail: str
    notifications: int


@dataclass
class Watch:
    worker: MonitorWorker
    notifier: RecordingNotifier
    looks: list[Look] = field(default_factory=list)

    def states(self, start: float = 0.0, end: float = float("inf")) -> set[PostureState]:
        return {look.state for look in self.looks if start <= look.elapsed < end}

    def notified_at(self) -> list[float]:
        """Elapsed seconds of the looks during which a notification was sent."""
        counts = [0] + [look.notifications for look in self.looks]
        return [look.elapsed for look, before in zip(self.looks, counts) if look.notifications > before]


def watch(source_for: Callable[[FakeClock], object], seconds: float, baseline: Baseline | None,
          settings: Settings | None = None, history: SqliteHistoryStore | None = None) -> Watch:
    """Drive a worker on a fake clock for ``seconds``, advancing the clock by each returned wait."""
    clock = FakeClock()
    notifier = RecordingNotifier()
    with MediaPipePoseEstimator() as estimator:
        worker = MonitorWorker(source=source_for(clock), estimator=estimator, clock=clock,  # type: ignore[arg-type]
                               settings=settings or Settings(), baseline=baseline, notifier=notifier,
                               history=history)
        result = Watch(worker, notifier)
        try:
            while clock.t - T0 < seconds:
                elapsed = clock.t - T0
                wait = worker.step()
                assert wait is not None and wait > 0, "a camera never ends the monitoring"
                result.looks.append(Look(elapsed, worker.monitor.state, wait, worker.monitor.detail,
                                         len(notifier.sent)))
                clock.t += wait
        finally:
            worker.close()
    return result


def scripted(picture_at: Callable[[float, int], object]) -> Callable[[FakeClock], ScriptedCamera]:
    return lambda clock: ScriptedCamera(clock, picture_at)


def backoff_waits(count: int) -> list[float]:
    return [min(BACKOFF_START_S * 2**i, BACKOFF_MAX_S) for i in range(count)]


# ----------------------------------------------------------------------------- the camera


def test_a_camera_that_is_not_there_gives_a_plain_sentence():
    camera = CameraSource(index=9)
    with pytest.raises(SourceUnavailable) as raised:
        camera.read()
    message = str(raised.value)
    assert "camera 9" in message and "plugged in" in message
    assert "\n" not in message and "cv2" not in message and "Error" not in message
    camera.release()
    camera.release()  # safe twice


def test_real_missing_camera_through_the_worker_backs_off_and_tells_once(baseline):
    cameras: list[CameraSource] = []

    def missing_camera(clock: FakeClock) -> CameraSource:
        cameras.append(CameraSource(index=9))
        return cameras[0]

    seen = watch(missing_camera, 30 * 60, baseline)
    assert seen.states() == {PostureState.CAMERA_UNAVAILABLE}
    assert seen.looks[0].detail.startswith("We can't open camera 9")
    assert [look.wait for look in seen.looks] == backoff_waits(len(seen.looks))  # 5, 10, 20, 40, 60, 60...
    assert [look.elapsed for look in seen.looks] == [0, 5, 15, 35, *range(75, 30 * 60, 60)]  # then once a minute
    assert seen.notifier.sent == [(CAMERA_TITLE, messages.CAMERA_UNAVAILABLE_TEXT)]  # once in 30 minutes
    assert seen.notified_at()[0] >= CAMERA_NOTICE_AFTER_S
    assert not cameras[0].is_open


def test_camera_missing_at_start_then_plugged_in(baseline, upright):
    plugged_at = 300.0
    seen = watch(scripted(lambda s, n: UNPLUGGED if s < plugged_at else upright[n % len(upright)]),
                 plugged_at + 120, baseline)
    before = [look for look in seen.looks if look.elapsed < plugged_at]
    assert {look.state for look in before} == {PostureState.CAMERA_UNAVAILABLE}
    assert [look.wait for look in before] == backoff_waits(len(before))
    assert len(seen.notifier.sent) == 1 and seen.notifier.sent[0][0] == CAMERA_TITLE
    back = [look for look in seen.looks if look.elapsed >= plugged_at]
    assert {look.state for look in back} == {PostureState.UPRIGHT}
    assert back[0].wait == Settings().sampling.interval_s  # back-off forgotten: the steady schedule again
    assert {look.wait for look in back} <= {15.0, 30.0, 60.0}


def test_unplugged_twice_mid_run_one_notification_per_outage(tmp_path, baseline, upright):
    outages = [(60.0, 660.0), (900.0, 1100.0), (1300.0, 1360.0)]  # 10 min, 200 s, and a 60 s blip

    def picture_at(elapsed: float, n: int) -> object:
        if any(start <= elapsed < end for start, end in outages):
            return UNPLUGGED
        return upright[n % len(upright)]

    settings = settings_from_dict({"sampling": {"interval_s": 10}})
    with SqliteHistoryStore(tmp_path / "history.sqlite3") as history:
        seen = watch(scripted(picture_at), 1500, baseline, settings, history)
        stored = history.minutes(T0, T0 + 3600)
    assert [title for title, _ in seen.notifier.sent] == [CAMERA_TITLE, CAMERA_TITLE]  # not for the blip
    first, second = seen.notified_at()
    assert 60 + CAMERA_NOTICE_AFTER_S <= first < 660 and 900 + CAMERA_NOTICE_AFTER_S <= second < 1100
    for start, end in outages:
        during = [look for look in seen.looks if start <= look.elapsed < end]
        assert {look.state for look in during} == {PostureState.CAMERA_UNAVAILABLE}
        assert [look.wait for look in during] == backoff_waits(len(during))  # each outage starts at 5 s
        after = next(look for look in seen.looks if look.elapsed >= end)
        assert after.state is PostureState.UPRIGHT and after.wait == 10
    unavailable = sum(m.unavailable_s for m in stored)
    outage_s = sum(end - start for start, end in outages)
    # Each outage began between two looks up to 60 s apart and ended between two looks up to 60 s
    # apart (the back-off); each of those intervals is split half and half: at most 30 s off each.
    assert abs(unavailable - outage_s) <= len(outages) * BACKOFF_MAX_S
    assert sum(m.upright_s for m in stored) == pytest.approx(1500 - outage_s, abs=3 * BACKOFF_MAX_S)


# ----------------------------------------------------------------------------- bad pictures


@pytest.mark.parametrize("fault, expected_states, detail, notices", [
    ("no picture", {PostureState.CAMERA_UNAVAILABLE}, "the camera sent no picture", [CAMERA_TITLE]),
    ("frame without an image", {PostureState.UNCERTAIN}, "the picture could not be read", []),
    ("black", {PostureState.UNCERTAIN}, "the picture is too dark", []),
    ("noise", {PostureState.AWAY}, "no one in view", []),
])
def test_bad_pictures_have_a_defined_state_and_no_stream_of_notifications(
        baseline, fault, expected_states, detail, notices):
    rng = np.random.default_rng(7)
    make = {
        "no picture": lambda: None,
        "frame without an image": lambda: NO_IMAGE,
        "black": lambda: np.zeros((360, 640, 3), np.uint8),
        "noise": lambda: rng.integers(0, 256, (360, 640, 3), dtype=np.uint8),
    }[fault]
    seen = watch(scripted(lambda s, n: make()), 5 * 60, baseline)
    assert seen.states() == expected_states
    assert {look.detail for look in seen.looks} == {detail}
    assert [title for title, _ in seen.notifier.sent] == notices and not seen.worker.ended


def test_pictures_of_odd_sizes_never_crash(baseline, upright):
    """A 37 x 1001 squeeze of a real photo is unreadable; a 3x enlargement still works."""
    squeezed = [cv2.resize(image, (37, 1001)) for image in upright]
    wide = [cv2.resize(image, (1001, 37)) for image in upright]
    large = [cv2.resize(image, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC) for image in upright]
    sizes = [squeezed, wide, large]
    seen = watch(scripted(lambda s, n: sizes[int(s // 60) % 3][n % len(upright)]), 3 * 60, baseline)
    assert seen.states(0, 120) <= {PostureState.UNCERTAIN, PostureState.AWAY}
    assert seen.states(125, 180) == {PostureState.UPRIGHT}
    assert seen.notifier.sent == []


# ----------------------------------------------------------------------------- hard poses


def _two_people(slouching: list[np.ndarray]) -> list[np.ndarray]:
    return [np.hstack([slouching[i], slouching[(i + 7) % len(slouching)]]) for i in range(len(slouching))]


def _face_only(slouching: list[np.ndarray]) -> list[np.ndarray]:
    return [image[: int(image.shape[0] * 0.36)].copy() for image in slouching]


def _ears_covered(slouching: list[np.ndarray]) -> list[np.ndarray]:
    """Dark discs (like hands) over both ears, placed where MediaPipe finds the ears in each photo."""
    covered = []
    with MediaPipePoseEstimator() as estimator:
        for i, image in enumerate(slouching):
            pose = estimator.estimate(Frame(image, t=10.0 * i, index=i)).poses[0]
            painted = image.copy()
            for ear in (LEFT_EAR, RIGHT_EAR):
                x, y = pose.image[ear, :2] * (image.shape[1], image.shape[0])
                cv2.circle(painted, (int(x), int(y)), 40, (40, 40, 40), -1)
            covered.append(painted)
    return covered


@pytest.mark.parametrize("make", [
    _two_people,
    _face_only,
    _ears_covered,
], ids=lambda f: f.__name__.strip("_"))
def test_unreadable_poses_of_a_slouching_user_never_nudge_in_ten_minutes(baseline, slouching, make):
    with MediaPipePoseEstimator() as estimator:  # the control: these photos alone would be nudged
        plain = [is_forward(baseline, read_posture(estimator.estimate(Frame(im, t=i, index=i))))
                 for i, im in enumerate(slouching)]
    assert np.mean(plain) >= 0.9
    pictures = make(slouching)
    seen = watch(scripted(lambda s, n: pictures[n % len(pictures)]), 10 * 60, baseline)  # default sampling
    # Two people in a picture twice as wide: the user is never judged; after minutes of that the only
    # word may be the one "Did your camera move?" (core.setup_watch), never a nudge.
    assert [n for n in seen.notifier.sent if n[0] != MOVED_TITLE] == [] and seen.worker.nudges_sent == []
    # MediaPipe now and then finds only one of two people, or guesses covered ears: those looks
    # read "forward", but they are too few among the unreadable ones to be trusted with a nudge.
    unreadable = [look for look in seen.looks if look.state in (PostureState.UNCERTAIN, PostureState.AWAY)]
    assert len(unreadable) >= 0.5 * len(seen.looks), {look.detail for look in seen.looks}


# ----------------------------------------------------------------------------- files


def test_a_damaged_video_ends_the_replay_instead_of_waiting_for_ever(tmp_path, baseline):
    video = tmp_path / "damaged.avi"
    video.write_bytes(os.urandom(5000))
    clock = ReplayClock(start=T0)
    with MediaPipePoseEstimator() as estimator:
        worker = MonitorWorker(source=VideoFileSource(video), estimator=estimator, clock=clock, settings=Settings(),
                               baseline=baseline, notifier=RecordingNotifier(), history=None)
        assert worker.step() is None
        worker.close()
    assert worker.ended and "damaged.avi cannot be read" in (worker.failure or "")


# ----------------------------------------------------------------------------- the command line


def home_with_config(tmp_path: Path, text: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(text)
    return home


@pytest.mark.parametrize("config, words", [
    ("nudges:\n  cooldown_min: 5\n   max_per_hour: 3\n", ["config.yaml", "line 3", "not valid YAML"]),
    ("nudges:\n  cooldown_minutes: 5\n",
     ['unknown setting "nudges.cooldown_minutes"', 'did you mean "nudges.cooldown_min"']),
    ("sampling:\n  interval_s: often\n", ["sampling.interval_s must be a number from 1 to 600", '(got "often")']),
    ("nudges:\n  max_per_hour: 50\n", ["nudges.max_per_hour must be a whole number from 1 to 12", "(got 50)"]),
], ids=["broken yaml", "unknown key", "wrong type", "out of range"])
def test_bad_settings_exit_2_naming_the_key_and_what_is_expected(tmp_path, config, words):
    done = fhp(home_with_config(tmp_path, config), "status")
    assert done.returncode == 2, done
    assert done.stdout == "" and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


@pytest.mark.parametrize("model, words", [
    ("/nonexistent.task", ["/nonexistent.task", "missing"]),
    ("BROKEN", ["damaged"]),
], ids=["missing", "corrupt"])
def test_unusable_model_file_exits_2_with_one_sentence(tmp_path, model, words):
    if model == "BROKEN":
        model = str(tmp_path / "broken.task")
        Path(model).write_bytes(b"not a model " * 100)
    done = fhp(home_with_config(tmp_path, f'detection:\n  model: "{model}"\n'), "replay",
               str(SESSION / UPRIGHT), "--json")
    assert done.returncode == 2, done
    assert done.stdout == "" and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "detection.model" in lines[0], done.stderr
    assert all(word in lines[0] for word in words)


def test_corrupt_history_is_kept_aside_and_summary_still_works(tmp_path):
    home = tmp_path / "home"
    assert fhp(home, "summary").returncode == 0
    damaged = b"this was a history file before the disk hiccup " * 50
    (home / "history.sqlite3").write_bytes(damaged)
    done = fhp(home, "summary", "--json")
    assert done.returncode == 0, done
    assert json.loads(done.stdout)["monitored_s"] == 0
    kept = list(home.glob("history.sqlite3.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert "damaged" in done.stderr and kept[0].name in done.stderr  # the user is told once, plainly
    assert fhp(home, "summary").stderr == ""  # ... and not again


def _as_nobody(argv: list[str]) -> tuple[int, str]:
    """Run ``cli.main(argv)`` as 'nobody', as a user would; returns (exit status, stderr).

    The child first runs the same command as root on a scratch home, so every lazy import is done
    while the Python installation (under /root) is still readable.
    """
    from fhp_monitor import cli

    def warm_up() -> None:
        with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            cli.main(["--home", scratch, *argv[2:]])

    def command() -> tuple[int, str]:
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = cli.main(argv)
        return code, err.getvalue()

    outcome = run_unprivileged(command, before_dropping=warm_up)
    assert outcome[0] == "ok", outcome
    return outcome[1]


@pytest.fixture
def world_tmp():
    yield from world_readable_tmp("fhp-faults-")


def test_home_made_by_another_user_gives_a_clear_message(world_tmp):
    """E.g. fhp-monitor was once started with sudo: every file in the home belongs to root."""
    home = world_tmp / "home"
    assert fhp(home, "summary").returncode == 0
    for path in (home, *home.rglob("*")):  # owned by root: to 'nobody' this is all read-only
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    code, err = _as_nobody(["--home", str(home), "summary"])
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert str(home) in err and "--home" in err


def test_read_only_empty_home_gives_a_clear_message(world_tmp):
    home = world_tmp / "home"
    home.mkdir(mode=0o555)
    os.chmod(home, 0o555)
    code, err = _as_nobody(["--home", str(home), "summary"])
    assert code == 2, err
    assert "Traceback" not in err and str(home) in err and "--home" in err
