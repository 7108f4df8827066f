"""The app's Tk root, there only while one of its windows is open (issue #14, "Lean process").

Most users never open a window, so ``run`` starts without importing tkinter (~3 MB) and without a
Tk root (~5 MB): the main thread sleeps on the CommandInbox. A command that needs a window (the
control panel, settings) asks :meth:`WindowHost.root_for_window`, which imports tkinter and makes
the root then; the app runs Tk's loop (:meth:`WindowHost.run`) while any window is open. When the
last one is closed or hidden the root is destroyed and the main thread goes back to the plain
wait, so a later window opens the same way. The exception is pystray's XEmbed tray
(:meth:`WindowHost.keep_root`).

No tkinter at import time: the app imports this module at start.

Thread contract: every method on the main thread only. Closing a window is noticed through the
CommandInbox (a Toplevel's Unmap or Destroy puts ``WINDOWS_CHANGED``), which wakes Tk's loop.
"""

from __future__ import annotations

import gc
import logging
import signal
from collections.abc import Callable

from fhp_monitor.core.commands import WAKE, Command
from fhp_monitor.core.ports import StatusSnapshot
from fhp_monitor.process.inbox import FALLBACK_TICK_MS, CommandInbox

log = logging.getLogger(__name__)

#: Put on the inbox when a window is hidden or destroyed; the app treats it as a plain wake-up.
WINDOWS_CHANGED = WAKE


def collect_tk_garbage() -> None:
    """Free Tk objects left in reference cycles now, on the thread that made them (the main thread).

    Left to a later garbage collection, they may be freed on whichever thread allocates then (the
    worker), and Tcl aborts the whole process: "Tcl_AsyncDelete: async handler deleted by the wrong
    thread" (seen after the first-run wizard, when the worker's first look ran a collection).
    """
    gc.collect()


