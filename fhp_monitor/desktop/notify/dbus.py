"""Notifications through org.freedesktop.Notifications over dbus-fast, on the shared D-Bus loop.

Why not plyer or desktop-notifier here: plyer's Linux path runs ``notify-send -t 0`` (never
expires, no buttons, no replacement). desktop-notifier 6 is well made but opens a D-Bus connection
of its own and has no way to replace the previous bubble (replaces_id); talking to the spec's six
calls directly costs ~150 lines and keeps one connection, one loop thread and full control.

What a nudge does (``kind="nudge"``): expires after NUDGE_TIMEOUT_S, replaces the previous nudge
(replaces_id) instead of stacking, carries the app icon (a PNG shipped in fhp_monitor/resources),
and offers the buttons of core.commands.NUDGE_BUTTONS (**Snooze 30 min** / **Pause for today**) where
the server lists "actions" in GetCapabilities; ActionInvoked for one of our nudges calls ``on_action``
with that button's command.
Where the server has no actions the body ends with a short line saying how to pause. Other
notifications (``kind="info"``) expire after INFO_TIMEOUT_S and never replace a nudge.

When the shared connection is lost, a notification asked for meanwhile fails with a plain
NotificationError (the caller logs it); once the loop has reconnected, a hook listens for button
presses on the new connection and the next notification goes through it.

Threads: ``start`` and ``notify`` block the caller for one D-Bus round trip (never call them on
``fhp-dbus``). ``on_action`` runs on ``fhp-dbus`` and must only queue (``App.post``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from importlib import resources

from dbus_fast import DBusError, Message, MessageType, Variant

from fhp_monitor.core.commands import NUDGE_BUTTONS, Command
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.ports import NOTIFY_INFO, NOTIFY_KINDS, NOTIFY_NUDGE, NotificationError, check_notification_text
from fhp_monitor.desktop.bus import BusUnavailable, DBusLoop, shared_loop

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
NUDGE_TIMEOUT_S = 20
INFO_TIMEOUT_S = 10

#: A nudge's buttons by their D-Bus action key (the command's name, e.g. 'snooze_1800s').
NUDGE_ACTIONS: dict[str, tuple[Command, str]] = {str(command): (command, label) for command, label in NUDGE_BUTTONS}
#: Added to a nudge's body where the server shows no buttons.
NO_BUTTONS_HINT = N_("To pause, use the tray menu or type: fhp-monitor pause")
_SIGNAL_MATCH = f"type='signal',interface='{INTERFACE}',path='{OBJECT_PATH}'"
_CALL_TIMEOUT_S = 5.0


def app_icon_path() -> str:
    """Absolute path of the icon shown on notifications (a file in the installed package)."""
    return str(resources.files("fhp_monitor.resources") / "fhp-monitor.png")


class DBusNotifier:
    """The Notifier port over org.freedesktop.Notifications (see module doc)."""

    backend = "dbus"

    def __init__(self, on_action: Callable[[Command], None] | None = None, app_name: str = "fhp-monitor",
                 loop: DBusLoop | None = None, nudge_timeout_s: float = NUDGE_TIMEOUT_S,
                 info_timeout_s: float = INFO_TIMEOUT_S) -> None:
        if not app_name:
            raise ValueError("app_name must not be empty")
        if nudge_timeout_s <= 0 or info_timeout_s <= 0:
            raise ValueError("notification timeouts must be positive")
        self.app_name = app_name
        self._on_action = on_action
        self._loop = loop
        self._bus = None
        self.nudge_timeout_ms = int(nudge_timeout_s * 1000)
        self.info_timeout_ms = int(info_timeout_s * 1000)
        self.capabilities: frozenset[str] = frozenset()
        self.server: str = ""
        self._nudge_id = 0  # the nudge on screen (0: none), replaced by the next one
        self._nudge_ids: set[int] = set()  # every nudge we sent: buttons on old ones still count

    @property
    def has_actions(self) -> bool:
        return "actions" in self.capabilities

    # ------------------------------------------------------------------ any thread but fhp-dbus
    def start(self) -> "DBusNotifier":
        """Find the notification server; raise NotificationError (a plain sentence) if there is none."""
        try:
            self._loop = self._loop or shared_loop()
            self._loop.call(self._start())
        except BusUnavailable as exc:
            raise NotificationError(_("There is no desktop bus for notifications ({error}).").format(
                error=exc)) from exc
        except DBusError as exc:
            raise NotificationError(_("No notification service is running on this desktop ({error}).").format(
                error=exc.text)) from exc
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise NotificationError(_("The notification service did not answer in time.")) from exc
        log.info("Notifications through %s (buttons: %s).", self.server, self.has_actions)
        return self

    def notify(self, title: str, message: str, *, kind: str = NOTIFY_INFO) -> None:
        """Show a notification; raise NotificationError if the desktop refused it."""
        check_notification_text(title, "title")
        check_notification_text(message, "message")
        if kind not in NOTIFY_KINDS:
            raise ValueError(f"notification kind must be one of {NOTIFY_KINDS}, got {kind!r}")
        if self._bus is None:
            self.start()
        try:
            self._loop.call(self._notify(title, message, kind))
        except DBusError as exc:
            raise NotificationError(_("The desktop did not accept the notification: {error}").format(
                error=exc.text)) from exc
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise NotificationError(_("The notification service did not answer in time.")) from exc
        except BusUnavailable as exc:
            raise NotificationError(_("The desktop bus went away ({error}).").format(error=exc)) from exc

    def close(self) -> None:
        """Stop listening for button presses (the shared connection stays). Safe to call twice."""
        if self._bus is None or self._loop is None or not self._loop.running:
            return
        try:
            self._loop.call(self._close())
        except (DBusError, asyncio.TimeoutError, TimeoutError) as exc:
            log.warning("Notifications did not close cleanly: %s", exc)

    # ------------------------------------------------------------------ fhp-dbus
    async def _start(self) -> None:
        bus = await self._loop.session_bus()
        self.capabilities = frozenset(await _call(bus, "GetCapabilities", "", []))
        info = await _call(bus, "GetServerInformation", "", [], whole=True)
        self.server = f"{info[0]} {info[2]}" if len(info) >= 3 else str(info)
        if self._bus is None:
            await _call_dbus(bus, "AddMatch", [_SIGNAL_MATCH])
            bus.add_message_handler(self._on_message)
            self._loop.add_reconnect_hook("session", self._on_reconnected)
        self._bus = bus

    async def _on_reconnected(self, bus) -> None:
        """DBusLoop hook: listen for buttons on the new connection. Bubbles of the old server are gone
        with it, and a new server numbers its own: forget our nudge ids."""
        if self._bus is None:
            return  # closed
        self._bus = bus
        self._nudge_id = 0
        self._nudge_ids.clear()
        await _call_dbus(bus, "AddMatch", [_SIGNAL_MATCH])
        bus.add_message_handler(self._on_message)
        try:
            self.capabilities = frozenset(await _call(bus, "GetCapabilities", "", []))
        except (DBusError, asyncio.TimeoutError) as exc:  # the server may not be back yet: keep what we knew
            log.info("The notification service does not answer on the new D-Bus connection yet: %s", exc)

    async def _close(self) -> None:
        self._loop.remove_reconnect_hook("session", self._on_reconnected)
        bus, self._bus = self._bus, None
        if bus is not None and bus.connected:
            bus.remove_message_handler(self._on_message)
            await _call_dbus(bus, "RemoveMatch", [_SIGNAL_MATCH])

    async def _notify(self, title: str, message: str, kind: str) -> None:
        bus = await self._loop.session_bus()
        nudge = kind == NOTIFY_NUDGE
        actions: list[str] = []
        if nudge and self.has_actions:
            actions = [part for key, (_command, label) in NUDGE_ACTIONS.items() for part in (key, _(label))]
        elif nudge:
            message = f"{message}\n{_(NO_BUTTONS_HINT)}"
        hints = {"urgency": Variant("y", 1)}  # normal: dunst and others honour our timeout
        body = [self.app_name, self._nudge_id if nudge else 0, app_icon_path(), title, message, actions, hints,
                self.nudge_timeout_ms if nudge else self.info_timeout_ms]
        notification_id = await _call(bus, "Notify", "susssasa{sv}i", body)
        if nudge:
            self._nudge_id = notification_id
            self._nudge_ids.add(notification_id)

    def _on_message(self, message: Message):
        if message.message_type != MessageType.SIGNAL or message.interface != INTERFACE:
            return None
        if message.member == "ActionInvoked" and len(message.body) == 2:
            notification_id, key = message.body
            if notification_id in self._nudge_ids and key in NUDGE_ACTIONS:
                log.info("Notification button pressed: %s", key)
                if self._on_action is not None:
                    try:
                        self._on_action(NUDGE_ACTIONS[key][0])
                    except Exception:  # a failing handler must not break the D-Bus loop; logged, not hidden
                        log.exception("The handler for notification button %r failed.", key)
        elif message.member == "NotificationClosed" and message.body:
            if message.body[0] == self._nudge_id:
                self._nudge_id = 0  # gone from the screen: the next nudge is a new bubble
        return None  # never consume: others on the shared connection may listen too


async def _call(bus, member: str, signature: str, body: list, whole: bool = False):
    reply = await asyncio.wait_for(bus.call(Message(destination=BUS_NAME, path=OBJECT_PATH, interface=INTERFACE,
                                                    member=member, signature=signature, body=body)),
                                   _CALL_TIMEOUT_S)
    if reply.message_type == MessageType.ERROR:
        raise DBusError(reply.error_name, str(reply.body[0]) if reply.body else reply.error_name)
    return reply.body if whole else reply.body[0]


async def _call_dbus(bus, member: str, body: list) -> None:
    reply = await asyncio.wait_for(bus.call(Message(
        destination="org.freedesktop.DBus", path="/org/freedesktop/DBus", interface="org.freedesktop.DBus",
        member=member, signature="s", body=body)), _CALL_TIMEOUT_S)
    if reply.message_type == MessageType.ERROR:
        raise DBusError(reply.error_name, str(reply.body[0]) if reply.body else reply.error_name)
