"""Speech through espeak-ng (or the older espeak) run once per sentence: Linux without speech-dispatcher.

``espeak-ng -v <language> -b 1`` reads the sentence (UTF-8) from its standard input, so no text is
ever read as an option; espeak-ng has a voice for every language fhp-monitor speaks (de, en, es, fr,
it, pt). ``wav`` makes it write the sound to that file instead of the loudspeaker (``-w``): the tests
listen to the file.

Thread contract: that of :class:`fhp_monitor.core.ports.Speaker` (see runner.ProcessSpeaker).
"""

from __future__ import annotations

from pathlib import Path

from fhp_monitor.desktop.speech.runner import ProcessSpeaker

PROGRAMS = ("espeak-ng", "espeak")


class EspeakSpeaker(ProcessSpeaker):
    backend = "espeak"

    def __init__(self, program: str, wav: Path | None = None) -> None:
        super().__init__(program)
        self.wav = wav

    def command(self, text: str, language: str) -> tuple[list[str], str | None]:
        argv = [self.program, "-v", voice_for(language), "-b", "1"]
        if self.wav is not None:
            argv += ["-w", str(self.wav)]
        return argv, text


def voice_for(language: str) -> str:
    """espeak-ng's voice for a language code: the code itself ("de"); English is "en"."""
    code = (language or "en").strip().lower().replace("_", "-")
    return code if code.replace("-", "").isalpha() else "en"
