"""The app's cost at default settings over a recorded day, and its time to a first reading.

Run:  python bench/bench_monitoring.py [--hours 8] [--video-hours 2] [--json]

(a) A recorded day at 1 fps from the real photos of the first session (scaled and padded to
    640 x 360; each hour 50 min upright then 10 min head forward). ``fhp-monitor calibrate --no-gui``
    calibrates a temporary home on the upright photos. Then, each in a fresh process so peak memory
    is its own, the real ``MonitorWorker`` (real MediaPipe, real SQLite history,
    ``RecordingNotifier``, ``ReplayClock``, default config.yaml) is stepped until the source ends,
    over two sources with the same timeline:
      camera case (``--hours``, default 8): a folder of one image per second (symlinks to the padded
                   photos, in the video's order). The worker decodes only the picture it looks at,
                   like a camera read. This is the figure that stands for monitoring a webcam.
      video replay (``--video-hours``, default 2; 8 adds about 2.5 minutes; 0 skips it): a video
                   built with tests/support/recorded_day.py. The source also decodes the skipped frames
                   between looks (about 4 per look at 5 s intervals), a cost a camera does not have.
    CPU is counted around ``step()`` only (setup such as imports and model load is reported apart);
    the source's ``read()`` is timed inside it, so "without the source read" is shown too.
(b) Time to the first reading: a fresh ``python -m fhp_monitor --home H replay <photo> --json``
    process, from start to its first JSON line (median of 5 after one untimed run that warms the
    disk cache), and in a fresh process: import mediapipe + model load + first estimate.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from itertools import cycle
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (sets sys.path for fhp_monitor and tests/)

START = datetime(2026, 11, 20, 9, 0).timestamp()  # a Friday morning; the default has no quiet hours
RUNS = 5


# ----------------------------------------------------------------------------- building the recorded day


def day_plan(hours: int, upright_min: float, forward_min: float) -> list[tuple[str, float]]:
    from tests.support.real_photos import FORWARD, UPRIGHT

    return [step for _ in range(hours) for step in ((UPRIGHT, upright_min), (FORWARD, forward_min))]


def link_folder(session: Path, plan: list[tuple[str, float]], out: Path, fps: float = 1.0) -> Path:
    """One symlink per video frame, to the same photo build_recorded_day writes at that frame."""
    from tests.support.real_photos import FORWARD, UPRIGHT

    photos = {label: cycle(sorted((session / label).glob("*.jpg"))) for label in (UPRIGHT, FORWARD)}
    next(photos[UPRIGHT])  # build_recorded_day reads one upright photo for the frame size first
    out.mkdir()
    index = 0
    for label, minutes in plan:
        for _ in range(int(round(minutes * 60 * fps))):
            (out / f"{index:06d}.jpg").symlink_to(next(photos[label]))
            index += 1
    return out


def fhp(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "fhp_monitor", "--home", str(home), *args]


def child(*args: str) -> dict:
    """Run this script's ``--child`` mode in a fresh interpreter; its last stdout line is JSON."""
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args],
                          stdout=subprocess.PIPE, text=True, check=True, cwd=common.REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- (a) the worker over a day


class TimedSource:
    """Delegates to a real FrameSource and adds up the CPU its ``read()`` calls take."""

    def __init__(self, inner) -> None:
        self.inner, self.live, self.carries_poses = inner, inner.live, inner.carries_poses
        self.read_cpu_s = 0.0

    @property
    def duration_s(self) -> float | None:
        return self.inner.duration_s

    def open(self) -> None:
        self.inner.open()

    def read(self, not_before: float | None = None):
        started = common.cpu_s()
        try:
            return self.inner.read(not_before)
        finally:
            self.read_cpu_s += common.cpu_s() - started

    def release(self) -> None:
        self.inner.release()


