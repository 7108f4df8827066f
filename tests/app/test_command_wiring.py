"""Every way in — each tray item (SNI and XEmbed), each nudge button, each control verb, each panel
button — sends a command of the one vocabulary (core/commands.py), and the app has a handler for
every verb; the pause handlers pause for the command's length and reason."""

from __future__ import annotations

from datetime import datetime

import pytest

from fhp_monitor.app import App
from fhp_monitor.control.server import COMMANDS, MAX_PAUSE_S, ControlServer, command_for
from fhp_monitor.core.commands import (
    EXERCISE,
    PANEL_BUTTONS,
    PAUSE_15,
    PAUSE_TOMORROW,
    RESUME,
    SNOOZE_30,
    WAKE,
    Command,
    Verb,
    pause_for,
)
from fhp_monitor.core.posture import PAUSE_SNOOZE, PAUSE_USER
from fhp_monitor.desktop.notify.dbus import NUDGE_ACTIONS
from fhp_monitor.desktop.tray import make_tray

NOW = datetime(2026, 11, 20, 14, 30).timestamp()


def handled(command: object) -> bool:
    return isinstance(command, Command) and command.verb in App.HANDLERS


def test_the_app_has_one_handler_for_every_verb() -> None:
    assert set(App.HANDLERS) == set(Verb)
    assert all(callable(handler) for handler in App.HANDLERS.values())


@pytest.mark.parametrize("backend", ["sni", "xembed"])
def test_every_tray_item_is_a_vocabulary_command_with_a_handler(backend: str) -> None:
    tray = make_tray(backend, lambda _command: None)  # built, not started: no desktop needed
    items = list(tray._ids.values()) if backend == "sni" else [command for command, _label in tray._entries]
    assert len(items) >= 9 and all(handled(command) for command in items)
    assert handled(tray._activate)


def test_every_nudge_button_and_panel_button_is_a_vocabulary_command_with_a_handler() -> None:
    assert {command for command, _label in NUDGE_ACTIONS.values()} == {EXERCISE, SNOOZE_30, PAUSE_TOMORROW}
    assert all(key == str(command) for key, (command, _label) in NUDGE_ACTIONS.items())
    assert all(handled(command) for command, _label in PANEL_BUTTONS)


def test_every_control_verb_posts_a_vocabulary_command_with_a_handler() -> None:
    requests = {"pause": [{"cmd": "pause", "seconds": 90}, {"cmd": "pause", "until": "tomorrow"},
                          {"cmd": "pause", "seconds": MAX_PAUSE_S}],
                "resume": [{"cmd": "resume"}], "quit": [{"cmd": "quit"}], "panel": [{"cmd": "panel"}],
                "reload": [{"cmd": "reload"}]}
    assert set(COMMANDS) == {"status", *requests}
    posted = [command_for(request) for verb in requests for request in requests[verb]]
    assert all(handled(command) for command in posted)
    assert posted[:3] == [pause_for(90), PAUSE_TOMORROW, pause_for(MAX_PAUSE_S)] and posted[3] == RESUME


def test_the_server_posts_the_command_of_each_verb() -> None:
    posted: list[Command] = []
    server = ControlServer(home=None, post=posted.append, describe=lambda: {"state": "upright"})
    for verb in ("quit", "panel", "reload"):
        reply = server._dispatch({"cmd": verb})
        assert reply["ok"] and reply["done"]
    assert [str(command) for command in posted] == ["quit", "panel", "reload"]


class Recorder:
    """The worker's pause/resume, recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def pause(self, until, reason=PAUSE_USER) -> None:
        self.calls.append(("pause", until, reason))

    def resume(self, reason=None) -> None:
        self.calls.append(("resume", reason))


class Clock:
    def now(self) -> float:
        return NOW


class Parts:
    """Just what the pause, resume and wake handlers use of an App."""

    def __init__(self) -> None:
        self.worker, self.clock = Recorder(), Clock()


@pytest.mark.parametrize("command, call", [
    (PAUSE_15, ("pause", NOW + 900, PAUSE_USER)),
    (pause_for(90), ("pause", NOW + 90, PAUSE_USER)),
    (SNOOZE_30, ("pause", NOW + 1800, PAUSE_SNOOZE)),
    (PAUSE_TOMORROW, ("pause", datetime(2026, 11, 21).timestamp(), PAUSE_USER)),
    (RESUME, ("resume", None)),
])
def test_the_pause_and_resume_handlers_tell_the_worker(command: Command, call: tuple) -> None:
    parts = Parts()
    App.HANDLERS[command.verb](parts, command)
    assert parts.worker.calls == [call]


def test_a_wake_does_nothing_but_wake() -> None:
    parts = Parts()
    App.HANDLERS[WAKE.verb](parts, WAKE)
    assert parts.worker.calls == []
