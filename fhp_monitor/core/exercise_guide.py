"""The guided exercise break as plain data: the words, the steps and their seconds (pure, stdlib only).

The window (gui/exercise.py) shows one :class:`Step` at a time and draws the figure at the step's
``pose`` (0 = resting, 1 = the end of the movement). Words are short, kind and never medical advice.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhp_monitor.core.exercise import CHIN_TUCK, EXERCISES, HEAD_LIFT, SHOULDER_SQUEEZE

SAFETY_TITLE = "Before you start"
SAFETY_LINES = (
    "Move gently, only as far as feels comfortable.",
    "Stop if it hurts, or if you feel dizzy or numb.",
    "If a doctor or physiotherapist told you to avoid neck movement, ask them first.",
    "This is a gentle guide, not medical advice.",
)
NAMES = {CHIN_TUCK: "Chin tuck", SHOULDER_SQUEEZE: "Shoulder squeeze", HEAD_LIFT: "Head lift"}
START = {CHIN_TUCK: "Sit tall and look straight ahead.",
         SHOULDER_SQUEEZE: "Sit tall with your arms relaxed.",
         HEAD_LIFT: "Sit tall with your eyes level."}
MOVE = {CHIN_TUCK: "Slide your head straight back, chin level.",
        SHOULDER_SQUEEZE: "Draw your shoulders back and down.",
        HEAD_LIFT: "Lift the top of your head up, as if growing taller."}
HOLD, RELAX = "Hold it gently.", "Relax."
WELL_DONE = "well done"
TIMED_ONLY = "The camera cannot see you clearly, so just follow the timer."
NO_CAMERA = "The camera is off, so just follow the timer."
ALL_DONE = "All done. Well done!"
NECK_QUESTION = "How is your neck today?"
NECK_SCALE = "0 = no pain at all, 10 = the worst. Press a number key, or close to skip."
NECK_THANKS = "Thank you, noted."

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
    return f"{counted} of {reps}" + (f" \u2014 {WELL_DONE}" if counted else "")


def round_words(step: Step) -> str:
    """"Round 3 of 5" (the timed guide, when the camera cannot tell)."""
    return f"Round {step.rep} of {step.reps}" if step.rep else f"{step.reps} rounds"
