"""Windows' own voices (desktop/speech/sapi.py). The XML that asks for a voice of the language is
checked everywhere; the real SAPI calls run in the Windows lane, inside the Windows Python under Wine
(skipped elsewhere). Wine 8 makes the voice but its ISpVoice::Speak is a stub (E_NOTIMPL): there the
speaker must say so in one log line and go on; on a Windows with a voice it speaks and logs nothing."""

from __future__ import annotations

import logging
import sys
import time

import pytest

from fhp_monitor.desktop.speech import speaker_for
from fhp_monitor.desktop.speech.sapi import spoken_xml

on_windows = pytest.mark.skipif(sys.platform != "win32", reason="real SAPI calls: the Windows lane (under Wine)")


def test_sapi_is_asked_for_a_voice_of_the_language_in_xml():
    german = spoken_xml("Sit tall & <breathe>", "de")
    assert german == '<voice required="Language=407">Sit tall &amp; &lt;breathe&gt;</voice>'
    nested = spoken_xml("Olá", "pt")  # a Portuguese voice from Portugal if there is one, else from Brazil
    assert nested == '<voice required="Language=416"><voice required="Language=816">Olá</voice></voice>'
    assert spoken_xml("Hi", "xx") == "Hi"


@on_windows
def test_sapi_speaks_or_says_in_one_line_why_not_and_never_holds_the_caller(monkeypatch, caplog):
    monkeypatch.delenv("FHP_MONITOR_SPEECH", raising=False)
    speaker = speaker_for()
    assert speaker.backend == "sapi"
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        speaker.say("Eine sanfte Erinnerung.", "de")
        speaker.say("A friendly reminder.", "en")  # replaces the first (SPF_PURGEBEFORESPEAK)
        returned_after = time.monotonic() - started
        speaker.close()  # the voice's thread takes both sentences, then ends: known by now
    assert returned_after < 0.5, f"say() took {returned_after:.2f} s"
    assert speaker._thread is not None and not speaker._thread.is_alive()
    lines = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    if speaker.failed is None:
        assert lines == []
    else:
        assert lines == [f"Reminders cannot be said aloud: {speaker.failed}"]
    speaker.say("After close: nothing.", "en")  # and no error
