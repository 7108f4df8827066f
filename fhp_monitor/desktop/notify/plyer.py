"""Desktop notifications through plyer (the only module that imports plyer): the fallback.

Used where no org.freedesktop.Notifications server answers on a session bus (Windows, macOS, a
Linux without a bus) or when ``FHP_MONITOR_NOTIFY=plyer``. It has no buttons and cannot replace a
previous nudge; on Linux it cannot make a bubble expire either (see below).

What plyer 2.1 really does on Linux (read in ``plyer/platforms/linux/notification.py``):

* with the ``dbus`` Python package it calls ``org.freedesktop.Notifications.Notify`` and errors
  propagate as exceptions;
* without it (the usual case in a virtualenv) it runs the ``notify-send`` binary with
  ``subprocess.call`` and ignores the exit status, so a missing notification daemon or session bus
  is silently swallowed; it also ignores ``timeout`` there and passes ``-t 0`` (under dunst the
  bubble stays until it is clicked or closed);
* without either it falls back to a facade whose ``notify`` raises ``NotImplementedError``.

So before handing a notification to the ``notify-send`` path, :class:`PlyerNotifier` checks
that ``notify-send`` exists and that a notification service answers on the session bus
(``GetServerInformation`` via ``gdbus`` or ``dbus-send``, which also D-Bus-activates a daemon that
is installed but not yet running). Any failure becomes :class:`NotificationError` with a plain
sentence.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import warnings

from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import NOTIFY_INFO, NotificationError
from fhp_monitor.core.ports import check_notification_text as _check_text

log = logging.getLogger(__name__)

_BUS_NAME = "org.freedesktop.Notifications"
_OBJECT_PATH = "/org/freedesktop/Notifications"
_PROBE_TIMEOUT_S = 3.0


class PlyerNotifier:
    """The :class:`~fhp_monitor.core.ports.Notifier` port backed by ``plyer.notification``.

    Thread contract (as the port): call from the event-dispatch thread; blocks for one D-Bus round
    trip plus one short subprocess (well under a second). Raises NotificationError when the desktop
    cannot show the notification.
    """

    def __init__(self, app_name: str = "fhp-monitor", timeout_s: int = 10) -> None:
        if not app_name:
            raise ValueError("app_name must not be empty")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        self.app_name = app_name
        self.timeout_s = int(timeout_s)

    backend = "plyer"
    has_actions = False

    def notify(self, title: str, message: str, *, kind: str = NOTIFY_INFO) -> None:
        """Show ``title`` and ``message``; raise NotificationError if the desktop refused.

        ``kind`` makes no difference here: plyer has neither buttons nor replacement."""
        _check_text(title, "title")
        _check_text(message, "message")
        backend = self.backend_name()
        if sys.platform.startswith("linux") and backend == "NotifySendNotification":
            _check_notify_send_can_deliver()
        from plyer import notification

        try:
            notification.notify(title=title, message=message, app_name=self.app_name, timeout=self.timeout_s)
        except NotImplementedError as error:
            raise NotificationError(
                _("This computer has no way to show notifications that fhp-monitor knows "
                  "(on Linux, install the 'libnotify-bin' package).")
            ) from error
        except Exception as error:  # plyer backends raise whatever their OS library raises
            raise NotificationError(_("The desktop did not accept the notification: {error}").format(
                error=error)) from error

    @staticmethod
    def backend_name() -> str:
        """Class name of the plyer backend in use, e.g. 'NotifySendNotification' or 'NotifyDbus'."""
        from plyer import notification

        with warnings.catch_warnings():
            # plyer warns at first use that python-dbus is missing; that is expected in a venv.
            warnings.simplefilter("ignore")
            return type(notification.notify.__self__).__name__


def _check_notify_send_can_deliver() -> None:
    """Raise NotificationError unless notify-send exists and a notification service answers."""
    if shutil.which("notify-send") is None:
        raise NotificationError(
            _("Notifications need the 'notify-send' program. Install the 'libnotify-bin' package.")
        )
    probe = _server_information_probe()
    if probe is None:
        log.debug("neither gdbus nor dbus-send found; cannot check the notification service first")
        return
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise NotificationError(_("The notification service did not answer in time.")) from error
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or [_("no details")]
        raise NotificationError(
            _("No notification service is running on this desktop, so nudges cannot be shown ({error}).").format(
                error=detail[0])
        )


def _server_information_probe() -> list[str] | None:
    """A command that asks the session bus for the notification server's information."""
    if shutil.which("gdbus"):
        return ["gdbus", "call", "--session", "--dest", _BUS_NAME, "--object-path", _OBJECT_PATH,
                "--method", f"{_BUS_NAME}.GetServerInformation"]
    if shutil.which("dbus-send"):
        return ["dbus-send", "--session", "--print-reply", f"--dest={_BUS_NAME}", _OBJECT_PATH,
                f"{_BUS_NAME}.GetServerInformation"]
    return None
