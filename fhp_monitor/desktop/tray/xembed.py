"""The XEmbed tray through pystray (the only module that imports pystray).

Used on Linux only where no StatusNotifierItem host is on the session bus (an old X tray such as
trayer or stalonetray), and on Windows/macOS, where pystray's backends are the native tray.

Threads
-------
* ``XEmbedTray.start()`` is called from the main thread. It starts one daemon thread,
  ``fhp-tray``, that runs pystray's event loop; the main thread stays free for Tk.
  (pystray 0.19.5's xorg ``run_detached()`` starts its setup thread twice and leaves one blocked,
  which makes ``stop()`` hang for 5 s, so on xorg we run ``icon.run()`` in our own thread — the
  same thing xorg's ``run_detached`` does, without the stray thread. Other backends use
  ``icon.run_detached()``.)
* ``on_command`` is called on the ``fhp-tray`` thread. It must not block and must not touch Tk:
  marshal to the Tk thread with ``root.after(0, ...)`` or put the command on a queue.
* ``show()`` and ``stop()`` may be called from any thread. On xorg only ``fhp-tray`` ever uses
  pystray's X connection (python-xlib loses replies when two threads share one; see
  :class:`~fhp_monitor.desktop.tray.xorg_workarounds.TrayThreadCalls`): other threads queue the
  change for it and wait at most ``ANSWER_WAIT_S`` (``stop()``: ``STOP_JOIN_S``), then log one line
  and go on, so a stuck tray never holds up the worker or quitting. (pystray's setup and the
  workarounds' attribute changes run on the main thread before ``fhp-tray`` starts.) Elsewhere
  pystray forwards each change to its own loop and waits; a lock keeps that from happening after
  the loop has ended (which would block forever).

Where no tray can be shown (no display, no tray host owning ``_NET_SYSTEM_TRAY_S0``, pystray
unable to load a backend) ``start()`` logs one line and returns False.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
from PIL import Image

from fhp_monitor.core.commands import Command
from fhp_monitor.core.i18n import _
from fhp_monitor.core.messages import tooltip
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.tray.xorg_workarounds import (
    ANSWER_WAIT_S,
    FALLBACK_BACKGROUND,
    STOP_JOIN_S,
    TrayJob,
    TrayThreadCalls,
    dock_only_once,
    draw_over_the_tray,
    enable_xorg_clicks,
    find_tray_without_server_grab,
    flatten,
    tray_host_available,
)

log = logging.getLogger(__name__)


class XEmbedTray:
    """A pystray icon showing the posture state, sending commands (core.commands) back.

    ``on_command`` receives a command on the ``fhp-tray`` thread (see module doc). Left click runs
    the default action ``activate`` (the control panel). pystray's menus (Windows, macOS) offer every
    command of ``menu``, greyed out while not ``possible``; xorg has none (``has_menu`` False). ``draw(state,
    size)`` gives the RGBA icon (size x size x 4 uint8). Built by :func:`fhp_monitor.desktop.tray.make_tray`.
    """

    backend = "xembed"

    def __init__(self, on_command: Callable[[Command], None], *, menu: tuple[tuple[tuple[Command, str], ...], ...],
                 draw: Callable[[PostureState, int], np.ndarray], activate: Command,
                 possible: Callable[[Command, PostureState], bool], title: str = "fhp-monitor",
                 before_dock: Callable[[], None] | None = None) -> None:
        self._on_command = on_command
        self._before_dock = before_dock  # runs in start() once a tray host is found, before pystray
        self._entries = [entry for group in menu for entry in group]
        self._draw, self._activate, self._possible = draw, activate, possible
        self._title = title
        self._last: tuple[StatusSnapshot, float] | None = None
        self._drawn_state = PostureState.UNCERTAIN
        self._lock = threading.RLock()
        self._icon = None  # pystray.Icon once started
        self._thread: threading.Thread | None = None
        self._running = False
        self._shown: tuple[PostureState, str] | None = None
        self._flatten_background: tuple[int, int, int] | None = None
        self.has_menu = False
        self._ready = threading.Event()  # set once pystray's setup (making the icon visible) is done
        self._calls: TrayThreadCalls | None = None  # xorg: the way onto the tray thread
        self._wanted: tuple[PostureState, str] | None = None  # xorg: what the tray thread shows next
        self._pending: TrayJob | None = None  # xorg: the last change queued for the tray thread
        self._retitle = False  # xorg: relabel() asks the tray thread to set the title again

    @property
    def running(self) -> bool:
        """True between a successful ``start()`` and ``stop()``."""
        return self._running

    @property
    def title(self) -> str:
        """The tooltip text currently shown (the X window name on the xorg backend)."""
        return self._icon.title if self._icon is not None else self._title

    def start(self, snapshot: StatusSnapshot | None = None, now: float | None = None) -> bool:
        """Show the icon; return False (and log one line) when this desktop cannot show a tray."""
        with self._lock:
            if self._running:
                return True
            if not tray_host_available():
                log.info("No X system tray (owner of _NET_SYSTEM_TRAY_S0) on this desktop.")
                return False
            if self._before_dock is not None:
                self._before_dock()
            try:
                import pystray
            except Exception as error:  # pystray raises whatever its last backend raised (Xlib, gi, ...)
                log.info("pystray cannot show a tray icon here: %s", error)
                return False
            backend = pystray.Icon.__module__
            is_xorg = backend.endswith("_xorg")
            self._flatten_background = FALLBACK_BACKGROUND if is_xorg else None
            self.has_menu = bool(pystray.Icon.HAS_MENU)
            state = snapshot.state if snapshot is not None else PostureState.UNCERTAIN
            title = tooltip(snapshot, now if now is not None else time.time()) if snapshot else self._title
            self._icon = pystray.Icon("fhp-monitor", self._image(state), title, menu=self._menu(pystray))
            self._shown = (state, title)
            self._drawn_state = state
            if is_xorg:
                try:
                    self._calls = TrayThreadCalls(self._icon)
                except Exception as error:  # Xlib's DisplayError, OSError: the display went away meanwhile
                    log.info("Cannot open a second X connection for the tray icon: %s", error)
                    return False
                enable_xorg_clicks(self._icon)
                find_tray_without_server_grab(self._icon)
                dock_only_once(self._icon)
                draw_over_the_tray(self._icon, self._draw, lambda: self._drawn_state)
                # pystray's setup thread would make the icon visible through the shared connection
                # from its own thread; it does nothing here and the loop itself does it (queued below).
                self._thread = threading.Thread(target=self._icon.run, args=(lambda _icon: None,),
                                                name="fhp-tray", daemon=True)
                # pystray's xorg run() releases the setup thread *before* it records its loop thread,
                # so the setup's first forwarded call can fail with AttributeError and the icon never
                # docks (2 runs in 10). Record the loop thread up front; it is the thread we start.
                self._icon._thread = self._thread
                # Making the icon visible sends two dock requests (from _update_icon and _show); when
                # trayer gets both, it can embed and then drop the icon (~1 run in 3). With the image
                # marked current only _show docks; the image is drawn on the first Expose anyway.
                self._icon._icon_valid = True
                self._thread.start()
                self._calls.call(self._make_visible)  # the first thing the loop does
            else:
                self._icon.run_detached(self._setup)
            self._running = True
            log.info("Tray icon started (XEmbed/pystray backend %s, menu: %s).", backend, self.has_menu)
            return True

    def show(self, snapshot: StatusSnapshot, now: float) -> None:
        """Draw ``snapshot``: the state's icon and a tooltip such as 'fhp-monitor: Sitting tall'.

        Safe from any thread; does nothing when the icon is not running. Unchanged states are not
        redrawn.
        """
        self._last = (snapshot, now)
        title = tooltip(snapshot, now)
        if self._on_tray_thread():
            self._apply(snapshot.state, title)  # pystray runs it directly; taking the lock could deadlock
            return
        with self._lock:
            if self._calls is not None:
                if self._running:
                    self._wanted = (snapshot.state, title)
                    self._ask_tray_thread()
                return
            if self._running:
                self._wait_ready()
            self._apply(snapshot.state, title)

    def relabel(self) -> None:
        """The language changed: the menu's labels (callables) and the tooltip again. Any thread."""
        if self._calls is not None:
            self._retitle = True  # the tray thread sets the title again (it alone touches _shown there)
        elif self._running and self._icon is not None and self._shown is not None:
            self._shown = (self._shown[0], "")  # redraw the title below
            if self.has_menu:
                self._icon.update_menu()
        if self._last is not None:
            self.show(*self._last)

    def _apply(self, state: PostureState, title: str) -> None:
        if not self._running or self._icon is None or self._shown == (state, title):
            return
        if self._shown is None or self._shown[0] != state:
            was_paused, self._drawn_state = self._drawn_state == PostureState.PAUSED, state
            self._icon.icon = self._image(state)
            if self.has_menu and was_paused != (state == PostureState.PAUSED):
                self._icon.update_menu()  # Resume greyed out or not (the menu's ``enabled`` callables)
        self._icon.title = title
        self._shown = (state, title)

    def _ask_tray_thread(self) -> None:
        """xorg, under ``_lock``: have the tray thread show ``_wanted``; wait ``ANSWER_WAIT_S`` at most.

        Callers take turns (``_lock``) and each waits for its change, so an earlier change not yet
        done means the tray thread was late: a change still queued will show the newest ``_wanted``
        (nothing more is queued); one it is busy with gets one follow-up; neither is waited for again
        (the one line was logged) until the tray thread catches up.
        """
        earlier = self._pending
        if earlier is not None and not earlier.started.is_set():
            return
        self._pending = self._calls.call(self._apply_wanted)
        if earlier is not None and not earlier.done.is_set():
            return
        if not self._pending.done.wait(ANSWER_WAIT_S):
            log.warning("The tray icon did not answer within %.0f s; going on without it.", ANSWER_WAIT_S)

    def _apply_wanted(self) -> None:
        """On the tray thread: show the newest state asked for."""
        if self._retitle:
            self._retitle = False
            if self._shown is not None:
                self._shown = (self._shown[0], "")  # set the title again below (relabel)
        if self._wanted is not None:
            self._apply(*self._wanted)

    def _make_visible(self) -> None:
        """On the tray thread: dock the icon (what pystray's setup would do), then mark ready."""
        try:
            self._icon.visible = True
        finally:
            self._ready.set()

    def _on_tray_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def stop(self) -> None:
        """Remove the icon from the tray and end the ``fhp-tray`` thread. Safe to call twice.

        From the tray thread itself (an ``on_command`` handler) it stops without waiting.
        """
        if self._on_tray_thread():
            self._running = False
            if self._calls is not None:
                self._end_loop()
                self._calls.close(abandon_queued=True)
            else:
                self._icon.stop()
            return
        with self._lock:
            if not self._running or self._icon is None:
                return
            self._running = False
            if self._calls is not None:
                self._calls.call(self._end_loop)
            else:
                self._stop_elsewhere()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=STOP_JOIN_S)
            if thread.is_alive():
                log.warning("The tray thread did not end within %.0f s.", STOP_JOIN_S)
                # pystray's Icon.__del__ would otherwise ask the stuck loop to stop and wait for ever
                # (the queued _end_loop still ends the loop should it come back)
                self._icon._running = False
        if self._calls is not None:
            self._calls.close(abandon_queued=not (thread is not None and thread.is_alive()))

    def _end_loop(self) -> None:
        """xorg, on the tray thread: destroy the icon's window; pystray's loop ends on its DestroyNotify.
        (pystray's ``stop()`` without its wait for the setup thread, which does nothing here.)"""
        self._icon._stop()
        self._icon._running = False

    def _stop_elsewhere(self) -> None:
        """Not xorg: stop pystray's loop from this thread (under ``_lock``), waiting 5 s at most."""
        self._wait_ready()
        # pystray's stop() waits without a limit for its loop to answer; a loop stuck once hung a
        # test run for good. Ask from a helper thread, wait 5 s.
        asking = threading.Thread(target=self._icon.stop, name="fhp-tray-stop", daemon=True)
        asking.start()
        asking.join(timeout=STOP_JOIN_S)
        if asking.is_alive():
            log.warning("The tray icon did not answer the stop request within %.0f s.", STOP_JOIN_S)

    # ------------------------------------------------------------------ internals

    def _setup(self, icon) -> None:
        """pystray's setup callback (not xorg; its own short-lived thread): show the icon, then mark ready.

        pystray forwards calls to its loop through one shared result queue, so two threads
        forwarding at once can take each other's results. ``show``/``stop`` wait for this first.
        """
        try:
            icon.visible = True
        finally:
            self._ready.set()

    def _wait_ready(self) -> None:
        if not self._ready.wait(timeout=STOP_JOIN_S):
            log.warning("The tray icon did not become ready within %.0f s.", STOP_JOIN_S)

    def _image(self, state: PostureState) -> Image.Image:
        image = Image.fromarray(self._draw(state, 64), "RGBA")
        return flatten(image, self._flatten_background) if self._flatten_background else image

    def _menu(self, pystray):
        """The pystray menu: every command, the first the default (a left click), enabled while ``possible``."""
        items = [pystray.MenuItem(lambda _item, label=label: _(label), self._sender(command),  # the language of now
                                  default=command == self._activate,
                                  enabled=lambda _item, c=command: self._possible(c, self._drawn_state))
                 for command, label in self._entries]
        return pystray.Menu(*items)

    def _sender(self, command: Command) -> Callable[..., None]:
        def send(_icon=None, _item=None) -> None:
            try:
                self._on_command(command)
            except Exception:  # a failing handler must not kill the tray loop; it is logged, not hidden
                log.exception("The handler for tray command %s failed.", command)
        return send
