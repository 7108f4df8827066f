"""Command line: ``fhp-monitor [--home DIR] [COMMAND]``: run, demo, calibrate, replay, status, summary, export,
pause, resume, quit, exercise, report, autostart, uninstall (cli/install.py has the last two).

Plain ``fhp-monitor`` is ``fhp-monitor run``. Errors a user can fix are printed as one plain
sentence on stderr with exit status 2; nothing here prints a traceback for them. ``pause``,
``resume`` and ``quit`` talk to the instance running in the home (desktop/control.py); with none
running they say so in one line and exit with status 3.

The parts: start.py (the global options, the command word and the settings, read once before the
parser is built), parser.py (the options), argwords.py (argparse's own words in the user's language),
console.py (UTF-8 into a pipe on Windows), dispatch.py (main), frames.py (replay, calibrate), history.py
(summary, export), instance.py (run, status, settings, pause/resume/quit), progress.py (exercise,
week and month, report), demo.py (the tour).
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """The ``fhp-monitor`` command (see dispatch.main); imported on call so ``python -m fhp_monitor``
    loads only what the command needs."""
    from fhp_monitor.cli.dispatch import main as dispatch_main

    return dispatch_main(argv)
