"""Tk windows: the calibration wizard, the settings form and the control panel.

tkinter is imported only in this package's modules, never by this ``__init__``: a Python built
without Tk (Debian/Ubuntu's system Python without ``python3-tk``) can import the package and ask
:func:`tk_available` first. :data:`TK_MISSING` is the one plain line said then (on stderr and as a
notification); :func:`tell_tk_missing` says it.
"""

from __future__ import annotations

import importlib.util
import logging
import sys

from fhp_monitor.core.i18n import N_, _

log = logging.getLogger(__name__)
#: Where the windows' steps go ("step: checks", "checks: ok", "settings: saved", ...): the log file,
#: never the terminal, where these internal names would mean nothing to a person. Tests read them there.
STEPS_LOGGER = "fhp_monitor.gui.steps"


def log_step(line: str) -> None:
    """A window reached a step: one line in the log (logger ``STEPS_LOGGER``, level INFO)."""
    logging.getLogger(STEPS_LOGGER).info("%s", line)

TK_MISSING_TITLE = N_("fhp-monitor needs Tk for its windows")
#: One line: what is missing and what to install, for each common Linux family.
TK_MISSING = N_("Tk (Python's tkinter) is not installed, so fhp-monitor cannot open its windows. Install it: "
              "sudo apt install python3-tk (Debian/Ubuntu), sudo dnf install python3-tkinter (Fedora) "
              "or sudo pacman -S tk (Arch).")
#: Added when monitoring goes on without windows.
TK_MISSING_RUN = N_("Monitoring goes on: the tray and the reminders still work.")
#: Added when the calibration window was asked for.
TK_MISSING_CALIBRATE = N_("Or calibrate without a window: sit tall and run `fhp-monitor calibrate --no-gui`.")


def tk_available() -> bool:
    """True when this Python has tkinter and its C part ``_tkinter``, found without importing them
    (importing costs ~3 MB, and the app asks at start though most users never open a window).
    Debian/Ubuntu without python3-tk lack both; a Python built without Tk headers lacks ``_tkinter``.
    It does not connect to a display."""
    for name in ("tkinter", "_tkinter"):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError) as error:  # ValueError: a module in sys.modules without a spec
            log.info("%s cannot be found: %s", name, error)
            return False
        if not found:
            log.info("%s is not installed on this Python", name)
            return False
    return True


def tell_tk_missing(extra: str = "", notifier=None, *, on_stderr: bool = True) -> str:
    """Say :data:`TK_MISSING` (plus the sentence ``extra``, translated here) on stderr and, best effort,
    as a notification.

    ``notifier`` is a :class:`~fhp_monitor.core.ports.Notifier` (default: the desktop's). With
    ``on_stderr=False`` the caller prints it (e.g. as the UserError that ends the command). Returns
    the sentence. Call from the main thread.
    """
    from fhp_monitor.core.ports import NotificationError

    sentence = _(TK_MISSING) + (" " + _(extra) if extra else "")
    if on_stderr:
        print(f"fhp-monitor: {sentence}", file=sys.stderr, flush=True)
    own = notifier is None
    if own:
        from fhp_monitor.desktop.notify import notifier_for

        notifier = notifier_for()
    try:
        notifier.notify(_(TK_MISSING_TITLE), sentence)
    except NotificationError as error:
        log.info("could not show the missing-Tk notification: %s", error)
    finally:
        if own and hasattr(notifier, "close"):
            notifier.close()
    return sentence
