"""Speech through speech-dispatcher (``spd-say``): the Linux desktop's own speech service, with the
voice, speed and loudness the user chose for it (and the one screen readers such as Orca use).

Each sentence goes at SSIP priority "notification": it never talks over a screen reader (speech of
a higher priority cancels it), and a new one replaces one still being spoken (that priority
interrupts itself; ``ssip.info``, "Priority Categories"). ``spd-say`` hands the sentence to the
server and ends without waiting for the speech; a server that cannot be reached makes it fail, and
that is one log line, and so is a server that does not answer within ``time_limit_s``. ``close`` stops
nothing at the server (its STOP and CANCEL reach every client's speech, a screen reader's too): a
sentence already handed over ends by itself, a few seconds later.

Thread contract: that of :class:`fhp_monitor.core.ports.Speaker` (see runner.ProcessSpeaker).
"""

from __future__ import annotations

from fhp_monitor.desktop.speech.runner import ProcessSpeaker

PROGRAM = "spd-say"
APPLICATION = "fhp-monitor"


class SpdSpeaker(ProcessSpeaker):
    backend = "spd"
    time_limit_s = 15.0  # spd-say only hands the sentence over

    def command(self, text: str, language: str) -> tuple[list[str], str | None]:
        return [self.program, "-N", APPLICATION, "-P", "notification", "-l", language or "en", "--", text], None
