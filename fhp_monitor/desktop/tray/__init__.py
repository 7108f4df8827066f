"""The tray: which backend this desktop gets, the icons every backend draws, the commands it sends.

Backends (each in its own module, each importing its own library):

* ``sni`` — :mod:`fhp_monitor.desktop.tray.sni` (the item in ``sni_item``, its menu in ``sni_menu``):
  StatusNotifierItem + com.canonical.dbusmenu over dbus-fast on the shared D-Bus loop. KDE, XFCE,
  Cinnamon, MATE, LXQt, Budgie, waybar and GNOME with the AppIndicator extension host these; it has a
  real menu and works on Wayland.
* ``xembed`` — :mod:`fhp_monitor.desktop.tray.xembed`: pystray. On Linux only when no
  ``org.kde.StatusNotifierWatcher`` is on the session bus (an old X tray such as trayer or stalonetray);
  on macOS it is the native tray.
* ``win32`` — :mod:`fhp_monitor.desktop.tray.win32`: Windows' notification area, through pystray's
  win32 backend (the xembed module's pystray machinery, with Windows' tooltip limit).
* ``none`` — no tray at all (stock GNOME): the app says once how to control it without one.

:func:`start_tray` picks the first that starts, in that order; ``FHP_MONITOR_TRAY=sni|xembed|win32|none``
forces one (tests, or a user whose desktop lies about its tray).

Thread contract of every backend (the :class:`Tray` protocol): ``start`` on the main thread;
``show`` and ``stop`` from any thread, never blocking for more than one D-Bus/X round trip;
``on_command`` is called on the backend's own thread (``fhp-dbus`` or ``fhp-tray``) and must only
queue the command (``App.post``), never block or touch Tk.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from fhp_monitor.core.commands import ACTIVATE, MENU, Command, possible
from fhp_monitor.core.i18n import N_
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.backends import forced_backend

log = logging.getLogger(__name__)

BACKENDS = ("sni", "xembed", "win32", "none")
TRAY_ENV = "FHP_MONITOR_TRAY"

ICON_SIZE = 64

#: What a user reads once where no tray can be shown.
NO_TRAY_TITLE = N_("fhp-monitor is running")
NO_TRAY_TEXT = N_("This desktop has no tray, so use the buttons on its reminders, or type "
                "fhp-monitor pause, fhp-monitor resume or fhp-monitor quit.")


class Tray(Protocol):
    """A tray icon showing the posture state and sending commands back (core.commands; see module doc)."""

    #: True when the backend shows a menu with every command of core.commands.MENU.
    has_menu: bool
    #: 'sni' or 'xembed'.
    backend: str

    @property
    def running(self) -> bool: ...

    def start(self, snapshot: StatusSnapshot | None = None, now: float | None = None) -> bool:
        """Show the icon; False (one log line) when this desktop has no tray of this kind."""

    def show(self, snapshot: StatusSnapshot, now: float) -> None:
        """Draw ``snapshot`` (icon, tooltip, menu status line); unchanged states are not redrawn."""

    def relabel(self) -> None:
        """The language changed: show the menu and tooltip again in it (any thread; within a second)."""

    def stop(self) -> None:
        """Remove the icon. Safe to call twice."""


# --------------------------------------------------------------------------- icons


#: The icons in design units of a 64 px square (pixel i spans [i, i+1]): per state, the colour, the
#: base shape and the white marks drawn over it. ("circle", cx, cy, r); ("ring", cx, cy, r, width);
#: ("bar", x0, y0, x1, y1, half_width, end_extension): a straight bar with square ends.
_DISC = ("circle", 32.0, 32.0, 28.0)
_ICONS: dict[PostureState, tuple[tuple[int, int, int], tuple, tuple[tuple, ...]]] = {
    PostureState.UPRIGHT: ((0, 150, 136), _DISC,
                           (("bar", 33.0, 16.0, 33.0, 49.0, 4.0, 0.0), ("circle", 32.5, 16.5, 6.5))),
    PostureState.FORWARD: ((245, 166, 35), _DISC,
                           (("bar", 24.0, 49.0, 38.0, 23.0, 4.25, 0.25), ("circle", 42.5, 18.5, 6.5))),
    PostureState.AWAY: ((158, 158, 158), ("ring", 32.0, 32.0, 28.0, 8.0), ()),
    PostureState.PAUSED: ((30, 110, 220), _DISC,
                          (("bar", 25.0, 18.0, 25.0, 47.0, 4.0, 0.0), ("bar", 40.0, 18.0, 40.0, 47.0, 4.0, 0.0))),
    PostureState.CAMERA_UNAVAILABLE: ((211, 47, 47), _DISC, (("bar", 19.0, 19.0, 47.0, 47.0, 4.0, 0.25),)),
    PostureState.UNCERTAIN: ((120, 120, 120), _DISC,
                             tuple(("circle", x + 0.5, 32.5, 4.5) for x in (20, 32, 44))),
}


def _distance(shape: tuple, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Signed distance (design units) from each point to the shape's edge: negative inside."""
    kind = shape[0]
    if kind == "circle":
        _kind, cx, cy, r = shape
        return np.hypot(x - cx, y - cy) - r
    if kind == "ring":
        _kind, cx, cy, r, width = shape
        return np.abs(np.hypot(x - cx, y - cy) - (r - width / 2)) - width / 2
    _kind, x0, y0, x1, y1, half_width, extension = shape
    length = float(np.hypot(x1 - x0, y1 - y0))
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    rx, ry = x - (x0 + x1) / 2, y - (y0 + y1) / 2
    along = np.abs(rx * ux + ry * uy) - (length / 2 + extension)
    across = np.abs(ry * ux - rx * uy) - half_width
    outside = np.hypot(np.maximum(along, 0.0), np.maximum(across, 0.0))
    return outside + np.minimum(np.maximum(along, across), 0.0)


