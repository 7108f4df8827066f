"""The Windows tray: an icon in the notification area through pystray's win32 backend
(``Shell_NotifyIconW`` on a hidden window of pystray's), with the same menu, icons and tooltip as
on Linux: the pystray machinery (its thread, menu, icon drawing) is the one of
:mod:`fhp_monitor.desktop.tray.xembed`; what is Windows' own is here:

* pystray is told to use its win32 backend (``PYSTRAY_BACKEND``) and ``start`` refuses any other,
  so a Windows machine never ends up with a half-working fallback.
* A notification-area tooltip holds at most 127 characters (``NOTIFYICONDATAW.szTip``); longer
  text would be cut by Windows mid-word, so it is shortened here at a word, with an ellipsis.

* The icon is lent to the reminders (desktop/notify/windows.py): their balloons come from it, and
  its window procedure hands them the balloon's messages (a click on a reminder opens the panel).
* When the menu is shown (a right click), one log line lists its items as Windows holds them (read
  back from the real menu handle, greyed ones marked): the Windows lane reads it.

Tested in the Windows lane under Wine: ``run`` with the tray up starts this backend (its log line
says ``pystray._win32``), an xdotool right-click on the icon in Wine's system-tray window opens the
menu (screenshot and that log line), and a reminder's balloon comes from this icon.
Thread contract: as :class:`~fhp_monitor.desktop.tray.xembed.XEmbedTray`; the hook runs on ``fhp-tray``.
"""

from __future__ import annotations

import ctypes
import logging
import os
from ctypes import wintypes

from fhp_monitor.desktop.tray.xembed import XEmbedTray

log = logging.getLogger(__name__)

MAX_TOOLTIP = 127
WM_RBUTTONUP = 0x0205
MF_BYPOSITION, MF_GRAYED, MF_DISABLED = 0x400, 0x1, 0x2
MENU_SHOWN = "Tray menu shown: "  # not translated: the log line's start (the Windows lane looks for it)


def windows_tooltip(text: str) -> str:
    """``text`` as it fits a notification-area tooltip: at most 127 characters, cut at a word."""
    if len(text) <= MAX_TOOLTIP:
        return text
    cut = text[:MAX_TOOLTIP - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


class Win32Tray(XEmbedTray):
    """pystray's win32 icon (see the module docstring)."""

    backend = "win32"

    def start(self, snapshot=None, now=None) -> bool:  # noqa: ANN001 - the Tray protocol's signature
        os.environ.setdefault("PYSTRAY_BACKEND", "win32")
        try:
            import pystray
        except Exception as error:  # pystray raises whatever its backend raised
            log.info("pystray cannot show a tray icon here: %s", error)
            return False
        if not pystray.Icon.__module__.endswith("_win32"):
            log.warning("pystray chose %s instead of its win32 backend; no tray icon", pystray.Icon.__module__)
            return False
        if not super().start(snapshot, now):
            return False
        self._wait_ready()  # pystray's window exists and the icon was added
        self._hook_window()
        return True

    def stop(self) -> None:
        if self.running:
            from fhp_monitor.desktop.notify.windows import take_back_tray_icon  # Windows only (WINFUNCTYPE)

            take_back_tray_icon()
        super().stop()

    def menu_items(self) -> list[str]:
        """The items of the menu as Windows holds it (pystray's menu handle), greyed ones marked."""
        handle = getattr(self._icon, "_menu_handle", None)
        if not handle:
            return []
        user32 = ctypes.WinDLL("user32")
        user32.GetMenuStringW.argtypes = (wintypes.HMENU, wintypes.UINT, wintypes.LPWSTR, ctypes.c_int, wintypes.UINT)
        user32.GetMenuItemCount.argtypes = (wintypes.HMENU,)
        user32.GetMenuState.argtypes = (wintypes.HMENU, wintypes.UINT, wintypes.UINT)
        hmenu, items = handle[0], []
        for position in range(user32.GetMenuItemCount(hmenu)):
            text = ctypes.create_unicode_buffer(256)
            user32.GetMenuStringW(hmenu, position, text, len(text), MF_BYPOSITION)
            greyed = user32.GetMenuState(hmenu, position, MF_BYPOSITION) & (MF_GRAYED | MF_DISABLED)
            items.append(text.value + (" (greyed)" if greyed else ""))
        return items

    def _hook_window(self) -> None:
        """Balloon messages to the reminders; a line in the log when the menu is shown; lend the icon."""
        from pystray._util import win32 as pystray_win32

        from fhp_monitor.desktop.notify.windows import lend_tray_icon, tray_icon_event

        icon = self._icon
        handlers = icon._message_handlers
        pystray_on_notify = handlers[pystray_win32.WM_NOTIFY]

        def on_notify(wparam, lparam):
            if tray_icon_event(lparam):
                return 0
            if lparam == WM_RBUTTONUP:
                log.info("%s%s", MENU_SHOWN, " | ".join(self.menu_items()))
            return pystray_on_notify(wparam, lparam)

        handlers[pystray_win32.WM_NOTIFY] = on_notify
        # pystray 0.19 names the id "hID", which NOTIFYICONDATAW lacks: its icon's uID is 0
        lend_tray_icon(icon._hwnd, 0)

    def _apply(self, state, title: str) -> None:  # noqa: ANN001
        super()._apply(state, windows_tooltip(title))
