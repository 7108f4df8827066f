"""The Windows lane's tray and reminder checks (called by .ci/windows_smoke.py), on the Linux side.

The real fhp-monitor.exe runs a 30-minute forward recording (a landmark CSV, so no model is
loaded) 30 times faster, with the tray up: a nudge comes within seconds, and

* the reminder is really on screen: the balloon Wine's explorer.exe draws for the app's tray icon,
  read back by a Windows program (.ci/win_tray.py: its text, as the shell holds it) and found as a
  mapped X window at that very rectangle (plus a screenshot where ImageMagick is installed);
* the tray menu: an xdotool right-click on the icon in Wine's "Wine System Tray" window opens
  pystray's menu; the app logs its items as Windows holds them (read back from the real menu handle),
  which must be core/commands.py's MENU with Resume greyed; a screenshot; Escape closes it;
* a click on the reminder opens the control panel: the shell's NIN_BALLOONUSERCLICK, sent to the
  tray's window by .ci/win_tray.py (Wine's balloons do not send it themselves), goes through the app's
  real message loop: its log says ``command: panel`` and the panel's window appears on the X display.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: fhp_monitor.core

from fhp_monitor.core.commands import MENU, RESUME  # noqa: E402

CLICK_HINT = "Click here for the pause buttons."  # desktop/notify/windows.py, in English
MENU_SHOWN = "Tray menu shown: "  # desktop/tray/win32.py


def stretch(recording: Path, out: Path, seconds: int) -> Path:
    """A landmark CSV of ``seconds`` one-second rows, cycling ``recording``'s rows."""
    with recording.open(newline="") as source:
        rows = list(csv.reader(source))
    header, body = rows[0], rows[1:]
    with out.open("w", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(header)
        for i in range(seconds):
            writer.writerow([f"{i}.0", *body[i % len(body)][1:]])
    return out


def x_windows() -> list[dict]:
    """The X windows (xwininfo -root -tree): id, name, program, geometry."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True).stdout
    found = []
    for line in tree.splitlines():
        match = re.match(r'\s*(0x[0-9a-f]+) (?:"(.*)"|\(has no name\)): \((?:"([^"]*)")?.*?\)\s+'
                         r"(\d+)x(\d+)\+(-?\d+)\+(-?\d+)", line)
        if match:
            wid, name, program, w, h, x, y = match.groups()
            found.append({"id": wid, "name": name or "", "program": program or "", "w": int(w), "h": int(h),
                          "x": int(x), "y": int(y)})
    return found


def screenshot(shots: Path | None, name: str) -> str:
    if shots is None or shutil.which("import") is None:
        return "no screenshot (no --shots or no ImageMagick)"
    shots.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", str(shots / f"{name}.png")], check=False, timeout=30)
    return str(shots / f"{name}.png")


def expected_menu() -> list[str]:
    return [label + (" (greyed)" if command == RESUME else "") for group in MENU for command, label in group]


def reminder_click_and_menu(lane, home: Path, work: Path, recording: Path, shots: Path | None, *, check, poll,
                            log_text) -> None:
    # 30 minutes of leaning forward played 30 times faster: the first nudge after a few seconds, the
    # next one (replacing it) 15 recorded minutes later; "the recording has ended" only after a minute
    long_csv = stretch(recording, work / "forward-30min.csv", 1800)
    logged = lambda: log_text(home) if (home / "logs" / "fhp-monitor.log").exists() else ""  # noqa: E731
    began_log = len(logged())
    instance = lane.start(home, "run", "--source", f"Z:{str(long_csv).replace('/', chr(92))}", "--speed", "30")

    def new_log() -> str:
        if instance.poll() is not None:
            check(False, "the tray instance keeps running", instance.communicate())
        return logged()[began_log:]
    try:
        poll(lambda: "Reminders come from the tray's icon" in new_log(), 120, "the tray lends its icon to reminders")
        poll(lambda: "Reminder shown as a balloon" in new_log(), 60, "the app shows a nudge as a balloon")

        def on_screen():
            done = lane.wpy_script(lane.repo / ".ci" / "win_tray.py", "balloons", timeout=60)
            lines = done.stdout.strip().splitlines()
            shown = json.loads(lines[-1]) if done.returncode == 0 and lines else []
            return [b for b in shown if CLICK_HINT in b["text"]]
        balloon = poll(on_screen, 30, "the balloon is on screen (Wine's explorer.exe draws it)")[0]
        left, top, right, bottom = balloon["rect"]
        near = lambda a, b: abs(a - b) <= 2  # noqa: E731
        drawn = [w for w in x_windows() if w["program"] == "explorer.exe" and near(w["x"], left) and near(w["y"], top)
                 and near(w["w"], right - left) and near(w["h"], bottom - top)]
        check(drawn, f"the balloon is a mapped X window at {balloon['rect']}: {balloon['text']!r}", x_windows())
        print(f"  screenshot: {screenshot(shots, 'wine-reminder-balloon')}", flush=True)

        tray = [w for w in x_windows() if w["name"] == "Wine System Tray"]
        check(tray, "Wine's system-tray window is on the X display", x_windows())
        # the first icon is ours; its upper half, above the balloon's pointer
        x, y = tray[0]["x"] + tray[0]["h"] // 2, tray[0]["y"] + tray[0]["h"] // 4
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "3"], check=True, timeout=30)
        line = poll(lambda: next((s for s in new_log().splitlines() if MENU_SHOWN in s), None), 30,
                    "an xdotool right-click on the icon opens the tray menu")
        items = line.split(MENU_SHOWN, 1)[1].split(" | ")
        check(items == expected_menu(), f"the tray menu holds {len(items)} items, as on Linux: {' | '.join(items)}",
              (items, expected_menu()))
        print(f"  screenshot: {screenshot(shots, 'wine-tray-menu')}", flush=True)
        subprocess.run(["xdotool", "key", "Escape"], check=False, timeout=30)
        pid = (home / "instance.lock").read_text().strip()
        sent = lane.wpy_script(lane.repo / ".ci" / "win_tray.py", "click", pid, timeout=60)
        check(sent.returncode == 0, "the balloon click (NIN_BALLOONUSERCLICK) reaches the tray's window", sent)
        poll(lambda: "Reminder clicked" in new_log() and "command: panel" in new_log(), 30,
             "the click on the reminder asks for the panel")
        panel = poll(lambda: [w for w in x_windows() if w["name"] == "fhp-monitor" and w["program"] == "python.exe"
                              and w["w"] > 200], 90, "the control panel's window appears")
        check(True, f"the control panel is open ({panel[0]['w']}x{panel[0]['h']})")
        print(f"  screenshot: {screenshot(shots, 'wine-panel-after-balloon-click')}", flush=True)

        done = lane.fhp(home, "quit")
        check(done.returncode == 0 and "has stopped" in done.stdout, "quit the tray instance", done)
        instance.wait(timeout=60)
    finally:
        if instance.poll() is None:
            instance.kill()
        instance.communicate()
