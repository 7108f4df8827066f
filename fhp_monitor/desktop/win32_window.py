"""The Win32 pieces a hidden window of our own needs (ctypes), shared by the Windows backends that own
one: ``session/windows.py`` (lock and sleep messages) and ``notify/windows.py`` (the balloon's icon).

Importable everywhere (``WINFUNCTYPE`` exists on Windows only; ``CFUNCTYPE`` stands in elsewhere so
pure parts stay testable on Linux); :func:`user32` itself needs Windows.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes

LRESULT = ctypes.c_ssize_t
WNDPROC = getattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE)(LRESULT, wintypes.HWND, wintypes.UINT, wintypes.WPARAM,
                                                           wintypes.LPARAM)


class WNDCLASSW(ctypes.Structure):
    _fields_ = [("style", wintypes.UINT), ("lpfnWndProc", WNDPROC), ("cbClsExtra", ctypes.c_int),
                ("cbWndExtra", ctypes.c_int), ("hInstance", wintypes.HINSTANCE), ("hIcon", wintypes.HICON),
                ("hCursor", wintypes.HANDLE), ("hbrBackground", wintypes.HBRUSH),
                ("lpszMenuName", wintypes.LPCWSTR), ("lpszClassName", wintypes.LPCWSTR)]


def user32():
    """user32.dll with the types of the calls a window and its message loop make (Windows only)."""
    dll = ctypes.WinDLL("user32", use_last_error=True)
    message_args = (wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM)
    dll.DefWindowProcW.restype = LRESULT
    dll.DefWindowProcW.argtypes = message_args
    dll.CreateWindowExW.restype = wintypes.HWND
    dll.CreateWindowExW.argtypes = (wintypes.DWORD, wintypes.LPCWSTR, wintypes.LPCWSTR, wintypes.DWORD,
                                    ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, wintypes.HWND,
                                    wintypes.HMENU, wintypes.HINSTANCE, wintypes.LPVOID)
    dll.RegisterClassW.argtypes = (ctypes.POINTER(WNDCLASSW),)
    dll.RegisterClassW.restype = wintypes.ATOM
    dll.GetMessageW.argtypes = (ctypes.POINTER(wintypes.MSG), wintypes.HWND, wintypes.UINT, wintypes.UINT)
    dll.DispatchMessageW.argtypes = (ctypes.POINTER(wintypes.MSG),)
    dll.TranslateMessage.argtypes = (ctypes.POINTER(wintypes.MSG),)
    dll.PostMessageW.argtypes = message_args
    dll.DestroyWindow.argtypes = (wintypes.HWND,)
    return dll
