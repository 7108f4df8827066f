"""Reminders on Windows: a balloon from the app's own notification-area icon (``Shell_NotifyIconW``
with ``NIF_INFO``; the only module that shows one).

* **Where it comes from:** the tray's icon (desktop/tray/win32.py lends it with :func:`lend_tray_icon`
  once it is up, and takes it back when it goes), so a reminder points at the icon the user knows.
  Without a tray (``--no-tray``, the tray turned off in the settings) an icon of this module's own,
  on a hidden window and thread (``fhp-notify``), comes for the balloon and goes with it.
* **It replaces the previous one:** the balloon on screen is taken down (``szInfo`` empty) before
  the next one is put up, so reminders never queue.
* **It leaves by itself:** after :data:`NUDGE_TIMEOUT_S` / :data:`INFO_TIMEOUT_S` (``uTimeout``;
  Windows 10+ uses the user's own "show notifications for" setting instead, Wine 10 to 30 s).
* **A click opens the control panel:** ``NIN_BALLOONUSERCLICK`` on the icon's callback message
  sends :data:`~fhp_monitor.core.commands.PANEL` to ``on_action`` (the panel has the pause buttons).
* **No buttons:** a balloon has none (toasts with buttons need WinRT, which Wine lacks and we cannot
  test); a nudge says "Click here for the pause buttons." instead.

Thread contract (the Notifier port): ``notify`` from any thread, one ``Shell_NotifyIconW`` call or
two (a message to the shell's window), well under a second; raises NotificationError when the
shell refused. ``on_action`` runs on the icon's window thread (``fhp-tray`` or ``fhp-notify``) and
must only queue (``App.post``).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable
from ctypes import wintypes
from importlib import resources

from fhp_monitor.core.commands import PANEL, Command
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.ports import NOTIFY_INFO, NOTIFY_KINDS, NOTIFY_NUDGE, NotificationError, check_notification_text
from fhp_monitor.desktop.win32_window import WNDCLASSW, WNDPROC
from fhp_monitor.desktop.win32_window import user32 as window_user32

log = logging.getLogger(__name__)

WM_USER, WM_APP, WM_CLOSE, WM_TIMER = 0x0400, 0x8000, 0x0010, 0x0113
NIM_ADD, NIM_MODIFY, NIM_DELETE = 0, 1, 2
NIF_MESSAGE, NIF_ICON, NIF_TIP, NIF_STATE, NIF_INFO = 0x1, 0x2, 0x4, 0x8, 0x10
NIIF_INFO, NIIF_NOSOUND = 0x1, 0x10
NIN_BALLOONSHOW, NIN_BALLOONHIDE, NIN_BALLOONTIMEOUT, NIN_BALLOONUSERCLICK = (WM_USER + n for n in (2, 3, 4, 5))
OWN_CALLBACK = WM_APP + 17  # the callback message of this module's own icon
WINDOW_CLASS = "fhp-monitor-notify"
NUDGE_TIMEOUT_S, INFO_TIMEOUT_S = 20, 10
MAX_INFO, MAX_TITLE = 255, 63  # szInfo[256], szInfoTitle[64] with their terminating NUL
START_WAIT_S = 5.0
#: Added to a nudge: a balloon has no buttons, a click opens the panel that has them.
CLICK_HINT = N_("Click here for the pause buttons.")

class NOTIFYICONDATAW(ctypes.Structure):
    _fields_ = [("cbSize", wintypes.DWORD), ("hWnd", wintypes.HWND), ("uID", wintypes.UINT),
                ("uFlags", wintypes.UINT), ("uCallbackMessage", wintypes.UINT), ("hIcon", wintypes.HICON),
                ("szTip", wintypes.WCHAR * 128), ("dwState", wintypes.DWORD), ("dwStateMask", wintypes.DWORD),
                ("szInfo", wintypes.WCHAR * 256), ("uTimeout", wintypes.UINT), ("szInfoTitle", wintypes.WCHAR * 64),
                ("dwInfoFlags", wintypes.DWORD), ("guidItem", ctypes.c_byte * 16), ("hBalloonIcon", wintypes.HICON)]


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word with an ellipsis (Windows would cut mid-word)."""
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


