"""``fhp-monitor``'s ``main``: parse, guard the process (no internet, a spawner for the programs the
tray opens), prepare the home and call the command; errors a user can fix become one plain line.
"""

from __future__ import annotations

import logging
import os
import sys

from fhp_monitor.cli import progress
from fhp_monitor.cli.console import utf8_when_not_a_console
from fhp_monitor.cli.frames import cmd_calibrate, cmd_replay
from fhp_monitor.cli.history import cmd_export, cmd_summary
from fhp_monitor.cli.install import cmd_autostart, uninstall
from fhp_monitor.cli.instance import cmd_control, cmd_run, cmd_settings, cmd_status
from fhp_monitor.cli.parser import build_parser
from fhp_monitor.cli.setups import cmd_setups
from fhp_monitor.cli.start import Start, read_start
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
    """The home's settings, its default file put in place first (for the benches, which build a home
    without the command line; start-up reads the file once, in cli/start.py)."""
    ensure_config(home)
    return load_settings(home.config)

def prepare_home(home: Home, verbose: bool, start: Start) -> Settings:
    """Start logging, put the default settings file in place and take the settings read at start-up;
    a folder we may not write in is one plain sentence."""
    try:
        setup_logging(home, verbose)
        ensure_config(home)  # the packaged file says what the defaults say: nothing to read again
    except OSError as exc:  # e.g. the files were made by another user (an earlier run with sudo)
        raise UserError(
            _("fhp-monitor cannot write in its folder {folder} ({error}: {file}). "
              "Check that you own that folder and the files in it, or choose another folder with --home.").format(
                folder=home.root, error=exc.strerror or exc, file=exc.filename)
        ) from None
    settings = start.settings_for(home)
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

def main(argv: list[str] | None = None) -> int:
    from fhp_monitor.gui.dpi import make_dpi_aware
    from fhp_monitor.process.netguard import block_internet
    from fhp_monitor.process.spawner import start_spawner

    utf8_when_not_a_console()  # Windows: a pipe or a file gets UTF-8, not the ANSI code page
    activate_language("system")  # for the words of a settings file that cannot be read
    start = read_start(argv if argv is not None else sys.argv[1:], os.environ)  # the settings file, read once
    activate_language(start.language)  # the help lines are translated as the parser is built
    parser = build_parser()
    if start.runs_monitor:
        start_spawner()  # before the guard: programs the tray opens (editor, viewer) keep their network
    block_internet()  # before any thread starts: nothing in this process may reach the internet
    dpi = make_dpi_aware()  # Windows: before any window of this process, or Tk's text is blurred
    args = parser.parse_args(start.argv)
    try:
        if args.command == "demo":  # a scratch home of its own: the user's home is not even opened
            from fhp_monitor.cli.demo import run_demo

            return run_demo(args)
        if args.command == "uninstall":  # must not create the home (or a log in it) on the way out
            return uninstall(args)
        home = Home.locate(args.home, os.environ)
        settings = prepare_home(home, args.verbose, start)
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
