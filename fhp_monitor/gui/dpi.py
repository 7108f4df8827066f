"""Sharp windows on Windows: the process tells Windows it draws for the screen's DPI itself, before
its first window (cli/dispatch.py calls :func:`make_dpi_aware` first thing, in every process).

Without it Windows draws a Tk window at 96 dpi and stretches the bitmap at 125-200 % scaling, so
every letter is blurred. Once aware, Tk reads the real DPI (``tk scaling``), so its point sizes come
out at the right size, and gui/sizing.py scales the layout by the same factor.

*System* awareness, not per-monitor: Tk 8.6 does not redraw on ``WM_DPICHANGED``, so a per-monitor
aware Tk window dragged to a screen with another scale would keep the first screen's sizes (too
small or too large); system-aware, Windows stretches it there instead (IDLE makes the same choice).
The newest call the system has is used: ``SetProcessDpiAwarenessContext`` (Windows 10 1703+),
``SetProcessDpiAwareness`` (8.1), ``SetProcessDPIAware`` (Vista). "Access denied" means the
awareness was set already (by a manifest, or Wine, which makes every process aware): that is fine.
"""

from __future__ import annotations

import sys

DPI_AWARENESS_CONTEXT_SYSTEM_AWARE = -2
PROCESS_SYSTEM_DPI_AWARE = 1
ERROR_ACCESS_DENIED, E_ACCESSDENIED = 5, -2147024891  # 0x80070005 as a signed HRESULT


def make_dpi_aware(user32=None, shcore=None, last_error=None) -> str:
    """Make this process system-DPI aware; return how (one phrase for the log), or "" off Windows.

    ``user32``, ``shcore`` and ``last_error`` stand for the real DLLs and ``ctypes.get_last_error``
    (tests hand in stand-ins); a function a DLL lacks is an old Windows, and the next way is tried.
    """
    if user32 is None:
        if sys.platform != "win32":
            return ""
        import ctypes

        user32 = ctypes.WinDLL("user32", use_last_error=True)
        try:
            shcore = ctypes.WinDLL("shcore")
        except OSError:  # before Windows 8.1
            shcore = None
        last_error = ctypes.get_last_error
        if hasattr(user32, "SetProcessDpiAwarenessContext"):
            user32.SetProcessDpiAwarenessContext.argtypes = (ctypes.c_void_p,)
    if hasattr(user32, "SetProcessDpiAwarenessContext"):
        if user32.SetProcessDpiAwarenessContext(DPI_AWARENESS_CONTEXT_SYSTEM_AWARE):
            # not translated: the log's awareness line
            return "system aware (SetProcessDpiAwarenessContext)"
        if last_error() == ERROR_ACCESS_DENIED:
            # not translated: the log's awareness line
            return "aware already (SetProcessDpiAwarenessContext: set before)"
    if shcore is not None and hasattr(shcore, "SetProcessDpiAwareness"):
        result = shcore.SetProcessDpiAwareness(PROCESS_SYSTEM_DPI_AWARE)
        if result == 0:
            # not translated: the log's awareness line
            return "system aware (SetProcessDpiAwareness)"
        if result == E_ACCESSDENIED:
            # not translated: the log's awareness line
            return "aware already (SetProcessDpiAwareness: set before)"
    if hasattr(user32, "SetProcessDPIAware") and user32.SetProcessDPIAware():
        # not translated: the log's awareness line
        return "system aware (SetProcessDPIAware)"
    # not translated: the log's awareness line
    return "not DPI aware: Windows refused every way (windows may look blurred at high scaling)"


def is_dpi_aware(user32=None) -> bool:
    """Whether Windows treats this process as DPI aware (``IsProcessDPIAware``); False off Windows."""
    if user32 is None:
        if sys.platform != "win32":
            return False
        import ctypes

        user32 = ctypes.WinDLL("user32")
    return bool(user32.IsProcessDPIAware())
