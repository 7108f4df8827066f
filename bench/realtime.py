"""The whole app in real time at the defaults: CPU, memory, threads and wake-ups of its process tree.

Used by ``python bench/bench_monitoring.py --real-time`` (about 20 minutes at the defaults). Steps:

1. A 640 x 360 video of the first session's upright photos at 1 fps (steady sitting).
2. A temporary home calibrated with ``fhp-monitor calibrate --no-gui`` on the same photos.
3. A private desktop from tests/support/desktop.py (Xvfb, a session D-Bus, dunst, and the tray host ``tray``:
   xfce4-panel, a StatusNotifierItem host like most desktops', or trayer, an XEmbed-only tray that
   makes the app use pystray), when its programs are installed; otherwise no display (noted).
4. ``bench/live_app.py VIDEO -- --home H run`` at the defaults: the real app, with the video read
   through the camera code (opened, settled, let go between looks). Not a real webcam.
5. Every ``SAMPLE_S`` the sampler reads, for the app's process **and every process under it** (the
   pose detector's child, the spawner's shell, multiprocessing's resource tracker while a child starts):
   ``/proc/<pid>/stat`` (utime + stime,
   plus cutime + cstime of the app: a detector that ended and was reaped keeps counting),
   ``/proc/<pid>/status`` (VmRSS, VmHWM, Threads), ``/proc/<pid>/smaps_rollup`` (Pss: shared pages
   counted once across the tree) and, for every thread, ``voluntary_ctxt_switches`` +
   ``nonvoluntary_ctxt_switches`` (each switch is a wake-up).
6. After the steady minutes it sends SIGUSR1 (the tray's "Pause 1 hour", the same worker pause a
   screen lock makes), waits until the pause has lasted ``REST_AFTER_S`` + ``PAUSE_SETTLE_S`` (the
   detector should be gone by then) and measures the paused minutes. Then SIGUSR2 (Resume, as an
   unlock does): the first verdict after it is read from the look times bench/live_app.py writes
   (``FHP_BENCH_LOOKS``), and the detector's own start-up from the app's log. Then SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common

SAMPLE_S = 5.0
PAUSE_SETTLE_S = 20.0
REST_AFTER_S = 120.0  # the worker ends the detector once a pause has lasted this long (monitor/worker.py)
TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (children of every thread, recursively)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def _one_process(pid: int, with_children_cpu: bool) -> dict:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)
    if with_children_cpu:  # cutime, cstime: children that ended and were reaped
        cpu_s += (int(fields[13]) + int(fields[14])) / TICKS
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    try:
        rollup = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        pss_mb = int(rollup["Pss"].split()[0]) / 1024
    except (OSError, KeyError):
        pss_mb = 0.0
    tasks: dict[str, tuple[str, int]] = {}  # pid/tid -> (thread name, context switches so far)
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            task_status = (task / "status").read_text().splitlines()
            comm = (task / "comm").read_text().strip()
        except OSError:  # the thread ended meanwhile
            continue
        fields_t = dict(line.split(":", 1) for line in task_status if ":" in line)
        tasks[f"{pid}/{task.name}"] = (
            comm, int(fields_t["voluntary_ctxt_switches"]) + int(fields_t["nonvoluntary_ctxt_switches"]))
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = 0
    return {"name": status["Name"].strip(), "cpu_s": cpu_s, "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
            "hwm_mb": int(status["VmHWM"].split()[0]) / 1024, "pss_mb": pss_mb, "threads": int(status["Threads"]),
            "fds": fds, "tasks": tasks}


def read_proc(pid: int) -> dict:
    """One sample of the app's process tree: sums over the app and every process under it."""
    procs = {}
    for number in [pid, *descendants(pid)]:
        try:
            procs[number] = _one_process(number, with_children_cpu=number == pid)
        except (OSError, KeyError, IndexError):  # it ended meanwhile
            continue
    app = procs[pid]
    return {"t": time.monotonic(), "cpu_s": sum(p["cpu_s"] for p in procs.values()),
            "rss_mb": sum(p["rss_mb"] for p in procs.values()), "pss_mb": sum(p["pss_mb"] for p in procs.values()),
            "hwm_mb": sum(p["hwm_mb"] for p in procs.values()),  # the sum of peaks: an upper bound of the peak sum
            "threads": sum(p["threads"] for p in procs.values()), "fds": sum(p["fds"] for p in procs.values()),
            "app_rss_mb": app["rss_mb"], "app_hwm_mb": app["hwm_mb"], "processes": len(procs),
            "children": {n: (p["rss_mb"], p["pss_mb"]) for n, p in procs.items() if n != pid},
            "cpu_by_process": {f"{'app' if n == pid else p['name']}/{n}": p["cpu_s"] for n, p in procs.items()},
            "tasks": {k: v for p in procs.values() for k, v in p["tasks"].items()}}


