"""The tray as a StatusNotifierItem with a com.canonical.dbusmenu menu, over dbus-fast.

This is the tray protocol of KDE, XFCE, Cinnamon, MATE, LXQt, Budgie, sway/waybar and GNOME with
the AppIndicator extension, and the only one that works on Wayland. What we export on the shared
session-bus connection (fhp_monitor.desktop.bus):

* the bus name ``org.kde.StatusNotifierItem-<pid>-1``, registered with
  ``org.kde.StatusNotifierWatcher.RegisterStatusNotifierItem`` (again whenever a new watcher takes
  the name: ``NameOwnerChanged``, e.g. after the panel restarts; and everything again on the new
  connection when the shared one was lost and made again: a DBusLoop reconnect hook);
* ``/StatusNotifierItem`` (org.kde.StatusNotifierItem, :mod:`fhp_monitor.desktop.tray.sni_item`):
  Category ApplicationStatus, Id, Title, Status, IconPixmap (ARGB32, network byte order, 16..64 px),
  ToolTip, Menu=/MenuBar, ItemIsMenu=false; NewIcon/NewToolTip/NewStatus on change; Activate
  (left click) sends the ``activate`` command (the control panel);
* ``/MenuBar`` (com.canonical.dbusmenu, version 3, :mod:`fhp_monitor.desktop.tray.sni_menu`): a disabled
  status line ("Sitting tall · since 09:42"), then core.commands.MENU with what is not possible now
  greyed out (Resume while not paused). Clicks arrive as ``Event`` (KDE/Qt hosts) or ``EventGroup``
  (libdbusmenu-gtk hosts such as xfce4-panel); both map to the same command. State changes send
  ItemsPropertiesUpdated.

This module holds the tray itself: its state, registration with the watcher, reconnection, the
throttled change signals and what a click sends.

Threads: ``start``/``stop`` block the calling thread for a D-Bus round trip (never call them on the
``fhp-dbus`` thread); ``show`` may be called from any thread and only schedules work on the loop.
Every D-Bus handler runs on ``fhp-dbus`` and calls ``on_command``, which must only queue.
"""

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable

from dbus_fast import DBusError, Message, MessageType, Variant

from fhp_monitor.core.commands import Command
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.bus import BusUnavailable, DBusLoop, shared_loop
from fhp_monitor.desktop.tray.sni_item import ICON_SIZES, ITEM_PATH, StatusNotifierItem, argb32
from fhp_monitor.desktop.tray.sni_menu import (
    MENU_PATH,
    STATUS_ID,
    DBusMenu,
    Groups,
    menu_entries,
    menu_layout,
    status_line,
)

log = logging.getLogger(__name__)

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
_DBUS = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
_OWNER_MATCH = f"type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{WATCHER}'"

#: At most one NewIcon/NewToolTip/ItemsPropertiesUpdated burst per this many seconds. Each one makes
#: the host re-read every property (~35 kB of icon pixmaps); a burst of them filled the socket and
#: dbus-fast 5.2 drops the whole connection on EAGAIN (python-dbus-next issue #153).
ANNOUNCE_MIN_GAP_S = 0.5


