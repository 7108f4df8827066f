"""A real, private X desktop for GUI tests: Xvfb + a session D-Bus + dunst + a tray host.

The tray host is ``trayer`` (XEmbed only, no StatusNotifierWatcher: apps fall back to XEmbed) or,
with ``Desktop(tray="xfce")``, xfce4-panel with its systray plugin: a real StatusNotifierItem host
(it owns org.kde.StatusNotifierWatcher, draws items and their dbusmenu menus) that also hosts
XEmbed icons. dunst's context menu runs ``tests/support/dunst_dmenu.py``, so :meth:`Desktop.press_button`
presses a notification's button the way a user does.

Nothing here is faked: notifications go through D-Bus to a real ``dunst`` daemon, tray icons dock
into a real ``trayer`` system tray, and screenshots are real pixels from the X server. Every
process is started on its own display number and its own session bus, so tests never touch the
developer's desktop, and :meth:`Desktop.close` kills everything it started.

Use it through the ``desktop`` fixture in ``tests/conftest.py``:

* pass ``desktop.env`` to subprocesses (it carries DISPLAY and DBUS_SESSION_BUS_ADDRESS);
* wrap in-process code in ``with desktop.activate():`` to set both in ``os.environ`` temporarily.

Readiness is checked by polling real conditions (``xdpyinfo`` answers, ``dunstctl`` answers on
the bus, the ``_NET_SYSTEM_TRAY_S0`` selection has an owner) with a deadline, never by sleeping
a fixed time.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

REQUIRED_PROGRAMS = ("Xvfb", "dbus-launch", "dbus-send", "dunst", "dunstctl", "trayer", "xdpyinfo", "xwininfo",
                     "import")
XFCE_PROGRAMS = ("xfce4-panel",)
# xfconfd lives under the architecture's library folder (x86_64-linux-gnu, aarch64-linux-gnu, ...).
XFCONFD = next(iter(sorted(glob.glob("/usr/lib/*/xfce4/xfconf/xfconfd"))),
               "/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd")
DMENU_SCRIPT = Path(__file__).with_name("dunst_dmenu.py")

# xfce4-panel with one plugin, the systray (SNI host + XEmbed host), along the top edge.
XFCE_PANEL_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array"><value type="int" value="1"/></property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray">
      <property name="square-icons" type="bool" value="true"/>
    </property>
  </property>
</channel>
"""

T = TypeVar("T")

DUNSTRC = """\
[global]
    monitor = 0
    follow = none
    history_length = 1000
    notification_limit = 0
    indicate_hidden = yes
    idle_threshold = 0
    font = DejaVu Sans 12
    sticky_history = yes
    always_run_script = false
    dmenu = {python} {dmenu} {state}
    mouse_right_click = context

[urgency_low]
    timeout = 0

[urgency_normal]
    timeout = 0

[urgency_critical]
    timeout = 0
"""

