"""Desktop notifications: which backend this machine gets, and a recording stand-in for tests.

Backends (each in its own module, each importing its own library):

* ``dbus`` — :mod:`fhp_monitor.desktop.notify.dbus`: org.freedesktop.Notifications on the session
  bus (every Linux desktop, dunst, mako, ...): nudges expire, replace each other and have buttons.
* ``windows`` — :mod:`fhp_monitor.desktop.notify.windows`: balloons from the app's own
  notification-area icon (the tray's when it is up); they replace each other, leave by themselves,
  and a click opens the control panel.
* ``plyer`` — :mod:`fhp_monitor.desktop.notify.plyer`: macOS, or a Linux without a notification
  server on a bus (and Windows if the balloon cannot be had).

:func:`notifier_for` tries them in that order; ``FHP_MONITOR_NOTIFY=dbus|windows|plyer`` forces one
(plyer is the last resort whenever the forced one cannot start).
Every backend follows the :class:`~fhp_monitor.core.ports.Notifier` thread contract.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from fhp_monitor.core.commands import Command
from fhp_monitor.core.ports import NOTIFY_INFO, NOTIFY_KINDS, NotificationError, Notifier, check_notification_text
from fhp_monitor.desktop.backends import forced_backend

log = logging.getLogger(__name__)

BACKENDS = ("dbus", "windows", "plyer")
NOTIFY_ENV = "FHP_MONITOR_NOTIFY"


def backend_order(platform: str | None = None, override: str | None = None) -> tuple[str, ...]:
    """Backends to try, best first; ``override`` (FHP_MONITOR_NOTIFY) forces one; raises ValueError."""
    platform = platform if platform is not None else sys.platform
    forced = forced_backend(NOTIFY_ENV, BACKENDS, override)
    if forced is not None:
        return (forced,)
    if platform.startswith("linux") or "bsd" in platform:
        return ("dbus", "plyer")
    if platform == "win32":
        return ("windows", "plyer")
    return ("plyer",)


def notifier_for(on_action: Callable[[Command], None] | None = None) -> Notifier:
    """The best notifier here. ``on_action`` gets the command of a nudge's button (core.commands.NUDGE_BUTTONS)."""
    try:
        order = backend_order()
    except ValueError as exc:
        log.warning("%s; choosing notifications by what this desktop offers.", exc)
        order = backend_order(override="")
    for backend in order:
        if backend == "dbus":
            from fhp_monitor.desktop.notify.dbus import DBusNotifier

            try:
                return DBusNotifier(on_action).start()
            except NotificationError as exc:
                log.info("No D-Bus notifications (%s); trying the next way.", exc)
                continue
        if backend == "windows":
            try:
                from fhp_monitor.desktop.notify.windows import WindowsNotifier

                return WindowsNotifier(on_action)
            except (OSError, AttributeError) as exc:  # not Windows (ctypes.WinDLL missing), or no shell32
                log.info("No notification-area balloons (%s); trying the next way.", exc)
                continue
        break  # plyer
    from fhp_monitor.desktop.notify.plyer import PlyerNotifier

    return PlyerNotifier()


class RecordingNotifier:
    """A notifier for core unit tests: remembers every (title, message) and its kind instead of
    showing it. Set ``fail_with`` to a NotificationError to make the next calls raise it (and not record).
    """

    backend = "recording"
    has_actions = False

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.kinds: list[str] = []
        self.fail_with: NotificationError | None = None

    def notify(self, title: str, message: str, *, kind: str = NOTIFY_INFO) -> None:
        """Record the notification, or raise ``fail_with`` when it is set."""
        check_notification_text(title, "title")
        check_notification_text(message, "message")
        if kind not in NOTIFY_KINDS:
            raise ValueError(f"notification kind must be one of {NOTIFY_KINDS}, got {kind!r}")
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((title, message))
        self.kinds.append(kind)
