"""Open the user's programs (text editor, image viewer) without fhp-monitor's network guard.

The seccomp filter of :mod:`fhp_monitor.process.netguard` is inherited by every child and can never be
removed, so a program started from the guarded process (``xdg-open config.yaml`` and the editor it
runs) would have no internet either. Instead, the CLI starts a tiny helper *before* it installs
the filter: a fresh ``python -I -S`` that reads one JSON list (an argv) per line on its stdin and
starts it, detached, in a session of its own. The helper runs nothing else, holds no file of the
app, and ends when the app closes the pipe (also when the app dies: the pipe closes with it).

Only ``run`` needs it (the tray's "Settings" and "Today's summary"); our own calibration wizard
is started from the guarded process on purpose and keeps the guard.

Thread contract: :func:`spawn` from any thread (a lock serialises writes to the pipe).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)

_HELPER = r"""
import json, signal, subprocess, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps what we start
signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is for the app; we end when its pipe closes
for line in sys.stdin:
    try:
        argv = json.loads(line)
        if not (isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)):
            raise ValueError("not an argument list")
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    except (OSError, ValueError) as exc:
        sys.stderr.write("fhp-monitor: could not open %r: %s\n" % (line.strip()[:200], exc))
"""  # not translated: Python source of the helper process (it loads no catalogs)

_lock = threading.Lock()
_helper: subprocess.Popen | None = None


def start_spawner() -> bool:
    """Start the helper; call before ``block_internet``. True when it runs (idempotent).

    Not on Windows: there is no network guard to escape there (netguard.py is Linux-only) and the
    app opens files with ``os.startfile``; the helper's POSIX signals do not exist either."""
    global _helper
    if os.name == "nt":
        return False
    with _lock:
        if _helper is not None and _helper.poll() is None:
            return True
        try:
            _helper = subprocess.Popen([sys.executable, "-I", "-S", "-c", _HELPER], stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, close_fds=True, text=True)
        except OSError as exc:
            log.warning("programs opened from fhp-monitor will have no network: the helper did not start (%s)", exc)
            _helper = None
            return False
        return True


def spawn(argv: Sequence[str]) -> bool:
    """Start ``argv`` through the helper (no network guard). False when there is no helper."""
    with _lock:
        if _helper is None or _helper.poll() is not None or _helper.stdin is None:
            return False
        try:
            _helper.stdin.write(json.dumps([str(a) for a in argv]) + "\n")
            _helper.stdin.flush()
        except (OSError, ValueError) as exc:  # the helper is gone
            log.warning("the helper that opens programs is gone (%s)", exc)
            return False
        return True


def stop_spawner() -> None:
    """Close the pipe; the helper ends (programs it started keep running)."""
    global _helper
    with _lock:
        helper, _helper = _helper, None
    if helper is not None:
        if helper.stdin is not None:
            helper.stdin.close()
        try:
            helper.wait(timeout=5)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