# A session bus with no service directories: nothing is ever D-Bus-activated behind our back
# (otherwise the first `dunstctl` call would auto-start a second dunst with the user's config).
BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={tmpdir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class DesktopError(RuntimeError):
    """A part of the test desktop could not be started or did not become ready in time."""


def missing_programs() -> list[str]:
    """Names of the programs the test desktop needs that are not on PATH."""
    return [name for name in REQUIRED_PROGRAMS if shutil.which(name) is None]


def wait_until(condition: Callable[[], T], timeout_s: float, what: str, step_s: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy; raise DesktopError after ``timeout_s``.

    This is for waiting on real external daemons (an X window appearing, a bus name being owned)
    where there is no event to wait on. The wait is bounded by the deadline.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise DesktopError(f"timed out after {timeout_s:.1f} s waiting for {what}")
        time.sleep(step_s)


class Desktop:
    """A private Xvfb display with a session bus, the dunst notification daemon and a trayer tray."""

    def __init__(self, width: int = 1280, height: int = 800, start_timeout_s: float = 15.0,
                 tray: str = "trayer") -> None:
        if tray not in ("trayer", "xfce", "none"):
            raise ValueError(f"tray must be trayer, xfce or none, not {tray!r}")
        self.tray = tray
        self.width = width
        self.height = height
        self.start_timeout_s = start_timeout_s
        self.display = ""
        self.bus_address = ""
        self.workdir = Path(tempfile.mkdtemp(prefix="fhp-desktop-"))
        self._procs: dict[str, subprocess.Popen] = {}
        self._dbus_pid: int | None = None
        self._logs: list = []

    # ------------------------------------------------------------------ start / stop

    def start(self) -> "Desktop":
        """Start every part and wait until each one answers. On failure, stop what was started."""
        try:
            self._start_xvfb()
            self._start_dbus()
            self._start_dunst()
            if self.tray == "trayer":
                self._start_trayer()
            elif self.tray == "xfce":
                self._start_xfce_panel()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Kill everything this desktop started (children first, X server last). Safe to call twice."""
        for name in ("trayer", "xfce4-panel", "xfconfd", "dunst", "xvfb"):
            proc = self._procs.pop(name, None)
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            elif proc is not None:
                proc.wait()
        if self._dbus_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._dbus_pid, signal.SIGTERM)
            self._dbus_pid = None
        for log in self._logs:
            log.close()
        self._logs.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "Desktop":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _log_file(self, name: str):
        log = open(self.workdir / f"{name}.log", "wb")
        self._logs.append(log)
        return log

    def log_text(self, name: str) -> str:
        """What one of the daemons ('xvfb', 'dunst', 'trayer') wrote to stdout/stderr so far."""
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _start_xvfb(self) -> None:
        # -displayfd makes Xvfb pick a free display number itself and write it to the pipe once
        # it is ready to accept connections: no race with other X servers on this machine.
        read_fd, write_fd = os.pipe()
        try:
            self._procs["xvfb"] = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{self.width}x{self.height}x24",
                 "-nolisten", "tcp"],
                pass_fds=(write_fd,), stdout=self._log_file("xvfb"), stderr=subprocess.STDOUT,
            )
        finally:
            os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip().decode()  # EOF (b"") if Xvfb died
        if not number.isdigit():
            raise DesktopError(f"Xvfb did not report a display number; log:\n{self.log_text('xvfb')}")
        self.display = f":{number}"
        wait_until(self._x_answers, self.start_timeout_s, f"X server {self.display}")

    def _x_answers(self) -> bool:
        result = subprocess.run(["xdpyinfo", "-display", self.display], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return result.returncode == 0

    def _start_dbus(self) -> None:
        env = dict(os.environ, DISPLAY=self.display)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        config = self.workdir / "session-bus.conf"
        config.write_text(BUS_CONFIG.format(tmpdir=self.workdir))
        out = subprocess.run(["dbus-launch", "--sh-syntax", f"--config-file={config}"], env=env, capture_output=True,
                             text=True, timeout=self.start_timeout_s)
        if out.returncode != 0:
            raise DesktopError(f"dbus-launch failed: {out.stderr.strip()}")
        values = parse_sh_assignments(out.stdout)
        try:
            self.bus_address = values["DBUS_SESSION_BUS_ADDRESS"]
            self._dbus_pid = int(values["DBUS_SESSION_BUS_PID"])
        except (KeyError, ValueError) as error:
            raise DesktopError(f"could not read dbus-launch output {out.stdout!r}") from error

    def _start_dunst(self) -> None:
        config = self.workdir / "dunstrc"
        self.dmenu_state.mkdir(exist_ok=True)
        config.write_text(DUNSTRC.format(python=sys.executable, dmenu=DMENU_SCRIPT, state=self.dmenu_state))
        self._procs["dunst"] = subprocess.Popen(["dunst", "-config", str(config)], env=self.env,
                                                stdout=self._log_file("dunst"), stderr=subprocess.STDOUT)
        wait_until(self._dunst_answers, self.start_timeout_s, "dunst on the session bus")

    def _dunst_answers(self) -> bool:
        if self._procs["dunst"].poll() is not None:
            raise DesktopError(f"dunst exited; log:\n{self.log_text('dunst')}")
        return self.bus_name_has_owner("org.freedesktop.Notifications") and subprocess.run(
            ["dunstctl", "is-paused"], env=self.env, capture_output=True, text=True).stdout.strip() in ("true", "false")

    def bus_name_has_owner(self, name: str) -> bool:
        """True when some process owns ``name`` on this desktop's session bus (never activates it)."""
        result = subprocess.run(
            ["dbus-send", "--session", "--print-reply=literal", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=self.env, capture_output=True, text=True)
        return result.returncode == 0 and result.stdout.split()[-1:] == ["true"]

    def _start_trayer(self) -> None:
        self._procs["trayer"] = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--widthtype", "pixel", "--width", "200",
             "--height", "32", "--SetDockType", "true", "--transparent", "false", "--tint", "0xdddddd"],
            env=self.env, stdout=self._log_file("trayer"), stderr=subprocess.STDOUT,
        )
        wait_until(self._tray_owned, self.start_timeout_s, "trayer to own _NET_SYSTEM_TRAY_S0")
        wait_until(self.trayer_window, self.start_timeout_s, "trayer's panel window")

    def _start_xfce_panel(self) -> None:
        """xfconfd (started here, not D-Bus-activated: our bus has no service directories) and
        xfce4-panel with the systray plugin, both reading their settings from our XDG_CONFIG_HOME."""
        config_home = self.workdir / "config"
        channel = config_home / "xfce4" / "xfconf" / "xfce-perchannel-xml"
        channel.mkdir(parents=True)
        (channel / "xfce4-panel.xml").write_text(XFCE_PANEL_XML)
        env = dict(self.env, XDG_CONFIG_HOME=str(config_home), NO_AT_BRIDGE="1")
        self._procs["xfconfd"] = subprocess.Popen([XFCONFD], env=env, stdout=self._log_file("xfconfd"),
                                                  stderr=subprocess.STDOUT)
        wait_until(lambda: self.bus_name_has_owner("org.xfce.Xfconf"), self.start_timeout_s, "xfconfd on the bus")
        # --disable-wm-check: there is no window manager; without it the panel waits for one.
        self._procs["xfce4-panel"] = subprocess.Popen(["xfce4-panel", "--disable-wm-check"], env=env,
                                                      stdout=self._log_file("xfce4-panel"), stderr=subprocess.STDOUT)
        wait_until(self._sni_host_ready, self.start_timeout_s, "xfce4-panel's StatusNotifierWatcher and host")

    def _sni_host_ready(self) -> bool:
        if self._procs["xfce4-panel"].poll() is not None:
            raise DesktopError(f"xfce4-panel exited; log:\n{self.log_text('xfce4-panel')}")
        if not self.bus_name_has_owner("org.kde.StatusNotifierWatcher"):
            return False
        result = subprocess.run(
            ["dbus-send", "--session", "--print-reply=literal", "--dest=org.kde.StatusNotifierWatcher",
             "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties.Get", "string:org.kde.StatusNotifierWatcher",
             "string:IsStatusNotifierHostRegistered"], env=self.env, capture_output=True, text=True)
        return result.returncode == 0 and result.stdout.split()[-1:] == ["true"]

    def restart_xfce_panel(self) -> None:
        """Kill the panel (its watcher leaves the bus) and start it again, as after a panel crash."""
        proc = self._procs.pop("xfce4-panel")
        proc.terminate()
        proc.wait(timeout=10)
        wait_until(lambda: not self.bus_name_has_owner("org.kde.StatusNotifierWatcher"), self.start_timeout_s,
                   "the old watcher to leave the bus")
        env = dict(self.env, XDG_CONFIG_HOME=str(self.workdir / "config"), NO_AT_BRIDGE="1")
        if self._procs["xfconfd"].poll() is not None or not self.bus_name_has_owner("org.xfce.Xfconf"):
            # xfconfd leaves the bus after a while without clients (minutes into a full test run); a
            # panel started without it has no settings, hence no systray plugin and no watcher.
            self._procs["xfconfd"] = subprocess.Popen([XFCONFD], env=env, stdout=self._log_file("xfconfd-2"),
                                                      stderr=subprocess.STDOUT)
            wait_until(lambda: self.bus_name_has_owner("org.xfce.Xfconf"), self.start_timeout_s, "xfconfd on the bus")
        self._procs["xfce4-panel"] = subprocess.Popen(["xfce4-panel", "--disable-wm-check"], env=env,
                                                      stdout=self._log_file("xfce4-panel-2"), stderr=subprocess.STDOUT)
        try:
            wait_until(self._sni_host_ready, self.start_timeout_s, "the restarted panel's watcher")
        except DesktopError as error:
            raise DesktopError(f"{error}; panel log:\n{self.log_text('xfce4-panel-2')}") from None

    def _tray_owned(self) -> bool:
        if self._procs["trayer"].poll() is not None:
            raise DesktopError(f"trayer exited; log:\n{self.log_text('trayer')}")
        return self.tray_selection_owner() != 0

    # ------------------------------------------------------------------ environment

    @property
    def env(self) -> dict[str, str]:
        """os.environ plus this desktop's DISPLAY and DBUS_SESSION_BUS_ADDRESS (for subprocesses)."""
        env = dict(os.environ)
        env["DISPLAY"] = self.display
        if self.bus_address:
            env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        return env

    @contextlib.contextmanager
    def activate(self) -> Iterator["Desktop"]:
        """Temporarily point this process's DISPLAY and DBUS_SESSION_BUS_ADDRESS at this desktop."""
        keys = ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS")
        saved = {key: os.environ.get(key) for key in keys}
        os.environ["DISPLAY"] = self.display
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        try:
            yield self
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    # ------------------------------------------------------------------ X queries

    def _x(self):
        """A fresh python-xlib connection to this display (caller closes it)."""
        from Xlib import display as xdisplay

        return xdisplay.Display(self.display)

    def tray_selection_owner(self) -> int:
        """X window id owning ``_NET_SYSTEM_TRAY_S0`` (the tray host), or 0 if there is none."""
        connection = self._x()
        try:
            atom = connection.intern_atom("_NET_SYSTEM_TRAY_S0")
            owner = connection.get_selection_owner(atom)
            return int(owner.id) if owner else 0
        finally:
            connection.close()

    def trayer_window(self) -> int:
        """Window id of trayer's visible panel (a top-level window named 'panel'), or 0."""
        pid = self._procs["trayer"].pid
        for window_id, _name, _geometry in self._top_level_windows():
            if self._window_pid(window_id) == pid and self._is_viewable(window_id):
                return window_id
        return 0

    def _top_level_windows(self) -> list[tuple[int, str, tuple[int, int, int, int]]]:
        connection = self._x()
        try:
            root = connection.screen().root
            found = []
            for child in root.query_tree().children:
                geometry = child.get_geometry()
                name = child.get_wm_name() or ""
                found.append((int(child.id), str(name), (geometry.x, geometry.y, geometry.width, geometry.height)))
            return found
        finally:
            connection.close()

    def _window_pid(self, window_id: int) -> int | None:
        from Xlib import X

        connection = self._x()
        try:
            window = connection.create_resource_object("window", window_id)
            prop = window.get_full_property(connection.intern_atom("_NET_WM_PID"), X.AnyPropertyType)
            return int(prop.value[0]) if prop is not None and len(prop.value) else None
        finally:
            connection.close()

    def _is_viewable(self, window_id: int) -> bool:
        from Xlib import X

        connection = self._x()
        try:
            window = connection.create_resource_object("window", window_id)
            return window.get_attributes().map_state == X.IsViewable
        finally:
            connection.close()

    def tray_children(self) -> list[dict]:
        """Client windows docked in trayer: [{id, name, x, y, width, height}] with root coordinates.

        A docked XEmbed client is reparented into trayer's panel; we walk the panel's window tree
        and return the windows that carry a client property (``_XEMBED_INFO``), i.e. the icons.
        """
        panel_id = self.trayer_window()
        if not panel_id:
            return []
        connection = self._x()
        try:
            embed_atom = connection.intern_atom("_XEMBED_INFO")
            root = connection.screen().root
            docked: list[dict] = []
            pending = [connection.create_resource_object("window", panel_id)]
            while pending:
                window = pending.pop()
                for child in window.query_tree().children:
                    pending.append(child)
                    if embed_atom in (child.list_properties() or []):
                        geometry = child.get_geometry()
                        origin = child.translate_coords(root, 0, 0)
                        docked.append({
                            "id": int(child.id),
                            "name": str(child.get_wm_name() or ""),
                            "x": -origin.x, "y": -origin.y,
                            "width": geometry.width, "height": geometry.height,
                        })
            return docked
        finally:
            connection.close()

    def window_name(self, window_id: int) -> str:
        """The WM_NAME of a window (e.g. the tooltip title pystray's xorg backend sets)."""
        connection = self._x()
        try:
            return str(connection.create_resource_object("window", window_id).get_wm_name() or "")
        finally:
            connection.close()

    def find_windows(self, name: str) -> list[int]:
        """Ids of viewable top-level windows whose WM_NAME equals ``name`` (Tk and WM frames included)."""
        return [wid for wid, wname, _g in self._top_level_windows() if wname == name and self._is_viewable(wid)]

    def window_geometry(self, window_id: int) -> tuple[int, int, int, int]:
        """(x, y, width, height) of a window, x and y in root coordinates."""
        connection = self._x()
        try:
            window = connection.create_resource_object("window", window_id)
            geometry = window.get_geometry()
            origin = window.translate_coords(connection.screen().root, 0, 0)
            return (-origin.x, -origin.y, geometry.width, geometry.height)
        finally:
            connection.close()

    # ------------------------------------------------------------------ outputs

    def screenshot(self, path: str | os.PathLike) -> Path:
        """Save the whole screen as a PNG (ImageMagick ``import -window root``) and return its path."""
        path = Path(path)
        subprocess.run(["import", "-display", self.display, "-window", "root", str(path)], env=self.env,
                       check=True, capture_output=True, timeout=30)
        return path

    def dark_pixels(self, window: dict, path: str | os.PathLike) -> int:
        """How many pixels of a docked ``window`` ({x, y, width, height}: a tray icon) are near black on a
        screenshot saved at ``path``: an outlined icon's band (trayer's panel is light grey)."""
        import numpy as np
        from PIL import Image

        with Image.open(self.screenshot(path)) as shot:
            box = (window["x"], window["y"], window["x"] + window["width"], window["y"] + window["height"])
            pixels = np.asarray(shot.convert("RGB").crop(box))
        return int((pixels.max(axis=2) < 40).sum())

    def notifications(self) -> list[dict]:
        """Every notification dunst received so far: [{appname, summary, body}], newest first.

        dunst only moves a notification into its history when it is closed, so this first closes
        all shown notifications (``dunstctl close-all``), then reads ``dunstctl history`` (JSON).
        """
        subprocess.run(["dunstctl", "close-all"], env=self.env, check=True, capture_output=True, timeout=10)
        out = subprocess.run(["dunstctl", "history"], env=self.env, check=True, capture_output=True,
                             text=True, timeout=10)
        return parse_dunst_history(out.stdout)

    @property
    def dmenu_state(self) -> Path:
        return self.workdir / "dmenu"

    def press_button(self, label: str, timeout_s: float = 30.0) -> str:
        """Press the button ``label`` of a notification on screen, as a user does in dunst: open
        dunst's context menu (``dunstctl context``), which runs our dmenu script, which picks the
        line with that label; dunst then emits ActionInvoked itself. Returns the picked line.

        dunst opens no menu while nothing on screen has buttons, and the wanted one may not be
        there yet, so this retries (each try bounded) until ``timeout_s``; then DesktopError.
        """
        seq = self.dmenu_state / "seq"
        deadline = time.monotonic() + timeout_s
        offered = "(dunst opened no context menu: nothing on screen had buttons)"
        while time.monotonic() < deadline:
            before = seq.stat().st_size if seq.exists() else 0
            (self.dmenu_state / "want").write_text(label)
            self.run("dunstctl", "context")
            try:
                wait_until(lambda before=before: seq.exists() and seq.stat().st_size > before, min(5.0, timeout_s),
                           "dunst to run its dmenu")
            except DesktopError:
                continue
            picked = (self.dmenu_state / "picked").read_text().strip()
            if picked:
                return picked
            offered = (self.dmenu_state / "menu.txt").read_text()
            time.sleep(0.2)  # the wanted button is not on screen yet; dunst has no event to wait on
        raise DesktopError(f"no button {label!r} on screen within {timeout_s:.0f} s; dunst offered:\n{offered}")

    def history(self) -> list[dict]:
        """dunst's history (notifications that left the screen), newest first, without closing any:
        [{id, appname, summary, body, timeout_us}] (timeout 0 means it never expires)."""
        out = subprocess.run(["dunstctl", "history"], env=self.env, check=True, capture_output=True,
                             text=True, timeout=10)
        data = json.loads(out.stdout)
        entries = data["data"][0] if data.get("data") else []
        return [{key: entry.get(key, {}).get("data") for key in ("id", "appname", "summary", "body", "timeout")}
                for entry in entries]

    def displayed_count(self) -> int:
        """How many notifications dunst shows right now."""
        return int(self.run("dunstctl", "count", "displayed").stdout.strip() or 0)

    def move_pointer(self, x: int, y: int) -> None:
        """Move the mouse to (x, y) and wait until it is there.

        ``xdotool mousemove --sync`` waits for the pointer to *move*, so it hangs when the pointer
        is already at the target (the desktop is shared by the session's tests): skip it then.
        """
        where = self.run("xdotool", "getmouselocation", "--shell").stdout
        position = dict(line.split("=", 1) for line in where.split() if "=" in line)
        if (int(position.get("X", -1)), int(position.get("Y", -1))) != (x, y):
            self.run("xdotool", "mousemove", "--sync", str(x), str(y))

    def click_at(self, x: int, y: int) -> None:
        """Left-click at (x, y), as a user's mouse would (XTEST)."""
        self.move_pointer(x, y)
        self.run("xdotool", "click", "1")

    def run(self, *args: str, timeout_s: float = 10.0) -> subprocess.CompletedProcess:
        """Run a command on this desktop (e.g. ``xdotool``); raises if it fails."""
        return subprocess.run(list(args), env=self.env, check=True, capture_output=True, text=True,
                              timeout=timeout_s)


def parse_sh_assignments(text: str) -> dict[str, str]:
    """Read ``NAME='value';`` lines as printed by ``dbus-launch --sh-syntax``."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip().rstrip(";")
        if "=" not in line or line.startswith("export"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip().strip("'\"")
    return values


def parse_dunst_history(text: str) -> list[dict]:
    """Turn ``dunstctl history`` JSON into plain dicts with appname, summary and body strings."""
    data = json.loads(text)
    entries = data["data"][0] if data.get("data") else []
    return [{key: entry.get(key, {}).get("data", "") for key in ("appname", "summary", "body")}
            for entry in entries]


@contextlib.contextmanager
def desktop_session(**kwargs) -> Iterator[Desktop]:
    """Start a :class:`Desktop`, yield it, and always tear it down."""
    desktop = Desktop(**kwargs)
    with desktop:
        yield desktop
