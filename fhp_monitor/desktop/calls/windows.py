"""Running programs on Windows: a Toolhelp32 snapshot of every process's executable name
(``Zoom.exe``, ``Teams.exe``, ``ms-teams.exe``...), through ctypes; no extra package.

Names are lower-cased without ``.exe``. The new Teams runs as ``ms-teams.exe``: it is also listed
as ``teams`` so the setting's word for Teams finds both the classic and the new one.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes

TH32CS_SNAPPROCESS = 0x00000002
INVALID_HANDLE_VALUE = ctypes.c_void_p(-1).value
ALIASES = {"ms-teams": "teams"}


class PROCESSENTRY32W(ctypes.Structure):  # noqa: N801 - the Win32 name
    _fields_ = [("dwSize", wintypes.DWORD), ("cntUsage", wintypes.DWORD), ("th32ProcessID", wintypes.DWORD),
                ("th32DefaultHeapID", ctypes.c_size_t), ("th32ModuleID", wintypes.DWORD),
                ("cntThreads", wintypes.DWORD), ("th32ParentProcessID", wintypes.DWORD),
                ("pcPriClassBase", ctypes.c_long), ("dwFlags", wintypes.DWORD),
                ("szExeFile", ctypes.c_wchar * 260)]


def normalise(exe_name: str) -> set[str]:
    """'Zoom.exe' -> {'zoom'}; 'ms-teams.exe' -> {'ms-teams', 'teams'}."""
    name = exe_name.strip().lower()
    name = name[:-4] if name.endswith(".exe") else name
    return {name, ALIASES[name]} if name in ALIASES else {name}


def running_names() -> set[str]:
    """Lower-case names of running processes. OSError when Windows refuses the snapshot."""
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateToolhelp32Snapshot.restype = ctypes.c_void_p
    kernel32.CreateToolhelp32Snapshot.argtypes = (wintypes.DWORD, wintypes.DWORD)
    kernel32.Process32FirstW.argtypes = (ctypes.c_void_p, ctypes.POINTER(PROCESSENTRY32W))
    kernel32.Process32NextW.argtypes = (ctypes.c_void_p, ctypes.POINTER(PROCESSENTRY32W))
    kernel32.CloseHandle.argtypes = (ctypes.c_void_p,)
    snapshot = kernel32.CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0)
    if snapshot in (None, INVALID_HANDLE_VALUE):
        raise ctypes.WinError(ctypes.get_last_error())
    names: set[str] = set()
    try:
        entry = PROCESSENTRY32W(dwSize=ctypes.sizeof(PROCESSENTRY32W))
        more = kernel32.Process32FirstW(snapshot, ctypes.byref(entry))
        while more:
            names |= normalise(entry.szExeFile)
            more = kernel32.Process32NextW(snapshot, ctypes.byref(entry))
    finally:
        kernel32.CloseHandle(snapshot)
    return names
