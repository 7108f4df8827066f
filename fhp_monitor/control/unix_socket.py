"""The control channel on Linux, macOS and BSD: a Unix socket only this user can reach.

* It lives in the home folder (0700) as ``control.sock``, bound under a 0077 umask and set to 0600.
  AF_UNIX paths are limited to ~107 bytes; when the home's path is too long the socket goes in a
  private 0700 folder ``fhp-monitor-<uid>-<hash of the home>`` under ``$XDG_RUNTIME_DIR`` (else the
  temp folder), and the home keeps a pointer to it (``control.where``).
* Both ends check who is on the other side: the server answers only peers with our uid
  (SO_PEERCRED on Linux, LOCAL_PEERCRED on macOS/BSD) and the client talks only to a socket owned
  by our uid whose server runs as our uid.
* A socket left behind by a killed instance is removed by the next one, which holds the lock.

The interface (shared with :mod:`fhp_monitor.control.windows_pipe`, chosen in
:mod:`fhp_monitor.control.channel`): :func:`listen` → :class:`Listening` (``accept``/``close``),
:func:`connect` → :class:`Link` (``read_line``/``send_line``/``close``), :func:`process_gone`.
Thread contract: ``listen``/``Listening.close`` on the app's main thread, ``accept`` and the
server-side links on the fhp-control thread; the client side on the CLI's only thread.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
from pathlib import Path

from fhp_monitor.control.channel import ControlError
from fhp_monitor.core.i18n import _
from fhp_monitor.home.folder import Home

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
POINTER_NAME = "control.where"
MAX_SUN_PATH = 100  # bytes; Linux allows 107 (108 with the NUL), macOS 103
MAX_POINTER_BYTES = 4096


def available() -> bool:
    return os.name != "nt" and hasattr(socket, "AF_UNIX")


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
    raise ControlError(_("fhp-monitor found no short private folder for its control socket "
                         "(set XDG_RUNTIME_DIR or choose a shorter --home)."))


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
        raise ControlError(_("{folder} is not a private folder of yours, so fhp-monitor will not put its "
                             "control socket there. Remove it, or choose a shorter --home.").format(folder=folder))
    return folder / SOCKET_NAME


def socket_path_for_client(home: Home) -> Path | None:
    """Where a running instance's socket is (None when its pointer is missing: not listening yet)."""
    direct = home.root / SOCKET_NAME
    if len(os.fsencode(direct)) <= MAX_SUN_PATH:
        return direct
    pointer = home.root / POINTER_NAME
    try:
        info = os.lstat(pointer)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > MAX_POINTER_BYTES:
            raise ControlError(_("{path} is not a small file of yours; remove it and start fhp-monitor again.").format(
                path=pointer))
        target = Path(pointer.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ControlError(_("fhp-monitor cannot read {path} ({error}); remove it and start fhp-monitor again.").format(
            path=pointer, error=exc)) from None
    if target.name != SOCKET_NAME or not private_dir_ok(target.parent):
        raise ControlError(_("{path} points to {folder}, which is not a private folder of yours; "
                             "remove it and start fhp-monitor again.").format(path=pointer, folder=target.parent))
    return target


# --------------------------------------------------------------------------- peers and lines


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
    raise OSError(_("this system cannot tell who is on the other end of a socket"))


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


class Link:
    """One connection: a request line one way, a reply line the other."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn

    def read_line(self, limit: int, timeout: float) -> bytes | None:
        """The next line (None when too long or the peer hung up); TimeoutError after ``timeout``."""
        self._conn.settimeout(timeout)
        return read_line(self._conn, limit)

    def send_line(self, data: bytes) -> None:
        self._conn.sendall(data + b"\n")

    def close(self) -> None:
        self._conn.close()


# --------------------------------------------------------------------------- server side


class Listening:
    """The bound socket of a running instance."""

    def __init__(self, home: Home, path: Path, sock: socket.socket) -> None:
        self.home, self.path, self._sock = home, path, sock
        self.where = str(path)
        self._inode = os.lstat(path).st_ino

    def accept(self) -> Link | None:
        """The next client of this user (None for one refused and logged); OSError once closed."""
        conn, _ = self._sock.accept()
        try:
            uid, pid = peer_uid_pid(conn)
        except OSError:
            conn.close()
            raise
        if uid != os.getuid():
            log.warning("refused a control connection from another user (uid %s, pid %s)", uid, pid)
            conn.close()
            return None
        return Link(conn)

    def close(self) -> None:
        """Stop accepting (wakes ``accept``) and remove the socket if it is still ours."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        except OSError as exc:  # other systems: close() below wakes accept()
            log.debug("shutdown of the control socket: %s", exc)
        self._sock.close()

    def remove(self) -> None:
        """After the serving thread ended: the socket file (only if still ours), pointer and folder."""
        path = self.path
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


def _write_pointer(home: Home, path: Path) -> None:
    pointer = home.root / POINTER_NAME
    temporary = pointer.with_name(POINTER_NAME + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(os.fsdecode(path) + "\n")
    os.replace(temporary, pointer)


def listen(home: Home) -> Listening:
    """Bind the instance's socket (we hold the instance lock). OSError/ControlError when we cannot."""
    path = socket_path_for_server(home)
    # We hold the instance lock, so whatever sits at the path is left from an instance that died.
    try:
        os.unlink(path)
        log.info("removed a control socket left behind at %s", path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        previous = os.umask(0o077)
        try:
            sock.bind(os.fsdecode(path))
        finally:
            os.umask(previous)
        os.chmod(path, 0o600)
        sock.listen(8)
        listening = Listening(home, path, sock)
        if path.parent != home.root:
            _write_pointer(home, path)
    except BaseException:
        sock.close()
        raise
    return listening


# --------------------------------------------------------------------------- client side


def connect(home: Home, timeout: float) -> Link:
    """A link to the instance of ``home``. FileNotFoundError/ConnectionRefusedError while it is not
    listening yet; ControlError when what listens is not trusted; other OSError as they come."""
    path = socket_path_for_client(home)
    if path is None:
        raise FileNotFoundError(POINTER_NAME)
    info = os.lstat(path)
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
        raise ControlError(_("{path} is not a control socket of yours, so fhp-monitor will not talk to it.").format(
            path=path))
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout)
        conn.connect(os.fsdecode(path))
        uid, _pid = peer_uid_pid(conn)
        if uid != os.getuid():
            raise ControlError(_("the program listening on {path} runs as another user (uid {uid}), "
                                 "so fhp-monitor will not talk to it.").format(path=path, uid=uid))
    except BaseException:
        conn.close()
        raise
    return Link(conn)


def process_gone(pid: int | None) -> bool:
    """True when process ``pid`` has ended (a zombie counts as ended)."""
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
