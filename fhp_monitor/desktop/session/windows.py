"""Screen lock and sleep on Windows: a hidden message-only window of the app's own.

* ``WTSRegisterSessionNotification`` (wtsapi32) sends it ``WM_WTSSESSION_CHANGE``: ``WTS_SESSION_LOCK``
  pauses the target with PAUSE_SCREEN_LOCKED, ``WTS_SESSION_UNLOCK`` resumes that reason.
* ``RegisterSuspendResumeNotification`` (Windows 8+) sends it ``WM_POWERBROADCAST`` (a message-only
  window gets no broadcasts, so it asks for them by handle): ``PBT_APMSUSPEND`` pauses with
  PAUSE_SUSPENDED and waits (at most :data:`RELEASE_WAIT_S`, Windows gives about 2 s) until the
  worker has let go of the camera; ``PBT_APMRESUMEAUTOMATIC`` / ``PBT_APMRESUMESUSPEND`` resume.

The window's class is :data:`WINDOW_CLASS` and its title ``fhp-monitor <pid>``, so a test program
can find it (``FindWindowExW(HWND_MESSAGE, ...)``) and send it those very messages: Wine accepts the
registrations but nothing locks a Wine session.

Thread contract: ``start``/``stop`` on the main thread (each waits at most :data:`START_WAIT_S`);
the window, its message loop and the handlers live on the ``fhp-session`` thread and only call
the target's ``pause``/``resume`` (never blocking) and wait on ``released_for_pause``.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from ctypes import wintypes

from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED, PAUSE_SUSPENDED
from fhp_monitor.desktop.session import SessionTarget
from fhp_monitor.desktop.win32_window import WNDCLASSW, WNDPROC
from fhp_monitor.desktop.win32_window import user32 as _user32

log = logging.getLogger(__name__)

WINDOW_CLASS = "fhp-monitor-session"
HWND_MESSAGE = -3
WM_CLOSE, WM_DESTROY, WM_POWERBROADCAST, WM_WTSSESSION_CHANGE = 0x0010, 0x0002, 0x0218, 0x02B1
WTS_SESSION_LOCK, WTS_SESSION_UNLOCK = 0x7, 0x8
PBT_APMSUSPEND, PBT_APMRESUMESUSPEND, PBT_APMRESUMEAUTOMATIC = 0x4, 0x7, 0x12
NOTIFY_FOR_THIS_SESSION, DEVICE_NOTIFY_WINDOW_HANDLE = 0, 0
START_WAIT_S = 5.0
RELEASE_WAIT_S = 1.5


class WindowsSessionWatcher:
    """Pauses ``target`` while the session is locked or the computer sleeps (see the module docstring)."""

    def __init__(self, target: SessionTarget) -> None:
        self.target = target
        self.hwnd: int | None = None
        self.locked = self.sleeping = False
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._proc = WNDPROC(self._window_proc)  # kept alive as long as the window

    # ------------------------------------------------------------------ main thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fhp-session", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_WAIT_S) or self.hwnd is None:
            log.warning("screen lock and sleep are not watched: the session window did not start")

    def stop(self) -> None:
        hwnd, thread = self.hwnd, self._thread
        if hwnd is not None:
            _user32().PostMessageW(hwnd, WM_CLOSE, 0, 0)
        if thread is not None:
            thread.join(START_WAIT_S)

    # ------------------------------------------------------------------ fhp-session thread
    def _run(self) -> None:
        try:
            user32 = _user32()
            instance = ctypes.WinDLL("kernel32").GetModuleHandleW(None)
            window_class = WNDCLASSW(lpfnWndProc=self._proc, hInstance=instance, lpszClassName=WINDOW_CLASS)
            if not user32.RegisterClassW(ctypes.byref(window_class)) and ctypes.get_last_error() != 1410:
                raise ctypes.WinError(ctypes.get_last_error())  # 1410: the class exists (a second watcher)
            hwnd = user32.CreateWindowExW(0, WINDOW_CLASS, f"fhp-monitor {os.getpid()}", 0, 0, 0, 0, 0,
                                          HWND_MESSAGE, None, instance, None)
            if not hwnd:
                raise ctypes.WinError(ctypes.get_last_error())
            self.hwnd = hwnd
            self._register(hwnd)
        except OSError as exc:
            log.warning("screen lock and sleep are not watched: %s", exc)
            self._ready.set()
            return
        self._ready.set()
        log.info("watching screen lock and sleep (session window %#x)", hwnd)
        message = wintypes.MSG()
        while user32.GetMessageW(ctypes.byref(message), None, 0, 0) > 0:
            user32.TranslateMessage(ctypes.byref(message))
            user32.DispatchMessageW(ctypes.byref(message))
        self.hwnd = None

    def _register(self, hwnd: int) -> None:
        try:
            wtsapi32 = ctypes.WinDLL("wtsapi32", use_last_error=True)
            wtsapi32.WTSRegisterSessionNotification.argtypes = (wintypes.HWND, wintypes.DWORD)
            if not wtsapi32.WTSRegisterSessionNotification(hwnd, NOTIFY_FOR_THIS_SESSION):
                raise ctypes.WinError(ctypes.get_last_error())
        except (OSError, AttributeError) as exc:
            log.warning("screen lock is not watched (WTSRegisterSessionNotification: %s)", exc)
        try:
            register = ctypes.WinDLL("user32", use_last_error=True).RegisterSuspendResumeNotification
            register.restype = wintypes.HANDLE
            register.argtypes = (wintypes.HANDLE, wintypes.DWORD)
            if not register(hwnd, DEVICE_NOTIFY_WINDOW_HANDLE):
                raise ctypes.WinError(ctypes.get_last_error())
        except (OSError, AttributeError) as exc:  # before Windows 8: no sleep notice for this window
            log.info("sleep is not watched (RegisterSuspendResumeNotification: %s)", exc)

    def _window_proc(self, hwnd, message, wparam, lparam):  # noqa: ANN001, ANN202 - the Win32 callback
        try:
            if message == WM_WTSSESSION_CHANGE:
                self.on_session_change(int(wparam))
                return 0
            if message == WM_POWERBROADCAST:
                self.on_power(int(wparam))
                return 1  # TRUE: nothing to refuse
            if message == WM_CLOSE:
                _user32().DestroyWindow(hwnd)
                return 0
            if message == WM_DESTROY:
                ctypes.WinDLL("wtsapi32").WTSUnRegisterSessionNotification(wintypes.HWND(hwnd))
                ctypes.WinDLL("user32").PostQuitMessage(0)
                return 0
        except Exception:  # an exception must never cross into Windows' message dispatch
            log.exception("the session window could not handle message %#x", message)
            return 0
        return _user32().DefWindowProcW(hwnd, message, wparam, lparam)

    def on_session_change(self, event: int) -> None:
        if event == WTS_SESSION_LOCK and not self.locked:
            self.locked = True
            log.info("screen locked (WM_WTSSESSION_CHANGE): pausing")
            self.target.pause(None, PAUSE_SCREEN_LOCKED)
        elif event == WTS_SESSION_UNLOCK and self.locked:
            self.locked = False
            log.info("screen unlocked (WM_WTSSESSION_CHANGE): resuming")
            self.target.resume(PAUSE_SCREEN_LOCKED)

    def on_power(self, event: int) -> None:
        if event == PBT_APMSUSPEND and not self.sleeping:
            self.sleeping = True
            log.info("the computer is going to sleep (WM_POWERBROADCAST): pausing")
            self.target.pause(None, PAUSE_SUSPENDED)
            if not self.target.released_for_pause.wait(RELEASE_WAIT_S):
                log.warning("the camera was not released within %.1f s of the sleep notice", RELEASE_WAIT_S)
        elif event in (PBT_APMRESUMEAUTOMATIC, PBT_APMRESUMESUSPEND) and self.sleeping:
            self.sleeping = False
            log.info("the computer woke up (WM_POWERBROADCAST): resuming")
            self.target.resume(PAUSE_SUSPENDED)
