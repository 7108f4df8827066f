"""The command's output on Windows: a console shows any letter, but a pipe or a file gets Python's
default there, the ANSI code page (cp1252...), in which "Não" or "cabeça" cannot always be written and
which other programs read as garbage. Output that is not a console is written as UTF-8 instead, once,
as the command starts (:func:`utf8_when_not_a_console`). On Linux and macOS nothing changes: the
locale's encoding (UTF-8 nearly everywhere) is already what the pipe's reader expects.
"""

from __future__ import annotations

import sys
from typing import TextIO


def needs_utf8(platform: str, isatty: bool) -> bool:
    """True for a stream to switch to UTF-8: on Windows, one that is not a console (a pipe or a file)."""
    return platform == "win32" and not isatty


def utf8_when_not_a_console(streams: tuple[TextIO | None, ...] | None = None, platform: str = sys.platform) -> None:
    """Write ``streams`` (stdout and stderr) as UTF-8 where :func:`needs_utf8` says so (a character
    UTF-8 cannot hold, a lone surrogate from a file name, becomes "?" rather than an error)."""
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        try:
            console = stream is not None and stream.isatty()
        except (ValueError, OSError):  # closed, or no real file behind it: leave it as it is
            continue
        if stream is not None and hasattr(stream, "reconfigure") and needs_utf8(platform, console):
            stream.reconfigure(encoding="utf-8", errors="replace")