def window(samples: list[dict], start: float, end: float) -> dict:
    inside = [s for s in samples if start <= s["t"] <= end]
    first, last = inside[0], inside[-1]
    span = last["t"] - first["t"]
    # Threads come and go (the camera backend's, MediaPipe's): add up each thread's switches between
    # consecutive samples; a thread new in a sample counts from zero.
    per_thread: dict[str, float] = {}
    for before, after in zip(inside, inside[1:]):
        for tid, (name, n) in after["tasks"].items():
            key = f"{name}/{tid}"
            per_thread[key] = per_thread.get(key, 0) + n - before["tasks"].get(tid, (name, 0))[1]
    switches = sum(per_thread.values())
    # CPU per process (the app's own figure includes its reaped children, as the total does)
    cpu_by_process = {k: round(v - first["cpu_by_process"].get(k, 0.0), 2) for k, v in last["cpu_by_process"].items()}
    per_thread = {k: round(v / span, 2) for k, v in per_thread.items()}
    return {
        "seconds": round(span, 1),
        "cpu_pct_of_one_core": round(100.0 * (last["cpu_s"] - first["cpu_s"]) / span, 3),
        "cpu_s": round(last["cpu_s"] - first["cpu_s"], 2),
        "cpu_s_by_process": cpu_by_process,
        "wakeups_per_s": round(switches / span, 2),
        "wakeups_per_s_by_thread": {k: v for k, v in sorted(per_thread.items(), key=lambda kv: -kv[1]) if v > 0},
        "rss_mb": round(last["rss_mb"], 1), "pss_mb": round(last["pss_mb"], 1), "threads": last["threads"],
        "processes_at_end": last["processes"], "processes_max": max(s["processes"] for s in inside),
        "app_process_rss_mb": round(last["app_rss_mb"], 1),
        "child_processes_rss_pss_mb": {str(k): (round(r, 1), round(p, 1)) for k, (r, p) in last["children"].items()},
        "busiest_thread_wakeups_per_s": max(per_thread.values(), default=0.0),
    }


