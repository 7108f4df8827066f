"""Words the user sees: nudge titles and bodies, tray tooltips, and the 'camera unavailable' hint.

The tables hold English marked with N_ (core/i18n.py); every function returns its words in the
active language, and a constant used elsewhere is shown as ``_(CONSTANT)``.

Pure: standard library only, time comes in as an argument. Every sentence is short, kind and
readable at a distance; none of it is medical advice. Variety comes from a counter the caller
increments (e.g. the number of nudges sent so far), so the same inputs always give the same words.
"""

from __future__ import annotations

import datetime as _dt
import time as _time

from fhp_monitor.core.i18n import N_, _, weekday
from fhp_monitor.core.ports import PostureState, StatusSnapshot

#: Longest title and body we ever produce (notification bubbles cut long text).
MAX_TITLE_CHARS = 40
MAX_BODY_CHARS = 200

#: Appended to every nudge that suggests an exercise.
SAFETY_NOTE = N_("Stop if it hurts.")

#: Longest exercise nudge body (exercise and safety note): readable in one glance.
MAX_EXERCISE_BODY_CHARS = 90

#: Words that must never appear on screen (medical claims, fear, blame).
FORBIDDEN_WORDS = ("damage", "disease", "cure", "treat",
                   "fix your spine", "bad posture", "you should",  # not translated: the words a test forbids
                   "wrong", "injury", "diagnos")

CAMERA_UNAVAILABLE_TEXT = N_(
    "The camera is not available right now. Close other apps that use it and check it is plugged in. "
    "fhp-monitor will carry on by itself when it is back."
)
#: A recording (a file source) has ended: the tray's words, and the one notification when the app stays.
RECORDING_ENDED = N_("The recording has ended")
RECORDING_ENDED_TEXT = N_("Its minutes are in your history. Quit fhp-monitor when you are done.")

FIRST_TITLES = (
    N_("A gentle posture check"),
    N_("A quick stretch break?"),
    N_("Time for a little reset"),
    N_("A friendly reminder"),
)

ESCALATED_TITLES = (
    N_("Still leaning in?"),
    N_("One more gentle check"),
    N_("Your neck would like a break"),
)

# Plain reminders (no exercise); level 1.
PLAIN_BODIES = (
    N_("Your head has drifted forward. Let it float back over your shoulders."),
    N_("Sit back, let your shoulders drop, and lift the top of your head."),
    N_("Ease your head back over your shoulders and take a slow breath."),
    N_("Bring the screen a little closer, rather than your head."),
)

# Gentle escalation (level 2 and above): acknowledge, never blame.
ESCALATED_BODIES = (
    N_("Deep focus pulls us forward. Lean back into your chair for a moment."),
    N_("A short pause may help. Stand up, stretch, and come back fresh."),
    N_("Let your head rest back over your shoulders. Your work will wait."),
)

# Twenty-second exercises in plain words, short enough to read in one glance (with SAFETY_NOTE
# added after each one, at most MAX_EXERCISE_BODY_CHARS).
EXERCISES = (
    N_("Try a chin tuck: slide your chin gently back, hold 5 seconds. 3 times."),
    N_("Squeeze your shoulder blades together for 5 seconds. 3 times."),
    N_("Roll your shoulders slowly: 5 times back, then 5 times forward."),
    N_("Look up at the ceiling and breathe in slowly. Then look ahead. 3 times."),
)

STATE_WORDS = {
    PostureState.UPRIGHT: N_("Sitting tall"),
    PostureState.FORWARD: N_("Head drifting forward"),
    PostureState.AWAY: N_("Away from the desk"),
    PostureState.UNCERTAIN: N_("Looking for you"),
    PostureState.PAUSED: N_("Paused"),
    PostureState.CAMERA_UNAVAILABLE: N_("Camera not available"),
}

#: Why monitoring is paused, as the tooltip says it when the pause has no end time of its own.
PAUSE_WORDS = {
    "screen_locked": N_("Paused while the screen is locked"),
    "suspended": N_("Paused while the computer sleeps"),
    "on_battery": N_("Paused to save battery"),
    "call": N_("Paused during your call"),
    "idle": N_("Paused while you are away"),
    "user": N_("Paused"),
    "snooze": N_("Paused"),
}


def pause_words(reason: str | None) -> str:
    """A few words for a pause reason (core/posture.py PAUSE_*), e.g. 'Paused while the screen is locked'."""
    return _(PAUSE_WORDS.get(reason or "", STATE_WORDS[PostureState.PAUSED]))


