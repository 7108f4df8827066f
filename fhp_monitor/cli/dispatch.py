"""``fhp-monitor``'s ``main``: parse, guard the process (no internet, a spawner for the programs the
tray opens), prepare the home and call the command; errors a user can fix become one plain line.
"""

from __future__ import annotations

import logging
import os
import sys

from fhp_monitor.cli import progress
from fhp_monitor.cli.frames import cmd_calibrate, cmd_replay
from fhp_monitor.cli.history import cmd_export, cmd_summary
from fhp_monitor.cli.install import cmd_autostart, locate_without_creating, uninstall
from fhp_monitor.cli.instance import cmd_control, cmd_run, cmd_settings, cmd_status
from fhp_monitor.cli.parser import build_parser, with_default_command
from fhp_monitor.cli.setups import cmd_setups
from fhp_monitor.core.calibration import CalibrationError
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import HistoryError, ModelError, SourceUnavailable
from fhp_monitor.desktop.tray import use_outlined_icons
from fhp_monitor.errors import EXIT_USER_ERROR, UserError
from fhp_monitor.gui.theme import use_theme
from fhp_monitor.home.folder import Home, HomeError, ensure_config
from fhp_monitor.home.log import setup_logging
from fhp_monitor.i18n import activate as activate_language
from fhp_monitor.settings.file import load_settings
from fhp_monitor.settings.schema import ConfigError, Settings

log = logging.getLogger(__name__)


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
    use_theme(settings.display.theme)  # the windows' colours (no Tk needed)
    use_outlined_icons(high_contrast=settings.display.theme == "high_contrast")  # the tray's icons
    return settings

COMMANDS = {"run": cmd_run, "calibrate": cmd_calibrate, "replay": cmd_replay, "status": cmd_status,
            "summary": cmd_summary, "export": cmd_export, "settings": cmd_settings, "pause": cmd_control,
            "resume": cmd_control, "quit": cmd_control, "exercise": progress.cmd_exercise,
            "report": progress.cmd_report, "autostart": cmd_autostart,
            "setups": cmd_setups}

def error_line(exc: BaseException) -> str:
    """The one line for an error a user can fix, named once: "fhp-monitor: <what>", or the
    sentence alone when it already begins with the program's name ("fhp-monitor cannot write...")."""
    text = str(exc)
    return text if text.startswith("fhp-monitor ") else f"fhp-monitor: {text}"  # not translated: the name

def home_argument(argv: list[str]) -> str | None:
    """The value of ``--home`` in ``argv`` (before or after the command), None without one."""
    for i, token in enumerate(argv):
        if token == "--home" and i + 1 < len(argv):
            return argv[i + 1]
        if token.startswith("--home="):
            return token.split("=", 1)[1]
    return None

def language_before_parsing(argv: list[str]) -> str:
    """Speak the home's ``display.language`` when its settings can be read (nothing is created),
    else the system's, so the help lines and argparse's errors are in the user's language; the
    settings decide again once they are loaded for real (prepare_home). Returns the code used."""
    try:
        home = locate_without_creating(home_argument(argv), os.environ)
        choice = load_settings(home.config).display.language
    except (UserError, ConfigError, OSError, ValueError):  # said in full later, by the command itself
        choice = "system"
    return activate_language(choice)

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
    from fhp_monitor.gui.dpi import make_dpi_aware
    from fhp_monitor.process.netguard import block_internet
    from fhp_monitor.process.spawner import start_spawner

    argv = list(argv if argv is not None else sys.argv[1:])
    language_before_parsing(argv)  # the help lines are translated as the parser is built
    parser = build_parser()
    argv = with_default_command(argv, parser)
    if runs_monitor(argv):
        start_spawner()  # before the guard: programs the tray opens (editor, viewer) keep their network
    block_internet()  # before any thread starts: nothing in this process may reach the internet
    dpi = make_dpi_aware()  # Windows: before any window of this process, or Tk's text is blurred
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":  # a scratch home of its own: the user's home is not even opened
            from fhp_monitor.cli.demo import run_demo

            return run_demo(args)
        if args.command == "uninstall":  # must not create the home (or a log in it) on the way out
            return uninstall(args)
        home = Home.locate(args.home, os.environ)
        settings = prepare_home(home, args.verbose)
        if dpi:
            log.info("Windows DPI awareness: %s", dpi)
        return COMMANDS[args.command](args, home, settings)
    except (UserError, ConfigError, CalibrationError, ModelError, SourceUnavailable, HistoryError, HomeError) as exc:
        print(error_line(exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
