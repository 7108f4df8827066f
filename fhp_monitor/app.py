"""Composition root for ``fhp-monitor run``: builds the adapters from the settings and wires them.

Threads:
* main thread: the UI host. It sleeps on a CommandInbox (a self-pipe) that commands ring, waking
  for the rare checks below. While a window (control panel, settings) is open it runs Tk's loop
  over a hidden root made for it, watching the same pipe (windows/host.py: the root is made on
  demand and destroyed when the last window closes).
* ``fhp-worker``: the MonitorWorker (camera, pose model, decisions, history writes).
* ``fhp-dbus`` (StatusNotifierItem tray, notifications) or ``fhp-tray`` (pystray, XEmbed): their
  clicks are queued to the main thread with ``post`` (see desktop/tray.py).
The main thread also checks config.yaml's modification time every SETTINGS_POLL_S (edits apply
without a restart; a bad edit is reported once and the previous settings are kept), shows the
end-of-day summary when it is due, and scans for video-call apps every CALL_POLL_S.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from fhp_monitor.core.calibration import CalibrationError, load_baseline
from fhp_monitor.core.ports import HistoryError, NotificationError, StatusSnapshot
from fhp_monitor.core.posture import PAUSE_CALL, PAUSE_SNOOZE, PAUSE_USER
from fhp_monitor.core.summary import daily_notification_due, end_of_day_sentence
from fhp_monitor.desktop.bus import close_shared_loop
from fhp_monitor.errors import UserError
from fhp_monitor.gui.host import WindowHost
from fhp_monitor.home.folder import Home
from fhp_monitor.home.instance_lock import AlreadyRunning, SingleInstance
from fhp_monitor.home.state import read_state, write_state
from fhp_monitor.monitor.clocks import ReplayClock, SystemClock
from fhp_monitor.monitor.supervise import Reporter, install_stop_signals, supervised_run
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.process.inbox import CommandInbox
from fhp_monitor.process.spawner import spawn
from fhp_monitor.settings.file import SettingsWatcher, load_settings
from fhp_monitor.settings.schema import ConfigError, Settings

log = logging.getLogger(__name__)

SETTINGS_POLL_S = 15.0  # a stat() of config.yaml, and whether the daily summary is due
CALL_POLL_S = 45.0  # a scan of /proc for video-call apps


def has_display() -> bool:
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def parse_start(text: str | None) -> float:
    if not text:
        return time.time()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--start must be a date and time like 2026-11-20T09:00:00 (got {text!r}).") from None
    return moment.timestamp()


def pause_until(command: str, now: float) -> float | None:
    if command == "pause_15":
        return now + 15 * 60
    if command == "pause_60":
        return now + 60 * 60
    tomorrow = datetime.fromtimestamp(now).date() + timedelta(days=1)
    return datetime.combine(tomorrow, datetime.min.time()).timestamp()


def open_with_desktop(path: Path) -> None:
    """Open a file with the user's default program (text editor for config.yaml, viewer for a PNG)."""
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if spawn([opener, str(path)]):  # started outside the network guard (see spawner.py)
        return
    try:
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        log.warning("could not open %s with %s: %s", path, opener, exc)


