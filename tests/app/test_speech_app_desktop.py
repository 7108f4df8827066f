"""Issue 24, spoken reminders, through the composition root: the real App on a private desktop (dunst
shows the notifications), its real worker replaying a real landmark recording of a head held forward
at --speed 0, ``nudges.speak: true`` and ``display.language: de`` in config.yaml. The speaker is the
one the App chose itself (``FHP_MONITOR_SPEECH=espeak``: espeak-ng), its sound sent to a file with the
backend's ``wav`` option (no loudspeaker in CI). What it said is compared with espeak-ng saying the
reminder dunst received.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess

from fhp_monitor.app import App
from fhp_monitor.core import i18n as core_i18n
from fhp_monitor.core.calibration import save_baseline
from fhp_monitor.core.messages import choose_nudge, spoken_nudge
from fhp_monitor.desktop.speech.espeak import EspeakSpeaker
from fhp_monitor.home.folder import Home, ensure_config
from fhp_monitor.i18n import activate
from fhp_monitor.settings.edit import save_changes
from fhp_monitor.settings.file import load_settings
from tests.support.landmark_recording import SITTING_TALL_DEG, record_landmarks, synthetic_baseline
from tests.support.needs import need_programs


def test_the_app_says_aloud_in_german_the_reminder_dunst_shows(desktop, tmp_path, monkeypatch):
    need_programs("espeak-ng")
    monkeypatch.setenv("FHP_MONITOR_SPEECH", "espeak")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # the autostart entry stays in the test
    home = Home.locate(str(tmp_path / "home"), {})
    ensure_config(home)
    save_changes(home.config, {("nudges", "speak"): True, ("display", "language"): "de"})
    save_baseline(home.calibration, synthetic_baseline())
    recording = record_landmarks(tmp_path / "head-forward.csv", lambda t: SITTING_TALL_DEG - 10.0, 240)
    args = argparse.Namespace(source=str(recording), start=None, speed=0.0, exit_at_end=True, no_tray=True)
    settings = load_settings(home.config)
    activate(settings.display.language)  # as the command line does before it starts the app
    desktop.notifications()  # closes what earlier tests left on screen, so their ids are in the history
    seen_before = {n["id"] for n in desktop.history()}
    try:
        with desktop.activate():
            app = App(args, home, settings)
            speaker = app.worker.speaker
            assert isinstance(speaker, EspeakSpeaker) and speaker.program == shutil.which("espeak-ng")
            speaker.wav = tmp_path / "said.wav"
            try:
                app.worker.run(app.stop, app.pace)  # the whole recording, on this thread
                assert speaker.wait(30), "espeak-ng did not end"
            finally:
                app.shutdown()
            speaker.say("Nach dem Ende: nichts.", "de")  # the app closed its speaker: nothing more is said
            assert speaker._current is None
            desktop.notifications()  # closes this run's notifications into dunst's history
            shown = [n for n in desktop.history() if n["appname"] == "fhp-monitor" and n["id"] not in seen_before]
    finally:
        core_i18n.use(core_i18n.ENGLISH)

    nudges = app.worker.nudges_sent
    assert len(nudges) == 1, nudges
    (reminder,) = shown  # the nudge, and nothing else
    english = choose_nudge(nudges[0].level, nudges[0].count, include_exercises=True)  # English is active again
    assert (reminder["summary"], reminder["body"]) != english, "the reminder was not in German"
    sentence = spoken_nudge(reminder["summary"], reminder["body"])
    reference = tmp_path / "reference.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-b", "1", "-w", str(reference)], input=sentence.encode(), check=True)
    said = (tmp_path / "said.wav").read_bytes()
    assert len(said) > 44 + 22050 * 2 * 2, "less than two seconds of sound"
    assert said == reference.read_bytes(), f"espeak-ng said something else than {sentence!r}"