# ---------------------------------------------------------------------- the tray's icon, lent


class _Lent:
    """The icon the tray lends (hwnd, uID) and the notifier whose balloon is on it; one per process."""

    lock = threading.Lock()
    icon: tuple[int, int] | None = None
    owner: WindowsNotifier | None = None


def lend_tray_icon(hwnd: int, uid: int) -> None:
    """The tray's icon is up (desktop/tray/win32.py, any thread): balloons come from it from now on."""
    with _Lent.lock:
        _Lent.icon = (int(hwnd), int(uid))
    log.info("Reminders come from the tray's icon (window %#x).", hwnd)


def take_back_tray_icon() -> None:
    """The tray's icon is going: balloons come from this module's own icon again."""
    with _Lent.lock:
        _Lent.icon = None


def tray_icon_event(lparam: int) -> bool:
    """The tray's window procedure got its callback message with ``lparam``: True when it was a
    balloon's (then the click went to the notifier whose balloon it was)."""
    if lparam not in (NIN_BALLOONSHOW, NIN_BALLOONHIDE, NIN_BALLOONTIMEOUT, NIN_BALLOONUSERCLICK):
        return False
    owner = _Lent.owner
    if owner is not None:
        owner.balloon_event(lparam)
    return True


# ---------------------------------------------------------------------- the notifier


class WindowsNotifier:
    """The Notifier port as notification-area balloons (see the module docstring)."""

    backend = "windows"
    has_actions = False

    def __init__(self, on_action: Callable[[Command], None] | None = None, app_name: str = "fhp-monitor",
                 nudge_timeout_s: int = NUDGE_TIMEOUT_S, info_timeout_s: int = INFO_TIMEOUT_S) -> None:
        if nudge_timeout_s <= 0 or info_timeout_s <= 0:
            raise ValueError("notification timeouts must be positive")
        self.app_name = app_name
        self._on_action = on_action
        self._timeouts = {NOTIFY_NUDGE: int(nudge_timeout_s), NOTIFY_INFO: int(info_timeout_s)}
        self._shell = ctypes.WinDLL("shell32", use_last_error=True)
        self._shell.Shell_NotifyIconW.argtypes = (wintypes.DWORD, ctypes.POINTER(NOTIFYICONDATAW))
        self._shell.Shell_NotifyIconW.restype = wintypes.BOOL
        self._on_screen: tuple[int, int] | None = None  # the icon whose balloon is ours
        self._own: _OwnIcon | None = None
        self.shown = 0  # balloons put up (the lane and tests read it)

    def notify(self, title: str, message: str, *, kind: str = NOTIFY_INFO) -> None:
        """Put up a balloon (replacing ours); raise NotificationError if the shell refused it."""
        check_notification_text(title, "title")
        check_notification_text(message, "message")
        if kind not in NOTIFY_KINDS:
            raise ValueError(f"notification kind must be one of {NOTIFY_KINDS}, got {kind!r}")
        if kind == NOTIFY_NUDGE:
            message = f"{message}\n{_(CLICK_HINT)}"
        with _Lent.lock:
            icon = _Lent.icon
            if icon is None:
                icon = self._own_icon().up(self._timeouts[kind])
            if self._on_screen is not None:  # replace, never queue
                self._call(NIM_MODIFY, self._on_screen, NIF_INFO)
            timeout_ms = self._timeouts[kind] * 1000
            if not self._call(NIM_MODIFY, icon, NIF_INFO, szInfo=fit(message, MAX_INFO),
                              szInfoTitle=fit(title, MAX_TITLE), uTimeout=timeout_ms,
                              dwInfoFlags=NIIF_INFO | NIIF_NOSOUND):
                raise NotificationError(
                    _("Windows did not show the reminder (error {code}).").format(code=ctypes.get_last_error()))
            self._on_screen = icon
            _Lent.owner = self
            self.shown += 1
        log.info("Reminder shown as a balloon of window %#x: %s", icon[0], title)

    def balloon_event(self, lparam: int) -> None:
        """Our balloon was clicked, or left (the icon's window thread)."""
        if lparam == NIN_BALLOONUSERCLICK:
            log.info("Reminder clicked: opening the control panel.")
            if self._on_action is not None:
                try:
                    self._on_action(PANEL)
                except Exception:  # a failing handler must not break the window's loop; logged, not hidden
                    log.exception("The handler for a clicked reminder failed.")
        if lparam in (NIN_BALLOONUSERCLICK, NIN_BALLOONTIMEOUT, NIN_BALLOONHIDE):
            self._on_screen = None

    def close(self) -> None:
        """Take our balloon and our own icon down. Safe to call twice."""
        with _Lent.lock:
            if self._on_screen is not None:
                self._call(NIM_MODIFY, self._on_screen, NIF_INFO)
                self._on_screen = None
            if _Lent.owner is self:
                _Lent.owner = None
        if self._own is not None:
            self._own.stop()
            self._own = None

    def _own_icon(self) -> _OwnIcon:
        if self._own is None or not self._own.alive:
            self._own = _OwnIcon(self)
        return self._own

    def _call(self, message: int, icon: tuple[int, int], flags: int, **fields) -> bool:
        data = NOTIFYICONDATAW(cbSize=ctypes.sizeof(NOTIFYICONDATAW), hWnd=icon[0], uID=icon[1], uFlags=flags,
                               **fields)
        return bool(self._shell.Shell_NotifyIconW(message, ctypes.byref(data)))


