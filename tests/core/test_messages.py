"""The words users see: short, kind, varied, deterministic, never medical claims."""

from __future__ import annotations

import datetime as dt

import pytest

from fhp_monitor.core import messages
from fhp_monitor.core.messages import (
    CAMERA_UNAVAILABLE_TEXT,
    FORBIDDEN_WORDS,
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    SAFETY_NOTE,
    all_nudges,
    choose_nudge,
    state_words,
    tooltip,
)
from fhp_monitor.core.ports import PostureState, StatusSnapshot

LEVELS = (1, 2, 3)
COUNTERS = range(48)


def every_choice() -> list[tuple[str, str]]:
    return [choose_nudge(level, counter, exercises)
            for level in LEVELS for counter in COUNTERS for exercises in (True, False)]


def test_every_reachable_nudge_is_within_length_limits() -> None:
    for title, body in set(every_choice()) | set(all_nudges()):
        assert 0 < len(title) <= MAX_TITLE_CHARS, title
        assert 0 < len(body) <= MAX_BODY_CHARS, body


def test_no_nudge_or_status_text_uses_forbidden_words() -> None:
    texts = [t for pair in all_nudges() for t in pair]
    texts += [state_words(state) for state in PostureState] + [CAMERA_UNAVAILABLE_TEXT, SAFETY_NOTE]
    for text in texts:
        for word in FORBIDDEN_WORDS:
            assert word not in text.lower(), (word, text)


def test_forbidden_word_list_covers_the_brief() -> None:
    for word in ("damage", "disease", "cure", "treat", "fix your spine"):
        assert word in FORBIDDEN_WORDS


def test_choices_are_varied() -> None:
    bodies = {body for _title, body in every_choice()}
    titles = {title for title, _body in every_choice()}
    assert len(bodies) >= 6
    assert len(titles) >= 4
    # consecutive nudges never repeat the same body
    for level in LEVELS:
        for exercises in (True, False):
            sequence = [choose_nudge(level, c, exercises)[1] for c in COUNTERS]
            assert all(a != b for a, b in zip(sequence, sequence[1:]))


def test_choice_is_deterministic() -> None:
    assert every_choice() == every_choice()


def test_exercises_come_with_the_safety_note_and_only_when_enabled() -> None:
    with_exercises = [choose_nudge(1, c, True)[1] for c in COUNTERS]
    assert any(body.endswith(SAFETY_NOTE) for body in with_exercises)
    assert any("chin tuck" in body for body in with_exercises)
    without = [choose_nudge(level, c, False)[1] for level in LEVELS for c in COUNTERS]
    assert not any(SAFETY_NOTE in body for body in without)
    for exercise in messages.EXERCISES:
        assert exercise in " ".join(with_exercises)


def test_escalated_nudges_use_different_gentle_titles() -> None:
    first = {choose_nudge(1, c, True)[0] for c in COUNTERS}
    later = {choose_nudge(2, c, True)[0] for c in COUNTERS}
    assert first.isdisjoint(later)
    assert "Still leaning in?" in later


@pytest.mark.parametrize("level, counter", [(0, 1), (1, -1)])
def test_bad_arguments_get_a_clear_error(level: int, counter: int) -> None:
    with pytest.raises(ValueError, match="nudge"):
        choose_nudge(level, counter, True)


def test_every_state_has_distinct_words() -> None:
    words = [state_words(state) for state in PostureState]
    assert len(set(words)) == len(words)
    assert state_words(PostureState.UPRIGHT) == "Sitting tall"
    assert state_words("forward") == "Head drifting forward"
    with pytest.raises(ValueError, match="unknown posture state"):
        state_words("asleep")  # type: ignore[arg-type]


def local_epoch(day: int, hour: int, minute: int) -> float:
    return dt.datetime(2024, 5, day, hour, minute).timestamp()


def test_tooltip_shows_the_pause_end_in_local_time() -> None:
    now = local_epoch(6, 14, 0)
    paused = StatusSnapshot(PostureState.PAUSED, since=now, paused_until=local_epoch(6, 14, 30))
    assert tooltip(paused, now) == "fhp-monitor: Paused until 14:30"
    tomorrow = StatusSnapshot(PostureState.PAUSED, since=now, paused_until=local_epoch(7, 7, 0))
    assert tooltip(tomorrow, now) == "fhp-monitor: Paused until tomorrow 07:00"
    later = StatusSnapshot(PostureState.PAUSED, since=now, paused_until=local_epoch(9, 7, 0))
    assert tooltip(later, now) == "fhp-monitor: Paused until Thursday 07:00"
    over = StatusSnapshot(PostureState.PAUSED, since=now, paused_until=now - 1)
    assert tooltip(over, now) == "fhp-monitor: Resuming"


