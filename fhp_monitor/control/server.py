"""Control a running fhp-monitor from outside: the channel and the server in the running app.

``fhp-monitor pause/resume/quit/status``, a second ``fhp-monitor`` and ``calibrate`` reach the
running instance through it (their side is desktop/control_client.py).

The channel is a Unix socket only this user can reach:

* It lives in the home folder (0700) as ``control.sock``, bound under a 0077 umask and set to 0600.
  AF_UNIX paths are limited to ~107 bytes; when the home's path is too long the socket goes in a
  private 0700 folder ``fhp-monitor-<uid>-<hash of the home>`` under ``$XDG_RUNTIME_DIR`` (else the
  temp folder), and the home keeps a pointer to it (``control.where``).
* Both ends check who is on the other side: the server answers only peers with our uid
  (SO_PEERCRED on Linux, LOCAL_PEERCRED on macOS/BSD) and the client talks only to a socket owned
  by our uid whose server runs as our uid.
* One JSON line per request and per reply, at most 4 KB, a 2 s read timeout. Anything malformed
  (too long, not JSON, unknown command) is logged and the connection closed without an answer;
  the server keeps serving.
* Whether an instance runs is decided by the SingleInstance lock, never by the socket file: a
  socket left behind by a killed instance is removed by the next one, which holds the lock.
* Windows has no AF_UNIX for Python's ``socket`` in all versions; the equivalent would be a named
  pipe ``\\\\.\\pipe\\fhp-monitor-<user SID>-<hash>`` whose DACL grants only the user's SID. Until
  that exists the server logs that control from outside is unavailable and the client says so in
  one line.

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

import hashlib
import json
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fhp_monitor.core.commands import PAUSE_TOMORROW, Command, Verb, pause_for
from fhp_monitor.errors import UserError
from fhp_monitor.home.folder import Home

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
POINTER_NAME = "control.where"
MAX_REQUEST_BYTES = 4096
READ_TIMEOUT_S = 2.0
CONFIRM_TIMEOUT_S = 5.0  # a command shows in the status within a second; this bounds a camera slow to open
MAX_SUN_PATH = 100  # bytes; Linux allows 107 (108 with the NUL), macOS 103
MAX_PAUSE_S = 24 * 3600
#: The channel's verbs: "status" is answered here; each other one is a vocabulary verb whose command
#: the app is posted (core/commands.py; see command_for).
POSTED_VERBS = (Verb.PAUSE, Verb.RESUME, Verb.QUIT, Verb.PANEL, Verb.RELOAD)
COMMANDS = ("status", *(verb.value for verb in POSTED_VERBS))
STATES = ("starting", "upright", "forward", "away", "uncertain", "paused", "camera_unavailable", "ended")


class ControlError(UserError):
    """The running instance cannot be reached or trusted; the message says why (one line)."""


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


# --------------------------------------------------------------------------- where the socket is


def private_dir_ok(path: Path) -> bool:
    """A real folder (not a link) owned by us that no one else may enter."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _short_dir(home: Home) -> Path:
    digest = hashlib.sha256(os.fsencode(home.root)).hexdigest()[:16]
    name = f"fhp-monitor-{os.getuid()}-{digest}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    for base in (runtime, tempfile.gettempdir(), "/tmp"):
        if base and Path(base).is_dir() and len(os.fsencode(Path(base) / name / SOCKET_NAME)) <= MAX_SUN_PATH:
            if base == runtime and not private_dir_ok(Path(base)):
                continue
            return Path(base) / name
    raise ControlError("fhp-monitor found no short private folder for its control socket "
                       "(set XDG_RUNTIME_DIR or choose a shorter --home).")


def socket_path_for_server(home: Home) -> Path:
    """Where the server binds: in the home when the path fits, else a private short folder (made 0700)."""
    direct = home.root / SOCKET_NAME
    if len(os.fsencode(direct)) <= MAX_SUN_PATH:
        return direct
    folder = _short_dir(home)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    if not private_dir_ok(folder):
        raise ControlError(f"{folder} is not a private folder of yours, so fhp-monitor will not put its "
                           "control socket there. Remove it, or choose a shorter --home.")
    return folder / SOCKET_NAME


# --------------------------------------------------------------------------- peers


def unix_sockets_available() -> bool:
    """False on Windows (see the module docstring for the named-pipe equivalent)."""
    return os.name != "nt" and hasattr(socket, "AF_UNIX")


