"""Command line: ``fhp-monitor [--home DIR] [run|demo|calibrate|replay|status|summary|export|pause|resume|quit]``.

Plain ``fhp-monitor`` is ``fhp-monitor run``. Errors a user can fix are printed as one plain
sentence on stderr with exit status 2; nothing here prints a traceback for them. ``pause``,
``resume`` and ``quit`` talk to the instance running in the home (desktop/control.py); with none
running they say so in one line and exit with status 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path

from fhp_monitor import __version__
from fhp_monitor.core.calibration import CalibrationError, fit_from_readings, load_baseline, save_baseline
from fhp_monitor.core.geometry import read_posture
from fhp_monitor.core.i18n import N_, _, ngettext, number
from fhp_monitor.core.ports import HistoryError, ModelError, PostureState, SourceUnavailable, pose_for
from fhp_monitor.errors import EXIT_NOT_RUNNING, EXIT_USER_ERROR, UserError
from fhp_monitor.home.folder import Home, HomeError, ensure_config
from fhp_monitor.home.log import setup_logging
from fhp_monitor.i18n import activate as activate_language
from fhp_monitor.sensing.pose import estimator_for
from fhp_monitor.settings.file import load_settings
from fhp_monitor.settings.schema import ConfigError, Settings
from fhp_monitor.store.spool import open_spooled_history, record_calibration

HOME_HELP = ("folder for settings, calibration and history, and for the log when chosen (default: "
             "$FHP_MONITOR_HOME or your user data folder; `fhp-monitor status` shows where)")  # not translated
JSON_HELP = "print it as one line of JSON, for other programs"  # not translated: argparse help


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fhp-monitor", description="Notices when your head drifts forward.",
                                     epilog="Without a command, fhp-monitor starts monitoring (run). "
                                     "`fhp-monitor demo` shows what it does without a camera.")
    parser.add_argument("--home", help=HOME_HELP)
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    parser.add_argument("--version", action="version", version=f"fhp-monitor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="monitor in the background with a tray icon (the default)")
    run.add_argument("--source", help="camera number, video file, image folder or landmark recording .csv "
                     "(default: the camera)")
    run.add_argument("--speed", type=float, default=1.0, help="replay speed for a file source; 0 = as fast as possible")
    run.add_argument("--start", help="for a file source: the date and time the recording starts (ISO, default now)")
    run.add_argument("--exit-at-end", action="store_true", help="quit when a file source ends")
    run.add_argument("--no-tray", action="store_true", help="do not show a tray icon")

    demo = sub.add_parser("demo", help="a two-minute tour without a camera: a recorded person, the tray icon, "
                          "a reminder and a summary (your own history is not touched)")
    demo.add_argument("--speed", type=float, default=10.0,
                      help="how fast the recorded 20 minutes play (10, the default, takes two minutes)")
    demo.set_defaults(uses_home=False)  # a scratch folder of its own: --home would mean nothing here

    cal = sub.add_parser("calibrate", help="record your upright posture")
    cal.add_argument("--source", help="camera number, video file, image folder or landmark recording .csv "
                     "(default: the camera)")
    cal.add_argument("--no-gui", action="store_true", help="no window: treat the source's frames as upright")
    cal.add_argument("--frames", type=int, help="frames to use with --no-gui (default from config.yaml)")

    rep = sub.add_parser("replay", help="judge your posture in every frame of a video, image folder, landmark "
                         "recording or camera, one line per frame")
    rep.add_argument("source", help="video file, image folder/glob, camera number or landmark recording (.csv)")
    rep.add_argument("--json", action="store_true", help="one JSON object per frame on stdout")
    rep.add_argument("--landmarks-out", metavar="FILE.csv",
                     help="also record every frame's landmarks to this CSV file (numbers only, never pictures)")

    st = sub.add_parser("status", help="where fhp-monitor keeps its files, the calibration and whether it runs")
    st.add_argument("--json", action="store_true", help=JSON_HELP)

    sm = sub.add_parser("summary", help="how you sat on a day")
    sm.add_argument("--date", help="YYYY-MM-DD (default today)")
    sm.add_argument("--json", action="store_true", help=JSON_HELP)
    sm.add_argument("--chart", help="also draw a chart to this PNG file")

    sub.add_parser("settings", help="open the settings window")
    pa = sub.add_parser("pause", help="pause the running fhp-monitor")
    pa.add_argument("length", nargs="*", metavar="LENGTH",
                    help="15m (the default), 5 (minutes), 1h, 2h30m, 90s, until 14:00 or tomorrow")
    sub.add_parser("resume", help="resume the running fhp-monitor")
    sub.add_parser("quit", help="stop the running fhp-monitor")

    ex = sub.add_parser("export", help="write the minute-by-minute history as CSV (on the screen unless --csv "
                        "names a file)")
    ex.add_argument("--csv", nargs="?", const="-", default="-", metavar="PATH",
                    help="CSV file to write (default: the screen, for `> file.csv`)")
    accept_home_after_command(sub)
    return parser


def accept_home_after_command(sub) -> None:
    """``fhp-monitor status --home X`` works like ``fhp-monitor --home X status``; every command,
    including any added later, gets the option and a description from its one-line help."""
    for action in sub._choices_actions:  # argparse keeps each command's help only here
        command = sub.choices[action.dest]
        if command.description is None and action.help:
            command.description = action.help[0].upper() + action.help[1:] + "."
        if command.get_default("uses_home") is not False and not any(
                "--home" in option.option_strings for option in command._actions):
            command.add_argument("--home", default=argparse.SUPPRESS, help=HOME_HELP)


def with_default_command(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Plain ``fhp-monitor`` and ``fhp-monitor --source DIR`` (options of ``run`` without the word)
    mean ``fhp-monitor run ...``: "run" goes in where the first option the top level does not know is."""
    commands = set(next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices)
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in commands or token in ("-h", "--help", "--version") or not token.startswith("-"):
            return tokens
        if token == "--home":
            i += 2
        elif token.startswith("--home=") or token in ("-v", "--verbose"):
            i += 1
        else:
            return [*tokens[:i], "run", *tokens[i:]]
    return [*tokens, "run"]


