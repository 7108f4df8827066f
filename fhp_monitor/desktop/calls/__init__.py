"""Which programs are running (to pause during video calls); one module per backend:
:mod:`.proc` (Linux, /proc) and :mod:`.windows` (a Toolhelp32 snapshot). Elsewhere unsupported.

Kept tiny on purpose: the only question asked is "is any of these names running?".
Thread contract: any thread; each call takes a fresh look (a few ms).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


def supported() -> bool:
    return sys.platform == "win32" or (sys.platform.startswith("linux") and os.path.isdir("/proc"))


def running_names(proc: Path = Path("/proc")) -> set[str]:
    """Lower-case names of running processes on this system."""
    if sys.platform == "win32":
        from fhp_monitor.desktop.calls import windows

        return windows.running_names()
    from fhp_monitor.desktop.calls import proc as linux

    return linux.running_names(proc)


def any_running(wanted: Iterable[str], proc: Path = Path("/proc")) -> str | None:
    """The first of ``wanted`` found running (a process name starting with it), or None."""
    wanted = [w.lower() for w in wanted if w]
    if not wanted or not supported():
        return None
    try:
        names = running_names(proc)
    except OSError as exc:
        log.warning("could not list the running programs (%s); video calls are not noticed this time", exc)
        return None
    for name in sorted(names):
        for w in wanted:
            if name.startswith(w):
                return w
    return None
