"""The pose model in its own process (sensing/detector_process.py): real spawned children running
real MediaPipe on real photos; the worker driven by a fake clock; a real ``kill -SEGV`` of the
child of a real ``python -m fhp_monitor run``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from fhp_monitor.core.ports import DetectorStopped, Frame, ModelError, PostureState, SourceUnavailable
from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED, PAUSE_SUSPENDED
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.monitor.worker import DETECTOR_REST_AFTER_S, MonitorWorker
from fhp_monitor.sensing.detector_process import ChildCamera, ProcessPoseEstimator, detector_for
from fhp_monitor.sensing.landmarks_csv import RecordedPoses
from fhp_monitor.sensing.pose import MediaPipePoseEstimator
from fhp_monitor.settings.schema import settings_from_dict
from tests.support.faults_support import minute_count, replay_args, rows
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import build_recorded_day, photos
from tests.support.running import start_fhp

T0 = 1_763_629_200.0


class FakeClock:
    def __init__(self) -> None:
        self.t = T0

    def now(self) -> float:
        return self.t

    def monotonic(self) -> float:
        return self.t - T0


def gone(pid: int) -> bool:
    """True once ``pid`` is no more (reaped, or at least a zombie waiting to be)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    return cv2.resize(photos(UPRIGHT)[0], (640, 360))


@pytest.fixture(scope="module")
def steady_video(tmp_path_factory, picture) -> Path:
    path = tmp_path_factory.mktemp("video") / "steady.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (640, 360))
    for _ in range(30):
        writer.write(picture)
    writer.release()
    return path


def test_the_child_gives_the_same_landmarks_as_the_model_in_process(picture):
    frame = Frame(image=picture, t=10.0, index=0)
    with MediaPipePoseEstimator() as here, ProcessPoseEstimator() as there:
        near, far = here.estimate(frame), there.estimate(frame)
        child = there.pid
        assert child is not None and child != os.getpid()
    assert len(near.poses) == len(far.poses) == 1
    np.testing.assert_allclose(far.poses[0].image, near.poses[0].image, atol=1e-6)
    np.testing.assert_allclose(far.poses[0].visibility, near.poses[0].visibility, atol=1e-6)
    assert gone(child)  # close() ended it


