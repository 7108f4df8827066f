"""``fhp-monitor demo``: a two-minute guided tour without a camera.

The real app (App from app.py: the tray, real reminders through the desktop's notification
service, the history, a summary) plays a landmark recording shipped in the package
(resources/demo-recording.csv: 20 minutes of one person at a desk, numbers only; see
tools/build_demo_recording.py and resources/LICENSE.demo-recording) ten times faster. Everything
happens in a scratch home made for the tour and removed after it: the user's own settings,
calibration, history and login entry are never touched (App leaves autostart to run_app; the tour
never calls it). The terminal tells what to look at while it plays: the calibration, each change the
tray shows, the reminder, and at the end the day's summary.

Threads are App's: the narration lines come from the worker thread (snapshots, the reminder) and
the main thread (start, end); ``print`` with flush keeps each line whole.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path

from fhp_monitor.app import App
from fhp_monitor.cli.frames import calibrate_from_frames
from fhp_monitor.core.i18n import N_, _, ngettext
from fhp_monitor.core.ports import NOTIFY_NUDGE, NotificationError, PostureState, StatusSnapshot
from fhp_monitor.core.summary import format_summary_text, local_date
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home, ensure_config
from fhp_monitor.home.instance_lock import SingleInstance
from fhp_monitor.home.log import setup_logging, stop_logging
from fhp_monitor.monitor.supervise import install_stop_signals
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource
from fhp_monitor.settings.edit import save_changes

log = logging.getLogger(__name__)

RECORDING = "demo-recording.csv"
RECORDING_MINUTES = 20
DEFAULT_SPEED = 10.0
MIN_SPEED, MAX_SPEED = 1.0, 1000.0
#: The tour's own settings, short enough that a reminder comes early in the two minutes; nothing
#: that could act outside the tour (no pause for video calls, no end-of-day summary, no autostart).
DEMO_SETTINGS = {
    ("nudges", "onset_delay_s"): 30.0,
    ("nudges", "quiet_hours"): "",
    ("summary", "daily_time"): "",
    ("app", "pause_for_apps"): [],
    ("app", "autostart"): False,
    ("app", "pause_on_battery_below"): 0,
}
STATE_LINES = {
    PostureState.UPRIGHT: N_("Sitting tall: the icon in your tray is calm teal with an upright bar."),
    PostureState.FORWARD: N_("The head is drifting forward: the icon turns amber. A reminder comes only if it "
                             "stays forward for a while, never for a quick glance at the keyboard."),
    PostureState.AWAY: N_("Nobody in view: fhp-monitor waits and looks less often."),
    PostureState.PAUSED: N_("Paused: no reminders until you resume (tray menu, Resume)."),
}


def recording_path() -> Path:
    return Path(str(resources.files("fhp_monitor.resources") / RECORDING))


class DemoApp(App):
    """App that narrates on the terminal what the tray and the reminders show, and ends with the summary."""

    def __init__(self, args, home: Home, settings, say: Callable[[str], None]) -> None:
        super().__init__(args, home, settings)
        self.say = say
        self._said_state: PostureState | None = None
        self.worker.notifier = _NarratedNotifier(self.worker.notifier, self._reminded)

    def _clock_words(self) -> str:
        minutes, seconds = divmod(int(self.clock.now() - self.clock.start), 60)  # type: ignore[attr-defined]
        return _("[minute {time}]").format(time=f"{minutes:>2}:{seconds:02d}")

    def _on_snapshot(self, snapshot: StatusSnapshot) -> None:
        super()._on_snapshot(snapshot)
        if snapshot.state != self._said_state and snapshot.state in STATE_LINES:
            self._said_state = snapshot.state
            self.say(f"{self._clock_words()} {_(STATE_LINES[snapshot.state])}")

    def _reminded(self, title: str, body: str) -> None:
        self.say(f"{self._clock_words()} " + _("A reminder appeared on your screen: \u201c{title}\u201d. "
                                               "It leaves by itself; its buttons snooze or pause.").format(title=title))

    def reload_settings(self) -> None:
        """The tour keeps its own settings (a change made in its Settings window goes with its scratch home)."""

    def daily_summary_check(self) -> None:
        """No end-of-day notification inside the tour: its summary comes at the end."""

    def shutdown(self) -> None:
        if self.worker.ended and not self.worker.failure:
            self.finish_tour()
        super().shutdown()

    def finish_tour(self) -> None:
        from fhp_monitor.store.reports import daily_summary

        now = self.clock.now()
        summary = daily_summary(self.history, local_date(self.clock.start), now)  # type: ignore[attr-defined]
        text = format_summary_text(summary)
        self.say("")
        self.say(_("The recording has ended. Here is the summary fhp-monitor gives for such a day "
                   "(also shown as a notification, and as a chart from the tray's \"{item}\"):").format(
                       item=_("Today's summary")))
        self.say("")
        self.say(text)
        try:
            self.notifier.notify(_("Your posture in the demo"), text.splitlines()[0])
        except NotificationError as exc:  # the summary is on the terminal anyway
            log.warning("could not show the demo's summary as a notification: %s", exc)


class _NarratedNotifier:
    """The worker's notifier, telling the tour about each reminder it shows (worker thread)."""

    def __init__(self, inner, on_nudge: Callable[[str, str], None]) -> None:
        self.inner, self.on_nudge = inner, on_nudge

    def notify(self, title: str, body: str, **kwargs) -> None:
        self.inner.notify(title, body, **kwargs)
        if kwargs.get("kind") == NOTIFY_NUDGE:
            self.on_nudge(title, body)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def check_speed(speed: float) -> float:
    if MIN_SPEED <= speed <= MAX_SPEED:  # False for nan
        return speed
    raise UserError(_("--speed must be a number from {low} to {high} (got {value}).").format(
        low=f"{MIN_SPEED:g}", high=f"{MAX_SPEED:g}", value=repr(speed)))


