"""Settings → Colours, Text size and Language changed while the app runs reach the control panel already built, for
real: the window host's panel on a real X server (Xvfb) is built again in the new colours (read from its
widgets and from the screen's pixels), keeps its place and what it shows; a hidden one is built anew when
next opened. And the real app: a theme saved in config.yaml turns its open panel and its tray icons
(read over D-Bus from xfce4-panel's StatusNotifierItem host) to high contrast without a restart."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.support.needs import require_tkinter

require_tkinter()

from fhp_monitor.core.commands import PAUSE_15, Command  # noqa: E402
from fhp_monitor.core.ports import PostureState, StatusSnapshot  # noqa: E402
from fhp_monitor.desktop.tray import icon_image  # noqa: E402
from fhp_monitor.desktop.tray.sni_item import ICON_SIZES, argb32  # noqa: E402
from fhp_monitor.gui.host import WindowHost  # noqa: E402
from fhp_monitor.gui.panel import WINDOW_TITLE  # noqa: E402
from fhp_monitor.gui.theme import PALETTE, use_theme  # noqa: E402
from fhp_monitor.i18n import activate  # noqa: E402
from fhp_monitor.process.inbox import CommandInbox  # noqa: E402
from fhp_monitor.settings.schema import DisplaySettings  # noqa: E402
from tests.support import sni_host  # noqa: E402
from tests.support.desktop import Desktop, wait_until  # noqa: E402
from tests.support.real_photos import UPRIGHT  # noqa: E402
from tests.support.recorded_day import FAST_SETTINGS, build_recorded_day  # noqa: E402
from tests.support.running import fhp_command, finish  # noqa: E402

pytestmark = pytest.mark.gui

WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def pump_until(root, condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        root.update()
        time.sleep(0.02)
    return found


def pixel(desktop: Desktop, path: Path, x: int, y: int) -> tuple[int, int, int]:
    """The colour the screen shows at (x, y), from a screenshot of the whole X screen."""
    from PIL import Image

    with Image.open(desktop.screenshot(path)) as shot:
        return shot.convert("RGB").getpixel((x, y))


def colours(panel) -> dict[str, str]:
    """What the panel's window, status line and buttons are drawn in."""
    button = panel.buttons[PAUSE_15]
    status = next(w for w in panel.root.winfo_children() if w.winfo_class() == "Label")
    return {"window": panel.root.cget("background"), "status": status.cget("foreground"),
            "button": button.cget("background"), "button text": button.cget("foreground"),
            "close": panel.close_button.cget("background")}


def expected(theme: str) -> dict[str, str]:
    value = {role: pair[0 if theme == "standard" else 1] for role, pair in PALETTE.items()}
    return {"window": value["background"], "status": value["text"], "button": value["button"],
            "button text": value["text"], "close": value["button"]}