def children_of(pid: int) -> dict[int, str]:
    """The command line of every live process whose parent is ``pid``."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except FileNotFoundError:
                continue
    return {n: line for n, line in found.items() if not gone(n)}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="multiprocessing's tracker process is POSIX")
def test_once_the_child_is_ready_no_resource_tracker_stays_beside_it(picture):
    before = children_of(os.getpid())
    with ProcessPoseEstimator() as there:
        there.estimate(Frame(image=picture, t=10.0, index=0))
        new = {n: line for n, line in children_of(os.getpid()).items() if n not in before}
        assert list(new) == [there.pid], new  # the child alone: the tracker ended when the child was ready
        there.rest()
        there.estimate(Frame(image=picture, t=20.0, index=1))  # a second child: again no tracker
        new = {n: line for n, line in children_of(os.getpid()).items() if n not in before}
        assert list(new) == [there.pid] and there.starts == 2, new


def test_the_child_asks_glibc_for_one_malloc_arena():
    """In a fresh interpreter (the setting is the process's): glibc agrees on Linux, nothing happens elsewhere."""
    code = "from fhp_monitor.sensing.detector_child import one_malloc_arena; print(one_malloc_arena())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == str(sys.platform.startswith("linux")), done  # glibc on the Linux CI runs


def test_the_apps_process_loads_neither_mediapipe_nor_opencv(steady_video):
    code = ("import sys\n"
            "from fhp_monitor.sensing.detector_process import ChildCamera, ProcessPoseEstimator\n"
            f"with ProcessPoseEstimator(camera=({CAMERA!r}, ({str(steady_video)!r}, 640, 360))) as e:\n"
            "    camera = ChildCamera(e)\n"
            "    frame = camera.read()\n"
            "    assert frame.image.shape == (360, 640, 3)\n"
            "    assert len(e.estimate(frame).poses) == 1\n"
            "    camera.release()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mediapipe', 'cv2')))\n")
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_landmark_recording_never_starts_a_child():
    class Recording:
        carries_poses = True

    assert isinstance(detector_for(settings_from_dict({}), Recording()), RecordedPoses)


def test_a_broken_model_is_one_sentence_at_start(tmp_path):
    broken = tmp_path / "broken.task"
    broken.write_bytes(b"not a model " * 100)
    with pytest.raises(ModelError, match="damaged"):
        ProcessPoseEstimator(str(broken))


def test_a_killed_child_is_reported_once_and_the_next_look_starts_another(picture):
    with ProcessPoseEstimator() as estimator:
        lost = threading.Event()
        estimator.on_lost = lost.set
        estimator.estimate(Frame(image=picture, t=1.0, index=0))
        first = estimator.pid
        os.kill(first, signal.SIGSEGV)
        assert lost.wait(10)  # the watcher saw it go at once (in the app it wakes the worker)
        with pytest.raises(DetectorStopped, match="SIGSEGV"):
            estimator.estimate(Frame(image=picture, t=20.0, index=1))
        assert len(estimator.estimate(Frame(image=picture, t=40.0, index=2)).poses) == 1
        assert estimator.starts == 2 and estimator.pid not in (None, first)


CAMERA = "fhp_monitor.sensing.sources:CameraSource"  # a video file through the camera code, as no webcam is here


def _detector(video: Path) -> ProcessPoseEstimator:
    return ProcessPoseEstimator(camera=(CAMERA, (str(video), 640, 360)))


def test_a_camera_the_child_cannot_open_is_unavailable_and_the_child_stays(tmp_path, steady_video):
    with ProcessPoseEstimator(camera=(CAMERA, (str(tmp_path / "unplugged.avi"), 640, 360))) as estimator:
        camera = ChildCamera(estimator)
        with pytest.raises(SourceUnavailable, match="open camera"):
            camera.read()
        assert estimator.pid is not None  # a missing camera is no crash: the worker backs off as before
        camera.release()


def _worker(video: Path, estimator, clock: FakeClock) -> MonitorWorker:
    return MonitorWorker(source=ChildCamera(estimator), estimator=estimator, clock=clock,
                         settings=settings_from_dict({}), baseline=None, notifier=RecordingNotifier(), history=None)


def test_a_pause_of_two_minutes_ends_the_child_and_resume_starts_one(steady_video):
    clock = FakeClock()
    with _detector(steady_video) as estimator:
        worker = _worker(steady_video, estimator, clock)
        worker.step()
        child = estimator.pid
        assert child is not None and worker.looks == 1
        worker.pause(None, PAUSE_SCREEN_LOCKED)
        waits = []
        while clock.monotonic() < DETECTOR_REST_AFTER_S - 1:
            waits.append(worker.step())
            assert estimator.pid == child  # a short pause keeps the model: a lock of a minute costs nothing
            clock.t += waits[-1]
        assert sum(waits) == pytest.approx(DETECTOR_REST_AFTER_S)  # the tick lands on the two minutes
        worker.step()
        assert estimator.pid is None and gone(child)  # two minutes: the child is gone
        assert worker.snapshot().state is PostureState.PAUSED
        worker.resume(PAUSE_SCREEN_LOCKED)
        worker.step()  # the look right after the unlock starts a new child, which opens the camera
        assert worker.looks == 2 and worker.snapshot().state is not PostureState.CAMERA_UNAVAILABLE
        assert estimator.starts == 2 and estimator.pid not in (None, child)
        worker.close()


def test_sleep_ends_the_child_before_the_machine_may_sleep(steady_video):
    clock = FakeClock()
    with _detector(steady_video) as estimator:
        worker = _worker(steady_video, estimator, clock)
        worker.step()
        child = estimator.pid
        worker.pause(None, PAUSE_SUSPENDED)
        worker.step()
        assert worker.released_for_pause.is_set()
        assert estimator.pid is None and gone(child)  # at once, not after two minutes
        worker.close()


# --------------------------------------------------------------------------- the real app

SPEED = 3.0  # timeline seconds per wall second: the 5 s back-off takes 1.7 s of the test's time
MINUTES = 3


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    return build_recorded_day(tmp_path_factory.mktemp("recording") / "day.avi",
                              [(UPRIGHT, 1), (FORWARD, 1), (UPRIGHT, MINUTES - 2)])


def _log_lines(home: Path) -> list[str]:
    path = home / "logs" / "fhp-monitor.log"
    return path.read_text().splitlines() if path.exists() else []


def _wait_for(condition, what: str, timeout: float = 60.0):
    """Poll ``condition`` (a real process's log or history) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


STARTED = re.compile(r"^(\S+ \S+) INFO .*pose detector started \(pid (\d+)\)")


def _starts(home: Path) -> list[tuple[datetime, int]]:
    return [(datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S,%f"), int(m[2]))
            for m in map(STARTED.match, _log_lines(home)) if m]


def test_kill_segv_of_the_detector_the_app_stays_and_loses_no_minute(home, recording):
    app = start_fhp(home, *replay_args(recording, speed=SPEED))
    try:
        (_, child), = _wait_for(lambda: _starts(home), "the detector's start")
        _wait_for(lambda: minute_count(home / "history.sqlite3") >= 1, "the first minute")
        os.kill(child, signal.SIGSEGV)
        killed = datetime.now()
        starts = _wait_for(lambda: _starts(home)[1:], "the detector's restart")
        out, err = app.communicate(timeout=120)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0, err  # the app (the tray's process) never went down
    back_after = (starts[0][0] - killed).total_seconds()
    assert back_after <= 10.0, back_after  # measured in wall time
    assert starts[0][1] != child and gone(child)
    crash_lines = [line for line in _log_lines(home) if "SIGSEGV" in line]
    assert len(crash_lines) == 1 and " ERROR " in crash_lines[0], crash_lines  # one line, no traceback
    assert "Traceback" not in "\n".join(_log_lines(home)) and "Traceback" not in err
    assert "Monitoring hit a problem" not in err  # one crash is mended quietly; a habit would be told
    db = home / "history.sqlite3"
    assert minute_count(db) == MINUTES  # every minute of the recording is there
    seconds = rows(db, "SELECT sum(upright_s + forward_s + away_s + paused_s + uncertain_s + unavailable_s) "
                       "FROM minutes")[0][0]
    assert seconds >= MINUTES * 60 - 61, seconds  # at most the look in progress (<= 60 s) went uncounted


def test_the_supervisor_mends_one_crash_quietly_and_tells_the_user_once_when_it_repeats(caplog):
    from fhp_monitor.monitor.supervise import CRASHES_BEFORE_TELLING, Reporter, supervised_run

    class CrashingWorker:
        """Each run: one look, then the detector is found dead (as ProcessPoseEstimator raises it)."""

        def __init__(self, crashes: int) -> None:
            self.looks, self.crashes, self.runs = 0, crashes, 0

        def run(self, stop, pace) -> None:
            self.runs += 1
            if self.runs <= self.crashes:
                raise DetectorStopped(f"the pose detector (pid {100 + self.runs}) stopped by SIGSEGV during a look")
            self.looks += 1

    told: list[tuple[str, str]] = []
    waits: list[float] = []
    for crashes in (1, CRASHES_BEFORE_TELLING + 1):
        told.clear()
        caplog.clear()
        worker = CrashingWorker(crashes)
        gave_up = supervised_run(worker, threading.Event(), lambda s: waits.append(s) or s,
                                 Reporter(lambda title, body: told.append((title, body))))
        assert gave_up is None and worker.runs == crashes + 1  # restarted after every crash
        lines = [r for r in caplog.records if "SIGSEGV" in r.getMessage()]
        assert len(lines) == crashes and all(r.exc_info is None for r in lines)  # one line each, no traceback
        assert len(told) == (0 if crashes < CRASHES_BEFORE_TELLING else 1), told
    assert waits[0] == 5.0  # the supervisor's first back-off
