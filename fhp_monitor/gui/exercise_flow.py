"""The exercise window as one call, for ``fhp-monitor exercise`` (and the hookup for the tray and nudges).

While the window is open the fhp-monitor running in this home (if any) is paused, so no nudge comes
during the break and the camera is free; it is resumed when the window closes, unless the user had
paused it already. Done exercises go to the history (through the spool, like every record).
"""

from __future__ import annotations

import logging
import time
from datetime import date

from fhp_monitor.core.calibration import CalibrationError, body_of, load_baseline
from fhp_monitor.core.exercise_guide import plan, total_seconds
from fhp_monitor.core.i18n import _, ngettext
from fhp_monitor.errors import UserError
from fhp_monitor.home.state import read_state, write_state

log = logging.getLogger(__name__)

SAFETY_SEEN = "exercise_safety_seen"
NECK_ASKED_ON = "neck_checkin_day"  # the local day the neck check-in was last answered
#: The pause asked of the running monitor: the break's length and this much more (it is resumed at close).
PAUSE_SLACK_S = 120


def _baseline(home):
    try:
        return load_baseline(home.calibration)
    except CalibrationError as exc:  # the guide still works; the camera just cannot count
        log.warning("exercise: %s", exc)
        return None


def pause_running(home, seconds: float, say) -> bool:
    """Pause the instance running in ``home`` for ``seconds``; True when this call paused it."""
    from fhp_monitor.control import client as control

    status = control.query_status(home)
    if not status.get("running") or status.get("state") in ("paused", "starting"):
        return False
    try:
        control.request(home, {"cmd": "pause", "seconds": int(seconds)})
    except control.NotRunning:
        return False
    say(_("fhp-monitor is paused during the exercise."))
    return True


def resume_running(home, say) -> None:
    from fhp_monitor.control import client as control

    try:
        control.request(home, {"cmd": "resume"})
        say(_("fhp-monitor is watching again."))
    except control.NotRunning:
        pass


def exercise_with_window(home, settings, which: str | None, *, camera: bool = True, source: str | None = None,
                         say=None) -> int:
    """Open the guided exercise window and wait until it closes; returns the exit status (0).

    The window's steps go to the log (``gui.log_step``); ``say`` (default: the terminal and the log)
    gets the few lines meant for the person: the monitor paused and watching again, what was saved.
    """
    from fhp_monitor.gui import log_step, tell_tk_missing, tk_available

    if say is None:
        def say(line: str) -> None:
            print(line, flush=True)
            log_step(line)

    if not tk_available():
        raise UserError(tell_tk_missing(on_stderr=False))
    import tkinter

    from fhp_monitor.gui.exercise import ExerciseWindow
    from fhp_monitor.gui.exercise_feed import ReadingFeed
    from fhp_monitor.gui.host import collect_tk_garbage
    from fhp_monitor.sensing.pose import estimator_for
    from fhp_monitor.sensing.sources import source_for
    from fhp_monitor.store.spool import open_spooled_history

    baseline = _baseline(home)
    paused = pause_running(home, total_seconds(plan(which)) + PAUSE_SLACK_S, say)
    done: list = []
    result: list[str] = []
    neck: list[tuple[float, int]] = []
    feed = None
    if camera:
        feed = ReadingFeed(lambda: source_for(source, settings), lambda src: estimator_for(settings, src),
                           body_of(baseline), settings.detection.min_visibility)
    try:
        try:
            root = tkinter.Tk()
        except tkinter.TclError as exc:
            raise UserError(_("The exercise window needs a screen ({error}).").format(error=exc)) from None
        state = read_state(home)

        def safety_seen() -> None:
            if not state.get(SAFETY_SEEN):
                state[SAFETY_SEEN] = True
                write_state(home, state)

        today = date.today().isoformat()

        def neck_answer(score: int) -> None:
            neck.append((time.time(), score))
            state[NECK_ASKED_ON] = today
            write_state(home, state)

        ask = neck_answer if settings.summary.neck_checkin and state.get(NECK_ASKED_ON) != today else None
        ExerciseWindow(root, which, baseline, feed, show_safety=not state.get(SAFETY_SEEN), record=done.append,
                       on_close=result.append, on_safety_seen=safety_seen, on_step=log_step, ask_neck=ask)
        root.mainloop()
    finally:
        if feed is not None:
            feed.stop()
        collect_tk_garbage()
        if paused:
            resume_running(home, say)
    if done or neck:
        with open_spooled_history(home, announce=True) as history:
            for exercise in done:
                history.record_exercise(exercise)
            for at, score in neck:
                history.record_neck(at, score)
        if done:
            saved = ngettext("Saved {n} exercise in your history.", "Saved {n} exercises in your history.", len(done))
            say(saved.format(n=len(done)))
    return 0


def start_exercise_process(home, source: str | None = None, which: str | None = None, popen=None):
    """For the running app (tray menu "Do a 1-minute exercise", a nudge's button): open the window in its
    own ``fhp-monitor exercise`` process, as "recalibrate" does with the wizard. That process pauses this
    instance through the control socket (so no nudge comes and the camera is free), counts with the camera,
    saves what was done and resumes it when the window closes. Returns the Popen; never waits for it.
    Any thread.
    """
    import subprocess
    import threading

    from fhp_monitor.desktop.menu import own_command  # also the frozen Windows exe, which has no "python -m"

    command = own_command("--home", str(home.root), "exercise")
    if which:
        command.append(which)
    if source:
        command += ["--source", source, "--window"]
    process = (popen or subprocess.Popen)(command, stdout=subprocess.DEVNULL)
    threading.Thread(target=process.wait, name="fhp-exercise", daemon=True).start()  # reaped when it ends
    return process
