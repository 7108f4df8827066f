"""The commands that read frames: ``replay`` (a verdict per frame, the same path as the live monitor)
and ``calibrate`` (the window, or ``--no-gui`` on a file source).
"""

from __future__ import annotations

import json
import sys
import time

from fhp_monitor.core.calibration import fit_from_readings, load_baseline, verdict_of
from fhp_monitor.core.geometry import read_posture
from fhp_monitor.core.i18n import N_, _, ngettext, number
from fhp_monitor.core.ports import PostureState, pose_for
from fhp_monitor.core.signals import judged_from_words
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home
from fhp_monitor.sensing.pose import estimator_for
from fhp_monitor.settings.schema import Settings
from fhp_monitor.store.setups import read_book, remember
from fhp_monitor.store.spool import record_calibration


def cmd_replay(args, home: Home, settings: Settings) -> int:
    """Judge every frame of a source as the monitor judges its looks (monitor/verdict.py), so a
    frame gets the same verdict replayed as live: too dark, camera moved, forward or upright."""
    from fhp_monitor.monitor.verdict import FrameJudge
    from fhp_monitor.sensing.landmarks_csv import recorder_for
    from fhp_monitor.sensing.sources import source_for  # cv2 only for the commands that read pictures

    baseline = load_baseline(home.calibration)
    source = source_for(args.source, settings)
    source.open()
    recorder = recorder_for(args.landmarks_out, source)
    duration = source.duration_s or 0.0
    show_progress = not args.json and duration > 50 and sys.stderr.isatty()
    if not args.json:
        print(f"{'frame':>6} {'t (s)':>8} {'angle (°)':>10} {'view':>6}  result")
    with estimator_for(settings, source) as estimator:
        judge = FrameJudge(estimator, baseline, min_visibility=settings.detection.min_visibility,
                           sensitivity_deg=settings.detection.sensitivity_deg)
        try:
            count, verdicts = 0, {}
            while (frame := source.read()) is not None:
                verdict = judge.judge(frame, frame.t)  # the source's timeline times the camera-moved watch
                if recorder is not None:
                    recorder.write(frame, verdict.pose if verdict.pose is not None else pose_for(frame, estimator))
                used = () if verdict.reading is None else verdict_of(
                    judge.baseline, verdict.reading, settings.detection.sensitivity_deg).used
                forward = print_verdict(frame, verdict, args.json, used)
                count += 1
                verdicts[forward] = verdicts.get(forward, 0) + 1
                if show_progress:
                    done = int(30 * min(frame.t / duration, 1.0))
                    bar = f"[{'#' * done}{'.' * (30 - done)}] {frame.t:.0f}/{duration:.0f} s"
                    print(f"\r{bar}", end="", file=sys.stderr)
        finally:
            source.release()
            if recorder is not None:
                recorder.close()
    if show_progress:
        print(file=sys.stderr)
    if not args.json:
        print(replay_total(count, verdicts))
    sys.stdout.flush()
    return 0

def print_verdict(frame, verdict, as_json: bool, used: tuple[str, ...] = ()) -> bool | None:
    """One replayed frame: a JSON object, or a line of the table. Returns whether the head was
    forward (None: no verdict). ``used``: the signals the verdict was made from (core/signals.py);
    the JSON row's ``signals`` is [] when there is no verdict."""
    observation, reading = verdict.observation, verdict.reading
    forward = {PostureState.FORWARD: True, PostureState.UPRIGHT: False}.get(observation.state)
    proxy = None if reading is None else reading.cva_proxy_deg
    view = None if reading is None else reading.view
    if as_json:
        print(json.dumps({"frame": frame.index, "source": frame.source, "t": round(frame.t, 3),
                          "cva_proxy_deg": None if proxy is None else round(proxy, 2), "forward": forward,
                          "view": view, "state": observation.state.value, "reason": observation.detail or None,
                          "signals": list(used) if forward is not None else []}),
              flush=False)
        return forward
    words = _({True: N_("head forward"), False: N_("upright")}.get(forward) or observation.detail
              or observation.state.value)
    if forward is not None and observation.detail:  # judged from the signals a failed check left
        words = f"{words} ({judged_from_words(reading.reason if reading else None, used) or _(observation.detail)})"
    shown = "-" if proxy is None else f"{proxy:.1f}"
    print(f"{frame.index:>6} {frame.t:>8.2f} {shown:>10} {view or '-':>6}  {words}")
    return forward

