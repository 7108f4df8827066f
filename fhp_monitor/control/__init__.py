"""Control of the running instance from outside: server.py (in the app), client.py (the CLI), over
one transport per system behind the interface of channel.py, chosen by :func:`transport`."""

from __future__ import annotations

import os
from types import ModuleType


def transport() -> ModuleType:
    """The channel module for this system: the named pipe on Windows, the Unix socket elsewhere."""
    if os.name == "nt":
        from fhp_monitor.control import windows_pipe

        return windows_pipe
    from fhp_monitor.control import unix_socket

    return unix_socket
