"""How the command line reads: the commands, their options and help lines in plain words, and
``--home`` before or after the command (``fhp-monitor --source DIR`` as ``run --source DIR``: cli/start.py).

Every help line is translated when :func:`build_parser` runs, so the language must be chosen
before (cli/dispatch.py does). argparse's own words ("usage:", "options", its error sentences)
come from the same catalogs, said by our parser class (cli/argwords.py): argparse itself is untouched.
"""

from __future__ import annotations

import argparse

from fhp_monitor import __version__
from fhp_monitor.cli import progress
from fhp_monitor.cli.argwords import Parser
from fhp_monitor.cli.install import add_install_parsers
from fhp_monitor.cli.setups import add_setups_parser
from fhp_monitor.core.i18n import _


def home_help() -> str:
    return _("folder for settings, calibration and history, and for the log when chosen (default: "
             "$FHP_MONITOR_HOME or your user data folder; `fhp-monitor status` shows where)")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, its help lines in the active language."""
    json_help = _("print it as one line of JSON, for other programs")
    source_help = _("camera number, video file, image folder or landmark recording .csv (default: the camera)")
    parser = Parser(prog="fhp-monitor", description=_("Notices when your head drifts forward."),
                    epilog=_("Without a command, fhp-monitor starts monitoring (run). "
                             "`fhp-monitor demo` shows what it does without a camera."))
    parser.add_argument("--home", help=home_help())
    parser.add_argument("-v", "--verbose", action="store_true", help=_("more detail in the log"))
    parser.add_argument("--version", action="version", version=f"fhp-monitor {__version__}",
                        help=_("show the version and exit"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help=_("monitor in the background with a tray icon (the default)"))
    run.add_argument("--source", help=source_help)
    run.add_argument("--speed", type=float, default=1.0,
                     help=_("replay speed for a file source; 0 = as fast as possible"))
    run.add_argument("--start", help=_("for a file source: the date and time the recording starts (ISO, default now)"))
    run.add_argument("--exit-at-end", action="store_true", help=_("quit when a file source ends"))
    run.add_argument("--no-tray", action="store_true", help=_("do not show a tray icon"))

    demo = sub.add_parser("demo", help=_("a two-minute tour without a camera: a recorded person, the tray icon, "
                                         "a reminder and a summary (your own history is not touched)"))
    demo.add_argument("--speed", type=float, default=10.0,
                      help=_("how fast the recorded 20 minutes play (10, the default, takes two minutes)"))
    demo.set_defaults(uses_home=False)  # a scratch folder of its own: --home would mean nothing here

    cal = sub.add_parser("calibrate", help=_("record your upright posture"))
    cal.add_argument("--source", help=source_help)
    cal.add_argument("--no-gui", action="store_true", help=_("no window: treat the source's frames as upright"))
    cal.add_argument("--frames", type=int, help=_("frames to use with --no-gui (default from config.yaml)"))
    cal.add_argument("--setup", metavar="NAME", help=_("keep it as this setup (default: the setup whose camera "
                                                       "place it fits, else a new one)"))

    rep = sub.add_parser("replay", help=_("judge your posture in every frame of a video, image folder, landmark "
                                          "recording or camera, one line per frame"))
    rep.add_argument("source", help=_("video file, image folder/glob, camera number or landmark recording (.csv)"))
    rep.add_argument("--json", action="store_true", help=_("one JSON object per frame on stdout"))
    rep.add_argument("--landmarks-out", metavar="FILE.csv",
                     help=_("also record every frame's landmarks to this CSV file (numbers only, never pictures)"))

    st = sub.add_parser("status", help=_("where fhp-monitor keeps its files, the calibration and whether it runs"))
    st.add_argument("--json", action="store_true", help=json_help)

    sm = sub.add_parser("summary", help=_("how you sat on a day"))
    sm.add_argument("--date", help=_("YYYY-MM-DD (default today)"))
    sm.add_argument("--json", action="store_true", help=json_help)
    sm.add_argument("--chart", help=_("also draw a chart to this PNG file"))
    progress.add_period_options(sm)
    progress.add_exercise_parser(sub)
    progress.add_report_parser(sub)

    sub.add_parser("settings", help=_("open the settings window"))
    pa = sub.add_parser("pause", help=_("pause the running fhp-monitor"))
    pa.add_argument("length", nargs="*", metavar="LENGTH",
                    help=_("15m (the default), 5 (minutes), 1h, 2h30m, 90s, until 14:00 or tomorrow"))
    sub.add_parser("resume", help=_("resume the running fhp-monitor"))
    sub.add_parser("quit", help=_("stop the running fhp-monitor"))

    ex = sub.add_parser("export", help=_("write the minute-by-minute history as CSV (on the screen unless --csv "
                                         "names a file)"))
    ex.add_argument("--csv", nargs="?", const="-", default="-", metavar="PATH",
                    help=_("CSV file to write (default: the screen, for `> file.csv`)"))
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
            command.add_argument("--home", default=argparse.SUPPRESS, help=home_help())