def test_an_open_panel_takes_new_colours_and_text_size_at_once(desktop: Desktop, tmp_path: Path) -> None:
    received: list[Command] = []
    now = time.time()
    paused = StatusSnapshot(state=PostureState.PAUSED, since=now, paused_until=now + 900)
    host = WindowHost(CommandInbox())
    host.available = True
    with desktop.activate():
        try:
            host.use_display(DisplaySettings(theme="standard"))
            host.show_panel(received.append, paused, now)
            first = host.panel
            first.root.geometry("+60+70")
            pump_until(host.root, lambda: first.root.winfo_viewable() and first.root.winfo_rootx() == 60, 10,
                       "the panel on screen")
            assert colours(first) == expected("standard")
            inside = (first.root.winfo_rootx() + 3, first.root.winfo_rooty() + 3)  # its padding: the background
            assert pixel(desktop, tmp_path / "standard.png", *inside) == WHITE
            status, font = first.status.get(), first.font

            host.use_display(DisplaySettings(theme="high_contrast"))  # as App.reload_settings does
            second = host.panel
            assert second is not first and not first.root.winfo_exists()
            pump_until(host.root, lambda: second.root.winfo_viewable() and second.root.winfo_rootx() == 60, 10,
                       "the panel again, where it was")
            assert colours(second) == expected("high_contrast")
            assert colours(second)["window"] == "#000000" and colours(second)["button text"] == "#ffffff"
            second.root.update()
            assert pixel(desktop, tmp_path / "high_contrast.png", *inside) == BLACK
            assert second.status.get() == status and second.font == font  # what it showed, in the same size
            # enabled: "normal", or "active" when the pointer happens to rest where the button now is (an earlier
            # test on this shared desktop may leave it there)
            assert str(second.buttons[PAUSE_15].cget("state")) in ("normal", "active") and host.windows_open()
            second.buttons[PAUSE_15].invoke()
            assert received == [PAUSE_15]  # the commands still reach the app
            # the old panel's scrolling handlers left the application's bindings: a focus change or a wheel
            # turn reaches no widget that is gone (Tk printed "bad window path name" for each before)
            errors: list[BaseException] = []
            host.root.report_callback_exception = lambda kind, error, trace: errors.append(error)
            for sequence in ("<FocusIn>", "<Button-4>"):
                handlers = [line for line in str(host.root.tk.call("bind", "all", sequence)).split("\n") if line]
                assert len(handlers) == 1, handlers
            second.root.focus_force()
            second.buttons[PAUSE_15].focus_set()
            pump_until(host.root, lambda: host.root.focus_get() is second.buttons[PAUSE_15], 10, "the focus")
            assert errors == []

            host.use_display(DisplaySettings(theme="high_contrast", text_size="large"))  # a new text size: again
            third = host.panel
            assert third is not second and third.font[1] > font[1] and colours(third) == expected("high_contrast")

            activate("de")  # a new language, as App.reload_settings makes it the one in use first
            host.use_display(DisplaySettings(language="de", theme="high_contrast", text_size="large"))
            fourth = host.panel
            assert fourth is not third and fourth.close_button.cget("text") == "Schließen  (Esc)"
            assert fourth.status.get().startswith("Pausiert")

            fourth.close()  # hidden: built in the new colours when next opened
            host.use_display(DisplaySettings(language="de", theme="standard", text_size="large"))
            assert host.panel is None
            host.show_panel(received.append, paused, now)
            assert colours(host.panel) == expected("standard") and host.panel.status.get().startswith("Pausiert")
        finally:
            host.close()
            use_theme("standard")
            activate("en")


def icon_pixmaps(state: PostureState, outlined: bool) -> list:
    """The IconPixmap an SNI host reads for ``state``: (size, size, ARGB bytes) at each size."""
    return [(size, size, argb32(icon_image(state, size, outlined=outlined))) for size in ICON_SIZES]


