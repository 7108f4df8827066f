"""Spoken reminders on the worker: a nudge is said aloud exactly when it is shown and ``nudges.speak``
is on, in the language of the words shown; quiet hours, pauses (the user's, a call's, a locked screen's)
and a refused notification say nothing.

The real MonitorWorker replays a real landmark recording of a head held forward (LandmarkCsvSource,
no pose model), its timeline the clock (ReplayClock), step by step. The speaker is the recording
stand-in at the port, except in the last test, where real espeak-ng writes what it said to a WAV file.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from datetime import datetime
from pathlib import Path

import pytest

from fhp_monitor.core import i18n as core_i18n
from fhp_monitor.core.messages import choose_nudge, spoken_nudge
from fhp_monitor.core.ports import NOTIFY_NUDGE, NotificationError, PostureState
from fhp_monitor.desktop.notify import RecordingNotifier
from fhp_monitor.desktop.speech import RecordingSpeaker
from fhp_monitor.desktop.speech.espeak import EspeakSpeaker
from fhp_monitor.i18n import activate
from fhp_monitor.monitor.clocks import ReplayClock
from fhp_monitor.monitor.worker import MonitorWorker
from fhp_monitor.sensing.landmarks_csv import LandmarkCsvSource, RecordedPoses
from fhp_monitor.settings.schema import settings_from_dict
from tests.support.landmark_recording import SITTING_TALL_DEG, record_landmarks, synthetic_baseline
from tests.support.needs import need_programs

T0 = datetime(2026, 11, 20, 9, 0, 0).timestamp()  # 09:00 local
HEAD_FORWARD_DEG = SITTING_TALL_DEG - 10.0
RECORDING_S = 300
MAX_WAITS = 2000


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    core_i18n.use(core_i18n.ENGLISH)


@pytest.fixture(scope="module")
def head_forward(tmp_path_factory) -> Path:
    return record_landmarks(tmp_path_factory.mktemp("speech") / "head-forward.csv", lambda t: HEAD_FORWARD_DEG,
                            RECORDING_S)


def replay(recording: Path, nudges: dict, speaker, *, pause: tuple | None = None,
           notifier: RecordingNotifier | None = None, snapshots: list | None = None,
           ) -> tuple[MonitorWorker, RecordingNotifier]:
    """Run the worker through the recording with these nudge settings, as the app's ``run`` at
    --speed 0 (every wait passes at once on the file's timeline)."""
    notifier = notifier or RecordingNotifier()
    worker = MonitorWorker(source=LandmarkCsvSource(recording), estimator=RecordedPoses(), clock=ReplayClock(T0),
                           settings=settings_from_dict({"nudges": nudges}), baseline=synthetic_baseline(),
                           notifier=notifier, history=None, speaker=speaker,
                           on_snapshot=snapshots.append if snapshots is not None else lambda snapshot: None)
    if pause is not None:
        worker.send("pause", pause)
    stop, waits = threading.Event(), []

    def pace(seconds: float) -> float:
        waits.append(seconds)
        if len(waits) > MAX_WAITS:
            stop.set()
        return seconds

    worker.run(stop, pace)
    assert not stop.is_set(), f"the worker did not reach the end of {recording.name}"
    return worker, notifier


def nudges_shown(notifier: RecordingNotifier) -> list[tuple[str, str]]:
    return [sent for sent, kind in zip(notifier.sent, notifier.kinds) if kind == NOTIFY_NUDGE]


def test_a_nudge_shown_is_said_in_the_language_shown(head_forward):
    activate("de")
    speaker = RecordingSpeaker()
    worker, notifier = replay(head_forward, {"speak": True}, speaker)
    shown = nudges_shown(notifier)
    assert shown and len(shown) == len(worker.nudges_sent)
    assert speaker.said == [(spoken_nudge(title, body), "de") for title, body in shown]
    first = worker.nudges_sent[0]
    activate("en")
    english = spoken_nudge(*choose_nudge(first.level, first.count, include_exercises=True))
    assert speaker.said[0][0] != english, speaker.said  # the German words, as the notification showed them


def test_speak_is_off_by_default_and_then_nothing_is_said(head_forward):
    speaker = RecordingSpeaker()
    worker, notifier = replay(head_forward, {}, speaker)
    assert nudges_shown(notifier), "the recording should nudge"
    assert speaker.said == []


def test_quiet_hours_say_nothing(head_forward):
    speaker = RecordingSpeaker()
    worker, notifier = replay(head_forward, {"speak": True, "quiet_hours": "08:00-18:00"}, speaker)
    assert worker.looks > 0 and nudges_shown(notifier) == [] and speaker.said == []


@pytest.mark.parametrize("reason", ["user", "call", "screen_locked"])
def test_a_pause_says_nothing(head_forward, reason):
    speaker = RecordingSpeaker()
    snapshots = []
    worker, notifier = replay(head_forward, {"speak": True}, speaker, pause=(T0 + RECORDING_S + 60, reason),
                              snapshots=snapshots)  # paused until after the recording's end
    assert snapshots[0].state == PostureState.PAUSED and snapshots[0].pause_reason == reason
    assert worker.nudges_sent == []
    assert nudges_shown(notifier) == [] and speaker.said == []


def test_a_nudge_the_desktop_refused_is_not_said_either(head_forward):
    notifier = RecordingNotifier()
    notifier.fail_with = NotificationError("no notification server")
    speaker = RecordingSpeaker()
    worker, _ = replay(head_forward, {"speak": True}, speaker, notifier=notifier)
    assert worker.nudges_sent and speaker.said == []


def test_espeak_says_the_very_words_of_the_notification(head_forward, tmp_path):
    need_programs("espeak-ng")
    activate("fr")
    speaker = EspeakSpeaker(shutil.which("espeak-ng"), wav=tmp_path / "said.wav")
    _, notifier = replay(head_forward, {"speak": True}, speaker)
    assert speaker.wait(30)
    (title, body), *_ = nudges_shown(notifier)
    reference = tmp_path / "reference.wav"
    subprocess.run(["espeak-ng", "-v", "fr", "-b", "1", "-w", str(reference)],
                   input=spoken_nudge(title, body).encode(), check=True)
    said = (tmp_path / "said.wav").read_bytes()
    assert len(said) > 44 + 22050 * 2 and said == reference.read_bytes()  # over a second of sound, the same sound