def choose_nudge(level: int, counter: int, include_exercises: bool) -> tuple[str, str]:
    """Pick a (title, body) for a nudge.

    ``level`` is 1 for the first nudge of a forward-head episode, 2+ for a repeated one (gentle
    escalation, never guilt). ``counter`` is any non-negative integer that changes from nudge to
    nudge (e.g. how many nudges were sent today); it rotates the wording. When
    ``include_exercises`` is true every other nudge suggests a 20-second exercise followed by
    :data:`SAFETY_NOTE`. Deterministic: the same arguments always give the same words.
    """
    if level < 1:
        raise ValueError(f"nudge level must be 1 or more, got {level}")
    if counter < 0:
        raise ValueError(f"nudge counter must not be negative, got {counter}")
    if level == 1:
        title = FIRST_TITLES[counter % len(FIRST_TITLES)]
    else:
        title = ESCALATED_TITLES[counter % len(ESCALATED_TITLES)]
    if include_exercises and counter % 2 == 1:
        exercise = EXERCISES[(counter // 2) % len(EXERCISES)]
        return _(title), f"{_(exercise)} {_(SAFETY_NOTE)}"
    bodies = PLAIN_BODIES if level == 1 else ESCALATED_BODIES
    plain_turn = counter // 2 if include_exercises else counter  # only even counters reach here then
    return _(title), _(bodies[plain_turn % len(bodies)])


def spoken_nudge(title: str, body: str) -> str:
    """A nudge as one text to be said aloud: its title as a sentence of its own, then its body."""
    title = title.strip()
    if title and title[-1] not in ".!?…":
        title += "."
    return f"{title} {body.strip()}".strip()


def all_nudges() -> list[tuple[str, str]]:
    """Every (title, body) combination :func:`choose_nudge` can return (for checks and previews),
    in the active language."""
    titles = tuple(_(t) for t in FIRST_TITLES + ESCALATED_TITLES)
    bodies = tuple(_(b) for b in PLAIN_BODIES + ESCALATED_BODIES) + tuple(
        f"{_(e)} {_(SAFETY_NOTE)}" for e in EXERCISES)
    return [(title, body) for title in titles for body in bodies]


#: Upper limits (degrees below the user's own sitting-tall posture) of the words for "how far forward".
FORWARD_WORDS = ((3.0, N_("a little forward")), (7.0, N_("forward")), (float("inf"), N_("well forward")))


def forward_words(degrees_below: float) -> str:
    """How far forward of sitting tall, in words for the screen: 'a little forward' (under 3
    degrees below the baseline), 'forward' (under 7) or 'well forward'. Numbers stay in logs and JSON."""
    if degrees_below != degrees_below or degrees_below < 0:  # NaN or negative
        raise ValueError(f"degrees below sitting tall must be 0 or more, got {degrees_below!r}")
    return _(next(words for limit, words in FORWARD_WORDS if degrees_below < limit))


def sensitivity_words(personal_deg: float | None, setting_deg: float) -> str:
    """One sentence saying what decides "forward" now, for the calibration result and the settings.

    ``personal_deg`` is the sensitivity the calibration window set from the user's own "drift
    forward" recording (None when that step was skipped or unclear); ``setting_deg`` is the
    sensitivity in the settings, which a personal one replaces.
    """
    if personal_deg is None:
        return _("Reminders start when your head stays {how} (the usual setting).").format(
            how=forward_words(setting_deg))
    if personal_deg < setting_deg * 0.9:
        change = _("a little stricter than the usual setting")
    elif personal_deg > setting_deg * 1.1:
        change = _("more relaxed than the usual setting")
    else:
        change = _("about the same as the usual setting")
    return _("Sensitivity set from your own posture: reminders start when your head stays "
             "{how}, {change}.").format(how=forward_words(personal_deg), change=change)


def state_words(state: PostureState) -> str:
    """A few words for a posture state, e.g. 'Sitting tall'."""
    try:
        return _(STATE_WORDS[PostureState(state)])
    except (KeyError, ValueError) as error:
        raise ValueError(f"unknown posture state {state!r}") from error


def clock_text(epoch_s: float) -> str:
    """Local 24-hour time, e.g. '14:30'."""
    return _time.strftime("%H:%M", _time.localtime(epoch_s))


def _when(epoch_s: float, now: float) -> str:
    """'14:30' today, 'tomorrow 14:30', or 'Monday 14:30' for a later day."""
    days = (_dt.date.fromtimestamp(epoch_s) - _dt.date.fromtimestamp(now)).days
    if days <= 0:
        return clock_text(epoch_s)
    if days == 1:
        return _("tomorrow {time}").format(time=clock_text(epoch_s))
    return _("{weekday} {time}").format(weekday=weekday(_dt.date.fromtimestamp(epoch_s)), time=clock_text(epoch_s))


def tooltip(snapshot: StatusSnapshot, now: float) -> str:
    """The tray tooltip: 'fhp-monitor: Sitting tall', 'fhp-monitor: Paused until 14:30', ...

    A pause that ends tomorrow shows 'Paused until tomorrow 07:00'; later than that, the weekday
    ('Paused until Monday 07:00'). ``now`` is epoch seconds; local time is used for the words.
    """
    words = state_words(snapshot.state)
    if snapshot.state == PostureState.PAUSED and snapshot.paused_until is not None:
        words = (_("Resuming") if snapshot.paused_until <= now
                 else _("Paused until {when}").format(when=_when(snapshot.paused_until, now)))
    elif snapshot.state == PostureState.PAUSED:
        words = pause_words(snapshot.pause_reason)
    elif snapshot.source_ended:
        words = _(RECORDING_ENDED)
    elif snapshot.state == PostureState.CAMERA_UNAVAILABLE:
        words = _("Camera not available - click for help")
    return f"fhp-monitor: {with_setup(words, snapshot)}"


def with_setup(words: str, snapshot: StatusSnapshot | None) -> str:
    """``words`` and the setup in use, when more than one is saved: 'Sitting tall · at Desk'."""
    if snapshot is None or not snapshot.setup:
        return words
    return _("{status} · at {setup}").format(status=words, setup=snapshot.setup)
