"""A bus daemon that can die and come back at the same address, and the session-bus services the
reconnect tests need on it: a StatusNotifierWatcher (what a panel runs) and a screen saver.

* :class:`RestartableBus` is a real ``dbus-daemon`` listening on ``unix:path=<folder>/<name>-bus``.
  :meth:`RestartableBus.kill` is a crash (SIGKILL, the socket file stays behind, as after a real
  crash); :meth:`RestartableBus.start` brings a new daemon up at the same address.
  :meth:`RestartableBus.start_aside` + :meth:`RestartableBus.go_live` start it at a side path, let
  services connect there first, then move the socket to the real path in one ``rename``: clients
  see the new bus only once its services are on it (a deterministic "they were already back").
* :class:`SessionStandins` owns ``org.kde.StatusNotifierWatcher`` and ``org.cinnamon.ScreenSaver``
  on one connection of its own (its own DBusLoop thread), answering the way the real ones do; the
  watcher drops an item whose bus name leaves, as real watchers do.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from dbus_fast import DBusError, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method
from dbus_fast.service import signal as dbus_signal

from fhp_monitor.desktop.bus import DBusLoop
from tests.support.logind_stub import leave

WATCHER = "org.kde.StatusNotifierWatcher"
SAVER = "org.cinnamon.ScreenSaver"
SAVER_PATH = "/org/cinnamon/ScreenSaver"


class RestartableBus:
    """A dbus-daemon at a fixed ``unix:path`` address that a test can kill and start again."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = Path(folder) / f"{name}-bus"
        self.address = f"unix:path={self.path}"
        self._aside = self.path.with_name(f"{name}-bus.new")
        self.daemon: subprocess.Popen | None = None

    def _spawn(self, path: Path) -> str:
        path.unlink(missing_ok=True)  # what a killed daemon left behind
        self.daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address",
                                        f"--address=unix:path={path}"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        printed = self.daemon.stdout.readline().strip()
        if not printed:
            self.close()
            raise RuntimeError(f"dbus-daemon did not start at {path}")
        return f"unix:path={path}"

    def start(self) -> "RestartableBus":
        self._spawn(self.path)
        return self

    def start_aside(self) -> str:
        """Start the daemon at a side path (returns its address); :meth:`go_live` moves it in place."""
        return self._spawn(self._aside)

    def go_live(self) -> None:
        os.replace(self._aside, self.path)

    def kill(self) -> None:
        """Crash the daemon: every connection to it drops at once."""
        assert self.daemon is not None
        self.daemon.send_signal(signal.SIGKILL)
        self.daemon.wait(10)
        self.daemon.stdout.close()
        self.daemon = None

    def close(self) -> None:
        if self.daemon is not None:
            self.daemon.terminate()
            self.daemon.wait(10)
            self.daemon.stdout.close()
            self.daemon = None
        self.path.unlink(missing_ok=True)
        self._aside.unlink(missing_ok=True)


class _Watcher(ServiceInterface):
    def __init__(self) -> None:
        super().__init__(WATCHER)
        self.items: list[str] = []

    @method()
    def RegisterStatusNotifierItem(self, service: "s"):
        if service.startswith("/"):  # a path alone needs the caller's unique name, which we are not told
            raise DBusError("org.freedesktop.DBus.Error.InvalidArgs", "register by bus name in this stand-in")
        entry = f"{service}/StatusNotifierItem"
        if entry not in self.items:
            self.items.append(entry)
            self.StatusNotifierItemRegistered(entry)

    @method()
    def RegisterStatusNotifierHost(self, service: "s"):
        pass

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":
        return list(self.items)

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":
        return 0

    @dbus_signal()
    def StatusNotifierItemRegistered(self, entry) -> "s":
        return entry

    @dbus_signal()
    def StatusNotifierItemUnregistered(self, entry) -> "s":
        return entry

    def name_left(self, name: str) -> None:
        for entry in [e for e in self.items if e.split("/", 1)[0] == name]:
            self.items.remove(entry)
            self.StatusNotifierItemUnregistered(entry)


class _ScreenSaver(ServiceInterface):
    def __init__(self, active: bool) -> None:
        super().__init__(SAVER)
        self.active = active

    @method()
    def GetActive(self) -> "b":
        return self.active

    @dbus_signal()
    def ActiveChanged(self, active) -> "b":
        return active


class SessionStandins:
    """A StatusNotifierWatcher and a screen saver on ``address`` until :meth:`close` (any test thread)."""

    def __init__(self, address: str, active: bool = False) -> None:
        self.loop = DBusLoop().start()
        self.watcher, self.saver = _Watcher(), _ScreenSaver(active)

        async def serve() -> MessageBus:
            bus = await MessageBus(bus_address=address).connect()
            bus.export("/StatusNotifierWatcher", self.watcher)
            bus.export(SAVER_PATH, self.saver)
            await bus.call(Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                                   interface="org.freedesktop.DBus", member="AddMatch", signature="s",
                                   body=["type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'"]))
            bus.add_message_handler(self._on_message)
            await bus.request_name(WATCHER)
            await bus.request_name(SAVER)
            return bus

        self.bus = self.loop.call(serve())

    def _on_message(self, message: Message):
        if (message.message_type == MessageType.SIGNAL and message.member == "NameOwnerChanged"
                and message.sender == "org.freedesktop.DBus" and not message.body[2]):
            self.watcher.name_left(message.body[0])
        return None

    def set_active(self, active: bool) -> None:
        """Lock (True) or unlock the stand-in screen: GetActive answers it and ActiveChanged says it."""
        def change() -> None:
            self.saver.active = active
            self.saver.ActiveChanged(active)

        self.loop.call_soon(change)

    def close(self) -> None:
        """Leave the bus (a dead one too). Safe to call twice."""
        if not self.loop.running:
            return

        async def stop() -> None:
            self.ended = await leave(self.bus)

        self.loop.call(stop())
        self.loop.close()