def test_the_running_app_turns_its_panel_and_tray_icons_to_high_contrast(sni_desktop: Desktop, home: Path,
                                                                        tmp_path: Path) -> None:
    """config.yaml changed while the app runs (as the settings window saves it; the file poll here, the
    window's save runs the same App.reload_settings at once): the open panel's window turns black and
    the tray's icons outlined, within the 15 s poll."""
    from fhp_monitor.desktop.tray import panel_is_dark

    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 120)])
    (home / "config.yaml").write_text(FAST_SETTINGS + "display:\n  theme: standard\n")
    with sni_desktop.activate():
        assert not panel_is_dark()  # so the standard theme's icons are the plain ones
    process = subprocess.Popen(fhp_command(home, "run", "--source", str(video), "--speed", "1"),
                               env=sni_desktop.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    address = sni_desktop.bus_address
    plain = {state: icon_pixmaps(state, False) for state in PostureState}
    outlined = {state: icon_pixmaps(state, True) for state in PostureState}

    def icon_set() -> str:
        shown = [tuple(icon) for icon in sni_host.item_properties(address, entry)["IconPixmap"]]
        return next((name for name, icons in (("plain", plain), ("outlined", outlined))
                     if shown in icons.values()), "other")

    try:
        entry = sni_host.app_item(address, process.pid, 90)
        assert icon_set() == "plain"
        sni_host.activate(address, entry)  # a left click on the icon: the control panel
        wait_until(lambda: panel_colour(sni_desktop, tmp_path / "before.png") == WHITE,
                   30, "the panel in the standard colours")

        (home / "config.yaml").write_text(FAST_SETTINGS + "display:\n  theme: high_contrast\n")
        wait_until(lambda: icon_set() == "outlined", 30, "the outlined tray icons")  # the poll is every 15 s
        wait_until(lambda: panel_colour(sni_desktop, tmp_path / "after.png") == BLACK,
                   10, "the open panel in high contrast")
        assert process.poll() is None
        sni_host.click_label(address, entry, "Quit fhp-monitor")
        assert process.wait(timeout=30) == 0
    finally:
        finish(process)


def panel_colour(desktop: Desktop, shot: Path) -> tuple[int, int, int] | None:
    """The colour just inside the open control panel's corner (its padding: the window's background), or
    None while no panel is on the screen."""
    windows = desktop.find_windows(WINDOW_TITLE)
    if not windows:
        return None
    x, y, _width, _height = desktop.window_geometry(windows[0])
    return pixel(desktop, shot, x + 3, y + 3)


def test_the_running_app_with_an_xembed_tray_follows_a_new_theme(desktop: Desktop, home: Path,
                                                                 tmp_path: Path) -> None:
    """The same with pystray's XEmbed icon in trayer (the Tk root kept for the whole run): the icon is
    started again outlined, the open panel turns black, and the new icon still opens the panel."""
    video = build_recorded_day(tmp_path / "upright.avi", [(UPRIGHT, 120)])
    (home / "config.yaml").write_text(FAST_SETTINGS + "display:\n  theme: standard\n")
    process = subprocess.Popen(fhp_command(home, "run", "--source", str(video), "--speed", "1"),
                               env={**desktop.env, "FHP_MONITOR_TRAY": "xembed"}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)

    def our_icons() -> list[dict]:
        return [w for w in desktop.tray_children() if w["name"].startswith("fhp-monitor")]

    def click(icon: dict) -> None:
        desktop.click_at(icon["x"] + icon["width"] // 2, icon["y"] + icon["height"] // 2)

    try:
        icon = wait_until(our_icons, 60, "the tray icon")[0]
        wait_until(lambda: "Sitting tall" in desktop.window_name(icon["id"]), 60, "the first reading")
        assert desktop.dark_pixels(icon, tmp_path / "plain.png") < 10
        click(icon)
        wait_until(lambda: panel_colour(desktop, tmp_path / "before.png") == WHITE,
                   30, "the panel in the standard colours")

        (home / "config.yaml").write_text(FAST_SETTINGS + "display:\n  theme: high_contrast\n")
        again = wait_until(lambda: [i for i in our_icons() if i["id"] != icon["id"]], 30, "the icon started again")[0]
        wait_until(lambda: desktop.dark_pixels(again, tmp_path / "outlined.png") >= 40, 10, "the outlined icon")
        wait_until(lambda: panel_colour(desktop, tmp_path / "after.png") == BLACK,
                   10, "the open panel in high contrast")
        assert len(our_icons()) == 1 and process.poll() is None

        panel = desktop.find_windows(WINDOW_TITLE)[0]
        desktop.run("xdotool", "windowfocus", "--sync", str(panel))
        desktop.run("xdotool", "key", "Escape")
        wait_until(lambda: not desktop.find_windows(WINDOW_TITLE), 15, "the panel to close")
        click(again)  # the new icon is the app's: it opens the panel, in high contrast
        wait_until(lambda: panel_colour(desktop, tmp_path / "reopened.png") == BLACK,
                   30, "the panel again from the new icon")
    finally:
        _, err = finish(process)
    assert process.returncode == 0, err
