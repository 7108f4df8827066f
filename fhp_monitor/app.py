"""Composition root for ``fhp-monitor run``: builds the adapters from the settings and wires them.

Threads:
* main thread: the UI host. It sleeps on a CommandInbox (a self-pipe) that commands ring, waking for the rare checks
  below. While a window (control panel, settings) is open it runs Tk's loop over a hidden root made for it, watching
  the same pipe (gui/host.py: the root is made on demand and destroyed when the last window closes).
* ``fhp-worker``: the MonitorWorker (camera, pose model, decisions, history writes).
* ``fhp-dbus`` (StatusNotifierItem tray, notifications) or ``fhp-tray`` (pystray, XEmbed): their clicks are queued
  to the main thread with ``post`` as commands of core/commands.py, ``handle`` dispatches them through ``HANDLERS``.
The main thread also checks config.yaml's modification time every SETTINGS_POLL_S (hand edits apply without a
restart; a bad edit is reported once, the previous settings kept; a save in the settings window applies at once
through the same check), shows the end-of-day summary when it is due, scans for video-call apps every CALL_POLL_S.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from fhp_monitor.core.calibration import CalibrationError, load_baseline
from fhp_monitor.core.commands import INTERNAL, REFRESH, RELOAD, RESUME, WAKE, Command, Verb
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import HistoryError, NotificationError, StatusSnapshot
from fhp_monitor.desktop import has_display
from fhp_monitor.desktop.autostart import apply_autostart, command_for_home
from fhp_monitor.desktop.bus import close_shared_loop
from fhp_monitor.desktop.calls import CallPause
from fhp_monitor.desktop.menu import apply_menu_setting, own_command  # own_command: also frozen (no "python -m")
from fhp_monitor.desktop.opener import open_with_desktop
from fhp_monitor.desktop.speech import speaker_for
from fhp_monitor.desktop.tray import NO_TRAY_TEXT, NO_TRAY_TITLE, redraw_tray, start_tray, use_outlined_icons
from fhp_monitor.errors import UserError
from fhp_monitor.gui.exercise_flow import start_exercise_process
from fhp_monitor.gui.host import WindowHost
from fhp_monitor.home.folder import Home
from fhp_monitor.home.instance_lock import AlreadyRunning, SingleInstance
from fhp_monitor.home.state import read_state, write_state
from fhp_monitor.i18n import activate
from fhp_monitor.monitor.clocks import ReplayClock, SystemClock, replay_start
from fhp_monitor.monitor.supervise import Reporter, install_stop_signals, supervised_run
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.process.inbox import CommandInbox
from fhp_monitor.settings.file import SettingsWatcher, load_settings
from fhp_monitor.settings.schema import ConfigError, Settings

log = logging.getLogger(__name__)

SETTINGS_POLL_S = 15.0  # a stat() of config.yaml, and whether the daily summary is due
CALL_POLL_S = 45.0  # a scan of /proc for video-call apps


class App:
    """Owns every adapter for one ``run``; ``main_loop`` returns the exit status."""

    def __init__(self, args, home: Home, settings: Settings) -> None:
        from fhp_monitor.desktop.notify import notifier_for
        from fhp_monitor.sensing.detector_process import sensing_for
        from fhp_monitor.store.setups import SetupFiles
        from fhp_monitor.store.spool import open_spooled_history

        self.args, self.home, self.settings = args, home, settings
        self.commands = CommandInbox()
        self.stop = threading.Event()
        self.notifier = notifier_for(on_action=self.post)  # a nudge's buttons (core.commands.NUDGE_BUTTONS)
        self.reporter = Reporter(self._tell)
        self.gave_up: str | None = None
        self.history = open_spooled_history(home, tell=lambda _kind, words: self._tell(_("Posture history"), words))
        if self.history.recovered_from is not None:
            self._tell(_("Your posture history file was damaged"),
                       _("We kept it as {name} and started a fresh one.").format(
                           name=self.history.recovered_from.name))
        # A camera and the pose model live in a child process (sensing/detector_process.py)
        self.source, self.estimator = sensing_for(args.source, settings)
        self.live = self.source.live
        self.clock = SystemClock() if self.live else ReplayClock(replay_start(args.start))
        self.started_at = self.clock.now()  # a summary never greets a fresh start (core/summary.py)
        self.worker = MonitorWorker(
            source=self.source, estimator=self.estimator, clock=self.clock, settings=settings, setups=SetupFiles(home),
            baseline=load_baseline(home.calibration), notifier=self.notifier, history=self.history,
            on_snapshot=self._on_snapshot, keep_after_end=not self.live and not args.exit_at_end,
            speaker=speaker_for())  # a nudge shown is also said aloud when nudges.speak is on (desktop/speech)
        if hasattr(self.estimator, "on_lost"):  # the detector's process died: look now, so it restarts soon
            self.estimator.on_lost = self.worker.look_now
        self.watcher = SettingsWatcher(home.config, settings)
        self.tray = None
        self.windows = WindowHost(self.commands)  # the Tk root and the control panel, on demand
        self.windows.use_display(settings.display)  # text size and colours of the windows made from now on
        self._next_settings_poll = 0.0
        self._next_call_poll = 0.0
        self.calls = CallPause(self.worker)
        self._last_snapshot: StatusSnapshot | None = None
        self.session = None  # screen lock, sleep and input idle (desktop/session.py), from main_loop
        self.control = None  # desktop/control.ControlServer once start_control() ran
        removed = self.history.prune(time.time(), keep := settings.history.keep_minutes_days)
        if removed:
            log.info("rolled %d minutes older than %d days into daily totals", removed, keep)

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
        self.post(REFRESH)

    def start_ui(self) -> None:
        if self.args.no_tray or not self.settings.app.tray or not has_display():
            if not has_display():
                log.warning("No display: fhp-monitor keeps monitoring and uses notifications only.")
            return
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
            self._tell_once("told_no_tray", _(NO_TRAY_TITLE), _(NO_TRAY_TEXT))

    # ------------------------------------------------------------------ commands
    def post(self, command: Command) -> None:
        """Any thread (tray, notification buttons, control socket, session watchers): queue a
        command for the main thread, which wakes at once and handles it in ``handle``."""
        self.commands.put(command)

    def handle(self, command: Command) -> None:
        if command.verb not in INTERNAL:
            log.info("command: %s", command)
        self.HANDLERS[command.verb](self, command)

    #: One handler per verb of core/commands.py (tests/app/test_command_wiring.py checks none is missing).
    HANDLERS: dict[Verb, Callable[[App, Command], object]] = {
        Verb.PAUSE: lambda app, command: app.worker.pause(command.pause_ends(app.clock.now()), command.reason),
        Verb.RESUME: lambda app, _: app.worker.resume(),
        Verb.RELOAD: lambda app, _: app.reload_baseline(),
        Verb.QUIT: lambda app, _: app.request_stop(),
        Verb.SETTINGS: lambda app, _: app.show_settings(),
        Verb.SUMMARY: lambda app, _: app.show_summary(),
        Verb.REPORT: lambda app, _: app.print_report(),
        Verb.RECALIBRATE: lambda app, _: app.recalibrate(),
        Verb.EXERCISE: lambda app, _: start_exercise_process(app.home, app.args.source),  # pauses this one itself
        Verb.PANEL: lambda app, _: app.windows.show_panel(app.post, app._last_snapshot or app.worker.snapshot(),
                                                          app.clock.now()),
        Verb.REFRESH: lambda app, _: app.windows.refresh_panel(app._last_snapshot, app.clock.now()),
        Verb.WAKE: lambda app, _: None,  # the worker ended or a stop was asked: the main loop looks at that next
    }

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
            self._tell(_("Your new calibration could not be read"), _("I kept using the previous one."))
            return
        if baseline is None:
            log.warning("kept the previous calibration: %s is gone", self.home.calibration)
            return
        self.worker.send("baseline", baseline)
        log.info("calibration reloaded: upright reads %.1f degrees", baseline.cva_proxy_deg)

    def show_settings(self) -> None:
        from fhp_monitor.gui.settings_flow import show_settings

        show_settings(self.windows.root_for_window(), self.home, open_with_desktop, self._tell,
                      on_saved=self.reload_settings)  # at once: the worker has them within a second

    def show_summary(self) -> None:
        from fhp_monitor.store.reports import summary_chart

        line, chart = summary_chart(self.history, self.home.root, self.clock.now())
        self._tell(_("Today's posture"), line)
        open_with_desktop(chart)

    def print_report(self) -> threading.Thread:
        """The one-page PDF of the last four weeks for a physiotherapist (`fhp-monitor report`), made in its
        own process so matplotlib never loads into this one, then opened in the PDF viewer."""
        out = self.home.root / "posture-report.pdf"
        command = own_command("--home", str(self.home.root), "report", "--out", str(out))

        def make_then_open() -> None:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode == 0:
                open_with_desktop(out)
            else:
                log.warning("report: %s", done.stderr.strip())
                self._tell(_("The report could not be made"), done.stderr.strip().removeprefix("fhp-monitor: "))

        worker = threading.Thread(target=make_then_open, name="fhp-report", daemon=True)
        worker.start()
        return worker

    def recalibrate(self) -> None:
        """Pause, let the wizard have the camera in its own process, then use the new baseline."""
        self.worker.pause(None)
        command = own_command("--home", str(self.home.root), "calibrate")
        if self.args.source:
            command += ["--source", self.args.source]

        def wizard_then_resume() -> None:
            subprocess.run(command, check=False)
            self.post(RELOAD)  # calibrate also sends "reload" itself; twice does no harm
            self.post(RESUME)

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
            self.calls.check(self.settings.app.pause_for_apps)  # pause during a video call
        return max(0.0, min(self._next_settings_poll, self._next_call_poll) - time.monotonic())

    def reload_settings(self) -> None:
        result = self.watcher.poll()
        if isinstance(result, ConfigError):
            self._tell(_("Settings not changed"), f"{result} " + _("The previous settings are still in use."))
        elif result is not None:
            if result.app.autostart != self.settings.app.autostart:  # only a change acts: the wizard may have set it
                apply_autostart(result.app.autostart, command_for_home(self.home.root if self.home.chosen else None))
            if result.app.menu_entry != self.settings.app.menu_entry:
                apply_menu_setting(result.app.menu_entry, self.home.root if self.home.chosen else None)
            if result.display.language != self.settings.display.language:
                log.info("language: %s", activate(result.display.language))
                if self.tray is not None:
                    self.tray.relabel()  # the menu and tooltip in the new words, within a second
            self.settings = result
            self.windows.use_display(result.display)  # an open control panel is built again in new colours or size
            if use_outlined_icons(result.display.theme == "high_contrast") and self.tray is not None:  # the icon set
                self.tray = redraw_tray(self.tray, self.post, self._last_snapshot, self.clock.now())
            self.worker.send("settings", result)
            if self.session is not None:
                self.session.settings_changed(result)  # e.g. the battery limit
            log.info("settings reloaded from %s", self.home.config)

    def daily_summary_check(self) -> None:
        from fhp_monitor.core.summary import local_date
        from fhp_monitor.store.reports import due_summary

        state = read_state(self.home)
        now = self.clock.now()
        try:
            found = due_summary(self.history, self.settings.summary.daily_time, state.get("last_summary_date"), now,
                                self.started_at)
            if found is None:
                return
            due, sentence = found
            write_state(self.home, {**state, "last_summary_date": due.isoformat()})
        except (HistoryError, OSError) as exc:  # e.g. a full disk: say so once, monitoring goes on
            self.reporter.problem("summary", exc, _("Today's summary could not be made"),
                                  _("fhp-monitor keeps monitoring and will try again later."))
            return
        self._tell(_("Your posture today") if due == local_date(now) else _("Your posture yesterday"), sentence)

    # ------------------------------------------------------------------ lifecycle
    def request_stop(self) -> None:
        """Any thread (signal handlers too): end the run; the worker and the main thread wake at once."""
        self.stop.set()
        self.worker.wake.set()
        self.commands.put(WAKE)

    def pace(self, seconds: float) -> float:
        """The worker's wait between looks (worker thread): ``seconds`` of the source's timeline, cut short by a command
        (pause, lock, quit); returns the timeline seconds that passed (the worker moves a replay's clock by them)."""
        speed = 1.0 if self.live or self.worker.ended else self.args.speed  # a recording ended: as for a camera
        if speed <= 0:
            return seconds
        started = time.monotonic()
        if self.worker.wake.wait(seconds / speed):  # a command, a lock or stop: act where the replay has got to
            self.worker.wake.clear()
            return min(seconds, (time.monotonic() - started) * speed)
        return seconds

    def main_loop(self) -> int:
        from fhp_monitor.desktop.session import start_session_awareness
        from fhp_monitor.sensing.code_pages import release_startup_code

        self.session = start_session_awareness(  # before the first look: a locked screen pauses it
            self.worker, battery_below=self.settings.app.pause_on_battery_below)
        release_startup_code()  # start-up is over: its clean read-only file pages go back (sensing/code_pages.py)

        def supervised() -> None:
            try:
                self.gave_up = supervised_run(self.worker, self.stop, self.pace, self.reporter)
            finally:
                self.commands.put(WAKE)  # the main loop notices the end at once

        worker_thread = threading.Thread(target=supervised, name="fhp-worker")
        worker_thread.start()

        def finished() -> bool:
            # An ended recording keeps the worker taking commands until Quit, unless --exit-at-end.
            return self.stop.is_set() or not worker_thread.is_alive()

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
        return 0

    def shutdown(self) -> None:
        if self.control is not None:
            self.control.stop()
        if self.session is not None:
            self.session.stop()
        words = self.history.close()  # before the notifier closes, so these words can still be shown
        if words:
            self._tell(_("Posture history"), words)
        if self.tray is not None:
            self.tray.stop()
        if hasattr(self.notifier, "close"):
            self.notifier.close()
        self.worker.speaker.close()  # a sentence still being said stops with the app
        close_shared_loop()
        self.windows.close()
        self.estimator.close()


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
        if load_baseline(home.calibration) is None:  # open the wizard (same source) before monitoring begins
            from fhp_monitor.gui.calibration_flow import first_run_calibration

            first_run_calibration(args.source, home, settings)
            settings = load_settings(home.config)  # the wizard may have noted a choice there (autostart)
        # config.yaml wins at start (with --home if chosen); here, not in App, so the demo leaves it alone
        apply_autostart(settings.app.autostart, command_for_home(home.root if home.chosen else None))
        apply_menu_setting(settings.app.menu_entry, home.root if home.chosen else None, at_start=True)  # the menu too
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