class App:
    """Owns every adapter for one ``run``; ``main_loop`` returns the exit status."""

    def __init__(self, args, home: Home, settings: Settings) -> None:
        from fhp_monitor.desktop.notify import notifier_for
        from fhp_monitor.sensing.pose import estimator_for
        from fhp_monitor.sensing.sources import source_for
        from fhp_monitor.store.spool import open_spooled_history

        self.args, self.home, self.settings = args, home, settings
        self.commands = CommandInbox()
        self.stop = threading.Event()
        self.notifier = notifier_for(on_action=self.post)  # nudge buttons: snooze_30, pause_today
        self.reporter = Reporter(self._tell)
        self.gave_up: str | None = None
        self.history = open_spooled_history(home, tell=lambda kind, sentence: self._tell("Posture history", sentence))
        if self.history.recovered_from is not None:
            self._tell("Your posture history file was damaged",
                       f"We kept it as {self.history.recovered_from.name} and started a fresh one.")
        self.source = source_for(args.source, settings)
        self.live = self.source.live
        self.clock = SystemClock() if self.live else ReplayClock(parse_start(args.start))
        self.started_at = self.clock.now()  # a summary never greets a fresh start (core/summary.py)
        self.estimator = estimator_for(settings, self.source)
        self.worker = MonitorWorker(
            source=self.source, estimator=self.estimator, clock=self.clock, settings=settings,
            baseline=load_baseline(home.calibration), notifier=self.notifier, history=self.history,
            on_snapshot=self._on_snapshot,
        )
        self.watcher = SettingsWatcher(home.config, settings)
        self.tray = None
        self.windows = WindowHost(self.commands, on_close=self._forget_panel)  # the Tk root, on demand
        self.panel = None
        self._next_settings_poll = 0.0
        self._next_call_poll = 0.0
        self._paused_for_call: str | None = None
        self._last_snapshot: StatusSnapshot | None = None
        self.session = None  # screen lock, sleep and input idle (desktop/session.py), from main_loop
        self.control = None  # desktop/control.ControlServer once start_control() ran
        removed = self.history.prune(time.time(), settings.history.keep_minutes_days)
        if removed:
            log.info("rolled %d minutes older than %d days into daily totals", removed,
                     settings.history.keep_minutes_days)

    # ------------------------------------------------------------------ notifications and UI
    def _tell(self, title: str, body: str) -> None:
        try:
            self.notifier.notify(title, body)
        except NotificationError as exc:
            log.warning("could not show a notification (%s): %s — %s", exc, title, body)
        print(f"fhp-monitor: {title}. {body}", file=sys.stderr)

    def _tell_once(self, key: str, title: str, body: str) -> None:
        """``_tell`` only the first time for this home (remembered in its state file)."""
        state = read_state(self.home)
        if not state.get(key):
            self._tell(title, body)
            write_state(self.home, {**state, key: True})

    def _on_snapshot(self, snapshot: StatusSnapshot) -> None:
        """Called on the worker thread: the tray is thread-safe; the Tk panel is updated via the queue."""
        self._last_snapshot = snapshot
        if self.control is not None:
            self.control.changed()
        if self.tray is not None:
            self.tray.show(snapshot, self.clock.now())
        self.post("_refresh")

    def start_ui(self) -> None:
        if self.args.no_tray or not self.settings.app.tray or not has_display():
            if not has_display():
                log.warning("No display: fhp-monitor keeps monitoring and uses notifications only.")
            return
        from fhp_monitor.desktop.tray import NO_TRAY_TEXT, NO_TRAY_TITLE, start_tray
        from fhp_monitor.gui import TK_MISSING_RUN, tell_tk_missing, tk_available

        self.windows.available = tk_available()  # found, not imported: the Tk root comes with a window
        if not self.windows.available:  # e.g. Debian's system Python without python3-tk: say what to install
            tell_tk_missing(TK_MISSING_RUN, self.notifier)
        # pystray's XEmbed tray grabs the X server while it docks: Tk connects first and keeps its root
        self.tray = start_tray(self.post, self.worker.snapshot(), self.clock.now(),
                               before_dock=self.windows.keep_root if self.windows.available else None)
        if self.windows.kept and (self.tray is None or self.tray.backend != "xembed"):
            self.windows.release_root()
        if self.tray is None:
            self._tell_once("told_no_tray", NO_TRAY_TITLE, NO_TRAY_TEXT)

    # ------------------------------------------------------------------ commands
    def post(self, command: str) -> None:
        """Any thread (tray, notification buttons, control socket, session watchers): queue a
        command for the main thread, which wakes at once and handles it in ``handle``."""
        self.commands.put(command)

    def handle(self, command: str) -> None:
        now = self.clock.now()
        if command not in ("_refresh", "_wake"):
            log.info("command: %s", command)
        if command in ("pause_15", "pause_60", "pause_tomorrow"):
            self.worker.pause(pause_until(command, now))
        elif command == "snooze_30":  # a nudge's button
            self.worker.pause(now + 30 * 60, PAUSE_SNOOZE)
        elif command == "pause_today":  # a nudge's button
            self.worker.pause(pause_until("pause_tomorrow", now), PAUSE_USER)
        elif command.startswith("pause_for:"):  # from `fhp-monitor pause 90s`: seconds, checked by the sender
            self.worker.pause(now + int(command.removeprefix("pause_for:")))
        elif command == "reload":
            self.reload_baseline()
        elif command == "resume":
            self.worker.resume()
        elif command == "quit":
            self.request_stop()
        elif command == "settings":
            from fhp_monitor.gui.settings_flow import show_settings

            show_settings(self.windows.root_for_window(), self.home, open_with_desktop, self._tell)
        elif command == "summary":
            self.show_summary()
        elif command == "recalibrate":
            self.recalibrate()
        elif command == "panel":
            self.show_panel()
        elif command == "_refresh":
            if self.panel is not None and self._last_snapshot is not None:
                self.panel.show(self._last_snapshot, now)
        elif command == "_wake":
            pass  # the worker ended or a stop was asked: the main loop looks at that next
        else:
            log.warning("unknown command %r", command)

    def start_control(self) -> None:
        """Listen for `fhp-monitor pause/resume/quit/status` and a second `fhp-monitor` (main thread)."""
        from fhp_monitor.control.server import ControlServer, instance_status

        server = ControlServer(self.home, self.post, lambda: {
            **instance_status(self._last_snapshot, self.worker.looks > 0), "window": self.windows.available})
        if server.start():
            self.control = server

    def reload_baseline(self) -> None:
        """A new calibration was saved (by `fhp-monitor calibrate`): use it; keep the old one if it is bad."""
        try:
            baseline = load_baseline(self.home.calibration)
        except CalibrationError as exc:  # keep monitoring against the baseline we had
            log.warning("kept the previous calibration: %s", exc)
            self._tell("Your new calibration could not be read", "I kept using the previous one.")
            return
        if baseline is None:
            log.warning("kept the previous calibration: %s is gone", self.home.calibration)
            return
        self.worker.send("baseline", baseline)
        log.info("calibration reloaded: upright reads %.1f degrees", baseline.cva_proxy_deg)

    def show_panel(self) -> None:
        root = self.windows.root_for_window()
        if root is None:
            return
        from fhp_monitor.gui.panel import ControlPanel

        if self.panel is None:
            import tkinter as tk

            window = tk.Toplevel(root)
            window.protocol("WM_DELETE_WINDOW", window.withdraw)  # closing hides it; the tray reopens it
            self.panel = ControlPanel(window, on_command=self.post)
        self.panel.show(self._last_snapshot or self.worker.snapshot(), self.clock.now())
        self.panel.raise_window()

    def _forget_panel(self) -> None:
        self.panel = None  # its root is being destroyed; the next "panel" builds it over a new one

    def show_summary(self) -> None:
        from fhp_monitor.core.summary import format_summary_text, local_date
        from fhp_monitor.store.chart import render_summary_chart
        from fhp_monitor.store.reports import daily_summary

        summary = daily_summary(self.history, local_date(self.clock.now()), self.clock.now())
        chart = render_summary_chart(summary, self.home.root / "summary-today.png", private=True)
        self._tell("Today's posture", format_summary_text(summary).splitlines()[0])
        open_with_desktop(chart)

    def recalibrate(self) -> None:
        """Pause, let the wizard have the camera in its own process, then use the new baseline."""
        self.worker.pause(None)
        command = [sys.executable, "-m", "fhp_monitor", "--home", str(self.home.root), "calibrate"]
        if self.args.source:
            command += ["--source", self.args.source]

        def wizard_then_resume() -> None:
            subprocess.run(command, check=False)
            self.post("reload")  # calibrate also sends "reload" itself; twice does no harm
            self.post("resume")

        threading.Thread(target=wizard_then_resume, name="fhp-recalibrate", daemon=True).start()

    # ------------------------------------------------------------------ periodic checks
    def poll(self) -> float:
        """Handle waiting commands and the checks that are due; returns seconds to the next check."""
        for command in self.commands.take_all():
            self.handle(command)
        real_now = time.monotonic()
        if real_now >= self._next_settings_poll:
            self._next_settings_poll = real_now + SETTINGS_POLL_S
            self.reload_settings()
            self.daily_summary_check()
        if real_now >= self._next_call_poll:
            self._next_call_poll = real_now + CALL_POLL_S
            self.video_call_check()
        return max(0.0, min(self._next_settings_poll, self._next_call_poll) - time.monotonic())

    def video_call_check(self) -> None:
        """Pause while a video-call app named in app.pause_for_apps runs; resume when it ends."""
        from fhp_monitor.desktop.calls import any_running

        app = any_running(self.settings.app.pause_for_apps)
        if app and self._paused_for_call is None:
            log.info("pausing while %s runs", app)
            self._paused_for_call = app
            self.worker.pause(None, PAUSE_CALL)
        elif not app and self._paused_for_call is not None:
            log.info("%s ended; resuming", self._paused_for_call)
            self._paused_for_call = None
            self.worker.resume(PAUSE_CALL)

    def reload_settings(self) -> None:
        result = self.watcher.poll()
        if isinstance(result, ConfigError):
            self._tell("Settings not changed", f"{result} The previous settings are still in use.")
        elif result is not None:
            if result.app.autostart != self.settings.app.autostart:  # only a change acts: the wizard may have set it
                from fhp_monitor.desktop.autostart import apply_autostart, command_for_home

                apply_autostart(result.app.autostart, command_for_home(self.home.root if self.home.chosen else None))
            self.settings = result
            self.worker.send("settings", result)
            if self.session is not None:
                self.session.settings_changed(result)  # e.g. the battery limit
            log.info("settings reloaded from %s", self.home.config)

    def daily_summary_check(self) -> None:
        from fhp_monitor.core.summary import local_date
        from fhp_monitor.store.reports import daily_summary

        state = read_state(self.home)
        last = state.get("last_summary_date")
        now = self.clock.now()
        try:
            due = daily_notification_due(now, self.settings.summary.daily_time,
                                         date.fromisoformat(last) if last else None, self.history.has_data,
                                         running_since=self.started_at)
            if due is None or (due == local_date(now) and not self.history.has_data(due)):
                return
            sentence = end_of_day_sentence(daily_summary(self.history, due, now))
            write_state(self.home, {**state, "last_summary_date": due.isoformat()})
        except (HistoryError, OSError) as exc:  # e.g. a full disk: say so once, monitoring goes on
            self.reporter.problem("summary", exc, "Today's summary could not be made",
                                  "fhp-monitor keeps monitoring and will try again later.")
            return
        self._tell("Your posture today" if due == local_date(now) else "Your posture yesterday", sentence)

    # ------------------------------------------------------------------ lifecycle
    def request_stop(self) -> None:
        """Any thread (signal handlers too): end the run; the worker and the main thread wake at once."""
        self.stop.set()
        self.worker.wake.set()
        self.commands.put("_wake")

    def pace(self, seconds: float) -> bool:
        """The worker's wait between looks; a command (pause, lock, quit) cuts it short."""
        if self.live:
            self.worker.wake.wait(seconds)
            self.worker.wake.clear()
            return self.stop.is_set()
        speed = self.args.speed
        if speed <= 0:
            return self.stop.is_set()
        started = time.monotonic()
        if self.worker.wake.wait(seconds / speed):  # a command, a lock or stop: act where the replay has got to
            self.worker.wake.clear()
            self.clock.t += min(seconds, (time.monotonic() - started) * speed)  # type: ignore[union-attr]
        return self.stop.is_set()

    def main_loop(self) -> int:
        from fhp_monitor.desktop.session import start_session_awareness

        self.session = start_session_awareness(  # before the first look: a locked screen pauses it
            self.worker, battery_below=self.settings.app.pause_on_battery_below)

        def supervised() -> None:
            try:
                self.gave_up = supervised_run(self.worker, self.stop, self.pace, self.reporter)
            finally:
                self.commands.put("_wake")  # the main loop notices the end at once

        worker_thread = threading.Thread(target=supervised, name="fhp-worker")
        worker_thread.start()

        def finished() -> bool:
            # With windows, a finished file source keeps the app up (summary, settings) unless --exit-at-end.
            ended = not worker_thread.is_alive() and (self.live or self.args.exit_at_end or not self.windows.available)
            return self.stop.is_set() or ended

        try:
            while not finished():
                if self.windows.root is not None:  # a window is open (or the XEmbed tray keeps the root)
                    self.windows.run(self.poll, finished)
                    continue
                next_check_s = self.poll()  # a command here may open a window: then Tk's loop, at once
                if self.windows.root is None and not finished():
                    self.commands.wait(next_check_s)
        finally:
            self.request_stop()
            worker_thread.join()
            self.shutdown()
        if self.worker.failure or self.gave_up:
            raise UserError(self.worker.failure or self.gave_up)
        if self.worker.ended and not self.args.exit_at_end:
            log.info("the source ended")
        return 0

    def shutdown(self) -> None:
        if self.control is not None:
            self.control.stop()
        if self.session is not None:
            self.session.stop()
        words = self.history.close()  # before the notifier closes, so these words can still be shown
        if words:
            self._tell("Posture history", words)
        if self.tray is not None:
            self.tray.stop()
        if hasattr(self.notifier, "close"):
            self.notifier.close()
        close_shared_loop()
        self.windows.close()
        self.estimator.close()


