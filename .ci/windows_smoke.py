"""End-to-end smoke of the real fhp-monitor.exe under Wine (the Windows lane, called by .ci/windows).

Runs on the Linux side and drives the Windows program the way a user would, each check a real
process with a deadline: replay of a folder and of a landmark CSV (verdicts equal to Linux's on the
same frames), calibrate --no-gui, run with the tray up until the file ends, summary, export,
status/pause/resume/quit from a second process, the "already running" answer of a second start,
start at login on and off in the registry; a reminder shown as a balloon of the tray's icon, its
click opening the panel, the tray menu opened by a right-click and read (.ci/windows_smoke_tray.py).
Prints the figures (start to first verdict, time per
look under Wine and on Linux). Exit 1 with the failing check on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from windows_smoke_tray import reminder_click_and_menu

ONE_DATASET = "tests/data/slouching-or-not/low-isSlouching__high-notSlouching"


def win(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


class Lane:
    def __init__(self, wenv: Path, repo: Path) -> None:
        self.wenv, self.repo = wenv, repo
        self.exe = wenv / "py" / "Scripts" / "fhp-monitor.exe"
        self.python = wenv / "py" / "python.exe"
        self.linux_python = sys.executable
        self.figures: dict[str, str] = {}

    # the Windows program's stdout/stderr must be pipes (a regular file: "[WinError 6] Invalid handle")
    def fhp(self, home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run(["wine", str(self.exe), "--home", win(home), *args], capture_output=True,
                              text=True, timeout=timeout, encoding="utf-8", errors="replace")

    def start(self, home: Path, *args: str) -> subprocess.Popen:
        return subprocess.Popen(["wine", str(self.exe), "--home", win(home), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")

    def wpy(self, code: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(["wine", str(self.python), "-c", code], capture_output=True, text=True,
                              timeout=timeout, encoding="utf-8", errors="replace")

    def wpy_script(self, script: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(["wine", str(self.python), win(script), *args], capture_output=True, text=True,
                              timeout=timeout, encoding="utf-8", errors="replace")

    def linux(self, home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WINE")}
        return subprocess.run([self.linux_python, "-m", "fhp_monitor", "--home", str(home), *args], cwd=self.repo,
                              capture_output=True, text=True, timeout=timeout, env=env)


def log_text(home: Path) -> str:
    return (home / "logs" / "fhp-monitor.log").read_text(encoding="utf-8", errors="replace")


def lane_status(lane: Lane, home: Path) -> dict:
    try:
        done = lane.fhp(home, "status", "--json", timeout=90)
    except subprocess.TimeoutExpired:  # said, and asked again by the poll
        print("note: a status --json under Wine did not answer within 90 s", flush=True)
        return {}
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]) if done.returncode == 0 and lines else {}


def check(condition: object, what: str, detail: object = "") -> None:
    if not condition:
        print(f"FAILED: {what}\n{str(detail)[-3000:]}", flush=True)
        sys.exit(1)
    print(f"ok: {what}", flush=True)


def rows(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def verdicts(found: list[dict]) -> list[tuple]:
    return [(r["frame"], r["forward"], r["view"], r["reason"]) for r in found]


def poll(condition, deadline_s: float, what: str):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)  # another process (under Wine) is working; there is no event to wait on
    check(False, what, f"not within {deadline_s} s")


def timed_first_line(command: list[str]) -> tuple[float, float, int, str]:
    """(seconds to the first JSON line, seconds to the end, JSON lines, all output) of a replay."""
    began = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            encoding="utf-8", errors="replace")
    first, lines, out = None, 0, []
    assert proc.stdout is not None
    for line in proc.stdout:
        out.append(line)
        if line.startswith("{"):
            lines += 1
            first = first or time.monotonic() - began
    proc.wait(timeout=300)
    return first or float("nan"), time.monotonic() - began, lines, "".join(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wenv", type=Path, required=True)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--shots", type=Path, help="save screenshots of the balloon, panel and menu here")
    args = parser.parse_args()
    lane = Lane(args.wenv.resolve(), args.repo.resolve())
    data = lane.repo / ONE_DATASET
    upright, forward = data / "notSlouching", data / "isSlouching"
    # Wine's own service processes (services.exe, winedevice.exe, explorer.exe...) are started by the
    # first Windows program that needs them and inherit its stdout: a `status` that happened to be
    # that program answered at once but its pipe stayed open until the instance ended (seen: 90-200 s).
    # Start them now, with no pipe of ours, and keep the wineserver up until the end.
    subprocess.run(["wineserver", "-p"], check=False)
    subprocess.run(["wine", "wineboot"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=300, check=False)
    work = Path(tempfile.mkdtemp(prefix="fhp-wine-smoke-"))
    home, linux_home = work / "home", work / "linux-home"
    try:
        # --- calibrate, replay a folder and a landmark CSV; the same verdicts as on Linux
        done = lane.fhp(home, "calibrate", "--no-gui", "--source", win(upright))
        check(done.returncode == 0 and "Calibrated from" in done.stdout, "calibrate --no-gui --source", done)
        linux_home.mkdir()
        shutil.copy(home / "calibration.json", linux_home / "calibration.json")  # the same baseline
        csv = work / "landmarks.csv"
        first_s, total_s, count, out = timed_first_line(
            ["wine", str(lane.exe), "--home", win(home), "replay", win(forward), "--json", "--landmarks-out", win(csv)])
        wine_rows = rows(out)
        check(count >= 10 and all(r["cva_proxy_deg"] is not None for r in wine_rows), "replay <folder> --json", out)
        linux_first_s, linux_total_s, _n, linux_out = timed_first_line(
            [lane.linux_python, "-m", "fhp_monitor", "--home", str(linux_home), "replay", str(forward), "--json"])
        linux_rows = rows(linux_out)
        check(verdicts(wine_rows) == verdicts(linux_rows), "replay verdicts under Wine equal Linux's",
              (verdicts(wine_rows), verdicts(linux_rows)))
        worst = max(abs(a["cva_proxy_deg"] - b["cva_proxy_deg"]) for a, b in zip(wine_rows, linux_rows))
        check(worst <= 0.05, f"CVA proxies under Wine equal Linux's (largest difference {worst:.3f} degrees)")
        done = lane.fhp(home, "replay", win(csv), "--json")
        check(done.returncode == 0 and verdicts(rows(done.stdout)) == verdicts(wine_rows),
              "replay <file>.csv --json gives the folder's verdicts", done)
        lane.figures["start to first verdict (replay, Wine)"] = f"{first_s:.1f} s (Linux {linux_first_s:.1f} s)"
        lane.figures["time per look (replay, Wine)"] = (
            f"{(total_s - first_s) / max(count - 1, 1) * 1000:.0f} ms "
            f"(Linux {(linux_total_s - linux_first_s) / max(len(linux_rows) - 1, 1) * 1000:.0f} ms)")

        # --- run with the tray up until the file ends; summary and export read what it wrote
        began = time.monotonic()
        done = lane.fhp(home, "run", "--source", win(forward), "--speed", "0", "--exit-at-end", timeout=240)
        lane.figures["run --speed 0 --exit-at-end, 14 frames, tray up"] = f"{time.monotonic() - began:.1f} s"
        log = log_text(home)
        check(done.returncode == 0, "run --source --speed 0 --exit-at-end", done)
        check("pystray._win32" in log, "the tray is pystray's win32 backend", log[-2000:])

        # --- a reminder from the tray's icon, its click opening the panel, the tray menu read
        began = time.monotonic()
        reminder_click_and_menu(lane, home, work, csv, args.shots, check=check, poll=poll, log_text=log_text)
        lane.figures["reminder, its click and the tray menu (one run)"] = f"{time.monotonic() - began:.1f} s"
        done = lane.fhp(home, "summary", "--json")
        summary = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
        check(done.returncode == 0 and summary, "summary --json", done)
        done = lane.fhp(home, "export", "--csv")
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        check(done.returncode == 0 and lines[0].startswith("minute_local,") and len(lines) >= 2, "export --csv", done)

        # --- control from a second process; a second start finds the running one
        instance = lane.start(home, "run", "--source", win(upright), "--speed", "0.02")
        try:
            def looking():
                if instance.poll() is not None:
                    check(False, "the instance keeps running", instance.communicate())
                status = lane_status(lane, home)
                return status.get("running") and status.get("state") not in (None, "starting") and status
            began = time.monotonic()
            status = poll(looking, 180, "status --json: running and looking")
            lane.figures["start to first look (run, Wine, seen by status)"] = f"<= {time.monotonic() - began:.1f} s"
            check(status["running"] is True, f"status --json from a second process: {status['state']}")
            done = lane.fhp(home, "pause", "15m")
            check(done.returncode == 0 and "paused" in done.stdout.lower(), "pause from a second process", done)
            done = lane.fhp(home, "status", "--json")
            check(json.loads(done.stdout.strip().splitlines()[-1])["pause_reason"] == "user", "status shows the pause",
                  done)
            done = lane.fhp(home, "resume")
            words = done.stdout.lower()
            check(done.returncode == 0 and ("monitoring again" in words or "resumed" in words),
                  "resume from a second process", done)
            # lock and sleep: a small program under Wine sends the app's own window what Windows would
            pid = (home / "instance.lock").read_text().strip()
            for what, reason in (("lock", "screen_locked"), ("sleep", "suspended")):
                began_log = len(log_text(home))
                sent = lane.wpy_script(lane.repo / ".ci" / "win_session_message.py", pid, what)
                check(sent.returncode == 0 and "sent" in sent.stdout, f"{what} message delivered to the window", sent)
                poll(lambda: lane_status(lane, home).get("pause_reason") == reason, 60,  # noqa: B023
                     f"{what}: status says paused ({reason})")
                poll(lambda: f"paused ({reason}): camera released" in log_text(home)[began_log:], 60,  # noqa: B023
                     f"{what}: the camera is released")
                check(True, f"{what} -> paused ({reason}) and camera released")
                back = {"lock": "unlock", "sleep": "wake"}[what]
                sent = lane.wpy_script(lane.repo / ".ci" / "win_session_message.py", pid, back)
                check(sent.returncode == 0, f"{back} message delivered", sent)
                poll(lambda: lane_status(lane, home).get("state") not in ("paused", None, "starting"), 90,
                     f"{back}: monitoring again")
                check(True, f"{back} -> monitoring again")
            done = lane.fhp(home, "run", "--no-tray")
            check(done.returncode == 0 and "already running" in done.stdout, "a second start finds the running one",
                  done)
            done = lane.fhp(home, "quit")
            check(done.returncode == 0 and "has stopped" in done.stdout, "quit from a second process", done)
            instance.wait(timeout=60)
            check(instance.returncode == 0, "the instance ended with 0", instance.communicate())
        finally:
            if instance.poll() is None:
                instance.kill()
                instance.communicate()
        done = lane.fhp(home, "pause")
        check(done.returncode == 3 and "nothing to pause" in done.stderr, "pause with none running: exit 3", done)

        # --- start at login: the user's Run key, on then off
        run_key = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"
        done = lane.wpy("from fhp_monitor.desktop.autostart import apply_autostart, default_command; "
                        "print(apply_autostart(True, default_command()))")
        query = subprocess.run(["wine", "reg", "query", run_key, "/v", "fhp-monitor"], capture_output=True, text=True,
                               encoding="utf-8", errors="replace")
        check("True" in done.stdout and "fhp_monitor run" in query.stdout, "autostart on: the Run value is there",
              (done, query))
        done = lane.wpy("from fhp_monitor.desktop.autostart import apply_autostart; print(apply_autostart(False))")
        query = subprocess.run(["wine", "reg", "query", run_key, "/v", "fhp-monitor"], capture_output=True, text=True,
                               encoding="utf-8", errors="replace")
        check("False" in done.stdout and "fhp_monitor" not in query.stdout, "autostart off: the Run value is gone",
              (done, query))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(["wineserver", "-k"], check=False)  # the persistent server and its services
    for name, value in lane.figures.items():
        print(f"figure: {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
