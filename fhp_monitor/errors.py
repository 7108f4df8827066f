"""Errors shared by the command line and the composition root (kept here so neither imports the other)."""

from __future__ import annotations

EXIT_USER_ERROR = 2
EXIT_NOT_RUNNING = 3  # pause/resume/quit with no fhp-monitor running in that home


class UserError(Exception):
    """A problem the user can fix; the message says how. The CLI prints it as one line, exit status 2."""
