"""The settings window as one call, for ``fhp-monitor settings`` and the tray's "Settings".

No tkinter at import time: a Python without Tk can import this and get a plain sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fhp_monitor.core.i18n import N_, _
from fhp_monitor.errors import UserError
from fhp_monitor.gui import TK_MISSING, tell_tk_missing, tk_available
from fhp_monitor.home.folder import Home
from fhp_monitor.settings.schema import ConfigError

if TYPE_CHECKING:
    from fhp_monitor.gui.settings import SettingsForm

log = logging.getLogger(__name__)

SETTINGS_BROKEN = N_("The settings file has a problem, so it opens in your text editor instead.")


def settings_with_window(home: Home, open_file: Callable[[Path], None],
                         on_step: Callable[[str], None] | None = None) -> bool:
    """``fhp-monitor settings``: show the window until it closes; True when something was saved.

    UserError (one plain sentence) without Tk, without a screen, or when config.yaml does not load
    (then the file is also opened in the editor, where it can be corrected).
    """
    if not tk_available():
        raise UserError(tell_tk_missing(_("Or change the settings in {path}.").format(path=home.config),
                                        on_stderr=False))
    import tkinter

    from fhp_monitor.gui.settings import run_settings

    try:
        return run_settings(home=home, open_file=open_file, on_step=on_step)
    except tkinter.TclError as exc:
        raise UserError(_("The settings window needs a screen ({error}). The settings are in {path}.").format(
            error=exc, path=home.config)) from None
    except ConfigError as exc:
        open_file(home.config)
        raise UserError(f"{_(SETTINGS_BROKEN)} {' '.join(str(exc).splitlines())}") from None


def show_settings(root, home: Home, open_file: Callable[[Path], None], tell: Callable[[str, str], None],
                  on_saved: Callable[[], None] | None = None) -> SettingsForm | None:
    """The app's "Settings" command on the Tk thread: raise the open settings window or open one
    over ``root`` and return its form (None when none was opened); ``on_saved()`` runs on this
    thread right after the window saved config.yaml. Without a Tk root (no Tk, no display) the file
    opens in the editor instead."""
    if root is None:
        if not tk_available():
            tell(_("Settings"), _(TK_MISSING))
        open_file(home.config)
        return None
    from fhp_monitor.gui.settings import WINDOW_TITLE, open_settings

    for child in root.winfo_children():
        if child.winfo_class() == "Toplevel" and child.title() == _(WINDOW_TITLE):
            child.deiconify()
            child.lift()
            child.focus_force()
            return None
    try:
        return open_settings(root, home=home, open_file=open_file, on_saved=on_saved)
    except ConfigError as exc:
        tell(_("Settings"), _(SETTINGS_BROKEN))
        log.info("settings window not opened: %s", exc)
        open_file(home.config)
        return None
