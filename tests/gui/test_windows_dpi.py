"""Sharp windows on Windows (gui/dpi.py, gui/sizing.py): the order of the DPI calls on stand-ins
everywhere; in the Windows lane, the real process under Wine is DPI aware after fhp-monitor's start
and the windows' type is Segoe UI (skipped elsewhere).

Wine 8 makes every process per-monitor aware from the start (our call then answers "access denied",
taken as "aware already"), so under Wine the real check cannot tell our call from Wine's default:
the stand-ins below are what proves the choice; a real high-DPI Windows screen is not tested here.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from fhp_monitor.gui import dpi

on_windows = pytest.mark.skipif(sys.platform != "win32", reason="real Win32 calls: the Windows lane (under Wine)")


class Dll:
    """A DLL stand-in with only the functions given (a missing one is an older Windows)."""

    def __init__(self, **functions) -> None:
        self.calls: list[tuple] = []
        for name, result in functions.items():
            setattr(self, name, self._recorder(name, result))

    def _recorder(self, name, result):
        def call(*args):
            self.calls.append((name, *args))
            return result
        return call


def test_windows_10_gets_system_awareness_through_the_newest_call():
    user32, shcore = Dll(SetProcessDpiAwarenessContext=1, SetProcessDPIAware=1), Dll(SetProcessDpiAwareness=0)
    assert dpi.make_dpi_aware(user32, shcore, lambda: 0) == "system aware (SetProcessDpiAwarenessContext)"
    assert user32.calls == [("SetProcessDpiAwarenessContext", dpi.DPI_AWARENESS_CONTEXT_SYSTEM_AWARE)]
    assert shcore.calls == []  # system aware, not per-monitor (Tk does not redraw on WM_DPICHANGED)


def test_older_windows_fall_back_in_order_and_set_before_is_fine():
    user32, shcore = Dll(SetProcessDPIAware=1), Dll(SetProcessDpiAwareness=0)  # Windows 8.1
    assert dpi.make_dpi_aware(user32, shcore, lambda: 0) == "system aware (SetProcessDpiAwareness)"
    assert shcore.calls == [("SetProcessDpiAwareness", dpi.PROCESS_SYSTEM_DPI_AWARE)] and user32.calls == []
    user32 = Dll(SetProcessDPIAware=1)  # Windows 7: no shcore at all
    assert dpi.make_dpi_aware(user32, None, lambda: 0) == "system aware (SetProcessDPIAware)"
    already = Dll(SetProcessDpiAwarenessContext=0)  # a manifest (or Wine) made it aware first
    assert dpi.make_dpi_aware(already, None, lambda: dpi.ERROR_ACCESS_DENIED).startswith("aware already")
    refused = Dll(SetProcessDpiAwarenessContext=0, SetProcessDPIAware=0)
    assert dpi.make_dpi_aware(refused, None, lambda: 87).startswith("not DPI aware")


def test_off_windows_nothing_is_called():
    if sys.platform == "win32":
        pytest.skip("this is Windows")
    assert dpi.make_dpi_aware() == "" and dpi.is_dpi_aware() is False


@on_windows
def test_fhp_monitor_starts_dpi_aware_and_its_windows_use_segoe_ui(tmp_path):
    """A fresh Windows process through fhp-monitor's own start (cli main), then asked by the real API."""
    code = (
        "import ctypes, sys\n"
        "from fhp_monitor.cli import main\n"
        f"main(['--home', {str(tmp_path / 'home')!r}, 'status'])\n"
        "u = ctypes.WinDLL('user32')\n"
        "u.GetThreadDpiAwarenessContext.restype = ctypes.c_void_p\n"
        "u.GetAwarenessFromDpiAwarenessContext.argtypes = (ctypes.c_void_p,)\n"
        "context = u.GetThreadDpiAwarenessContext()\n"
        "print('aware', u.IsProcessDPIAware(), u.GetAwarenessFromDpiAwarenessContext(context))\n"
        "from fhp_monitor.gui.sizing import FONT_FAMILY, Scale\n"
        "from fhp_monitor.gui.style import BODY_FONT\n"
        "print('font', FONT_FAMILY, Scale().font(21)[0], BODY_FONT[0])\n"
    )
    # into a file, not a pipe: a Wine service process the child starts first would hold a pipe open
    out = tmp_path / "child.txt"
    with out.open("w", encoding="utf-8") as sink:
        done = subprocess.run([sys.executable, "-c", code], stdout=sink, stderr=subprocess.STDOUT, timeout=120)
    text = out.read_text(encoding="utf-8")
    lines = dict(line.split(" ", 1) for line in text.splitlines() if line.startswith(("aware ", "font ")))
    aware, awareness = lines["aware"].split()
    assert done.returncode == 0 and aware == "1" and int(awareness) >= 1, text  # system (1) or per-monitor (2)
    assert lines["font"] == "Segoe UI Segoe UI Segoe UI", text
    log = (tmp_path / "home" / "logs" / "fhp-monitor.log").read_text(encoding="utf-8")
    assert "Windows DPI awareness: " in log and "not DPI aware" not in log
