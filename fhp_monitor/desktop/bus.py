"""One asyncio loop on one thread, and the D-Bus connections the desktop side shares (dbus-fast).

The tray (StatusNotifierItem), notifications, the session watchers (lock, suspend) and anything
else that speaks D-Bus run their coroutines on this single loop, over one session-bus connection
and at most one system-bus connection, instead of each starting threads and connections of its own.

Thread contract
---------------
* :meth:`DBusLoop.start` and :meth:`DBusLoop.close` are called by the composition root (main thread).
* :meth:`DBusLoop.submit` may be called from any thread; it returns a ``concurrent.futures.Future``.
  :meth:`DBusLoop.call` blocks the calling thread until the coroutine is done (never call it from
  the loop thread itself).
* Coroutines and D-Bus handlers run on the ``fhp-dbus`` thread. They must not block and must not
  touch Tk: they forward commands to the app (a queue, a worker command), nothing more.

Where there is no session bus (no ``DBUS_SESSION_BUS_ADDRESS``, a console login, Windows, macOS)
:meth:`session_bus` raises :class:`BusUnavailable`; callers then pick another backend.

Lost connections
----------------
A connection can drop: dbus-fast drops one whose socket fills (python-dbus-next #153), and a bus
daemon can restart (a new session bus, ``systemctl restart dbus``). Each connection has a watch task
(``wait_for_disconnect``); when it ends and we are not closing, one line goes to the log and the
loop reconnects with a back-off (:data:`BACKOFF_FIRST_S` doubling up to :data:`BACKOFF_MAX_S`,
asyncio's monotonic timers, no polling). While it is down, :meth:`session_bus` / :meth:`system_bus`
raise :class:`BusUnavailable` at once (no second connection races the reconnect). Users redo their
set-up on the new connection in an async hook given to :meth:`DBusLoop.add_reconnect_hook`
(loop thread); hooks run in the order they were added, each on its own (one failing is logged and
does not stop the others).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a blocking :meth:`DBusLoop.call` waits before giving up (a bus that does not answer).
CALL_TIMEOUT_S = 5.0
#: After a lost connection: first retry after this many seconds, then twice as long each time ...
BACKOFF_FIRST_S = 1.0
#: ... up to this (a bus that stays away costs one connect attempt a minute).
BACKOFF_MAX_S = 60.0

SESSION = "session"
SYSTEM = "system"
KINDS = (SESSION, SYSTEM)

#: An "on reconnected" hook: awaited on the loop thread with the new dbus_fast.aio.MessageBus.
ReconnectHook = Callable[[Any], Awaitable[None]]


class BusUnavailable(RuntimeError):
    """No D-Bus of that kind can be reached on this machine (the message says why)."""


def session_bus_address() -> str | None:
    """The session bus address from the environment, or None where there is none (e.g. over ssh)."""
    if not sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    return os.environ.get("DBUS_SESSION_BUS_ADDRESS") or None


class DBusLoop:
    """An asyncio loop on the daemon thread ``fhp-dbus`` with lazily connected session/system buses."""

    def __init__(self, backoff_first_s: float = BACKOFF_FIRST_S, backoff_max_s: float = BACKOFF_MAX_S) -> None:
        if not 0 < backoff_first_s <= backoff_max_s:
            raise ValueError("the reconnect back-off must be positive, its first step no longer than its cap")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.backoff_first_s, self.backoff_max_s = backoff_first_s, backoff_max_s
        # Loop thread only from here on.
        self._buses: dict[str, Any] = {kind: None for kind in KINDS}  # dbus_fast.aio.MessageBus, on first use
        self._tasks: dict[str, asyncio.Task] = {}  # per kind: the watch task, or the reconnect task while down
        self._spawned: set[asyncio.Task] = set()  # every task of ours still running (close cancels them)
        self._connecting: dict[str, asyncio.Lock] = {}
        self._hooks: dict[str, list[ReconnectHook]] = {kind: [] for kind in KINDS}
        self._closing = False
        #: How many times each kind of connection was lost and made again (for logs and tests).
        self.reconnects: dict[str, int] = {kind: 0 for kind in KINDS}

    # ------------------------------------------------------------------ lifecycle (main thread)
    def start(self) -> "DBusLoop":
        """Start the loop thread (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return self
            self._closing = False
            ready = threading.Event()

            def run() -> None:
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                self._loop = loop
                ready.set()
                try:
                    loop.run_forever()
                finally:
                    loop.close()

            self._thread = threading.Thread(target=run, name="fhp-dbus", daemon=True)
            self._thread.start()
            ready.wait()
        return self

    def close(self) -> None:
        """Disconnect the buses and stop the loop thread. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            async def disconnect() -> None:
                self._closing = True  # from here on a lost connection is ours, not one to make again
                tasks = list(self._spawned)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                for bus in self._buses.values():
                    if bus is not None and bus.connected:
                        bus.disconnect()

            try:
                asyncio.run_coroutine_threadsafe(disconnect(), loop).result(CALL_TIMEOUT_S)
            except (concurrent.futures.TimeoutError, RuntimeError) as exc:
                log.warning("D-Bus connections did not close cleanly: %s", exc)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(CALL_TIMEOUT_S)
        self._loop = self._thread = None
        self._buses = {kind: None for kind in KINDS}
        self._tasks.clear()
        self._spawned.clear()
        self._connecting.clear()

    @property
    def running(self) -> bool:
        return self._loop is not None and self._loop.is_running()

    @property
    def in_loop_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    # ------------------------------------------------------------------ running work (any thread)
    def submit(self, coroutine: Awaitable[T]) -> "concurrent.futures.Future[T]":
        """Run ``coroutine`` on the loop; any thread. Errors surface through the returned future."""
        if self._loop is None:
            raise RuntimeError("DBusLoop.submit() before start()")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)  # type: ignore[arg-type]

    def call(self, coroutine: Awaitable[T], timeout_s: float = CALL_TIMEOUT_S) -> T:
        """Run ``coroutine`` on the loop and wait for its result (not from the loop thread)."""
        if self.in_loop_thread:
            raise RuntimeError("DBusLoop.call() from the loop thread would deadlock; await instead")
        return self.submit(coroutine).result(timeout_s)

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Schedule a plain function on the loop thread; any thread."""
        if self._loop is None:
            raise RuntimeError("DBusLoop.call_soon() before start()")
        self._loop.call_soon_threadsafe(callback, *args)

    # ------------------------------------------------------------------ buses (loop thread: await these)
    async def session_bus(self):
        """The shared session-bus connection (dbus_fast.aio.MessageBus); raises BusUnavailable."""
        return await self._bus(SESSION)

    async def system_bus(self):
        """The shared system-bus connection (logind lives there); raises BusUnavailable."""
        return await self._bus(SYSTEM)

    def add_reconnect_hook(self, kind: str, hook: ReconnectHook) -> None:
        """Await ``hook(new_bus)`` each time the ``kind`` ("session"/"system") connection is made
        again after it was lost (not on the first connect). Loop thread; adding one twice is once."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if hook not in self._hooks[kind]:
            self._hooks[kind].append(hook)

    def remove_reconnect_hook(self, kind: str, hook: ReconnectHook) -> None:
        """Forget a hook (loop thread; one that was never added is ignored)."""
        if hook in self._hooks.get(kind, []):
            self._hooks[kind].remove(hook)

    def connected(self, kind: str) -> bool:
        """Whether the ``kind`` connection is up right now (any thread; a snapshot)."""
        bus = self._buses.get(kind)
        return bus is not None and bus.connected

    def reconnecting(self, kind: str) -> bool:
        """Whether the ``kind`` connection was lost and is being made again (any thread; a snapshot)."""
        task = self._tasks.get(kind)
        return task is not None and not task.done() and task.get_name().startswith("fhp-dbus-reconnect")

    async def _bus(self, kind: str):
        bus = self._buses[kind]
        if bus is not None and bus.connected:
            return bus
        if self._closing:
            raise BusUnavailable(f"the D-Bus {kind} connection is closing")
        if self.reconnecting(kind):
            raise BusUnavailable(f"the D-Bus {kind} connection was lost; reconnecting")
        lock = self._connecting.setdefault(kind, asyncio.Lock())
        async with lock:  # two first users at once share one connection
            bus = self._buses[kind]
            if bus is not None and bus.connected:
                return bus
            bus = await self._open(kind)
            self._adopt(kind, bus)
            return bus

    @staticmethod
    async def _open(kind: str):
        if kind == SYSTEM:
            return await _connect(system=True)
        address = session_bus_address()
        if address is None:
            raise BusUnavailable("there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        return await _connect(address=address)

    def _adopt(self, kind: str, bus) -> None:
        self._buses[kind] = bus
        self._tasks[kind] = self._spawn(self._watch(kind, bus), f"fhp-dbus-watch-{kind}")

    def _spawn(self, coroutine, name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)
        return task

    async def _watch(self, kind: str, bus) -> None:
        """Wait until ``bus`` is gone; unless we are closing, say so once and start reconnecting."""
        why = "it was closed"  # not translated: for the log
        try:
            await bus.wait_for_disconnect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # dbus-fast hands over what broke the connection: that is the news here
            why = str(exc) or type(exc).__name__
        if self._closing or self._buses[kind] is not bus:
            return
        log.warning("The D-Bus %s connection was lost (%s); reconnecting.", kind, why)
        self._tasks[kind] = self._spawn(self._reconnect(kind, time.monotonic()), f"fhp-dbus-reconnect-{kind}")

    async def _reconnect(self, kind: str, lost_at: float) -> None:
        delay, attempts, said_waiting = self.backoff_first_s, 0, False
        while not self._closing:
            await asyncio.sleep(delay)
            attempts += 1
            try:
                bus = await self._open(kind)
            except BusUnavailable as exc:
                if delay >= self.backoff_max_s and not said_waiting:
                    said_waiting = True
                    log.info("The D-Bus %s bus is still away (%s); trying once every %.0f s.", kind, exc, delay)
                else:
                    log.debug("reconnect attempt %d to the D-Bus %s bus failed: %s", attempts, kind, exc)
                delay = min(delay * 2, self.backoff_max_s)
                continue
            if self._closing:
                bus.disconnect()
                return
            self.reconnects[kind] += 1
            self._adopt(kind, bus)  # replaces this task as the kind's task: a loss during the hooks is seen
            log.info("The D-Bus %s connection is back after %.1f s (%d attempt%s).", kind,
                     time.monotonic() - lost_at, attempts, "" if attempts == 1 else "s")
            for hook in list(self._hooks[kind]):
                if self._closing or not bus.connected:
                    return  # closing, or lost again: then the new watch task starts the next round
                try:
                    await hook(bus)
                except Exception as exc:  # one user failing to set up again must not stop the others; logged
                    log.warning("Setting up again on the new D-Bus %s connection failed in %s: %s", kind,
                                getattr(hook, "__qualname__", hook), exc or type(exc).__name__)
                    log.debug("the reconnect hook's error", exc_info=True)
            return


async def _connect(address: str | None = None, system: bool = False):
    try:
        from dbus_fast import BusType
        from dbus_fast.aio import MessageBus
    except ImportError as exc:  # a wheel-less platform: the caller falls back to another backend
        raise BusUnavailable(f"the dbus-fast package is not installed ({exc})") from exc
    bus = None
    try:
        # unix fds on the system bus: logind hands out inhibitor locks as file descriptors
        bus = MessageBus(bus_type=BusType.SYSTEM, negotiate_unix_fd=True) if system else MessageBus(bus_address=address)
        return await asyncio.wait_for(bus.connect(), CALL_TIMEOUT_S)
    except asyncio.CancelledError:  # close() while connecting: give the half-made socket back
        if bus is not None:
            bus.disconnect()
        raise
    except Exception as exc:  # OSError, a timeout, or dbus-fast's own AuthError / InvalidAddressError
        kind = "system" if system else "session"
        raise BusUnavailable(f"the D-Bus {kind} bus cannot be reached ({exc})") from exc


_shared: DBusLoop | None = None
_shared_lock = threading.Lock()


def shared_loop() -> DBusLoop:
    """The process-wide loop, started on first use (the composition root closes it at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DBusLoop().start()
        return _shared


def close_shared_loop() -> None:
    """Close the process-wide loop if one was started (composition root, at exit)."""
    global _shared
    with _shared_lock:
        loop, _shared = _shared, None
    if loop is not None:
        loop.close()
