"""Read and press StatusNotifierItems the way a tray host does, over a D-Bus connection of our own.

Each call opens its own connection to the given bus address (a host is another process), runs one
short asyncio exchange and closes it. Used by the SNI tray tests; nothing here is faked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from tests.support.desktop import wait_until

WATCHER = "org.kde.StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"
TIMEOUT_S = 5.0


class HostError(RuntimeError):
    pass


def plain(value):
    if isinstance(value, Variant):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


async def _call(bus, dest, path, iface, member, sig="", body=None):
    reply = await asyncio.wait_for(bus.call(Message(destination=dest, path=path, interface=iface, member=member,
                                                    signature=sig, body=body or [])), TIMEOUT_S)
    if reply.message_type == MessageType.ERROR:
        raise HostError(f"{iface}.{member}: {reply.error_name}: {reply.body}")
    return reply.body


def _run(address: str, work):
    async def main():
        bus = await MessageBus(bus_address=address).connect()
        try:
            return await work(bus)
        finally:
            bus.disconnect()
    return asyncio.run(main())


def registered(address: str) -> list[str]:
    """The watcher's RegisteredStatusNotifierItems ('busname/path' entries)."""
    async def work(bus):
        (value,) = await _call(bus, WATCHER, "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties", "Get",
                               "ss", [WATCHER, "RegisteredStatusNotifierItems"])
        return plain(value)
    return _run(address, work)


def split(entry: str) -> tuple[str, str]:
    index = entry.find("/")
    return (entry[:index], entry[index:]) if index > 0 else (entry, "/StatusNotifierItem")


def item_properties(address: str, entry: str) -> dict:
    service, path = split(entry)

    async def work(bus):
        (props,) = await _call(bus, service, path, "org.freedesktop.DBus.Properties", "GetAll", "s", [ITEM])
        return {k: (v.value if isinstance(v, Variant) else v) for k, v in props.items()}
    return _run(address, work)


def menu_layout(address: str, entry: str, menu_path: str) -> tuple[int, list[dict]]:
    """(revision, [{id, label, enabled, type}]) as a host reads it after AboutToShow(0)."""
    service, _ = split(entry)

    async def work(bus):
        await _call(bus, service, menu_path, MENU, "AboutToShow", "i", [0])
        revision, root = await _call(bus, service, menu_path, MENU, "GetLayout", "iias", [0, -1, []])
        entries = []
        for child in plain(root)[2]:
            item_id, props, _children = child
            entries.append({"id": item_id, "label": props.get("label"), "enabled": props.get("enabled", True),
                            "type": props.get("type", "standard")})
        return revision, entries
    return _run(address, work)


def menu_call(address: str, entry: str, menu_path: str, member: str, sig: str, body: list):
    service, _ = split(entry)
    return _run(address, lambda bus: _call(bus, service, menu_path, MENU, member, sig, body))


def click(address: str, entry: str, menu_path: str, item_id: int, via: str) -> None:
    """Press a menu entry: ``Event`` (KDE/Qt hosts) or ``EventGroup`` (libdbusmenu-gtk, xfce4-panel)."""
    if via == "event":
        menu_call(address, entry, menu_path, "Event", "isvu", [item_id, "clicked", Variant("i", 0), 0])
    else:
        menu_call(address, entry, menu_path, "EventGroup", "a(isvu)", [[[item_id, "clicked", Variant("i", 0), 0]]])


def activate(address: str, entry: str) -> None:
    service, path = split(entry)
    _run(address, lambda bus: _call(bus, service, path, ITEM, "Activate", "ii", [0, 0]))


def signals_during(address: str, sender_entry: str, action: Callable[[], None], wanted: set[str],
                   timeout_s: float = 5.0, settle_s: float = 0.0) -> list[tuple[str, list]]:
    """Run ``action`` (in a thread) while listening to the item's signals; return them once every
    member in ``wanted`` was seen and ``settle_s`` more seconds passed (an observation window, to
    count what else arrives); raise HostError when ``wanted`` is not seen within ``timeout_s``."""
    service, _ = split(sender_entry)

    async def work(bus):
        (owner,) = await _call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetNameOwner", "s", [service])
        await _call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s",
                    [f"type='signal',sender='{owner}'"])
        seen: list[tuple[str, list]] = []
        done = asyncio.Event()

        def handler(message):
            if message.message_type == MessageType.SIGNAL and message.sender == owner:
                seen.append((message.member, plain(message.body)))
                if wanted <= {member for member, _ in seen}:
                    done.set()
        bus.add_message_handler(handler)
        await asyncio.get_running_loop().run_in_executor(None, action)
        try:
            await asyncio.wait_for(done.wait(), timeout_s)
        except asyncio.TimeoutError:
            raise HostError(f"signals {wanted} not all seen within {timeout_s} s; saw {seen}") from None
        await asyncio.sleep(settle_s)
        return seen
    return _run(address, work)


def app_item(address: str, pid: int, timeout_s: float = 60.0) -> str:
    """The bus name and path of the tray item that the fhp-monitor process ``pid`` registered, once it has."""
    def mine() -> list[str]:
        return [e for e in registered(address) if "StatusNotifierItem-" in e and e.split("-")[1] == str(pid)]

    return wait_until(mine, timeout_s, f"the tray item of process {pid}")[0]


def menu_labels(address: str, entry: str) -> list[str]:
    """The labels of the item's menu below its status line, separators left out, as a host shows them."""
    return [e["label"] for e in menu_layout(address, entry, "/MenuBar")[1][1:] if e["type"] != "separator"]


def click_label(address: str, entry: str, label: str) -> None:
    """Press the item's menu entry shown as ``label``, as a person does in the tray (StopIteration if none)."""
    item = next(e for e in menu_layout(address, entry, "/MenuBar")[1] if e.get("label") == label)
    click(address, entry, "/MenuBar", item["id"], "group")
