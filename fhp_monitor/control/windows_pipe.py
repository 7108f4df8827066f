"""The control channel on Windows: a named pipe (``multiprocessing.connection``) and a key only this
user can read.

* The pipe is ``\\\\.\\pipe\\fhp-monitor-<hash of user name and home>``. Windows' default security on
  a pipe lets only its creator (and administrators / SYSTEM) open it for writing, and
  ``multiprocessing`` creates the first instance with ``FILE_FLAG_FIRST_PIPE_INSTANCE``: if someone
  else already made a pipe of that name, ``listen`` fails instead of sharing it.
* Both ends prove they hold the same secret before one request line is read: at every start the
  server writes 32 random bytes to ``control.key`` in the home (the user's ``%APPDATA%``, private
  by its ACLs; written without following a link), and a challenge/response over HMAC-SHA256 runs in
  both directions (:func:`_prove`). A client without the key is refused and logged, and a client
  never sends a command to a pipe whose server cannot prove it knows the key.
* Every wait has a deadline (``poll``): a client that connects and says nothing cannot hold the
  server.

The interface is the one of :mod:`fhp_monitor.control.unix_socket`. ``family``/``address`` can be
given (tests drive the very same handshake over ``AF_UNIX`` on Linux).
Thread contract: ``listen``/``Listening.close`` on the main thread, ``accept`` and the server-side
links on the fhp-control thread; the client side on the CLI's only thread.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import logging
import os
import secrets
from multiprocessing import connection as mpc

from fhp_monitor.control.channel import ControlError
from fhp_monitor.core.i18n import _
from fhp_monitor.home.files import path_is_link
from fhp_monitor.home.folder import Home, open_private

log = logging.getLogger(__name__)

KEY_NAME = "control.key"
KEY_BYTES = 32
HANDSHAKE_TIMEOUT_S = 2.0
MAX_HANDSHAKE_BYTES = 256


def available() -> bool:
    return os.name == "nt"


def pipe_address(home: Home) -> str:
    """The pipe's name: one per user and home (two homes of one user may run side by side)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}\0{home.root}".encode()).hexdigest()[:24]
    return rf"\\.\pipe\fhp-monitor-{digest}"


# --------------------------------------------------------------------------- the key