def peer_uid_pid(conn: socket.socket) -> tuple[int, int | None]:
    """The uid (and pid where known) of the process on the other end of a Unix socket."""
    if hasattr(socket, "SO_PEERCRED"):  # Linux: struct ucred {pid, uid, gid}
        pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                             struct.calcsize("3i")))
        return uid, pid
    if sys.platform == "darwin" or "bsd" in sys.platform:  # struct xucred {u_int version; uid_t uid; ...}
        sol_local, local_peercred = 0, 1
        raw = conn.getsockopt(sol_local, local_peercred, 76)
        _version, uid = struct.unpack_from("Ii", raw)
        return uid, None
    raise OSError("this system cannot tell who is on the other end of a socket")


def read_line(conn: socket.socket, limit: int) -> bytes | None:
    """One line (without the newline), or None when it is longer than ``limit`` or never ends."""
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(limit + 1 - len(data))
        if not chunk:
            return None
        data += chunk
        if len(data) > limit and b"\n" not in data[:limit]:
            return None
    line = data.split(b"\n", 1)[0]
    return line if len(line) < limit else None


# --------------------------------------------------------------------------- server


class ControlServer:
    """Serves control requests for one running app (see the module docstring for threads)."""

    def __init__(self, home: Home, post: Callable[[Command], None], describe: Callable[[], dict]) -> None:
        self.home, self.post, self.describe = home, post, describe
        self.path: Path | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._inode: int | None = None
        self._changed = threading.Condition()
        self._generation = 0

    # ------------------------------------------------------------------ lifecycle (main thread)
    def start(self) -> bool:
        """Bind and start serving. Returns False (and logs why) where control is not possible."""
        if not unix_sockets_available():
            log.warning("control from outside (fhp-monitor pause/resume/quit) is not available on this system yet")
            return False
        try:
            path = socket_path_for_server(self.home)
            # We hold the instance lock, so whatever sits at the path is left from an instance that died.
            try:
                os.unlink(path)
                log.info("removed a control socket left behind at %s", path)
            except FileNotFoundError:
                pass
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            previous = os.umask(0o077)
            try:
                sock.bind(os.fsdecode(path))
            finally:
                os.umask(previous)
            os.chmod(path, 0o600)
            sock.listen(8)
            self._inode = os.lstat(path).st_ino
            if path.parent != self.home.root:
                self._write_pointer(path)
        except (OSError, ControlError) as exc:
            log.warning("control from outside is unavailable: %s", exc)
            return False
        self.path, self._sock = path, sock
        self._thread = threading.Thread(target=self._serve, name="fhp-control", daemon=True)
        self._thread.start()
        log.info("listening for commands on %s", path)
        return True

    def _write_pointer(self, path: Path) -> None:
        pointer = self.home.root / POINTER_NAME
        temporary = pointer.with_name(POINTER_NAME + ".tmp")
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(os.fsdecode(path) + "\n")
        os.replace(temporary, pointer)

    def stop(self) -> None:
        """Stop serving and remove the socket (only if it is still ours). Safe to call twice."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._stopping.set()
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        except OSError as exc:  # other systems: close() below wakes accept()
            log.debug("shutdown of the control socket: %s", exc)
        sock.close()
        if self._thread is not None:
            self._thread.join(READ_TIMEOUT_S + 1.0)
        path = self.path
        if path is not None:
            try:
                if os.lstat(path).st_ino == self._inode:
                    os.unlink(path)
            except FileNotFoundError:
                pass
            if path.parent != self.home.root:
                (self.home.root / POINTER_NAME).unlink(missing_ok=True)
                try:
                    path.parent.rmdir()
                except OSError as exc:
                    log.info("kept %s: %s", path.parent, exc)

    # ------------------------------------------------------------------ any thread
    def changed(self) -> None:
        """The app's status changed (any thread): wake requests waiting for their command to show."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    # ------------------------------------------------------------------ fhp-control thread
    def _serve(self) -> None:
        while not self._stopping.is_set():
            sock = self._sock
            if sock is None:
                return
            try:
                conn, _ = sock.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                log.exception("control socket failed; commands from outside stop working")
                return
            with conn:
                try:
                    self._answer(conn)
                except OSError as exc:
                    log.info("control client went away: %s", exc)
                except Exception:  # one bad request must never end the server
                    log.exception("control request failed")

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(READ_TIMEOUT_S)
        uid, pid = peer_uid_pid(conn)
        if uid != os.getuid():
            log.warning("refused a control connection from another user (uid %s, pid %s)", uid, pid)
            return
        try:
            line = read_line(conn, MAX_REQUEST_BYTES)
        except TimeoutError:
            log.warning("ignored a control request that did not arrive within %.0f s", READ_TIMEOUT_S)
            return
        request = self._parse(line)
        if request is None:
            return
        reply = self._dispatch(request)
        conn.sendall(json.dumps(reply).encode("utf-8") + b"\n")

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