class SniTray:
    """A StatusNotifierItem tray (see module doc). Built by fhp_monitor.desktop.tray.make_tray."""

    backend = "sni"
    has_menu = True

    def __init__(self, on_command: Callable[[Command], None], *, menu: Groups, draw: Callable, activate: Command,
                 possible: Callable[[Command, PostureState], bool], loop: DBusLoop | None = None) -> None:
        self._on_command = on_command
        self._draw, self._activate, self._possible = draw, activate, possible
        self._loop = loop
        self._bus = None
        self._item = StatusNotifierItem(pixmaps=lambda: self._pixmaps(self._state), tooltip=lambda: self._line,
                                        activate=lambda: self._send(self._activate))
        self._menu = DBusMenu(entries=self._menu_entries, on_event=self._menu_event)
        self._state = PostureState.UNCERTAIN
        self._line = status_line(None, 0.0)
        self._last: tuple[StatusSnapshot | None, float] = (None, 0.0)
        self._cache: dict[PostureState, list] = {}
        self._running = False
        self._pending_lock = threading.Lock()
        self._pending: tuple[bool, bool] | None = None  # (icon changed, paused changed) not yet announced
        self._last_announce = float("-inf")
        self.name = f"org.kde.StatusNotifierItem-{os.getpid()}-1"
        # Menu ids: 1 status line, then the commands (separators get ids too), stable for the run.
        self._layout, self._ids = menu_layout(menu)
        # entries greyed out in one of paused / not paused (Resume): announced when that changes
        self._paused_dependent = [i for i, c in self._ids.items()
                                  if possible(c, PostureState.PAUSED) != possible(c, PostureState.UPRIGHT)]

    # ------------------------------------------------------------------ public (any thread)
    @property
    def running(self) -> bool:
        return self._running

    @property
    def title(self) -> str:
        """The tooltip text: 'fhp-monitor: ' + the menu's status line."""
        return f"fhp-monitor: {self._line}"

    def start(self, snapshot: StatusSnapshot | None = None, now: float | None = None) -> bool:
        """Export the item and register it; False (one log line) when no SNI watcher is on the bus."""
        if self._running:
            return True
        self._set(snapshot, now if now is not None else time.time())
        try:
            loop = self._loop = self._loop or shared_loop()
            started = loop.call(self._start())
        except BusUnavailable as exc:
            log.info("No StatusNotifierItem tray: %s", exc)
            return False
        except (DBusError, asyncio.TimeoutError, TimeoutError, OSError) as exc:
            log.warning("The StatusNotifierItem tray could not start: %s", exc)
            return False
        if started:
            self._running = True
            log.info("Tray icon started (StatusNotifierItem %s, menu: True).", self.name)
        return started

    def show(self, snapshot: StatusSnapshot, now: float) -> None:
        """Show ``snapshot`` (icon, tooltip, menu); any thread; unchanged states send nothing."""
        old_state, old_line = self._state, self._line
        self._set(snapshot, now)
        if not self._running or (old_state, old_line) == (self._state, self._line):
            return
        paused_changed = (old_state == PostureState.PAUSED) != (self._state == PostureState.PAUSED)
        self._queue(old_state != self._state, paused_changed)

    def redraw(self) -> None:
        """The icon set changed (Settings → Colours): draw the icons again and tell the host. Any thread."""
        self._cache = {}
        if self._running:
            self._queue(True, False)

    def _queue(self, icon_changed: bool, paused_changed: bool) -> None:
        """Announce the changes on the loop, at most one announcement per ANNOUNCE_MIN_GAP_S."""
        with self._pending_lock:
            scheduled = self._pending is not None
            previous = self._pending or (False, False)
            self._pending = (previous[0] or icon_changed, previous[1] or paused_changed)
        if not scheduled:
            self._loop.call_soon(self._schedule_announce)

    def relabel(self) -> None:
        """The language changed: the whole menu (LayoutUpdated) and the tooltip again. Any thread."""
        self._set(*self._last)
        if self._running:
            self._loop.call_soon(self._relayout)

    def _relayout(self) -> None:
        if not self._running:
            return
        self._menu.revision += 1
        self._menu.LayoutUpdated(self._menu.revision, 0)
        self._item.NewToolTip()

    def stop(self) -> None:
        """Withdraw the item (release the name: the watcher drops it) and unexport. Safe twice."""
        if not self._running:
            return
        self._running = False
        try:
            self._loop.call(self._stop())
        except (DBusError, asyncio.TimeoutError, TimeoutError, RuntimeError, OSError) as exc:
            log.warning("The tray item did not leave cleanly: %s", exc)

    # ------------------------------------------------------------------ loop thread
    async def _start(self) -> bool:
        bus = await self._loop.session_bus()
        if not await _call(bus, *_DBUS, "NameHasOwner", "s", [WATCHER]):
            log.info("No StatusNotifierWatcher on the session bus (no SNI tray host).")
            return False
        await self._export(bus)
        await self._register()
        self._loop.add_reconnect_hook("session", self._on_reconnected)
        return True

    async def _export(self, bus) -> None:
        self._bus = bus
        bus.export(ITEM_PATH, self._item)
        bus.export(MENU_PATH, self._menu)
        await bus.request_name(self.name)
        await _call(bus, *_DBUS, "AddMatch", "s", [_OWNER_MATCH])
        bus.add_message_handler(self._on_message)

    async def _on_reconnected(self, bus) -> None:
        """The session connection was made again (DBusLoop hook): the old exports, name and match died
        with it. Export again, and register with the watcher if one is there; if none is yet (the bus
        daemon restarted and the panel with it), the NameOwnerChanged match registers when one comes."""
        if not self._running:
            return
        await self._export(bus)
        if await _call(bus, *_DBUS, "NameHasOwner", "s", [WATCHER]):
            await self._register()
            log.info("The tray item is back on the new D-Bus connection and registered with the watcher.")
        else:
            log.info("The tray item is back on the new D-Bus connection; it registers when a watcher appears.")

    async def _register(self) -> None:
        await _call(self._bus, WATCHER, WATCHER_PATH, WATCHER, "RegisterStatusNotifierItem", "s", [self.name])

    def _on_message(self, message: Message):
        if (message.message_type == MessageType.SIGNAL and message.member == "NameOwnerChanged"
                and message.body and message.body[0] == WATCHER and message.body[2]):
            log.info("A new StatusNotifierWatcher appeared; registering the tray item again.")
            asyncio.ensure_future(self._reregister())
        return None  # never consume: other users of the connection may want the signal too

    async def _reregister(self) -> None:
        try:
            await self._register()
        except (DBusError, asyncio.TimeoutError) as exc:
            log.warning("Could not register the tray item with the new watcher: %s", exc)

    async def _stop(self) -> None:
        self._loop.remove_reconnect_hook("session", self._on_reconnected)
        bus = self._bus
        if bus is None or not bus.connected:
            return
        bus.remove_message_handler(self._on_message)
        await _call(bus, *_DBUS, "RemoveMatch", "s", [_OWNER_MATCH])
        await bus.release_name(self.name)
        bus.unexport(ITEM_PATH)
        bus.unexport(MENU_PATH)

    def _schedule_announce(self) -> None:
        delay = max(0.0, self._last_announce + ANNOUNCE_MIN_GAP_S - time.monotonic())
        asyncio.get_running_loop().call_later(delay, self._announce)

    def _announce(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, None
        if not self._running or pending is None:
            return
        self._last_announce = time.monotonic()
        icon_changed, paused_changed = pending
        if icon_changed:
            self._item.NewIcon()
        self._item.NewToolTip()
        self._menu.revision += 1
        entries = dict(self._menu_entries())
        updated = [[STATUS_ID, {"label": entries[STATUS_ID]["label"]}]]
        if paused_changed:
            updated += [[entry_id, {"enabled": entries[entry_id]["enabled"]}] for entry_id in self._paused_dependent]
        self._menu.ItemsPropertiesUpdated(updated, [])

    def _menu_event(self, item_id: int, event_id: str) -> None:
        if event_id != "clicked":
            return  # 'opened', 'closed', 'hovered': nothing to do
        command = self._ids.get(item_id)
        if command is None:
            return  # the status line or a separator
        if not self._possible(command, self._state):
            log.info("%s clicked while it is greyed out (%s); nothing to do.", command, self._state.value)
            return
        self._send(command)

    def _send(self, command: Command) -> None:
        try:
            self._on_command(command)
        except Exception:  # a failing handler must not break the D-Bus loop; it is logged, not hidden
            log.exception("The handler for tray command %s failed.", command)

    # ------------------------------------------------------------------ values
    def _set(self, snapshot: StatusSnapshot | None, now: float) -> None:
        self._last = (snapshot, now)
        self._state = PostureState(snapshot.state) if snapshot is not None else PostureState.UNCERTAIN
        self._line = status_line(snapshot, now)

    def _pixmaps(self, state: PostureState) -> list:
        cache = self._cache  # a redraw() meanwhile replaces it: what is drawn here is not kept then
        if state not in cache:
            cache[state] = [[size, size, argb32(self._draw(state, size))] for size in ICON_SIZES]
        return cache[state]

    def _menu_entries(self) -> list[tuple[int, dict[str, Variant]]]:
        return menu_entries(self._layout, self._line, self._state, self._possible)

async def _call(bus, destination: str, path: str, interface: str, member: str, signature: str, body: list):
    reply = await asyncio.wait_for(bus.call(Message(destination=destination, path=path, interface=interface,
                                                    member=member, signature=signature, body=body)), 5.0)
    if reply.message_type == MessageType.ERROR:
        raise DBusError(reply.error_name, str(reply.body[0]) if reply.body else reply.error_name)
    return reply.body[0] if reply.body else None
