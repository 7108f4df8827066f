"""A working day of the whole app in real time: is it flat? (issue 25; not a test)

    python bench/day_long.py                 # 8 hours, one sample a minute (run it overnight)
    python bench/day_long.py --short         # the same script, accelerated: about 3 minutes (CI)
    python bench/day_long.py --hours 2 --out DIR

The real app (``bench/live_app.py VIDEO -- --home H run``, the camera code path over a video in the
detector's child, see bench/video_camera.py) runs on a private X server (Xvfb) with a private
session bus and a private "system" bus that can crash and come back (tests/support/bus_standins.py):
a StatusNotifierWatcher (the tray registers with it) and a screen saver on the session bus, a
logind stand-in on the system bus (tests/support/logind_stub.py). The day:

* the screen locks every 20 minutes for 5 minutes (the screen saver's ActiveChanged), so the
  detector's child is ended after 2 minutes of each lock and started again at the unlock;
* two suspends (logind's PrepareForSleep(true), 2 minutes, then PrepareForSleep(false)): the
  processes are not really frozen, the app only hears the signals;
* one crash of the session bus daemon, which comes back at the same address with its services;
* the camera gone for 5 minutes (the video file renamed away: the child cannot open it).

Every ``--sample-s`` (60 s; 5 s with --short) the whole process tree is read (bench/realtime.py:
CPU, RSS and PSS summed over the app and every process under it (the detector's child, the spawner's
shell; multiprocessing's resource tracker only for the second a child takes to start), open files,
threads, processes) into ``day.csv``; ``day.png`` plots it with the events shaded. The summary (JSON
on stdout) gives RSS growth from the end of hour 1 (or of the first fifth, when shorter) to the end,
open files and threads at their lowest and highest, mean CPU, and the time from each unlock to the
next verdict.

``--short`` keeps every kind of event but shortens them (locks of 15 s, so the detector is not
ended there: that needs 2 minutes; see bench_monitoring.py --real-time for that figure).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402  (puts the repository and tests/ on sys.path)
import realtime  # noqa: E402

CYCLE_S, LOCK_AT_S, LOCK_S = 1200.0, 600.0, 300.0  # every 20 minutes a 5-minute lock
SUSPEND_S, CAMERA_GONE_S = 120.0, 300.0


def full_plan(hours: float) -> list[tuple[float, float, str]]:
    """``[(start s, end s, what)]`` for a day of ``hours``."""
    cycles = max(1, int(hours * 3600 // CYCLE_S))
    plan = [(c * CYCLE_S + LOCK_AT_S, c * CYCLE_S + LOCK_AT_S + LOCK_S, "lock") for c in range(cycles)]
    for c in sorted({max(0, cycles // 4), max(0, 3 * cycles // 4)}):
        plan.append((c * CYCLE_S + 60.0, c * CYCLE_S + 60.0 + SUSPEND_S, "suspend"))
    plan.append(((cycles // 2) * CYCLE_S + 300.0, (cycles // 2) * CYCLE_S + 300.0, "bus restart"))
    gone = max(0, cycles - 2) * CYCLE_S + 1000.0 if cycles > 1 else 200.0
    plan.append((gone, gone + CAMERA_GONE_S, "camera gone"))
    return sorted(plan)


SHORT_PLAN = [(15.0, 30.0, "lock"), (40.0, 50.0, "suspend"), (55.0, 75.0, "camera gone"), (85.0, 85.0, "bus restart"),
              (95.0, 110.0, "lock"), (120.0, 128.0, "suspend"), (140.0, 150.0, "lock")]
SHORT_TOTAL_S = 170.0


class Day:
    """The private desktop and buses, and the actions of the plan."""

    def __init__(self, work: Path, video: Path) -> None:
        from tests.support.bus_standins import RestartableBus, SessionStandins
        from tests.support.logind_stub import Login1Stub

        self.video = video
        self.session = RestartableBus(work, "session").start()
        self.system = RestartableBus(work, "system").start()
        self.standins = SessionStandins(self.session.address)
        self.logind = Login1Stub(self.system.address)
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.display = ":" + self.xvfb.stdout.readline().strip()
        self.unlocked_at: list[float] = []

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("XDG_SESSION_ID", "WAYLAND_DISPLAY")}
        env.update(DISPLAY=self.display, DBUS_SESSION_BUS_ADDRESS=self.session.address,
                   DBUS_SYSTEM_BUS_ADDRESS=self.system.address, PYTHONPATH=str(common.REPO))
        return env

    def begin(self, what: str) -> None:
        if what == "lock":
            self.standins.set_active(True)
        elif what == "suspend":
            self.logind.suspend()
        elif what == "camera gone":
            self.video.rename(self.video.with_suffix(".gone"))
        elif what == "bus restart":
            from tests.support.bus_standins import SessionStandins

            self.session.kill()
            self.standins.close()
            aside = self.session.start_aside()
            self.standins = SessionStandins(aside)
            self.session.go_live()

    def end(self, what: str) -> None:
        if what == "lock":
            self.standins.set_active(False)
            self.unlocked_at.append(time.monotonic())
        elif what == "suspend":
            self.logind.wake()
            self.unlocked_at.append(time.monotonic())
        elif what == "camera gone":
            self.video.with_suffix(".gone").rename(self.video)

    def close(self) -> None:
        for part in (self.standins, self.logind, self.session, self.system):
            try:
                part.close()
            except Exception as exc:  # noqa: BLE001 - a bench tidying up: say it, go on
                print(f"closing {type(part).__name__}: {exc}", file=sys.stderr)
        self.xvfb.terminate()
        self.xvfb.wait(10)


def run(total_s: float, plan: list[tuple[float, float, str]], sample_s: float, out: Path) -> dict:
    from tests.support.real_photos import SESSIONS, UPRIGHT
    from tests.support.recorded_day import build_recorded_day

    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fhp-bench-daylong-"))
    day = None
    process = None
    try:
        session = common.write_camera_sized_session(SESSIONS[0], work / "session")
        video = build_recorded_day(work / "upright.avi", [(UPRIGHT, 10)], fps=1.0, session=session)  # loops
        home = work / "home"
        subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "calibrate", "--no-gui",
                        "--source", str(session / UPRIGHT), "--frames", "1000"],
                       check=True, stdout=subprocess.DEVNULL, cwd=common.REPO)
        day = Day(work, video)
        env = day.env()
        looks_file = work / "looks.txt"
        env["FHP_BENCH_LOOKS"] = str(looks_file)
        process = subprocess.Popen([sys.executable, str(Path(__file__).resolve().parent / "live_app.py"), str(video),
                                    "--", "--home", str(home), "run"], env=env, cwd=common.REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started = time.monotonic()
        events = _events(plan)
        rows, previous = [], None
        active: set[str] = set()
        next_sample = started
        with open(out / "day.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["elapsed_s", "cpu_pct_of_one_core", "rss_mb", "pss_mb", "app_rss_mb", "open_files",
                             "threads", "processes", "events"])
            while time.monotonic() - started < total_s:
                if process.poll() is not None:
                    raise RuntimeError(f"the app ended early: {process.stderr.read().decode()[-2000:]}")
                now = time.monotonic() - started
                while events and events[0][0] <= now:
                    _, kind, what = events.pop(0)
                    (day.begin if kind == "begin" else day.end)(what)
                    (active.add if kind == "begin" else active.discard)(what)
                if time.monotonic() >= next_sample:
                    sample = realtime.read_proc(process.pid)
                    cpu = (None if previous is None else
                           100.0 * (sample["cpu_s"] - previous["cpu_s"]) / (sample["t"] - previous["t"]))
                    row = [round(now, 1), None if cpu is None else round(cpu, 3), round(sample["rss_mb"], 1),
                           round(sample["pss_mb"], 1), round(sample["app_rss_mb"], 1), sample["fds"],
                           sample["threads"], sample["processes"], "+".join(sorted(active))]
                    writer.writerow(row)
                    f.flush()
                    rows.append(row)
                    previous = sample
                    next_sample += sample_s
                wake = min([next_sample] + [started + e[0] for e in events[:1]])
                time.sleep(max(0.0, min(1.0, wake - time.monotonic())))  # bench pacing, not a test
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        log_text = (home / "logs" / "fhp-monitor.log").read_text()
        looks = [float(line.split()[0]) for line in looks_file.read_text().splitlines()] if looks_file.exists() else []
        return summarise(rows, total_s, plan, day.unlocked_at, looks, log_text, process.returncode, err.decode(),
                         out)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.communicate()
        if day is not None:
            day.close()
        shutil.rmtree(work, ignore_errors=True)


def _events(plan: list[tuple[float, float, str]]) -> list[tuple[float, str, str]]:
    events = [(s, "begin", w) for s, _, w in plan] + [(e, "end", w) for s, e, w in plan if e > s]
    return sorted(events)


def summarise_csv(out: Path, plan: list[tuple[float, float, str]]) -> dict:
    """The figures that day.csv alone gives (no log, no looks), and day.png, for a run that is still going."""
    with open(out / "day.csv", newline="") as f:
        rows = [[float(r[0]), float(r[1]) if r[1] else None, float(r[2]), float(r[3]), float(r[4]), int(r[5]),
                 int(r[6]), int(r[7]), r[8]] for r in list(csv.reader(f))[1:]]
    if not rows:
        raise SystemExit(f"{out / 'day.csv'} has no samples yet")
    total_s = rows[-1][0]
    hour = min(3600.0, total_s / 5)
    steady = [r for r in rows if r[0] >= hour] or rows
    watching = [r for r in steady if r[2] - r[4] > 60.0]  # the detector's child alive with its model loaded
    cpus = [r[1] for r in steady if r[1] is not None]
    plot(rows, [e for e in plan if e[0] <= total_s], out / "day.png")
    return {
        "samples": len(rows), "seconds": total_s,
        "rss_mb_after_first_part_then_end": [steady[0][2], rows[-1][2]],
        "rss_mb_watching_min_max": [min(r[2] for r in watching), max(r[2] for r in watching)] if watching else None,
        "rss_mb_watching_first_then_last": [watching[0][2], watching[-1][2]] if watching else None,
        "app_process_rss_mb_min_max": [min(r[4] for r in steady), max(r[4] for r in steady)],
        "open_files_min_max": [min(r[5] for r in steady), max(r[5] for r in steady)],
        "threads_min_max": [min(r[6] for r in steady), max(r[6] for r in steady)],
        "cpu_pct_mean_after_first_part": round(sum(cpus) / len(cpus), 3) if cpus else None,
        "png": str(out / "day.png"),
    }


def summarise(rows, total_s, plan, unlocked_at, looks, log_text, code, err, out: Path) -> dict:
    hour = min(3600.0, total_s / 5)
    after_first = [r for r in rows if r[0] >= hour]
    base = after_first[0] if after_first else rows[0]
    steady = after_first or rows  # min and max leave out the start-up (model load, first looks)
    cpus = [r[1] for r in steady if r[1] is not None]
    to_verdict = []
    for t in unlocked_at:
        later = [x for x in looks if x > t]
        to_verdict.append(round(later[0] - t, 2) if later else None)
    plot(rows, plan, out / "day.png")
    return {
        "samples": len(rows), "seconds": total_s,
        "rss_mb_after_first_part_then_end": [base[2], rows[-1][2]],
        "rss_growth_mb": round(rows[-1][2] - base[2], 1),
        "pss_mb_after_first_part_then_end": [base[3], rows[-1][3]],
        "rss_mb_min_max": [min(r[2] for r in steady), max(r[2] for r in steady)],
        "app_process_rss_mb_min_max": [min(r[4] for r in steady), max(r[4] for r in steady)],
        "open_files_min_max": [min(r[5] for r in steady), max(r[5] for r in steady)],
        "threads_min_max": [min(r[6] for r in steady), max(r[6] for r in steady)],
        "processes_min_max": [min(r[7] for r in steady), max(r[7] for r in steady)],
        "cpu_pct_mean_after_first_part": round(sum(cpus) / len(cpus), 3) if cpus else None,
        "looks": len(looks),
        "unlock_or_wake_to_next_verdict_s": to_verdict,
        "detector_starts": log_text.count("pose detector started"),
        "detector_rests": log_text.count("pose detector ended to save memory"),
        "error_lines": [line for line in log_text.splitlines() if " ERROR " in line][:5],
        "exit_code": code, "stderr_tail": err[-400:],
        "csv": str(out / "day.csv"), "png": str(out / "day.png"),
    }


def plot(rows, plan, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale, unit = (3600.0, "hours") if rows[-1][0] > 7200 else (1.0, "seconds")
    t = [r[0] / scale for r in rows]
    fig, axes = plt.subplots(3, 1, figsize=(10, 7), sharex=True)
    axes[0].plot(t, [r[2] for r in rows], label="RSS, whole tree (MB)")
    axes[0].plot(t, [r[3] for r in rows], label="PSS, whole tree (MB)")
    axes[0].plot(t, [r[4] for r in rows], label="RSS, app process (MB)")
    axes[1].plot(t, [r[5] for r in rows], label="open files")
    axes[1].plot(t, [r[6] for r in rows], label="threads")
    axes[2].plot(t[1:], [r[1] for r in rows[1:]], label="CPU, % of one core")
    colours = {"lock": "tab:blue", "suspend": "tab:purple", "camera gone": "tab:red", "bus restart": "tab:orange"}
    for start, end, what in plan:
        for ax in axes:
            if end > start:
                ax.axvspan(start / scale, end / scale, color=colours[what], alpha=0.12)
            else:
                ax.axvline(start / scale, color=colours[what], alpha=0.6)
    for ax in axes:
        ax.legend(loc="upper right", fontsize=8)
    axes[2].set_xlabel(f"{unit} (shaded: blue lock, purple suspend, red camera gone; orange line: bus restart)")
    fig.suptitle("fhp-monitor, whole app in real time")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--short", action="store_true", help="about 3 minutes, every kind of event (for CI)")
    parser.add_argument("--sample-s", type=float, default=None, help="seconds between samples (60; 5 with --short)")
    parser.add_argument("--out", type=Path, default=Path("day-long-out"), help="folder for day.csv and day.png")
    parser.add_argument("--from-csv", action="store_true",
                        help="summarise and plot the day.csv already in --out (a run still going, or one that was "
                             "stopped): RSS growth, files, threads, CPU; --hours gives the plan for the shading")
    args = parser.parse_args(argv)
    # A bench stopped with SIGTERM (timeout, kill) would skip the clean-up below and leave the app, its
    # detector, Xvfb and the buses running: turn it into SystemExit so every ``finally`` runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.from_csv:
        result = summarise_csv(args.out, full_plan(args.hours))
    elif args.short:
        result = run(SHORT_TOTAL_S, SHORT_PLAN, args.sample_s or 5.0, args.out)
    else:
        result = run(args.hours * 3600.0, full_plan(args.hours), args.sample_s or 60.0, args.out)
    result["machine"] = common.machine()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
