"""The tray: which backend this desktop gets, the icons every backend draws, the commands it sends.

Backends (each in its own module, each importing its own library):

* ``sni`` — :mod:`fhp_monitor.desktop.tray_sni`: StatusNotifierItem + com.canonical.dbusmenu over
  dbus-fast on the shared D-Bus loop. KDE, XFCE, Cinnamon, MATE, LXQt, Budgie, waybar and GNOME with
  the AppIndicator extension host these; it has a real menu and works on Wayland.
* ``xembed`` — :mod:`fhp_monitor.desktop.tray_xembed`: pystray. On Linux only when no
  ``org.kde.StatusNotifierWatcher`` is on the session bus (an old X tray such as trayer or stalonetray);
  on Windows and macOS it is the native tray.
* ``none`` — no tray at all (stock GNOME): the app says once how to control it without one.

:func:`start_tray` picks the first that starts, in that order; ``FHP_MONITOR_TRAY=sni|xembed|none``
forces one (tests, or a user whose desktop lies about its tray).

Thread contract of every backend (the :class:`Tray` protocol): ``start`` on the main thread;
``show`` and ``stop`` from any thread, never blocking for more than one D-Bus/X round trip;
``on_command`` is called on the backend's own thread (``fhp-dbus`` or ``fhp-tray``) and must only
queue the command (``App.post``), never block or touch Tk.
"""

from __future__ import annotations

import logging
import sys
from typing import Callable, Protocol

from PIL import Image, ImageDraw

from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.backends import forced_backend

log = logging.getLogger(__name__)

# Commands the tray and the control panel send (strings, so they cross threads and queues easily).
CMD_PANEL = "panel"
CMD_PAUSE_15 = "pause_15"
CMD_PAUSE_60 = "pause_60"
CMD_PAUSE_TOMORROW = "pause_tomorrow"
CMD_RESUME = "resume"
CMD_RECALIBRATE = "recalibrate"
CMD_SUMMARY = "summary"
CMD_SETTINGS = "settings"
CMD_QUIT = "quit"
# Commands from notification buttons (desktop/notify.py).
CMD_SNOOZE_30 = "snooze_30"
CMD_PAUSE_TODAY = "pause_today"

#: Menu/button wording for each command, in display order (the control panel uses it too).
COMMAND_LABELS: tuple[tuple[str, str], ...] = (
    (CMD_PAUSE_15, "Pause 15 minutes"),
    (CMD_PAUSE_60, "Pause 1 hour"),
    (CMD_PAUSE_TOMORROW, "Pause until tomorrow"),
    (CMD_RESUME, "Resume"),
    (CMD_RECALIBRATE, "Sit tall again (recalibrate)"),
    (CMD_SUMMARY, "Today's summary"),
    (CMD_SETTINGS, "Settings"),
    (CMD_QUIT, "Quit fhp-monitor"),
)
COMMANDS = frozenset(cmd for cmd, _label in COMMAND_LABELS) | {CMD_PANEL, CMD_SNOOZE_30, CMD_PAUSE_TODAY}

BACKENDS = ("sni", "xembed", "none")
TRAY_ENV = "FHP_MONITOR_TRAY"

ICON_SIZE = 64

#: What a user reads once where no tray can be shown.
NO_TRAY_TITLE = "fhp-monitor is running"
NO_TRAY_TEXT = ("This desktop has no tray, so use the buttons on its reminders, or type "
                "fhp-monitor pause, fhp-monitor resume or fhp-monitor quit.")


class Tray(Protocol):
    """A tray icon showing the posture state and sending commands back as strings (see module doc)."""

    #: True when the backend shows a menu with every command of COMMAND_LABELS.
    has_menu: bool
    #: 'sni' or 'xembed'.
    backend: str

    @property
    def running(self) -> bool: ...

    def start(self, snapshot: StatusSnapshot | None = None, now: float | None = None) -> bool:
        """Show the icon; False (one log line) when this desktop has no tray of this kind."""

    def show(self, snapshot: StatusSnapshot, now: float) -> None:
        """Draw ``snapshot`` (icon, tooltip, menu status line); unchanged states are not redrawn."""

    def stop(self) -> None:
        """Remove the icon. Safe to call twice."""


# --------------------------------------------------------------------------- icons


