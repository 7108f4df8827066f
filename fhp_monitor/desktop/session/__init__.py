"""Session awareness behind one small port: pause while the screen is locked or the machine sleeps,
and wake the worker when input returns after a long idle.

The port is :class:`SessionWatcher`; :func:`session_watcher_for` picks the backend by what the machine
offers (D-Bus on Linux: session/dbus.py; a hidden message-only window on Windows: session/windows.py;
nothing elsewhere for now), overridable with ``FHP_MONITOR_SESSION=dbus|windows|none``.
:func:`start_session_awareness` is what the composition root calls: it starts the watcher and the
input-idle watcher for a worker (and the battery watch, desktop/power.py) and returns one object
to stop at exit.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from fhp_monitor.desktop.backends import forced_or_offered

log = logging.getLogger(__name__)

ENV_BACKEND = "FHP_MONITOR_SESSION"


class SessionTarget(Protocol):
    """What a watcher drives (the MonitorWorker is one).

    Thread contract: ``pause``/``resume`` may be called from any thread and never block;
    ``released_for_pause`` is set by the target's own thread once it has let go of the camera
    after the latest ``pause``.
    """

    released_for_pause: threading.Event
    wake: threading.Event

    def pause(self, until: float | None, reason: str) -> None: ...

    def resume(self, reason: str | None = None) -> None: ...


class SessionWatcher(Protocol):
    """Watches screen lock and sleep, pausing the target with PAUSE_SCREEN_LOCKED / PAUSE_SUSPENDED.

    Thread contract: ``start`` and ``stop`` on the main thread, each waiting a bounded time; the
    backend's own events run on its own thread (the shared D-Bus loop) and only call the target.
    ``start`` never raises for a platform that gives no signal: it logs that once and carries on.
    """

    def start(self) -> None: ...

    def stop(self) -> None: ...


class NoSessionWatcher:
    """A platform without lock or sleep signals we understand: say so once, do nothing."""

    def __init__(self, why: str) -> None:
        self.why = why

    def start(self) -> None:
        log.info("screen lock and sleep are not watched: %s", self.why)

    def stop(self) -> None:
        return None


def session_watcher_for(target: SessionTarget, env: Mapping[str, str] | None = None,
                        platform: str | None = None, loop=None) -> SessionWatcher:
    """The lock/suspend watcher for this machine; ``FHP_MONITOR_SESSION=dbus|windows|none`` overrides the choice."""
    platform = platform or sys.platform
    choice = forced_or_offered(ENV_BACKEND, ("dbus", "windows", "none"), env=env)
    if choice == "none":
        return NoSessionWatcher(f"{ENV_BACKEND}=none")
    if choice == "windows" or (not choice and platform == "win32"):
        if sys.platform != "win32":  # the window needs Windows itself, whatever ``platform`` says
            return NoSessionWatcher("the Windows session window needs Windows")
        from fhp_monitor.desktop.session.windows import WindowsSessionWatcher

        return WindowsSessionWatcher(target)
    if choice == "dbus" or platform.startswith("linux"):
        try:
            from fhp_monitor.desktop.bus import shared_loop
            from fhp_monitor.desktop.session.dbus import DBusSessionWatcher
        except ImportError as exc:
            return NoSessionWatcher(f"D-Bus support is missing ({exc})")
        return DBusSessionWatcher(target, loop or shared_loop())
    return NoSessionWatcher(f"fhp-monitor does not read them on {platform} yet")


class SessionAwareness:
    """The lock/suspend, input-idle and battery watchers of one run (composition root: start, stop)."""

    def __init__(self, watcher: SessionWatcher, idle_watcher=None, probe=None, battery=None) -> None:
        self.watcher, self.idle_watcher, self.probe, self.battery = watcher, idle_watcher, probe, battery

    def settings_changed(self, settings) -> None:
        """New settings were loaded (main thread): the battery limit may have changed."""
        if self.battery is not None:
            self.battery.set_limit(settings.app.pause_on_battery_below)

    def stop(self) -> None:
        if self.battery is not None:
            self.battery.stop()
        if self.idle_watcher is not None:
            self.idle_watcher.stop()
        self.watcher.stop()
        close = getattr(self.probe, "close", None)
        if close is not None:
            close()


def start_session_awareness(worker: SessionTarget, env: Mapping[str, str] | None = None,
                            probe_factory: Callable[[], object] | None = None,
                            battery_below: int = 0) -> SessionAwareness:
    """Start watching lock, sleep, input idle and the battery (pause below ``battery_below`` percent,
    0 = off) for ``worker``; sets ``worker.input_idle_s``."""
    from fhp_monitor.desktop.idle import IdleWatcher, idle_probe_for
    from fhp_monitor.desktop.power import start_battery_watch

    watcher = session_watcher_for(worker, env)
    watcher.start()
    battery = start_battery_watch(worker, battery_below, env)
    probe = (probe_factory or (lambda: idle_probe_for(env)))()
    idle_watcher = None
    if probe is not None:
        worker.input_idle_s = probe  # type: ignore[attr-defined]
        from fhp_monitor.desktop.bus import shared_loop

        paused = getattr(worker, "released_for_pause", None)  # set while the worker rests in a pause
        idle_watcher = IdleWatcher(probe, worker.wake.set, getattr(watcher, "loop", None) or shared_loop(),
                                   paused=paused.is_set if paused is not None else lambda: False)
        idle_watcher.start()
    return SessionAwareness(watcher, idle_watcher, probe, battery)
