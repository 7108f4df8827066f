"""The SNI tray's menu: com.canonical.dbusmenu (version 3) at /MenuBar, and what is in it.

A flat menu (part of the SNI tray, :mod:`fhp_monitor.desktop.tray.sni`): a disabled status line
("Sitting tall · since 09:42"), then the groups of core.commands.MENU with a separator before each
(the panel, the pauses and Resume, recalibrate/summary/settings, quit); what is not possible now
(Resume while not paused) is greyed out. Clicks arrive as ``Event`` (KDE/Qt hosts) or ``EventGroup``
(libdbusmenu-gtk hosts such as xfce4-panel); both map to the same command. State changes send
ItemsPropertiesUpdated.

Threads: every D-Bus handler runs on the ``fhp-dbus`` loop thread; the callables given to
:class:`DBusMenu` are called there and must not block (``on_event`` must only queue).
"""

# No ``from __future__ import annotations`` here: dbus-fast reads the D-Bus signatures from the
# method annotations, which must stay plain strings such as "ii".

from collections.abc import Callable

from dbus_fast import DBusError, Variant
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_property, method, signal

from fhp_monitor.core import messages
from fhp_monitor.core.commands import Command
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import PostureState, StatusSnapshot

MENU_PATH = "/MenuBar"
STATUS_ID = 1  # the disabled first line of the menu

#: One row of the menu: (id, command or None, label); the label is "status" or "separator" for those.
Row = tuple[int, Command | None, str]
#: The menu's groups of (command, label) (core.commands.MENU).
Groups = tuple[tuple[tuple[Command, str], ...], ...]


def status_line(snapshot: StatusSnapshot | None, now: float) -> str:
    """The menu's first line: 'Sitting tall · since 09:42', 'Paused until 10:15', ..."""
    if snapshot is None:
        return messages.state_words(PostureState.UNCERTAIN)
    if snapshot.state == PostureState.PAUSED or snapshot.source_ended:
        return messages.tooltip(snapshot, now).removeprefix("fhp-monitor: ")
    return messages.with_setup(_("{state} · since {time}").format(state=messages.state_words(snapshot.state),
                                                                  time=messages.clock_text(snapshot.since)), snapshot)


def menu_layout(groups: Groups) -> tuple[list[Row], dict[int, Command]]:
    """The menu's rows (a separator before each group) and which command each clickable id sends.

    Menu ids: 1 status line, then the commands (separators get ids too), stable for the run."""
    ids: dict[int, Command] = {}
    layout: list[Row] = [(STATUS_ID, None, "status")]
    next_id = STATUS_ID + 1
    for group in groups:
        layout.append((next_id, None, "separator"))
        next_id += 1
        for command, label in group:
            layout.append((next_id, command, label))
            ids[next_id] = command
            next_id += 1
    return layout, ids


def menu_entries(layout: list[Row], line: str, state: PostureState,
                 possible: Callable[[Command, PostureState], bool]) -> list[tuple[int, dict[str, Variant]]]:
    """Each row's dbusmenu properties: ``line`` on the status row, a command enabled only while
    ``possible`` in ``state`` (Resume while paused)."""
    entries = []
    for entry_id, command, label in layout:
        if label == "status":
            entries.append((entry_id, {"label": Variant("s", line), "enabled": Variant("b", False)}))
        elif label == "separator":
            entries.append((entry_id, {"type": Variant("s", "separator")}))
        else:
            entries.append((entry_id, {"label": Variant("s", _(label).replace("_", "__")),
                                       "enabled": Variant("b", possible(command, state)),
                                       "visible": Variant("b", True)}))
    return entries


class DBusMenu(ServiceInterface):
    """com.canonical.dbusmenu at /MenuBar: a flat menu (root 0, entries 1..n).

    ``entries()`` gives the current rows (see :func:`menu_entries`); ``on_event(id, event)`` is
    called for each Event / EventGroup entry with a known id.
    """

    def __init__(self, *, entries: Callable[[], list[tuple[int, dict[str, Variant]]]],
                 on_event: Callable[[int, str], None]) -> None:
        super().__init__("com.canonical.dbusmenu")
        self._entries, self._on_event = entries, on_event
        self.revision = 1

    # -- the entries
    def entries(self) -> list[tuple[int, dict[str, Variant]]]:
        return self._entries()

    def _props(self, item_id: int, names: list[str]) -> dict[str, Variant]:
        for entry_id, props in self.entries():
            if entry_id == item_id:
                return {k: v for k, v in props.items() if not names or k in names}
        raise DBusError("com.canonical.dbusmenu.Error.UnknownId", f"no menu entry {item_id}")

    def _node(self, item_id: int, depth: int, names: list[str]) -> list:
        if item_id == 0:
            props = {"children-display": Variant("s", "submenu")}
            children = [] if depth == 0 else [
                Variant("(ia{sv}av)", self._node(entry_id, depth - 1, names)) for entry_id, _ in self.entries()]
            return [0, props, children]
        return [item_id, self._props(item_id, names), []]

    # -- methods
    @method()
    def GetLayout(self, parent_id: "i", recursion_depth: "i", property_names: "as") -> "u(ia{sv}av)":
        depth = 1 if recursion_depth < 0 else recursion_depth
        return [self.revision, self._node(parent_id, depth, property_names)]

    @method()
    def GetGroupProperties(self, ids: "ai", property_names: "as") -> "a(ia{sv})":
        wanted = ids or [entry_id for entry_id, _ in self.entries()]
        known = {entry_id for entry_id, _ in self.entries()} | {0}
        return [[i, self._props(i, property_names) if i else {}] for i in wanted if i in known]

    @method()
    def GetProperty(self, item_id: "i", name: "s") -> "v":
        props = self._props(item_id, [name])
        if name not in props:
            raise DBusError("com.canonical.dbusmenu.Error.UnknownProperty", f"entry {item_id} has no {name}")
        return props[name]

    @method()
    def Event(self, item_id: "i", event_id: "s", data: "v", timestamp: "u"):
        self._on_event(item_id, event_id)

    @method()
    def EventGroup(self, events: "a(isvu)") -> "ai":
        known = {entry_id for entry_id, _ in self.entries()} | {0}
        for item_id, event_id, _data, _timestamp in events:
            if item_id in known:
                self._on_event(item_id, event_id)
        return [item_id for item_id, *_rest in events if item_id not in known]

    @method()
    def AboutToShow(self, item_id: "i") -> "b":
        return False  # the menu is always up to date (ItemsPropertiesUpdated tells the host)

    @method()
    def AboutToShowGroup(self, ids: "ai") -> "aiai":
        return [[], []]

    # -- properties
    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> "u":
        return 3

    @dbus_property(access=PropertyAccess.READ)
    def TextDirection(self) -> "s":
        return "ltr"

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> "s":
        return "normal"

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> "as":
        return []

    # -- signals
    @signal()
    def ItemsPropertiesUpdated(self, updated, removed) -> "a(ia{sv})a(ias)":
        return [updated, removed]

    @signal()
    def LayoutUpdated(self, revision, parent) -> "ui":
        return [revision, parent]

    @signal()
    def ItemActivationRequested(self, item_id, timestamp) -> "iu":
        return [item_id, timestamp]
