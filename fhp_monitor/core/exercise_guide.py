"""The guided exercise break as plain data: the words, the steps and their seconds (pure, stdlib only).

The window (gui/exercise.py) shows one :class:`Step` at a time and draws the figure at the step's
``pose`` (0 = resting, 1 = the end of the movement). Words are short, kind and never medical advice;
marked with N_ and translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhp_monitor.core.exercise import CHIN_TUCK, EXERCISES, HEAD_LIFT, SHOULDER_SQUEEZE
from fhp_monitor.core.i18n import N_, _, ngettext

SAFETY_TITLE = N_("Before you start")
SAFETY_LINES = (
    N_("Move gently, only as far as feels comfortable."),
    N_("Stop if it hurts, or if you feel dizzy or numb."),
    N_("If a doctor or physiotherapist told you to avoid neck movement, ask them first."),
    N_("This is a gentle guide, not medical advice."),
)
NAMES = {CHIN_TUCK: N_("Chin tuck"), SHOULDER_SQUEEZE: N_("Shoulder squeeze"), HEAD_LIFT: N_("Head lift")}
START = {CHIN_TUCK: N_("Sit tall and look straight ahead."),
         SHOULDER_SQUEEZE: N_("Sit tall with your arms relaxed."),
         HEAD_LIFT: N_("Sit tall with your eyes level.")}
MOVE = {CHIN_TUCK: N_("Slide your head straight back, chin level."),
        SHOULDER_SQUEEZE: N_("Draw your shoulders back and down."),
        HEAD_LIFT: N_("Lift the top of your head up, as if growing taller.")}
HOLD, RELAX = N_("Hold it gently."), N_("Relax.")
WELL_DONE = N_("well done")
TIMED_ONLY = N_("The camera cannot see you clearly, so just follow the timer.")
NO_CAMERA = N_("The camera is off, so just follow the timer.")
ALL_DONE = N_("All done. Well done!")
NECK_QUESTION = N_("How is your neck today?")
NECK_SCALE = N_("0 = no pain at all, 10 = the worst. Press a number key, or close to skip.")
NECK_THANKS = N_("Thank you, noted.")

#: Seconds of each part of one repetition, and of the start of each exercise.
START_S, MOVE_S, HOLD_S, RELAX_S = 3.0, 2.0, 4.0, 3.0
REPS_ONE, REPS_EACH = 5, 3  # one exercise chosen: 5 repetitions; all three in turn: 3 each


@dataclass(frozen=True)
class Step:
    exercise: str
    kind: str  # start | move | hold | relax
    words: str
    seconds: float
    rep: int  # 1-based repetition; 0 for the start
    reps: int
    pose_from: float
    pose_to: float


def plan(which: str | None) -> list[Step]:
    """The steps of one exercise (``which``) or of all three in turn (None)."""
    chosen = EXERCISES if which is None else (which,)
    reps = REPS_EACH if which is None else REPS_ONE
    steps: list[Step] = []
    for exercise in chosen:
        steps.append(Step(exercise, "start", START[exercise], START_S, 0, reps, 0.0, 0.0))
        for rep in range(1, reps + 1):
            steps += [Step(exercise, "move", MOVE[exercise], MOVE_S, rep, reps, 0.0, 1.0),
                      Step(exercise, "hold", HOLD, HOLD_S, rep, reps, 1.0, 1.0),
                      Step(exercise, "relax", RELAX, RELAX_S, rep, reps, 1.0, 0.0)]
    return steps


def total_seconds(steps: list[Step]) -> float:
    return sum(s.seconds for s in steps)


def count_words(counted: int, reps: int) -> str:
    """"3 of 5 — well done" (the camera saw them)."""
    words = _("{counted} of {reps}").format(counted=counted, reps=reps)
    return words + (f" \u2014 {_(WELL_DONE)}" if counted else "")


def round_words(step: Step) -> str:
    """"Round 3 of 5" (the timed guide, when the camera cannot tell)."""
    if step.rep:
        return _("Round {rep} of {reps}").format(rep=step.rep, reps=step.reps)
    return ngettext("{n} round", "{n} rounds", step.reps).format(n=step.reps)