def worker_day(source_spec: str, calibration: Path) -> dict:
    """Child: step a real MonitorWorker over ``source_spec`` until it ends; sample every simulated hour."""
    from fhp_monitor.cli import dispatch as cli
    from fhp_monitor.core.calibration import load_baseline
    from fhp_monitor.desktop.notify import RecordingNotifier
    from fhp_monitor.home.folder import Home
    from fhp_monitor.monitor.clocks import ReplayClock
    from fhp_monitor.monitor.worker import MonitorWorker
    from fhp_monitor.sensing.pose import estimator_for
    from fhp_monitor.sensing.sources import source_for
    from fhp_monitor.store.history import SqliteHistoryStore

    setup_cpu = common.cpu_s()
    home = Home.locate(tempfile.mkdtemp(prefix="fhp-bench-home-"), {})
    settings = cli.load(home)  # the packaged defaults: interval 5 s, fast 2 s, images 1 s apart
    source = TimedSource(source_for(source_spec, settings))
    source.open()
    estimator = estimator_for(settings)
    history = SqliteHistoryStore(home.history)
    notifier = RecordingNotifier()
    clock = ReplayClock(START)
    worker = MonitorWorker(source=source, estimator=estimator, clock=clock, settings=settings,
                           baseline=load_baseline(calibration), notifier=notifier, history=history)
    setup_cpu = common.cpu_s() - setup_cpu

    def sample(hour: object) -> dict:
        return {"hour": hour, "rss_mb": round(common.rss_mb(), 1), "threads": common.thread_count(),
                "step_cpu_s": round(step_cpu, 2), "looks": worker.looks}

    samples, step_cpu, next_hour, wall = [], 0.0, 1, time.perf_counter()
    looks: list[tuple[float, str]] = []
    while True:
        started = common.cpu_s()
        wait = worker.step()
        step_cpu += common.cpu_s() - started
        if wait is None:
            break
        looks.append((clock.t, worker.monitor.state.value))
        if clock.t >= next_hour * 3600.0:
            samples.append(sample(next_hour))
            next_hour += 1
    started = common.cpu_s()
    worker.close()
    step_cpu += common.cpu_s() - started
    samples.append(sample(f"end ({clock.t / 3600.0:.2f} h)"))
    wall = time.perf_counter() - wall
    minutes = history.minutes(START, START + clock.t + 60.0)
    estimator.close()
    history.close()
    shutil.rmtree(home.root)
    hours = (clock.t + 1.0) / 3600.0  # the last frame stands for one more second of the timeline
    return {
        "source": source_spec, "monitored_hours": round(hours, 3), "looks": worker.looks,
        "nudges": len(notifier.sent), "minutes_stored": len(minutes),
        "step_cpu_s": round(step_cpu, 2), "source_read_cpu_s": round(source.read_cpu_s, 2),
        "step_cpu_s_per_hour": round(step_cpu / hours, 2),
        "pct_of_one_core": round(step_cpu / hours / 3600.0 * 100.0, 3),
        "step_cpu_s_per_hour_without_read": round((step_cpu - source.read_cpu_s) / hours, 2),
        "pct_of_one_core_without_read": round((step_cpu - source.read_cpu_s) / hours / 36.0, 3),
        "cpu_ms_per_look": round(1000.0 * step_cpu / max(worker.looks, 1), 2),
        "setup_cpu_s": round(setup_cpu, 2), "process_cpu_s": round(common.cpu_s(), 2),
        "peak_rss_mb": round(common.peak_rss_mb(), 1),
        "rss_first_hour_mb": samples[0]["rss_mb"], "rss_last_hour_mb": samples[-1]["rss_mb"],
        "rss_growth_first_to_last_hour_mb": round(samples[-1]["rss_mb"] - samples[0]["rss_mb"], 1),
        "threads_first_hour": samples[0]["threads"], "threads_last_hour": samples[-1]["threads"],
        "hourly": samples, "wall_s": round(wall, 1),
        "verdict_latency_s": verdict_latency(looks, [n.at - START for n in worker.nudges_sent]),
    }