# ----------------------------------------------------------------------------- shared helpers


def load(home: Home) -> Settings:
    ensure_config(home)
    return load_settings(home.config)


def prepare_home(home: Home, verbose: bool) -> Settings:
    """Start logging and load the settings; a folder we may not write in is one plain sentence."""
    try:
        setup_logging(home, verbose)
        settings = load(home)
    except OSError as exc:  # e.g. the files were made by another user (an earlier run with sudo)
        raise UserError(
            _("fhp-monitor cannot write in its folder {folder} ({error}: {file}). "
              "Check that you own that folder and the files in it, or choose another folder with --home.").format(
                folder=home.root, error=exc.strerror or exc, file=exc.filename)
        ) from None
    activate_language(settings.display.language)
    return settings


# ----------------------------------------------------------------------------- commands


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
                forward = print_verdict(frame, verdict, args.json)
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


def print_verdict(frame, verdict, as_json: bool) -> bool | None:
    """One replayed frame: a JSON object, or a line of the table. Returns whether the head was
    forward (None: no verdict)."""
    observation, reading = verdict.observation, verdict.reading
    forward = {PostureState.FORWARD: True, PostureState.UPRIGHT: False}.get(observation.state)
    proxy = None if reading is None else reading.cva_proxy_deg
    view = None if reading is None else reading.view
    if as_json:
        print(json.dumps({"frame": frame.index, "source": frame.source, "t": round(frame.t, 3),
                          "cva_proxy_deg": None if proxy is None else round(proxy, 2), "forward": forward,
                          "view": view, "state": observation.state.value, "reason": observation.detail or None}),
              flush=False)
        return forward
    words = _({True: N_("head forward"), False: N_("upright")}.get(forward) or observation.detail
              or observation.state.value)
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
    source = source_for(args.source, settings)
    readings = []
    with estimator_for(settings, source) as estimator:
        source.open()
        try:
            while len(readings) < frames and (frame := source.read()) is not None:
                readings.append(read_posture(pose_for(frame, estimator), settings.detection.min_visibility))
        finally:
            source.release()
    baseline = fit_from_readings(readings, now=time.time(), sensitivity_deg=settings.detection.sensitivity_deg,
                                 min_samples=settings.calibration.min_frames)
    save_baseline(home.calibration, baseline)
    record_calibration(home, baseline)
    print(_("Calibrated from {used} of {frames} frames: your upright posture reads {degrees} degrees "
            "({view} view).").format(used=baseline.samples, frames=len(readings),
                                     degrees=number(baseline.cva_proxy_deg, 1), view=baseline.view))
    tell_running_instance(home)
    return 0


