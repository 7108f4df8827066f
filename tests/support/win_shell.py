"""What a Windows program outside fhp-monitor sees of its notification-area icon (Windows Python only):
the balloons on screen (any process's: the shell draws them; Wine's explorer.exe does) and a way to
tell the app's tray icon that its balloon was clicked, the message the shell sends on a real click
(Wine's balloons do not send it). Used by tests/desktop/test_windows_notify.py and .ci/win_tray.py.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes

from fhp_monitor.desktop.notify.windows import NIN_BALLOONUSERCLICK

GWL_STYLE, TTS_BALLOON, WM_GETTEXT = -16, 0x40, 0x000D
PYSTRAY_CALLBACK = 0x0400 + 11  # pystray's WM_NOTIFY (WM_USER + 11), the tray icon's callback message
ENUM = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)


def _user32():
    user32 = ctypes.WinDLL("user32", use_last_error=True)
    user32.EnumWindows.argtypes = (ENUM, wintypes.LPARAM)
    user32.GetClassNameW.argtypes = (wintypes.HWND, wintypes.LPWSTR, ctypes.c_int)
    user32.IsWindowVisible.argtypes = (wintypes.HWND,)
    user32.GetWindowLongW.argtypes = (wintypes.HWND, ctypes.c_int)
    user32.GetWindowRect.argtypes = (wintypes.HWND, ctypes.POINTER(wintypes.RECT))
    user32.GetWindowThreadProcessId.argtypes = (wintypes.HWND, ctypes.POINTER(wintypes.DWORD))
    user32.SendMessageW.restype = ctypes.c_ssize_t
    user32.SendMessageW.argtypes = (wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM)
    return user32


def _top_level_windows() -> list[tuple[int, str, int]]:
    """(hwnd, class name, process id) of every top-level window."""
    user32, found = _user32(), []

    def one(hwnd, _lparam):
        name = ctypes.create_unicode_buffer(256)
        user32.GetClassNameW(hwnd, name, len(name))
        pid = wintypes.DWORD()
        user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        found.append((hwnd, name.value, pid.value))
        return True

    user32.EnumWindows(ENUM(one), 0)
    return found


def balloons() -> list[dict]:
    """The balloons on screen: their text (WM_GETTEXT, which the system carries across processes) and
    rectangle (left, top, right, bottom)."""
    user32, shown = _user32(), []
    for hwnd, class_name, _pid in _top_level_windows():
        if class_name.lower() != "tooltips_class32" or not user32.IsWindowVisible(hwnd):
            continue
        if not user32.GetWindowLongW(hwnd, GWL_STYLE) & TTS_BALLOON:
            continue
        text = ctypes.create_unicode_buffer(1024)
        user32.SendMessageW(hwnd, WM_GETTEXT, len(text), ctypes.addressof(text))
        rect = wintypes.RECT()
        user32.GetWindowRect(hwnd, ctypes.byref(rect))
        shown.append({"text": text.value, "rect": [rect.left, rect.top, rect.right, rect.bottom]})
    return shown


def click_tray_balloon(pid: int) -> int:
    """Tell the tray icon windows of fhp-monitor process ``pid`` that their balloon was clicked; how
    many windows were told (pystray makes two of its class, only the icon's own acts on it)."""
    user32, told = _user32(), 0
    for hwnd, class_name, owner in _top_level_windows():
        if owner == pid and class_name.startswith("fhp-monitor") and class_name.endswith("SystemTrayIcon"):
            user32.SendMessageW(hwnd, PYSTRAY_CALLBACK, 0, NIN_BALLOONUSERCLICK)
            told += 1
    return told
