"""The OS-facing desktop side, one module per capability (tray, notifications, autostart, video calls, ...)."""

from __future__ import annotations

import os
import sys


def has_display() -> bool:
    """Whether windows and a tray can be shown here (Windows and macOS always; elsewhere an X or Wayland display)."""
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
