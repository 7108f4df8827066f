"""A speaker that runs one speech program per sentence (spd-say, espeak-ng): the part both share.

``say`` starts the program and returns at once; a small daemon thread per sentence hands it its text,
waits for it to end and turns a failure into one log line (a non-zero exit status, or an "error: ..."
line: espeak-ng without a sound device ends well and only says that). A new ``say`` ends the program
still speaking the previous sentence first (its end is then no failure). A program still running after
``time_limit_s`` (a speech server that never answers) is ended, and that is one log line too.

Thread contract: that of :class:`fhp_monitor.core.ports.Speaker` (any thread; never blocks, never raises).
"""

from __future__ import annotations

import logging
import subprocess
import threading

log = logging.getLogger(__name__)


class ProcessSpeaker:
    """Base of the program-per-sentence backends: a subclass says how the program is called."""

    backend = "process"
    time_limit_s = 60.0  # far longer than any reminder takes to say

    def __init__(self, program: str) -> None:
        self.program = program
        self._lock = threading.Lock()
        self._current: subprocess.Popen | None = None
        self._stopped: set[int] = set()  # pids this speaker ended itself: their exit is no failure
        self._closed = False
        self._finishers: list[threading.Thread] = []

    def command(self, text: str, language: str) -> tuple[list[str], str | None]:
        """The program's arguments for one sentence, and the text for its standard input (or None)."""
        raise NotImplementedError

    def say(self, text: str, language: str) -> None:
        """Start saying ``text`` (stopping the previous sentence); returns at once, never raises."""
        try:
            argv, stdin_text = self.command(text, language)
            with self._lock:
                if self._closed:
                    return
                self._stop_current()
                process = subprocess.Popen(
                    argv, stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, encoding="utf-8", errors="replace")
                self._current = process
                finisher = threading.Thread(target=self._finish, args=(process, stdin_text),
                                            name="fhp-speech", daemon=True)
                self._finishers = [t for t in self._finishers if t.is_alive()] + [finisher]
            finisher.start()
        except (OSError, ValueError, RuntimeError) as exc:  # no such program, no permission, no thread
            log.warning("could not say the reminder aloud with %s: %s", self.program, exc)

    def _finish(self, process: subprocess.Popen, stdin_text: str | None) -> None:
        """Its own thread: hand the text over, wait for the end, say a failure in one line."""
        try:
            _, err = process.communicate(stdin_text, timeout=self.time_limit_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            err = f"no answer within {self.time_limit_s:g} s"  # not translated: for the log
        except OSError as exc:
            log.warning("%s stopped while saying the reminder: %s", self.program, exc)
            return
        with self._lock:
            if self._current is process:
                self._current = None
            stopped = process.pid in self._stopped
            self._stopped.discard(process.pid)
        if stopped:
            return
        lines = [line.strip() for line in (err or "").splitlines() if line.strip()]
        errors = [line for line in lines if line.lower().startswith("error")]
        if process.returncode != 0:
            why = (errors or lines or ["no message"])[0]  # not translated: for the log
            log.warning("%s could not say the reminder (exit status %s): %s", self.program, process.returncode, why)
        elif errors:  # espeak-ng without a sound device ends well and only writes "error: ..."
            log.warning("%s could not play the reminder: %s", self.program, errors[-1])

    def _stop_current(self) -> None:
        """With the lock held: end the program still speaking, without waiting for it."""
        process = self._current
        if process is not None and process.poll() is None:
            self._stopped.add(process.pid)
            try:
                process.terminate()
            except OSError as exc:  # it ended meanwhile
                log.debug("%s had already ended: %s", self.program, exc)
        self._current = None

    def speaking(self) -> bool:
        """True while the program of the last sentence still runs."""
        with self._lock:
            return self._current is not None and self._current.poll() is None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every sentence started so far has ended (tests, shutdown); True when they have."""
        with self._lock:
            finishers = list(self._finishers)
        for finisher in finishers:
            finisher.join(timeout)
        return not any(finisher.is_alive() for finisher in finishers)

    def close(self) -> None:
        """Stop speaking; later sentences are not said. Idempotent."""
        with self._lock:
            self._closed = True
            self._stop_current()
