"""One look for every fhp-monitor window: fonts and colours, and the window-title fix for X11.

Sizes are design sizes for reading at arm's length (about 70 cm): body text 21 pt, headings 28 pt,
dark text on white; :mod:`fhp_monitor.gui.sizing` scales them to the screen.
"""

from __future__ import annotations

import logging
import tkinter as tk

from fhp_monitor.gui.sizing import FONT_FAMILY

log = logging.getLogger(__name__)

TITLE_FONT = (FONT_FAMILY, 28, "bold")
BODY_FONT = (FONT_FAMILY, 21)
SMALL_FONT = (FONT_FAMILY, 20)
BIG_FONT = (FONT_FAMILY, 34, "bold")
MARK_FONT = (FONT_FAMILY, 24, "bold")
# High contrast in every window: every text colour on its background has a contrast of at least 7:1
# (WCAG AAA), measured from these values by tests/gui/test_theme.py (TEXT_PAIRS lists the pairs used).
BACKGROUND = "#ffffff"
TEXT = "#111111"
HINT = "#444444"  # a field's hint under it
ACCENT = "#1e40af"  # buttons and progress bar: never used in the preview overlay
ACCENT_PRESSED = "#1e3a8a"
GOOD = "#0a5c1a"
BAD = "#b00020"
PREVIEW_BACKGROUND = "#e8e8e8"
UNKNOWN = "#555555"
BUTTON = "#f1f1f1"
BUTTON_PRESSED = "#dddddd"
ON_ACCENT = "#ffffff"
#: The keyboard focus ring (Tab, Shift+Tab): a colour no other frame uses, so the focus is easy to see.
FOCUS = "#c2410c"
#: (text, background) of every text in the windows.
TEXT_PAIRS = {
    "body": (TEXT, BACKGROUND), "hint": (HINT, BACKGROUND), "accent text": (ACCENT, BACKGROUND),
    "good": (GOOD, BACKGROUND), "bad": (BAD, BACKGROUND), "unknown": (UNKNOWN, BACKGROUND),
    "button": (TEXT, BUTTON), "pressed button": (TEXT, BUTTON_PRESSED), "main button": (ON_ACCENT, ACCENT),
    "pressed main button": (ON_ACCENT, ACCENT_PRESSED), "on the preview": (TEXT, PREVIEW_BACKGROUND),
}


def store_x11_title_as_utf8(window: tk.Tk | tk.Toplevel, title: str) -> None:
    """Re-store the X11 ``WM_NAME`` of ``window`` as UTF8_STRING.

    Tk 8.6 writes the title's UTF-8 bytes into ``WM_NAME`` typed STRING (which means Latin-1), so
    the em dash reads as "â\x80\x94" in older window managers, task switchers and ``xdotool search``.
    (``_NET_WM_NAME``, which modern desktops read, is right.) Tk writes ``WM_NAME`` when the window
    is mapped, so call this after that. Uses python-xlib, which pystray already brings on Linux.
    """
    if window.tk.call("tk", "windowingsystem") != "x11" or title.isascii():
        return
    try:
        from Xlib import display as xdisplay
        from Xlib import error as xerror
    except ImportError:
        log.info("python-xlib is missing; the window title may look garbled in older window managers")
        return
    try:
        connection = xdisplay.Display(window.winfo_screen())
    except (xerror.DisplayError, OSError) as problem:
        log.warning("could not fix the window title: %s", problem)
        return
    try:
        wrapper = connection.create_resource_object("window", window.winfo_id()).query_tree().parent
        wrapper.change_property(connection.intern_atom("WM_NAME"), connection.intern_atom("UTF8_STRING"), 8,
                                title.encode("utf-8"))
        connection.sync()
    except xerror.XError as problem:
        log.warning("could not fix the window title: %s", problem)
    finally:
        connection.close()
