"""How the command line reads: the commands, their options and help lines in plain words, ``--home``
before or after the command, and ``fhp-monitor --source DIR`` as ``run --source DIR``.
"""

from __future__ import annotations

import argparse

from fhp_monitor import __version__
from fhp_monitor.cli import progress
from fhp_monitor.cli.install import add_install_parsers
from fhp_monitor.cli.setups import add_setups_parser

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
    cal.add_argument("--setup", metavar="NAME", help="keep it as this setup (default: the setup whose camera "
                     "place it fits, else a new one)")

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
    progress.add_period_options(sm)
    progress.add_exercise_parser(sub)
    progress.add_report_parser(sub)

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
    add_install_parsers(sub)
    add_setups_parser(sub)
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
