"""What the control server and client need from a transport, whatever the system.

One module per system implements it: :mod:`fhp_monitor.control.unix_socket` (Linux, macOS, BSD: a
private Unix socket, peers checked by uid) and :mod:`fhp_monitor.control.windows_pipe` (Windows: a
named pipe and a per-run key in the user's own folder, proven both ways). :func:`fhp_monitor.control.transport`
chooses. A transport module offers:

* ``available() -> bool``: whether it works on this system.
* ``listen(home) -> Listening`` (main thread; OSError or ControlError when it cannot).
* ``connect(home, timeout) -> Link`` (client): FileNotFoundError or ConnectionRefusedError while the
  instance is not listening yet, ControlError when what answers is not trusted, OSError otherwise.
* ``process_gone(pid) -> bool``: whether the instance's process has ended (after ``quit``).
"""

from __future__ import annotations

from typing import Protocol

from fhp_monitor.errors import UserError


class ControlError(UserError):
    """The running instance cannot be reached or trusted; the message says why (one line)."""


class Link(Protocol):
    """One trusted connection: one request line in, one reply line out (either side).

    Thread contract: used by one thread (the fhp-control thread on the server, the CLI's on the client)."""

    def read_line(self, limit: int, timeout: float) -> bytes | None:
        """The next line without its newline; None when it is longer than ``limit`` or the peer hung
        up; TimeoutError when nothing came within ``timeout`` seconds."""

    def send_line(self, data: bytes) -> None:
        """Send ``data`` and a newline (OSError when the peer is gone)."""

    def close(self) -> None: ...


class Listening(Protocol):
    """The server's end: made by ``listen`` on the main thread.

    Thread contract: ``accept`` on the fhp-control thread only; ``close`` from the main thread wakes
    a blocked ``accept`` (which then raises OSError); ``remove`` on the main thread after that
    thread ended (deletes what the transport left in the home: socket, pointer, key)."""

    where: str

    def accept(self) -> Link | None:
        """The next trusted client, or None for one refused (logged); OSError once closed."""

    def close(self) -> None: ...

    def remove(self) -> None: ...
