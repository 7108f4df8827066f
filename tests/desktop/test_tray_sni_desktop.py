"""The StatusNotifierItem tray in a real SNI host (xfce4-panel's systray), read and pressed over
D-Bus the way hosts do (Event and EventGroup), and clicked with a real pointer (xdotool)."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import pytest
from PIL import Image

from fhp_monitor.core.commands import MENU, PANEL, PAUSE_15, QUIT, RESUME, SUMMARY, Command
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.bus import DBusLoop, close_shared_loop
from fhp_monitor.desktop.tray import make_tray, sni_menu, start_tray
from tests.support import sni_host
from tests.support.desktop import Desktop, wait_until

pytestmark = pytest.mark.gui

NOW = time.time()
LABELS = [label for group in MENU for _command, label in group]
OPEN_PANEL_LABEL = LABELS[0]


def snapshot(state: PostureState, **kwargs) -> StatusSnapshot:
    return StatusSnapshot(state=state, since=NOW, **kwargs)


@pytest.fixture()
def running(sni_desktop: Desktop):
    """An SNI tray on its own D-Bus loop, registered with xfce4-panel; yields (tray, commands, entry)."""
    commands: queue.Queue[Command] = queue.Queue()
    loop = DBusLoop().start()
    with sni_desktop.activate():
        tray = make_tray("sni", commands.put, loop=loop)
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW) is True
        try:
            entry = wait_until(lambda: [e for e in sni_host.registered(sni_desktop.bus_address)
                                        if e.startswith(tray.name)], 10, "the item to be registered")[0]
            yield tray, commands, entry
        finally:
            tray.stop()
            loop.close()


def entry_id(entries: list[dict], label: str) -> int:
    return next(e["id"] for e in entries if e["label"] == label)


def test_the_item_shows_its_properties_and_icon_the_way_a_host_reads_them(sni_desktop: Desktop, running) -> None:
    tray, _commands, entry = running
    props = sni_host.item_properties(sni_desktop.bus_address, entry)
    assert props["Category"] == "ApplicationStatus" and props["Id"] == "fhp-monitor"
    assert props["Status"] == "Active" and props["ItemIsMenu"] is False and props["Menu"] == "/MenuBar"
    sizes = [(w, h) for w, h, _data in props["IconPixmap"]]
    assert sizes == [(s, s) for s in (16, 22, 24, 32, 48, 64)]
    assert all(len(data) == 4 * w * h for w, h, data in props["IconPixmap"])
    w, h, data = props["IconPixmap"][-1]
    assert data[0] == 0, "the corner is transparent (alpha first: ARGB32 big-endian)"
    centre = 4 * (h // 2 * w + 8)  # on the teal disc, left of the white bar
    assert tuple(data[centre:centre + 4]) == (255, 0, 150, 136)
    assert props["ToolTip"][2] == "fhp-monitor" and props["ToolTip"][3].startswith("Sitting tall · since ")


def test_the_menu_has_the_state_pauses_resume_and_quit(sni_desktop: Desktop, running) -> None:
    _tray, _commands, entry = running
    _revision, entries = sni_host.menu_layout(sni_desktop.bus_address, entry, "/MenuBar")
    labelled = [e for e in entries if e["type"] != "separator"]
    assert labelled[0]["label"].startswith("Sitting tall · since ") and labelled[0]["enabled"] is False
    assert [e["label"] for e in labelled[1:]] == LABELS
    enabled = {e["label"]: e["enabled"] for e in labelled}
    assert enabled["Resume"] is False and enabled["Pause 15 minutes"] is True and enabled["Quit fhp-monitor"] is True
    assert enabled[OPEN_PANEL_LABEL] is True
    assert sum(e["type"] == "separator" for e in entries) == 4


@pytest.mark.parametrize("via", ["event", "group"])
def test_menu_clicks_by_event_and_event_group_send_commands(sni_desktop: Desktop, running, via: str) -> None:
    _tray, commands, entry = running
    _revision, entries = sni_host.menu_layout(sni_desktop.bus_address, entry, "/MenuBar")
    for label, command in ((OPEN_PANEL_LABEL, PANEL), ("Pause 15 minutes", PAUSE_15),
                           ("Today's summary", SUMMARY), ("Quit fhp-monitor", QUIT)):
        sni_host.click(sni_desktop.bus_address, entry, "/MenuBar", entry_id(entries, label), via)
        assert commands.get(timeout=5) == command
    sni_host.click(sni_desktop.bus_address, entry, "/MenuBar", entry_id(entries, "Resume"), via)  # disabled
    sni_host.click(sni_desktop.bus_address, entry, "/MenuBar", 1, via)  # the status line
    sni_host.activate(sni_desktop.bus_address, entry)
    assert commands.get(timeout=5) == PANEL, "a disabled Resume or the status line sent a command"
    if via == "group":
        errors = sni_host.menu_call(sni_desktop.bus_address, entry, "/MenuBar", "EventGroup", "a(isvu)",
                                    [[[999, "clicked", sni_host.Variant("i", 0), 0]]])
        assert errors == [[999]]


def test_a_state_change_updates_icon_tooltip_and_menu_with_signals(sni_desktop: Desktop, running) -> None:
    tray, commands, entry = running
    address = sni_desktop.bus_address
    revision, _ = sni_host.menu_layout(address, entry, "/MenuBar")
    seen = sni_host.signals_during(
        address, entry, lambda: tray.show(snapshot(PostureState.PAUSED, paused_until=NOW + 900), NOW),
        {"NewIcon", "NewToolTip", "ItemsPropertiesUpdated"})
    updated = next(body for member, body in seen if member == "ItemsPropertiesUpdated")[0]
    assert [1, {"label": sni_menu.status_line(snapshot(PostureState.PAUSED, paused_until=NOW + 900), NOW)}] in updated
    new_revision, entries = sni_host.menu_layout(address, entry, "/MenuBar")
    assert new_revision > revision
    assert entries[0]["label"].startswith("Paused until ")
    assert next(e for e in entries if e["label"] == "Resume")["enabled"] is True
    props = sni_host.item_properties(address, entry)
    assert props["ToolTip"][3].startswith("Paused until ")
    w, h, data = props["IconPixmap"][-1]
    centre = 4 * (h // 2 * w + 8)
    assert tuple(data[centre:centre + 4]) == (255, 30, 110, 220), "the paused icon is the blue disc"
    sni_host.click(address, entry, "/MenuBar", entry_id(entries, "Resume"), "group")
    assert commands.get(timeout=5) == RESUME
    # the same state again sends nothing new
    quiet = []
    with pytest.raises(sni_host.HostError):
        quiet = sni_host.signals_during(address, entry, lambda: tray.show(
            snapshot(PostureState.PAUSED, paused_until=NOW + 900), NOW), {"NewIcon"}, timeout_s=1.0)
    assert quiet == []


def test_the_item_registers_again_when_the_panel_restarts_and_leaves_on_stop(sni_desktop: Desktop) -> None:
    loop = DBusLoop().start()
    with sni_desktop.activate():
        tray = make_tray("sni", lambda _command: None, loop=loop)
        assert tray.start(snapshot(PostureState.UPRIGHT), NOW)
        try:
            mine = lambda: [e for e in sni_host.registered(sni_desktop.bus_address) if e.startswith(tray.name)]
            wait_until(mine, 10, "the first registration")
            sni_desktop.restart_xfce_panel()
            wait_until(mine, 10, "the item to register with the new watcher")
        finally:
            tray.stop()
            loop.close()
        wait_until(lambda: not mine(), 10, "the item to leave the watcher's list after stop")
    tray.stop()  # twice is harmless


def test_a_real_pointer_click_on_the_icon_in_xfce4_panel_opens_the_panel(sni_desktop: Desktop, running,
                                                                          tmp_path: Path) -> None:
    _tray, commands, _entry = running

    def teal_pixels():
        shot = Image.open(sni_desktop.screenshot(tmp_path / "panel.png")).convert("RGB")
        top = shot.crop((0, 0, sni_desktop.width, 48))
        return [(x, y) for y in range(top.height) for x in range(top.width)
                if top.getpixel((x, y)) == (0, 150, 136)]

    pixels = wait_until(teal_pixels, 10, "the teal icon to be drawn in the panel")
    x = sorted(p[0] for p in pixels)[len(pixels) // 2]
    y = sorted(p[1] for p in pixels)[len(pixels) // 2]
    sni_desktop.click_at(x, y)
    assert commands.get(timeout=10) == PANEL


def test_start_tray_picks_sni_where_a_watcher_runs_and_xembed_where_none(sni_desktop: Desktop, desktop: Desktop,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FHP_MONITOR_TRAY", raising=False)
    for host, expected in ((sni_desktop, "sni"), (desktop, "xembed")):
        close_shared_loop()  # the shared loop keeps its bus: one per desktop here
        with host.activate():
            tray = start_tray(lambda _command: None, snapshot(PostureState.UPRIGHT), NOW)
            try:
                assert tray is not None and tray.backend == expected and tray.has_menu == (expected == "sni")
            finally:
                tray.stop()
                close_shared_loop()
    monkeypatch.setenv("FHP_MONITOR_TRAY", "none")
    assert start_tray(lambda _command: None) is None


def test_a_burst_of_state_changes_is_coalesced_and_the_connection_survives(sni_desktop: Desktop, running) -> None:
    """20 changes at once: a host re-reads ~35 kB of pixmaps per NewIcon; unthrottled, that filled
    the socket and dbus-fast dropped the shared connection. The last state must still arrive."""
    tray, _commands, entry = running
    address = sni_desktop.bus_address
    states = [PostureState.FORWARD, PostureState.UPRIGHT, PostureState.AWAY, PostureState.UNCERTAIN]

    def burst() -> None:
        for change in range(20):
            tray.show(snapshot(states[change % len(states)]), NOW)
        tray.show(snapshot(PostureState.PAUSED, paused_until=NOW + 900), NOW)

    seen = sni_host.signals_during(address, entry, burst, {"NewIcon"}, settle_s=2.0)
    wait_until(lambda: sni_host.menu_layout(address, entry, "/MenuBar")[1][0]["label"].startswith("Paused until"),
               5, "the last state of the burst")
    new_icons = sum(member == "NewIcon" for member, _ in seen)
    assert 1 <= new_icons <= 3, seen
    assert tray._loop.call(tray._loop.session_bus()).connected
    assert [e for e in sni_host.registered(address) if e.startswith(tray.name)]
