"""pystray's xorg backend, made to behave (used by xembed.py on X11 only): clicks it otherwise drops,
finding the tray without grabbing the whole X server (which hung Tk), docking once, drawing the
icon over the tray's own background where the tray shows no transparency, and running every change on
pystray's loop thread (:class:`TrayThreadCalls`); and whether a tray host owns the X selection at all.
Each works around a pystray 0.19 bug and touches its private attributes, said at each function.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np
from PIL import Image

from fhp_monitor.core.ports import PostureState

log = logging.getLogger("fhp_monitor.desktop.tray.xembed")

#: Behind the icon where the X tray cannot show transparency and we cannot read its colour: a
#: light neutral grey that a teal/amber/blue disc reads on, on light and dark panels alike.
FALLBACK_BACKGROUND = (200, 200, 200)
TRAY_HOST_WAIT_S = 2.0
STOP_JOIN_S = 5.0
#: How long another thread waits for the tray thread to make a change before it goes on without it.
ANSWER_WAIT_S = 3.0


def flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """Paint an RGBA icon onto a solid background (for backends without transparency)."""
    flat = Image.new("RGB", image.size, background)
    flat.paste(image, mask=image.getchannel("A"))
    return flat


# --------------------------------------------------------------------------- tray host check


def tray_host_available(display_name: str | None = None, timeout_s: float = TRAY_HOST_WAIT_S) -> bool:
    """True when an X system tray (owner of ``_NET_SYSTEM_TRAY_S0``) appears within ``timeout_s``.

    Only meaningful on Linux/X11; other platforms always have a notification area, so True.
    Waits a little because at login the tray host may start after us.
    """
    if not sys.platform.startswith("linux"):
        return True
    display_name = display_name if display_name is not None else os.environ.get("DISPLAY", "")
    if not display_name:
        return False
    from Xlib import X
    from Xlib import display as xdisplay
    from Xlib import error as xerror

    try:
        connection = xdisplay.Display(display_name)
    except (xerror.DisplayError, OSError) as error:
        log.debug("cannot open X display %r: %s", display_name, error)
        return False
    try:
        atom = connection.intern_atom("_NET_SYSTEM_TRAY_S0")
        deadline = time.monotonic() + timeout_s
        while True:
            if connection.get_selection_owner(atom) != X.NONE:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)  # no event announces a new selection owner to non-owners; poll briefly
    finally:
        connection.close()


def enable_xorg_clicks(icon) -> None:
    """Let pystray's xorg icon window receive mouse clicks.

    pystray 0.19.5 creates the window with only Exposure and StructureNotify in its event mask, so
    its ButtonPress handler (the default action) never runs (pystray issue #151: "clicking does
    nothing"). We add ButtonPressMask on pystray's own connection before its loop starts.
    """
    window = getattr(icon, "_window", None)
    connection = getattr(icon, "_display", None)
    if window is None or connection is None:
        log.warning("This pystray version changed its X window; clicking the tray icon may do nothing.")
        return
    from Xlib import X

    window.change_attributes(event_mask=X.ExposureMask | X.StructureNotifyMask | X.ButtonPressMask)
    connection.flush()


def find_tray_without_server_grab(icon) -> None:
    """Look up the tray manager without pystray's XGrabServer around it.

    pystray 0.19.5 grabs the whole X server while it reads the ``_NET_SYSTEM_TRAY_Sn`` owner. Under
    Xvfb we saw that grab never released when another client connected at that moment: the app,
    Tk and every other X client hung. The grab only guards against the tray manager changing
    between two requests, which at worst means one more docking attempt, so we read the owner
    plainly on pystray's own connection.
    """
    connection = getattr(icon, "_display", None)
    selection = getattr(icon, "_net_system_tray_sx", None)
    if connection is None or selection is None or not hasattr(icon, "_get_systray_manager"):
        log.warning("This pystray version changed how it finds the tray; docking may be slower.")
        return
    from Xlib import X

    def find_manager():
        owner = connection.get_selection_owner(selection)
        connection.flush()
        return None if owner == X.NONE else connection.create_resource_object("window", owner.id)

    icon._get_systray_manager = find_manager


def dock_only_once(icon) -> None:
    """Stop pystray from asking the tray to dock the icon again on every icon change.

    pystray 0.19.5's xorg ``_update_icon`` calls ``_assert_docked``, which sends a fresh
    SYSTEM_TRAY_REQUEST_DOCK each time. trayer answers a dock request for a window it already holds
    by re-embedding it, and in 5 of 16 state changes the icon came back 1 px wide (issue 11). We
    dock when not docked (first show, or after the tray host went away: pystray clears
    ``_systray_manager`` on its DestroyNotify) and otherwise leave the docked window alone.
    """
    original = getattr(icon, "_assert_docked", None)
    if original is None or not hasattr(icon, "_systray_manager"):
        log.warning("This pystray version changed how it docks; the tray icon may flicker on changes.")
        return

    def assert_docked() -> None:
        if icon._systray_manager is None:
            original()

    icon._assert_docked = assert_docked


def draw_over_the_tray(icon, draw: Callable[[PostureState, int], np.ndarray],
                        state_of: Callable[[], PostureState]) -> None:
    """Paint the icon with the tray's own background showing around the disc (issue 13), on the tray thread.

    An XEmbed icon window has no alpha (it lives in the tray's 24-bit visual), and pystray paints a
    full opaque square. We give the window the parent's background (``ParentRelative``), clear it,
    and draw the icon through a 1-bit clip mask made from its alpha channel: what lies outside the
    disc is the panel itself, light or dark. Soft edge pixels are blended onto a light grey.
    """
    window, connection = getattr(icon, "_window", None), getattr(icon, "_display", None)
    if window is None or connection is None or not hasattr(icon, "_draw"):
        log.warning("This pystray version changed its X window; the tray icon keeps a solid background.")
        return
    from Xlib import X
    from Xlib import error as xerror

    window.change_attributes(background_pixmap=X.ParentRelative)
    cache: dict[tuple[PostureState, int, int], tuple[Image.Image, Image.Image]] = {}
    # The window's size, from its ConfigureNotify events (the tray sets it), so that a paint needs no
    # X round trip; asked once if a paint comes before any ConfigureNotify.
    size: list[tuple[int, int]] = []
    handlers = icon._message_handlers
    pystray_on_configure = handlers.get(X.ConfigureNotify, lambda _event: None)

    def on_configure(event) -> None:
        if event.window.id == window.id:
            size[:] = [(event.width, event.height)]
        pystray_on_configure(event)

    handlers[X.ConfigureNotify] = on_configure

    def images(state: PostureState, width: int, height: int) -> tuple[Image.Image, Image.Image]:
        key = (state, width, height)
        if key not in cache:
            rgba = Image.fromarray(draw(state, max(width, height)), "RGBA")
            if rgba.size != (width, height):
                rgba = rgba.resize((width, height), Image.LANCZOS)
            alpha = rgba.getchannel("A")
            cache[key] = (flatten(rgba, FALLBACK_BACKGROUND),
                          alpha.point(lambda a: 255 if a >= 96 else 0).convert("1"))
        return cache[key]

    def paint() -> None:
        try:
            if not size:
                geometry = window.get_geometry()
                size[:] = [(geometry.width, geometry.height)]
            width, height = size[0]
            rgb, mask_image = images(state_of(), width, height)
            window.clear_area(0, 0, width, height)
            mask = window.create_pixmap(width, height, 1)
            mask_gc = mask.create_gc(foreground=1, background=0)
            mask.put_pil_image(mask_gc, 0, 0, mask_image)
            gc = window.create_gc(clip_mask=mask)
            window.put_pil_image(gc, 0, 0, rgb)
            gc.free()
            mask_gc.free()
            mask.free()
        except (xerror.BadDrawable, xerror.BadWindow):
            pass  # the window was destroyed while we drew (stop); nothing left to paint

    icon._draw = paint


# --------------------------------------------------------------------------- the tray thread


class TrayJob:
    """One piece of work queued for the tray thread: ``started`` is set just before it runs, ``done``
    once it ran (or failed, logged) or will never run."""

    def __init__(self, work: Callable[[], None]) -> None:
        self.work = work
        self.started = threading.Event()
        self.done = threading.Event()


class TrayThreadCalls:
    """Runs work on pystray's loop thread, the only thread that may use pystray's X connection.

    python-xlib 0.33's threaded Display loses a wake-up when two threads share one connection: a
    thread that flushes while another reads can leave the reader waiting for its reply with nobody
    sending its request (the request stays queued; py-spy showed ``fhp-tray`` stuck in
    ``get_geometry`` and the worker stuck in pystray's forwarding of ``icon.icon = ...``, which
    flushes the shared connection from the calling thread). So no other thread forwards through
    pystray: ``call(work)`` queues ``work`` and wakes the loop with a ClientMessage sent over a
    second, private X connection (one lock around it); the loop runs the queue, then flushes.

    Threads: ``call`` and ``close`` from any thread; ``run_jobs`` on the tray thread only (it is
    hooked into pystray's ClientMessage handler). Made on the main thread before the loop starts.
    Raises Xlib's DisplayError/OSError when the private connection cannot be opened.
    """

    def __init__(self, icon) -> None:
        from Xlib import X
        from Xlib import display as xdisplay

        self._icon = icon
        self._jobs: deque[TrayJob] = deque()
        self._lock = threading.Lock()  # the queue and the private connection
        self._connection = xdisplay.Display()
        self._connection.set_error_handler(
            lambda error, _request=None: log.debug("X error on the tray's wake-up connection: %s", error))
        self._atom = self._connection.intern_atom("_FHP_MONITOR_TRAY_JOBS")
        self._target = self._connection.create_resource_object("window", icon._window.id)
        self._closed = False
        handlers = icon._message_handlers
        pystray_on_message = handlers[X.ClientMessage]  # pystray's own forwarded calls (not used by us)

        def on_client_message(event) -> None:
            if event.client_type == self._atom:
                self.run_jobs()
            else:
                pystray_on_message(event)

        handlers[X.ClientMessage] = on_client_message

    def call(self, work: Callable[[], None]) -> TrayJob:
        """Queue ``work`` for the tray thread and wake it; returns at once (wait on ``job.done``)."""
        from Xlib import X
        from Xlib.protocol import event as xevent

        job = TrayJob(work)
        with self._lock:
            if self._closed:
                job.done.set()  # the loop has ended: nothing to wait for
                return job
            wake = not self._jobs  # a queue that was not empty has its wake-up on the way already
            self._jobs.append(job)
            if wake:
                message = xevent.ClientMessage(window=self._target, client_type=self._atom,
                                               data=(32, (X.CurrentTime, 0, 0, 0, 0)))
                self._connection.send_event(self._target, message, event_mask=X.NoEventMask)
                self._connection.flush()
        return job

    def run_jobs(self) -> None:
        """Run everything queued (tray thread only), then send pystray's X requests to the server."""
        while True:
            with self._lock:
                if not self._jobs:
                    break
                job = self._jobs.popleft()
            job.started.set()
            try:
                job.work()
            except Exception:  # one failing change must not end pystray's loop (it stops on any error)
                log.exception("A tray icon change failed.")
            finally:
                job.done.set()
        self._icon._display.flush()

    def close(self, abandon_queued: bool = False) -> None:
        """Close the private connection; work called later never runs (its ``done`` is set at once).
        ``abandon_queued`` (the loop has ended): work still queued will not run either, so its
        ``done`` is set now and nobody waits for it. Otherwise a loop that comes back runs it. Safe twice."""
        with self._lock:
            while abandon_queued and self._jobs:
                self._jobs.popleft().done.set()
            if not self._closed:
                self._closed = True
                self._connection.close()
