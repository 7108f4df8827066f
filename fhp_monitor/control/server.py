"""Control a running fhp-monitor from outside: the server in the running app.

``fhp-monitor pause/resume/quit/status``, a second ``fhp-monitor`` and ``calibrate`` reach the
running instance through it (their side is control/client.py).

The channel only this user can use is one transport per system (control/channel.py): a private Unix
socket checked by uid (control/unix_socket.py) or, on Windows, a named pipe with a per-run key in
the user's own folder proven both ways (control/windows_pipe.py). Over either:

* One JSON line per request and per reply, at most 4 KB, a 2 s read timeout. Anything malformed
  (too long, not JSON, unknown command) is logged and the connection closed without an answer;
  the server keeps serving.
* Whether an instance runs is decided by the SingleInstance lock, never by the channel: a socket
  or key left behind by a killed instance is replaced by the next one, which holds the lock.

Thread contract
---------------
* ``ControlServer.start``/``stop`` are called by the composition root on the main thread.
* The ``fhp-control`` thread accepts connections one at a time and parses them. It never touches
  Tk or the worker: commands go to the app through ``post`` (any thread; the app handles them on its
  main thread), and it reads status through ``describe`` (any thread, must not block).
* ``changed()`` may be called from any thread (the worker calls it with each new snapshot); it
  wakes a request waiting for its command to show in the status (bounded wait).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime

from fhp_monitor.control import transport
from fhp_monitor.control.channel import ControlError, Link, Listening
from fhp_monitor.core.commands import PAUSE_TOMORROW, Command, Verb, pause_for
from fhp_monitor.home.folder import Home

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 4096
READ_TIMEOUT_S = 2.0
CONFIRM_TIMEOUT_S = 5.0  # a command shows in the status within a second; this bounds a camera slow to open
MAX_PAUSE_S = 24 * 3600
#: The channel's verbs: "status" is answered here; each other one is a vocabulary verb whose command
#: the app is posted (core/commands.py; see command_for).
POSTED_VERBS = (Verb.PAUSE, Verb.RESUME, Verb.QUIT, Verb.PANEL, Verb.RELOAD)
COMMANDS = ("status", *(verb.value for verb in POSTED_VERBS))
STATES = ("starting", "upright", "forward", "away", "uncertain", "paused", "camera_unavailable", "ended")


# --------------------------------------------------------------------------- pure helpers


def iso(epoch_s: float | None) -> str | None:
    """Local time with its offset, e.g. '2026-11-20T14:30:00+01:00'; None stays None."""
    return None if epoch_s is None else datetime.fromtimestamp(epoch_s).astimezone().isoformat(timespec="seconds")


def command_for(request: dict) -> Command:
    """The command a valid request (not "status") posts: ``{"cmd": "pause", "seconds": 90}`` is a
    pause for 90 s, ``{"cmd": "pause", "until": "tomorrow"}`` one until midnight, the others their verb."""
    verb = Verb(request["cmd"])
    if verb is Verb.PAUSE:
        return PAUSE_TOMORROW if request.get("until") == "tomorrow" else pause_for(request["seconds"])
    return Command(verb)


def instance_status(snapshot, started: bool) -> dict:
    """The ``state``/``paused_until``/``pause_reason`` keys for a running instance.

    ``snapshot`` is the last StatusSnapshot (None before the first); ``started`` says whether the
    worker has looked at least once (an instance that has not is "starting").
    """
    if snapshot is None:
        return {"state": "starting" if not started else "uncertain", "paused_until": None, "pause_reason": None}
    state = getattr(snapshot.state, "value", snapshot.state)
    paused = state == "paused"
    if snapshot.source_ended and not paused:
        state = "ended"  # a recording that has ended: no more looks, commands still act
    return {"state": state, "paused_until": iso(snapshot.paused_until) if paused else None,
            "pause_reason": snapshot.pause_reason if paused else None}


# --------------------------------------------------------------------------- server


class ControlServer:
    """Serves control requests for one running app (see the module docstring for threads)."""

    def __init__(self, home: Home, post: Callable[[Command], None], describe: Callable[[], dict]) -> None:
        self.home, self.post, self.describe = home, post, describe
        self.where: str | None = None
        self._listening: Listening | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._changed = threading.Condition()
        self._generation = 0

    # ------------------------------------------------------------------ lifecycle (main thread)
    def start(self) -> bool:
        """Listen and start serving. Returns False (and logs why) where control is not possible."""
        channel = transport()
        if not channel.available():
            log.warning("control from outside (fhp-monitor pause/resume/quit) is not available on this system")
            return False
        try:
            listening = channel.listen(self.home)
        except (OSError, ControlError) as exc:
            log.warning("control from outside is unavailable: %s", exc)
            return False
        self._listening, self.where = listening, listening.where
        self._thread = threading.Thread(target=self._serve, name="fhp-control", daemon=True)
        self._thread.start()
        log.info("listening for commands on %s", listening.where)
        return True

    def stop(self) -> None:
        """Stop serving and remove what the channel left (only if it is still ours). Safe to call twice."""
        listening, self._listening = self._listening, None
        if listening is None:
            return
        self._stopping.set()
        listening.close()
        if self._thread is not None:
            self._thread.join(READ_TIMEOUT_S + 1.0)
        listening.remove()

    # ------------------------------------------------------------------ any thread
    def changed(self) -> None:
        """The app's status changed (any thread): wake requests waiting for their command to show."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    # ------------------------------------------------------------------ fhp-control thread
    def _serve(self) -> None:
        while not self._stopping.is_set():
            listening = self._listening
            if listening is None:
                return
            try:
                link = listening.accept()  # None: a peer the channel refused (logged there)
            except OSError:
                if self._stopping.is_set():
                    return
                log.exception("control channel failed; commands from outside stop working")
                return
            if link is None:
                continue
            try:
                self._answer(link)
            except OSError as exc:
                log.info("control client went away: %s", exc)
            except Exception:  # one bad request must never end the server
                log.exception("control request failed")
            finally:
                link.close()

    def _answer(self, link: Link) -> None:
        try:
            line = link.read_line(MAX_REQUEST_BYTES, READ_TIMEOUT_S)
        except TimeoutError:
            log.warning("ignored a control request that did not arrive within %.0f s", READ_TIMEOUT_S)
            return
        request = self._parse(line)
        if request is None:
            return
        reply = self._dispatch(request)
        link.send_line(json.dumps(reply).encode("utf-8"))

    @staticmethod
    def _parse(line: bytes | None) -> dict | None:
        if line is None:
            log.warning("ignored a control request longer than %d bytes or without an end", MAX_REQUEST_BYTES)
            return None
        try:
            request = json.loads(line.decode("utf-8"))
        except ValueError:
            log.warning("ignored a control request that is not JSON: %r", line[:80])
            return None
        if not isinstance(request, dict) or request.get("cmd") not in COMMANDS:
            log.warning("ignored an unknown control request: %r", line[:80])
            return None
        if request["cmd"] == "pause":
            length = request.get("seconds")
            if not (request.get("until") == "tomorrow" or
                    (type(length) is int and 1 <= length <= MAX_PAUSE_S)):
                log.warning("ignored a pause request without a valid length: %r", line[:80])
                return None
        return request

    def _dispatch(self, request: dict) -> dict:
        command = request["cmd"]
        if command == "status":
            return {"ok": True, "status": self.describe()}
        log.info("control request: %s", command)
        posted = command_for(request)
        if command == "pause":
            done = self._post_and_confirm(posted, lambda s: s["state"] == "paused")
        elif command == "resume":
            done = self._post_and_confirm(
                posted, lambda s: s["state"] != "paused" or s["pause_reason"] in ("screen_locked", "suspended"))
        else:  # quit, panel, reload: acted on by the main thread; nothing to wait for here
            self.post(posted)
            done = True
        return {"ok": True, "done": done, "status": self.describe(), "pid": os.getpid()}

    def _post_and_confirm(self, command: Command, shows: Callable[[dict], bool]) -> bool:
        with self._changed:
            seen = self._generation
        self.post(command)
        with self._changed:
            return self._changed.wait_for(lambda: self._generation > seen and shows(self.describe()),
                                          CONFIRM_TIMEOUT_S)
