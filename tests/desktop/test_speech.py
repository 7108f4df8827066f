"""Spoken reminders (desktop/speech): real espeak-ng writing real sound, real spd-say talking to a
speech server that never answers, and the chooser on this machine.

espeak-ng writes its sound to a WAV file here (the backend's ``wav`` option): there is no loudspeaker
in CI, and a file can be listened to by the test. Waiting for a sentence is ``speaker.wait()`` (joins
the thread that watches the program), never a sleep.
"""

from __future__ import annotations

import array
import logging
import shutil
import socket
import subprocess
import time
import wave
from pathlib import Path

import pytest

from fhp_monitor.core import i18n as core_i18n
from fhp_monitor.core.messages import choose_nudge, spoken_nudge
from fhp_monitor.desktop.speech import Silent, backend_order, speaker_for
from fhp_monitor.desktop.speech.espeak import EspeakSpeaker, voice_for
from fhp_monitor.desktop.speech.spd import SpdSpeaker
from fhp_monitor.i18n import activate
from tests.support.needs import need_programs


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    core_i18n.use(core_i18n.ENGLISH)


def listen(path: Path) -> tuple[float, float]:
    """(seconds, loudness as the root mean square of the 16-bit samples) of a mono WAV file."""
    with wave.open(str(path)) as sound:
        assert sound.getsampwidth() == 2 and sound.getnchannels() == 1
        samples = array.array("h", sound.readframes(sound.getnframes()))
        seconds = sound.getnframes() / sound.getframerate()
    return seconds, (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5


def german_nudge() -> str:
    activate("de")
    title, body = choose_nudge(level=1, counter=0, include_exercises=False)
    activate("en")
    english = spoken_nudge(*choose_nudge(level=1, counter=0, include_exercises=False))
    said = spoken_nudge(title, body)
    assert said != english and "Kopf" in said, said  # the reminder as a German user reads it
    return said


def test_espeak_says_a_german_reminder_aloud_in_a_german_voice(tmp_path):
    need_programs("espeak-ng")
    sentence = german_nudge()
    speaker = EspeakSpeaker(shutil.which("espeak-ng"), wav=tmp_path / "said.wav")
    speaker.say(sentence, "de")
    assert speaker.wait(30), "espeak-ng did not end"

    seconds, loudness = listen(tmp_path / "said.wav")
    assert seconds > 3.0, f"only {seconds:.2f} s of sound for {len(sentence)} characters"
    assert loudness > 300, f"the sound is silence (RMS {loudness:.0f})"

    # The voice was German: espeak-ng lists a German voice under the name the backend asked for,
    # and the same words in that voice are the same sound, in the English voice a different one.
    listed = subprocess.run(["espeak-ng", f"--voices={voice_for('de')}"], capture_output=True, text=True,
                            check=True).stdout.splitlines()[1:]
    assert any(line.split()[1] == "de" and "German" in line for line in listed), listed
    for voice, same in (("de", True), ("en", False)):
        reference = tmp_path / f"{voice}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-b", "1", "-w", str(reference)], input=sentence.encode(),
                       check=True)
        assert (reference.read_bytes() == (tmp_path / "said.wav").read_bytes()) is same, voice


def test_espeak_in_each_language_the_app_speaks(tmp_path):
    need_programs("espeak-ng")
    for code in ("en", "de", "es", "fr", "it", "pt"):
        activate(code)
        speaker = EspeakSpeaker(shutil.which("espeak-ng"), wav=tmp_path / f"{code}.wav")
        speaker.say(spoken_nudge(*choose_nudge(level=2, counter=1, include_exercises=True)), code)
        assert speaker.wait(30)
        seconds, loudness = listen(tmp_path / f"{code}.wav")
        assert seconds > 2.0 and loudness > 300, (code, seconds, loudness)


class SilentServer:
    """A speech server that takes the connection and never answers: spd-say waits for ever on it."""

    def __init__(self, path: Path) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(8)
        self.address = f"unix_socket:{path}"

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def silent_server(tmp_path, monkeypatch):
    need_programs("spd-say")
    server = SilentServer(tmp_path / "speechd.sock")
    monkeypatch.setenv("SPEECHD_ADDRESS", server.address)
    yield server
    server.close()


def test_say_returns_at_once_and_a_server_that_never_answers_is_one_log_line(silent_server, caplog):
    speaker = SpdSpeaker(shutil.which("spd-say"))
    speaker.time_limit_s = 2.0
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        speaker.say("Eine sanfte Erinnerung.", "de")
        returned_after = time.monotonic() - started
        assert speaker.speaking(), "spd-say should still be waiting for the server"
        assert speaker.wait(30)
    assert returned_after < 1.0, f"say() took {returned_after:.2f} s"
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(failures) == 1 and "no answer within 2 s" in failures[0].getMessage(), failures
    assert "\n" not in failures[0].getMessage() and failures[0].exc_info is None


