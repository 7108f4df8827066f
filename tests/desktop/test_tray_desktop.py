"""The XEmbed tray (pystray) in a real trayer and ControlPanel on a real X server (Xvfb), driven with xdotool."""

from __future__ import annotations

import logging
import queue
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image

from fhp_monitor.core.commands import PANEL, PANEL_BUTTONS, PAUSE_15, RESUME, Command
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.tray import ICON_SIZE, icon_image, make_tray, start_tray
from fhp_monitor.desktop.tray.xembed import tray_host_available
from tests.support.desktop import Desktop, wait_until

if TYPE_CHECKING:
    import tkinter as tk

NOW = 1_717_000_000.0


def snapshot(state: PostureState, **kwargs) -> StatusSnapshot:
    return StatusSnapshot(state=state, since=NOW, **kwargs)


def disc_pixel(desktop: Desktop, window: dict, tmp_path: Path, name: str) -> tuple[int, int, int]:
    """A point on the disc left of the white marks (the centre is white in several icons)."""
    shot = Image.open(desktop.screenshot(tmp_path / f"{name}.png")).convert("RGB")
    return shot.getpixel((window["x"] + window["width"] // 4, window["y"] + window["height"] // 2))


def test_every_state_has_its_own_icon() -> None:
    images = {state: icon_image(state) for state in PostureState}
    assert all(image.shape == (ICON_SIZE, ICON_SIZE, 4) and image.dtype == np.uint8 for image in images.values())
    assert len({image.tobytes() for image in images.values()}) == len(PostureState)
    # colour: the dominant hue differs (upright teal, forward amber, paused blue, unavailable red)
    ring_centre = images[PostureState.AWAY][32, 32]
    assert ring_centre[3] == 0, "the 'away' icon is a hollow ring"
    assert tuple(images[PostureState.FORWARD][32, 10]) == (245, 166, 35, 255)
    assert tuple(images[PostureState.UPRIGHT][32, 10]) == (0, 150, 136, 255)


def test_tray_icon_docks_shows_state_answers_clicks_and_leaves(desktop: Desktop, tmp_path: Path) -> None:
    commands: queue.Queue[Command] = queue.Queue()
    tray = make_tray("xembed", commands.put)
    with desktop.activate():
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW) is True
        try:
            # pystray's menu (shown on Windows and macOS; xorg has none): Resume greyed out while not paused
            resume_item = next(item for item in tray._icon.menu.items if item.text == "Resume")
            assert resume_item.enabled is False
            docked = wait_until(desktop.tray_children, 10, "the icon to dock in trayer")
            assert len(docked) == 1
            icon = docked[0]
            assert desktop.window_name(icon["id"]) == "fhp-monitor: Sitting tall"
            wait_until(lambda: disc_pixel(desktop, icon, tmp_path, "upright") == (0, 150, 136), 5,
                       "the teal disc to be drawn")

            tray.show(snapshot(PostureState.FORWARD), NOW)
            wait_until(lambda: desktop.window_name(icon["id"]) == "fhp-monitor: Head drifting forward", 5,
                       "the tooltip title to change")
            assert tray.title == "fhp-monitor: Head drifting forward"
            wait_until(lambda: disc_pixel(desktop, icon, tmp_path, "forward") == (245, 166, 35), 5,
                       "the icon to be redrawn amber")

            tray.show(snapshot(PostureState.PAUSED, paused_until=NOW + 900), NOW)
            wait_until(lambda: desktop.window_name(icon["id"]).startswith("fhp-monitor: Paused until"), 5,
                       "the paused tooltip")
            assert resume_item.enabled is True

            desktop.click_at(icon["x"] + icon["width"] // 2, icon["y"] + icon["height"] // 2)
            assert commands.get(timeout=5) == PANEL
        finally:
            tray.stop()
        wait_until(lambda: desktop.tray_children() == [], 5, "the icon to leave the tray")
    assert not tray.running
    tray.stop()  # a second stop is harmless


def test_show_before_start_and_after_stop_does_nothing(desktop: Desktop) -> None:
    tray = make_tray("xembed", lambda _command: None)
    tray.show(snapshot(PostureState.FORWARD), NOW)
    assert tray.title == "fhp-monitor" and not tray.running


def test_no_display_means_no_tray_and_one_clear_line(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("FHP_MONITOR_TRAY", raising=False)
    with caplog.at_level(logging.WARNING, logger="fhp_monitor.desktop"):
        assert start_tray(lambda _command: None) is None
    assert [r.getMessage() for r in caplog.records] == [
        "No system tray on this desktop; use the reminders' buttons or `fhp-monitor pause|resume|quit`."]


def test_tray_host_check_sees_trayer(desktop: Desktop) -> None:
    assert tray_host_available(desktop.display, timeout_s=1.0) is True
    assert tray_host_available("", timeout_s=0.1) is False


def pump_until(root: tk.Tk, condition, timeout_s: float, what: str) -> None:
    """Let Tk handle X events until ``condition()`` holds (X input arrives asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        root.update()
        time.sleep(0.02)


def test_control_panel_buttons_work_and_the_window_is_drawn(desktop: Desktop, tmp_path: Path) -> None:
    from tests.support.needs import require_tkinter

    require_tkinter()  # only this test needs Tk: the tray tests run on a Python without it
    import tkinter as tk

    from fhp_monitor.gui.panel import ControlPanel

    received: list[Command] = []
    with desktop.activate():
        root = tk.Tk()
        try:
            panel = ControlPanel(root, received.append)
            panel.show(snapshot(PostureState.UPRIGHT), NOW)
            root.geometry("+40+60")
            panel.raise_window()
            pump_until(root, lambda: desktop.find_windows("fhp-monitor") and root.winfo_rootx() == 40
                       and all(b.winfo_viewable() for b in panel.buttons.values()), 5, "the panel laid out")
            assert panel.status.get() == "Sitting tall"
            assert list(panel.buttons) == [command for command, _label in PANEL_BUTTONS]
            assert all(int(str(b.cget("font")).split()[-1]) >= 14 for b in panel.buttons.values())

            button = panel.buttons[PAUSE_15]
            x = button.winfo_rootx() + button.winfo_width() // 2
            y = button.winfo_rooty() + button.winfo_height() // 2
            desktop.move_pointer(x, y)
            pump_until(root, lambda: str(button.cget("state")) == "active", 5, "the pointer over the button")
            desktop.run("xdotool", "click", "1")
            pump_until(root, lambda: received == [PAUSE_15], 5, "the click on 'Pause 15 minutes'")

            resume = panel.buttons[RESUME]
            assert str(resume.cget("state")) == "disabled"  # not paused: nothing to resume, as in the tray
            root.focus_force()
            resume.focus_set()
            pump_until(root, lambda: root.focus_get() is resume, 5, "keyboard focus on 'Resume'")
            returns: list[object] = []
            resume.bind("<Return>", returns.append, add="+")  # to know the key has arrived
            desktop.run("xdotool", "key", "Return")
            pump_until(root, lambda: returns, 5, "Return on the disabled 'Resume'")
            panel.show(snapshot(PostureState.PAUSED, paused_until=NOW + 900), NOW)
            assert str(resume.cget("state")) == "normal" and panel.status.get().startswith("Paused until")
            assert received == [PAUSE_15], "Return on a disabled Resume sent a command"
            desktop.run("xdotool", "key", "Return")
            pump_until(root, lambda: received == [PAUSE_15, RESUME], 5, "Return on 'Resume'")

            left, top = root.winfo_rootx(), root.winfo_rooty()
            width, height = root.winfo_width(), root.winfo_height()
            shot = Image.open(desktop.screenshot(tmp_path / "panel.png")).convert("RGB")
            region = shot.crop((left, top, left + width, top + height))
            region.save(tmp_path / "panel-region.png")
            assert width > 200 and height > 300
            assert len(region.getcolors(maxcolors=100_000) or []) > 10, "the panel looks blank"
        finally:
            root.destroy()


def test_the_docked_icon_keeps_its_size_through_20_state_changes(desktop: Desktop, tmp_path: Path) -> None:
    """Issue 11: pystray re-docked on every icon change and trayer shrank the icon to 1 px (5 in 16)."""
    tray = make_tray("xembed", lambda _command: None)
    states = [PostureState.UPRIGHT, PostureState.FORWARD, PostureState.PAUSED, PostureState.AWAY,
              PostureState.UNCERTAIN, PostureState.CAMERA_UNAVAILABLE]
    with desktop.activate():
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW)
        try:
            first = wait_until(lambda: [w for w in desktop.tray_children() if w["width"] > 1], 10,
                               "the icon to dock")[0]
            sizes = []
            for change in range(20):
                state = states[(change + 1) % len(states)]
                tray.show(snapshot(state, paused_until=NOW + 900 if state == PostureState.PAUSED else None), NOW)
                wait_until(lambda: desktop.window_name(first["id"]).startswith("fhp-monitor: "), 5, "the title")
                docked = desktop.tray_children()
                assert len(docked) == 1, f"change {change}: {docked}"
                sizes.append((docked[0]["width"], docked[0]["height"]))
            assert set(sizes) == {(first["width"], first["height"])} and first["width"] >= 16, sizes
        finally:
            tray.stop()
        wait_until(lambda: desktop.tray_children() == [], 5, "the icon to leave the tray")


def test_the_xembed_icon_shows_the_panel_around_the_disc_not_a_dark_square(desktop: Desktop, tmp_path: Path) -> None:
    """Issue 13: a light panel (trayer tinted #dddddd here) must show through the icon's corners."""
    tray = make_tray("xembed", lambda _command: None)
    with desktop.activate():
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW)
        try:
            icon = wait_until(lambda: [w for w in desktop.tray_children() if w["width"] > 1], 10, "the icon")[0]

            def corner_and_centre():
                shot = Image.open(desktop.screenshot(tmp_path / "icon.png")).convert("RGB")
                corner = shot.getpixel((icon["x"] + 1, icon["y"] + 1))
                left_of_bar = shot.getpixel((icon["x"] + icon["width"] // 4, icon["y"] + icon["height"] // 2))
                return corner, left_of_bar

            wait_until(lambda: corner_and_centre()[1] == (0, 150, 136), 5, "the teal disc to be drawn")
            corner, _ = corner_and_centre()
            panel = Image.open(tmp_path / "icon.png").convert("RGB").getpixel((icon["x"] - 2, icon["y"] + 1))
            assert corner == panel, f"icon corner {corner} differs from the panel {panel} beside it"
            assert sum(corner) > 3 * 150, f"the corner is dark: {corner}"
        finally:
            tray.stop()
