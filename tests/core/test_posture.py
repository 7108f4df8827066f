"""The nudge policy, driven by a fake clock: whole hours run in milliseconds."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhp_monitor.core.ports import PostureState as S
from fhp_monitor.core.posture import (
    NudgeDue,
    NudgeOutcome,
    NudgePolicy,
    Observation,
    PostureMonitor,
    StateChanged,
    parse_quiet_hours,
)

T0 = 1_763_629_200.0  # an arbitrary epoch second
NOON = lambda t: (12, 0)  # noqa: E731 - local time is always noon unless a test says otherwise


def run(monitor, states, start=T0, step=5.0):
    """Feed one observation every ``step`` seconds; return all events."""
    events = []
    t = start
    for state in states:
        events += monitor.observe(Observation(state, 45.0 if state in (S.UPRIGHT, S.FORWARD) else None), t)
        t += step
    return events, t


def nudges(events):
    return [e for e in events if isinstance(e, NudgeDue)]


def make(**kw):
    return PostureMonitor(NudgePolicy(**kw), T0, local_time=NOON)


def test_a_glance_at_the_keyboard_never_nudges():
    m = make()
    events, _ = run(m, [S.UPRIGHT] * 12 + [S.FORWARD] * 6 + [S.UPRIGHT] * 2 + [S.FORWARD] * 6 + [S.UPRIGHT] * 30)
    assert nudges(events) == []


def test_persistent_forward_posture_nudges_once_after_the_onset_delay():
    m = make(onset_delay_s=60)
    events, _ = run(m, [S.UPRIGHT] * 4 + [S.FORWARD] * 30)
    found = nudges(events)
    assert len(found) == 1
    first_forward = T0 + 4 * 5
    assert found[0].at == first_forward + 60
    assert found[0].level == 1


def test_one_upright_blip_does_not_restart_the_episode():
    m = make(onset_delay_s=60)
    events, _ = run(m, [S.FORWARD] * 6 + [S.UPRIGHT] + [S.FORWARD] * 8)
    assert [n.at for n in nudges(events)] == [T0 + 60]


def test_mostly_upright_window_does_not_nudge_even_if_the_episode_is_old():
    m = make(onset_delay_s=60, forward_fraction=0.7)
    pattern = [S.FORWARD, S.UPRIGHT, S.FORWARD] * 20  # 67 % forward, never two uprights in a row
    events, _ = run(m, pattern)
    assert nudges(events) == []


def test_cooldown_and_gentle_escalation():
    m = make(onset_delay_s=60, cooldown_s=600, max_per_episode=3, max_per_hour=10)
    events, _ = run(m, [S.FORWARD] * (60 * 60 // 5))  # an hour of slouching
    found = nudges(events)
    assert [n.at - T0 for n in found] == [60, 660, 1260]
    assert [n.level for n in found] == [1, 2, 2]


def test_max_per_hour_caps_nudges_across_episodes():
    m = make(onset_delay_s=60, cooldown_s=60, max_per_hour=2, max_per_episode=5)
    pattern = ([S.FORWARD] * 14 + [S.UPRIGHT] * 2) * 10
    events, _ = run(m, pattern)
    times = [n.at for n in nudges(events)]
    for t in times:
        assert sum(1 for u in times if t - 3600 < u <= t) <= 2
    assert len(times) == 2


def test_no_nudge_while_away_uncertain_or_paused():
    m = make()
    events, t = run(m, [S.AWAY] * 40 + [S.UNCERTAIN] * 40)
    assert nudges(events) == []
    events = m.pause(t + 3600, t)
    assert m.state is S.PAUSED
    more, t2 = run(m, [S.FORWARD] * 100, start=t + 5)
    assert nudges(more) == [] and m.state is S.PAUSED


def test_pause_ends_by_itself_and_resume_works():
    m = make()
    m.pause(T0 + 900, T0)
    assert m.tick(T0 + 899) == []
    events = m.tick(T0 + 900)
    assert events and isinstance(events[0], StateChanged) and events[0].new is S.UNCERTAIN
    m.pause(None, T0 + 901)
    assert m.tick(T0 + 10_000) == []
    assert m.resume(T0 + 10_001)[0].new is S.UNCERTAIN


def test_quiet_hours_block_nudges():
    m = PostureMonitor(NudgePolicy(quiet_hours=parse_quiet_hours("22:00-07:00")), T0, local_time=lambda t: (23, 30))
    events, _ = run(m, [S.FORWARD] * 100)
    assert nudges(events) == []


@pytest.mark.parametrize("text,hour,quiet", [("22:00-07:00", 23, True), ("22:00-07:00", 6, True),
                                             ("22:00-07:00", 12, False), ("12:00-13:00", 12, True),
                                             ("12:00-13:00", 13, False)])
def test_quiet_hours_wrap_midnight(text, hour, quiet):
    assert NudgePolicy(quiet_hours=parse_quiet_hours(text)).in_quiet_hours(hour, 0) is quiet


@pytest.mark.parametrize("bad", ["22-07", "25:00-07:00", "soon", "22:00"])
def test_malformed_quiet_hours_are_rejected_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="22:00-07:00"):
        parse_quiet_hours(bad)


def test_recovery_within_two_minutes_is_reported():
    m = make(onset_delay_s=60)
    events, t = run(m, [S.FORWARD] * 13 + [S.FORWARD] * 4 + [S.UPRIGHT] * 3)
    outcomes = [e for e in events if isinstance(e, NudgeOutcome)]
    assert outcomes == [NudgeOutcome(T0 + 60, True, T0 + 17 * 5)]


def test_no_recovery_is_reported_after_two_minutes():
    m = make(onset_delay_s=60)
    events, _ = run(m, [S.FORWARD] * 40)
    outcomes = [e for e in events if isinstance(e, NudgeOutcome)]
    assert len(outcomes) == 1 and outcomes[0].recovered is False and outcomes[0].decided_at > T0 + 180


def test_long_absence_ends_the_episode():
    m = make(onset_delay_s=60, away_reset_s=30)
    events, t = run(m, [S.FORWARD] * 8 + [S.AWAY] * 8 + [S.FORWARD] * 8)
    assert nudges(events) == []


def test_states_are_reported_once_per_change():
    m = make()
    events, _ = run(m, [S.UPRIGHT, S.UPRIGHT, S.FORWARD, S.FORWARD, S.AWAY])
    changes = [(e.old, e.new) for e in events if isinstance(e, StateChanged)]
    assert changes == [(S.UNCERTAIN, S.UPRIGHT), (S.UPRIGHT, S.FORWARD), (S.FORWARD, S.AWAY)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([S.UPRIGHT, S.FORWARD, S.AWAY, S.UNCERTAIN]), min_size=1, max_size=400),
       st.floats(1.0, 10.0))
def test_policy_invariants_hold_for_any_sequence(states, step):
    policy = NudgePolicy(onset_delay_s=60, cooldown_s=600, max_per_hour=3)
    m = PostureMonitor(policy, T0, local_time=NOON)
    events, _ = run(m, states, step=step)
    times = [n.at for n in nudges(events)]
    assert all(b - a >= 600 for a, b in zip(times, times[1:]))
    for n in nudges(events):
        index = round((n.at - T0) / step)
        assert states[index] is S.FORWARD  # never nudged on a non-forward look
        assert n.at - n.episode_started >= 60


def test_a_few_forward_looks_among_unreadable_ones_are_not_persistence():
    m = make(onset_delay_s=60, away_reset_s=30)
    pattern = [S.FORWARD, S.UNCERTAIN, S.UNCERTAIN] * 40  # readable looks are all forward, but rare
    events, _ = run(m, pattern)
    assert nudges(events) == []


def test_pause_reasons_stack_and_the_users_resume_does_not_end_a_lock():
    from fhp_monitor.core.posture import PAUSE_SCREEN_LOCKED, PAUSE_SNOOZE, PAUSE_USER

    m = PostureMonitor(NudgePolicy(), T0)
    m.pause(T0 + 1800, T0, PAUSE_SNOOZE)
    assert (m.paused, m.pause_reason, m.paused_until) == (True, PAUSE_SNOOZE, T0 + 1800)
    m.pause(None, T0 + 10, PAUSE_SCREEN_LOCKED)
    assert (m.pause_reason, m.paused_until) == (PAUSE_SCREEN_LOCKED, None)
    assert m.resume(T0 + 20) == [] and m.paused  # the user's Resume ends the snooze, not the lock
    events = m.resume(T0 + 30, PAUSE_SCREEN_LOCKED)
    assert [e.new for e in events] == [S.UNCERTAIN] and not m.paused and m.pause_reason is None
    m.pause(T0 + 100, T0 + 40, PAUSE_USER)
    m.pause(None, T0 + 50, PAUSE_SCREEN_LOCKED)
    assert m.tick(T0 + 200) == [] and m.pause_reason == PAUSE_SCREEN_LOCKED  # the user pause ran out meanwhile
    assert [e.new for e in m.resume(T0 + 210, PAUSE_SCREEN_LOCKED)] == [S.UNCERTAIN]
    with pytest.raises(ValueError):
        m.pause(None, T0, "nap")
