"""File descriptor 2 shared by native libraries and the app's own stderr lines.

MediaPipe's C++ side prints start-up chatter (XNNPACK, glog) straight to file descriptor 2, which
would confuse users; :func:`quiet_native_stderr` points fd 2 at /dev/null around those calls. fd 2
belongs to the whole process, so a line the app writes from another thread meanwhile (a warning
from the D-Bus thread, say) would vanish with the chatter: that was seen, a "connection was lost"
warning written during a look never reached the terminal. :data:`STDERR_LOCK` is held for the
quiet time and by the log's stderr handler (log_setup.py), so such a line waits (at most one model
load or look, ~0.1-1 s) and is then shown.

Thread contract: any thread. The lock is re-entrant, so code inside a quiet block may log.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STDERR_LOCK = threading.RLock()


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence native chatter on fd 2 for the block; Python errors still raise, app lines wait."""
    with STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:
            yield
            return
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 2)
                try:
                    yield
                finally:
                    os.dup2(saved, 2)
        finally:
            os.close(saved)
