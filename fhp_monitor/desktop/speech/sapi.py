"""Speech through Windows' own voices (SAPI 5, the SpVoice COM object), called with ctypes alone.

One thread, ``fhp-speech``, owns the voice: it is made there on the first sentence (COM initialised
for that thread), and every sentence is handed to it through a queue, so ``say`` never blocks.
``ISpVoice::Speak`` is called with SPF_ASYNC (returns at once, the voice speaks on its own) and
SPF_PURGEBEFORESPEAK (a sentence still being spoken is dropped for the new one). The language is
asked for with SAPI's XML: ``<voice required="Language=407">`` picks a German voice when one is
installed; without one the current (default) voice says it. A machine without SAPI or without any
voice (Wine, a stripped Windows) gives one log line, and fhp-monitor goes on without speech.

Thread contract: that of :class:`fhp_monitor.core.ports.Speaker`.
"""

from __future__ import annotations

import ctypes
import logging
import queue
import threading
import uuid
from xml.sax.saxutils import escape

log = logging.getLogger(__name__)

CLSID_SPVOICE = uuid.UUID("96749377-3391-11d2-9ee3-00c04f797396")
IID_ISPVOICE = uuid.UUID("6c44df74-72b9-4992-a1ec-ef996e0422d4")
CLSCTX_ALL = 0x17
COINIT_MULTITHREADED = 0x0
SPF_ASYNC, SPF_PURGEBEFORESPEAK, SPF_IS_XML = 0x1, 0x2, 0x8
RELEASE, SPEAK = 2, 20  # vtable slots: IUnknown (3), ISpNotifySource (7), ISpEventSource (3), then ISpVoice

#: Windows language ids (hex, as SAPI voices list them) for each language, the one to prefer last.
LANGUAGE_IDS = {"en": ("809", "409"), "de": ("407",), "es": ("80A", "40A", "C0A"), "fr": ("C0C", "40C"),
                "it": ("410",), "pt": ("416", "816")}


def spoken_xml(text: str, language: str) -> str:
    """The sentence in SAPI XML asking for a voice of ``language`` (nested: the innermost match wins,
    a voice tag that matches nothing changes nothing)."""
    ids = LANGUAGE_IDS.get(language, ())
    # not translated: SAPI XML
    return "".join(f'<voice required="Language={lcid}">' for lcid in ids) + escape(text) + "</voice>" * len(ids)


class _GUID(ctypes.Structure):
    _fields_ = [("bytes", ctypes.c_ubyte * 16)]

    @classmethod
    def of(cls, value: uuid.UUID) -> _GUID:
        guid = cls()
        ctypes.memmove(guid.bytes, value.bytes_le, 16)
        return guid


class SapiSpeaker:
    backend = "sapi"

    def __init__(self) -> None:
        self._sentences: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.failed: str | None = None  # why SAPI cannot speak here, once known

    def say(self, text: str, language: str) -> None:
        with self._lock:
            if self._closed or self.failed is not None:
                return
            self._sentences.put((text, language))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fhp-speech", daemon=True)
                try:
                    self._thread.start()
                except RuntimeError as exc:  # no thread to be had
                    self.failed = str(exc)
                    log.warning("Reminders cannot be said aloud: %s", exc)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._sentences.put(None)
            thread.join(2.0)

    def _run(self) -> None:
        """The speech thread: make the voice, then speak each sentence handed over until None."""
        ole32 = ctypes.windll.ole32  # type: ignore[attr-defined]  # Windows only, as this module
        initialised = ole32.CoInitializeEx(None, COINIT_MULTITHREADED) >= 0
        voice = ctypes.c_void_p()
        hr = ole32.CoCreateInstance(ctypes.byref(_GUID.of(CLSID_SPVOICE)), None, CLSCTX_ALL,
                                    ctypes.byref(_GUID.of(IID_ISPVOICE)), ctypes.byref(voice))
        if hr < 0 or not voice:
            self._give_up(f"Windows has no speech service here (SpVoice: error 0x{hr & 0xFFFFFFFF:08X})")
        try:
            while (sentence := self._sentences.get()) is not None:
                if self.failed is None:
                    self._speak(voice, spoken_xml(*sentence), SPF_ASYNC | SPF_PURGEBEFORESPEAK | SPF_IS_XML)
            if self.failed is None:
                self._speak(voice, None, SPF_PURGEBEFORESPEAK)  # quiet at once when fhp-monitor ends
        finally:
            if voice:
                _method(voice, RELEASE, ctypes.c_ulong)(voice)
            if initialised:
                ole32.CoUninitialize()

    def _speak(self, voice: ctypes.c_void_p, xml: str | None, flags: int) -> None:
        speak = _method(voice, SPEAK, ctypes.c_long, ctypes.c_wchar_p, ctypes.c_ulong, ctypes.c_void_p)
        hr = speak(voice, xml, flags, None)
        if hr < 0:
            self._give_up(f"Windows could not say it (ISpVoice::Speak: error 0x{hr & 0xFFFFFFFF:08X}; "
                          "is a voice installed?)")

    def _give_up(self, why: str) -> None:
        with self._lock:
            self.failed = why
        log.warning("Reminders cannot be said aloud: %s", why)


def _method(pointer: ctypes.c_void_p, slot: int, result, *arguments):
    """The COM method in ``slot`` of the object's vtable, as a callable taking the object first."""
    vtable = ctypes.cast(pointer, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
    prototype = ctypes.WINFUNCTYPE(result, ctypes.c_void_p, *arguments)  # type: ignore[attr-defined]
    return prototype(vtable[slot])
