"""The org.kde.StatusNotifierItem interface at /StatusNotifierItem, and its icons as pixmaps.

What a host reads (part of the SNI tray, :mod:`fhp_monitor.desktop.tray.sni`): Category
ApplicationStatus, Id, Title, Status, IconPixmap (ARGB32, network byte order, 16..64 px), ToolTip,
Menu=/MenuBar, ItemIsMenu=false; NewIcon/NewToolTip/NewStatus on change; Activate (left click)
sends the ``activate`` command (the control panel).

Threads: every D-Bus handler runs on the ``fhp-dbus`` loop thread; the callables given to
:class:`StatusNotifierItem` are called there and must not block (``activate`` must only queue).
"""

# No ``from __future__ import annotations`` here: dbus-fast reads the D-Bus signatures from the
# method annotations, which must stay plain strings such as "ii".

from collections.abc import Callable

import numpy as np
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_property, method, signal

from fhp_monitor.desktop.tray.sni_menu import MENU_PATH

ITEM_PATH = "/StatusNotifierItem"
ICON_SIZES = (16, 22, 24, 32, 48, 64)


def argb32(rgba) -> bytes:
    """An RGBA array (height x width x 4, uint8) -> ARGB32 bytes in network (big-endian) order, as
    IconPixmap wants."""
    rgba = np.asarray(rgba, dtype=np.uint8)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"an RGBA icon is height x width x 4, not {rgba.shape}")
    return rgba[:, :, [3, 0, 1, 2]].tobytes()


class StatusNotifierItem(ServiceInterface):
    """org.kde.StatusNotifierItem at /StatusNotifierItem (handlers run on the loop thread).

    ``pixmaps()`` gives the IconPixmap value of the current state, ``tooltip()`` the tooltip's
    text, and ``activate()`` is called on a (left or middle) click of the icon.
    """

    def __init__(self, *, pixmaps: Callable[[], list], tooltip: Callable[[], str],
                 activate: Callable[[], None]) -> None:
        super().__init__("org.kde.StatusNotifierItem")
        self._pixmaps, self._tooltip, self._activate = pixmaps, tooltip, activate

    @dbus_property(access=PropertyAccess.READ)
    def Category(self) -> "s":
        return "ApplicationStatus"

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> "s":
        return "fhp-monitor"

    @dbus_property(access=PropertyAccess.READ)
    def Title(self) -> "s":
        return "fhp-monitor"

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> "s":
        return "Active"

    @dbus_property(access=PropertyAccess.READ)
    def WindowId(self) -> "i":
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def IconName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def IconPixmap(self) -> "a(iiay)":
        return self._pixmaps()

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconName(self) -> "s":
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconPixmap(self) -> "a(iiay)":
        return []

    @dbus_property(access=PropertyAccess.READ)
    def ToolTip(self) -> "(sa(iiay)ss)":
        return ["", [], "fhp-monitor", self._tooltip()]

    @dbus_property(access=PropertyAccess.READ)
    def ItemIsMenu(self) -> "b":
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Menu(self) -> "o":
        return MENU_PATH

    @method()
    def Activate(self, x: "i", y: "i"):
        self._activate()

    @method()
    def SecondaryActivate(self, x: "i", y: "i"):
        self._activate()

    @method()
    def ContextMenu(self, x: "i", y: "i"):
        pass  # hosts draw our dbusmenu themselves; there is no menu of our own to pop up

    @method()
    def Scroll(self, delta: "i", orientation: "s"):
        pass  # scrolling over the icon means nothing here

    @signal()
    def NewIcon(self):
        pass

    @signal()
    def NewToolTip(self):
        pass

    @signal()
    def NewStatus(self) -> "s":
        return "Active"

    @signal()
    def NewTitle(self):
        pass
