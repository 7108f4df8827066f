"""A stand-in for logind (org.freedesktop.login1) on a private "system" bus, for the suspend and lock tests.

A container has no logind, so this exports the parts the app uses, with dbus-fast, as the real
daemon does: ``Manager.Inhibit(what, who, why, mode)`` returning a real file descriptor (the write
end of a pipe: when every copy is closed the read end sees EOF, exactly how logind notices a
released inhibitor), the ``PrepareForSleep(b)`` signal, ``GetSession``/``GetSessionByPID``, and one
session object with ``Lock``/``Unlock`` signals and the ``LockedHint`` property.

It runs on its own DBusLoop (its own thread and connection), so the app's watcher talks to it over
the bus like to the real one. The test drives it from its own thread with the blocking helpers.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass, field

from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method, signal

from fhp_monitor.desktop.bus import DBusLoop


async def leave(bus: MessageBus) -> str:
    """Disconnect a stand-in's bus and say how the connection ended ("disconnected", or "lost: ..."
    after a killed daemon: the EOFError nobody else would read)."""
    bus.disconnect()
    try:
        await asyncio.wait_for(bus.wait_for_disconnect(), 5)
        return "disconnected"
    except (EOFError, OSError, asyncio.TimeoutError) as exc:
        return f"lost: {exc!r}"

SESSION_PATH = "/org/freedesktop/login1/session/c7"


class PrivateBus:
    """A dbus-daemon of our own; ``address`` goes in DBUS_SYSTEM_BUS_ADDRESS or DBUS_SESSION_BUS_ADDRESS."""

    def __init__(self) -> None:
        self.daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       text=True)
        self.address = self.daemon.stdout.readline().strip()
        if not self.address:
            self.close()
            raise RuntimeError("dbus-daemon did not print its address")

    def close(self) -> None:
        self.daemon.terminate()
        self.daemon.wait(10)
        self.daemon.stdout.close()


@dataclass
class Inhibitor:
    read_fd: int
    write_fd: int | None
    what: str
    who: str
    why: str
    mode: str
    released: asyncio.Future = field(repr=False, default=None)  # type: ignore[assignment]


class Session(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.login1.Session")
        self.locked = False

    @signal(name="Lock")
    def lock_signal(self) -> "":
        return None

    @signal(name="Unlock")
    def unlock_signal(self) -> "":
        return None

    @dbus_property(access=PropertyAccess.READ)
    def LockedHint(self) -> "b":
        return self.locked

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> "s":
        return "c7"


class Manager(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.login1.Manager")
        self.inhibitors: list[Inhibitor] = []
        self.session_lookups: list[tuple[str, object]] = []

    @signal()
    def PrepareForSleep(self, start) -> "b":
        return start

    @method()
    def Inhibit(self, what: "s", who: "s", why: "s", mode: "s") -> "h":
        read_fd, write_fd = os.pipe()
        loop = asyncio.get_running_loop()
        inhibitor = Inhibitor(read_fd, write_fd, what, who, why, mode, loop.create_future())

        def readable() -> None:  # EOF: every copy of the write end is closed
            if os.read(read_fd, 1) == b"":
                loop.remove_reader(read_fd)
                if not inhibitor.released.done():
                    inhibitor.released.set_result(time.monotonic())

        loop.add_reader(read_fd, readable)
        self.inhibitors.append(inhibitor)
        loop.call_later(0.5, self._close_our_copy, inhibitor)  # dbus-fast sends a copy; ours goes after that
        return write_fd

    @staticmethod
    def _close_our_copy(inhibitor: Inhibitor) -> None:
        if inhibitor.write_fd is not None:
            os.close(inhibitor.write_fd)
            inhibitor.write_fd = None

    @method()
    def GetSession(self, session_id: "s") -> "o":
        self.session_lookups.append(("GetSession", session_id))
        return SESSION_PATH

    @method()
    def GetSessionByPID(self, pid: "u") -> "o":
        self.session_lookups.append(("GetSessionByPID", pid))
        return SESSION_PATH

    def held(self) -> list[Inhibitor]:
        return [i for i in self.inhibitors if not i.released.done()]


class Login1Stub:
    """Owns org.freedesktop.login1 on ``address`` until :meth:`close`. Blocking helpers: any test thread."""

    def __init__(self, address: str) -> None:
        self.loop = DBusLoop().start()
        self.manager, self.session = Manager(), Session()

        async def serve() -> MessageBus:
            bus = await MessageBus(bus_address=address, negotiate_unix_fd=True).connect()
            bus.export("/org/freedesktop/login1", self.manager)
            bus.export(SESSION_PATH, self.session)
            await bus.request_name("org.freedesktop.login1")
            return bus

        self.bus = self.loop.call(serve())

    def close(self) -> None:
        """Leave the bus (a dead one too: a test may have killed its daemon). Safe to call twice."""
        if not self.loop.running:
            return

        async def stop() -> None:
            for inhibitor in self.manager.inhibitors:
                asyncio.get_running_loop().remove_reader(inhibitor.read_fd)
                os.close(inhibitor.read_fd)
                Manager._close_our_copy(inhibitor)
            self.ended = await leave(self.bus)

        self.loop.call(stop())
        self.loop.close()

    def held(self) -> list[Inhibitor]:
        async def held() -> list[Inhibitor]:
            return self.manager.held()

        return self.loop.call(held())

    def suspend(self, max_delay_s: float = 5.0) -> float:
        """PrepareForSleep(true), then wait (like logind, at most ``max_delay_s``) until every sleep delay
        inhibitor is released. Returns the seconds that took (``max_delay_s`` if one was still held)."""

        async def suspend() -> float:
            delays = [i for i in self.manager.held() if "sleep" in i.what.split(":") and i.mode == "delay"]
            for inhibitor in delays:
                Manager._close_our_copy(inhibitor)
            start = time.monotonic()
            self.manager.PrepareForSleep(True)
            done, _ = await asyncio.wait([i.released for i in delays], timeout=max_delay_s)
            if len(done) < len(delays):
                return max_delay_s
            return max([i.released.result() for i in delays], default=start) - start

        return self.loop.call(suspend(), timeout_s=max_delay_s + 5)

    def wake(self) -> None:
        self.loop.call_soon(self.manager.PrepareForSleep, False)

    def lock_session(self, locked: bool) -> None:
        """What `loginctl lock-session` / `unlock-session` make logind send."""
        self.loop.call_soon(self.session.lock_signal if locked else self.session.unlock_signal)

    def set_locked_hint(self, locked: bool) -> None:
        def change() -> None:
            self.session.locked = locked
            self.session.emit_properties_changed({"LockedHint": locked})

        self.loop.call_soon(change)