def whole_process(steady_s: float = 660.0, warm_s: float = 60.0, paused_s: float = 180.0, tray: str = "xfce") -> dict:
    from tests.support import recorded_day
    from tests.support.real_photos import SESSIONS, UPRIGHT

    work = Path(tempfile.mkdtemp(prefix="fhp-bench-rt-"))
    try:
        session = common.write_camera_sized_session(SESSIONS[0], work / "session")
        minutes = (steady_s + REST_AFTER_S + paused_s + PAUSE_SETTLE_S + 15 + 120) / 60.0
        video = recorded_day.build_recorded_day(work / "upright.avi", [(UPRIGHT, minutes)], fps=1.0, session=session)
        home = work / "home"
        subprocess.run([sys.executable, "-m", "fhp_monitor", "--home", str(home), "calibrate", "--no-gui",
                        "--source", str(session / UPRIGHT), "--frames", "1000"],
                       check=True, stdout=subprocess.DEVNULL, cwd=common.REPO)
        return _measure(video, home, steady_s, warm_s, paused_s, tray)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _measure(video: Path, home: Path, steady_s: float, warm_s: float, paused_s: float, tray: str) -> dict:
    from tests.support.desktop import Desktop, missing_programs

    desktop = Desktop(tray=tray).start() if not missing_programs() else None
    env = dict(desktop.env) if desktop is not None else {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["PYTHONPATH"] = str(common.REPO)
    looks_file = home.parent / "looks.txt"
    env["FHP_BENCH_LOOKS"] = str(looks_file)
    command = [sys.executable, str(Path(__file__).resolve().parent / "live_app.py"), str(video), "--",
               "--home", str(home), "run"]
    process = subprocess.Popen(command, env=env, cwd=common.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples: list[dict] = []
    try:
        started = time.monotonic()

        def sample_until(end: float) -> None:
            while time.monotonic() < end:
                if process.poll() is not None:
                    raise RuntimeError(f"the app ended early: {process.stderr.read().decode()[-2000:]}")
                samples.append(read_proc(process.pid))
                time.sleep(min(SAMPLE_S, max(0.0, end - time.monotonic())))  # bench pacing, not a test
            samples.append(read_proc(process.pid))

        sample_until(started + steady_s)
        steady_end = time.monotonic()
        docked: list = []
        if desktop is not None and tray == "trayer":
            docked = [w for w in desktop.tray_children() if w["name"].startswith("fhp-monitor")]
        elif desktop is not None and tray == "xfce":
            from tests.support import sni_host

            docked = sni_host.registered(desktop.bus_address)  # only the app registers an item there
        process.send_signal(signal.SIGUSR1)  # pause 1 hour
        pause_asked = time.monotonic()
        sample_until(pause_asked + REST_AFTER_S + PAUSE_SETTLE_S + paused_s)
        paused_end = time.monotonic()
        process.send_signal(signal.SIGUSR2)  # resume, as an unlock does
        resumed = time.monotonic()
        sample_until(resumed + 15.0)
        process.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        _, err = process.communicate(timeout=60)
        exit_s = time.monotonic() - asked
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        if desktop is not None:
            desktop.close()
    looks = _looks(home / "history.sqlite3")
    look_times = [float(line.split()[0]) for line in looks_file.read_text().splitlines()] if looks_file.exists() else []
    after = [t for t in look_times if t > resumed]
    log_text = (home / "logs" / "fhp-monitor.log").read_text()
    started_lines = [line for line in log_text.splitlines() if "pose detector started" in line]
    starts = [float(line.rsplit(" in ", 1)[1].split()[0]) for line in started_lines]
    detector_pids = [int(line.split("(pid ", 1)[1].split(")")[0]) for line in started_lines]
    rested = [s for s in samples if pause_asked + REST_AFTER_S + PAUSE_SETTLE_S <= s["t"] <= paused_end]
    return {
        "source": "video file through CameraSource (not a real webcam), upright photos at 1 fps",
        "desktop": f"Xvfb + D-Bus + dunst + {tray}" if desktop is not None else "no display",
        "tray_docked": bool(docked),
        "steady": window(samples, started + warm_s, steady_end),
        "first_minute": window(samples, started, started + warm_s),
        "paused_first_2_min": window(samples, pause_asked + PAUSE_SETTLE_S, pause_asked + REST_AFTER_S),
        "paused": window(samples, pause_asked + REST_AFTER_S + PAUSE_SETTLE_S, paused_end),
        "detector_alive_in_paused_window": any(pid in s["children"] for s in rested for pid in detector_pids),
        "processes_in_paused_window": sorted({n for s in rested for n in s["children"]}),
        "peak_rss_mb": round(max(s["hwm_mb"] for s in samples), 1),
        "peak_rss_sum_sampled_mb": round(max(s["rss_mb"] for s in samples), 1),
        "peak_pss_sum_sampled_mb": round(max(s["pss_mb"] for s in samples), 1),
        "peak_app_process_rss_mb": round(max(s["app_hwm_mb"] for s in samples), 1),
        "first_verdict_after_resume_s": round(after[0] - resumed, 2) if after else None,
        "detector_start_s": starts,
        "crash_or_error_lines": [line for line in log_text.splitlines() if " ERROR " in line][:5],
        "looks_stored": looks, "exit_after_sigterm_s": round(exit_s, 2), "exit_code": process.returncode,
        "stderr_tail": err.decode()[-500:],
    }


def _looks(db: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT coalesce(sum(samples), 0) FROM minutes").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None