#: The outlined icons (Settings → Colours: High contrast, or a dark panel): a black band, then a white
#: rim, around each shape (design units), so the icon stands out on a light panel (by the black) and
#: on a dark one (by the white) whatever its own colour. Both fit inside the 64-unit square.
OUTLINE_BLACK, OUTLINE_WHITE = 2.0, 1.75
_outlined: list[bool | None] = [None]  # None: as the panel is (asked once, at the first icon drawn)


def outline_widths(size: int) -> tuple[float, float]:
    """The outline's black band and white rim in pixels at ``size``: at least 2 and 1.5 px, so that
    each has whole pixels of its own colour however small the icon (16 px too)."""
    scale = size / ICON_SIZE
    return max(OUTLINE_BLACK * scale, 2.0), max(OUTLINE_WHITE * scale, 1.5)


def use_outlined_icons(high_contrast: bool) -> bool:
    """The icons drawn from now on: outlined with Settings → Colours: High contrast, else outlined
    when the desktop says its panel is dark (:func:`panel_is_dark`). Set before the tray starts, and
    again when the setting changes: True when icons already drawn now look different (then
    :func:`redraw_tray` shows the new ones)."""
    was = _outlined[0]
    if high_contrast:
        _outlined[0] = True
    elif was:
        _outlined[0] = None  # as the panel is: asked again at the next icon drawn
    return was is not None and _outlined_now() != was


def _outlined_now() -> bool:
    if _outlined[0] is None:
        _outlined[0] = panel_is_dark()
        log.info("tray icons: %s", "outlined (dark panel)" if _outlined[0] else "plain")
    return _outlined[0]


