"""The adaptive sampling schedule, alone and driving the real nudge policy on a simulated timeline.

Pure core: no camera, no model. The property tests run the real ``PostureMonitor`` with the real
``SamplingSchedule`` choosing every wait, and check the promise made to users: a head that goes
forward is nudged within the onset delay plus one sampling interval, and never before the onset
delay has passed since it was first seen.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhp_monitor.core.ports import PostureState as S
from fhp_monitor.core.posture import NudgeDue, NudgePolicy, Observation, PostureMonitor
from fhp_monitor.core.sampling import AWAY_IDLE, FAST, SETTLING, STEADY, SamplingPolicy, SamplingSchedule

T0 = 1_763_629_200.0
NOON = lambda t: (12, 0)  # noqa: E731


def after(schedule: SamplingSchedule, state: S, episode=None, since_nudge=None, idle=None):
    return schedule.after_look(state, episode_elapsed_s=episode, since_nudge_s=since_nudge, input_idle_s=idle)


def test_steady_upright_doubles_from_15_s_to_the_ceiling_and_starts_again_on_a_change():
    schedule = SamplingSchedule(SamplingPolicy())
    waits = [after(schedule, S.UPRIGHT).wait_s for _ in range(5)]
    assert waits == [15, 30, 60, 60, 60]
    assert after(schedule, S.UNCERTAIN).why == SETTLING
    assert [after(schedule, S.UPRIGHT).wait_s for _ in range(2)] == [15, 30]


def test_the_ceiling_never_passes_the_onset_delay():
    schedule = SamplingSchedule(SamplingPolicy(interval_s=15, max_interval_s=600, onset_delay_s=40))
    assert [after(schedule, S.UPRIGHT).wait_s for _ in range(4)] == [15, 30, 40, 40]
    slow_start = SamplingSchedule(SamplingPolicy(interval_s=90, max_interval_s=90, onset_delay_s=30))
    assert after(slow_start, S.UPRIGHT).wait_s == 30


def test_drifting_and_after_a_nudge_look_every_2_s_and_land_on_the_onset_delay():
    schedule = SamplingSchedule(SamplingPolicy(onset_delay_s=60, fast_s=2))
    assert after(schedule, S.FORWARD, episode=0.0) == after(schedule, S.FORWARD, episode=10.0)
    assert after(schedule, S.FORWARD, episode=10.0).why == FAST
    assert after(schedule, S.FORWARD, episode=58.5).wait_s == 1.5  # the next look is exactly at 60 s
    assert after(schedule, S.UPRIGHT, episode=70.0).wait_s == 2  # an upright blip inside an episode
    assert after(schedule, S.UPRIGHT, since_nudge=100.0).wait_s == 2  # the nudge's outcome window
    assert after(schedule, S.UPRIGHT, since_nudge=121.0).why == STEADY


def test_away_looks_once_a_minute_only_when_input_is_idle_too():
    schedule = SamplingSchedule(SamplingPolicy(away_idle_s=60, idle_after_s=60))
    assert after(schedule, S.AWAY, idle=None).wait_s == 15  # the desktop cannot tell: stay attentive
    assert after(schedule, S.AWAY, idle=5.0).wait_s == 15  # typing or reading with the mouse: same
    assert after(schedule, S.AWAY, idle=61.0) == after(schedule, S.AWAY, idle=3600.0)
    assert after(schedule, S.AWAY, idle=61.0).wait_s == 60 and after(schedule, S.AWAY, idle=61.0).why == AWAY_IDLE


# ----------------------------------------------------------------------------- the promise, as a property


def simulate(policy: SamplingPolicy, nudges: NudgePolicy, truth, until: float):
    """Run monitor + schedule on a timeline where ``truth(t)`` is the user's state; return
    (nudge times, [(look time, wait after it)])."""
    monitor = PostureMonitor(nudges, T0, local_time=NOON)
    schedule = SamplingSchedule(policy)
    t, looks, sent = T0, [], []
    while t < T0 + until:
        state = truth(t - T0)
        events = monitor.observe(Observation(state, 45.0 if state in (S.UPRIGHT, S.FORWARD) else None), t)
        sent += [e.at - T0 for e in events if isinstance(e, NudgeDue)]
        last = monitor.last_nudge
        decision = schedule.after_look(state, episode_elapsed_s=monitor.episode_elapsed_s,
                                       since_nudge_s=None if last is None else t - last, input_idle_s=None)
        looks.append((t - T0, decision.wait_s))
        t += decision.wait_s
    return sent, looks


def interval_in_force(looks, at: float) -> float:
    """The wait planned at the last look at or before ``at``."""
    return [wait for t, wait in looks if t <= at][-1]


@settings(max_examples=300, deadline=None)
@given(
    interval=st.floats(1, 120), max_interval=st.floats(1, 600), fast=st.floats(1, 5),
    onset=st.floats(5, 300), upright_for=st.floats(0, 3600), fraction=st.floats(0.5, 1.0),
)
def test_a_forward_head_is_nudged_within_onset_plus_one_interval(interval, max_interval, fast, onset,
                                                                  upright_for, fraction):
    fast = min(fast, interval)
    policy = SamplingPolicy(interval_s=interval, max_interval_s=max_interval, fast_s=fast, onset_delay_s=onset)
    nudges = NudgePolicy(onset_delay_s=onset, forward_fraction=fraction, cooldown_s=3600)
    sent, looks = simulate(policy, nudges, lambda t: S.UPRIGHT if t < upright_for else S.FORWARD,
                           upright_for + 2 * onset + policy.ceiling_s + 10)
    assert sent, "the forward head was never nudged"
    in_force = interval_in_force(looks, upright_for)
    assert in_force <= max(policy.ceiling_s, fast) + 1e-9  # never waits longer than the onset delay allows
    first_seen = min(t for t, _ in looks if t >= upright_for)
    assert first_seen <= upright_for + in_force + 1e-6
    assert sent[0] >= upright_for + onset - 1e-6  # persistence is still demanded
    assert sent[0] <= upright_for + onset + in_force + 1e-6  # caught within onset + one interval
    assert sent[0] - first_seen == pytest.approx(onset)  # a look lands exactly on the onset delay


@settings(max_examples=150, deadline=None)
@given(upright_for=st.floats(0, 7200), glance=st.floats(1, 25))
def test_at_the_defaults_steady_sitting_costs_about_one_look_a_minute_and_glances_never_nudge(upright_for, glance):
    policy, nudges = SamplingPolicy(), NudgePolicy()

    def truth(t: float) -> S:
        return S.FORWARD if upright_for <= t < upright_for + glance else S.UPRIGHT

    sent, looks = simulate(policy, nudges, truth, upright_for + 600)
    assert sent == []
    # 15, 30, then one look a minute until the glance: 2 looks of doubling + 1 per minute
    assert len([t for t, _ in looks if t < upright_for]) <= 3 + upright_for / 60


def test_a_suspected_camera_move_gets_looks_close_together_until_judged():
    schedule = SamplingSchedule(SamplingPolicy())
    assert [after(schedule, S.UPRIGHT).wait_s for _ in range(3)] == [15, 30, 60]
    hurried = schedule.after_look(S.UPRIGHT, episode_elapsed_s=None, since_nudge_s=None, input_idle_s=None,
                                  hurry=True)
    assert (hurried.wait_s, hurried.why) == (2, FAST)
    assert after(schedule, S.UPRIGHT).wait_s == 15  # then the doubling starts again