def tell_running_instance(home: Home) -> None:
    """A new calibration is saved: the instance running in this home (if any) switches to it."""
    from fhp_monitor.control.client import reload_running

    line = reload_running(home)
    if line is not None:
        print(line)


def cmd_status(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.control.client import query_status, status_words
    from fhp_monitor.sensing.pose import resolve_model_path

    baseline = load_baseline(home.calibration)
    status = {
        "calibrated": baseline is not None,
        "baseline_cva_proxy_deg": None if baseline is None else round(baseline.cva_proxy_deg, 2),
        "calibrated_at": None if baseline is None
        else datetime.fromtimestamp(baseline.calibrated_at).astimezone().isoformat(timespec="seconds"),
        "model": str(resolve_model_path(settings.detection.model or None)),
        "version": __version__, "home": str(home.root), "log": str(home.log_file),
        **query_status(home),
    }
    if args.json:
        print(json.dumps(status))
    else:
        if baseline is None:
            calibrated = _("not yet (run: fhp-monitor calibrate)")
        else:
            calibrated = _("{when}, upright reads {degrees} degrees").format(
                when=status["calibrated_at"], degrees=number(baseline.cva_proxy_deg, 1))
        rows = [(_("Version:"), f"fhp-monitor {__version__}"), (_("Home:"), home.root), (_("Settings:"), home.config),
                (_("Log:"), home.log_file), (_("Model:"), status["model"]), (_("Calibrated:"), calibrated),
                (_("Monitoring:"), status_words(status))]
        wide = max(12, *(len(label) + 1 for label, _value in rows))
        for label, value in rows:
            print(f"{label:<{wide}} {value}")
    return 0


def parse_day(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError(_("--date must look like 2026-11-20 (got {text!r}).").format(text=text)) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UserError(_("--date must be a day from {first} to {last} (got {text}).").format(
            first=FIRST_DAY, last=LAST_DAY, text=text))
    return day


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)  # the local clock and the week before both fit


def cannot_write(path: str, what: str, exc: OSError) -> UserError:
    """One plain line for an export that cannot be written (missing folder, a folder in the way...)."""
    return UserError(_("fhp-monitor cannot write {what} to {path} ({error}). "
                       "Check that the folder exists and that the name is not a folder.").format(
                           what=what, path=path, error=exc.strerror or exc))


def cmd_summary(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.core.summary import format_summary_text, to_json_dict
    from fhp_monitor.store.reports import daily_summary

    day = parse_day(args.date)
    with open_spooled_history(home, announce=True) as store:
        summary = daily_summary(store, day, now=time.time())
    if args.chart:
        from fhp_monitor.store.chart import render_summary_chart

        try:
            render_summary_chart(summary, Path(args.chart))
        except OSError as exc:
            raise cannot_write(args.chart, _("the chart"), exc) from None
    if args.json:
        print(json.dumps(to_json_dict(summary)))
    else:
        print(format_summary_text(summary))
        if args.chart:
            print(_("Chart saved to {path}").format(path=args.chart))
    return 0


def cmd_export(args, home: Home, settings: Settings) -> int:
    with open_spooled_history(home, announce=True) as store:
        if args.csv == "-":
            rows = store.export_csv(sys.stdout)
        else:
            try:  # an export the user named: a link there is followed, the umask applies (README)
                with open(args.csv, "w", newline="") as out:
                    rows = store.export_csv(out)
            except OSError as exc:
                raise cannot_write(args.csv, _("the history"), exc) from None
            print(ngettext("Wrote {n} minute to {path}", "Wrote {n} minutes to {path}", rows).format(
                n=rows, path=args.csv), file=sys.stderr)
    return 0


MIN_SPEED, MAX_SPEED = 0.01, 10_000.0


def check_speed(speed: float) -> float:
    """0 (as fast as possible) or a finite speed in a sane range; anything else is one plain line."""
    if speed == 0 or MIN_SPEED <= speed <= MAX_SPEED:  # False for nan; inf is above the range
        return speed
    raise UserError(_("--speed must be 0 (as fast as possible) or a number from {low} to {high} "
                      "(got {speed!r}).").format(low=f"{MIN_SPEED:g}", high=f"{MAX_SPEED:g}", speed=speed))


def cmd_settings(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.desktop.opener import open_with_desktop
    from fhp_monitor.gui import log_step
    from fhp_monitor.gui.settings_flow import settings_with_window

    settings_with_window(home, open_with_desktop, on_step=log_step)
    return 0


def cmd_run(args, home: Home, settings: Settings) -> int:
    from fhp_monitor.app import run_app

    check_speed(args.speed)

    return run_app(args, home, settings)


def cmd_control(args, home: Home, settings: Settings) -> int:
    """pause / resume / quit the instance running in this home."""
    from fhp_monitor.control import client as control

    message = {"cmd": args.command}
    if args.command == "pause":
        length = control.parse_pause(" ".join(args.length) if args.length else None)
        message.update({"until": "tomorrow"} if length == "tomorrow" else {"seconds": length})
    try:
        reply = control.request(home, message)
    except control.NotRunning as exc:
        print(_("fhp-monitor: {error}, so there is nothing to {command}.").format(error=exc, command=args.command),
              file=sys.stderr)
        return EXIT_NOT_RUNNING
    if args.command == "quit":
        if not control.wait_until_gone(home, reply.get("pid")):
            print(_("fhp-monitor: asked it to stop, but it is still running after {seconds} s.").format(
                seconds=f"{control.QUIT_WAIT_S:.0f}"), file=sys.stderr)
            return 1
        print(_("fhp-monitor has stopped."))
        return 0
    words, done = control.reply_words(args.command, reply)
    print(words, file=sys.stdout if done else sys.stderr)
    return 0 if done else 1


COMMANDS = {"run": cmd_run, "calibrate": cmd_calibrate, "replay": cmd_replay, "status": cmd_status,
            "summary": cmd_summary, "export": cmd_export, "settings": cmd_settings, "pause": cmd_control,
            "resume": cmd_control, "quit": cmd_control}


def error_line(exc: BaseException) -> str:
    """The one line for an error a user can fix, named once: "fhp-monitor: <what>", or the
    sentence alone when it already begins with the program's name ("fhp-monitor cannot write...")."""
    text = str(exc)
    return text if text.startswith("fhp-monitor ") else f"fhp-monitor: {text}"  # not translated: the name


def runs_monitor(argv: list[str]) -> bool:
    """True when ``argv`` asks for a command that opens the user's programs (``run``, also plain
    ``fhp-monitor``, ``demo`` and ``settings``), judged before parsing."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--home":
            next(tokens, None)
        elif not token.startswith("-"):
            return token in ("run", "settings", "demo")
    return True


def main(argv: list[str] | None = None) -> int:
    from fhp_monitor.process.netguard import block_internet
    from fhp_monitor.process.spawner import start_spawner

    parser = build_parser()
    argv = with_default_command(argv if argv is not None else sys.argv[1:], parser)
    if runs_monitor(argv):
        start_spawner()  # before the guard: programs the tray opens (editor, viewer) keep their network
    block_internet()  # before any thread starts: nothing in this process may reach the internet
    args = parser.parse_args(argv)
    activate_language("system")  # the setting decides once it is read (prepare_home)
    try:
        if args.command == "demo":  # a scratch home of its own: the user's home is not even opened
            from fhp_monitor.demo import run_demo

            return run_demo(args)
        home = Home.locate(args.home, os.environ)
        settings = prepare_home(home, args.verbose)
        return COMMANDS[args.command](args, home, settings)
    except (UserError, ConfigError, CalibrationError, ModelError, SourceUnavailable, HistoryError, HomeError) as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
