"""Screen lock and suspend over D-Bus (Linux): the screen savers on the session bus, logind on the system bus.

* **Lock**: one session-bus match on ``member='ActiveChanged'`` catches the freedesktop, GNOME,
  Cinnamon and MATE screen savers; at start, ``GetActive`` of the screen savers that are running
  (never D-Bus-activating one). Where logind exists: our session's ``Lock``/``Unlock`` signals and
  its ``LockedHint`` property. The latest word from any of them decides (a locker that unlocks
  after a ``loginctl lock-session`` sends ActiveChanged(false), not Unlock).
* **Suspend**: a logind *delay* inhibitor is held while we run; on ``PrepareForSleep(true)`` the
  target is paused, we wait (at most :data:`SLEEP_RELEASE_WAIT_S`) until it has let go of the camera,
  then close the inhibitor's fd so the machine may sleep. ``PrepareForSleep(false)``: resume and
  take a new inhibitor.

* **A lost connection** (a bus daemon restarted, dbus-fast dropped us): the shared loop reconnects
  and calls our hooks, which add the match rules again, read the lock state again (a screen that
  locked while we were deaf pauses now; one that unlocked resumes, if that same source had locked
  it) and take a new delay inhibitor.

Thread contract: :meth:`DBusSessionWatcher.start` / :meth:`stop` on the main thread (they wait a
bounded time for the loop); everything else runs on the shared ``fhp-dbus`` loop thread and only
calls the target's ``pause``/``resume`` (queue + event: never blocking). A missing bus, a missing
logind or a session logind does not know is logged once, and the rest carries on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
from typing import Any

from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED, PAUSE_SUSPENDED
from fhp_monitor.desktop.bus import SESSION as SESSION_BUS
from fhp_monitor.desktop.bus import SYSTEM as SYSTEM_BUS
from fhp_monitor.desktop.bus import BusUnavailable, DBusLoop

log = logging.getLogger(__name__)

#: How long we keep the machine from sleeping while the worker lets go of the camera.
SLEEP_RELEASE_WAIT_S = 2.0
#: How long start/stop wait for the loop (a bus that does not answer must not hold up the app).
SETUP_WAIT_S = 3.0

SCREEN_SAVERS = (  # (bus name, object path, interface)
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
    ("org.cinnamon.ScreenSaver", "/org/cinnamon/ScreenSaver", "org.cinnamon.ScreenSaver"),
    ("org.mate.ScreenSaver", "/org/mate/ScreenSaver", "org.mate.ScreenSaver"),
)
ACTIVE_CHANGED_RULE = "type='signal',member='ActiveChanged'"
#: Where the latest lock word came from (a re-read after a reconnect may only undo its own kind's lock).
FROM_SCREEN_SAVER, FROM_LOGIND = "screen saver", "logind"  # not translated: a label of the lock's source

LOGIN1 = "org.freedesktop.login1"
MANAGER_PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
SESSION = "org.freedesktop.login1.Session"
PROPERTIES = "org.freedesktop.DBus.Properties"
INHIBIT_WHY = "Release the camera before sleep"  # not translated: logind's reason, for systemd-inhibit --list
INHIBIT_ARGS = ["sleep", "fhp-monitor", INHIBIT_WHY, "delay"]

LOGIN1_OWNER_RULE = f"type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{LOGIN1}'"


async def _call(bus, destination: str, path: str, interface: str, member: str, signature: str = "",
                body: list | None = None):
    """A method call that returns the reply, or raises RuntimeError with the D-Bus error text."""
    from dbus_fast import Message, MessageFlag, MessageType

    reply = await bus.call(Message(destination=destination, path=path, interface=interface, member=member,
                                   signature=signature, body=body or [], flags=MessageFlag.NO_AUTOSTART))
    if reply.message_type == MessageType.ERROR:
        raise RuntimeError(f"{interface}.{member}: {reply.error_name} {reply.body[0] if reply.body else ''}".strip())
    return reply


async def _bus_call(bus, member: str, *args: str):
    return await _call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", member,
                       "s" * len(args), list(args))


async def _has_owner(bus, name: str) -> bool:
    return bool((await _bus_call(bus, "NameHasOwner", name)).body[0])


class DBusSessionWatcher:
    """Watches lock and suspend on the shared loop; drives ``target.pause/resume`` (see module doc)."""

    def __init__(self, target: Any, loop: DBusLoop) -> None:
        self.target, self.loop = target, loop
        self.locked = False
        self._locked_by: str | None = None  # FROM_SCREEN_SAVER or FROM_LOGIND
        self.sleeping = False
        self.inhibitor_fd: int | None = None
        #: Measurements (monotonic seconds) of the latest lock and sleep, for logs and tests.
        self.last_lock_release_s: float | None = None
        self.last_sleep_release_s: float | None = None
        self._session_bus = None
        self._system_bus = None
        self._session_path: str | None = None
        self._login1_owner: str | None = None
        self._rules: list[tuple[Any, str]] = []
        self._handlers: list[tuple[Any, Any]] = []
        self._tasks: set[asyncio.Task] = set()
        self._sleep_lock: asyncio.Lock | None = None

    # ------------------------------------------------------------------ lifecycle (main thread)
    def start(self) -> None:
        future = self.loop.submit(self._setup())
        try:
            future.result(SETUP_WAIT_S)
        except concurrent.futures.TimeoutError:
            log.warning("the session buses did not answer within %.0f s; lock and sleep are watched once they do",
                        SETUP_WAIT_S)
        except Exception as exc:  # a bus that refuses a match rule or drops us: monitoring goes on without it
            log.warning("screen lock and sleep are only partly watched: %s", exc)

    def stop(self) -> None:
        if not self.loop.running:
            self._close_inhibitor()
            return
        try:
            self.loop.submit(self._teardown()).result(SETUP_WAIT_S)
        except (concurrent.futures.TimeoutError, RuntimeError) as exc:
            log.warning("the session watcher did not stop cleanly: %s", exc)
            self._close_inhibitor()

    # ------------------------------------------------------------------ setup (loop thread)
    async def _setup(self) -> None:
        self._sleep_lock = asyncio.Lock()
        self.loop.add_reconnect_hook(SESSION_BUS, self._session_reconnected)
        self.loop.add_reconnect_hook(SYSTEM_BUS, self._system_reconnected)
        await self._watch_screen_savers()
        await self._watch_logind()

    def _forget(self, bus) -> None:
        """Drop the rules and handlers we had on ``bus`` (a connection that is gone took them along)."""
        self._rules = [(b, rule) for b, rule in self._rules if b is not bus]
        self._handlers = [(b, handler) for b, handler in self._handlers if b is not bus]

    async def _session_reconnected(self, bus) -> None:
        """DBusLoop hook: the session connection is new; watch the screen savers on it again."""
        self._forget(self._session_bus)
        await self._watch_screen_savers(again=True)

    async def _system_reconnected(self, bus) -> None:
        """DBusLoop hook: the system connection is new; watch logind on it again, with a new inhibitor."""
        self._forget(self._system_bus)
        if not self.sleeping:
            self._close_inhibitor()  # logind may still count the old one: give it back before taking another
        await self._watch_logind(again=True)

    async def _add_rule(self, bus, rule: str) -> None:
        await _bus_call(bus, "AddMatch", rule)
        self._rules.append((bus, rule))

    def _add_handler(self, bus, handler) -> None:
        bus.add_message_handler(handler)
        self._handlers.append((bus, handler))

    async def _watch_screen_savers(self, again: bool = False) -> None:
        try:
            bus = self._session_bus = await self.loop.session_bus()
        except BusUnavailable as exc:
            log.info("screen lock is not watched: %s", exc)
            return
        self._add_handler(bus, self._on_session_message)
        await self._add_rule(bus, ACTIVE_CHANGED_RULE)
        answered, active_now = [], False
        for name, path, interface in SCREEN_SAVERS:
            try:
                if not await _has_owner(bus, name):
                    continue
                active = bool((await _call(bus, name, path, interface, "GetActive")).body[0])
            except (RuntimeError, IndexError) as exc:  # running, but without GetActive on that path
                log.debug("%s does not tell whether it is active: %s", name, exc)
                continue
            answered.append(name)
            if active:
                active_now = True
                self._set_locked(True, f"{name} is active {'after a reconnect' if again else 'at start'}",
                                 FROM_SCREEN_SAVER)
        if again and answered and not active_now and self._locked_by == FROM_SCREEN_SAVER:
            self._set_locked(False, "no screen saver is active after a reconnect", FROM_SCREEN_SAVER)
        if answered:
            log.info("screen lock: watching ActiveChanged; %s answered GetActive", ", ".join(answered))
        else:
            log.info("screen lock: no screen saver answers on the session bus yet; watching ActiveChanged")

    async def _watch_logind(self, again: bool = False) -> None:
        try:
            bus = self._system_bus = await self.loop.system_bus()
        except BusUnavailable as exc:
            log.info("suspend and logind locks are not watched: %s", exc)
            return
        try:
            if not await _has_owner(bus, LOGIN1):
                log.info("suspend and logind locks are not watched: there is no logind on the system bus")
                self._add_handler(bus, self._on_login1_owner)  # if it comes (back) later, watch it then
                await self._add_rule(bus, LOGIN1_OWNER_RULE)
                return
            self._login1_owner = str((await _bus_call(bus, "GetNameOwner", LOGIN1)).body[0])
        except RuntimeError as exc:
            log.info("suspend and logind locks are not watched: %s", exc)
            return
        self._add_handler(bus, self._on_system_message)
        await self._add_rule(bus, f"type='signal',sender='{LOGIN1}',interface='{MANAGER}',member='PrepareForSleep'")
        self._session_path = await self._find_session(bus)
        if self._session_path is not None:
            path = self._session_path
            await self._add_rule(bus, f"type='signal',sender='{LOGIN1}',path='{path}',interface='{SESSION}'")
            await self._add_rule(bus, f"type='signal',sender='{LOGIN1}',path='{path}',interface='{PROPERTIES}',"
                                      "member='PropertiesChanged'")
            try:
                reply = await _call(bus, LOGIN1, path, PROPERTIES, "Get", "ss", [SESSION, "LockedHint"])
                when = "after a reconnect" if again else "at start"  # not translated: for the log
                if reply.body[0].value:
                    self._set_locked(True, f"logind says the session is locked {when}", FROM_LOGIND)
                elif again and self._locked_by == FROM_LOGIND:
                    self._set_locked(False, f"logind says the session is unlocked {when}", FROM_LOGIND)
            except RuntimeError as exc:
                log.info("logind does not tell whether the session is locked: %s", exc)
        if again and self.sleeping:
            await self._woke_while_deaf(bus)
        if not self.sleeping:
            await self._take_inhibitor()

    def _on_login1_owner(self, msg) -> None:
        from dbus_fast import MessageType

        if (msg.message_type == MessageType.SIGNAL and msg.member == "NameOwnerChanged"
                and msg.sender == "org.freedesktop.DBus" and msg.body[:1] == [LOGIN1] and msg.body[2]):
            self._spawn(self._logind_appeared())
        return None

    async def _logind_appeared(self) -> None:
        bus = self._system_bus
        if bus is None or (bus, self._on_login1_owner) not in self._handlers:
            return  # already handled (a second signal), or stopped
        log.info("logind appeared on the system bus: watching suspend and logind locks")
        bus.remove_message_handler(self._on_login1_owner)
        self._handlers.remove((bus, self._on_login1_owner))
        try:
            if (bus, LOGIN1_OWNER_RULE) in self._rules:
                self._rules.remove((bus, LOGIN1_OWNER_RULE))
                await _bus_call(bus, "RemoveMatch", LOGIN1_OWNER_RULE)
            await self._watch_logind(again=True)
        except (RuntimeError, OSError) as exc:  # the bus went again, or logind left: the hooks retry
            log.warning("suspend and logind locks are only partly watched: %s", exc)

    async def _woke_while_deaf(self, bus) -> None:
        """We were asleep when the connection went; PrepareForSleep(false) may have been missed."""
        try:
            reply = await _call(bus, LOGIN1, MANAGER_PATH, PROPERTIES, "Get", "ss", [MANAGER, "PreparingForSleep"])
            preparing = bool(reply.body[0].value)
        except RuntimeError as exc:  # we run code, so the machine is awake: resume
            log.info("logind does not say whether it is preparing for sleep (%s); we are running, so awake", exc)
            preparing = False
        if not preparing:
            self.sleeping = False
            log.info("the computer woke up while the system bus was away: resuming")
            self.target.resume(PAUSE_SUSPENDED)

    async def _find_session(self, bus) -> str | None:
        session_id = os.environ.get("XDG_SESSION_ID")
        try:
            if session_id:
                reply = await _call(bus, LOGIN1, MANAGER_PATH, MANAGER, "GetSession", "s", [session_id])
            else:
                reply = await _call(bus, LOGIN1, MANAGER_PATH, MANAGER, "GetSessionByPID", "u", [os.getpid()])
            return str(reply.body[0])
        except RuntimeError as exc:
            log.info("logind session locks are not watched (we are in no logind session): %s", exc)
            return None

    async def _take_inhibitor(self) -> None:
        if self.inhibitor_fd is not None or self._system_bus is None:
            return
        try:
            reply = await _call(self._system_bus, LOGIN1, MANAGER_PATH, MANAGER, "Inhibit", "ssss", INHIBIT_ARGS)
        except RuntimeError as exc:
            log.info("cannot delay sleep to release the camera first: %s", exc)
            return
        fds = list(reply.unix_fds or [])
        index = reply.body[0] if reply.body else None
        if not isinstance(index, int) or not 0 <= index < len(fds):
            log.warning("logind's sleep inhibitor came without a file descriptor; sleep is not delayed")
            for fd in fds:
                os.close(fd)
            return
        self.inhibitor_fd = fds.pop(index)
        for fd in fds:  # never expected, but an fd we do not keep must not leak
            os.close(fd)
        log.debug("holding a sleep delay inhibitor (fd %d)", self.inhibitor_fd)

    def _close_inhibitor(self) -> None:
        fd, self.inhibitor_fd = self.inhibitor_fd, None
        if fd is not None:
            os.close(fd)

    async def _teardown(self) -> None:
        self.loop.remove_reconnect_hook(SESSION_BUS, self._session_reconnected)
        self.loop.remove_reconnect_hook(SYSTEM_BUS, self._system_reconnected)
        for task in list(self._tasks):
            task.cancel()
        for bus, handler in self._handlers:
            bus.remove_message_handler(handler)
        for bus, rule in self._rules:
            if bus.connected:
                try:
                    await _bus_call(bus, "RemoveMatch", rule)
                except RuntimeError as exc:
                    log.debug("could not remove match %s: %s", rule, exc)
        self._handlers.clear()
        self._rules.clear()
        self._close_inhibitor()

    # ------------------------------------------------------------------ signals (loop thread)
    def _on_session_message(self, msg) -> None:
        from dbus_fast import MessageType

        if (msg.message_type == MessageType.SIGNAL and msg.member == "ActiveChanged" and msg.signature == "b"
                and (msg.interface or "").endswith("ScreenSaver")):
            self._set_locked(bool(msg.body[0]), f"{msg.interface}.ActiveChanged({bool(msg.body[0])})",
                             FROM_SCREEN_SAVER)
        return None

    def _on_system_message(self, msg) -> None:
        from dbus_fast import MessageType

        if msg.message_type != MessageType.SIGNAL or msg.sender != self._login1_owner:
            return None
        if msg.interface == MANAGER and msg.member == "PrepareForSleep" and msg.signature == "b":
            self._spawn(self._prepare_for_sleep(bool(msg.body[0])))
        elif msg.path == self._session_path and msg.interface == SESSION and msg.member in ("Lock", "Unlock"):
            self._set_locked(msg.member == "Lock", f"logind Session.{msg.member}", FROM_LOGIND)
        elif msg.path == self._session_path and msg.interface == PROPERTIES and msg.member == "PropertiesChanged":
            interface, changed = msg.body[0], msg.body[1]
            if interface == SESSION and "LockedHint" in changed:
                self._set_locked(bool(changed["LockedHint"].value), "logind LockedHint", FROM_LOGIND)
        return None

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _set_locked(self, locked: bool, why: str, source: str) -> None:
        self._locked_by = source
        if locked == self.locked:
            return
        self.locked = locked
        if locked:
            log.info("screen locked (%s): pausing", why)
            self.target.pause(None, PAUSE_SCREEN_LOCKED)
            self._spawn(self._report_release(time.monotonic()))
        else:
            log.info("screen unlocked (%s): resuming", why)
            self.target.resume(PAUSE_SCREEN_LOCKED)

    async def _wait_released(self, since: float) -> float | None:
        """Seconds from ``since`` until the target released the camera, or None after the bound."""
        released = self.target.released_for_pause
        while not released.is_set():
            if time.monotonic() - since >= SLEEP_RELEASE_WAIT_S:
                return None
            await asyncio.sleep(0.001)  # only for the moments after a lock or before sleep
        return time.monotonic() - since

    async def _report_release(self, since: float) -> None:
        took = await self._wait_released(since)
        self.last_lock_release_s = took
        if took is None:
            log.warning("screen locked, but the camera was not released within %.0f s", SLEEP_RELEASE_WAIT_S)
        else:
            log.info("screen locked: camera released %.1f ms after the lock signal", took * 1000)

    async def _prepare_for_sleep(self, starting: bool) -> None:
        assert self._sleep_lock is not None
        async with self._sleep_lock:  # a quick sleep-wake pair is handled in order
            if starting:
                since = time.monotonic()
                self.sleeping = True
                log.info("the computer is going to sleep: pausing")
                self.target.pause(None, PAUSE_SUSPENDED)
                took = await self._wait_released(since)
                self.last_sleep_release_s = time.monotonic() - since  # before: logind acts on the close at once
                self._close_inhibitor()
                if took is None:
                    log.warning("the camera was not released within %.0f s; letting the computer sleep anyway",
                                SLEEP_RELEASE_WAIT_S)
                else:
                    log.info("camera released %.1f ms after PrepareForSleep; sleep may go on after %.1f ms",
                             took * 1000, self.last_sleep_release_s * 1000)
            else:
                self.sleeping = False
                log.info("the computer woke up: resuming")
                self.target.resume(PAUSE_SUSPENDED)
                await self._take_inhibitor()
