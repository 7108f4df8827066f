"""The command vocabulary (core/commands.py): what a command is, how long a pause lasts, what is possible when.
(That every tray item, nudge button and control verb is one of these with a handler:
tests/app/test_command_wiring.py.)"""

from __future__ import annotations

from datetime import datetime

import pytest

from fhp_monitor.core import commands
from fhp_monitor.core.commands import (
    MENU,
    NUDGE_BUTTONS,
    PANEL,
    PANEL_BUTTONS,
    PAUSE_15,
    PAUSE_60,
    PAUSE_TOMORROW,
    RESUME,
    SNOOZE_30,
    Command,
    Verb,
    pause_for,
    possible,
)
from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.posture import PAUSE_SNOOZE, PAUSE_USER

NOW = datetime(2026, 11, 20, 14, 30).timestamp()


def test_a_pause_lasts_its_seconds_or_until_the_next_midnight() -> None:
    assert PAUSE_15.pause_ends(NOW) == NOW + 15 * 60 and PAUSE_60.pause_ends(NOW) == NOW + 3600
    assert SNOOZE_30.pause_ends(NOW) == NOW + 30 * 60 and SNOOZE_30.reason == PAUSE_SNOOZE
    assert pause_for(90).pause_ends(NOW) == NOW + 90 and pause_for(90).reason == PAUSE_USER
    assert PAUSE_TOMORROW.pause_ends(NOW) == datetime(2026, 11, 21, 0, 0).timestamp()
    just_before = datetime(2026, 11, 20, 23, 59, 59).timestamp()
    assert PAUSE_TOMORROW.pause_ends(just_before) == datetime(2026, 11, 21, 0, 0).timestamp()


@pytest.mark.parametrize("make", [
    lambda: Command("pause"),  # a string where a verb belongs
    lambda: Command(Verb.RESUME, 60),  # only a pause has a length
    lambda: Command(Verb.QUIT, reason=PAUSE_SNOOZE),
    lambda: pause_for(0),
    lambda: pause_for(1.5),
    lambda: Command(Verb.PAUSE, 60, "snoze"),  # a misspelt reason
])
def test_a_malformed_command_fails_when_it_is_made(make) -> None:
    with pytest.raises((TypeError, ValueError)):
        make()


def test_commands_are_values_that_name_themselves() -> None:
    assert pause_for(15 * 60) == PAUSE_15 and Command(Verb.RESUME) == RESUME and hash(PAUSE_15) == hash(pause_for(900))
    assert str(PANEL) == "panel" and str(PAUSE_15) == "pause_900s" and str(SNOOZE_30) == "snooze_1800s"
    assert str(PAUSE_TOMORROW) == "pause_tomorrow"
    named = [value for value in vars(commands).values() if isinstance(value, Command)]
    assert len({str(command) for command in named}) == len(set(named)), "two commands share a name"
    with pytest.raises(AttributeError):
        commands.PAUSE_16  # noqa: B018 -- a misspelt command is an error, never a silent string


def test_resume_is_possible_only_while_paused_and_the_rest_always() -> None:
    every = [command for group in MENU for command, _label in group] + [c for c, _label in NUDGE_BUTTONS]
    for state in [*PostureState, None]:
        for command in every:
            assert possible(command, state) is (command != RESUME or state == PostureState.PAUSED)


def test_the_menu_starts_with_the_panel_and_the_panel_shows_the_rest_in_order() -> None:
    assert MENU[0] == ((PANEL, "Open control panel"),) and commands.ACTIVATE == PANEL
    assert PANEL_BUTTONS == tuple(entry for group in MENU[1:] for entry in group)
    labels = [label for group in MENU for _command, label in group]
    assert len(set(labels)) == len(labels) and all(labels)
    assert [label for _command, label in NUDGE_BUTTONS] == ["Do a 1-minute exercise", "Snooze 30 min",
                                                             "Pause for today"]