def apply_autostart_setting(home: Home, settings: Settings) -> None:
    """config.yaml wins at start: the login entry matches ``app.autostart`` (with --home if one was chosen)."""
    from fhp_monitor.desktop.autostart import apply_autostart, command_for_home

    apply_autostart(settings.app.autostart, command_for_home(home.root if home.chosen else None))


def run_app(args, home: Home, settings: Settings) -> int:
    lock = SingleInstance(home.lock)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        from fhp_monitor.control.client import open_running_panel

        line = open_running_panel(home)  # a second `fhp-monitor`: show the running one instead
        if line is not None:
            print(line)
            return 0
        raise UserError(str(exc)) from None
    try:
        if load_baseline(home.calibration) is None:
            first_run_calibration(args, home, settings)
            settings = load_settings(home.config)  # the wizard may have noted a choice there (autostart)
        apply_autostart_setting(home, settings)  # here, not in App: the demo's App must not touch the login entry
        app = App(args, home, settings)
        app.start_control()
        restore_signals = install_stop_signals(app.request_stop)
        try:
            app.start_ui()
            return app.main_loop()
        finally:
            restore_signals()
    finally:
        lock.release()


def first_run_calibration(args, home: Home, settings: Settings) -> None:
    """No calibration yet: open the wizard (on the same source) before monitoring begins."""
    from fhp_monitor.gui.calibration_flow import calibrate_with_window

    if not has_display():
        raise UserError("fhp-monitor is not calibrated yet and there is no screen for the calibration window: "
                        "run `fhp-monitor calibrate --no-gui` while sitting tall.")
    if calibrate_with_window(args.source, home, settings) is None:
        raise UserError("Calibration was cancelled, so monitoring has not started. Start fhp-monitor again when ready.")
