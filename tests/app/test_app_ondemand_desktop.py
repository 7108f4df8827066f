"""The Tk root only while a window is open (issue #14), on real desktops (SNI, XEmbed, no tray).

`fhp-monitor run` starts without tkinter: neither libtk nor _tkinter is mapped in the process
(read from /proc/PID/maps; ``import tkinter`` loads _tkinter, so an unmapped _tkinter means it was
never imported). A second `fhp-monitor` opens the real control panel; Esc closes it and the root is
destroyed (the app's log says so, and the status still offers windows); the tray menu's
"Settings" then opens the settings window over a new root, Esc closes it too; `fhp-monitor quit`
ends the run with status 0. Without any tray no Tk is loaded either; with pystray's XEmbed tray
(trayer) Tk connects before it and keeps its root. The real app, real MediaPipe on the real
photos, real X windows.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fhp_monitor.control import client as control_client
from fhp_monitor.home.folder import Home
from tests.support import sni_host
from tests.support.desktop import Desktop, missing_programs, wait_until
from tests.support.faults_support import copy_home
from tests.support.needs import require_tkinter, started_desktop
from tests.support.real_photos import UPRIGHT
from tests.support.recorded_day import build_recorded_day
from tests.support.running import fhp, finish

require_tkinter()  # the app under test opens Tk windows

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parents[2]
PANEL_TITLE = "fhp-monitor"
SETTINGS_TITLE = "fhp-monitor — Settings"  # windows/settings.py WINDOW_TITLE (not imported: no tkinter here)


def tk_mapped(pid: int) -> dict[str, bool]:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {"libtk": "libtk8" in maps, "_tkinter": "/_tkinter." in maps}


def log_text(home: Path) -> str:
    return (home / "logs" / "fhp-monitor.log").read_text()


def visible_windows(desktop: Desktop, title: str) -> list[int]:
    """Viewable windows titled ``title`` (xdotool reads the UTF-8 _NET_WM_NAME Tk sets for the em dash)."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"], env=desktop.env,
                           capture_output=True, text=True, timeout=10)
    return [int(word) for word in found.stdout.split()] if found.returncode == 0 else []


def press_escape(desktop: Desktop, window: int) -> None:
    desktop.run("xdotool", "windowfocus", "--sync", str(window))
    desktop.run("xdotool", "key", "Escape")


def test_the_tk_root_comes_with_a_window_and_goes_with_it(sni_desktop: Desktop, tmp_path: Path, calibrated):
    home = copy_home(calibrated, tmp_path / "home")
    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 20)])
    process = subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(video), "--speed", "1"],
        cwd=REPO, env=sni_desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    address = sni_desktop.bus_address
    try:
        entry = sni_host.app_item(address, process.pid, 90)

        def status() -> dict:  # the instance's own reply (what a second `fhp-monitor` reads)
            return control_client.request(Home(root=home, log_dir=home / "logs"), {"cmd": "status"})["status"]

        first = wait_until(lambda: (s := status())["state"] != "starting" and s, 90, "the first look")
        assert first["window"] is True  # a display and Tk: windows can be shown, though none is open
        assert tk_mapped(process.pid) == {"libtk": False, "_tkinter": False}
        assert not sni_desktop.find_windows(PANEL_TITLE)

        # a second `fhp-monitor` opens the running one's panel: the root is made now
        second = fhp(home, env=sni_desktop.env)
        assert second.returncode == 0, second.stderr
        assert second.stdout == "fhp-monitor is already running; its window is opening now.\n"
        panel = wait_until(lambda: sni_desktop.find_windows(PANEL_TITLE), 30, "the control panel")[0]
        assert tk_mapped(process.pid) == {"libtk": True, "_tkinter": True}
        assert log_text(home).count("Tk root made for a window") == 1

        press_escape(sni_desktop, panel)  # the panel's own close key
        wait_until(lambda: "Tk root closed" in log_text(home), 30, "the root to be destroyed")
        assert not sni_desktop.find_windows(PANEL_TITLE)
        assert status()["window"] is True and process.poll() is None

        # the tray menu's Settings: a window again, over a new root, and the root goes when it closes
        settings = next(e for e in sni_host.menu_layout(address, entry, "/MenuBar")[1] if e["label"] == "Settings")
        sni_host.click(address, entry, "/MenuBar", settings["id"], "group")
        window = wait_until(lambda: visible_windows(sni_desktop, SETTINGS_TITLE), 30, "the settings window")[0]
        assert log_text(home).count("Tk root made for a window") == 2
        press_escape(sni_desktop, window)
        wait_until(lambda: log_text(home).count("Tk root closed") == 2, 30, "the second root to be destroyed")
        assert not visible_windows(sni_desktop, SETTINGS_TITLE)

        # and the panel opens once more after that
        assert fhp(home, env=sni_desktop.env).returncode == 0
        wait_until(lambda: sni_desktop.find_windows(PANEL_TITLE), 30, "the control panel again")
        assert log_text(home).count("Tk root made for a window") == 3

        done = fhp(home, "quit", env=sni_desktop.env)  # quit with a window open: Tk's loop ends, exit 0
        assert done.returncode == 0 and done.stdout == "fhp-monitor has stopped.\n", done.stderr
        process.wait(timeout=60)
    finally:
        _, err = finish(process, stop="kill")
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in log_text(home), err
    assert not sni_desktop.find_windows(PANEL_TITLE)