def panel_is_dark(platform: str | None = None, env: Mapping[str, str] | None = None) -> bool:
    """Whether the desktop says its panels are dark: Windows' taskbar (dark unless "light" is chosen in
    Personalisation → Colours), a GTK_THEME ending in ":dark", or GNOME's "prefer-dark" colour scheme.
    False when it cannot tell (then only High contrast outlines the icons)."""
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    if platform.startswith("win"):
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_CURRENT_USER,
                                r"Software\Microsoft\Windows\CurrentVersion\Themes\Personalize") as key:
                return winreg.QueryValueEx(key, "SystemUsesLightTheme")[0] == 0
        except (ImportError, OSError):
            return True  # no such value: Windows 10 and 11 start with a dark taskbar
    if "dark" in env.get("GTK_THEME", "").lower():
        return True
    try:
        said = subprocess.run(["gsettings", "get", "org.gnome.desktop.interface", "color-scheme"],
                              capture_output=True, text=True, timeout=3, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "prefer-dark" in said.stdout


def _over(top: tuple[np.ndarray, np.ndarray], under: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Porter-Duff "over" of premultiplied (rgb, alpha) layers."""
    return top[0] + under[0] * (1.0 - top[1][..., None]), top[1] + under[1] * (1.0 - top[1])


def icon_image(state: PostureState, size: int = ICON_SIZE, outlined: bool | None = None) -> np.ndarray:
    """A ``size`` x ``size`` x 4 uint8 RGBA array for ``state``, transparent around a disc: colour AND
    shape differ.

    upright: teal disc with an upright bar; forward: amber disc with a forward-leaning bar;
    away: grey hollow ring; paused: blue disc with pause bars; camera unavailable: red disc with a
    slash; uncertain: grey disc with three dots. Drawn straight at ``size`` with anti-aliased edges
    (each pixel covered by the share of it inside the shape), no imaging library needed; the xembed
    backend turns it into a PIL image itself. ``outlined`` (default: :func:`use_outlined_icons`) adds
    the black and white outline.
    """
    colour, base, marks = _ICONS[PostureState(state)]
    outlined = _outlined_now() if outlined is None else outlined
    scale = size / ICON_SIZE  # pixels per design unit
    black = white = 0.0
    if outlined:  # the shapes shrink to make room for the outline at small sizes
        black_px, white_px = outline_widths(size)
        scale = min(scale, (size / 2 - black_px - white_px - 0.25) / _DISC[3])
        black, white = black_px / scale, white_px / scale
    centres = ICON_SIZE / 2 + (np.arange(size) + 0.5 - size / 2) / scale  # design units, centred
    x, y = centres[None, :], centres[:, None]

    def coverage(distance: np.ndarray) -> np.ndarray:
        return np.clip(0.5 - distance * scale, 0.0, 1.0)

    def layer(cover: np.ndarray, rgb) -> tuple[np.ndarray, np.ndarray]:
        return cover[..., None] * np.asarray(rgb, dtype=float), cover

    base_distance = _distance(base, x, y)  # the outline grows outwards: the coloured shape keeps its size
    image = layer(coverage(base_distance), colour)
    if outlined:
        image = _over(image, layer(coverage(base_distance - black), (0, 0, 0)))
        image = _over(image, layer(coverage(base_distance - black - white), (255, 255, 255)))
    if marks:
        mark_cover = coverage(np.minimum.reduce([_distance(mark, x, y) for mark in marks]))
        image = _over(layer(mark_cover, (255, 255, 255)), image)  # white marks drawn over the coloured base
    premultiplied, alpha = image
    rgb = np.divide(premultiplied, alpha[..., None], out=np.zeros_like(premultiplied),
                    where=alpha[..., None] > 0)
    return np.dstack([rgb, alpha * 255.0]).round().astype(np.uint8)


# --------------------------------------------------------------------------- backend choice


def backend_order(platform: str | None = None, override: str | None = None) -> tuple[str, ...]:
    """Backends to try, best first. ``override`` (FHP_MONITOR_TRAY) forces one; raises ValueError."""
    platform = platform if platform is not None else sys.platform
    forced = forced_backend(TRAY_ENV, BACKENDS, override)
    if forced is not None:
        return () if forced == "none" else (forced,)
    if platform.startswith("linux") or "bsd" in platform:
        return ("sni", "xembed")
    if platform == "win32":
        return ("win32",)  # the notification area, through pystray's win32 backend
    return ("xembed",)  # macOS: pystray's native backend


def make_tray(backend: str, on_command: Callable[[Command], None], loop=None,
              before_dock: Callable[[], None] | None = None) -> Tray:
    """A (not yet started) tray of ``backend`` ('sni' or 'xembed'); ``loop``: a DBusLoop for SNI
    other than the process-wide one (tests with several buses); ``before_dock``: xembed only, see
    :func:`start_tray`."""
    # The backends get the words, icons and commands from here (they never import this module, so
    # there is no import cycle between the choice and what it chooses): the menu and what is possible
    # when are the vocabulary's (core/commands.py), shared with the control panel.
    content = dict(menu=MENU, draw=icon_image, activate=ACTIVATE, possible=possible)
    if backend == "sni":
        from fhp_monitor.desktop.tray.sni import SniTray

        return SniTray(on_command, loop=loop, **content)
    if backend == "xembed":
        from fhp_monitor.desktop.tray.xembed import XEmbedTray

        return XEmbedTray(on_command, before_dock=before_dock, **content)
    if backend == "win32":
        from fhp_monitor.desktop.tray.win32 import Win32Tray

        return Win32Tray(on_command, **content)
    raise ValueError(f"unknown tray backend {backend!r}")


def redraw_tray(tray: Tray, on_command: Callable[[Command], None], snapshot: StatusSnapshot | None,
                now: float) -> Tray | None:
    """The icon set changed while ``tray`` runs (:func:`use_outlined_icons` said so): show the new one.

    The StatusNotifierItem draws its icons again and tells the host (``SniTray.redraw``). pystray's
    icons (xembed, win32) keep the images they drew, so that tray is stopped and one of the same
    backend started in its place, showing ``snapshot``; no ``before_dock`` is needed then, as Tk
    connected before the first dock. Returns the tray now showing, None (one log line) if the new one
    did not start. Main thread."""
    redraw = getattr(tray, "redraw", None)
    if redraw is not None:
        redraw()
        return tray
    tray.stop()
    again = make_tray(tray.backend, on_command)
    if again.start(snapshot, now):
        log.info("tray icon started again with the new icons")
        return again
    log.warning("The tray icon did not come back after the colours changed; it returns at the next start.")
    return None


def start_tray(on_command: Callable[[Command], None], snapshot: StatusSnapshot | None = None,
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