def icon_image(state: PostureState, size: int = ICON_SIZE) -> Image.Image:
    """A ``size`` x ``size`` RGBA icon for ``state``, transparent around a disc: colour AND shape differ.

    upright: teal disc with an upright bar; forward: amber disc with a forward-leaning bar;
    away: grey hollow ring; paused: blue disc with pause bars; camera unavailable: red disc with a
    slash; uncertain: grey disc with three dots. Drawn at 64 px and scaled down for other sizes.
    """
    state = PostureState(state)
    image = Image.new("RGBA", (ICON_SIZE, ICON_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    disc = (4, 4, ICON_SIZE - 5, ICON_SIZE - 5)
    white = (255, 255, 255, 255)
    if state == PostureState.UPRIGHT:
        draw.ellipse(disc, fill=(0, 150, 136, 255))
        draw.line((32, 16, 32, 48), fill=white, width=8)
        draw.ellipse((26, 10, 38, 22), fill=white)
    elif state == PostureState.FORWARD:
        draw.ellipse(disc, fill=(245, 166, 35, 255))
        draw.line((24, 48, 38, 22), fill=white, width=8)
        draw.ellipse((36, 12, 48, 24), fill=white)
    elif state == PostureState.AWAY:
        draw.ellipse(disc, outline=(158, 158, 158, 255), width=8)
    elif state == PostureState.PAUSED:
        draw.ellipse(disc, fill=(30, 110, 220, 255))
        draw.rectangle((21, 18, 28, 46), fill=white)
        draw.rectangle((36, 18, 43, 46), fill=white)
    elif state == PostureState.CAMERA_UNAVAILABLE:
        draw.ellipse(disc, fill=(211, 47, 47, 255))
        draw.line((18, 18, 46, 46), fill=white, width=8)
    else:  # UNCERTAIN
        draw.ellipse(disc, fill=(120, 120, 120, 255))
        for x in (20, 32, 44):
            draw.ellipse((x - 4, 28, x + 4, 36), fill=white)
    if size != ICON_SIZE:
        image = image.resize((size, size), Image.LANCZOS)
    return image


# --------------------------------------------------------------------------- backend choice


def backend_order(platform: str | None = None, override: str | None = None) -> tuple[str, ...]:
    """Backends to try, best first. ``override`` (FHP_MONITOR_TRAY) forces one; raises ValueError."""
    platform = platform if platform is not None else sys.platform
    forced = forced_backend(TRAY_ENV, BACKENDS, override)
    if forced is not None:
        return () if forced == "none" else (forced,)
    if platform.startswith("linux") or "bsd" in platform:
        return ("sni", "xembed")
    return ("xembed",)  # Windows, macOS: pystray's native backends


def make_tray(backend: str, on_command: Callable[[str], None], loop=None,
              before_dock: Callable[[], None] | None = None) -> Tray:
    """A (not yet started) tray of ``backend`` ('sni' or 'xembed'); ``loop``: a DBusLoop for SNI
    other than the process-wide one (tests with several buses); ``before_dock``: xembed only, see
    :func:`start_tray`."""
    # The backends get the words, icons and commands from here (they never import this module, so
    # there is no import cycle between the choice and what it chooses).
    content = dict(labels=COMMAND_LABELS, draw=icon_image, activate=CMD_PANEL, resume=CMD_RESUME)
    if backend == "sni":
        from fhp_monitor.desktop.tray_sni import SniTray

        return SniTray(on_command, loop=loop, **content)
    if backend == "xembed":
        from fhp_monitor.desktop.tray_xembed import XEmbedTray

        return XEmbedTray(on_command, before_dock=before_dock, **content)
    raise ValueError(f"unknown tray backend {backend!r}")


def start_tray(on_command: Callable[[str], None], snapshot: StatusSnapshot | None = None,
               now: float | None = None, before_dock: Callable[[], None] | None = None) -> Tray | None:
    """Start the best tray this desktop offers, or return None (one log line) where there is none.

    ``before_dock`` runs on this thread when the XEmbed backend has found an X tray and is about
    to connect pystray (the app connects Tk there, before pystray's server grab)."""
    try:
        order = backend_order()
    except ValueError as exc:
        log.warning("%s; choosing the tray by what this desktop offers.", exc)
        order = backend_order(override="")
    for backend in order:
        tray = make_tray(backend, on_command, before_dock=before_dock)
        if tray.start(snapshot, now):
            return tray
    log.warning("No system tray on this desktop; use the reminders' buttons or `fhp-monitor pause|resume|quit`.")
    return None
