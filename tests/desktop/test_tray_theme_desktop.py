"""Settings → Colours changed while the tray runs: its icons turn outlined (High contrast) and back, for real.
The StatusNotifierItem's icons as xfce4-panel's host reads them over D-Bus change within a second; the
XEmbed icon (pystray in trayer), started again with the new icons, is seen on the screen with the
outline's black band."""

from __future__ import annotations

import queue
import time
from pathlib import Path

from fhp_monitor.core.commands import Command
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.bus import DBusLoop
from fhp_monitor.desktop.tray import icon_image, make_tray, panel_is_dark, redraw_tray, use_outlined_icons
from fhp_monitor.desktop.tray.sni_item import ICON_SIZES, argb32
from tests.support import sni_host
from tests.support.desktop import Desktop, wait_until

NOW = time.time()
UPRIGHT = StatusSnapshot(state=PostureState.UPRIGHT, since=NOW)


def icon_pixmaps(outlined: bool) -> list[tuple[int, int, bytes]]:
    return [(size, size, argb32(icon_image(PostureState.UPRIGHT, size, outlined=outlined))) for size in ICON_SIZES]


def test_the_sni_icons_follow_a_new_theme_within_a_second(sni_desktop: Desktop) -> None:
    loop = DBusLoop().start()
    use_outlined_icons(False)  # as the panel is (another test may have left High contrast on)
    with sni_desktop.activate():
        assert not panel_is_dark()  # so the standard theme's icons are the plain ones
        tray = make_tray("sni", queue.Queue().put, loop=loop)
        assert tray.start(UPRIGHT, NOW)
        try:
            address = sni_desktop.bus_address
            entry = wait_until(lambda: [e for e in sni_host.registered(address) if e.startswith(tray.name)], 10,
                               "the item to be registered")[0]

            def shown() -> list[tuple[int, int, bytes]]:
                return [tuple(icon) for icon in sni_host.item_properties(address, entry)["IconPixmap"]]

            assert shown() == icon_pixmaps(outlined=False)
            assert use_outlined_icons(False) is False  # no change: nothing to redraw
            changed = time.monotonic()
            assert use_outlined_icons(True) is True
            assert redraw_tray(tray, queue.Queue().put, UPRIGHT, NOW) is tray  # the same item, drawn again
            wait_until(lambda: shown() == icon_pixmaps(outlined=True), 1.0, "the outlined icons")
            assert time.monotonic() - changed < 1.0 and tray.running
            assert use_outlined_icons(False) is True  # back to Standard: plain again (the panel is light)
            redraw_tray(tray, queue.Queue().put, UPRIGHT, NOW)
            wait_until(lambda: shown() == icon_pixmaps(outlined=False), 1.0, "the plain icons again")
        finally:
            use_outlined_icons(False)
            tray.stop()
            loop.close()


def test_the_xembed_icon_is_started_again_outlined(desktop: Desktop, tmp_path: Path) -> None:
    commands: queue.Queue[Command] = queue.Queue()
    use_outlined_icons(False)
    tray = make_tray("xembed", commands.put)
    with desktop.activate():
        assert not panel_is_dark()
        assert tray.start(UPRIGHT, NOW) is True
        again = None
        try:
            icon = wait_until(desktop.tray_children, 10, "the icon to dock in trayer")[0]
            wait_until(lambda: desktop.window_name(icon["id"]) == "fhp-monitor: Sitting tall", 5, "the icon drawn")
            plain = desktop.dark_pixels(icon, tmp_path / "plain.png")
            assert use_outlined_icons(True) is True
            again = redraw_tray(tray, commands.put, UPRIGHT, NOW)
            assert again is not None and again is not tray and again.running and not tray.running
            docked = wait_until(lambda: [i for i in desktop.tray_children() if i["id"] != icon["id"]], 10,
                                "the new icon to dock")
            assert len(desktop.tray_children()) == 1  # the old one left
            outlined = wait_until(lambda: (n := desktop.dark_pixels(docked[0], tmp_path / "outlined.png")) > 3 * plain
                                  and n >= 40 and n, 10, "the outline's black band on the screen")
            print(f"near-black pixels of the docked icon: plain {plain}, outlined {outlined}")
            assert desktop.window_name(docked[0]["id"]) == "fhp-monitor: Sitting tall"  # the state shown again
        finally:
            use_outlined_icons(False)
            tray.stop()
            if again is not None:
                again.stop()
        wait_until(lambda: desktop.tray_children() == [], 5, "the icon to leave the tray")