class _OwnIcon:
    """An icon of our own for balloons where the tray is not up: on a hidden window whose thread
    (``fhp-notify``) pumps its messages; it comes with a balloon and goes when the balloon left
    (Windows says so; Wine does not, so a timer takes it down a little after the balloon's time)."""

    UID, TIMER = 1, 1

    def __init__(self, notifier: WindowsNotifier) -> None:
        self.notifier = notifier
        self.hwnd: int | None = None
        self.alive = False
        self._added = False
        self._hicon = None
        self._ready = threading.Event()
        self._proc = WNDPROC(self._window_proc)  # kept alive as long as the window
        self._user32 = _user32()
        threading.Thread(target=self._run, name="fhp-notify", daemon=True).start()
        if not self._ready.wait(START_WAIT_S) or self.hwnd is None:
            raise NotificationError(_("Windows did not give fhp-monitor a window for its reminders."))

    def up(self, timeout_s: int) -> tuple[int, int]:
        """The icon, added to the notification area if it is not there; it goes ``timeout_s`` + 5 s later."""
        if not self._added:
            data = NOTIFYICONDATAW(cbSize=ctypes.sizeof(NOTIFYICONDATAW), hWnd=self.hwnd, uID=self.UID,
                                   uFlags=NIF_MESSAGE | NIF_ICON | NIF_TIP, uCallbackMessage=OWN_CALLBACK,
                                   hIcon=self._icon_handle(), szTip=self.notifier.app_name)
            if not self.notifier._shell.Shell_NotifyIconW(NIM_ADD, ctypes.byref(data)):
                raise NotificationError(_("Windows has no notification area to show the reminder in."))
            self._added = True
        self._user32.SetTimer(self.hwnd, self.TIMER, (timeout_s + 5) * 1000, None)
        return (self.hwnd, self.UID)

    def stop(self) -> None:
        if self.hwnd is not None:
            self._user32.PostMessageW(self.hwnd, WM_CLOSE, 0, 0)

    def _remove(self) -> None:
        if self._added:
            data = NOTIFYICONDATAW(cbSize=ctypes.sizeof(NOTIFYICONDATAW), hWnd=self.hwnd, uID=self.UID)
            self.notifier._shell.Shell_NotifyIconW(NIM_DELETE, ctypes.byref(data))
            self._added = False
            self.notifier._on_screen = None

    def _icon_handle(self):
        """The app's icon (its PNG, made an .ico by Pillow); Windows' own application icon if that fails."""
        if self._hicon is None:
            import tempfile
            from pathlib import Path

            from PIL import Image

            try:
                with tempfile.TemporaryDirectory() as folder:
                    ico = Path(folder) / "fhp-monitor.ico"
                    Image.open(resources.files("fhp_monitor.resources") / "fhp-monitor.png").save(ico, sizes=[(32, 32)])
                    self._hicon = self._user32.LoadImageW(None, str(ico), 1, 0, 0, 0x10 | 0x40)  # file, default size
            except OSError as exc:
                log.info("The reminder's icon could not be made (%s); using Windows' own.", exc)
            self._hicon = self._hicon or self._user32.LoadIconW(None, 32512)  # IDI_APPLICATION
        return self._hicon

    def _run(self) -> None:
        user32 = self._user32
        try:
            instance = ctypes.WinDLL("kernel32").GetModuleHandleW(None)
            window_class = WNDCLASSW(lpfnWndProc=self._proc, hInstance=instance, lpszClassName=WINDOW_CLASS)
            if not user32.RegisterClassW(ctypes.byref(window_class)) and ctypes.get_last_error() != 1410:
                raise ctypes.WinError(ctypes.get_last_error())  # 1410: the class exists (an earlier icon)
            # a hidden top-level window (not message-only): the shell must be able to post to it
            self.hwnd = user32.CreateWindowExW(0, WINDOW_CLASS, self.notifier.app_name, 0, 0, 0, 0, 0, None, None,
                                               instance, None)
            if not self.hwnd:
                raise ctypes.WinError(ctypes.get_last_error())
        except OSError as exc:
            log.warning("No window for reminders: %s", exc)
            self._ready.set()
            return
        self.alive = True
        self._ready.set()
        message = wintypes.MSG()
        while user32.GetMessageW(ctypes.byref(message), None, 0, 0) > 0:
            user32.TranslateMessage(ctypes.byref(message))
            user32.DispatchMessageW(ctypes.byref(message))
        self.alive = False

    def _window_proc(self, hwnd, message, wparam, lparam):
        if message == OWN_CALLBACK:
            self.notifier.balloon_event(lparam & 0xFFFF)
            if (lparam & 0xFFFF) in (NIN_BALLOONUSERCLICK, NIN_BALLOONTIMEOUT, NIN_BALLOONHIDE):
                self._remove()
            return 0
        if message == WM_TIMER and wparam == self.TIMER:
            self._user32.KillTimer(hwnd, self.TIMER)
            self._remove()
            return 0
        if message == WM_CLOSE:
            self._remove()
            self._user32.DestroyWindow(hwnd)
            self._user32.PostQuitMessage(0)
            return 0
        return self._user32.DefWindowProcW(hwnd, message, wparam, lparam)


def _user32():
    user32 = window_user32()  # the window's calls (desktop/win32_window.py), then the balloon icon's own
    user32.SetTimer.argtypes = (wintypes.HWND, ctypes.c_size_t, wintypes.UINT, wintypes.LPVOID)
    user32.KillTimer.argtypes = (wintypes.HWND, ctypes.c_size_t)
    user32.LoadImageW.restype = wintypes.HANDLE
    user32.LoadImageW.argtypes = (wintypes.HINSTANCE, wintypes.LPCWSTR, wintypes.UINT, ctypes.c_int, ctypes.c_int,
                                  wintypes.UINT)
    user32.LoadIconW.restype = wintypes.HICON
    user32.LoadIconW.argtypes = (wintypes.HINSTANCE, wintypes.LPVOID)
    return user32
