"""The app's log: a private rotating file in the log folder and plain one-line messages on stderr.

The file is 0600 and never written through a symbolic link (:func:`fhp_monitor.home.folder.open_private`);
a log that cannot be written says so on stderr, once per ``LOG_ERROR_EVERY_S``.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

from fhp_monitor import __version__
from fhp_monitor.core.i18n import _
from fhp_monitor.home.folder import Home, HomeError, make_private_dir, open_private
from fhp_monitor.process.native_stderr import STDERR_LOCK

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3

_OUR_HANDLER = "_fhp_monitor_handler"
LOG_ERROR_EVERY_S = 600.0


class PrivateLogFile(RotatingFileHandler):
    """The rotating log, private (0600) and never written through a symbolic link.

    When the log itself cannot be written (a full disk), one plain line goes to stderr per
    ``LOG_ERROR_EVERY_S`` instead of logging's traceback for every record.
    """

    _next_complaint = 0.0

    def _open(self):  # noqa: ANN202 - logging's own signature
        fd = open_private(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        now = time.monotonic()
        if now >= self._next_complaint:
            self._next_complaint = now + LOG_ERROR_EVERY_S
            error = sys.exc_info()[1]
            try:
                sys.stderr.write("fhp-monitor: " + _("cannot write the log {path} ({error}); "
                                                     "messages are shown here instead.").format(
                                                         path=self.baseFilename, error=error) + "\n")
                sys.stderr.write(f"fhp-monitor: {record.getMessage()}\n")
            except (OSError, ValueError):
                return  # stderr is gone too: nothing more can be said


class _PlainFormatter(logging.Formatter):
    """stderr gets one plain line per message, named once ("fhp-monitor: ..." unless the message
    already begins with the name); tracebacks go to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        line = super().format(plain)
        return line if line.startswith("fhp-monitor ") else f"fhp-monitor: {line}"


class _StderrLines(logging.StreamHandler):
    """The stderr handler: waits while native chatter is silenced (native_stderr.py), never lost in it."""

    def emit(self, record: logging.LogRecord) -> None:
        with STDERR_LOCK:
            super().emit(record)


def setup_logging(home: Home, verbose: bool = False) -> Path:
    """Log to a rotating file in the log folder (1 MB x 3) and to stderr (WARNING; INFO when
    verbose). Calling it again replaces the handlers it added before. Returns the log file path."""
    make_private_dir(home.log_dir)
    stop_logging()
    try:
        file_handler = PrivateLogFile(home.log_file, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS,
                                      encoding="utf-8")
    except OSError as error:
        raise HomeError(_("fhp-monitor cannot write its log {path} ({error}). "
                          "Check that the folder belongs to you, or choose another one with --home.").format(
                              path=home.log_file, error=error.strerror)) from error
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    console = _StderrLines(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(_PlainFormatter("%(message)s"))
    root = logging.getLogger()
    for handler in (file_handler, console):
        setattr(handler, _OUR_HANDLER, True)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("fhp_monitor").setLevel(logging.DEBUG if verbose else logging.INFO)
    # each run's first line says which program wrote what follows (a user's log sent with a question)
    logging.getLogger("fhp_monitor").info("fhp-monitor %s (Python %s, %s%s)", __version__, platform.python_version(),
                                          platform.system() or sys.platform,
                                          ", installed app" if getattr(sys, "frozen", False) else "")  # not translated
    return home.log_file


def stop_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` added (for shutdown and tests)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OUR_HANDLER, False)]:
        root.removeHandler(handler)
        handler.close()
