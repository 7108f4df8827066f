"""One look for every fhp-monitor window: fonts and colours, and the window-title fix for X11.

Sizes are design sizes for reading at arm's length (about 70 cm): body text 21 pt, headings 28 pt,
dark text on white, or light text on black with high contrast (:mod:`fhp_monitor.gui.theme`);
:mod:`fhp_monitor.gui.sizing` scales them to the screen.
"""

from __future__ import annotations

import logging
import tkinter as tk

from fhp_monitor.gui.sizing import FONT_FAMILY

# The colours by role, in the theme in use (Settings → Colours; gui/theme.py has both themes and the
# pairs of text and background whose contrast tests/gui/test_theme.py measures: 7:1 or more).
from fhp_monitor.gui.theme import (  # re-exported: the windows import them from here
    ACCENT,
    ACCENT_PRESSED,
    BACKGROUND,
    BAD,
    BUTTON,
    BUTTON_PRESSED,
    DISABLED,
    FIELD,
    FOCUS,
    GOOD,
    HINT,
    ON_ACCENT,
    PALE,
    PREVIEW_BACKGROUND,
    TEXT,
    TEXT_PAIRS,
    TROUGH,
    UNKNOWN,
)

log = logging.getLogger(__name__)

TITLE_FONT = (FONT_FAMILY, 28, "bold")
BODY_FONT = (FONT_FAMILY, 21)
SMALL_FONT = (FONT_FAMILY, 20)
BIG_FONT = (FONT_FAMILY, 34, "bold")
MARK_FONT = (FONT_FAMILY, 24, "bold")
__all__ = ["ACCENT", "ACCENT_PRESSED", "BACKGROUND", "BAD", "BUTTON", "BUTTON_PRESSED", "DISABLED", "FIELD", "FOCUS",
           "GOOD", "HINT", "ON_ACCENT", "PALE", "PREVIEW_BACKGROUND", "TEXT", "TEXT_PAIRS", "TROUGH", "UNKNOWN",
           "apply_theme", "store_x11_title_as_utf8"]


def apply_theme(window: tk.Tk | tk.Toplevel) -> None:
    """Give ``window`` the theme's background, and every widget made from now on in this Tk (also the
    ones that name no colour, e.g. the control panel's buttons) the theme's colours by default."""
    defaults = {
        "background": BACKGROUND, "foreground": TEXT, "activeBackground": BUTTON_PRESSED,
        "activeForeground": TEXT, "disabledForeground": DISABLED, "highlightBackground": BACKGROUND,
        "highlightColor": FOCUS, "insertBackground": TEXT, "selectBackground": ACCENT,
        "selectForeground": ON_ACCENT, "troughColor": TROUGH,
    }
    for option, colour in defaults.items():
        window.option_add(f"*{option}", str(colour), "widgetDefault")
    window.option_add("*Button.background", str(BUTTON), "widgetDefault")
    window.configure(background=BACKGROUND)


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