def write_key(home: Home) -> bytes:
    """A fresh key for this run, written privately (a temporary file, then renamed over the old one)."""
    key = secrets.token_bytes(KEY_BYTES)
    path = home.root / KEY_NAME
    temporary = path.with_name(f".{KEY_NAME}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    fd = open_private(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(key.hex().encode("ascii"))
        if path_is_link(path):
            raise ControlError(_("{path} is a link; fhp-monitor will not use it. Delete it and start again.").format(
                path=path))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return key


def read_key(home: Home) -> bytes | None:
    """The running instance's key, None when there is none yet (the instance is still starting)."""
    path = home.root / KEY_NAME
    try:
        fd = open_private(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        text = handle.read(2 * KEY_BYTES + 1)
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ControlError(_("{path} is not a key written by fhp-monitor; delete it and start fhp-monitor again.")
                           .format(path=path))
    return key


# --------------------------------------------------------------------------- the handshake


def _mac(key: bytes, role: bytes, challenge: bytes) -> bytes:
    return hmac.new(key, role + challenge, hashlib.sha256).digest()


def _receive(conn: mpc.Connection, timeout: float) -> bytes:
    if not conn.poll(timeout):
        raise TimeoutError(_("no answer in time"))
    return conn.recv_bytes(MAX_HANDSHAKE_BYTES)


def _prove(conn: mpc.Connection, key: bytes, server: bool, timeout: float = HANDSHAKE_TIMEOUT_S) -> bool:
    """Mutual challenge/response: each side sends 32 random bytes and checks the other's HMAC of them
    (with its role mixed in, so an answer cannot be reflected back). True when the peer holds ``key``."""
    mine = secrets.token_bytes(32)
    if server:
        conn.send_bytes(mine)
        reply = _receive(conn, timeout)  # the client's MAC of our challenge, then its own challenge
        if len(reply) != 64 or not hmac.compare_digest(reply[:32], _mac(key, b"client", mine)):
            return False
        conn.send_bytes(_mac(key, b"server", reply[32:]))
        return True
    theirs = _receive(conn, timeout)
    if len(theirs) != 32:
        return False
    conn.send_bytes(_mac(key, b"client", theirs) + mine)
    return hmac.compare_digest(_receive(conn, timeout), _mac(key, b"server", mine))


class Link:
    """One authenticated connection: a request line one way, a reply line the other."""

    def __init__(self, conn: mpc.Connection) -> None:
        self._conn = conn

    def read_line(self, limit: int, timeout: float) -> bytes | None:
        """The next message (None when longer than ``limit`` or the peer hung up); TimeoutError."""
        if not self._conn.poll(timeout):
            raise TimeoutError("no line in time")  # not translated: the server's own, for the log
        try:
            data = self._conn.recv_bytes(limit + 1)
        except EOFError:
            return None
        except OSError as exc:  # "bad message length": longer than the limit
            log.debug("control message refused: %s", exc)
            return None
        line = data.split(b"\n", 1)[0]
        return line if len(line) < limit else None

    def send_line(self, data: bytes) -> None:
        self._conn.send_bytes(data + b"\n")

    def close(self) -> None:
        self._conn.close()


# --------------------------------------------------------------------------- server side


class Listening:
    """The listening pipe of a running instance."""

    def __init__(self, home: Home, listener: mpc.Listener, key: bytes, family: str) -> None:
        self.home, self._listener, self._key, self._family = home, listener, key, family
        self.where = str(listener.address)
        self._closed = False

    def accept(self) -> Link | None:
        """The next client holding the key (None for one refused and logged); OSError once closed."""
        if self._closed:
            raise OSError("the control pipe is closed")  # not translated: ends the server's loop
        conn = self._listener.accept()
        if self._closed:
            conn.close()
            raise OSError("the control pipe is closed")  # not translated: ends the server's loop
        try:
            proven = _prove(conn, self._key, server=True)
        except (OSError, EOFError, TimeoutError) as exc:
            log.warning("refused a control connection that did not prove it holds the key (%s)", exc)
            conn.close()
            return None
        if not proven:
            log.warning("refused a control connection without the key (not this user's fhp-monitor)")
            conn.close()
            return None
        return Link(conn)

    def close(self) -> None:
        """Stop accepting: a connection of our own wakes ``accept``, which then ends."""
        if self._closed:
            return
        self._closed = True
        try:
            mpc.Client(self._listener.address, family=self._family).close()
        except OSError as exc:
            log.debug("waking the control pipe: %s", exc)
        self._listener.close()

    def remove(self) -> None:
        """After the serving thread ended: the key goes (a pipe leaves no file behind)."""
        (self.home.root / KEY_NAME).unlink(missing_ok=True)


def listen(home: Home, *, family: str = "AF_PIPE", address: str | None = None) -> Listening:
    """Create the pipe (fails if another process already owns that name) and a fresh key."""
    key = write_key(home)
    listener = mpc.Listener(address or pipe_address(home), family=family, backlog=8)
    return Listening(home, listener, key, family)


# --------------------------------------------------------------------------- client side


def connect(home: Home, timeout: float, *, family: str = "AF_PIPE", address: str | None = None) -> Link:
    """A link to the instance of ``home`` that proved it holds the key. FileNotFoundError while it is
    not listening yet (no pipe or no key); ControlError when the other end cannot prove it."""
    key = read_key(home)
    if key is None:
        raise FileNotFoundError(str(home.root / KEY_NAME))
    try:
        conn = mpc.Client(address or pipe_address(home), family=family)
    except OSError as exc:
        # ERROR_FILE_NOT_FOUND (2), ERROR_PIPE_BUSY (231), ERROR_SEM_TIMEOUT (121): not ready yet
        if getattr(exc, "winerror", None) in (2, 121, 231) or isinstance(exc, FileNotFoundError):
            raise FileNotFoundError(str(address or pipe_address(home))) from None
        raise
    try:
        if not _prove(conn, key, server=False, timeout=timeout):
            raise ControlError(_("the program answering on fhp-monitor's pipe does not hold its key, "
                                 "so fhp-monitor will not talk to it."))
    except (EOFError, TimeoutError) as exc:
        conn.close()
        raise ControlError(_("the program on fhp-monitor's pipe did not finish the handshake ({error}).").format(
            error=exc)) from None
    except BaseException:
        conn.close()
        raise
    return Link(conn)


def process_gone(pid: int | None) -> bool:
    """True when process ``pid`` has ended (never ``os.kill``: on Windows that terminates it)."""
    if pid is None:
        return True
    import ctypes

    synchronize, wait_object_0 = 0x00100000, 0
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = ctypes.c_void_p
    kernel32.OpenProcess.argtypes = (ctypes.c_uint32, ctypes.c_int, ctypes.c_uint32)
    kernel32.WaitForSingleObject.argtypes = (ctypes.c_void_p, ctypes.c_uint32)
    kernel32.CloseHandle.argtypes = (ctypes.c_void_p,)
    handle = kernel32.OpenProcess(synchronize, False, pid)
    if not handle:
        return True  # no such process (or not ours to see: then it is not the instance we asked)
    try:
        return kernel32.WaitForSingleObject(handle, 0) == wait_object_0
    finally:
        kernel32.CloseHandle(handle)


__all__ = ["Link", "Listening", "connect", "listen", "process_gone", "read_key", "write_key"]
