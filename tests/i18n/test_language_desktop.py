"""The app started with ``LANGUAGE=xx`` on a real desktop (xfce4-panel's StatusNotifierItem host, dunst):
its tray menu read over D-Bus, a nudge read from dunst and the nudge's button pressed by its translated
label are in that language. And a change of language reaches a running tray's menu within a second."""

from __future__ import annotations

import queue
import subprocess
import time
from pathlib import Path

import pytest

from fhp_monitor import i18n
from fhp_monitor.core import messages
from fhp_monitor.core.commands import MENU, NUDGE_BUTTONS
from fhp_monitor.core.i18n import _
from fhp_monitor.core.ports import PostureState, StatusSnapshot
from fhp_monitor.desktop.bus import DBusLoop
from fhp_monitor.desktop.tray import make_tray
from tests.support import sni_host
from tests.support.desktop import Desktop, wait_until
from tests.support.dunst_dmenu import LINE
from tests.support.real_photos import FORWARD, UPRIGHT
from tests.support.recorded_day import FAST_SETTINGS, build_recorded_day
from tests.support.running import fhp_command

pytestmark = pytest.mark.gui


def words_in(code: str) -> dict:
    """The menu's labels, the nudge titles and the button and status words, as the app says them in ``code``."""
    i18n.activate(code)
    try:
        return {"menu": [_(label) for group in MENU for _command, label in group],
                "titles": {_(t) for t in messages.FIRST_TITLES + messages.ESCALATED_TITLES},
                "pause_for_today": _(NUDGE_BUTTONS[1][1]),
                "paused_until": _("Paused until {when}").split("{")[0],
                "quit": _(MENU[-1][0][1])}
    finally:
        i18n.activate("en")


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return build_recorded_day(tmp_path_factory.mktemp("video") / "forward.avi", [(UPRIGHT, 0.25), (FORWARD, 4)])


@pytest.mark.parametrize("code", ["de", "es", "fr", "it", "pt"])
def test_tray_menu_and_nudge_in_the_language_of_the_environment(code: str, sni_desktop: Desktop, home: Path,
                                                                 video: Path) -> None:
    words = words_in(code)
    assert words["menu"] != words_in("en")["menu"]
    (home / "config.yaml").write_text(FAST_SETTINGS)
    subprocess.run(["dunstctl", "close-all"], env=sni_desktop.env, check=True)
    env = {**sni_desktop.env, "LANGUAGE": code}
    process = subprocess.Popen(fhp_command(home, "run", "--source", str(video), "--speed", "1"), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    address = sni_desktop.bus_address
    try:
        entry = sni_host.app_item(address, process.pid, 60)

        def rows() -> list[dict]:
            return sni_host.menu_layout(address, entry, "/MenuBar")[1]

        assert sni_host.menu_labels(address, entry) == words["menu"]
        picked = sni_desktop.press_button(words["pause_for_today"], timeout_s=90)  # the nudge's button, in its words
        assert LINE.match(picked)["summary"] in words["titles"], picked  # the nudge's title as dunst shows it
        wait_until(lambda: rows()[0]["label"].startswith(words["paused_until"]), 15, "the pause's status line")
        assert sni_host.item_properties(address, entry)["ToolTip"][3].startswith(words["paused_until"])
        sni_host.click_label(address, entry, words["quit"])
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def test_a_new_language_reaches_the_running_tray_menu_within_a_second(sni_desktop: Desktop) -> None:
    loop = DBusLoop().start()
    with sni_desktop.activate():
        tray = make_tray("sni", queue.Queue().put, loop=loop)
        assert tray.start(StatusSnapshot(state=PostureState.UPRIGHT, since=time.time()), time.time())
        try:
            address = sni_desktop.bus_address
            entry = wait_until(lambda: [e for e in sni_host.registered(address) if e.startswith(tray.name)], 10,
                               "the item to be registered")[0]

            def labels() -> list[str]:
                return sni_host.menu_labels(address, entry)

            assert labels() == words_in("en")["menu"]
            german = words_in("de")["menu"]
            changed = time.monotonic()
            i18n.activate("de")
            tray.relabel()
            wait_until(lambda: labels() == german, 1.0, "the German menu")
            status_line = sni_host.menu_layout(address, entry, "/MenuBar")[1][0]["label"]
            assert status_line.startswith(_("Sitting tall")) and time.monotonic() - changed < 1.0
            assert sni_host.item_properties(address, entry)["ToolTip"][3].startswith(_("Sitting tall"))
        finally:
            i18n.activate("en")
            tray.stop()
            loop.close()


def test_the_running_app_takes_a_new_language_from_its_settings(sni_desktop: Desktop, home: Path, video: Path) -> None:
    """The language chosen in config.yaml (as the settings window saves it) reaches the running app's tray
    menu and its next notification without a restart (here by the file poll; the settings window's save
    runs the same App.reload_settings at once)."""
    english, german = words_in("en"), words_in("de")
    (home / "config.yaml").write_text(FAST_SETTINGS + "display:\n  language: en\n")
    env = {**sni_desktop.env, "LANGUAGE": "en"}
    process = subprocess.Popen(fhp_command(home, "run", "--source", str(video), "--speed", "1"), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    address = sni_desktop.bus_address
    try:
        entry = sni_host.app_item(address, process.pid, 60)

        def labels() -> list[str]:
            return sni_host.menu_labels(address, entry)

        assert labels() == english["menu"]
        (home / "config.yaml").write_text(FAST_SETTINGS + "display:\n  language: de\n")
        wait_until(lambda: labels() == german["menu"], 30, "the tray menu in German")  # the poll is every 15 s
        sni_host.click_label(address, entry, german["quit"])
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
