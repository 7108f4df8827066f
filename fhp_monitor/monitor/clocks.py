"""The app's clocks (the ``Clock`` port of fhp_monitor.core.ports): the live one and a replay's.

Both are plain values read from any thread: ``now()`` is the wall clock (labels: minutes, "since
09:42"), ``monotonic()`` never steps and measures every duration.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime

from fhp_monitor.core.i18n import _
from fhp_monitor.errors import UserError


@dataclass
class ReplayClock:
    """The app's clock during a file replay: the file's own timeline, anchored at ``start``.

    ``t`` has one writer, the monitor worker (MonitorWorker), which moves it to each frame it reads
    and on by the time its ``pace`` waited (after the recording ends, real seconds); every other
    thread only reads it.
    """

    start: float
    t: float = 0.0

    def now(self) -> float:
        return self.start + self.t

    def monotonic(self) -> float:
        return self.t


_BOOTTIME = getattr(time, "CLOCK_BOOTTIME", None) if sys.platform.startswith("linux") else None


class SystemClock:
    """The live clock. ``monotonic`` never steps; on Linux it is CLOCK_BOOTTIME, which also runs
    while the machine sleeps, so a suspend shows up as a gap (a fresh onset window)."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.clock_gettime(_BOOTTIME) if _BOOTTIME is not None else time.monotonic()


def replay_start(text: str | None) -> float:
    """``run --start``: the wall-clock moment a replayed recording begins (ISO date and time; now if not given)."""
    if not text:
        return time.time()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(_("--start must be a date and time like 2026-11-20T09:00:00 (got {text!r}).").format(
            text=text)) from None
    return moment.timestamp()