def replay_total(count: int, verdicts: dict) -> str:
    """The line under a replay's table: how many frames, and how they were judged."""
    if not count:
        return _("No frames were judged.")
    parts = [_("{n} upright").format(n=verdicts.get(False, 0)), _("{n} head forward").format(n=verdicts.get(True, 0))]
    if verdicts.get(None):
        parts.append(_("{n} without a verdict").format(n=verdicts[None]))
    frames = ngettext("{n} frame", "{n} frames", count).format(n=count)
    return _("In all: {frames}, {verdicts}.").format(frames=frames, verdicts=", ".join(parts))

def cmd_calibrate(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.gui.calibration_flow import calibrate_with_window
    from fhp_monitor.sensing.sources import source_for

    if not args.no_gui:
        baseline = calibrate_with_window(args.source, home, settings)
        if baseline is None:
            print(_("Calibration cancelled; nothing was changed."), file=sys.stderr)
            return 1
        print(_("Calibrated: your upright posture reads {degrees} degrees.").format(
            degrees=number(baseline.cva_proxy_deg, 1)))
        tell_running_instance(home)
        return 0
    frames = settings.calibration.frames if args.frames is None else args.frames
    if not settings.calibration.min_frames <= frames <= 1000:
        raise UserError(_("--frames must be a whole number from {low} (calibration.min_frames) to 1000 "
                          "(got {frames}).").format(low=settings.calibration.min_frames, frames=frames))
    baseline, read = calibrate_from_frames(source_for(args.source, settings), settings, home, frames, args.setup)
    print(_("Calibrated from {used} of {frames} frames: your upright posture reads {degrees} degrees "
            "({view} view).").format(used=baseline.samples, frames=read,
                                     degrees=number(baseline.cva_proxy_deg, 1), view=baseline.view))
    book = read_book(home)
    if len(book.setups) > 1:  # one place only: nothing to tell apart
        print(_("Saved as the setup \u201c{name}\u201d (fhp-monitor setups lists them).").format(name=book.active))
    tell_running_instance(home)
    return 0

def calibrate_from_frames(source, settings: Settings, home: Home, frames: int, setup: str | None = None):
    """The first ``frames`` frames of ``source`` are sitting tall: fit, save (as ``setup``, or the setup
    whose picture it fits, store/setups.remember) and record the calibration (``calibrate --no-gui``, and
    the demo's recorded person); returns it and how many frames were read."""
    readings = []
    with estimator_for(settings, source) as estimator:  # a landmark recording needs no model
        source.open()
        try:
            while len(readings) < frames and (frame := source.read()) is not None:
                readings.append(read_posture(pose_for(frame, estimator), settings.detection.min_visibility))
        finally:
            source.release()
    baseline = fit_from_readings(readings, now=time.time(), sensitivity_deg=settings.detection.sensitivity_deg,
                                 min_samples=settings.calibration.min_frames)
    try:
        remember(home, baseline, setup)
    except ValueError as exc:  # a bad name, or the list is full: one plain line
        raise UserError(str(exc)) from None
    record_calibration(home, baseline)
    return baseline, len(readings)


def tell_running_instance(home: Home) -> None:
    """A new calibration is saved: the instance running in this home (if any) switches to it."""
    from fhp_monitor.control.client import reload_running

    line = reload_running(home)
    if line is not None:
        print(line)