def verdict_latency(looks: list[tuple[float, str]], nudges: list[float]) -> dict:
    """Seconds from each planned change (hour h: forward from 50 min, upright from 60 min) to the
    first look that showed the new state, and from the start of each forward period to its nudge."""
    def first_after(t0: float, state: str) -> float | None:
        return next((t - t0 for t, s in looks if t >= t0 and s == state), None)

    hours = int(looks[-1][0] // 3600) + 1 if looks else 0
    to_forward = [first_after(h * 3600 + 3000, "forward") for h in range(hours)]
    to_upright = [first_after(h * 3600 + 3600, "upright") for h in range(hours)]
    to_nudge = [next((n - (h * 3600 + 3000) for n in nudges if h * 3600 + 3000 <= n < h * 3600 + 3600), None)
                for h in range(hours)]

    def spread(values: list) -> dict:
        known = [v for v in values if v is not None]
        if not known:
            return {}
        return {"median": round(statistics.median(known), 1), "max": round(max(known), 1), "n": len(known)}

    return {"to_forward": spread(to_forward), "to_upright": spread(to_upright), "to_nudge": spread(to_nudge)}


def main_thread_polls(source_spec: str, calibration: Path, polls: int = 2000, checks: int = 200) -> dict:
    """Child: CPU of the app's main-thread housekeeping, which the worker figures above leave out.

    ``App.poll()`` runs when a command arrives and when a check is due: every SETTINGS_POLL_S it
    checks config.yaml for edits and whether the daily summary is due (the call scan is apart). Measured on a
    real ``App`` (no display, so no tray or Tk; their own event loops are not included).
    """
    from fhp_monitor import app as app_module
    from fhp_monitor.cli import dispatch as cli
    from fhp_monitor.home.folder import Home

    home = Home.locate(tempfile.mkdtemp(prefix="fhp-bench-home-"), {})
    shutil.copy(calibration, home.calibration)
    args = argparse.Namespace(source=source_spec, speed=0.0, start=None, exit_at_end=True, no_tray=True)
    app = app_module.App(args, home, cli.load(home))
    try:
        app._next_settings_poll = float("inf")
        started = common.cpu_s()
        for _ in range(polls):
            app.poll()
        queue_ms = 1000.0 * (common.cpu_s() - started) / polls
        started = common.cpu_s()
        for _ in range(checks):
            app._next_settings_poll = 0.0
            app.poll()
        check_ms = 1000.0 * (common.cpu_s() - started) / checks
    finally:
        app.shutdown()
        shutil.rmtree(home.root)
    per_hour_s = 3600.0 / app_module.SETTINGS_POLL_S * check_ms / 1000.0
    return {"poll_cpu_ms": round(queue_ms, 4), "poll_with_checks_cpu_ms": round(check_ms, 3),
            "cpu_s_per_hour": round(per_hour_s, 2), "pct_of_one_core": round(per_hour_s / 36.0, 3)}


# ----------------------------------------------------------------------------- (b) first reading


def first_reading_in_process(photo: Path) -> dict:
    """Child: fresh interpreter; wall, CPU and RSS after importing the pose landmarker (as the app does:
    not the whole mediapipe package), model load, first and second estimate."""
    import cv2

    from fhp_monitor.core.ports import Frame

    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot read the photo {photo}")
    figures = {"rss_before_mb": round(common.rss_mb(), 1)}  # Python + numpy + cv2 + fhp_monitor core

    def timed(name: str, body):
        wall, cpu = time.perf_counter(), common.cpu_s()
        value = body()
        figures[name + "_s"] = round(time.perf_counter() - wall, 3)
        figures[name + "_cpu_s"] = round(common.cpu_s() - cpu, 3)
        figures[name + "_rss_mb"] = round(common.rss_mb(), 1)
        return value

    def load():
        from fhp_monitor.sensing.pose import MediaPipePoseEstimator

        return MediaPipePoseEstimator()

    from fhp_monitor.sensing.pose import import_pose_landmarker

    timed("import_mediapipe", import_pose_landmarker)
    estimator = timed("model_load", load)
    timed("first_estimate", lambda: estimator.estimate(Frame(image=image, t=0.0, index=0)))
    timed("second_estimate", lambda: estimator.estimate(Frame(image=image, t=1.0, index=1)))
    estimator.close()
    figures["import_load_first_s"] = round(
        figures["import_mediapipe_s"] + figures["model_load_s"] + figures["first_estimate_s"], 3)
    return figures


def first_json_line(home: Path, photo: Path) -> tuple[float, float]:
    """Seconds from starting ``replay --json`` to its first stdout line, and to its exit."""
    started = time.perf_counter()
    process = subprocess.Popen(fhp(home, "replay", str(photo), "--json"), stdout=subprocess.PIPE, text=True,
                               cwd=common.REPO)
    assert process.stdout is not None
    line = process.stdout.readline()
    first = time.perf_counter() - started
    process.stdout.read()
    if process.wait() != 0 or not line.startswith("{"):
        raise RuntimeError(f"replay failed (exit {process.returncode}, first line {line!r})")
    json.loads(line)
    return first, time.perf_counter() - started


def time_to_first_reading(home: Path, photo: Path) -> dict:
    first_json_line(home, photo)  # untimed: warms the disk cache (a cold start after boot is slower)
    runs = [first_json_line(home, photo) for _ in range(RUNS)]
    firsts = [first for first, _ in runs]
    return {
        "subprocess_first_line_median_s": round(statistics.median(firsts), 3),
        "subprocess_first_line_min_s": round(min(firsts), 3),
        "subprocess_first_line_max_s": round(max(firsts), 3),
        "subprocess_exit_median_s": round(statistics.median(total for _, total in runs), 3),
        "in_process": child("first-reading", str(photo)),
    }


# ----------------------------------------------------------------------------- the whole benchmark


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(hours: int, video_hours: int, upright_min: float, forward_min: float, keep: bool) -> dict:
    from tests.support import recorded_day
    from tests.support.real_photos import SESSIONS, UPRIGHT

    work = Path(tempfile.mkdtemp(prefix="fhp-bench-day-"))
    try:
        session = common.write_camera_sized_session(SESSIONS[0], work / "session")
        plan = day_plan(hours, upright_min, forward_min)
        folder = link_folder(session, plan, work / "frames")
        home = work / "home"
        say("calibrating with `fhp-monitor calibrate --no-gui` on the upright photos ...")
        subprocess.run(fhp(home, "calibrate", "--no-gui", "--source", str(session / UPRIGHT), "--frames", "1000"),
                       check=True, stdout=subprocess.DEVNULL, cwd=common.REPO)
        calibration = home / "calibration.json"
        result = {"hours": hours, "video_hours": video_hours,
                  "plan_per_hour": f"{upright_min:g} min upright, {forward_min:g} min forward",
                  "frame_size": f"{common.CAMERA_WIDTH}x{common.CAMERA_HEIGHT}"}
        say(f"stepping the worker over {hours} h of images (camera case) ...")
        result["camera_case"] = child("worker", str(folder), str(calibration))
        say("timing the app's main-thread housekeeping ...")
        result["main_thread"] = child("main-loop", str(folder), str(calibration))
        if video_hours:
            say(f"building a {video_hours} h recorded-day video at 1 fps in {work} ...")
            wall = time.perf_counter()
            video = recorded_day.build_recorded_day(work / "day.avi", day_plan(video_hours, upright_min, forward_min),
                                                    fps=1.0, session=session)
            result["video_build_s"] = round(time.perf_counter() - wall, 1)
            result["video_mb"] = round(video.stat().st_size / 1e6, 1)
            say("stepping the worker over the video (replay case) ...")
            result["video_replay"] = child("worker", str(video), str(calibration))
        say("time to the first reading ...")
        result["first_reading"] = time_to_first_reading(home, session / UPRIGHT / sorted(
            p.name for p in (session / UPRIGHT).glob("*.jpg"))[0])
        result["machine"] = common.machine()
        return result
    finally:
        if keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work)


