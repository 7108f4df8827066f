"""Input idle time on X11: the server's MIT-SCREEN-SAVER idle counter, through python-xlib.
Thread contract: any thread (the probe serialises its own X connection)."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class XIdleProbe:
    """Seconds since the last input on an X display (the server's screen-saver idle counter)."""

    def __init__(self, display_name: str | None = None) -> None:
        from Xlib import display as xdisplay

        self._display = xdisplay.Display(display_name)
        if not self._display.has_extension("MIT-SCREEN-SAVER"):
            self._display.close()
            raise OSError("the X server has no MIT-SCREEN-SAVER extension")  # not translated: for the log
        self._root = self._display.screen().root
        self._lock = threading.Lock()

    def __call__(self) -> float | None:
        with self._lock:
            if self._display is None:
                return None
            try:
                return self._root.screensaver_query_info().idle / 1000.0
            except Exception as exc:  # Xlib's ConnectionClosedError / XError: the display went away
                log.warning("input idle time stopped working (%s); looking at the usual pace", exc)
                display, self._display = self._display, None
        try:
            display.close()
        except Exception as exc:  # a connection already broken may fail to close; nothing more to do
            log.debug("closing the X connection for idle time: %s", exc)
        return None

    def close(self) -> None:
        with self._lock:
            display, self._display = self._display, None
        if display is not None:
            display.close()
