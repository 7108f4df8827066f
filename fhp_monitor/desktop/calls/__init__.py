"""Which programs are running (to pause during video calls). Linux reads /proc; elsewhere unsupported.

Kept tiny on purpose: the only question asked is "is any of these names running?"; :class:`CallPause`
pauses the monitor while the answer is yes.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from fhp_monitor.core.posture import PAUSE_CALL

log = logging.getLogger(__name__)


def supported() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc")


def running_names(proc: Path = Path("/proc")) -> set[str]:
    """Lower-case names of running processes (from /proc/<pid>/comm)."""
    names = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            names.add((entry / "comm").read_text().strip().lower())
        except OSError:  # the process ended while we looked, or is not ours to read
            continue
    return names


def any_running(wanted: Iterable[str], proc: Path = Path("/proc")) -> str | None:
    """The first of ``wanted`` found running (a process name starting with it), or None."""
    wanted = [w.lower() for w in wanted if w]
    if not wanted or not supported():
        return None
    for name in sorted(running_names(proc)):
        for w in wanted:
            if name.startswith(w):
                return w
    return None


class Pausable(Protocol):
    """What CallPause drives (the MonitorWorker): any thread, never blocking."""

    def pause(self, until: float | None, reason: str) -> None: ...

    def resume(self, reason: str | None = None) -> None: ...


class CallPause:
    """Pause ``target`` while a video-call app runs; resume when it ends. Main thread only."""

    def __init__(self, target: Pausable, proc: Path = Path("/proc")) -> None:
        self.target, self.proc = target, proc
        self.paused_for: str | None = None  # the app we paused for

    def check(self, apps: Iterable[str]) -> None:
        """Look once for the apps named (app.pause_for_apps) and pause or resume on a change."""
        app = any_running(apps, self.proc)
        if app and self.paused_for is None:
            log.info("pausing while %s runs", app)
            self.paused_for = app
            self.target.pause(None, PAUSE_CALL)
        elif not app and self.paused_for is not None:
            log.info("%s ended; resuming", self.paused_for)
            self.paused_for = None
            self.target.resume(PAUSE_CALL)
