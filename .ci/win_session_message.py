"""Run by the Windows Python under Wine: send a lock/unlock/sleep/wake message to the session window
of the fhp-monitor whose process id is given, the way Windows would (Wine never locks a session).

    python.exe win_session_message.py PID lock|unlock|sleep|wake
"""

from __future__ import annotations

import ctypes
import sys
from ctypes import wintypes

from fhp_monitor.desktop.session import windows as session

MESSAGES = {
    "lock": (session.WM_WTSSESSION_CHANGE, session.WTS_SESSION_LOCK),
    "unlock": (session.WM_WTSSESSION_CHANGE, session.WTS_SESSION_UNLOCK),
    "sleep": (session.WM_POWERBROADCAST, session.PBT_APMSUSPEND),
    "wake": (session.WM_POWERBROADCAST, session.PBT_APMRESUMEAUTOMATIC),
}


def main() -> int:
    pid, what = int(sys.argv[1]), sys.argv[2]
    user32 = ctypes.WinDLL("user32", use_last_error=True)
    user32.FindWindowExW.restype = wintypes.HWND
    user32.FindWindowExW.argtypes = (wintypes.HWND, wintypes.HWND, wintypes.LPCWSTR, wintypes.LPCWSTR)
    user32.SendMessageW.restype = ctypes.c_ssize_t
    user32.SendMessageW.argtypes = (wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM)
    hwnd = user32.FindWindowExW(wintypes.HWND(session.HWND_MESSAGE), None, session.WINDOW_CLASS, f"fhp-monitor {pid}")
    if not hwnd:
        print(f"no session window of fhp-monitor {pid}", file=sys.stderr)
        return 1
    message, event = MESSAGES[what]
    print(f"sent {what}: {user32.SendMessageW(hwnd, message, event, 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
