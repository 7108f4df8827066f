"""How long since the user last touched keyboard or mouse, and a wake-up when they come back.

Input idle is NOT absence: people read and watch without touching anything (and slouch doing
it); the camera decides presence. The worker only uses idle time to look less while nobody is in
view, and :class:`IdleWatcher` wakes it at once when input returns after a long idle.

Probes (``idle_probe_for``), one module per backend: :mod:`.x11` through python-xlib's
MIT-SCREEN-SAVER extension (``screensaver_query_info(root).idle``, milliseconds), :mod:`.windows`
``GetLastInputInfo``, :mod:`.macos` ``CGEventSourceSecondsSinceLastEventType``; elsewhere (Wayland
without X, a console) None, said once in the log.

Thread contract: a probe may be called from any thread (it serialises its own X connection) and
returns quickly (one round trip to the local X server). :class:`IdleWatcher` runs on the shared
``fhp-dbus`` asyncio loop; ``start``/``stop`` are called from the main thread; ``on_input_returned``
is called on the loop thread and must not block (``worker.wake.set``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sys
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

IdleProbe = Callable[[], "float | None"]

#: Input idle this long, then input again, counts as "the user came back": the worker looks at once.
RETURN_AFTER_S = 60.0
#: While idle longer than that, how often we check for input coming back.
POLL_WHILE_IDLE_S = 1.0
#: While idle, check every idle/IDLE_POLL_FRACTION seconds (at least POLL_WHILE_IDLE_S), at most this.
MAX_POLL_WHILE_IDLE_S = 10.0
IDLE_POLL_FRACTION = 30.0
#: While the worker is paused (the user's pause, a lock, a call) input coming back wakes nothing it
#: needs (a resume looks at once anyway), so the watch asks no more often than this (issue 25: no
#: thread of a paused app wakes more than once in 5 s; measured, each ask is two context switches
#: of the fhp-dbus thread, an X round trip).
POLL_WHILE_PAUSED_S = 30.0


def next_poll_s(idle: float, return_after_s: float, poll_s: float, paused: bool) -> float:
    """Seconds until the next check, ``idle`` seconds after the last input."""
    if idle < return_after_s:  # not idle long enough to count: sleep until it could be
        wait = max(return_after_s - idle, poll_s)
    else:
        # The longer nobody has touched anything, the less a second of delay matters: check every
        # poll_s at first, then up to every MAX_POLL_WHILE_IDLE_S (a whole idle night costs a few
        # hundred wake-ups, not tens of thousands).
        wait = min(max(poll_s, idle / IDLE_POLL_FRACTION), MAX_POLL_WHILE_IDLE_S)
    return max(wait, POLL_WHILE_PAUSED_S) if paused else wait


def idle_probe_for(env: Mapping[str, str] | None = None, platform: str | None = None) -> IdleProbe | None:
    """The input-idle probe this machine offers, or None (logged once, with why)."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    try:
        if platform == "win32":
            from fhp_monitor.desktop.idle.windows import windows_probe

            return windows_probe()
        if platform == "darwin":
            from fhp_monitor.desktop.idle.macos import macos_probe

            return macos_probe()
        if env.get("XDG_SESSION_TYPE") == "wayland" or (env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
            # XWayland's counter only sees input to X windows: it would call a busy user idle.
            log.info("input idle time is not available on Wayland; looking at the usual pace")
            return None
        if not env.get("DISPLAY"):
            log.info("input idle time is not available without an X display; looking at the usual pace")
            return None
        from fhp_monitor.desktop.idle.x11 import XIdleProbe

        return XIdleProbe(env["DISPLAY"])
    except Exception as exc:  # ImportError, an X connection refused, a missing symbol: no probe, said once
        log.info("input idle time is not available (%s); looking at the usual pace", exc)
        return None


class IdleWatcher:
    """Calls ``on_input_returned`` when input comes back after ``return_after_s`` of idle.

    It does not poll while the user is active: it sleeps until the idle time could first reach
    ``return_after_s``, and only then checks every ``poll_s`` until input returns. While ``paused()``
    (any thread may answer it, without blocking) it checks at most every POLL_WHILE_PAUSED_S.
    """

    def __init__(self, probe: IdleProbe, on_input_returned: Callable[[], None], loop,
                 return_after_s: float = RETURN_AFTER_S, poll_s: float = POLL_WHILE_IDLE_S,
                 paused: Callable[[], bool] = lambda: False) -> None:
        self.probe, self.on_input_returned, self.loop = probe, on_input_returned, loop
        self.return_after_s, self.poll_s, self.paused = return_after_s, poll_s, paused
        self.returns = 0  # how many times input came back after a long idle
        self._future: concurrent.futures.Future | None = None

    def start(self) -> None:
        self._future = self.loop.submit(self._watch())

    def stop(self) -> None:
        future, self._future = self._future, None
        if future is not None and self.loop.running:
            self.loop.call_soon(future.cancel)

    async def _watch(self) -> None:
        longest = 0.0
        while True:
            try:
                idle = self.probe()
            except Exception as exc:  # the X server went away (logout): stop watching, say so once
                log.warning("input idle time stopped working (%s); looking at the usual pace", exc)
                return
            if idle is None:
                return
            if longest >= self.return_after_s and idle < longest:
                self.returns += 1
                log.debug("input is back after %.0f s idle", longest)
                self.on_input_returned()
            longest = idle
            await asyncio.sleep(next_poll_s(idle, self.return_after_s, self.poll_s, self.paused()))
