"""Input idle time on Windows: ``GetLastInputInfo`` against ``GetTickCount`` (user32/kernel32 via
ctypes). Thread contract: any thread; a call is two system calls."""

from __future__ import annotations

from fhp_monitor.desktop.idle import IdleProbe


def windows_probe() -> IdleProbe:
    import ctypes
    from ctypes import wintypes

    class LASTINPUTINFO(ctypes.Structure):
        _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

    user32, kernel32 = ctypes.windll.user32, ctypes.windll.kernel32  # type: ignore[attr-defined]
    kernel32.GetTickCount.restype = wintypes.DWORD

    def idle() -> float | None:
        info = LASTINPUTINFO(cbSize=ctypes.sizeof(LASTINPUTINFO))
        if not user32.GetLastInputInfo(ctypes.byref(info)):
            return None
        return ((kernel32.GetTickCount() - info.dwTime) & 0xFFFFFFFF) / 1000.0

    return idle