def start_run(desktop: Desktop, home: Path, video: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fhp_monitor", "--home", str(home), "run", "--source", str(video), "--speed", "1"],
        cwd=REPO, env=desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_first_look(desktop: Desktop, home: Path) -> None:
    wait_until(lambda: (s := json.loads(fhp(home, "status", "--json", env=desktop.env).stdout))["running"]
               and s["state"] != "starting", 90, "the first look")


def end_with_sigterm(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    return err


@pytest.fixture
def trayless_desktop() -> Iterator[Desktop]:
    """Xvfb + D-Bus + dunst and no tray host of either kind."""
    yield from started_desktop("none", missing_programs(), "apt-get install xvfb dbus-x11 dunst")


def test_without_any_tray_no_tk_is_loaded_and_sigterm_ends_the_plain_wait(trayless_desktop: Desktop,
                                                                         tmp_path: Path, calibrated):
    """A desktop with neither an SNI host nor an X tray (stock GNOME): the XEmbed backend finds no
    tray, so Tk is never connected; SIGTERM wakes the inbox wait and the run ends with 0."""
    home = copy_home(calibrated, tmp_path / "home")
    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 20)])
    process = start_run(trayless_desktop, home, video)
    try:
        wait_first_look(trayless_desktop, home)
        assert tk_mapped(process.pid) == {"libtk": False, "_tkinter": False}
        assert "No X system tray" in log_text(home)
        end_with_sigterm(process)
    finally:
        finish(process, stop="kill")


def test_with_the_xembed_tray_tk_connects_before_it_and_keeps_its_root(desktop: Desktop, tmp_path: Path,
                                                                      calibrated):
    """trayer (XEmbed only): pystray grabs the X server while it docks, so Tk connects before it and
    the root stays for the run (a panel closed does not destroy it); SIGTERM still ends it with 0."""
    home = copy_home(calibrated, tmp_path / "home")
    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 20)])
    process = start_run(desktop, home, video)
    try:
        wait_first_look(desktop, home)
        assert tk_mapped(process.pid) == {"libtk": True, "_tkinter": True}
        log = log_text(home)
        assert log.index("Tk root made for a window") < log.index("Tray icon started (XEmbed")
        assert fhp(home, env=desktop.env).returncode == 0
        panel = wait_until(lambda: desktop.find_windows(PANEL_TITLE), 30, "the control panel")[0]
        press_escape(desktop, panel)
        wait_until(lambda: not desktop.find_windows(PANEL_TITLE), 30, "the panel to close")
        assert fhp(home, env=desktop.env).returncode == 0  # and it opens again over the same root
        wait_until(lambda: desktop.find_windows(PANEL_TITLE), 30, "the control panel again")
        end_with_sigterm(process)
        assert log_text(home).count("Tk root made for a window") == 1
        assert log_text(home).count("Tk root closed") == 1  # at the end of the run only
    finally:
        finish(process, stop="kill")
