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
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sys
import threading
from typing import Any, Awaitable, Callable, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How long a blocking :meth:`DBusLoop.call` waits before giving up (a bus that does not answer).
CALL_TIMEOUT_S = 5.0


class BusUnavailable(RuntimeError):
    """No D-Bus of that kind can be reached on this machine (the message says why)."""


def session_bus_address() -> str | None:
    """The session bus address from the environment, or None where there is none (e.g. over ssh)."""
    if not sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    return os.environ.get("DBUS_SESSION_BUS_ADDRESS") or None


class DBusLoop:
    """An asyncio loop on the daemon thread ``fhp-dbus`` with lazily connected session/system buses."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session = None  # dbus_fast.aio.MessageBus, connected on first use
        self._system = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle (main thread)
    def start(self) -> "DBusLoop":
        """Start the loop thread (idempotent)."""
        with self._lock:
            if self._thread is not None:
                return self
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
                for bus in (self._session, self._system):
                    if bus is not None and bus.connected:
                        bus.disconnect()

            try:
                asyncio.run_coroutine_threadsafe(disconnect(), loop).result(CALL_TIMEOUT_S)
            except (concurrent.futures.TimeoutError, RuntimeError) as exc:
                log.warning("D-Bus connections did not close cleanly: %s", exc)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(CALL_TIMEOUT_S)
        self._loop = self._thread = None
        self._session = self._system = None

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
        if self._session is not None and self._session.connected:
            return self._session
        address = session_bus_address()
        if address is None:
            raise BusUnavailable("there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        self._session = await _connect(address=address)
        return self._session

    async def system_bus(self):
        """The shared system-bus connection (logind lives there); raises BusUnavailable."""
        if self._system is not None and self._system.connected:
            return self._system
        self._system = await _connect(system=True)
        return self._system


async def _connect(address: str | None = None, system: bool = False):
    try:
        from dbus_fast import BusType
        from dbus_fast.aio import MessageBus
    except ImportError as exc:  # a wheel-less platform: the caller falls back to another backend
        raise BusUnavailable(f"the dbus-fast package is not installed ({exc})") from exc
    try:
        # unix fds on the system bus: logind hands out inhibitor locks as file descriptors
        bus = MessageBus(bus_type=BusType.SYSTEM, negotiate_unix_fd=True) if system else MessageBus(bus_address=address)
        return await asyncio.wait_for(bus.connect(), CALL_TIMEOUT_S)
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