def test_a_new_sentence_replaces_one_still_being_said_and_close_stops_it(silent_server, caplog):
    speaker = SpdSpeaker(shutil.which("spd-say"))
    with caplog.at_level(logging.WARNING):
        speaker.say("The first reminder, never finished.", "en")
        first = speaker._current
        speaker.say("The second reminder.", "en")
        second = speaker._current
        assert first is not second and first.wait(10) < 0, "the first sentence's program was not ended"
        assert speaker.speaking()
        speaker.close()
        assert second.wait(10) < 0 and not speaker.speaking()
        speaker.say("After close: nothing.", "en")
        assert speaker._current is None
        assert speaker.wait(10)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []  # ended on purpose


def test_a_program_that_is_gone_is_one_log_line_and_say_never_raises(tmp_path, caplog):
    speaker = EspeakSpeaker(str(tmp_path / "no-such-espeak"))
    with caplog.at_level(logging.WARNING):
        speaker.say("Hello", "en")
        speaker.say("Hello again", "en")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2 and all("no-such-espeak" in line for line in lines), lines


def test_espeak_that_fails_says_why_in_one_line(tmp_path, caplog):
    need_programs("espeak-ng")
    speaker = EspeakSpeaker(shutil.which("espeak-ng"), wav=tmp_path / "x.wav")
    with caplog.at_level(logging.WARNING):
        speaker.say("Hallo", "xx-no-such-voice")
        assert speaker.wait(30)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "voice does not exist" in lines[0], lines


def test_espeak_without_a_sound_device_is_one_log_line(tmp_path, monkeypatch, caplog):
    """espeak-ng ends with status 0 when it cannot play, and only writes "error: ...": still one line.
    No sound here on any machine: no PulseAudio server, and ALSA's default device is a card that is not there."""
    need_programs("espeak-ng")
    (tmp_path / ".asoundrc").write_text('pcm.!default { type hw; card 99 }\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-pulse'}")
    speaker = EspeakSpeaker(shutil.which("espeak-ng"))
    with caplog.at_level(logging.WARNING):
        speaker.say("Eine sanfte Erinnerung.", "de")
        assert speaker.wait(30)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].startswith(f"{speaker.program} could not play the reminder: error"), lines


# ----------------------------------------------------------------------------- choosing

def test_the_order_by_platform_and_the_override():
    assert backend_order("linux", "") == ("spd", "espeak")
    assert backend_order("win32", "") == ("sapi",)
    assert backend_order("linux", "ESPEAK") == ("espeak",)
    assert backend_order("win32", "none") == ("none",)
    with pytest.raises(ValueError, match="FHP_MONITOR_SPEECH must be one of spd, espeak, sapi, none"):
        backend_order("linux", "festival")


def test_this_machine_gets_speech_dispatcher_first_and_the_override_forces_espeak(monkeypatch):
    need_programs("spd-say", "espeak-ng")
    monkeypatch.delenv("FHP_MONITOR_SPEECH", raising=False)
    assert speaker_for("linux").backend == "spd"
    monkeypatch.setenv("FHP_MONITOR_SPEECH", "espeak")
    chosen = speaker_for("linux")
    assert chosen.backend == "espeak" and chosen.program == shutil.which("espeak-ng")
    monkeypatch.setenv("FHP_MONITOR_SPEECH", "none")
    assert speaker_for("linux").backend == "none"


def test_without_speech_dispatcher_espeak_and_without_either_one_plain_line(monkeypatch, caplog):
    monkeypatch.delenv("FHP_MONITOR_SPEECH", raising=False)
    only_espeak = {"espeak-ng": "/usr/bin/espeak-ng"}
    assert speaker_for("linux", which=only_espeak.get).backend == "espeak"
    monkeypatch.setenv("FHP_MONITOR_SPEECH", "spd")  # forced, and not installed: silent, not espeak
    nothing = speaker_for("linux", which=lambda name: None)
    assert isinstance(nothing, Silent) and "install speech-dispatcher" in nothing.why
    monkeypatch.setenv("FHP_MONITOR_SPEECH", "festival")
    with caplog.at_level(logging.WARNING):
        silent = speaker_for("linux", which=lambda name: None)
        silent.say("A gentle posture check.", "en")
        silent.say("A friendly reminder.", "en")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2, lines  # the bad override once, and "not said aloud" once, not per reminder
    assert "FHP_MONITOR_SPEECH must be one of" in lines[0]
    assert lines[1] == "Reminders are not said aloud: no speech program found (install speech-dispatcher or espeak-ng)."
