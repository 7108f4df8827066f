"""Open the user's programs (text editor, image viewer) without fhp-monitor's network guard.

The seccomp filter of :mod:`fhp_monitor.process.netguard` is inherited by every child and can never be
removed, so a program started from the guarded process (``xdg-open config.yaml`` and the editor it
runs) would have no internet either. Instead, the CLI starts a tiny helper *before* it installs
the filter: ``/bin/sh`` running a five-line loop that reads one command per line on its stdin (its
words quoted for the shell with :func:`shlex.quote`, so the loop's ``eval`` only ever sets its
arguments) and starts it in the background, in a session of its own. The helper runs nothing else,
holds no file of the app, and ends when the app closes the pipe (also when the app dies: the pipe
closes with it). A shell, not a second Python: it is there all day, and measured it holds about
1 MB of RSS (dash; bash about 3 MB) where ``python -I -S`` held 11 MB.

Only ``run`` needs it (the tray's "Settings" and "Today's summary"); our own calibration wizard
is started from the guarded process on purpose and keeps the guard.

Thread contract: :func:`spawn` from any thread (a lock serialises writes to the pipe).
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import threading
from collections.abc import Sequence

log = logging.getLogger(__name__)

SHELL = "/bin/sh"
# Each line is ``'word' 'word' ...`` (shlex.quote): ``eval "set -- $line"`` makes them the loop's
# arguments and runs nothing. The program starts in the background of a subshell that ends at once
# (so the program is re-parented, never a zombie of the helper, and the shell never waits for it; a
# background job of a non-interactive shell gets SIGINT ignored), under setsid when there is one:
# no signal from the app's terminal reaches it. Its stdout and stderr go nowhere; a program that is
# not there is one line on the helper's stderr (the app's).
_HELPER = r"""
trap '' INT
if command -v setsid >/dev/null 2>&1; then detach=setsid; else detach=; fi
while IFS= read -r line; do
  eval "set -- $line" || continue
  if [ $# -eq 0 ]; then continue; fi
  if ! command -v "$1" >/dev/null 2>&1; then echo "fhp-monitor: could not open $1: not found" >&2; continue; fi
  ( $detach "$@" </dev/null >/dev/null 2>&1 & )
done
"""  # not translated: shell source of the helper process (its one line is for the log/terminal)

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
            _helper = subprocess.Popen([SHELL, "-c", _HELPER], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       close_fds=True, text=True)
        except OSError as exc:
            log.warning("programs opened from fhp-monitor will have no network: the helper did not start (%s)", exc)
            _helper = None
            return False
        return True


def spawn(argv: Sequence[str]) -> bool:
    """Start ``argv`` through the helper (no network guard). False when there is no helper, or when
    a word holds a line break or a NUL (a line is one command), so the caller opens it itself."""
    words = [str(a) for a in argv]
    if not words or any("\n" in w or "\r" in w or "\0" in w for w in words):
        return False
    with _lock:
        if _helper is None or _helper.poll() is not None or _helper.stdin is None:
            return False
        try:
            _helper.stdin.write(shlex.join(words) + "\n")
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