class WindowHost:
    """Owns the Tk root of one ``run`` and the control panel over it. ``available``: a display and
    Tk, so windows can be shown."""

    def __init__(self, commands: CommandInbox) -> None:
        self.commands = commands
        self.available = False
        self.root = None
        self.kept = False  # the root stays for the whole run (XEmbed tray, see keep_root)
        self.panel = None  # the ControlPanel, made over the root on first use; hidden, not destroyed, on close
        self.text_size = "normal"  # display.text_size, for a panel made from now on (the app keeps it current)
        self.language = "system"  # display.language the panel's words are in
        self._on_command: Callable[[Command], None] | None = None  # the panel's, for building it again

    def use_display(self, display) -> None:
        """Settings → Text size and Colours (``settings.display``) for the windows made from now on, and
        for the control panel already made: it is built again in them (in the same place, shown if it
        was), as after a change of Language (the app has made it the one in use already)."""
        from fhp_monitor.gui.theme import use_theme

        self.text_size, language = display.text_size, self.language
        self.language = display.language
        theme = use_theme(display.theme)
        if self.panel is not None and (self.panel.theme, self.panel.text_size, language) != (
                theme, self.text_size, self.language):
            self._rebuild_panel()

    def _make_panel(self, root, on_command: Callable[[Command], None]):
        import tkinter as tk

        from fhp_monitor.gui.panel import ControlPanel

        window = tk.Toplevel(root)
        window.protocol("WM_DELETE_WINDOW", window.withdraw)  # closing hides it; the tray reopens it
        self._on_command = on_command
        return ControlPanel(window, on_command=on_command, text_size=self.text_size)

    def _rebuild_panel(self) -> None:
        """The panel again in the colours and text size now in use; a hidden one is simply dropped (the
        next ``show_panel`` makes it). An open one keeps its place and what it shows, without taking the
        keyboard focus (the settings window, where the change was made, may have it)."""
        old, self.panel = self.panel, None
        window = old.root
        shown = window.wm_state() != "withdrawn"
        place = window.wm_geometry().partition("+")[1:]  # "+x+y" of "WxH+x+y": where the user has it
        window.destroy()
        log.info("control panel built again in the new colours, text size or language")
        if not shown:
            return
        self.panel = self._make_panel(self.root, self._on_command)
        self.panel.root.geometry("".join(place))
        if old.shown is not None:
            self.panel.show(*old.shown)

    def root_for_window(self):
        """The Tk root to open a window over, made now if there is none; None where windows cannot
        be shown (no display, no Tk, or the display refused the connection)."""
        if self.root is None and self.available:
            try:
                import tkinter

                root = tkinter.Tk()
                root.withdraw()
            except Exception as exc:  # tkinter.TclError: the display refused; the tray and reminders still work
                log.warning("The control panel cannot be shown (%s); the tray and notifications still work.", exc)
                return None
            for sequence in ("<Unmap>", "<Destroy>"):  # a window hidden or closed: see whether any is left
                root.bind_class("Toplevel", sequence, lambda _event: self.commands.put(WINDOWS_CHANGED), add="+")
            self.root = root
            log.info("Tk root made for a window")
        return self.root

    def show_panel(self, on_command: Callable[[Command], None], snapshot: StatusSnapshot, now: float) -> None:
        """Open the control panel (made over the root the first time) showing ``snapshot``, in front."""
        root = self.root_for_window()
        if root is None:
            return
        if self.panel is None:
            self.panel = self._make_panel(root, on_command)
        self.panel.show(snapshot, now)
        self.panel.raise_window()

    def refresh_panel(self, snapshot: StatusSnapshot | None, now: float) -> None:
        """Show ``snapshot`` on the panel, if it was made."""
        if self.panel is not None and snapshot is not None:
            self.panel.show(snapshot, now)

    def keep_root(self) -> None:
        """Connect Tk now and keep the root for the whole run: called before pystray's XEmbed tray
        starts. Its xorg backend grabs the whole X server while it docks, and a Tk connection opened
        during that grab was seen to hang both (and the X server with them). Without the root now,
        no window can be shown in this run (it would connect during a later dock)."""
        if self.root_for_window() is None:
            self.available = False
        else:
            self.kept = True

    def release_root(self) -> None:
        """The XEmbed tray did not start after all (e.g. no tray on this desktop): the root goes back
        to on demand."""
        self.kept = False
        if not self.windows_open():
            self.close()

    def windows_open(self) -> bool:
        """True while a window over the root is shown (iconified counts; withdrawn does not)."""
        if self.root is None:
            return False
        return any(child.winfo_class() == "Toplevel" and child.wm_state() != "withdrawn"
                   for child in self.root.winfo_children())

    def run(self, poll: Callable[[], float], finished: Callable[[], bool]) -> None:
        """Run Tk's loop over the root: ``poll`` handles the commands whenever one arrives and the
        checks when it says; back when ``finished()`` or when no window is open any more (unless
        the root is kept), and then the root is destroyed."""
        root = self.root
        timer: list[str] = []

        def wake() -> None:
            """Commands arrived or a check is due: handle them, then sleep until the next check."""
            for pending in timer:
                root.after_cancel(pending)
            timer.clear()
            next_check_s = poll()
            if finished() or not (self.kept or self.windows_open()):
                root.quit()
                return
            if not watched:
                next_check_s = min(next_check_s, FALLBACK_TICK_MS / 1000.0)
            timer.append(root.after(max(1, int(next_check_s * 1000) + 1), wake))

        watched = self.commands.attach_tk(root, wake)
        previous_fd = self.commands.wake_on_signals()
        try:
            root.after_idle(wake)
            root.mainloop()
        finally:
            if previous_fd is not None:
                signal.set_wakeup_fd(previous_fd)
            self.commands.detach_tk(root)
            for pending in timer:
                root.after_cancel(pending)
            timer.clear()
        if not self.kept:
            self.close()

    def close(self) -> None:
        """Destroy the root and every window over it (no window open, or the run ends)."""
        if self.root is None:
            return
        root, self.root = self.root, None
        self.panel = None  # destroyed with the root; the next show_panel makes it over a new one
        root.destroy()
        del root
        collect_tk_garbage()
        log.info("Tk root closed")
