"""Spoken reminders (the ``nudges.speak`` setting, off by default): which speech engine this machine gets.

Backends (each in its own module):

* ``spd`` — :mod:`fhp_monitor.desktop.speech.spd`: speech-dispatcher through ``spd-say``, the Linux
  desktop's speech service (the user's own voice settings; it gives way to a screen reader).
* ``espeak`` — :mod:`fhp_monitor.desktop.speech.espeak`: ``espeak-ng`` run for each sentence.
* ``sapi`` — :mod:`fhp_monitor.desktop.speech.sapi`: Windows' own voices (SAPI 5, through ctypes).
* ``none`` — say nothing (:class:`Silent`).

:func:`speaker_for` takes the first one this machine has, in that order (Windows: ``sapi``);
``FHP_MONITOR_SPEECH=spd|espeak|sapi|none`` forces one. Without any, reminders are shown and not
said, and the first one that would have been said logs one line saying why. Finding a program is
all :func:`speaker_for` does: nothing is started before the first sentence.
Every backend follows the :class:`~fhp_monitor.core.ports.Speaker` thread contract.
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable

from fhp_monitor.core.ports import Speaker
from fhp_monitor.desktop.backends import forced_backend, forced_or_offered

log = logging.getLogger(__name__)

BACKENDS = ("spd", "espeak", "sapi", "none")
SPEECH_ENV = "FHP_MONITOR_SPEECH"


def backend_order(platform: str | None = None, override: str | None = None) -> tuple[str, ...]:
    """Backends to try, best first; ``override`` (FHP_MONITOR_SPEECH) forces one; raises ValueError."""
    platform = platform if platform is not None else sys.platform
    forced = forced_backend(SPEECH_ENV, BACKENDS, override)
    if forced is not None:
        return (forced,)
    if platform == "win32":
        return ("sapi",)
    return ("spd", "espeak")


def speaker_for(platform: str | None = None, which: Callable[[str], str | None] = shutil.which) -> Speaker:
    """The best speaker here, or a :class:`Silent` one that says why there is none."""
    forced = forced_or_offered(SPEECH_ENV, BACKENDS)  # a wrong value: one warning, then by what is here
    order = (forced,) if forced else backend_order(platform, override="")
    for backend in order:
        if backend == "none":
            return Silent(f"{SPEECH_ENV}=none")
        if backend == "sapi":
            from fhp_monitor.desktop.speech.sapi import SapiSpeaker

            return SapiSpeaker()
        if backend == "spd" and (program := which("spd-say")):
            from fhp_monitor.desktop.speech.spd import SpdSpeaker

            return SpdSpeaker(program)
        if backend == "espeak":
            from fhp_monitor.desktop.speech.espeak import PROGRAMS, EspeakSpeaker

            program = next((found for name in PROGRAMS if (found := which(name))), None)
            if program:
                return EspeakSpeaker(program)
    # not translated: program names for the log line of Silent
    wanted = {("spd",): "speech-dispatcher", ("espeak",): "espeak-ng"}.get(order, "speech-dispatcher or espeak-ng")
    return Silent(f"no speech program found (install {wanted})")


class Silent:
    """Says nothing; the first sentence it is given logs one line with ``why``."""

    backend = "none"

    def __init__(self, why: str) -> None:
        self.why = why
        self._told = False

    def say(self, text: str, language: str) -> None:
        if not self._told:
            self._told = True
            log.warning("Reminders are not said aloud: %s.", self.why)

    def close(self) -> None:
        """Nothing to stop."""


class RecordingSpeaker:
    """A speaker for tests of what is said: remembers every (text, language) instead of saying it."""

    backend = "recording"

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []
        self.closed = False

    def say(self, text: str, language: str) -> None:
        if not self.closed:
            self.said.append((text, language))

    def close(self) -> None:
        self.closed = True
