"""Control a running fhp-monitor from outside: ``pause``, ``resume``, ``quit``, ``status``, the panel.

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
* The client functions run in the CLI process on its only thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import stat
import struct
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

from fhp_monitor.errors import UserError
from fhp_monitor.home import Home, instance_running

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
POINTER_NAME = "control.where"
MAX_REQUEST_BYTES = 4096
MAX_REPLY_BYTES = 16384
READ_TIMEOUT_S = 2.0
CONFIRM_TIMEOUT_S = 8.0  # a command shows in the status within one look (5 s by default)
CLIENT_TIMEOUT_S = CONFIRM_TIMEOUT_S + 7.0
CONNECT_WAIT_S = 5.0  # an instance that holds the lock but is still loading has no socket yet
QUIT_WAIT_S = 30.0
MAX_SUN_PATH = 100  # bytes; Linux allows 107 (108 with the NUL), macOS 103
MAX_PAUSE_S = 24 * 3600
COMMANDS = ("status", "pause", "resume", "quit", "panel", "reload")
STATES = ("starting", "upright", "forward", "away", "uncertain", "paused", "camera_unavailable")
REASON_WORDS = {
    "user": "paused by you", "snooze": "snoozed", "screen_locked": "paused while the screen is locked",
    "suspended": "paused while the computer sleeps", "idle": "paused while you are away from the keyboard",
    "call": "paused during a video call",
}
STATE_WORDS = {
    "starting": "starting up", "upright": "sitting tall", "forward": "head drifting forward",
    "away": "away from the desk", "uncertain": "looking for you", "paused": "paused",
    "camera_unavailable": "the camera is not available",
}


class NotRunning(Exception):
    """No fhp-monitor runs in this home (exit status 3 for pause/resume/quit)."""


class ControlError(UserError):
    """The running instance cannot be reached or trusted; the message says why (one line)."""


# --------------------------------------------------------------------------- pure helpers


_DURATION = re.compile(r"(\d{1,6})([smh])")


def parse_pause(text: str | None) -> int | str:
    """'15m' -> 900, '1h' -> 3600, '90s' -> 90, 'tomorrow' -> 'tomorrow'; None -> 900.

    Strict: a number and one unit (s, m, h), from 1 s up to 24 h. Raises UserError otherwise.
    """
    if text is None:
        return 15 * 60
    cleaned = text.strip().lower()
    if cleaned == "tomorrow":
        return "tomorrow"
    match = _DURATION.fullmatch(cleaned)
    seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)] if match else 0
    if not 1 <= seconds <= MAX_PAUSE_S:
        raise UserError(f"pause takes a length like 15m, 1h or 90s (at most 24h), or the word tomorrow "
                        f"(got {text!r}).")
    return seconds


def iso(epoch_s: float | None) -> str | None:
    """Local time with its offset, e.g. '2026-11-20T14:30:00+01:00'; None stays None."""
    return None if epoch_s is None else datetime.fromtimestamp(epoch_s).astimezone().isoformat(timespec="seconds")


def instance_status(snapshot, started: bool) -> dict:
    """The ``state``/``paused_until``/``pause_reason`` keys for a running instance.

    ``snapshot`` is the last StatusSnapshot (None before the first); ``started`` says whether the
    worker has looked at least once (an instance that has not is "starting").
    """
    if snapshot is None:
        return {"state": "starting" if not started else "uncertain", "paused_until": None, "pause_reason": None}
    state = getattr(snapshot.state, "value", snapshot.state)
    paused = state == "paused"
    return {"state": state, "paused_until": iso(snapshot.paused_until) if paused else None,
            "pause_reason": snapshot.pause_reason if paused else None}


def not_running_status() -> dict:
    return {"running": False, "state": None, "paused_until": None, "pause_reason": None}


def status_words(status: dict) -> str:
    """'running, sitting tall', 'running, paused by you until 14:30', 'not running', ..."""
    if not status.get("running"):
        return "not running"
    state = status.get("state")
    if state == "paused":
        words = REASON_WORDS.get(status.get("pause_reason") or "", "paused")
        until = status.get("paused_until")
        if until:
            moment = datetime.fromisoformat(until)
            same_day = moment.date() == datetime.now(moment.tzinfo).date()
            words += f" until {moment:%H:%M}" if same_day else f" until {moment:%A %H:%M}"
        return f"running, {words}"
    return f"running, {STATE_WORDS.get(state or '', state or 'unknown')}"


# --------------------------------------------------------------------------- where the socket is


def _private_dir_ok(path: Path) -> bool:
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
            if base == runtime and not _private_dir_ok(Path(base)):
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
    if not _private_dir_ok(folder):
        raise ControlError(f"{folder} is not a private folder of yours, so fhp-monitor will not put its "
                           "control socket there. Remove it, or choose a shorter --home.")
    return folder / SOCKET_NAME


def socket_path_for_client(home: Home) -> Path | None:
    """Where a running instance's socket is (None when its pointer is missing: not listening yet)."""
    direct = home.root / SOCKET_NAME
    if len(os.fsencode(direct)) <= MAX_SUN_PATH:
        return direct
    pointer = home.root / POINTER_NAME
    try:
        info = os.lstat(pointer)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > MAX_REQUEST_BYTES:
            raise ControlError(f"{pointer} is not a small file of yours; remove it and start fhp-monitor again.")
        target = Path(pointer.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        return None
    if target.name != SOCKET_NAME or not _private_dir_ok(target.parent):
        raise ControlError(f"{pointer} points to {target.parent}, which is not a private folder of yours; "
                           "remove it and start fhp-monitor again.")
    return target


# --------------------------------------------------------------------------- peers


def _unix_sockets() -> bool:
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


def _read_line(conn: socket.socket, limit: int) -> bytes | None:
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

    def __init__(self, home: Home, post: Callable[[str], None], describe: Callable[[], dict]) -> None:
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
        if not _unix_sockets():
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
            line = _read_line(conn, MAX_REQUEST_BYTES)
        except socket.timeout:
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
        if command == "pause":
            until = request.get("until")
            done = self._post_and_confirm("pause_tomorrow" if until == "tomorrow" else f"pause_for:{request['seconds']}",
                                          lambda s: s["state"] == "paused")
        elif command == "resume":
            done = self._post_and_confirm(
                "resume", lambda s: s["state"] != "paused" or s["pause_reason"] in ("screen_locked", "suspended"))
        else:  # quit, panel, reload: acted on by the main thread; nothing to wait for here
            self.post(command)
            done = True
        return {"ok": True, "done": done, "status": self.describe(), "pid": os.getpid()}

    def _post_and_confirm(self, command: str, shows: Callable[[dict], bool]) -> bool:
        with self._changed:
            seen = self._generation
        self.post(command)
        with self._changed:
            return self._changed.wait_for(lambda: self._generation > seen and shows(self.describe()),
                                          CONFIRM_TIMEOUT_S)


# --------------------------------------------------------------------------- client


def _connect(path: Path) -> socket.socket:
    info = os.lstat(path)
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
        raise ControlError(f"{path} is not a control socket of yours, so fhp-monitor will not talk to it.")
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(CLIENT_TIMEOUT_S)
        conn.connect(os.fsdecode(path))
        uid, _pid = peer_uid_pid(conn)
        if uid != os.getuid():
            raise ControlError(f"the program listening on {path} runs as another user (uid {uid}), "
                               "so fhp-monitor will not talk to it.")
    except BaseException:
        conn.close()
        raise
    return conn


def request(home: Home, message: dict) -> dict:
    """Send one request to the instance running in ``home`` and return its reply.

    Raises NotRunning when no instance holds the lock, ControlError when it cannot be reached or
    trusted. Waits up to CONNECT_WAIT_S for an instance that is still starting to listen.
    """
    if not _unix_sockets():
        raise ControlError("Controlling a running fhp-monitor from the command line is not available on "
                           "this system yet; use its tray icon.")
    deadline = time.monotonic() + CONNECT_WAIT_S
    while True:
        if not instance_running(home.lock):
            raise NotRunning(f"not running in {home.root}")
        path = socket_path_for_client(home)
        try:
            if path is None:
                raise FileNotFoundError(POINTER_NAME)
            conn = _connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            if time.monotonic() >= deadline:
                raise ControlError("fhp-monitor is running but does not answer commands yet "
                                   f"({exc.__class__.__name__}); try again in a moment.") from None
            time.sleep(0.1)  # the instance is loading; its socket appears when it is ready
    with conn:
        try:
            conn.sendall(json.dumps(message).encode("utf-8") + b"\n")
            line = _read_line(conn, MAX_REPLY_BYTES)
        except OSError as exc:
            raise ControlError(f"fhp-monitor did not answer ({exc}).") from None
    if line is None:
        raise ControlError("fhp-monitor did not answer the command (it may be shutting down).")
    reply = json.loads(line.decode("utf-8"))
    if not isinstance(reply, dict) or not reply.get("ok"):
        raise ControlError(f"fhp-monitor refused the command: {reply!r:.120}")
    return reply


def query_status(home: Home) -> dict:
    """``running``/``state``/``paused_until``/``pause_reason`` for the home (running: False if none)."""
    try:
        reply = request(home, {"cmd": "status"})
    except NotRunning:
        return not_running_status()
    except ControlError as exc:
        if not instance_running(home.lock):
            return not_running_status()
        log.info("the running instance did not answer the status request: %s", exc)
        return {"running": True, "state": "starting", "paused_until": None, "pause_reason": None}
    status = reply.get("status") or {}
    return {"running": True, "state": status.get("state"), "paused_until": status.get("paused_until"),
            "pause_reason": status.get("pause_reason")}


def _process_gone(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] in (b"Z", b"X")  # a zombie has ended
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


def wait_until_gone(home: Home, pid: int | None, timeout: float = QUIT_WAIT_S) -> bool:
    """After ``quit``: True once the instance let go of its lock and its process ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not instance_running(home.lock) and _process_gone(pid):
            return True
        time.sleep(0.1)  # another process is shutting down; there is nothing to wait on but its lock
    return False


def open_running_panel(home: Home) -> str | None:
    """A second `fhp-monitor`: ask the running one to show its panel. Returns the line to print,
    or None when it cannot be asked (the caller then says it is already running, as before)."""
    try:
        reply = request(home, {"cmd": "panel"})
    except (NotRunning, ControlError) as exc:
        log.info("could not ask the running instance to open its panel: %s", exc)
        return None
    if (reply.get("status") or {}).get("window"):
        return "fhp-monitor is already running; its window is opening now."
    return ("fhp-monitor is already running (without a window on this screen); "
            "`fhp-monitor status` shows how it is doing.")


def reload_running(home: Home) -> str | None:
    """After `fhp-monitor calibrate`: the running instance (if any) takes the new baseline.
    Returns a line for the user, or None when no instance runs."""
    try:
        request(home, {"cmd": "reload"})
    except NotRunning:
        return None
    except ControlError as exc:
        return f"The running fhp-monitor could not be told ({exc}); restart it to use the new calibration."
    return "The running fhp-monitor now uses the new calibration."