def print_day(title: str, r: dict) -> None:
    common.print_figures(title, [
        ("monitored hours", r["monitored_hours"], "h"),
        ("looks taken", r["looks"], ""),
        ("nudges sent / minutes stored", f"{r['nudges']} / {r['minutes_stored']}", ""),
        ("CPU in step(), total", r["step_cpu_s"], "s"),
        ("CPU per monitored hour", r["step_cpu_s_per_hour"], "s"),
        ("share of one core", r["pct_of_one_core"], "% (whole-process target <= 0.3 %)"),
        ("  of which source read per hour", round(r["source_read_cpu_s"] / r["monitored_hours"], 2), "s"),
        ("  share without the source read", r["pct_of_one_core_without_read"], "%"),
        ("CPU per look", r["cpu_ms_per_look"], "ms"),
        ("setup CPU (not counted above)", r["setup_cpu_s"], "s"),
        ("peak RSS", r["peak_rss_mb"], "MB (target <= 200 MB)"),
        ("RSS after hour 1 -> at the end", f"{r['rss_first_hour_mb']} -> {r['rss_last_hour_mb']}", "MB"),
        ("RSS growth, first to last hour", r["rss_growth_first_to_last_hour_mb"], "MB"),
        ("threads after hour 1 -> at the end", f"{r['threads_first_hour']} -> {r['threads_last_hour']}", ""),
        ("wall time of the run", r["wall_s"], "s"),
        ("posture change -> verdict (forward / upright)",
         f"{r['verdict_latency_s']['to_forward']} / {r['verdict_latency_s']['to_upright']}", "s"),
        ("forward period start -> nudge", r["verdict_latency_s"]["to_nudge"], "s"),
    ])
    print("  hourly: " + ", ".join(f"{s['hour']}: {s['rss_mb']} MB/{s['threads']} thr" for s in r["hourly"]))


