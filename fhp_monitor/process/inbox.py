"""Commands for the main thread from any thread, waking it at once instead of polling.

The tray, notification buttons, session watchers, the worker and signal handlers ``put`` a
command; the main thread either sleeps in Tk's event loop or in ``wait``. On POSIX a self-pipe is
the doorbell: Tk watches its read end with ``createfilehandler`` (no timer needed), and the loop
without Tk ``select``s on it. Elsewhere the Tk loop falls back to a 1 s tick.

The pipe is never closed: a thread that rings late must not write into a file descriptor number
the process has reused meanwhile; it goes with the process.

Thread contract: ``put`` from any thread, and from signal handlers (``queue.SimpleQueue.put`` is
reentrant; the pipe write never blocks). Everything else on the main thread only.
"""

from __future__ import annotations

import os
import queue
import select
from collections.abc import Callable

from fhp_monitor.core.commands import Command

FALLBACK_TICK_MS = 1000  # Tk without a file handler (Windows): look at the inbox this often


class CommandInbox:
    """The main thread's queue of commands (core.commands), with a doorbell (see module doc)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._held: list[Command] = []  # taken off the queue by ``wait`` where there is no pipe
        self._read = self._write = -1
        if os.name == "posix":
            self._read, self._write = os.pipe()
            os.set_blocking(self._read, False)
            os.set_blocking(self._write, False)

    def put(self, command: Command) -> None:
        self._queue.put(command)
        if self._write >= 0:
            try:
                os.write(self._write, b"!")
            except BlockingIOError:  # the pipe is full of rings already: the main thread will wake
                pass
            except OSError:  # closed during shutdown: nobody is left to wake
                pass

    def take_all(self) -> list[Command]:
        """Every command waiting now, oldest first (and silences the doorbell)."""
        if self._read >= 0:
            try:
                while os.read(self._read, 4096):
                    pass
            except BlockingIOError:
                pass
        commands, self._held = self._held, []
        while True:
            try:
                commands.append(self._queue.get_nowait())
            except queue.Empty:
                return commands

    def wait(self, timeout: float) -> None:
        """Sleep until a command arrives or ``timeout`` seconds pass (the loop without Tk)."""
        timeout = max(0.0, timeout)
        if self._read >= 0:
            select.select([self._read], [], [], timeout)
            return
        if self._held:
            return
        try:
            self._held.append(self._queue.get(timeout=timeout))
        except queue.Empty:
            pass

    def attach_tk(self, root, on_commands: Callable[[], None]) -> bool:
        """Call ``on_commands`` from Tk's loop whenever a command arrives. False where Tk cannot
        watch a file (then the caller ticks every FALLBACK_TICK_MS)."""
        if self._read < 0 or not hasattr(root.tk, "createfilehandler"):
            return False
        import tkinter

        root.tk.createfilehandler(self._read, tkinter.READABLE, lambda fd, mask: on_commands())
        return True

    def wake_on_signals(self) -> int | None:
        """Main thread: let a signal (SIGTERM, SIGINT) ring the doorbell too. Tk's loop only runs
        Python signal handlers after some Tk event; without this a SIGTERM could wait for the next
        timer. Returns the previous wakeup fd to hand back to ``signal.set_wakeup_fd`` later."""
        if self._write < 0:
            return None
        import signal

        try:
            return signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        except ValueError:  # not the main thread: signals are not ours to route
            return None

    def detach_tk(self, root) -> None:
        if self._read >= 0 and hasattr(root.tk, "deletefilehandler"):
            root.tk.deletefilehandler(self._read)
