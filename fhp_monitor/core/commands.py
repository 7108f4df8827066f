"""The one vocabulary of commands: what the tray menu, a nudge's buttons, the control panel, the
control channel and the app itself can ask of the running app, and the words shown for them.

A command is a :class:`Command`: a :class:`Verb` (what to do; ``App.HANDLERS`` in app.py has one
handler per verb) and, for a pause, how long and why. Commands are plain frozen values, so they
cross threads and queues as they are; nobody spells one as a string. Adding a command is one line
here (a verb, or a named command below) plus its handler in app.py; tests/app/test_command_wiring.py
checks that every tray item, nudge button and control verb is one of these with a handler.

Pure: standard library and core only, time as an input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from fhp_monitor.core.i18n import N_
from fhp_monitor.core.ports import PostureState
from fhp_monitor.core.posture import PAUSE_SNOOZE, PAUSE_USER


class Verb(Enum):
    """What the app does; the value is the word in its log ("command: panel") and on the control channel."""

    PANEL = "panel"  # open the control panel
    PAUSE = "pause"  # for Command.seconds, or until the next midnight
    RESUME = "resume"  # end the user's pause (or snooze)
    RECALIBRATE = "recalibrate"  # the calibration wizard, in its own process
    SUMMARY = "summary"  # today's chart
    REPORT = "report"  # the one-page PDF for a physiotherapist, in its own process
    SETTINGS = "settings"  # the settings window
    EXERCISE = "exercise"  # the guided exercise break, in its own process
    QUIT = "quit"
    RELOAD = "reload"  # a new calibration was saved: use it
    REFRESH = "_refresh"  # internal: a new snapshot, redraw the panel
    WAKE = "_wake"  # internal: look at the stop flag and the windows now


#: Verbs the app posts to itself; not logged as a user's command.
INTERNAL = frozenset({Verb.REFRESH, Verb.WAKE})
#: Whose pause a PAUSE is (core.posture's reasons a user can give).
PAUSE_BY = (PAUSE_USER, PAUSE_SNOOZE)


@dataclass(frozen=True)
class Command:
    """One command. ``seconds`` and ``reason`` belong to PAUSE only: pause for ``seconds`` (None:
    until the next local midnight), as ``reason`` (the user's pause, or a nudge's snooze)."""

    verb: Verb
    seconds: int | None = None
    reason: str = PAUSE_USER

    def __post_init__(self) -> None:
        if not isinstance(self.verb, Verb):
            raise TypeError(f"a command's verb must be a Verb, not {self.verb!r}")
        if self.verb is Verb.PAUSE:
            if self.seconds is not None and (type(self.seconds) is not int or self.seconds < 1):
                raise ValueError(f"a pause lasts a whole number of seconds, at least 1 (got {self.seconds!r})")
            if self.reason not in PAUSE_BY:
                raise ValueError(f"a pause's reason is one of {PAUSE_BY} (got {self.reason!r})")
        elif self.seconds is not None or self.reason != PAUSE_USER:
            raise ValueError(f"only a pause has a length and a reason ({self.verb.value})")

    def __str__(self) -> str:
        """Its name in the log and as a notification button's key: 'panel', 'pause_900s', 'snooze_1800s'."""
        if self.verb is not Verb.PAUSE:
            return self.verb.value
        length = "tomorrow" if self.seconds is None else f"{self.seconds}s"
        return f"{'snooze' if self.reason == PAUSE_SNOOZE else 'pause'}_{length}"

    def pause_ends(self, now: float) -> float:
        """When a pause asked at epoch ``now`` ends: ``now + seconds``, or the next local midnight."""
        if self.seconds is not None:
            return now + self.seconds
        tomorrow = datetime.fromtimestamp(now).date() + timedelta(days=1)
        return datetime.combine(tomorrow, datetime.min.time()).timestamp()


def pause_for(seconds: int) -> Command:
    """The user's pause for ``seconds`` (e.g. `fhp-monitor pause 90s`)."""
    return Command(Verb.PAUSE, seconds)


PANEL = Command(Verb.PANEL)
PAUSE_15 = pause_for(15 * 60)
PAUSE_60 = pause_for(60 * 60)
PAUSE_TOMORROW = Command(Verb.PAUSE)  # until midnight: "Pause until tomorrow", a nudge's "Pause for today"
SNOOZE_30 = Command(Verb.PAUSE, 30 * 60, PAUSE_SNOOZE)
RESUME = Command(Verb.RESUME)
RECALIBRATE = Command(Verb.RECALIBRATE)
SUMMARY = Command(Verb.SUMMARY)
REPORT = Command(Verb.REPORT)
SETTINGS = Command(Verb.SETTINGS)
EXERCISE = Command(Verb.EXERCISE)
QUIT = Command(Verb.QUIT)
RELOAD = Command(Verb.RELOAD)
REFRESH = Command(Verb.REFRESH)
WAKE = Command(Verb.WAKE)

#: The tray menu in groups (a separator between groups), in display order; labels in English, marked
#: with N_ and translated where they are shown (``_(label)``). The first entry is the
#: tray's default action (a left click); the control panel shows every group but that first one.
MENU: tuple[tuple[tuple[Command, str], ...], ...] = (
    ((PANEL, N_("Open control panel")),),
    ((PAUSE_15, N_("Pause 15 minutes")), (PAUSE_60, N_("Pause 1 hour")),
     (PAUSE_TOMORROW, N_("Pause until tomorrow")), (RESUME, N_("Resume"))),
    ((EXERCISE, N_("Do a 1-minute exercise")), (RECALIBRATE, N_("Sit tall again (recalibrate)")),
     (SUMMARY, N_("Today's summary")), (REPORT, N_("Print a report")), (SETTINGS, N_("Settings"))),
    ((QUIT, N_("Quit fhp-monitor")),),
)
#: The tray's default action: what a (left) click on the icon sends.
ACTIVATE = MENU[0][0][0]
#: The control panel's buttons, in order.
PANEL_BUTTONS: tuple[tuple[Command, str], ...] = tuple(entry for group in MENU[1:] for entry in group)
#: A nudge's buttons (where the notification server shows buttons).
NUDGE_BUTTONS: tuple[tuple[Command, str], ...] = ((EXERCISE, N_("Do a 1-minute exercise")),
                                                  (SNOOZE_30, N_("Snooze 30 min")),
                                                  (PAUSE_TOMORROW, N_("Pause for today")))


def possible(command: Command, state: PostureState | None) -> bool:
    """Whether ``command`` can do anything while the monitor shows ``state`` (None: not known yet).

    The tray greys out, and the control panel disables, what is not possible: Resume while not paused.
    """
    if command.verb is Verb.RESUME:
        return state == PostureState.PAUSED
    return True