def print_report(result: dict) -> None:
    print(f"recorded day at 1 fps, {result['plan_per_hour']} each hour, frames {result['frame_size']}")
    print_day(f"(a) camera case: {result['hours']} h of images, one decode per look", result["camera_case"])
    m = result["main_thread"]
    common.print_figures("(a) main-thread housekeeping (settings/summary checks every 15 s)", [
        ("CPU per poll / per poll with checks", f"{m['poll_cpu_ms']} / {m['poll_with_checks_cpu_ms']}", "ms"),
        ("CPU per hour", m["cpu_s_per_hour"], "s"),
        ("share of one core", m["pct_of_one_core"], "% (add to the worker's share)"),
    ])
    if "video_replay" in result:
        print(f"video: {result['video_hours']} h, {result['video_mb']} MB MJPG, built in {result['video_build_s']} s")
        print_day("(a) video replay: includes decoding the skipped frames", result["video_replay"])
    f = result["first_reading"]
    p = f["in_process"]
    common.print_figures("(b) time to the first reading", [
        ("`replay <photo> --json` to first line, median of 5", f["subprocess_first_line_median_s"],
         f"s (min {f['subprocess_first_line_min_s']}, max {f['subprocess_first_line_max_s']})"),
        ("  ... to process exit, median", f["subprocess_exit_median_s"], "s"),
        ("in-process: import mediapipe", p["import_mediapipe_s"], "s"),
        ("in-process: model load", p["model_load_s"], "s"),
        ("in-process: first estimate", p["first_estimate_s"], "s"),
        ("in-process: import + load + first estimate", p["import_load_first_s"], "s"),
        ("in-process: second estimate (steady state)", p["second_estimate_s"], "s"),
    ])
    print(f"  RSS (MB): numpy+cv2 {p['rss_before_mb']}, + mediapipe {p['import_mediapipe_rss_mb']}, "
          f"+ model {p['model_load_rss_mb']}, + first estimate {p['first_estimate_rss_mb']}")
    print(f"  machine: {result['machine']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=8, help="length of the recorded day (default 8)")
    parser.add_argument("--upright-min", type=float, default=50.0, help="upright minutes per hour (default 50)")
    parser.add_argument("--forward-min", type=float, default=10.0, help="head-forward minutes per hour (default 10)")
    parser.add_argument("--video-hours", type=int, default=2,
                        help="length of the video replay (default 2; 8 adds about 2.5 minutes; 0 skips it)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the video")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--real-time", action="store_true",
                        help="instead: the whole app in real time on a private desktop (bench/realtime.py, ~17 min)")
    parser.add_argument("--steady-s", type=float, default=660.0,
                        help="--real-time: steady seconds (first 60 not counted)")
    parser.add_argument("--paused-s", type=float, default=180.0, help="--real-time: paused seconds measured")
    parser.add_argument("--tray", choices=("xfce", "trayer", "none"), default="xfce",
                        help="--real-time: the tray host: xfce4-panel (StatusNotifierItem, most desktops; default), "
                             "trayer (XEmbed only, the app uses pystray) or none")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "worker":
            out = worker_day(rest[0], Path(rest[1]))
        elif kind == "main-loop":
            out = main_thread_polls(rest[0], Path(rest[1]))
        else:
            out = first_reading_in_process(Path(rest[0]))
        print(json.dumps(out))
        return 0
    if args.real_time:
        import realtime

        result = realtime.whole_process(steady_s=args.steady_s, warm_s=min(60.0, args.steady_s / 3),
                                        paused_s=args.paused_s, tray=args.tray)
        result["machine"] = common.machine()
        common.dump_json(result)
        return 0
    if (args.hours < 1 or args.video_hours < 0 or args.upright_min < 0 or args.forward_min < 0
            or args.upright_min + args.forward_min <= 0):
        parser.error("--hours must be at least 1 and the minutes not negative")
    result = run(args.hours, args.video_hours, args.upright_min, args.forward_min, args.keep)
    if args.json:
        common.dump_json(result)
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