def test_tooltip_for_other_states() -> None:
    now = local_epoch(6, 9, 0)
    assert tooltip(StatusSnapshot(PostureState.UPRIGHT, since=now), now) == "fhp-monitor: Sitting tall"
    assert tooltip(StatusSnapshot(PostureState.PAUSED, since=now), now) == "fhp-monitor: Paused"
    assert "Camera" in tooltip(StatusSnapshot(PostureState.CAMERA_UNAVAILABLE, since=now), now)


def test_camera_unavailable_text_says_what_to_try() -> None:
    assert "camera" in CAMERA_UNAVAILABLE_TEXT.lower()
    assert "plugged in" in CAMERA_UNAVAILABLE_TEXT
    assert len(CAMERA_UNAVAILABLE_TEXT) <= MAX_BODY_CHARS


def test_tooltip_says_why_monitoring_is_paused() -> None:
    from fhp_monitor.core.messages import PAUSE_WORDS, pause_words
    from fhp_monitor.core.posture import PAUSE_REASONS

    now = local_epoch(6, 9, 0)

    def paused(reason, until=None):
        return tooltip(StatusSnapshot(PostureState.PAUSED, since=now, paused_until=until, pause_reason=reason), now)

    assert paused("screen_locked") == "fhp-monitor: Paused while the screen is locked"
    assert paused("suspended") == "fhp-monitor: Paused while the computer sleeps"
    assert paused("call") == "fhp-monitor: Paused during your call"
    assert paused("user") == "fhp-monitor: Paused"
    assert paused("user", local_epoch(6, 9, 15)) == "fhp-monitor: Paused until 09:15"  # an end time wins
    assert set(PAUSE_WORDS) == set(PAUSE_REASONS)  # every reason the core knows has words
    for reason in PAUSE_REASONS:
        words = pause_words(reason).lower()
        assert len(words) <= MAX_TITLE_CHARS and not any(bad in words for bad in FORBIDDEN_WORDS)
    assert pause_words(None) == "Paused"


def test_exercise_nudges_can_be_read_in_one_glance() -> None:
    exercise_bodies = {body for _title, body in every_choice() if body.endswith(SAFETY_NOTE)}
    assert len(exercise_bodies) == len(messages.EXERCISES)
    for body in exercise_bodies:
        assert len(body) <= messages.MAX_EXERCISE_BODY_CHARS <= 90, (len(body), body)
    for _title, body in every_choice():
        assert len(body) <= 90, body  # the plain reminders are no longer either


def test_how_far_forward_is_said_in_words() -> None:
    assert messages.forward_words(0.0) == "a little forward"
    assert messages.forward_words(2.0) == "a little forward"
    assert messages.forward_words(3.0) == "forward"
    assert messages.forward_words(6.9) == "forward"
    assert messages.forward_words(7.0) == "well forward"
    assert messages.forward_words(30.0) == "well forward"
    with pytest.raises(ValueError):
        messages.forward_words(-1.0)
    with pytest.raises(ValueError):
        messages.forward_words(float("nan"))


def test_the_personal_sensitivity_says_what_it_changed_without_degrees() -> None:
    usual = messages.sensitivity_words(None, 2.0)
    assert usual == "Reminders start when your head stays a little forward (the usual setting)."
    relaxed = messages.sensitivity_words(4.5, 2.0)
    assert relaxed.startswith("Sensitivity set from your own posture:")
    assert "stays forward, more relaxed than the usual setting" in relaxed
    assert "a little stricter" in messages.sensitivity_words(1.0, 2.0)
    assert "about the same" in messages.sensitivity_words(2.1, 2.0)
    for text in (usual, relaxed):
        assert "\u00b0" not in text and "degree" not in text and not any(c.isdigit() for c in text)


def test_a_nudge_said_aloud_is_its_title_as_a_sentence_then_its_body():
    assert messages.spoken_nudge("A gentle posture check", "Sit back.") == "A gentle posture check. Sit back."
    assert messages.spoken_nudge("Still leaning in?", " Lean back. ") == "Still leaning in? Lean back."
    for title, body in messages.all_nudges():  # every one ends its title with a stop the voice pauses at
        said = messages.spoken_nudge(title, body)
        spoken_title = said[: -len(body)].strip()
        assert said.startswith(title) and said.endswith(body) and spoken_title[-1] in ".?!", said
