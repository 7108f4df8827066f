"""The Windows tray: an icon in the notification area through pystray's win32 backend
(``Shell_NotifyIconW`` on a hidden window of pystray's), with the same menu, icons and tooltip as
on Linux: the pystray machinery (its thread, menu, icon drawing) is the one of
:mod:`fhp_monitor.desktop.tray.xembed`; what is Windows' own is here:

* pystray is told to use its win32 backend (``PYSTRAY_BACKEND``) and ``start`` refuses any other,
  so a Windows machine never ends up with a half-working fallback.
* A notification-area tooltip holds at most 127 characters (``NOTIFYICONDATAW.szTip``); longer
  text would be cut by Windows mid-word, so it is shortened here at a word, with an ellipsis.

Tested in the Windows lane under Wine: ``run`` with the tray up starts this backend (its log line
says ``pystray._win32``) and Wine's system-tray window shows the icon.
Thread contract: as :class:`~fhp_monitor.desktop.tray.xembed.XEmbedTray`.
"""

from __future__ import annotations

import logging
import os

from fhp_monitor.desktop.tray.xembed import XEmbedTray

log = logging.getLogger(__name__)

MAX_TOOLTIP = 127


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
        return super().start(snapshot, now)

    def _apply(self, state, title: str) -> None:  # noqa: ANN001
        super()._apply(state, windows_tooltip(title))