def calibrate_on_recording(home: Home, settings, recording: Path):
    """The recorded person's first rows are sitting tall: they are the tour's calibration."""
    baseline, _read = calibrate_from_frames(LandmarkCsvSource(recording), settings, home, settings.calibration.frames)
    return baseline


def run_demo(args, say: Callable[[str], None] | None = None) -> int:
    """``fhp-monitor demo [--speed N]``: the tour in a scratch home; 0 when it played to the end."""
    say = say or (lambda line: print(line, flush=True))
    speed = check_speed(args.speed)
    with tempfile.TemporaryDirectory(prefix="fhp-monitor-demo-") as scratch:
        home = Home.locate(scratch, {})
        try:
            setup_logging(home, args.verbose)
            ensure_config(home)
            settings = save_changes(home.config, DEMO_SETTINGS)
            return _tour(home, settings, speed, say)
        finally:
            stop_logging()


def _tour(home: Home, settings, speed: float, say: Callable[[str], None]) -> int:
    recording = recording_path()
    length_s = RECORDING_MINUTES * 60 / speed
    say(_("fhp-monitor demo: {minutes} minutes of one person at a desk, recorded as numbers (no "
          "pictures), played {speed} times faster: about {length}.").format(
              minutes=RECORDING_MINUTES, speed=f"{speed:g}", length=_length_words(length_s)))
    say(_("Watch the fhp-monitor icon in your tray and the reminders. Your own settings and history are not "
          "touched. Press Ctrl+C (or Quit in the tray menu) to stop early."))
    baseline = calibrate_on_recording(home, settings, recording)
    say(_("First the calibration: the person sat tall for a moment, and that posture ({degrees} "
          "degrees between ears and shoulders) is the one to aim for. Your own calibration works the same way.").format(
              degrees=f"{baseline.cva_proxy_deg:.0f}"))
    now = time.time()
    midnight = datetime.combine(datetime.now().date(), datetime.min.time()).timestamp()
    start = max(now - RECORDING_MINUTES * 60, midnight + 1)  # the recorded day ends about now, today
    args = argparse.Namespace(source=str(recording), speed=speed, exit_at_end=True, no_tray=False,
                              start=datetime.fromtimestamp(start).isoformat(timespec="seconds"))
    lock = SingleInstance(home.lock)
    lock.acquire()
    try:
        app = DemoApp(args, home, settings, say)
        restore_signals = install_stop_signals(app.request_stop)
        try:
            app.start_ui()
            status = app.main_loop()
        finally:
            restore_signals()
    finally:
        lock.release()
    if app.worker.ended:
        say("")
        say(_("That was the demo. To start with your own camera, type: fhp-monitor"))
    else:
        say(_("The demo was stopped before the end. `fhp-monitor demo` plays it again."))
    return status


def _length_words(seconds: float) -> str:
    if seconds < 90:
        count = round(seconds)
        return ngettext("{count} second", "{count} seconds", count).format(count=count)
    count = round(seconds / 60)
    return ngettext("{count} minute", "{count} minutes", count).format(count=count)

